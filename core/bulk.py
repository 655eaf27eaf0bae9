"""Fast inserts for generated data and large writes: PostgreSQL COPY (psycopg 3) with a
bulk_create fallback on other databases. Rows are model instances; primary keys are assigned
from the table's sequence beforehand so related rows can point at them."""

from django.db import connection


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
