"""Fast inserts for generated data and large writes: PostgreSQL COPY (psycopg 3) with a
bulk_create fallback on other databases.

Two doors: `copy_insert` takes model instances (convenient, ~10 µs of Django per field and
row), `copy_rows` takes plain tuples of column values in a named field order and streams
them without building model instances, for millions of rows. Primary keys are assigned from
the table's sequence beforehand (`reserve_ids`) when related rows must point at them.
"""

import gc
import json
import re
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from decimal import Decimal
from itertools import islice

from django.db import connection, models

FALLBACK_BATCH_SIZE = 2000


class JsonText(str):
    """A JSON document already encoded: COPY sends it as it is, so a value shared by many
    rows (a list of sources) is encoded once, not once per row."""

    @classmethod
    def of(cls, value) -> "JsonText":
        return cls(json.dumps(value, ensure_ascii=False))


@contextmanager
def fewer_collections(threshold: int = 100_000):
    """Run a large batch job with the cycle collector run less often. Settling and importing
    allocate millions of short-lived objects (Decimals, rows, explanation steps) while the
    batch keeps a few hundred thousand alive; at Python's default (a collection every 700 new
    objects, a full one every 100 of those) collecting takes a fifth of an import's time. The
    thresholds are restored afterwards; memory stays bounded (a collection every `threshold`
    objects)."""
    old = gc.get_threshold()
    gc.set_threshold(threshold, 50, 1000)
    try:
        yield
    finally:
        gc.set_threshold(*old)


def reserve_ids(model, count: int) -> list[int]:
    """Primary keys for `count` new rows (PostgreSQL: from the sequence, in one query)."""
    if count == 0:
        return []
    table = model._meta.db_table
    pk = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, pk, count])
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f'SELECT COALESCE(MAX("{pk}"), 0) FROM "{table}"')
        start = cursor.fetchone()[0] + 1
    return list(range(start, start + count))


def copy_insert(model, objects: list, batch_size: int = 5000) -> int:
    """Insert model instances as fast as the database allows; rows without a primary key
    get one from the sequence first."""
    if not objects:
        return 0
    missing = [obj for obj in objects if obj.pk is None]
    for obj, pk in zip(missing, reserve_ids(model, len(missing))):
        obj.pk = pk
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objects, batch_size=batch_size)
        return len(objects)
    fields = [f for f in model._meta.concrete_fields]
    columns = ", ".join(f'"{f.column}"' for f in fields)
    with connection.cursor() as cursor:
        with cursor.copy(f'COPY "{model._meta.db_table}" ({columns}) FROM STDIN') as copy:
            for obj in objects:
                copy.write_row([f.get_db_prep_save(f.pre_save(obj, add=True), connection) for f in fields])
    return len(objects)


def copy_rows(model, field_names: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Insert rows given as tuples of plain values (str, int, Decimal, date, datetime, bool,
    None; JSON columns as JsonText or Python values) in the order of `field_names` (names or
    attnames such as "village_id"). Fields left out get NULL, or their sequence value for the
    primary key. No model instances, no save() and no signals: for generated and bulk data."""
    fields = [model._meta.get_field(name) for name in field_names]
    if connection.vendor != "postgresql":
        return _bulk_create_rows(model, [f.attname for f in fields], rows)
    json_positions = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    count = 0
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN") as copy:
            for row in rows:
                if json_positions:
                    row = list(row)
                    for i in json_positions:
                        if row[i] is not None and not isinstance(row[i], JsonText):
                            row[i] = JsonText.of(row[i])
                copy.write_row(row)
                count += 1
    return count


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_COPY_UNESCAPES = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}


NULL = "\\N"  # COPY's text for NULL


def copy_text(value: str) -> str:
    """A text value as COPY's text format holds it (backslash, tab and line ends escaped)."""
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.translate(_COPY_ESCAPES)
    return value


def copy_line(values: Sequence) -> str:
    """A row of plain values (as copy_rows takes them; JSON columns as JsonText) in COPY's text
    format, without its line end: kept by a preview and written by copy_lines at commit."""
    cells = []
    for value in values:
        if value is None:
            cells.append(NULL)
        elif value is True or value is False:
            cells.append("t" if value else "f")
        elif isinstance(value, str):
            cells.append(copy_text(value))
        elif isinstance(value, (int, Decimal)):
            cells.append(str(value))
        elif hasattr(value, "isoformat"):
            cells.append(value.isoformat())
        else:
            raise TypeError(f"copy_line: {type(value).__name__} is not a plain value")
    return "\t".join(cells)


def _copy_cells(line: str) -> list:
    """copy_line's values back as text (None for NULL), for databases without COPY."""
    cells = []
    for cell in line.split("\t"):
        if cell == NULL:
            cells.append(None)
        elif "\\" in cell:
            cells.append(re.sub(r"\\(.)", lambda m: _COPY_UNESCAPES.get(m.group(1), m.group(1)), cell))
        else:
            cells.append(cell)
    return cells


def copy_lines(model, field_names: Sequence[str], lines: Iterable[str]) -> int:
    """Insert rows given as copy_line text (in the order of `field_names`) as they are: on
    PostgreSQL straight into COPY, without converting a value; elsewhere read back into values
    (text, which the fields convert; JSON columns decoded)."""
    fields = [model._meta.get_field(name) for name in field_names]
    if connection.vendor != "postgresql":
        json_positions = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]

        def values(line):
            cells = _copy_cells(line)
            for i in json_positions:
                if cells[i] is not None:
                    cells[i] = JsonText(cells[i])
            return cells

        return _bulk_create_rows(model, [f.attname for f in fields], (values(line) for line in lines))
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    count = 0
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN") as copy:
            block = []
            for line in lines:
                block.append(line)
                count += 1
                if len(block) == 1000:
                    copy.write("\n".join(block) + "\n")
                    block = []
            if block:
                copy.write("\n".join(block) + "\n")
    return count


def _bulk_create_rows(model, attnames: list[str], rows: Iterable[Sequence]) -> int:
    json_positions = [i for i, name in enumerate(attnames) if isinstance(model._meta.get_field(name), models.JSONField)]
    count = 0
    rows = iter(rows)
    while batch := list(islice(rows, FALLBACK_BATCH_SIZE)):
        objects = []
        for row in batch:
            values = dict(zip(attnames, row))
            for i in json_positions:
                if isinstance(row[i], JsonText):
                    values[attnames[i]] = json.loads(row[i])
            objects.append(model(**values))
        model.objects.bulk_create(objects)
        count += len(objects)
    return count


def refresh_statistics(*models_) -> None:
    """After a bulk load, the planner statistics (ANALYZE) and, outside a transaction, the
    visibility map (VACUUM) of the models' tables: the next queries are planned for the rows
    now there, not for the empty tables autovacuum last saw (it may take minutes, or be off).
    PostgreSQL only; a no-op elsewhere."""
    if connection.vendor != "postgresql" or not models_:
        return
    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models_)
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
    with connection.cursor() as cursor:
        cursor.execute(f"{command} {tables}")


def _prep(field, value):
    # A Decimal goes to psycopg as it is (the array cast to numeric(p, s) rounds as the column
    # would); DecimalField's own preparation costs ~6 µs a value, most of a large update's time.
    if value.__class__ is Decimal and isinstance(field, models.DecimalField):
        return value
    if value.__class__ is int and isinstance(field, (models.IntegerField, models.ForeignKey)):
        return value  # an id or a count, as the column takes it (Django's preparation: ~3 µs a value)
    return field.get_db_prep_save(value, connection)


def _array(values: list):
    """An array parameter: numbers as one array literal ('{1,2.50}', cast by the query), which
    psycopg sends as it is instead of dumping value by value (a third of a large update's
    time); other values as a list."""
    if all(v.__class__ is Decimal or v.__class__ is int for v in values):
        return "{" + ",".join(map(str, values)) + "}"
    return values


def update_rows(model, objects: list, fields: Sequence[str]) -> int:
    """Write `fields` of many instances in one UPDATE ... FROM unnest(arrays) on PostgreSQL
    (Django's bulk_update builds a CASE per row and field, far slower for thousands of rows);
    bulk_update elsewhere."""
    if not objects:
        return 0
    if connection.vendor != "postgresql":
        # The objects may be plain holders of pk and fields (not model instances): bulk_update gets instances.
        instances = [obj if isinstance(obj, model) else model(pk=obj.pk, **{f: getattr(obj, f) for f in fields}) for obj in objects]
        model.objects.bulk_update(instances, list(fields), batch_size=FALLBACK_BATCH_SIZE)
        return len(objects)
    table = connection.ops.quote_name(model._meta.db_table)
    pk = model._meta.pk
    columns = [model._meta.get_field(name) for name in fields]
    casts = [c.db_type(connection) for c in columns]
    selects = f"unnest(%s::{pk.rel_db_type(connection)}[]) AS k" + "".join(
        f", unnest(%s::{cast}[]) AS {connection.ops.quote_name(c.column)}" for c, cast in zip(columns, casts))
    assignments = ", ".join(f"{connection.ops.quote_name(c.column)} = v.{connection.ops.quote_name(c.column)}" for c in columns)
    params = [_array([obj.pk for obj in objects])] + [_array([_prep(c, getattr(obj, c.attname)) for obj in objects]) for c in columns]
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} AS t SET {assignments} FROM (SELECT {selects}) AS v WHERE t.{connection.ops.quote_name(pk.column)} = v.k", params)
        return cursor.rowcount


def insert_ignoring_conflicts(model, field_names: Sequence[str], rows: list[Sequence]) -> None:
    """Insert rows (tuples in the order of `field_names`) that do not collide with a unique
    constraint, leaving the others as they are: one INSERT ... SELECT unnest(arrays) ... ON
    CONFLICT DO NOTHING on PostgreSQL (bulk_create with a db_default field compiles an
    expression per row and value, seconds for thousands of rows); bulk_create elsewhere."""
    if not rows:
        return
    fields = [model._meta.get_field(name) for name in field_names]
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**{f.attname: v for f, v in zip(fields, row)}) for row in rows], ignore_conflicts=True,
                                  batch_size=FALLBACK_BATCH_SIZE)
        return
    quote = connection.ops.quote_name
    casts = [f.rel_db_type(connection) if f.is_relation else f.db_type(connection) for f in fields]
    selects = ", ".join(f"unnest(%s::{cast}[])" for cast in casts)
    columns = ", ".join(quote(f.column) for f in fields)
    params = [_array([_prep(f, row[i]) for row in rows]) for i, f in enumerate(fields)]
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(model._meta.db_table)} ({columns}) SELECT {selects} ON CONFLICT DO NOTHING", params)
