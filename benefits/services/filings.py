"""异地就医备案 (X000 arts. 19-20; S001 市级统筹 §三(一)): a person's filings for care outside the
city, entered by clerks on the person page and imported from Excel (benefits.importers_filings).
Settlements of care outside the city take their location from the filings valid on the
admission date (benefits.rules.location); so a filing is recorded only when it can stand:

- the person lies in the user's region, the user may file (benefits.add_remotecarefiling) and
  does a county office's casework: a user above every pooling region (湖北省) only reads filings
  (benefits.services.casework, the rule manual claims follow too);
- the destination is one of the 34 provincial-level divisions (湖北 is read as 湖北省) and a city
  of the form benefits.places.city_name gives (武汉 is stored as 武汉市; blank for the whole
  province and for a municipality), outside the person's own pooling region (统筹区): not its
  city nor any city or county under it (咸宁、咸安区、嘉鱼县 for 咸宁市): a filing is for care
  outside the city (art. 19);
- the period is plausible (core.validation) and its end is not before its start;
- no second valid filing of the same kind covers the same place on the same days, and one
  long-term residence filing at a time. Refused rather than allowed: the rule cites the one
  filing a settlement rests on (Settlement.filing), and two that say the same thing leave a
  clerk unsure which one to end or revoke. A longer stay is the same filing with a later end
  (filing_end), not a second filing.

Ending (结束) sets the last day the filing holds, e.g. when a long-term resident comes home, or
extends it; revoking (撤销) says it was never valid (entered in error) and needs a reason. Neither
may take the ground from under a bill already settled on the filing: those bills are reversed
first (冲正). Every write is transactional, stamped with the user, and kept in the filing's
history (simple-history); the person's row is locked so two clerks cannot file the same
overlapping filing at once.
"""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from benefits.models import RemoteCareFiling, Settlement
from benefits.places import (MUNICIPALITIES, PROVINCES, PlaceError, PoolingArea, city_name, place_in_pooling_region, place_key, place_text,
                             province_name, same_city, same_province)
from benefits.rules.location import Filing
from benefits.services.casework import above_pooling_regions
from core.audit import stamp
from core.errors import ServiceError
from core.history import insert_with_history
from core.models import Region, RegionLevel
from core.restrict import path_allowed
from core.validation import check_date
from enrollment.models import Person

Kind = RemoteCareFiling.Kind
Status = RemoteCareFiling.Status
KIND_LABELS = dict(Kind.choices)
# Kinds as clerks and hospitals write them besides the full labels (转诊备案 …).
KIND_ALIASES = {"转诊": Kind.REFERRAL, "异地转诊": Kind.REFERRAL, "异地转诊备案": Kind.REFERRAL,
                "临时外出": Kind.TEMPORARY, "临时外出就医": Kind.TEMPORARY, "临时外出备案": Kind.TEMPORARY,
                "异地长期居住": Kind.LONG_TERM, "长期居住": Kind.LONG_TERM, "长期居住备案": Kind.LONG_TERM}
SETTLED_SHOWN = 3  # bill numbers quoted when a filing still carries settled bills
READ_ONLY_ABOVE_POOLING = "省级用户只能查看备案，请由参保地县（市、区）医保经办机构办理"


def kind_of(value) -> str | None:
    """A filing kind from its code, its Chinese label or a usual short form; None if unknown."""
    raw = "".join(str(value or "").split())
    if raw in Kind.values:
        return raw
    by_label = {label: code for code, label in Kind.choices}
    return by_label.get(raw) or KIND_ALIASES.get(raw)


HomePlace = PoolingArea  # the pooling region as the filing rules read it


def home_place(person: Person) -> HomePlace | None:
    """The person's pooling region: the nearest region above the village with an interface code
    (a pooling region, benefits.services.policy), else the city above it; None for a person
    under no city or province (test data)."""
    return home_place_of(person.region_path)


def home_place_of(region_path: str) -> HomePlace | None:
    """home_place for a region path (one query; the import asks once per village)."""
    codes = [c for c in region_path.split("/") if c]
    regions = {r.code: r for r in Region.objects.filter(code__in=codes)}
    chain = [regions[c] for c in codes if c in regions]
    province = next((r for r in chain if r.level == RegionLevel.PROVINCE), None)
    pooling = next((r for r in reversed(chain) if r.slug), None) or next((r for r in chain if r.level == RegionLevel.CITY), None)
    if pooling is None:
        return None
    return pooling_area(pooling, province_name=province.name if province else "")


def pooling_area(region: Region, *, province_name: str | None = None) -> PoolingArea:
    """A pooling region with the names of the cities and counties under it (one query), as
    benefits.places.place_in_pooling_region matches places against it. The settlement service
    reads it once per pooling region of a batch."""
    if region.level == RegionLevel.PROVINCE:
        return PoolingArea(region.name, region.name, True, frozenset({place_key(region.name)}))
    if province_name is None:
        province_name = Region.objects.filter(code=region.path.split("/", 1)[0]).values_list("name", flat=True).first() or ""
    names = Region.objects.filter(path__startswith=region.path, level__in=[RegionLevel.CITY, RegionLevel.COUNTY]).values_list("name", flat=True)
    return PoolingArea(province_name, region.name, False, frozenset(place_key(n) for n in [region.name, *names]))


# ------------------------------------------------------------------------------ the rules of one filing


def clean_destination(province, city, home: HomePlace | None = None) -> tuple[str, str]:
    """(full province name, city as stored: benefits.places.city_name) or ServiceError on the
    field at fault; with `home`, a place inside the person's pooling region is refused too
    (before the city's form: 嘉鱼县 is refused as inside 咸宁, not as a county)."""
    name = province_name(province)
    if name is None:
        typed = "".join(str(province or "").split())
        if not typed:
            raise ServiceError("province", "请填写就医省份", "destination_province")
        raise ServiceError("province", f"「{typed[:20]}」不是省级行政区名称（如 湖北省、广东省、北京市、广西壮族自治区）", "destination_province")
    city = "".join(str(city or "").split())
    limit = RemoteCareFiling._meta.get_field("destination_city").max_length
    if len(city) > limit:
        raise ServiceError("city", f"就医城市过长（{len(city)} 个字符，最多 {limit} 个）", "destination_city")
    # A province's full name typed as the city (the four municipalities are their own city).
    if city in PROVINCES and city not in MUNICIPALITIES:
        if city == name:
            raise ServiceError("city", f"就医城市填写的是省份「{city}」；全省有效请将就医城市留空", "destination_city")
        raise ServiceError("city", f"就医城市「{city}」是另一个省级行政区，与就医省份「{name}」不符", "destination_city")
    check_outside_home(home, name, city)
    try:
        city = city_name(name, city)
    except PlaceError as error:
        raise ServiceError("city", str(error), "destination_city") from None
    check_outside_home(home, name, city)  # 湖北省咸宁 typed as the city reads 咸宁市
    return name, city


def check_period(valid_from: date, valid_to: date | None) -> None:
    if valid_from is None:
        raise ServiceError("period", "请填写备案开始日期", "valid_from")
    check_date(valid_from, field="valid_from", label="备案开始日期")
    check_date(valid_to, field="valid_to", label="备案结束日期")
    if valid_to is not None and valid_to < valid_from:
        raise ServiceError("period", f"备案结束日期（{valid_to.isoformat()}）早于备案开始日期（{valid_from.isoformat()}）", "valid_to")


def check_outside_home(home: HomePlace | None, province: str, city: str) -> None:
    # X000 art. 19-20(二): a filing is for care outside the city (市外异地就医); care inside the
    # pooling region is settled as care in the city and needs none.
    if place_in_pooling_region(province, city, home):
        where = place_text(province, "".join(str(city or "").split()))
        raise ServiceError("inside_home", f"就医地（{where}）在参保人所在统筹区（{home.text}）内，市内就医无需办理异地就医备案",
                           "destination_city" if city else "destination_province")


def _overlaps(a_from: date, a_to: date | None, b_from: date, b_to: date | None) -> bool:
    return a_from <= (b_to or date.max) and b_from <= (a_to or date.max)


def _covers_either(province_a, city_a, province_b, city_b) -> bool:
    """One destination lies inside the other (a whole province holds its cities)."""
    return same_province(province_a, province_b) and (not city_a or not city_b or same_city(city_a, city_b))


def filing_text(filing) -> str:
    """A filing as users read it in messages: 临时外出就医备案 广东省广州市 2026-01-01至2026-03-31."""
    end = filing.valid_to.isoformat() if filing.valid_to else "长期"
    return f"{KIND_LABELS[filing.kind]} {place_text(filing.destination_province, filing.destination_city)} {filing.valid_from.isoformat()}至{end}"


def overlap_problem(existing, *, kind: str, province: str, city: str, valid_from: date, valid_to: date | None,
                    exclude_pk: int | None = None) -> str | None:
    """Why a filing cannot stand beside the person's other valid filings (`existing`: model
    rows or anything with their fields), or None."""
    for other in existing:
        if (exclude_pk is not None and other.pk == exclude_pk) or other.status != Status.VALID or other.kind != kind:
            continue
        if not _overlaps(valid_from, valid_to, other.valid_from, other.valid_to):
            continue
        if kind == Kind.LONG_TERM:
            # X000 art. 20(二)2 names one 备案地: a long-term resident lives in one place at a time.
            return f"同一期间只能有一个异地长期居住备案，已有：{filing_text(other)}；如已迁居，请先结束原备案"
        if _covers_either(province, city, other.destination_province, other.destination_city):
            return f"已有覆盖该地的有效{KIND_LABELS[kind]}：{filing_text(other)}；延长备案请修改原备案的结束日期"
    return None


def revoked_text(filing: RemoteCareFiling) -> str:
    """该备案已撤销（撤销原因：录入错误） — said wherever a revoked filing is asked to change."""
    return f"该备案已撤销（撤销原因：{filing.revoked_reason}）" if filing.revoked_reason else "该备案已撤销"


def settled_on(filing: RemoteCareFiling, *, after: date | None = None) -> list[Settlement]:
    """Standing bills settled on the filing (those after `after` only), first visit first."""
    rows = Settlement.objects.filter(person_id=filing.person_id, filing=filing, status=Settlement.Status.SETTLED)
    if after is not None:
        rows = rows.filter(visit_date__gt=after)
    return list(rows.only("bill_number", "visit_date").order_by("visit_date", "pk")[:SETTLED_SHOWN + 1])


def _bills_text(bills: list[Settlement]) -> str:
    shown = "、".join(f"{b.bill_number}（{b.visit_date.isoformat()}）" for b in bills[:SETTLED_SHOWN])
    return shown + ("等" if len(bills) > SETTLED_SHOWN else "")


def _short_text(value, *, field: str, label: str) -> str:
    text = " ".join(str(value or "").split())
    limit = RemoteCareFiling._meta.get_field(field).max_length
    if len(text) > limit:
        raise ServiceError("too_long", f"{label}过长（{len(text)} 个字符，最多 {limit} 个）", field)
    return text


def may_add_filings(user) -> bool:
    """Whether the user files (the person page's 办理备案, the list import): the permission, and
    a county office's casework (S001 市级统筹 §三(一): filed where the person is insured)."""
    return user.has_perm("benefits.add_remotecarefiling") and not above_pooling_regions(user)


def may_change_filings(user) -> bool:
    """Whether the user ends and revokes filings (修改结束日期, 撤销): as may_add_filings."""
    return user.has_perm("benefits.change_remotecarefiling") and not above_pooling_regions(user)


def check_does_casework(user) -> None:
    """ServiceError for a user above every pooling region, who reads filings only."""
    if above_pooling_regions(user):
        raise ServiceError("read_only", READ_ONLY_ABOVE_POOLING)


def _filing_for_change(user, filing: RemoteCareFiling) -> RemoteCareFiling:
    if not user.has_perm("benefits.change_remotecarefiling"):
        raise ServiceError("denied", "您没有修改异地就医备案的权限")
    check_does_casework(user)
    if not path_allowed(user, filing.region_path):
        raise ServiceError("region_denied", "该备案不存在或不在您的管辖区划内")
    list(Person.objects.select_for_update().filter(pk=filing.person_id).values_list("pk"))  # the person first, as filing_create
    return RemoteCareFiling.objects.select_for_update().select_related("person").get(pk=filing.pk)


# ------------------------------------------------------------------------------ the services


@dataclass(frozen=True)
class FilingInput:
    """One filing to record, as a form or an import row gives it (before the checks)."""

    person: Person
    kind: str
    destination_province: str
    valid_from: date
    destination_city: str = ""
    valid_to: date | None = None
    hospital: str = ""
    note: str = ""


def filing_create(*, user, person: Person, kind: str, destination_province: str, destination_city: str = "",
                  valid_from: date, valid_to: date | None = None, hospital: str = "", note: str = "",
                  source_import=None) -> RemoteCareFiling:
    """Record a filing for `person` as `user` (a clerk at the counter): a batch of one."""
    item = FilingInput(person=person, kind=kind, destination_province=destination_province, destination_city=destination_city,
                       valid_from=valid_from, valid_to=valid_to, hospital=hospital, note=note)
    return filings_create(user=user, items=[item], source_import=source_import)[0]


@transaction.atomic
def filings_create(*, user, items: list[FilingInput], source_import=None) -> list[RemoteCareFiling]:
    """The one writer of new filings, for the form (one) and the import (a batch): every item
    passes every rule against the stored filings and the items before it, under the people's
    row locks, or nothing is written (ServiceError for the first item that fails). Rows and
    their history ("created", with the user and the reason) go in with COPY."""
    if not user.has_perm("benefits.add_remotecarefiling"):
        raise ServiceError("denied", "您没有办理异地就医备案的权限")
    check_does_casework(user)
    if not items:
        return []
    for item in items:
        if not path_allowed(user, item.person.region_path):
            raise ServiceError("region_denied", "该人员不存在或不在您的管辖区划内", "person")
    ids = sorted({item.person.pk for item in items})
    list(Person.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk"))  # one filer at a time per person
    working: dict[int, list] = {pk: [] for pk in ids}
    for record in RemoteCareFiling.objects.filter(person_id__in=ids, status=Status.VALID):
        working[record.person_id].append(record)
    homes: dict[str, HomePlace | None] = {}
    now = timezone.now()
    rows = []
    for item in items:
        row = _checked_row(item, working[item.person.pk], homes)
        working[item.person.pk].append(RemoteCareFiling(**row))  # the items after it see it
        rows.append({**row, "person_id": item.person.pk, "region_path": item.person.region_path, "status": Status.VALID,
                     "revoked_reason": "", "created_by_id": user.pk, "created_at": now,
                     "source_import_id": source_import.pk if source_import else None})
    insert_with_history(RemoteCareFiling, rows, user=user, when=now,
                        reason=f"导入 {source_import.original_name}" if source_import else "办理异地就医备案")
    return list(RemoteCareFiling.objects.filter(pk__in=[row["id"] for row in rows]).order_by("pk"))


def _checked_row(item: FilingInput, filings: list, homes: dict) -> dict:
    """An item's stored values once every rule of one filing holds, or ServiceError."""
    code = kind_of(item.kind)
    if code is None:
        raise ServiceError("kind", f"未知的备案类型「{item.kind}」，应为 {'、'.join(KIND_LABELS.values())}", "kind")
    path = item.person.region_path
    if path not in homes:
        homes[path] = home_place_of(path)
    province, city = clean_destination(item.destination_province, item.destination_city, homes[path])
    check_period(item.valid_from, item.valid_to)
    row = {"kind": code, "destination_province": province, "destination_city": city, "valid_from": item.valid_from,
           "valid_to": item.valid_to, "hospital": _short_text(item.hospital, field="hospital", label="转入医院"),
           "note": _short_text(item.note, field="note", label="备注")}
    problem = overlap_problem(filings, **{k: row[k] for k in ("kind", "valid_from", "valid_to")}, province=province, city=city)
    if problem:
        raise ServiceError("overlap", problem, "valid_from")
    try:
        RemoteCareFiling(**row).clean_fields(exclude=["person", "region_path", "created_by", "source_import"])  # the model's own limits
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise ServiceError("invalid", "；".join(messages), field) from None
    return row


@transaction.atomic
def filing_end(*, user, filing: RemoteCareFiling, valid_to: date | None, reason: str = "") -> RemoteCareFiling:
    """Set the last day a valid filing holds: earlier (the person came home, the referral
    ended) or later (a longer stay); blank for open-ended. Bills already settled on the filing
    after the new end are reversed first."""
    filing = _filing_for_change(user, filing)
    if filing.status != Status.VALID:
        raise ServiceError("revoked", revoked_text(filing) + "，不能修改；如需备案请重新办理")
    check_period(filing.valid_from, valid_to)
    if valid_to == filing.valid_to:
        return filing
    if valid_to is not None:
        bills = settled_on(filing, after=valid_to)
        if bills:
            raise ServiceError("settled", f"该备案已用于 {_bills_text(bills)} 的结算，结束日期不能早于 {bills[-1].visit_date.isoformat()}；"
                                          "如确需提前结束，请先冲正这些结算单", "valid_to")
    others = RemoteCareFiling.objects.filter(person_id=filing.person_id, status=Status.VALID).exclude(pk=filing.pk)
    problem = overlap_problem(others, kind=filing.kind, province=filing.destination_province, city=filing.destination_city,
                              valid_from=filing.valid_from, valid_to=valid_to)
    if problem:
        raise ServiceError("overlap", problem, "valid_to")
    filing.valid_to = valid_to
    stamp(filing, user, _short_text(reason, field="revoked_reason", label="修改原因") or "修改备案结束日期")
    filing.save(update_fields=["valid_to"])
    return filing


@transaction.atomic
def filing_revoke(*, user, filing: RemoteCareFiling, reason: str) -> RemoteCareFiling:
    """撤销: the filing was never valid (e.g. entered in error). A reason is required; a filing
    that bills still rest on is not revoked (they are reversed first). A revoked filing is not
    revoked again: refused, so no page says 已撤销 for a revocation that did not happen."""
    filing = _filing_for_change(user, filing)
    if filing.status == Status.REVOKED:
        raise ServiceError("already_revoked", revoked_text(filing) + "，不能重复撤销")
    reason = _short_text(reason, field="revoked_reason", label="撤销原因")
    if not reason:
        raise ServiceError("reason", "请填写撤销原因", "reason")
    bills = settled_on(filing)
    if bills:
        raise ServiceError("settled", f"该备案已用于 {_bills_text(bills)} 的结算，不能撤销；请先冲正这些结算单，"
                                      "或修改备案结束日期", "reason")
    filing.status, filing.revoked_reason = Status.REVOKED, reason
    stamp(filing, user, f"撤销备案：{reason}")
    filing.save(update_fields=["status", "revoked_reason"])
    return filing


# ------------------------------------------------------------------------------ reads


def rule_filing(record: RemoteCareFiling) -> Filing:
    """What the location rule reads of a filing record."""
    return Filing(pk=record.pk, kind=record.kind, province=record.destination_province, city=record.destination_city)


def filings_valid_on(person_ids, day: date) -> dict[int, tuple[Filing, ...]]:
    """person id -> the filings valid on the day, as the location rule reads them (one query)."""
    rows = (RemoteCareFiling.objects.filter(person_id__in=list(person_ids), status=Status.VALID, valid_from__lte=day)
            .exclude(valid_to__lt=day).order_by("valid_from", "pk"))
    result: dict[int, list] = {}
    for record in rows:
        result.setdefault(record.person_id, []).append(rule_filing(record))
    return {pid: tuple(found) for pid, found in result.items()}

