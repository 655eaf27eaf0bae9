"""Staff forms. Choices of regions and schools are restricted to the user's subtree; rules
are not checked here but in the services, whose ServiceError lands on the named field."""

from crispy_forms.helper import FormHelper
from django import forms
from django.forms import formset_factory
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from core.errors import ServiceError
from core.idnumber import ID_INPUT_MAX_LENGTH, IdNumberError, parse_id_number
from core.money import AmountError, column_max, parse_amount
from core.phone import PHONE_FORMAT_HELP, PhoneError, normalize_phone
from core.validation import TEXT_PARAM_MAX_LENGTH, check_date, plausible_date
from core.models import Region, RegionLevel
from enrollment.models import Category, Channel, Household, Payment, PaymentMethod, Person, PriorCoverageKind, Relation, School
from enrollment.selectors import village_choices

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# Continuous years of employee insurance a transfer may claim (X000 art. 12 needs 2): no working
# life holds more, and the column (a smallint) would refuse a larger number with a database error.
PRIOR_COVERAGE_YEARS_MAX = 80


def _max_length(model, field_name: str) -> int:
    return model._meta.get_field(field_name).max_length


class PhoneField(forms.CharField):
    """联系电话 (optional): a mobile or landline number (core.phone), as the lists import it."""

    def __init__(self, **kwargs):
        # inputmode: a phone's number pad; the help text says what is taken, in every form.
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off", "placeholder": "手机号或固定电话"}))
        super().__init__(label="联系电话", max_length=_max_length(Person, "phone"), required=False, help_text=PHONE_FORMAT_HELP, **kwargs)

    def clean(self, value):
        try:
            return normalize_phone(super().clean(value))
        except PhoneError as error:
            raise forms.ValidationError(error.message) from None


class FastSelect(forms.Select):
    """A select rendered in Python: a county has hundreds of villages, and Django's template
    per option costs tens of milliseconds on every page that shows the list."""

    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, attrs or {})
        final["name"] = name
        chosen = "" if value is None else str(value)
        options = format_html_join(
            "", '<option value="{}"{}>{}</option>',
            ((key, mark_safe(" selected") if str(key) == chosen else "", label) for key, label in self.choices),
        )
        return format_html("<select{}>{}</select>", flatatt(final), options)


class VillageField(forms.ModelChoiceField):
    """A village of the user's region; options from selectors.village_choices (plain values),
    the submitted one checked against the restricted queryset."""

    widget = FastSelect

    def __init__(self, *, user, **kwargs):
        self._user = user
        kwargs.setdefault("empty_label", "请选择村（社区）")
        super().__init__(queryset=villages_for(user), **kwargs)

    def _get_choices(self):
        head = [("", self.empty_label)] if self.empty_label is not None else []
        return head + village_choices(self._user)

    choices = property(_get_choices, forms.ChoiceField.choices.fset)


def villages_for(user):
    return Region.objects.restrict(user).filter(level=RegionLevel.VILLAGE)


def schools_for(user):
    return School.objects.restrict(user).order_by("name")


def apply_service_error(form, error):
    """Show a ServiceError on its field when the form has it, else on the form."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


class CrispyForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class PersonSearchForm(CrispyForm):
    q = forms.CharField(label="身份证号或姓名", required=False, max_length=TEXT_PARAM_MAX_LENGTH, widget=forms.TextInput(attrs={"placeholder": "输入身份证号（可只输前几位）或姓名", "autofocus": True}))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"] = VillageField(label="村/社区", user=user, required=False, empty_label="全部")


class HouseholdForm(CrispyForm):
    number = forms.CharField(label="户号", required=False, max_length=_max_length(Household, "number"))
    address = forms.CharField(label="住址", required=False, max_length=_max_length(Household, "address"))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"] = VillageField(label="村/社区", user=user, empty_label="请选择村（社区）")
        self.order_fields(["village", "address", "number"])


class MemberForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=_max_length(Person, "name"))
    id_number = forms.CharField(label="身份证号", max_length=ID_INPUT_MAX_LENGTH)
    # A blank first choice: empty member rows of the household form stay empty.
    relation_to_head = forms.ChoiceField(label="与户主关系", choices=[("", "—")] + Relation.choices)
    phone = PhoneField()

    def clean_id_number(self):
        try:
            return parse_id_number(self.cleaned_data["id_number"]).number
        except IdNumberError as error:
            raise forms.ValidationError(error.message) from None


class HouseholdMemberForm(MemberForm):
    """A member row of the household form, a table row: Bootstrap's small controls as on the
    other forms (crispy renders those), marked invalid next to their message."""

    phone_help = PHONE_FORMAT_HELP

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs["class"] = "form-select form-select-sm" if name == "relation_to_head" else "form-control form-control-sm"
        self.fields["id_number"].widget.attrs["class"] += " id-number"
        # The column header and the line above the table say it (once, not on every row).
        self.fields["phone"].widget.attrs.pop("placeholder", None)
        self.fields["phone"].help_text = ""

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["class"] += " is-invalid"


MemberFormSet = formset_factory(HouseholdMemberForm, extra=4, min_num=1, validate_min=True)


class PersonEditForm(CrispyForm):
    name = forms.CharField(label="姓名", max_length=_max_length(Person, "name"))
    phone = PhoneField()
    relation_to_head = forms.ChoiceField(label="与户主关系", choices=[("", "—")] + Relation.choices, required=False)
    # An explicit change of 户主: the former head's new relation (each household has one head).
    former_head_relation = forms.ChoiceField(
        label="原户主改为", required=False, choices=[("", "—")] + [c for c in Relation.choices if c[0] != Relation.HEAD],
        help_text="仅在把本人设为户主、变更本户户主时填写：原户主与新户主的关系",
    )
    status = forms.ChoiceField(label="状态", choices=Person.Status.choices)
    status_date = forms.DateField(validators=[plausible_date], label="死亡/迁出日期", required=False, widget=DATE_INPUT)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"] = VillageField(label="居住村/社区", user=user)


class EnrollmentTermsForm(CrispyForm):
    """The inputs of enrollment terms (RULES.md 2.2-2.3). Registering records no payment: a
    payment is recorded with its receipt (票据号, 实收金额, 缴费方式) on the payment page
    (payments.payment_record), where the amount due is shown before the money is taken; the
    registration page's 登记并缴费 leads there."""

    category = forms.ChoiceField(label="参保类别", choices=Category.choices, initial=Category.REGULAR)
    channel = forms.ChoiceField(label="参保渠道", choices=Channel.choices, initial=Channel.VILLAGE_BATCH)
    benefit_year = forms.IntegerField(label="参保年度", required=False, min_value=2000, max_value=2100,
                                      help_text="可选；按今天登记核定，核定结果须为该年度")
    prior_coverage_kind = forms.ChoiceField(label="接续事由", choices=[("", "无")] + PriorCoverageKind.choices, required=False)
    prior_coverage_ended_on = forms.DateField(validators=[plausible_date], label="原保障终止/转出日期", required=False, widget=DATE_INPUT)
    prior_coverage_years = forms.IntegerField(label="职工医保连续参保年数", required=False, min_value=0,
                                              max_value=PRIOR_COVERAGE_YEARS_MAX)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"] = forms.ModelChoiceField(label="学校", queryset=schools_for(user), required=False)
        self.order_fields(["category", "channel", "school", "benefit_year"])

    def clean(self):
        data = super().clean()
        if data.get("prior_coverage_kind") and not data.get("prior_coverage_ended_on") and "prior_coverage_ended_on" not in self.errors:
            self.add_error("prior_coverage_ended_on", "请填写原保障终止或转出日期")
        return data

    def prior_coverage(self):
        from enrollment.rules.terms import PriorCoverage

        data = self.cleaned_data
        if not data.get("prior_coverage_kind"):
            return None
        return PriorCoverage(data["prior_coverage_kind"], data["prior_coverage_ended_on"], data.get("prior_coverage_years"))

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "category": data["category"], "channel": data["channel"], "school": data.get("school"),
            "prior_coverage": self.prior_coverage(), "benefit_year": data.get("benefit_year"),
        }


class MemberEnrollForm(forms.Form):
    person_id = forms.IntegerField(widget=forms.HiddenInput)
    include = forms.BooleanField(label="参保", required=False, initial=True)
    category = forms.ChoiceField(label="参保类别", choices=Category.choices, initial=Category.REGULAR)


MemberEnrollFormSet = formset_factory(MemberEnrollForm, extra=0)


class HouseholdEnrollForm(CrispyForm):
    """全户参保登记: registers, records no payment (整户缴费 records it with its receipt)."""

    channel = forms.ChoiceField(label="参保渠道", choices=Channel.choices, initial=Channel.VILLAGE_BATCH)
    benefit_year = forms.IntegerField(label="参保年度", required=False, min_value=2000, max_value=2100,
                                      help_text="可选；按今天登记核定，核定结果须为该年度")


class ReasonForm(CrispyForm):
    reason = forms.CharField(label="原因", max_length=200)


class RenewForm(CrispyForm):
    to_year = forms.IntegerField(label="续保年度", min_value=2000, max_value=2100)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"] = VillageField(label="村/社区", user=user)
        self.order_fields(["village", "to_year"])
        if not self.is_bound:
            self.initial.setdefault("to_year", timezone.localdate().year + 1)


# ---------------------------------------------------------------------------- counter payments (缴费)


class CounterPaymentForm(CrispyForm):
    """A payment at the counter: the receipt's number, the amount received (which the service
    checks against what is due on the payment date), how it was paid, and the date."""

    receipt_number = forms.CharField(label="票据号", max_length=40, widget=forms.TextInput(attrs={"autocomplete": "off"}),
                                     help_text="缴费票据上的号码；同一县（市、区）内不能重复")
    amount_received = forms.CharField(label="实收金额（元）", max_length=20, widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
                                      help_text="须与应缴金额一致，精确到分")
    method = forms.ChoiceField(label="缴费方式", choices=PaymentMethod.choices, initial=PaymentMethod.CASH)
    payment_date = forms.DateField(validators=[plausible_date], label="缴费日期", widget=DATE_INPUT, initial=timezone.localdate)

    def clean_receipt_number(self):
        from enrollment.services.payments import normalize_receipt_number

        try:
            return normalize_receipt_number(self.cleaned_data["receipt_number"])
        except ServiceError as error:
            raise forms.ValidationError(error.message) from None

    def clean_amount_received(self):
        try:
            return parse_amount(self.cleaned_data["amount_received"], maximum=column_max(Payment._meta.get_field("amount")))
        except AmountError as error:
            raise forms.ValidationError(str(error)) from None

    def clean_payment_date(self):
        try:
            return check_date(self.cleaned_data["payment_date"], field="payment_date", label="缴费日期", not_after_today=True)
        except ServiceError as error:
            raise forms.ValidationError(error.message) from None

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {"receipt_number": data["receipt_number"], "amount_received": data["amount_received"], "method": data["method"],
                "payment_date": data["payment_date"]}


class HouseholdPaymentForm(CounterPaymentForm):
    """整户缴费: the unpaid enrollments of a household's members for one benefit year, ticked."""

    enrollments = forms.TypedMultipleChoiceField(label="缴费人员", coerce=int, widget=forms.CheckboxSelectMultiple,
                                                 error_messages={"required": "请至少选择一名缴费人员"})

    def __init__(self, *args, enrollments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enrollments"].choices = [(e.pk, e.person.name) for e in enrollments]
        self.fields["enrollments"].initial = [e.pk for e in enrollments]
        self.order_fields(["enrollments", "receipt_number", "amount_received", "method", "payment_date"])
