"""`manage.py enrollment_quote`: the stable JSON interface, run as a real process."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def run_quote(presets, monkeypatch):
    """Runs the command in-process: (exit status, parsed stdout)."""

    def run(payload):
        text = payload if isinstance(payload, str) else json.dumps(payload)
        monkeypatch.setattr(sys, "stdin", io.StringIO(text))
        out = io.StringIO()
        try:
            call_command("enrollment_quote", stdout=out)
            status = 0
        except SystemExit as exit_:
            status = exit_.code
        return status, json.loads(out.getvalue())

    return run


def test_real_process_exit_status_and_output(presets, transactional_db):
    """The command as other tools call it: a separate process on the same database."""
    db = connection.settings_dict
    if not db["ENGINE"].endswith("postgresql"):
        pytest.skip("a second process cannot see the in-memory SQLite test database")
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.test_settings")
    env["DATABASE_URL"] = f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    ok = subprocess.run([sys.executable, "manage.py", "enrollment_quote"], input='{"region": "xianning", "category": "regular", "payment_date": "2022-10-08"}',
                        capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["amount_due"] == "380.00"
    bad = subprocess.run([sys.executable, "manage.py", "enrollment_quote"], input='{"region": "nowhere"}',
                         capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert bad.returncode == 2
    assert json.loads(bad.stdout)["field"] == "region"


def test_example_of_the_interface(run_quote):
    code, out = run_quote(
        {"region": "xianning", "category": "regular", "payment_date": "2022-10-08", "identities": ["subsistence_allowance"], "prior_coverage": None}
    )
    assert code == 0
    assert out == {
        "benefit_year": 2023, "standard": "380.00", "subsidy": "342.00", "subsidy_identity": "subsistence_allowance",
        "amount_due": "38.00", "mid_year": False, "waiting_days": 0, "benefit_start": "2023-01-01", "benefit_end": "2023-12-31",
        "sources": ["X000 art. 7", "N004 §三"],
    }


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"region": "wuhan", "category": "regular", "payment_date": "2022-10-08"}, "region"),
        ({"region": "xianning", "category": "retired", "payment_date": "2022-10-08"}, "category"),
        ({"region": "xianning", "category": "regular", "payment_date": "2022-13-08"}, "payment_date"),
        ({"region": "xianning", "category": "regular", "payment_date": "2022-10-08", "identities": ["rich"]}, "identities"),
        ({"region": "xianning", "category": "newborn", "payment_date": "2022-10-08", "birth_date": "2022-10-09"}, "birth_date"),
        ({"region": "xianning", "category": "newborn", "payment_date": "2022-10-08", "birth_date": "2022/03/01"}, "birth_date"),
    ],
)
def test_bad_input_exits_2_with_chinese_message_and_field(run_quote, payload, field):
    code, out = run_quote(payload)
    assert code == 2
    assert out["field"] == field
    assert any("\u4e00" <= ch <= "\u9fff" for ch in out["error"])


def test_not_json_exits_2(run_quote):
    code, out = run_quote("{not json")
    assert code == 2 and out["field"] == "input"


def test_shiyan_uses_xianning_rules_and_jilin_its_own(run_quote):
    base = {"category": "regular", "payment_date": "2022-12-25"}
    assert run_quote({**base, "region": "shiyan"})[1]["benefit_start"] == "2023-01-01"
    jilin = run_quote({**base, "region": "jilin"})[1]
    assert (jilin["mid_year"], jilin["benefit_start"], jilin["waiting_days"]) == (True, "2023-03-25", 90)


def test_college_student_ends_dec_31_of_following_year(run_quote):
    code, out = run_quote({"region": "xianning", "category": "college_student", "payment_date": "2022-10-08"})
    assert (out["benefit_year"], out["benefit_start"], out["benefit_end"]) == (2022, "2022-09-01", "2023-12-31")


def test_newborn_and_prior_coverage(run_quote):
    code, out = run_quote({"region": "xianning", "category": "newborn", "payment_date": "2022-10-08", "birth_date": "2022-03-01"})
    assert (out["benefit_start"], out["amount_due"]) == ("2022-03-01", "0.00")
    code, out = run_quote(
        {"region": "xianning", "category": "regular", "payment_date": "2022-05-10",
         "prior_coverage": {"kind": "employee", "ended_on": "2022-04-30", "continuous_years": 3}}
    )
    assert (out["benefit_start"], out["mid_year"], out["sources"]) == ("2022-05-10", False, ["X000 art. 12"])
