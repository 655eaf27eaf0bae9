"""Audit trail for detail pages: simple-history records turned into who / when / what
changed, newest first."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone

from core.display import percent, source_text, yuan

ACTIONS = {"+": "新建", "~": "修改", "-": "删除"}
# Text fields that hold codes (an identity code, comma-separated disease codes) and fields
# that hold policy sources (X000 art. 7): shown by their Chinese names.
CODE_FIELDS = {"subsidy_identity", "code"}
SOURCE_FIELDS = {"sources", "source"}


@dataclass
class HistoryEntry:
    when: datetime
    who: str
    what: str
    action: str
    reason: str
    changes: list  # [(field label, old, new)]


def _field(model, field_name):
    try:
        return model._meta.get_field(field_name)
    except FieldDoesNotExist:  # a field removed since the record was written
        return None


def _label(model, field_name):
    field = _field(model, field_name)
    return str(field.verbose_name) if field is not None else field_name


def _code(value):
    """An identity code (RULES.md 1) or a disease code by its Chinese name; other text as is."""
    from benefits.labels import code_label

    return code_label(value) if isinstance(value, str) else _plain(value)


def _plain(value):
    """A stored value as users read it: 是/否, dates as 2026-01-31, lists and mappings by
    their items' names, never a Python repr."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if timezone.is_aware(value) else value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return "、".join(str(_code(item)) for item in value) or None
    if isinstance(value, dict):
        return "；".join(f"{_code(key)}：{_code(item)}" for key, item in value.items()) or None
    return value


def _display(model, field_name, value):
    """A readable value: the related object's name for foreign keys, the label for choices,
    Chinese names for identity codes (alone, in lists or comma-separated), sources as document
    and article (咸宁办法 第二十条), amounts as 1,234.56."""
    if value in (None, "", [], {}):
        return None
    field = _field(model, field_name)
    if field is None:
        return _plain(value)
    if field.is_relation and field.many_to_one:
        related = field.related_model._default_manager.filter(pk=value).first()
        return str(related) if related is not None else value
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if field_name in SOURCE_FIELDS:
        return "；".join(source_text(item) for item in (value if isinstance(value, list) else [value]))
    if isinstance(field, models.DecimalField):
        return percent(Decimal(str(value)) / 100) if "%" in str(field.verbose_name) else yuan(value)
    if isinstance(field, models.BooleanField):
        return _plain(bool(value))
    if isinstance(value, str) and field_name in CODE_FIELDS:
        return "、".join(_code(part.strip()) for part in value.split(",") if part.strip())
    return _plain(value)


def history_entries(objects, *, limit: int = 200) -> list[HistoryEntry]:
    entries = []
    for obj in objects:
        records = list(obj.history.all().select_related("history_user").order_by("history_date")[:limit])
        previous = None
        for record in records:
            changes = []
            if previous is not None and record.history_type == "~":
                delta = record.diff_against(previous)
                changes = [(_label(type(obj), c.field), _display(type(obj), c.field, c.old), _display(type(obj), c.field, c.new))
                           for c in delta.changes]
            entries.append(HistoryEntry(
                when=record.history_date, who=str(record.history_user or "系统"), what=str(obj),
                action=ACTIONS.get(record.history_type, record.history_type),
                reason=record.history_change_reason or "", changes=changes,
            ))
            previous = record
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries[:limit]


def insert_with_history(model, rows: list[dict], *, user, reason: str, when) -> int:
    """Insert new rows (dicts of attname -> value, primary key included) with COPY, and their
    "created" history rows likewise, stamped with the acting user and reason: bulk imports
    keep the same audit trail as single saves."""
    from core.bulk import copy_rows, reserve_ids

    if not rows:
        return 0
    pk = model._meta.pk.attname
    if pk not in rows[0]:
        for row, key in zip(rows, reserve_ids(model, len(rows))):
            row[pk] = key
    fields = list(rows[0])
    copy_rows(model, fields, (tuple(row[f] for f in fields) for row in rows))
    historical = model.history.model
    tracked = [f.attname for f in historical.tracked_fields]
    # Columns the rows leave out take their model default, as the main table's do.
    defaults = {f.attname: f.get_default() for f in historical.tracked_fields if f.attname not in rows[0]}
    history_fields = [*tracked, "history_date", "history_change_reason", "history_type", "history_user_id"]
    stamp = (when, reason, "+", user.pk if user is not None else None)
    copy_rows(historical, history_fields, (tuple(row[f] if f in row else defaults[f] for f in tracked) + stamp for row in rows))
    return len(rows)
