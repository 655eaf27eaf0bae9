"""The collection worklist's filters (参保征缴清单), a GET form: its choices are the user's own
regions and schools, so another county's id is an invalid choice (400 through
core.validation.search_form), never a row."""

from django import forms

from core.models import Region
from core.validation import EARLIEST_DATE, LATEST_DATE, TEXT_PARAM_MAX_LENGTH
from enrollment import worklists
from enrollment.forms import CrispyForm, FastSelect
from enrollment.models import School

NOT_YOURS = "所选{}不存在或不在您的管辖范围内"


class CollectionFilterForm(CrispyForm):
    year = forms.IntegerField(label="待遇年度", required=False, min_value=EARLIEST_DATE.year, max_value=LATEST_DATE.year)
    status = forms.ChoiceField(label="缴费状态", required=False, choices=worklists.STATUS_CHOICES)
    q = forms.CharField(label="姓名或身份证号", required=False, max_length=TEXT_PARAM_MAX_LENGTH,
                        widget=forms.TextInput(attrs={"placeholder": "姓名或身份证号（可只输前几位）"}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["region"] = forms.TypedChoiceField(
            label="区划（县/乡镇/村）", required=False, coerce=int, empty_value=None, widget=FastSelect,
            choices=[("", "全部（本辖区）")] + worklists.region_choices(user),
            error_messages={"invalid_choice": NOT_YOURS.format("区划")},
        )
        self.fields["school"] = forms.TypedChoiceField(
            label="学校", required=False, coerce=int, empty_value=None, widget=FastSelect,
            choices=[("", "全部")] + worklists.school_choices(user),
            error_messages={"invalid_choice": NOT_YOURS.format("学校")},
        )
        self.order_fields(["year", "region", "school", "status", "q"])

    def scope(self, default_year: int) -> worklists.Scope:
        """The worklist's scope from the cleaned data (call after is_valid, or unbound)."""
        data = self.cleaned_data if self.is_bound else {}
        region = Region.objects.restrict(self.user).get(pk=data["region"]) if data.get("region") else None
        school = School.objects.restrict(self.user).get(pk=data["school"]) if data.get("school") else None
        return worklists.Scope(year=data.get("year") or default_year, status=data.get("status") or "", region=region,
                               school=school, query=data.get("q") or "")
