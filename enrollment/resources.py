"""import-export resources of the enrollment app: list imports run the project's importers
(core.resources.EngineResource); exports mask ID numbers for users without the right to
see them."""

from import_export import fields, resources

from core.idnumber import mask_id_number
from core.resources import EngineResource
from enrollment.models import EmployeeCoverage, Enrollment, Person


class EnrollmentListResource(EngineResource):
    kind = "enrollment_list"


class EmployeeCoverageListResource(EngineResource):
    kind = "employee_coverage"


class MaskingResource(resources.ModelResource):
    def __init__(self, user=None, **kwargs):
        super().__init__(**kwargs)
        self.full_ids = bool(user and user.has_perm("core.view_full_id_number"))

    def id_value(self, number):
        return number if self.full_ids else mask_id_number(number)


class PersonExportResource(MaskingResource):
    name = fields.Field(attribute="name", column_name="姓名")
    id_number = fields.Field(column_name="身份证号")
    gender = fields.Field(attribute="get_gender_display", column_name="性别")
    birth_date = fields.Field(attribute="birth_date", column_name="出生日期")
    phone = fields.Field(attribute="phone", column_name="联系电话")
    village = fields.Field(attribute="village__name", column_name="村/社区")
    status = fields.Field(attribute="get_status_display", column_name="状态")

    class Meta:
        model = Person
        fields = ("name", "id_number", "gender", "birth_date", "phone", "village", "status")

    def dehydrate_id_number(self, person):
        return self.id_value(person.id_number)


class EnrollmentExportResource(MaskingResource):
    name = fields.Field(attribute="person__name", column_name="姓名")
    id_number = fields.Field(column_name="身份证号")
    benefit_year = fields.Field(attribute="benefit_year", column_name="参保年度")
    category = fields.Field(attribute="get_category_display", column_name="参保类别")
    channel = fields.Field(attribute="get_channel_display", column_name="参保渠道")
    payment_date = fields.Field(attribute="payment_date", column_name="缴费日期")
    standard = fields.Field(attribute="standard", column_name="个人缴费标准")
    subsidy = fields.Field(attribute="subsidy", column_name="资助金额")
    amount_due = fields.Field(attribute="amount_due", column_name="个人应缴")
    status = fields.Field(attribute="get_status_display", column_name="状态")
    benefit_start = fields.Field(attribute="benefit_start", column_name="待遇开始")
    benefit_end = fields.Field(attribute="benefit_end", column_name="待遇结束")

    class Meta:
        model = Enrollment
        fields = ("name", "id_number", "benefit_year", "category", "channel", "payment_date", "standard", "subsidy",
                  "amount_due", "status", "benefit_start", "benefit_end")

    def dehydrate_id_number(self, enrollment):
        return self.id_value(enrollment.person.id_number)

    def iter_queryset(self, queryset):
        # An unpaid enrollment is exported at what paying today costs, as the pages show it
        # (enrollment.selectors.with_amounts_due, a chunk of rows at a time); a paid one as paid.
        from enrollment.selectors import with_amounts_due

        chunk = []
        for enrollment in super().iter_queryset(queryset):
            chunk.append(enrollment)
            if len(chunk) >= self.get_chunk_size():
                yield from with_amounts_due(chunk)
                chunk = []
        yield from with_amounts_due(chunk)

    def dehydrate_standard(self, enrollment):
        return enrollment.due.standard

    def dehydrate_subsidy(self, enrollment):
        return enrollment.due.subsidy

    def dehydrate_amount_due(self, enrollment):
        return enrollment.due.amount_due


class EmployeeCoverageExportResource(MaskingResource):
    name = fields.Field(attribute="name", column_name="姓名")
    id_number = fields.Field(column_name="身份证号")
    employer = fields.Field(attribute="employer", column_name="参保单位")
    starts_on = fields.Field(attribute="starts_on", column_name="参保开始日期")
    ends_on = fields.Field(attribute="ends_on", column_name="参保终止日期")

    class Meta:
        model = EmployeeCoverage
        fields = ("name", "id_number", "employer", "starts_on", "ends_on")

    def dehydrate_id_number(self, coverage):
        return self.id_value(coverage.id_number)
