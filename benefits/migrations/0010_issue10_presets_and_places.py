"""Issue 10 for installations that loaded the presets before it (RULES.md 3.7, 5a; X000 arts.
19-20). A fresh install loads today's presets (`manage.py load_policies`); an older one holds
those of 2026-11-28 (benefits/presets.py of commit 90a5fb2). Bring it where load_policies would
bring a fresh install, never overwriting an officer's edit: a row is the preset's only while it
holds the preset's value and source (same region, scheme, name and start).

- 吉林 (220000) has no location first self-pay (RULES.md 3.7; J003 §二(三)9): the location_rate
  rows it reused from 咸宁 (X000 art. 20, "吉林未规定，沿用咸宁") are deleted. Ending them on a
  day would say they were 吉林's rule until then, which they never were (build_policy has not
  read them since 吉林's referral rules exist). A settlement computed with them still shows
  them: its page reads the versions it used from the history, which keeps them.
- The rows issue 10 added are inserted where the region has none of that name and start (吉林's
  referral rules and outpatient rates by tier; 社区卫生服务站 and 诊所; the maternity cap 900 to
  2022 and 1,000 from 2023; the manual-claim deadline; 咸宁's and 十堰's remote_long_term), in a
  pooling region whose presets were loaded (it has resident-scheme rows).
- Rows whose source issue 10 revised get the new source (吉林's inpatient rates say "左右" and
  are unconfirmed, J003's article numbers, 十堰's special diseases say they follow 咸宁); the
  confirmed mark follows the preset unless an officer changed it.
- Remote-care filings stored before places were normalised (commit f108c21; cities were kept
  as typed) get the stored form of benefits.places: 湖北 → 湖北省, 武汉 → 武汉市, 湖北省武汉市 →
  武汉市, 北京 as the city of 北京市 → blank (a municipality is its own city). A name that is no
  province, or no city (a county, a district, Latin letters), stays as typed.

Every change of a parameter is a new version with a history record, as a change in the admin;
a filing's change leaves a history record too. The lists and the place rules are frozen here as
they were when this migration was written (benefits.presets, benefits.presets_claims,
benefits.services.policy.preset_rows, benefits.places): later changes there must not change
what it does. Backwards undoes the parameter changes it made while the rows are still as it
left them; the filings' places stay normalised (the code before reads both forms alike).
"""

import re
from datetime import date

from django.db import migrations
from django.db.models import Q
from django.utils import timezone

PRESET_START = date(2021, 1, 1)
BASIC = "resident_basic"
REASON = "第10号议题修订的预设参数（经办规则 第3.7、5a节）"
REVERSE_REASON = "撤回第10号议题修订的预设参数"
PLACE_REASON = "就医地名称统一为标准写法（如 湖北→湖北省、武汉→武汉市）"

# The rows of 2026-11-28's presets that issue 10 removed: 吉林's location first self-pay.
RETIRED = [  # (region, name, value, source)
    ("220000", "location_rate.county_at_city", "0.05", "X000 art. 20(一)3（吉林未规定，沿用咸宁）"),
    ("220000", "location_rate.local", "0", "X000 art. 20（吉林未规定，沿用咸宁）"),
    ("220000", "location_rate.remote_emergency_nondesignated", "0.20", "X000 art. 20(二)1（吉林未规定，沿用咸宁）"),
    ("220000", "location_rate.remote_filed", "0.10", "X000 art. 20(二)1（吉林未规定，沿用咸宁）"),
    ("220000", "location_rate.remote_unfiled", "0.20", "X000 art. 20(二)1（吉林未规定，沿用咸宁）"),
]

# Rows whose source issue 10 revised, the value unchanged (as 0008 left them: 十堰's special
# diseases were unconfirmed, so 0008 did not mark them).
RESOURCED = [  # (region, name, value, old source, old confirmed, new source, new confirmed)
    ("220000", "annual_cap", "200000",
     "X000 art. 22（吉林未规定，沿用咸宁）", False,
     "J003 §二(三)11（逐步达到20万元）", False),
    ("220000", "chronic_annual_cap", "6500",
     "J003 §二(三)9-10", True,
     "J003 §二(三)10(2)", True),
    ("220000", "chronic_rate", "0.60",
     "J003 §二(三)9-10", True,
     "J003 §二(三)10(2)", True),
    ("220000", "first_pay_rate.blood", "0.10",
     "J003 §二(三)9-10", True,
     "J003 §二(三)9(2)", True),
    ("220000", "first_pay_rate.class_b_drug", "0.10",
     "J003 §二(三)9-10", True,
     "J003 §二(三)9(2)", True),
    ("220000", "first_pay_rate.class_b_treatment", "0.10",
     "J003 §二(三)9-10", True,
     "J003 §二(三)9(2)", True),
    ("220000", "first_pay_rate.material_general", "0.10",
     "J003 §二(三)9-10", True,
     "J003 §二(三)9(2)", True),
    ("220000", "first_pay_rate.material_other_domestic", "0.10",
     "J003 §二(三)9-10", True,
     "J003 §二(三)9(2)", True),
    ("220000", "first_pay_rate.material_other_imported", "0.10",
     "J003 §二(三)9-10", True,
     "J003 §二(三)9(2)", True),
    ("220000", "inpatient_deductible.1", "200",
     "X000 art. 20(一)1（吉林未规定，沿用咸宁）", False,
     "J003 §二(三)9(1) 按医院等级设置；金额 X000 art. 20(一)1（吉林未规定，沿用咸宁）", False),
    ("220000", "inpatient_deductible.2", "600",
     "X000 art. 20(一)1（吉林未规定，沿用咸宁）", False,
     "J003 §二(三)9(1) 按医院等级设置；金额 X000 art. 20(一)1（吉林未规定，沿用咸宁）", False),
    ("220000", "inpatient_deductible.3", "1000",
     "X000 art. 20(一)1（吉林未规定，沿用咸宁）", False,
     "J003 §二(三)9(1) 按医院等级设置；金额 X000 art. 20(一)1（吉林未规定，沿用咸宁）", False),
    ("220000", "inpatient_rate.1", "0.80",
     "J003 §二(三)9-10", True,
     "J003 §二(三)9(2)（文件为“左右”，以省定比例为准）", False),
    ("220000", "inpatient_rate.2", "0.70",
     "J003 §二(三)9-10", True,
     "J003 §二(三)9(2)（文件为“左右”，以省定比例为准）", False),
    ("220000", "inpatient_rate.3", "0.60",
     "J003 §二(三)9-10", True,
     "J003 §二(三)9(2)（文件为“左右”，以省定比例为准）", False),
    ("220000", "outpatient_rate", "0.50",
     "X000 art. 17（吉林未规定，沿用咸宁）", False,
     "J003 §二(三)10(1)（二级及以上医疗机构、诊所文件未列，暂按50%）", False),
    ("220000", "special_diseases", "malignant_tumour,uraemia_dialysis,transplant_anti_rejection",
     "N004 §八; J003 §二(三)10（吉林未规定，沿用咸宁）", False,
     "J003 §二(三)10(3)（病种见其附件2，未收录；沿用咸宁）", False),
    ("420300", "special_diseases", "malignant_tumour,uraemia_dialysis,transplant_anti_rejection",
     "N004 §八; J003 §二(三)10", False,
     "N004 §八; J003 §二(三)10（十堰未规定，沿用咸宁办法）", False),
]

# Rows issue 10 added, as load_policies loads them today (benefits.services.policy.preset_rows).
ADDED = [  # (region, name, value, unit, source, confirmed, valid_from, valid_to)
    ("220000", "downward_referral_deductible", "0", "rate", "J003 §二(三)9(1)", True, date(2021, 1, 1), None),
    ("220000", "general_fee.community_station", "13", "yuan", "X000 art. 18（吉林未规定，沿用咸宁）", False, date(2021, 1, 1), None),
    ("220000", "general_fee_fund.community_station", "9", "yuan", "X000 art. 18（吉林未规定，沿用咸宁）", False, date(2021, 1, 1), None),
    ("220000", "manual_claim_deadline_month", "3", "月", "J003 §二(三)12：当年度医疗费用原则上于次年3月底前申请报销", True, date(2021, 1, 1), None),
    ("220000", "maternity_cap", "900", "yuan", "N004 §二（吉林未规定，沿用咸宁）", False, date(2021, 1, 1), date(2022, 12, 31)),
    ("220000", "maternity_cap", "1000", "yuan", "N004 §二（吉林未规定，沿用咸宁）", False, date(2023, 1, 1), None),
    ("220000", "outpatient_daily_cap.clinic", "15", "yuan", "X000 art. 17（吉林未规定，沿用咸宁）", False, date(2021, 1, 1), None),
    ("220000", "outpatient_daily_cap.community_station", "15", "yuan", "X000 art. 17（吉林未规定，沿用咸宁）", False, date(2021, 1, 1), None),
    ("220000", "outpatient_rate.community_station", "0.50", "rate", "J003 §二(三)10(1)", True, date(2021, 1, 1), None),
    ("220000", "outpatient_rate.township", "0.60", "rate", "J003 §二(三)10(1)", True, date(2021, 1, 1), None),
    ("220000", "outpatient_rate.village", "0.50", "rate", "J003 §二(三)10(1)", True, date(2021, 1, 1), None),
    ("220000", "referral_deductible_credit", "1", "rate", "J003 §二(三)9(1)", True, date(2021, 1, 1), None),
    ("220000", "referral_rate_cut.referred_outside_list", "0.20", "rate", "J003 §二(三)9(2)", True, date(2021, 1, 1), None),
    ("220000", "unreferred_rate", "0.20", "rate", "J003 §二(三)9(2)", True, date(2021, 1, 1), None),
    ("420300", "general_fee.community_station", "13", "yuan", "X000 art. 18（十堰未规定，沿用咸宁办法）", False, date(2021, 1, 1), None),
    ("420300", "general_fee_fund.community_station", "9", "yuan", "X000 art. 18（十堰未规定，沿用咸宁办法）", False, date(2021, 1, 1), None),
    ("420300", "location_rate.remote_long_term", "0", "rate", "X000 art. 20(二)2（十堰未规定，沿用咸宁办法）", False, date(2021, 1, 1), None),
    ("420300", "manual_claim_deadline_month", "3", "月", "S001 §三(三)2（十堰市级统筹实施方案）只规定由参保地经办机构办理、按季度汇总，未规定申请期限，暂按 J003 §二(三)12 次年3月底前；十堰职工门诊共济实施细则第二十一条同为次年第一季度内", False, date(2021, 1, 1), None),
    ("420300", "maternity_cap", "900", "yuan", "N004 §二（十堰未规定，沿用咸宁办法）", False, date(2021, 1, 1), date(2022, 12, 31)),
    ("420300", "maternity_cap", "1000", "yuan", "N004 §二（十堰未规定，沿用咸宁办法）", False, date(2023, 1, 1), None),
    ("420300", "outpatient_daily_cap.clinic", "15", "yuan", "X000 art. 17（十堰未规定，沿用咸宁办法）", False, date(2021, 1, 1), None),
    ("420300", "outpatient_daily_cap.community_station", "15", "yuan", "X000 art. 17（十堰未规定，沿用咸宁办法）", False, date(2021, 1, 1), None),
    ("421200", "general_fee.community_station", "13", "yuan", "X000 art. 18", True, date(2021, 1, 1), None),
    ("421200", "general_fee_fund.community_station", "9", "yuan", "X000 art. 18", True, date(2021, 1, 1), None),
    ("421200", "location_rate.remote_long_term", "0", "rate", "X000 art. 20(二)2", True, date(2021, 1, 1), None),
    ("421200", "manual_claim_deadline_month", "3", "月", "X000 未规定申请期限，暂按 J003 §二(三)12 次年3月底前", False, date(2021, 1, 1), None),
    ("421200", "maternity_cap", "900", "yuan", "N004 §二", True, date(2021, 1, 1), date(2022, 12, 31)),
    ("421200", "maternity_cap", "1000", "yuan", "N004 §二", True, date(2023, 1, 1), None),
    ("421200", "outpatient_daily_cap.clinic", "15", "yuan", "X000 art. 17", True, date(2021, 1, 1), None),
    ("421200", "outpatient_daily_cap.community_station", "15", "yuan", "X000 art. 17", True, date(2021, 1, 1), None),
]


# --- places, as benefits.places stored them when this migration was written ----------------------

PROVINCES = (
    "北京市", "天津市", "河北省", "山西省", "内蒙古自治区",
    "辽宁省", "吉林省", "黑龙江省",
    "上海市", "江苏省", "浙江省", "安徽省", "福建省", "江西省", "山东省",
    "河南省", "湖北省", "湖南省", "广东省", "广西壮族自治区", "海南省",
    "重庆市", "四川省", "贵州省", "云南省", "西藏自治区",
    "陕西省", "甘肃省", "青海省", "宁夏回族自治区", "新疆维吾尔自治区",
    "台湾省", "香港特别行政区", "澳门特别行政区",
)
MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")
_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市")
CITY_ENDINGS = ("市", "州", "地区", "盟", "林区")
COUNTY_ENDINGS = ("县", "区", "旗")
_CHINESE = re.compile(r"^[\u4e00-\u9fff·]+$")


def _short(name):
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


_BY_SHORT = {_short(name): name for name in PROVINCES}


def _clean(value):
    return "".join(str(value or "").split())


def province_name(value):
    """湖北 → 湖北省; None for a name that is not one of the 34."""
    raw = _clean(value)
    if raw in PROVINCES:
        return raw
    return _BY_SHORT.get(raw) or _BY_SHORT.get(_short(raw))


def _city_key(value):
    raw = _clean(value)
    return raw[:-1] if raw.endswith("市") and len(raw) > 1 else raw


def city_name(province, city):
    """The city as stored (benefits.places.city_name), or None where that refuses it (a county
    or district, a district of a municipality, a name that is not Chinese)."""
    raw = _clean(city)
    if province in MUNICIPALITIES and _city_key(raw) in (_city_key(province), _short(province)):
        return ""
    for prefix in (province, _short(province)):
        if prefix and raw.startswith(prefix) and len(raw) > len(prefix):
            raw = raw[len(prefix):]
            break
    if not raw:
        return ""
    if province in MUNICIPALITIES or not _CHINESE.match(raw):
        return None
    if raw.endswith(CITY_ENDINGS):
        return raw if len(raw) > 1 else raw + "市"
    if raw.endswith(COUNTY_ENDINGS) and len(raw) > 1:
        return None
    return raw + "市"


def stored_place(province, city, city_limit):
    """(province, city) as filings store them now; what cannot be read stays as typed."""
    name = province_name(province)
    if name is None:
        return province, city
    normal = city_name(name, city)
    if normal is None or len(normal) > city_limit:
        return name, city
    return name, normal


# --- the migration --------------------------------------------------------------------------------


def _history(History, row, kind, now, reason):
    """The history record simple-history writes for a change in the admin (the registry's
    models of a migration have no history of their own)."""
    History.objects.create(**{field.attname: getattr(row, field.attname) for field in row._meta.concrete_fields},
                           history_date=now, history_type=kind, history_change_reason=reason)


def _update(Model, History, row, now, reason, **fields):
    for name, value in fields.items():
        setattr(row, name, value)
    if hasattr(row, "version"):  # every change of a parameter is a new version (PolicyParameter.save)
        row.version += 1
        fields["version"] = row.version
    Model.objects.filter(pk=row.pk).update(**fields)
    _history(History, row, "~", now, reason)


def revise_parameters(apps, schema_editor):
    PolicyParameter = apps.get_model("benefits", "PolicyParameter")
    History = apps.get_model("benefits", "HistoricalPolicyParameter")
    Region = apps.get_model("core", "Region")
    now = timezone.now()
    presets = PolicyParameter.objects.filter(scheme=BASIC, valid_from=PRESET_START)
    # A region whose presets were loaded gets the added rows; a fresh install gets them all from load_policies.
    loaded = set(presets.filter(region__code__in={row[0] for row in ADDED}).values_list("region__code", flat=True))
    regions = {region.code: region for region in Region.objects.filter(code__in=loaded)}
    for code, name, value, source in RETIRED:
        for row in presets.filter(region__code=code, name=name, value=value, source=source):
            _history(History, row, "-", now, REASON)
            row.delete()
    for code, name, value, old_source, old_confirmed, new_source, new_confirmed in RESOURCED:
        for row in presets.filter(region__code=code, name=name, value=value, source=old_source):
            confirmed = new_confirmed if row.confirmed == old_confirmed else row.confirmed
            _update(PolicyParameter, History, row, now, REASON, source=new_source, confirmed=confirmed)
    for code, name, value, unit, source, confirmed, valid_from, valid_to in ADDED:
        region = regions.get(code)
        if region is None or PolicyParameter.objects.filter(region=region, scheme=BASIC, name=name, valid_from=valid_from).exists():
            continue
        row = PolicyParameter.objects.create(region=region, scheme=BASIC, name=name, value=value, unit=unit, source=source,
                                             confirmed=confirmed, valid_from=valid_from, valid_to=valid_to)
        _history(History, row, "+", now, REASON)


def restore_parameters(apps, schema_editor):
    """Undo revise_parameters where its rows are still as it left them (its history records say
    which rows it touched: a row load_policies created is never removed)."""
    PolicyParameter = apps.get_model("benefits", "PolicyParameter")
    History = apps.get_model("benefits", "HistoricalPolicyParameter")
    now = timezone.now()
    ours = History.objects.filter(history_change_reason=REASON)
    for code, name, value, unit, source, confirmed, valid_from, valid_to in ADDED:
        rows = PolicyParameter.objects.filter(region__code=code, scheme=BASIC, name=name, valid_from=valid_from, value=value,
                                              unit=unit, source=source, confirmed=confirmed, valid_to=valid_to, version=1)
        for row in rows:
            if ours.filter(id=row.pk, history_type="+").exists():
                _history(History, row, "-", now, REVERSE_REASON)
                row.delete()
    for code, name, value, old_source, old_confirmed, new_source, new_confirmed in RESOURCED:
        rows = PolicyParameter.objects.filter(region__code=code, scheme=BASIC, name=name, valid_from=PRESET_START, value=value,
                                              source=new_source)
        for row in rows:
            if ours.filter(id=row.pk, history_type="~", version=row.version).exists():
                confirmed = old_confirmed if row.confirmed == new_confirmed else row.confirmed
                _update(PolicyParameter, History, row, now, REVERSE_REASON, source=old_source, confirmed=confirmed)
    for code, name, value, source in RETIRED:
        deleted = ours.filter(history_type="-", region__code=code, scheme=BASIC, name=name, valid_from=PRESET_START,
                              value=value, source=source).order_by("-history_id").first()
        if deleted is None:
            continue
        same_key = Q(region_id=deleted.region_id, scheme=BASIC, name=name, valid_from=PRESET_START)
        if PolicyParameter.objects.filter(same_key | Q(pk=deleted.id)).exists():
            continue  # an officer has entered the row again: theirs stands
        row = PolicyParameter.objects.create(id=deleted.id, region_id=deleted.region_id, scheme=BASIC, name=name, value=value,
                                             unit=deleted.unit, source=source, confirmed=deleted.confirmed,
                                             valid_from=PRESET_START, valid_to=deleted.valid_to, version=deleted.version + 1)
        _history(History, row, "+", now, REVERSE_REASON)


def normalise_filings(apps, schema_editor):
    Filing = apps.get_model("benefits", "RemoteCareFiling")
    History = apps.get_model("benefits", "HistoricalRemoteCareFiling")
    city_limit = Filing._meta.get_field("destination_city").max_length
    now = timezone.now()
    places = Filing.objects.order_by("pk").values_list("pk", "destination_province", "destination_city")
    changed = {}
    for pk, province, city in places.iterator(chunk_size=2000):
        place = stored_place(province, city, city_limit)
        if place != (province, city):
            changed[pk] = place
    for filing in Filing.objects.filter(pk__in=list(changed)).order_by("pk"):
        province, city = changed[filing.pk]
        _update(Filing, History, filing, now, PLACE_REASON, destination_province=province, destination_city=city)


class Migration(migrations.Migration):

    dependencies = [
        ("benefits", "0009_location_label"),
    ]

    operations = [
        migrations.RunPython(revise_parameters, restore_parameters),
        # Backwards keeps the normalised places: the code before compares 武汉 and 武汉市 alike.
        migrations.RunPython(normalise_filings, migrations.RunPython.noop),
    ]
