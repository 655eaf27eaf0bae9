"""Forms of the 门诊慢特病 pages: submit (申报), decide (审核), revoke, change facility, 两病
registration and the list's filters. The rules live in benefits.services.chronic; these forms
only read the input (choices limited to the person's catalogue and the user's facilities)."""

from django import forms

from assistance.forms import MultipleFileField
from benefits.models import ChronicApproval, ChronicDisease, DiseaseKind, Facility
from benefits.services.chronic import catalogue, facilities_for
from core.validation import plausible_date
from core.models import Region
from enrollment.forms import CrispyForm, FastSelect
from enrollment.worklists import region_choices

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _date(label, *, required=True, help_text=""):
    return forms.DateField(label=label, required=required, validators=[plausible_date], widget=DATE_INPUT, help_text=help_text)


def visible_diseases(user):
    """The catalogue diseases a user's lists offer: their pooling region's (a county's city), or
    every pooling region under a province user."""
    if not user.region_id:
        return ChronicDisease.objects.none()
    own = [d.pk for d in catalogue(user.region)]
    rows = ChronicDisease.objects.filter(pk__in=own) if own else ChronicDisease.objects.filter(region__path__startswith=user.region.path)
    return rows.order_by("region", "kind", "code")


def _facilities(user):
    return Facility.objects.restrict(user).filter(designated=True).order_by("-level", "code")


class FacilityChoiceField(forms.ModelChoiceField):
    """A facility by its county and name (Facility.name_with_county), code and level."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.places = None

    def place_names(self) -> dict:
        """The names of the choices' regions, read once per form (Facility.place_names)."""
        if self.places is None:
            self.places = Facility.place_names(self.queryset)
        return self.places

    def label_from_instance(self, obj):
        return f"{obj.name_with_county(self.place_names())}（{obj.code}，{obj.level}级）"


class DiseaseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        levels = ("" if obj.min_level is None and obj.max_level is None else
                  f"，{obj.min_level}级及以上" if obj.max_level is None else
                  f"，{obj.max_level}级及以下" if obj.min_level is None else f"，{obj.min_level}至{obj.max_level}级")
        return f"{obj.name}（{obj.get_kind_display()}{levels}）"


class ApprovalForm(CrispyForm):
    diagnosing_hospital = forms.CharField(label="确诊医院", max_length=100)
    diagnosed_on = _date("确诊日期")
    evidence = MultipleFileField(label="证明材料", help_text="诊断证明、病历、检查报告等，PDF、JPG、PNG，每个不超过10 MB；可选多个文件")

    def __init__(self, *args, user, person, **kwargs):
        super().__init__(*args, **kwargs)
        diseases = [d.pk for d in catalogue(person.village) if d.kind != DiseaseKind.TWO_DISEASES]
        self.fields["disease"] = DiseaseChoiceField(label="病种", queryset=ChronicDisease.objects.filter(pk__in=diseases).order_by("kind", "code"),
                                                    empty_label="请选择病种")
        self.fields["facility"] = FacilityChoiceField(label="选定的定点机构", queryset=facilities_for(person.village).order_by("-level", "code"),
                                                      empty_label="请选择定点机构",
                                                      help_text="门诊慢性病限二级及以下定点医疗机构，门诊特殊疾病限二级及以上")
        self.order_fields(["disease", "diagnosing_hospital", "diagnosed_on", "facility", "evidence"])


class DecisionForm(CrispyForm):
    decision = forms.ChoiceField(label="审核结论", choices=[("approve", "认定通过"), ("reject", "不予认定")], widget=forms.RadioSelect)
    valid_from = _date("有效期起", required=False, help_text="留空为今天（续期为原认定到期次日）")
    valid_to = _date("有效期止", required=False, help_text="留空按病种目录的有效期计算")
    reason = forms.CharField(label="审核意见", required=False, max_length=300, help_text="不予认定须填写理由")
    version = forms.IntegerField(widget=forms.HiddenInput)


class RevokeForm(CrispyForm):
    reason = forms.CharField(label="撤销原因", max_length=300, help_text="如 复核不符合条件、死亡、迁出")
    ended_on = _date("撤销日期", required=False, help_text="留空为今天；自该日起就医不再按门诊慢特病结算")
    confirm = forms.BooleanField(label="我已核对，确认撤销该认定")


class FacilityChangeForm(CrispyForm):
    reason = forms.CharField(label="变更原因", required=False, max_length=200)

    def __init__(self, *args, user, person, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facility"] = FacilityChoiceField(label="新的定点机构", queryset=facilities_for(person.village).order_by("-level", "code"),
                                                      empty_label="请选择定点机构")
        self.order_fields(["facility", "reason"])


class RegistrationForm(CrispyForm):
    registered_on = _date("登记日期")

    def __init__(self, *args, user, person, **kwargs):
        super().__init__(*args, **kwargs)
        diseases = [d.pk for d in catalogue(person.village) if d.kind == DiseaseKind.TWO_DISEASES]
        self.fields["disease"] = forms.ModelChoiceField(label="病种", queryset=ChronicDisease.objects.filter(pk__in=diseases).order_by("code"),
                                                        empty_label="请选择")
        self.fields["facility"] = FacilityChoiceField(label="登记机构", queryset=facilities_for(person.village).order_by("-level", "code"),
                                                      required=False, empty_label="（无）")
        self.order_fields(["disease", "registered_on", "facility"])


class RegistrationEndForm(CrispyForm):
    ended_on = _date("终止日期", help_text="自该日起两病用药不再按两病待遇结算；登记有误的，填登记日期（视为从未生效），再重新登记")
    reason = forms.CharField(label="终止原因", max_length=300, help_text="如 登记有误、不再治疗、迁出")


class ApprovalFilterForm(CrispyForm):
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部")] + ChronicApproval.Status.choices)
    expiring = forms.BooleanField(label="即将到期（续期提醒期内）", required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        diseases = visible_diseases(user).exclude(kind=DiseaseKind.TWO_DISEASES).select_related("region")
        self.fields["disease"] = forms.ModelChoiceField(label="病种", required=False, empty_label="全部", queryset=diseases)
        if len({d.region_id for d in diseases}) > 1:  # a province user: the pooling region's name too
            self.fields["disease"].label_from_instance = lambda d: f"{d.region.name} {d.name}"
        # The user's own facilities (another county's hospitals are not named on this page).
        self.fields["facility"] = FacilityChoiceField(label="定点机构", required=False, empty_label="全部", queryset=_facilities(user))
        self.fields["region"] = forms.TypedChoiceField(
            label="区划（县/乡镇/村）", required=False, coerce=int, empty_value=None, widget=FastSelect,
            choices=[("", "全部（本辖区）")] + region_choices(user),
            error_messages={"invalid_choice": "所选区划不存在或不在您的管辖范围内"})
        self.user = user
        self.order_fields(["disease", "facility", "region", "status", "expiring"])

    def region(self) -> Region | None:
        pk = self.cleaned_data.get("region") if self.is_bound and self.is_valid() else None
        return Region.objects.restrict(self.user).get(pk=pk) if pk else None
