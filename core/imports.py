"""The import engine shared by every list the bureau receives (enrollment lists, the
employee-insurance list, later identity and settlement lists).

An Importer names its columns and implements two batch methods: `check` (validate a batch of
rows with a few queries, say what each row would do) and `write` (bulk-write the rows that
passed). The engine maps headers, finds duplicates inside the file, runs batches, reports
progress, and for a commit wraps everything in one transaction that is rolled back when a row
fails and the user did not choose to skip bad rows. Preview and commit run the same checks.
"""

import unicodedata
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import transaction

from core.bulk import fewer_collections
from core.idnumber import check_char
from core.idnumber import normalize as normalize_id_number
from core.validation import date_problem

NEW, CHANGED, UNCHANGED, ERROR = "new", "changed", "unchanged", "error"
STATUS_LABELS = {NEW: "新增", CHANGED: "变更", UNCHANGED: "无变化", ERROR: "错误"}
# Between the choices of a list in help texts and messages. Not "/": labels hold it
# (中小学生/幼儿, 儿媳/女婿), and "城乡居民/中小学生/幼儿" reads as three choices.
CHOICE_SEPARATOR = "、"
# Template example rows carry this in their marked column (示例张三): the engine skips them.
EXAMPLE_MARK = "示例"


def counts_text(counts: dict | None) -> str:
    """A job's or chunk's counts as users read them: 新增 3，变更 1，错误 2 (zeros left out)."""
    counts = counts or {}
    parts = [f"{STATUS_LABELS[s]} {counts[s]}" for s in (NEW, CHANGED, UNCHANGED, ERROR) if counts.get(s)]
    return "，".join(parts) or "—"


def choice_text(labels) -> str:
    """The choices of a list as users read them: 城乡居民、在校大中专学生、中小学生/幼儿、新生儿."""
    return CHOICE_SEPARATOR.join(labels)


def example_id_number(first17: str) -> str:
    """A template example's ID number with its valid check character (GB 11643), so that a
    clerk who copies the example's form learns a number that passes the checks."""
    return first17 + check_char(first17)


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    example: Any = ""
    help: str = ""
    aliases: tuple = ()
    # Formatted as text in the template and the error file: Excel keeps only 15 digits of a
    # number, so an 18-digit ID number typed into a number cell is lost.
    text: bool = False
    # The template's drop-down list and the 说明 sheet's allowed values (Chinese labels).
    choices: tuple = ()
    date: bool = False  # a date: formatted YYYY-MM-DD in the template
    format: str = ""  # how the 说明 sheet describes the cell, when not text / date / a choice

    @property
    def is_id_number(self) -> bool:
        return self.key.endswith("id_number")

    def format_text(self) -> str:
        """The 说明 sheet's 格式 of this column."""
        if self.format:
            return self.format
        if self.is_id_number:
            return "18位身份证号，文本格式"
        if self.choices:
            return "从下拉列表中选择"
        if self.date:
            return "日期，写成 YYYY-MM-DD（如 2026-10-08）"
        return "文本格式" if self.text else "文本"


@dataclass
class RowIn:
    number: int  # the spreadsheet's row number
    values: dict  # column key -> raw cell value


@dataclass
class RowOutcome:
    number: int
    status: str = UNCHANGED
    errors: list = field(default_factory=list)  # [(column header, message)]
    summary: str = ""
    payload: Any = None
    choices: list = field(default_factory=list)  # [value, label] the user may pick to resolve the row

    def fail(self, header: str, message: str) -> "RowOutcome":
        self.errors.append((header, message))
        self.status = ERROR
        return self

    @property
    def error_text(self) -> str:
        if not self.errors:  # asked of every row of a preview
            return ""
        return "；".join(f"{h}：{m}" if h else m for h, m in self.errors)


class CellError(ValueError):
    """A cell that cannot be read; the message is for the user."""


class Importer(ABC):
    do_not_call_in_templates = True  # templates show the class's columns and title
    kind = ""
    title = ""
    permission = ""
    columns: list[Column] = []
    # The column (or columns together) whose repetition inside one file is an error.
    duplicate_key: str | tuple[str, ...] | None = None
    accepts_csv = False  # facilities' exports may come as CSV
    upload_options: list = []  # [(key, label)]: choices offered at upload, kept in ImportJob.options
    # Rows independent of one another, and a row already written comes back UNCHANGED: a large
    # commit may then run as bounded chunks, each its own transaction (ImportChunk).
    commits_in_chunks = False
    committing = False  # set by the engine: True while a commit checks the rows it will write
    # The column whose template example value carries EXAMPLE_MARK (示例张三): rows marked so
    # are the template's examples, skipped by the engine with a message, never an error.
    example_key = "name"
    template_rules: tuple = ()  # this list's own rules on the template's 说明 sheet

    def __init__(self, *, user, job=None, today: date | None = None):
        from django.utils import timezone

        self.user = user
        self.job = job
        self.today = today or timezone.localdate()

    def header_of(self, key: str) -> str:
        return next(c.header for c in self.columns if c.key == key)

    @property
    def duplicate_keys(self) -> tuple[str, ...]:
        key = self.duplicate_key
        return () if not key else (key,) if isinstance(key, str) else tuple(key)

    def duplicate_value(self, row: RowIn):
        """What must not repeat inside the file, or None for a row not compared (a blank key,
        or a number too long for a spreadsheet to hold exactly: Excel turns different
        18-digit ID numbers into the same number, which the row's own check reports)."""
        parts = []
        for key in self.duplicate_keys:
            value = row.values.get(key)
            if isinstance(value, float) and abs(value) >= 2**53:
                return None
            part = normalize_id_number(text(value))  # one spelling: fullwidth and half-width repeat
            if not part:
                return None
            parts.append(part)
        return tuple(parts)

    @classmethod
    def example_for(cls, user) -> dict:
        """Template example values for this user (column key -> value), over the defaults."""
        return {}

    @classmethod
    def example_rows(cls, user) -> list[dict]:
        """The template's example rows (column key -> value): by default one, the columns'
        examples with the user's own values over them (example_for)."""
        values = {c.key: c.example for c in cls.columns}
        return [values | (cls.example_for(user) if user is not None else {})]

    @classmethod
    def choices_for(cls, user) -> dict[str, tuple]:
        """The template's drop-down lists (column key -> labels) for this user."""
        return {c.key: tuple(c.choices) for c in cls.columns if c.choices}

    def is_example(self, row: RowIn) -> bool:
        """A template example row: its marked column holds 示例 (no name, place or facility
        does). Such a row is the template's, left in the file; it never imports."""
        return bool(self.example_key) and EXAMPLE_MARK in text(row.values.get(self.example_key))

    def example_message(self) -> str:
        header = next((c.header for c in self.columns if c.key == self.example_key), "")
        return f"模板示例行（{header}含“{EXAMPLE_MARK}”），已跳过，未导入"

    def describe(self, row: RowIn) -> str:
        """A short label of a raw row (e.g. name and masked ID number), shown next to its
        errors when the row could not be read far enough to summarise it."""
        return ""

    def prepare(self, rows: list[RowIn]) -> None:
        """File-level context before the batches (default: nothing)."""

    def order(self, rows: list[RowIn]) -> list[RowIn]:
        """The order in which rows are checked and written (default: as in the file)."""
        return rows

    @abstractmethod
    def check(self, rows: list[RowIn]) -> list[RowOutcome]:
        """Validate a batch (a few queries for all its rows) and say what each row would do."""

    # A preview's plan may be kept and written at commit without checking every row again,
    # when nothing the checks read has changed since (data_version). Importers that support
    # it return a version string and freeze/thaw payloads to and from JSON values.
    def data_version(self) -> str | None:
        return None

    @classmethod
    def refusal(cls, user) -> str | None:
        """Why the user may not import this list (Chinese), or None: the import list offers only
        what a job may be started for."""
        return None if user.has_perm(cls.permission) else "您没有导入该名单的权限"

    def freeze(self, payload):
        """A JSON value for a checked row's payload, or None when it cannot be kept."""
        return None

    def thaw(self, frozen):
        """The payload back from freeze's JSON value (called only for frozen payloads)."""
        return frozen

    # A chunked commit (commits_in_chunks) may keep a plan per piece: the preview hands each
    # piece's frozen rows ([row number, status, frozen], in order) to chunk_plan, and the piece's
    # commit calls write_chunk_plan with what it returned, which answers False, having written
    # nothing, when the piece must be checked again (its data changed since the preview). The
    # plan is JSON values, and "lines": a list of texts without line ends, kept as they are.
    def chunk_plan(self, entries: list) -> dict | None:
        return None

    def write_chunk_plan(self, plan: dict) -> bool:
        return False

    # A preview may be checked in parts (core.services.imports), each part in a process of its
    # own, when the importer's rows fall into groups that no check of another group reads:
    # partition_key names a row's group ("" for a row that cannot be read; None: the importer
    # is checked in one process). A piece's kept plan then comes in one part per process,
    # which merge_chunk_plans joins into the plan write_chunk_plan takes (None: the parts
    # cannot be joined, and the piece is checked again).
    def partition_key(self, row: RowIn) -> str | None:
        return None

    def merge_chunk_plans(self, plans: list[dict]) -> dict | None:
        return plans[0] if len(plans) == 1 else None

    @abstractmethod
    def write(self, outcomes: list[RowOutcome]) -> None:
        """Write a checked batch's new and changed rows."""


# ------------------------------------------------------------------------------ cells


def text(value) -> str:
    if value.__class__ is str:  # the common case first: imports call this millions of times
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def id_text(value) -> str:
    """An ID number cell. A number-formatted cell has lost its last digits in Excel."""
    if isinstance(value, float) or (isinstance(value, int) and not isinstance(value, bool) and value > 10**15):
        raise CellError("身份证号单元格是数字格式，Excel 已丢失末尾数字；请将该列设为“文本”格式后重新录入")
    return normalize_id_number(text(value))  # fullwidth digits, inner spaces, x: one spelling


FORMULA_START = ("=", "+", "-", "@")
_SHOWN = 24  # characters of a refused value quoted back to the user


def identifier_text(value, *, max_length: int | None = None) -> str:
    """A cell that names something (a bill number, a code, an ID number, a name), as text.
    Refused (CellError): text a spreadsheet would take for a formula (= + - @ first, e.g.
    =HYPERLINK(...) as a bill number: the number would run as a formula in every export and
    page that shows it), control or invisible format characters (a zero-width space makes a
    second "same" number), and text longer than the column that will hold it."""
    raw = value if isinstance(value, str) else text(value)
    if _has_control(raw):
        raise CellError("含有控制字符或不可见字符，请删除后重新录入")
    cleaned = text(raw)
    if cleaned.startswith(FORMULA_START):
        shown = cleaned if len(cleaned) <= _SHOWN else cleaned[:_SHOWN] + "…"
        raise CellError(f"「{shown}」以 = + - @ 开头，会被表格软件当作公式，已拒绝")
    return _within(cleaned, max_length)


def free_text(value, *, max_length: int) -> str:
    """A cell of free text (an address), as text on one line: line breaks and runs of spaces
    become one space (Excel's Alt+Enter inside a cell), other control or invisible format
    characters are refused, and so is text longer than the column that will hold it. What it
    begins with is not checked: exports escape cells that a spreadsheet would run."""
    raw = value if isinstance(value, str) else text(value)
    joined = " ".join(raw.split())
    if _has_control(joined):
        raise CellError("含有控制字符或不可见字符，请删除后重新录入")
    return _within(joined, max_length)


def _has_control(value: str) -> bool:
    # isprintable() (C speed) is False for every control and format character, and for a few
    # harmless ones (spaces other than " "), which the exact test then lets through.
    return not value.isprintable() and any(unicodedata.category(c) in ("Cc", "Cf") for c in value)


def _within(cleaned: str, max_length: int | None) -> str:
    if max_length is not None and len(cleaned) > max_length:
        raise CellError(f"长度 {len(cleaned)} 超过上限 {max_length} 个字符")
    return cleaned


def date_cell(value, *, required: bool = False) -> date | None:
    if value in (None, ""):
        if required:
            raise CellError("不能为空")
        return None
    if isinstance(value, datetime):
        return _plausible_cell(value.date())
    if isinstance(value, date):
        return _plausible_cell(value)
    raw = text(value)
    if len(raw) == 10 and raw[4] == "-" and raw[7] == "-":  # the common YYYY-MM-DD, without strptime
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            day = None
        if day is not None:
            return _plausible_cell(day)
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d", "%Y年%m月%d日"):
        try:
            day = datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
        return _plausible_cell(day)
    raise CellError(f"「{raw}」不是有效日期，请写成 2022-10-08 的形式")


def _plausible_cell(day: date) -> date:
    """core.validation's range (1900-2099), as for forms and services."""
    problem = date_problem(day)
    if problem:
        raise CellError(problem)
    return day


# ------------------------------------------------------------------------------ engine


def map_headers(importer: Importer, headers: list[str]) -> tuple[dict, list[str]]:
    """Column key -> index in the row, and errors for missing required columns."""
    normalized = [h.replace("*", "").replace("＊", "").strip() for h in headers]
    index, errors = {}, []
    for column in importer.columns:
        names = (column.header, *column.aliases)
        found = next((i for i, h in enumerate(normalized) if h in names), None)
        if found is not None:
            index[column.key] = found
        elif column.required:
            errors.append(f"缺少必填列「{column.header}」")
    if not index:
        errors = [f"没有识别出任何列；请使用「{importer.title}」模板（表头：{'、'.join(c.header for c in importer.columns)}）"]
    return index, errors


def rows_from_sheet(importer: Importer, sheet) -> tuple[list[RowIn], list[str]]:
    index, errors = map_headers(importer, sheet.headers)
    rows = [
        RowIn(number, {key: (cells[i] if i < len(cells) else None) for key, i in index.items()})
        for number, cells in sheet.rows
    ]
    return rows, errors


@dataclass
class RunResult:
    outcomes: list[RowOutcome]
    plan_kept: bool = False  # every good row's payload went into the `keep` list

    @property
    def counts(self) -> dict:
        counter = Counter(o.status for o in self.outcomes)
        return {s: counter.get(s, 0) for s in (NEW, CHANGED, UNCHANGED, ERROR)}

    @property
    def errors(self) -> list[RowOutcome]:
        return [o for o in self.outcomes if o.status == ERROR]


class CommitAborted(Exception):
    def __init__(self, result: RunResult):
        super().__init__("导入中发现错误行，未写入任何数据")
        self.result = result


def find_duplicates(importer: Importer, rows: list[RowIn]) -> dict[int, str]:
    """Row number -> message for every row whose duplicate key repeats inside the file."""
    if not importer.duplicate_keys:
        return {}
    seen: dict[tuple, list[int]] = {}
    for row in rows:
        if importer.is_example(row):
            continue
        value = importer.duplicate_value(row)
        if value:
            seen.setdefault(value, []).append(row.number)
    label = "、".join(importer.header_of(key) for key in importer.duplicate_keys)
    messages = {}
    for numbers in seen.values():
        if len(numbers) > 1:
            for n in numbers:
                others = "、".join(str(m) for m in numbers if m != n)
                messages[n] = f"{label}与第{others}行重复（同一文件内不能重复）"
    return messages


def run(importer: Importer, rows: list[RowIn], *, commit: bool, skip_bad_rows: bool = False,
        progress: Callable[[int, int], None] | None = None, keep: list | None = None,
        duplicates: dict[int, str] | None = None) -> RunResult:
    """Check every row (and, when committing, write the good ones batch by batch inside one
    transaction). Outcomes come back in spreadsheet order. `duplicates` (row number -> message)
    is given when `rows` are one chunk of a file whose repetitions were found over the whole."""
    with fewer_collections():
        if commit:
            with transaction.atomic():
                result = _run(importer, rows, commit=True, progress=progress, duplicates=duplicates)
                if result.errors and not skip_bad_rows:
                    raise CommitAborted(result)
                return result
        return _run(importer, rows, commit=False, progress=progress, keep=keep, duplicates=duplicates)


def write_plan(importer: Importer, plan: list, *, progress: Callable[[int, int], None] | None = None) -> None:
    """Write a kept preview plan ([row number, status, frozen payload]) in one transaction,
    batch by batch, without checking the rows again."""
    batch_size = settings.IMPORT_BATCH_SIZE
    with fewer_collections(), transaction.atomic():
        for start in range(0, len(plan), batch_size):
            batch = plan[start : start + batch_size]
            importer.write([RowOutcome(number, status, payload=importer.thaw(frozen)) for number, status, frozen in batch])
            if progress:
                progress(min(start + batch_size, len(plan)), len(plan))


def _run(importer, rows, *, commit, progress, keep=None, duplicates=None):
    batch_size = settings.IMPORT_BATCH_SIZE
    kept_all = keep is not None
    duplicates = find_duplicates(importer, rows) if duplicates is None else duplicates
    header = importer.header_of(importer.duplicate_keys[0]) if importer.duplicate_keys else ""
    outcomes = [RowOutcome(r.number, summary=importer.describe(r)).fail(header, duplicates[r.number])
                for r in rows if r.number in duplicates]
    # The template's example rows, left in the file: skipped, and the preview says so.
    examples = {r.number for r in rows if r.number not in duplicates and importer.is_example(r)}
    outcomes += [RowOutcome(number, UNCHANGED, summary=importer.example_message()) for number in sorted(examples)]
    candidates = [r for r in rows if r.number not in duplicates and r.number not in examples]
    importer.committing = commit
    importer.prepare(candidates)
    ordered = importer.order(candidates)
    done = len(outcomes)
    for start in range(0, len(ordered), batch_size):
        batch = ordered[start : start + batch_size]
        checked = importer.check(batch)
        for row, outcome in zip(batch, checked):
            if outcome.status == ERROR and not outcome.summary:
                outcome.summary = importer.describe(row)
        if commit:
            good = [o for o in checked if o.status in (NEW, CHANGED)]
            if good:
                importer.write(good)
        for outcome in checked:
            if keep is not None and outcome.status in (NEW, CHANGED):
                frozen = importer.freeze(outcome.payload)
                if frozen is None:
                    keep = None
                    kept_all = False
                else:
                    keep.append([outcome.number, outcome.status, frozen])
            outcome.payload = None  # written or previewed: keep only status and messages
        outcomes.extend(checked)
        done += len(batch)
        if progress:
            progress(done, len(rows))
    outcomes.sort(key=lambda o: o.number)
    return RunResult(outcomes, plan_kept=kept_all)


# ------------------------------------------------------------------------------ templates

ID_COLUMN_WIDTH = 24  # 18 characters and room: Excel shows "4.21202E+17" in a narrow number cell
WIDTH_MIN, WIDTH_MAX = 12, 48


def _width(column: Column, values) -> int:
    if column.is_id_number:
        return ID_COLUMN_WIDTH
    longest = max([len(column.header), *(len(str(v)) for v in values if v not in (None, ""))])
    # CJK characters take about two width units.
    return max(WIDTH_MIN, min(WIDTH_MAX, longest * 2 + 4))


def _example_value(column: Column, value):
    if column.date and isinstance(value, str) and value:
        return date.fromisoformat(value)  # a date cell, shown YYYY-MM-DD
    return value


def template_rules(importer: type[Importer]) -> list[str]:
    """The 说明 sheet's rules: those of every list, then the list's own."""
    from core.xlsx import size_text

    marked = next((c.header for c in importer.columns if c.key == importer.example_key), "")
    rules = [
        "第一个工作表是名单，第一行是表头：请勿修改表头文字；列的顺序可以调整，选填列可以删除。表头红字的列必填。",
        f"灰底的行是填写示例（{marked}含“{EXAMPLE_MARK}”），导入时自动跳过，可以保留，也可以删除；"
        f"直接改写示例行时，请去掉“{EXAMPLE_MARK}”二字，否则该行不会导入。",
    ]
    key = importer.duplicate_key
    keys = () if not key else (key,) if isinstance(key, str) else tuple(key)
    if keys:
        headers = {c.key: c.header for c in importer.columns}
        together = "（合在一起）" if len(keys) > 1 else ""
        rules.append(f"同一文件内{CHOICE_SEPARATOR.join(headers[k] for k in keys)}{together}不能重复。")
    if any(c.is_id_number for c in importer.columns):
        rules.append("身份证号为18位，末位 X 大小写均可；身份证号列已设为“文本”格式，请勿改为数字格式"
                     "（数字格式的单元格会丢失末尾数字，导入时报错）。")
    if any(c.date for c in importer.columns):
        rules.append("日期写成 YYYY-MM-DD（如 2026-10-08），也可以是 Excel 的日期单元格；2026/10/08、20261008、"
                     "2026年10月8日 也能识别。日期须在 1900-01-01 至 2099-12-31 之间。")
    if any(c.choices for c in importer.columns):
        rules.append("带下拉箭头的列请从列表中选择（“可选值”一栏列出全部选项）。")
    rules += [
        "请勿使用公式：含公式的文件会被拒绝（可复制后“选择性粘贴-数值”）；以 = + - @ 开头的内容会被当作公式拒绝。",
        f"文件为 Excel .xlsx{'或 CSV（UTF-8 或 GBK 编码）' if importer.accepts_csv else ''}，"
        f"不超过 {size_text(settings.IMPORT_MAX_UPLOAD_BYTES)}。",
        "上传后系统先逐行校验并显示预览（新增、变更、无变化、错误），确认后才写入；错误行可下载，修改后重新上传。",
        *importer.template_rules,
    ]
    return rules


def template_workbook(importer: type[Importer], user=None) -> bytes:
    """The list's template for this user: core.xlsx.write_template over the columns, the
    example rows (valid ID numbers, marked 示例) and the rules."""
    from core.xlsx import TemplateColumn, write_template

    examples = importer.example_rows(user)
    choices = importer.choices_for(user)
    rows = [[_example_value(c, example.get(c.key, "")) for c in importer.columns] for example in examples]
    columns = [
        TemplateColumn(header=c.header, required=c.required, text=c.text, date=c.date, choices=tuple(choices.get(c.key, ())),
                       format=c.format_text(), help=c.help, width=_width(c, [*choices.get(c.key, ()), *(e.get(c.key) for e in examples)]))
        for c in importer.columns
    ]
    marked = next((c.header for c in importer.columns if c.key == importer.example_key), importer.columns[0].header)
    note = f"灰底的行是填写示例（{marked}含“{EXAMPLE_MARK}”），导入时自动跳过；可以保留，也可以删除。"
    return write_template(columns, rows, title=importer.title, rules=template_rules(importer), example_note=note,
                          choice_separator=CHOICE_SEPARATOR)
