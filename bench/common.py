"""Shared set-up of the benchmarks: Django on a PostgreSQL benchmark database, migrated and
with the policy presets, and the process's peak memory."""

import os
import resource
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def django_on_postgres(default_db: str) -> None:
    """Configure Django for DATABASE_URL (default `default_db`), creating the database if it
    does not exist, then migrate and load the presets."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DATABASE_URL", default_db)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-0123456789-abcdefghijklmnop")
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
    url = os.environ["DATABASE_URL"]
    if not url.startswith("postgres"):
        sys.exit("this benchmark runs on PostgreSQL: set DATABASE_URL=postgres://...")
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_policies", verbosity=0)


def ensure_people(count: int) -> None:
    """Generate demo households until the database holds at least `count` people."""
    import time

    from django.core.management import call_command

    from enrollment.models import Person

    have = Person.objects.count()
    if have < count:
        started = time.monotonic()
        call_command("generate_demo", households=(count - have) // 3 + 500, stdout=open(os.devnull, "w"))
        print(f"generated {Person.objects.count()} people in {time.monotonic() - started:.0f} s")


def settlement_setup(facility_kinds) -> tuple:
    """The benchmark's facilities in 咸安区 ([(code, name, level, tier)], created once) and a
    city officer who may import and settle."""
    from datetime import date

    from benefits.models import Facility
    from core.models import Region
    from core.services.users import user_upsert

    county = Region.objects.get(code="421202")
    facilities = [Facility.objects.get_or_create(code=code, defaults={
        "name": name, "level": level, "tier": tier, "region": county, "agreement_from": date(2020, 1, 1)})[0]
        for code, name, level, tier in facility_kinds]
    officer = user_upsert(username="bench_officer", password="bench-pass-2026", group="市局", region_code="421200", is_staff=True)
    return facilities, officer


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
