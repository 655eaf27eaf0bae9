"""Audit trail for detail pages: simple-history records turned into who / when / what
changed, newest first."""

from dataclasses import dataclass
from datetime import datetime

ACTIONS = {"+": "新建", "~": "修改", "-": "删除"}


@dataclass
class HistoryEntry:
    when: datetime
    who: str
    what: str
    action: str
    reason: str
    changes: list  # [(field label, old, new)]


def _label(model, field_name):
    try:
        return str(model._meta.get_field(field_name).verbose_name)
    except Exception:  # noqa: BLE001 - a field removed since the record was written
        return field_name


def _display(model, field_name, value):
    """A readable value: the related object's name for foreign keys, the label for choices."""
    if value in (None, ""):
        return value
    try:
        field = model._meta.get_field(field_name)
    except Exception:  # noqa: BLE001 - a field removed since the record was written
        return value
    if field.is_relation and field.many_to_one:
        related = field.related_model._default_manager.filter(pk=value).first()
        return str(related) if related is not None else value
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    return value


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
