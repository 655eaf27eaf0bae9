"""The database refuses what the ledger service never does (RULES.md 7): an UPDATE or DELETE of
a posted entry or line (PostgreSQL and SQLite), and on PostgreSQL an entry whose lines do not
balance within each fund or that has fewer than two lines, checked at commit (deferred
constraint triggers: an entry's lines are inserted after it, in the same transaction).
TRUNCATE, which only a test database's flush issues, is left alone."""

from django.db import migrations

IMMUTABLE = "记账凭证和分录记账后不能修改或删除，更正请做冲销凭证"

POSTGRES = [
    f"""
    CREATE OR REPLACE FUNCTION funds_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{IMMUTABLE}' USING ERRCODE = 'restrict_violation';
    END $$;
    """,
    """
    CREATE OR REPLACE FUNCTION funds_check_line_entry() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        unbalanced text;
        line_count integer;
    BEGIN
        SELECT fund INTO unbalanced FROM funds_journalline WHERE entry_id = NEW.entry_id
            GROUP BY fund HAVING SUM(amount) <> 0 LIMIT 1;
        IF unbalanced IS NOT NULL THEN
            RAISE EXCEPTION '凭证 % 的基金 % 借贷不平衡', NEW.entry_id, unbalanced USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
    END $$;
    """,
    """
    CREATE OR REPLACE FUNCTION funds_check_entry_lines() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF (SELECT count(*) FROM funds_journalline WHERE entry_id = NEW.id) < 2 THEN
            RAISE EXCEPTION '凭证 % 少于两条分录', NEW.id USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
    END $$;
    """,
    "CREATE TRIGGER funds_line_immutable BEFORE UPDATE OR DELETE ON funds_journalline FOR EACH ROW EXECUTE FUNCTION funds_refuse_change();",
    "CREATE TRIGGER funds_entry_immutable BEFORE UPDATE OR DELETE ON funds_journalentry FOR EACH ROW EXECUTE FUNCTION funds_refuse_change();",
    """CREATE CONSTRAINT TRIGGER funds_line_balanced AFTER INSERT ON funds_journalline DEFERRABLE INITIALLY DEFERRED
       FOR EACH ROW EXECUTE FUNCTION funds_check_line_entry();""",
    """CREATE CONSTRAINT TRIGGER funds_entry_has_lines AFTER INSERT ON funds_journalentry DEFERRABLE INITIALLY DEFERRED
       FOR EACH ROW EXECUTE FUNCTION funds_check_entry_lines();""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS funds_entry_has_lines ON funds_journalentry;",
    "DROP TRIGGER IF EXISTS funds_line_balanced ON funds_journalline;",
    "DROP TRIGGER IF EXISTS funds_entry_immutable ON funds_journalentry;",
    "DROP TRIGGER IF EXISTS funds_line_immutable ON funds_journalline;",
    "DROP FUNCTION IF EXISTS funds_check_entry_lines();",
    "DROP FUNCTION IF EXISTS funds_check_line_entry();",
    "DROP FUNCTION IF EXISTS funds_refuse_change();",
]
SQLITE = [
    f"CREATE TRIGGER funds_{table}_no_{action} BEFORE {action.upper()} ON funds_{table} BEGIN SELECT RAISE(ABORT, '{IMMUTABLE}'); END;"
    for table in ("journalline", "journalentry") for action in ("update", "delete")
]
SQLITE_REVERSE = [f"DROP TRIGGER IF EXISTS funds_{table}_no_{action};"
                  for table in ("journalline", "journalentry") for action in ("update", "delete")]


def _run(statements):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, ()):
            schema_editor.execute(sql, None)  # no parameters: the "%" of RAISE stay as they are
    return run


class Migration(migrations.Migration):
    dependencies = [("funds", "0001_initial")]

    operations = [
        migrations.RunPython(_run({"postgresql": POSTGRES, "sqlite": SQLITE}),
                             _run({"postgresql": POSTGRES_REVERSE, "sqlite": SQLITE_REVERSE})),
    ]
