"""Mutation testing of the pure rule modules (`make mutation`; not in CI: minutes per module).

For each module, mutmut 2 runs in a copy of the working tree under var/mutation/ (mutmut
rewrites the module it mutates: in the copy, nobody else's tests import a mutant), with low
priority, against the tests named below; then the mutants are counted per module:

- a *message mutant* changes only a string literal holding Chinese text (the message a user
  reads, e.g. TermsError's 「新生儿参保须填写出生日期」): its wording is checked by the pages'
  tests, not by the rules' tests, so it is left out of the score;
- every other mutant (numbers, operators, comparisons, codes such as "birth_date_required",
  keywords, dropped arguments) is a *non-message mutant*; the score is killed / non-message.

A timed-out mutant counts as killed (the tests noticed it: it never finished), and so does a
"suspicious" one (killed, only slower than the run without mutants). Usage:

    make mutation                         # every module below
    make mutation MODULES=terms           # one module, by the short name below
    make mutation MUTATION_MAX_SECONDS=120  # stop each run after 2 minutes (the rest: untested)

MUTATION_FULL=1 checks each mutant that the fast rule tests leave alive against the module's
whole test directory too (slow: the directory's tests, with the database, once per survivor).

mutmut 2.5.1 is pinned (Makefile): it runs one test command per mutant, which suits running a
module against the few files that test it; the results stay in var/mutation/<name>/.mutmut-cache
(`cd var/mutation/terms && ../../../.venv/bin/python -m mutmut show <id>` shows a mutant).
"""

import importlib.util
import io
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "mutation"
PYTHON = sys.executable

# short name: (module, the tests that import it and need no database (fast), the whole test
# directory for MUTATION_FULL). A test file not in the tree yet is left out.
MODULES = {
    "settlement": ("benefits/rules/settlement.py",
                   ["tests/benefits/test_settlement_rules.py", "tests/benefits/test_rules_revised.py",
                    "tests/benefits/test_settlement_mutants.py", "tests/benefits/test_settlement_properties.py"],
                   "tests/benefits"),
    "location": ("benefits/rules/location.py",
                 ["tests/benefits/test_location_rule.py", "tests/benefits/test_location_mutants.py"], "tests/benefits"),
    "claims": ("benefits/rules/claims.py",
               ["tests/benefits/test_claims_rules.py", "tests/benefits/test_claims_mutants.py"], "tests/benefits"),
    "chronic": ("benefits/rules/chronic.py", ["tests/benefits/test_chronic_rules.py"], "tests/benefits"),
    "terms": ("enrollment/rules/terms.py",
              ["tests/enrollment/test_terms_rules.py", "tests/enrollment/test_terms_mutants.py"],
              "tests/enrollment"),
    "ledger": ("funds/rules/ledger.py", ["tests/funds/test_ledger_rules.py"], "tests/funds"),
    "alerts": ("funds/rules/alerts.py", ["tests/funds/test_alert_rules.py"], "tests/funds"),
    "deficit": ("funds/rules/deficit.py", ["tests/funds/test_deficit_rules.py"], "tests/funds"),
    "fiscal": ("funds/rules/fiscal.py", ["tests/funds/test_fiscal_rules.py"], "tests/funds"),
    "warnings": ("assistance/rules/warnings.py", ["tests/assistance/test_warning_rules.py"], "tests/assistance"),
}
KILLED = {"ok_killed", "ok_suspicious", "bad_timeout"}  # suspicious: killed, but slowly


def copy_tree(target: Path) -> None:
    """The working tree as git sees it (tracked and new files, nothing ignored) into target."""
    if target.exists():
        shutil.rmtree(target)
    files = subprocess.run(["git", "ls-files", "-z", "-co", "--exclude-standard"], cwd=ROOT, check=True,
                           capture_output=True).stdout.decode().split("\0")
    for name in filter(None, files):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def runner(fast: list[str], full: str) -> str:
    """The test command for each mutant. mutmut 2 counts only exit code 1 as killed, so a
    mutant that breaks the import (pytest's exit code 2, e.g. a removed @dataclass) would count
    as survived: every failing exit becomes 1."""
    pytest = f"{PYTHON} -m pytest -x -q -p no:cacheprovider"
    command = f"{pytest} {' '.join(fast)}"
    if os.environ.get("MUTATION_FULL") == "1":
        command = f"{command} && {pytest} {full}"
    return f"sh -c '{command} || exit 1'"


def run(name: str) -> dict:
    module, fast, full = MODULES[name]
    tree = WORK / name
    copy_tree(tree)
    fast = [t for t in fast if (tree / t).exists()]
    command = ["nice", "-n", "15", PYTHON, "-m", "mutmut", "run", "--paths-to-mutate", module, "--tests-dir",
               str(Path(full)), "--runner", runner(fast, full), "--no-progress", "--simple-output",
               "--test-time-base", "15"]  # the machine is shared: a slow run is no timeout
    limit = float(os.environ.get("MUTATION_MAX_SECONDS") or 0) or None
    print(f"== {module} against {' '.join(fast)}" + (f" (at most {limit:.0f} s)" if limit else ""), flush=True)
    # A session of its own: at the time limit mutmut, its worker and the tests it runs all stop
    # (killing mutmut alone leaves its worker mutating the copy).
    process = subprocess.Popen(command, cwd=tree, stdout=subprocess.DEVNULL, start_new_session=True)
    try:
        process.wait(timeout=limit)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait()
        print("   stopped at the time limit; mutants not reached count as untested", flush=True)
    return count(tree, module)


def chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" or "\u3000" <= ch <= "\u303f" or "\uff00" <= ch <= "\uffef" for ch in text)


def _tokens(line: str) -> list[tuple[int, str]]:
    """The line's tokens; for a line of a statement that spans lines (an open or closing bracket
    on its own), those read before the tokenizer stops at the line's end."""
    tokens = []
    try:
        for t in tokenize.generate_tokens(io.StringIO(line.strip() + "\n").readline):
            if t.type not in (tokenize.NEWLINE, tokenize.NL, tokenize.ENDMARKER, tokenize.COMMENT):
                tokens.append((t.type, t.string))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return tokens


def is_message_mutant(before: str, after: str) -> bool:
    """True when the lines differ only in string literals and each changed literal holds
    Chinese text (f-strings are one token up to Python 3.11 and are compared whole)."""
    old, new = _tokens(before), _tokens(after)
    if not old or len(old) != len(new):
        return False
    changed = [(a, b) for a, b in zip(old, new) if a != b]
    return bool(changed) and all(a[0] == b[0] == tokenize.STRING and chinese(a[1]) for a, b in changed)


def mutated_line(tree: Path, module: str, line: str, index: int, line_number: int) -> tuple[str, str]:
    """(original, mutated) text of the mutant's first changed line, as mutmut applies it."""
    sys.path.insert(0, str(tree))
    from mutmut import Context, RelativeMutationID, mutate

    source = (tree / module).read_text()
    mutated, _ = mutate(Context(source=source, filename=module,
                                mutation_id=RelativeMutationID(line=line, index=index, line_number=line_number)))
    old, new = source.split("\n"), mutated.split("\n")
    for a, b in zip(old, new):
        if a != b:
            return a, b
    return "", ""  # a mutant that removes a line changes the line count


def count(tree: Path, module: str) -> dict:
    database = tree / ".mutmut-cache"
    if not database.exists():
        return {"module": module, "total": 0}
    rows = sqlite3.connect(database).execute(
        "SELECT m.status, l.line, m.\"index\", l.line_number FROM mutant m JOIN line l ON m.line = l.id").fetchall()
    result = {"module": module, "total": len(rows), "messages": 0, "killed": 0, "untested": 0, "survivors": []}
    for status, line, index, line_number in rows:
        before, after = mutated_line(tree, module, line, index, line_number)
        if is_message_mutant(before, after):
            result["messages"] += 1
        elif status in KILLED:
            result["killed"] += 1
        elif status == "untested":
            result["untested"] += 1
        else:
            result["survivors"].append((line_number + 1, status, before.strip(), after.strip()))
    return result


def report(result: dict) -> None:
    if not result["total"]:
        print(f"   {result['module']}: no mutants run")
        return
    scored = result["total"] - result["messages"] - result["untested"]
    share = f"{100 * result['killed'] / scored:.1f}%" if scored else "—"
    print(f"   {result['module']}: {result['killed']} of {scored} non-message mutants killed ({share}); "
          f"{result['messages']} message mutants left out; {result['untested']} untested; {result['total']} in all")
    for line_number, status, before, after in sorted(result["survivors"]):
        print(f"     survived, line {line_number} ({status}): {before}  →  {after}")


def main() -> int:
    names = (os.environ.get("MODULES") or " ".join(MODULES)).split()
    unknown = [n for n in names if n not in MODULES]
    if unknown:
        print(f"unknown module(s) {', '.join(unknown)}; known: {', '.join(MODULES)}")
        return 2
    if importlib.util.find_spec("mutmut") is None:
        print(f"mutmut is not installed in {PYTHON}: `make mutation` installs mutmut 2.5.1")
        return 2
    results = [run(name) for name in names]
    print("== mutation score (killed / non-message mutants)")
    for result in results:
        report(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
