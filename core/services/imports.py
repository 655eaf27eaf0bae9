"""Import jobs: upload → preview (dry run) → commit, each step recorded on the ImportJob
(the import log). Views, the admin and Celery tasks call these functions; large files run
their steps in tasks (core.tasks) with progress in the cache."""

import contextlib
import gzip
import hashlib
import json
import re
import time
import zlib
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from core import forked
from core import imports as engine
from core.bulk import fewer_collections
from core.errors import ServiceError
from core.idnumber import mask_id_number
from core.models import ImportChunk, ImportJob, SecurityEvent
from core.security import record_event
from core.xlsx import UnsafeFileError, read_table, size_text, write_xlsx

# kind -> dotted path of its Importer; one registry for views, admin and tasks.
IMPORTERS = {
    "settlements": "benefits.importers.SettlementImporter",
    "facilities": "benefits.importers.FacilityImporter",
    "identity_list": "assistance.importers.IdentityListImporter",
    "regions": "core.importers.RegionImporter",
    "enrollment_list": "enrollment.importers.EnrollmentListImporter",
    "employee_coverage": "enrollment.importers.EmployeeCoverageImporter",
    "remote_filings": "benefits.importers_filings.FilingImporter",
    "chronic_approvals": "benefits.importers_chronic.ChronicApprovalImporter",
    "two_diseases": "benefits.importers_chronic.TwoDiseasesImporter",
}
# An ID number quoted in an error message (e.g. a 15-digit number's 18-digit form).
ID_IN_TEXT = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
PREVIEW_ROWS_KEPT = 100_000
PROGRESS_SECONDS = 6 * 3600  # how long the cache keeps a step's progress
PLANS_DIR = "imports/plans"
ERRORS_KEPT = 20_000
Status = ImportJob.Status


def importer_class(kind: str):
    try:
        return import_string(IMPORTERS[kind])
    except KeyError:
        raise ServiceError("unknown_kind", f"未知的导入类型：{kind}") from None


def can_import(user, kind: str) -> bool:
    return importer_class(kind).refusal(user) is None


# ------------------------------------------------------------------------------ progress


def _progress_key(job_id) -> str:
    return f"import-progress:{job_id}"


def _part_progress_key(job_id, part: int) -> str:
    return f"import-progress:{job_id}:part-{part}"


def set_progress(job_id, phase: str, done: int, total: int, *, parts: int = 0) -> None:
    """A step's progress; a check in `parts` (processes) keeps each part's rows done apart."""
    cache.set(_progress_key(job_id), {"phase": phase, "done": done, "total": total, "parts": parts}, PROGRESS_SECONDS)
    if parts:
        cache.set_many({_part_progress_key(job_id, n): 0 for n in range(parts)}, PROGRESS_SECONDS)


def get_progress(job: ImportJob) -> dict:
    state = cache.get(_progress_key(job.pk)) or {"phase": "", "done": 0, "total": job.total_rows}
    if state.get("parts"):
        state["done"] = sum((cache.get_many([_part_progress_key(job.pk, n) for n in range(state["parts"])]) or {}).values())
    total = state["total"] or 0
    state["percent"] = int(100 * state["done"] / total) if total else (100 if job.status in (Status.PREVIEWED, Status.COMMITTED) else 0)
    interrupted = is_interrupted(job)
    state["status"] = job.status
    state["interrupted"] = interrupted
    state["status_label"] = INTERRUPTED_LABEL if interrupted else job.get_status_display()
    done = models.Q(status=ImportChunk.Status.DONE)
    chunks = job.chunks.aggregate(total=models.Count("pk"), done=models.Count("pk", filter=done),
                                  rows=models.Sum("rows", filter=done), last_row=models.Max("last_row", filter=done))
    state["chunks_total"], state["chunks_done"] = chunks["total"], chunks["done"]
    state["rows_written"], state["last_row_written"] = chunks["rows"] or 0, chunks["last_row"]
    return state


# ------------------------------------------------------------------------------ liveness

# One process works on a job at a time (a web request or a Celery task). It stamps the job's
# heartbeat when it takes the job up and as it goes, and while it writes it holds the job's row
# inside its transaction; PostgreSQL rolls that transaction back and frees the row the moment
# the process dies. A job "working" with an old heartbeat and a free row is interrupted: it
# is shown 已中断 and may be continued or cancelled by its uploader.
WORKING = (Status.UPLOADED, Status.PREVIEWING, Status.COMMITTING)
INTERRUPTED_LABEL = "已中断"
HEARTBEAT_STALE_SECONDS = 120  # unless settings.IMPORT_HEARTBEAT_STALE_SECONDS says otherwise


def heartbeat_stale_seconds() -> int:
    return getattr(settings, "IMPORT_HEARTBEAT_STALE_SECONDS", HEARTBEAT_STALE_SECONDS)


def _beat(job_id) -> None:
    ImportJob.objects.filter(pk=job_id).update(heartbeat_at=timezone.now())


def _stale(job: ImportJob) -> bool:
    """Working, and no sign of life for longer than the stale period."""
    beat = job.heartbeat_at or job.updated_at
    return job.status in WORKING and beat < timezone.now() - timedelta(seconds=heartbeat_stale_seconds())


def _row_held(job_id) -> bool:
    """True while another transaction holds the job's row: a process is writing it right now,
    however long since its last heartbeat."""
    with transaction.atomic():
        return not list(ImportJob.objects.select_for_update(skip_locked=True).filter(pk=job_id).values_list("pk", flat=True))


def is_interrupted(job: ImportJob) -> bool:
    return _stale(job) and not _row_held(job.pk)


def interrupted_ids(jobs) -> set:
    """The interrupted ones among a page of jobs (only stale ones are asked about their row)."""
    return {job.pk for job in jobs if is_interrupted(job)}


def _hold(job: ImportJob, status) -> bool:
    """Take the job's row for the rest of the caller's transaction (the sign that a process is
    working on it) and check that the job is still in `status`."""
    return bool(list(ImportJob.objects.select_for_update().filter(pk=job.pk, status=status).values_list("pk", flat=True)))


def _lock_idle(job_id) -> ImportJob:
    """The job's row, locked, unless a process holds it: that process is alive, however slow,
    and is left to finish rather than overtaken."""
    job = ImportJob.objects.select_for_update(skip_locked=True).filter(pk=job_id).first()
    if job is None:
        raise ServiceError("busy", "该导入正在写入数据（处理它的进程仍在运行），请稍后再试")
    return job


def rows_written(job: ImportJob) -> int:
    """Rows of a chunked job that its finished pieces wrote (they stay written)."""
    return job.chunks.filter(status=ImportChunk.Status.DONE).aggregate(n=models.Sum("rows"))["n"] or 0


# ------------------------------------------------------------------------------ steps


def import_job_create(*, user, kind: str, uploaded, request=None, skip_bad_rows: bool = False, options: dict | None = None) -> ImportJob:
    """Check the upload before any parser reads it, store it where every worker can read it,
    and create the job. Hostile or malformed files are refused (ServiceError) and recorded."""
    importer = importer_class(kind)
    if refusal := importer.refusal(user):
        raise ServiceError("denied", refusal)
    if uploaded.size > settings.IMPORT_MAX_UPLOAD_BYTES:
        _refused(user, request, uploaded.name, f"文件大小 {size_text(uploaded.size)} 超过上限 {size_text(settings.IMPORT_MAX_UPLOAD_BYTES)}")
    data = uploaded.read()
    try:
        if uploaded.name.lower().endswith(".csv") and not importer.accepts_csv:
            raise UnsafeFileError("只接受 Excel .xlsx 文件（请在 Excel 中另存为 .xlsx 格式）")
        sheet = read_table(data, uploaded.name)
    except UnsafeFileError as error:
        _refused(user, request, uploaded.name, str(error))
    rows, header_errors = engine.rows_from_sheet(importer(user=user), sheet)
    if header_errors:
        raise ServiceError("headers", "；".join(header_errors), "file")
    if not rows:
        raise ServiceError("empty", "文件中没有数据行", "file")
    job = ImportJob(
        kind=kind, original_name=uploaded.name[:255], sha256=hashlib.sha256(data).hexdigest(), size=len(data),
        user=user, region=user.region, region_path=user.region.path if user.region_id else "",
        total_rows=len(rows), skip_bad_rows=skip_bad_rows,
        options={key: bool((options or {}).get(key)) for key, _label in importer.upload_options},
    )
    suffix = ".csv" if uploaded.name.lower().endswith(".csv") else ".xlsx"
    job.file.save(f"{kind}-{timezone.now():%Y%m%d%H%M%S}{suffix}", ContentFile(data), save=False)
    job.save()
    # A new job starts at zero, whatever the cache still holds under its id (the cache outlives
    # a database that was reset or restored).
    set_progress(job.pk, "", 0, len(rows))
    record_event(kind=SecurityEvent.Kind.IMPORT, user=user, request=request, obj=job, detail=f"上传 {job.original_name}，{len(rows)} 行")
    return job


def _refused(user, request, name, message):
    record_event(kind=SecurityEvent.Kind.FILE_REFUSED, user=user, request=request, object_type="file", object_id=name[:64], detail=message)
    raise ServiceError("unsafe_file", message, "file")


def runs_in_background(job: ImportJob) -> bool:
    return job.total_rows > settings.IMPORT_BACKGROUND_ROWS or commits_in_chunks(job)


def commits_in_chunks(job: ImportJob) -> bool:
    return importer_class(job.kind).commits_in_chunks and job.total_rows > settings.IMPORT_CHUNK_ROWS


def _load(job: ImportJob):
    importer = importer_class(job.kind)(user=job.user, job=job)
    with job.file.open("rb") as handle:
        data = handle.read()
    rows, header_errors = engine.rows_from_sheet(importer, read_table(data, job.original_name))
    if header_errors:
        raise ServiceError("headers", "；".join(header_errors))
    return importer, rows


def _record(job: ImportJob, result: engine.RunResult) -> None:
    job.counts = result.counts
    job.errors = [
        {"row": o.number, "column": header, "message": message}
        for o in result.errors for header, message in o.errors
    ][:ERRORS_KEPT]
    job.preview_rows = [[o.number, o.status, o.summary, o.error_text, o.choices] for o in result.outcomes[:PREVIEW_ROWS_KEPT]]


def _claim(job_id, expected: tuple, new_status) -> ImportJob | None:
    """Move a job from an expected status to a working one under a row lock, stamping its
    heartbeat; None when another process has it or it is already done (tasks are safe to run
    twice). The lock waits for a process still writing the job, which then finds it done. A job
    left "working" with an old heartbeat belonged to a process that died (its transaction was
    rolled back and the row is ours now), so it is taken up again, e.g. by a redelivered task."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update(of=("self",)).select_related("user", "user__region").defer("preview_rows", "errors").get(pk=job_id)
        abandoned = job.status == new_status and _stale(job)
        if job.status not in expected and not abandoned:
            return None
        job.status = new_status
        job.failure = ""
        job.heartbeat_at = timezone.now()
        job.save(update_fields=["status", "failure", "heartbeat_at", "updated_at"])
    return job


def import_job_preview(job_id) -> ImportJob:
    job = _claim(job_id, (Status.UPLOADED, Status.PREVIEWED, Status.FAILED), Status.PREVIEWING)
    if job is None:
        return ImportJob.objects.get(pk=job_id)
    started = time.monotonic()
    plan, pieces = [], None
    try:
        importer, rows = _load(job)
        version = importer.data_version()
        if version and importer.commits_in_chunks:  # a small file is one piece, committed at once
            pieces = _PiecePlans(job, importer, rows)
        result = _preview_check(job, importer, rows, pieces=pieces, plan=plan if version and pieces is None else None)
    except ServiceError as error:
        if pieces is not None:
            pieces.discard()
        return _fail(job, error.message)
    except Exception:
        # A check that fails unexpectedly (a bug; the error goes to the log) must not leave the
        # job "校验中" for good: it fails with a message and may be checked again. A preview
        # writes nothing, so there is nothing to roll back.
        if pieces is not None:
            pieces.discard()
        _fail(job, "校验时发生内部错误，未写入任何数据；请联系管理员，或稍后重新校验")
        raise
    _drop_plan(job)
    if version and result.plan_kept and pieces is not None:
        job.plan_file = pieces.finish(result)
        job.plan_version = version if job.plan_file else ""
    elif version and result.plan_kept:
        job.plan_file = default_storage.save(f"imports/plans/job-{job.pk}.json.gz", ContentFile(gzip.compress(
            json.dumps(plan, ensure_ascii=False, separators=(",", ":")).encode(), compresslevel=1)))
        job.plan_version = version
    elif pieces is not None:
        pieces.discard()
    _record(job, result)
    job.status = Status.PREVIEWED
    job.previewed_at = timezone.now()
    job.seconds = Decimal(f"{time.monotonic() - started:.2f}")
    job.save()
    return job


def _preview_check(job: ImportJob, importer, rows, *, pieces, plan) -> engine.RunResult:
    """The preview's check of every row, keeping the plan (pieces, or the plan list of a
    small file). A large file whose rows fall into independent groups (the importer's
    partition_key: settlements, one person's bills) is checked in parts, one process each
    (core.forked): every part checks its groups' rows in the file's order, against the
    repetitions found over the whole file, and keeps its share of each piece's plan."""
    parts = _preview_parts(importer, rows) if plan is None else None
    if parts is None:
        return engine.run(importer, rows, commit=False, progress=_checking(job.pk), keep=pieces if pieces is not None else plan)
    duplicates = engine.find_duplicates(importer, rows)
    set_progress(job.pk, "preview", 0, len(rows), parts=len(parts))

    def part(number, share):
        def check():
            kept = pieces.for_part(importer, number) if pieces is not None else None
            try:
                result = engine.run(importer, share, commit=False, progress=_checking(job.pk, part=number), keep=kept,
                                    duplicates=duplicates)
                if kept is not None:
                    kept.flush()
            except BaseException:
                if kept is not None:
                    kept.discard()
                raise
            return result, (kept.files, kept.usable) if kept is not None else None
        return check

    try:
        results = forked.run_forked([part(number, share) for number, share in enumerate(parts)])
    except BaseException:
        _discard_part_plans(job)  # a part killed before it said which files it saved
        raise
    if pieces is not None:
        for _result, (files, usable) in results:
            pieces.join(files, usable)
    outcomes = sorted((o for result, _kept in results for o in result.outcomes), key=lambda o: o.number)
    return engine.RunResult(outcomes, plan_kept=all(result.plan_kept for result, _kept in results))


def _preview_parts(importer, rows) -> list[list] | None:
    """The file's rows in IMPORT_PREVIEW_PROCESSES parts by the importer's partition_key (each
    group whole in one part, in the file's order), or None to check them in this process."""
    processes = settings.IMPORT_PREVIEW_PROCESSES
    if processes < 2 or len(rows) < max(settings.IMPORT_PREVIEW_PART_ROWS, 2) or importer.partition_key(rows[0]) is None:
        return None
    if not forked.can_fork():
        return None
    parts = [[] for _ in range(processes)]
    for row in rows:
        parts[zlib.crc32(importer.partition_key(row).encode()) % processes].append(row)
    return [share for share in parts if share]


def _discard_part_plans(job: ImportJob) -> None:
    prefix = f"job-{job.pk}-piece-"
    with contextlib.suppress(FileNotFoundError, NotImplementedError):  # nothing saved yet, or a storage that cannot list
        for name in default_storage.listdir(PLANS_DIR)[1]:
            if name.startswith(prefix) and "-part-" in name:
                default_storage.delete(f"{PLANS_DIR}/{name}")


def _gz_json_save(name: str, value) -> str:
    return default_storage.save(name, ContentFile(gzip.compress(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode(),
                                                                compresslevel=1)))


def _gz_json_read(name: str):
    with default_storage.open(name, "rb") as handle:
        return json.loads(gzip.decompress(handle.read()))


# A piece's plan on disk: one or more segments (a preview checked in parts keeps one per
# part; gzip streams joined end to end read as one). A segment is its JSON without "lines"
# but with their "count", on a line, then its "lines" (text without line ends, such as COPY
# rows) one per line as they are: a piece's plan is tens of megabytes of such text, which
# JSON would escape character by character. A plan kept before segments is one head without
# a count, then its lines.

def _plan_save(name: str, plan: dict) -> str:
    lines = plan.get("lines", ())
    head = json.dumps({**{k: v for k, v in plan.items() if k != "lines"}, "count": len(lines)}, ensure_ascii=False,
                      separators=(",", ":"))
    text = "".join([head, "\n", *(line + "\n" for line in lines)])
    return default_storage.save(name, ContentFile(gzip.compress(text.encode(), compresslevel=1)))


def _plan_read(name: str) -> list[dict]:
    """A piece's plan as its segments."""
    with default_storage.open(name, "rb") as handle:
        lines = gzip.decompress(handle.read()).decode().split("\n")
    segments, at = [], 0
    while at < len(lines) and lines[at]:
        head = json.loads(lines[at])
        count = head.pop("count", None)
        if count is None:  # kept before segments
            segments.append({**head, "lines": lines[at + 1 :]})
            break
        segments.append({**head, "lines": lines[at + 1 : at + 1 + count]})
        at += 1 + count
    return segments


class _PiecePlans:
    """The kept plan of a chunked commit, one file per piece (IMPORT_CHUNK_ROWS rows in the
    commit's order), saved as the preview goes: a piece's rows are checked one after another,
    so memory holds one piece's plan at a time. finish() saves the list of pieces (the job's
    plan_file) with each piece's counts and error rows, which the piece's commit reports when
    it writes the plan instead of checking its rows again. A preview checked in parts keeps
    one _PiecePlans per part (for_part), each saving its share of every piece; join() takes
    the parts' files in and finish() joins each piece's shares into its one file."""

    def __init__(self, job, importer, rows, *, piece_of: dict | None = None, part: int | None = None):
        self.job, self.importer, self.part = job, importer, part
        self.size = settings.IMPORT_CHUNK_ROWS
        self.piece_of = piece_of if piece_of is not None else {r.number: i // self.size for i, r in enumerate(importer.order(rows))}
        self.files: dict[int, list[str]] = {}
        self.piece, self.entries, self.usable = None, [], True

    def for_part(self, importer, part: int) -> "_PiecePlans":
        return _PiecePlans(self.job, importer, None, piece_of=self.piece_of, part=part)

    def append(self, entry) -> None:
        piece = self.piece_of[entry[0]]
        if piece != self.piece:
            self._save()
            self.usable = self.usable and piece not in self.files  # rows out of the commit's order: no plan
            self.piece = piece
        self.entries.append(entry)

    def _save(self) -> None:
        if self.entries and self.usable:
            plan = self.importer.chunk_plan(self.entries)
            if plan is None:
                self.usable = False
            else:
                part = f"-part-{self.part}" if self.part is not None else ""
                self.files[self.piece] = [_plan_save(f"{PLANS_DIR}/job-{self.job.pk}-piece-{self.piece}{part}.gz", plan)]
        self.entries = []

    def flush(self) -> None:
        """Save the piece in hand (a part's check has ended)."""
        self._save()

    def join(self, files: dict, usable: bool) -> None:
        """Take in the files another part saved (after its check has ended)."""
        self.usable = self.usable and usable
        for piece, names in files.items():
            self.files.setdefault(piece, []).extend(names)

    def _joined(self, piece: int) -> str:
        names = self.files[piece]
        if len(names) > 1:
            data = b"".join(default_storage.open(name, "rb").read() for name in names)
            joined = default_storage.save(f"{PLANS_DIR}/job-{self.job.pk}-piece-{piece}.gz", ContentFile(data))
            for name in names:
                default_storage.delete(name)
            self.files[piece] = names = [joined]
        return names[0]

    def finish(self, result: engine.RunResult) -> str:
        """The name of the saved list of pieces, or "" when no plan can be kept."""
        self._save()
        if not self.usable:
            self.discard()
            return ""
        pieces = {}
        for outcome in result.outcomes:
            piece = pieces.setdefault(self.piece_of[outcome.number], {"counts": dict.fromkeys(
                (engine.NEW, engine.CHANGED, engine.UNCHANGED, engine.ERROR), 0), "errors": []})
            piece["counts"][outcome.status] += 1
            if outcome.status == engine.ERROR and len(piece["errors"]) < ERRORS_KEPT:
                piece["errors"] += [{"row": outcome.number, "column": header, "message": message} for header, message in outcome.errors]
        for number, row in self.piece_of.items():  # every row, the template's examples and repetitions too
            piece = pieces.setdefault(row, {"counts": dict.fromkeys((engine.NEW, engine.CHANGED, engine.UNCHANGED, engine.ERROR), 0),
                                            "errors": []})
            piece["first_row"] = min(piece.get("first_row", number), number)
            piece["last_row"] = max(piece.get("last_row", number), number)
            piece["rows"] = piece.get("rows", 0) + 1
        for number, piece in pieces.items():
            piece["plan"] = self._joined(number) if number in self.files else None
        return _gz_json_save(f"{PLANS_DIR}/job-{self.job.pk}-pieces.json.gz",
                             {"size": self.size, "pieces": {str(n): p for n, p in pieces.items()}})

    def discard(self) -> None:
        for names in self.files.values():
            for name in names:
                default_storage.delete(name)
        self.files = {}


def _plan_files(job: ImportJob) -> list[str]:
    """The files of the job's kept plan: the plan, or the list of pieces and each piece's plan."""
    if not job.plan_file:
        return []
    names = [job.plan_file]
    if "-pieces" in job.plan_file and default_storage.exists(job.plan_file):
        names += [p["plan"] for p in _gz_json_read(job.plan_file)["pieces"].values() if p["plan"]]
    return names


def _checking(job_id, *, part: int | None = None):
    """Progress of a check, which is also its heartbeat: a check writes nothing and runs
    outside a transaction, so each batch's stamp is seen at once. A part of a check in parts
    counts its own rows (get_progress adds them up)."""
    def progress(done, total):
        if part is None:
            set_progress(job_id, "preview", done, total)
        else:
            cache.set(_part_progress_key(job_id, part), done, PROGRESS_SECONDS)
        _beat(job_id)
    return progress


def _has_errors(job: ImportJob) -> ServiceError:
    return ServiceError("has_errors", f"有 {job.error_count} 行错误；请修正后重新上传，或选择“跳过错误行”后导入")


def import_job_confirm(*, user, job: ImportJob, skip_bad_rows: bool) -> ImportJob:
    """The uploader's confirmation: records the skip choice and refuses, before any task is
    sent, a job that may not be committed."""
    if job.status != Status.PREVIEWED:
        raise ServiceError("state", f"该导入的状态为「{job.get_status_display()}」，不能确认导入")
    job = import_job_set_skip(user=user, job=job, skip_bad_rows=skip_bad_rows)
    if not job.can_commit:
        raise _has_errors(job)
    return job


def import_job_commit(job_id) -> ImportJob:
    job = ImportJob.objects.defer("preview_rows", "errors").get(pk=job_id)
    if not job.can_commit and job.status != Status.COMMITTING:  # _claim decides about a working job
        if job.status == Status.PREVIEWED:
            raise _has_errors(job)
        return job
    job = _claim(job_id, (Status.PREVIEWED,), Status.COMMITTING)
    if job is None:
        return ImportJob.objects.get(pk=job_id)
    if commits_in_chunks(job):
        return _start_chunks(job)
    started = time.monotonic()
    progress = lambda d, t: set_progress(job.pk, "commit", d, t)  # noqa: E731
    try:
        # The rows and the job's "已导入" in one transaction that holds the job's row: a process
        # that dies leaves neither, and its freed row shows the job interrupted.
        with transaction.atomic():
            if not _hold(job, Status.COMMITTING):
                return ImportJob.objects.get(pk=job_id)
            if _write_kept_plan(job, progress):
                return _committed(job, started, recorded=False)
            importer, rows = _load(job)
            result = engine.run(importer, rows, commit=True, skip_bad_rows=job.skip_bad_rows, progress=progress)
            _record(job, result)
            return _committed(job, started)
    except engine.CommitAborted as aborted:
        _record(job, aborted.result)
        job.status = Status.PREVIEWED
        job.failure = "导入时发现新的错误行（数据在校验后发生了变化），未写入任何数据；请查看错误后重新确认"
        job.save()
        return job
    except ServiceError as error:
        return _fail(job, error.message)
    except IntegrityError:
        # The database refused a row the checks passed (someone registered the same person at
        # the same moment): the transaction was rolled back, so nothing is written.
        return _fail(job, "写入时数据库拒绝了与现有记录冲突的数据（可能有人同时登记了同一人员），未写入任何数据；请重新上传校验")


# ------------------------------------------------------------------------------ chunked commit


def _start_chunks(job: ImportJob) -> ImportJob:
    """Cut the file into pieces (once) under the job's row; the pieces are run by
    core.tasks.commit_import_chunk, one after another. A job whose pieces are all written
    already (it stopped between its last piece and its end) is finished here."""
    with transaction.atomic():
        if not _hold(job, Status.COMMITTING):
            return ImportJob.objects.get(pk=job.pk)
        try:
            _split(job)
        except ServiceError as error:
            return _fail(job, error.message)
        if next_chunk(job.pk) is None:
            _chunks_finished(job)
    return job


def _split(job: ImportJob) -> None:
    """Cut the file into pieces of IMPORT_CHUNK_ROWS rows, once per job (a reclaimed or resumed
    job keeps its pieces and the ones already written). Repetitions inside the file are found
    over the whole file here, so every piece knows its duplicated rows."""
    if job.chunks.exists():
        return
    size = settings.IMPORT_CHUNK_ROWS
    if job.plan_version and "-pieces" in job.plan_file and default_storage.exists(job.plan_file):
        manifest = _gz_json_read(job.plan_file)
        if manifest["size"] == size:
            # The preview cut the same pieces and kept each one's plan: each piece's file is its
            # plan, and the file is read again only for a piece whose data changed (_piece_rows).
            ImportChunk.objects.bulk_create([
                ImportChunk(job=job, number=int(n), first_row=p["first_row"], last_row=p["last_row"], rows=p["rows"], file=p["plan"] or "")
                for n, p in sorted(manifest["pieces"].items(), key=lambda item: int(item[0]))])
            return
        _drop_plan(job)
        job.save(update_fields=["plan_file", "plan_version", "updated_at"])
    importer, rows = _load(job)
    duplicates = engine.find_duplicates(importer, rows)
    ordered = importer.order(rows)
    chunks = []
    for number, start in enumerate(range(0, len(ordered), size)):
        piece = ordered[start : start + size]
        payload = {"rows": [[r.number, _cells_to_json(r.values)] for r in piece],
                   "duplicates": {str(r.number): duplicates[r.number] for r in piece if r.number in duplicates}}
        name = _gz_json_save(f"imports/chunks/job-{job.pk}-{number}.json.gz", payload)
        chunks.append(ImportChunk(job=job, number=number, first_row=min(r.number for r in piece),
                                  last_row=max(r.number for r in piece), rows=len(piece), file=name))
    ImportChunk.objects.bulk_create(chunks)


def _piece_rows(job: ImportJob, chunk: ImportChunk, importer) -> tuple[list, dict]:
    """A planned piece's rows and their repetitions in the file, read from the file again (its
    data changed since the preview, so it is checked again)."""
    _importer, rows = _load(job)
    duplicates = engine.find_duplicates(importer, rows)
    start = job.chunks.filter(number__lt=chunk.number).aggregate(n=models.Sum("rows"))["n"] or 0
    piece = importer.order(rows)[start : start + chunk.rows]
    return piece, {r.number: duplicates[r.number] for r in piece if r.number in duplicates}


def _cells_to_json(values: dict) -> dict:
    return {k: _cell_to_json(v) for k, v in values.items()}


def _cell_to_json(value):
    """A cell as read (str, int, float, bool, None, date, datetime, or a rarer type such as a
    time of day) as a JSON value that _cells_from_json turns back into what the importer saw;
    the rarer types as their text, which is what an importer would make of them."""
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _cells_from_json(values: dict) -> dict:
    return {k: _parse_date(v["date"]) if isinstance(v, dict) else v for k, v in values.items()}


def _parse_date(text: str):
    return datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)


def next_chunk(job_id) -> int | None:
    """The number of the first piece still to write, or None."""
    return ImportChunk.objects.filter(job_id=job_id, status=ImportChunk.Status.PENDING).order_by("number").values_list("number", flat=True).first()


def import_job_commit_chunk(job_id, number: int) -> int | None:
    """Check and write one piece in one transaction that also marks it done; return the number
    of the next piece to run, or None when the job is finished, stopped or not committing.
    Safe to run twice: a piece already done is not written again (its row lock makes a second
    worker wait, then see it done)."""
    started = time.monotonic()
    try:
        # The job's row is held for the piece (the sign that a process is writing it); the piece,
        # the job's heartbeat and, after the last piece, the finished job commit together.
        with transaction.atomic():
            job = ImportJob.objects.select_for_update(of=("self",)).select_related("user", "user__region").defer("preview_rows", "errors").get(pk=job_id)
            if job.status != Status.COMMITTING:
                return None
            chunk = ImportChunk.objects.select_for_update().get(job=job, number=number)
            if chunk.status == ImportChunk.Status.DONE:
                return next_chunk(job.pk)
            finished = rows_written(job)
            importer = importer_class(job.kind)(user=job.user, job=job)
            planned = "-pieces" in job.plan_file  # the pieces were cut by the preview, each file its plan
            if planned and job.plan_version and _piece_plan_written(job, importer, _plan_read(chunk.file) if chunk.file else None):
                piece = _gz_json_read(job.plan_file)["pieces"][str(chunk.number)]
                chunk.counts, chunk.errors = piece["counts"], piece["errors"]
                set_progress(job.pk, "commit", finished + chunk.rows, job.total_rows)
            else:
                if planned:
                    # The data changed since the preview: this piece and the ones after it are checked again.
                    if job.plan_version:
                        job.plan_version = ""
                        job.save(update_fields=["plan_version", "updated_at"])
                    rows, duplicates = _piece_rows(job, chunk, importer)
                else:
                    payload = _gz_json_read(chunk.file)
                    rows = [engine.RowIn(n, _cells_from_json(values)) for n, values in payload["rows"]]
                    duplicates = {int(n): m for n, m in payload["duplicates"].items()}
                result = engine.run(importer, rows, commit=True, skip_bad_rows=job.skip_bad_rows, duplicates=duplicates,
                                    progress=lambda d, t: set_progress(job.pk, "commit", finished + d, job.total_rows))
                chunk.counts, chunk.errors = result.counts, _error_list(result)
            chunk.status = ImportChunk.Status.DONE
            chunk.seconds, chunk.finished_at = Decimal(f"{time.monotonic() - started:.2f}"), timezone.now()
            chunk.save()
            following = next_chunk(job.pk)
            if following is None:
                _chunks_finished(job)
            else:
                job.heartbeat_at = timezone.now()
                job.save(update_fields=["heartbeat_at", "updated_at"])
    except engine.CommitAborted as aborted:
        return _chunk_stopped(job, chunk, finished, aborted.result)
    except ServiceError as error:
        _fail(job, _partial(finished, error.message))
        return None
    except IntegrityError:
        _fail(job, _partial(finished, "写入时数据库拒绝了与现有记录冲突的数据（可能有人同时结算了同一单号），该段未写入"))
        return None
    return following


def _piece_plan_written(job: ImportJob, importer, segments: list[dict] | None) -> bool:
    """Write a piece's kept plan (its segments, _plan_read; None: the piece has no new rows)
    when nothing the checks read has changed since the preview (the importer's data version,
    and what write_chunk_plan checks); False, nothing written, when the piece must be checked
    again."""
    if importer.data_version() != job.plan_version:
        return False
    if segments is None:
        return True
    # COPY's errors come from the driver: wrapped, a unique violation is Django's IntegrityError.
    plan = importer.merge_chunk_plans(segments)
    if plan is None:
        return False
    with fewer_collections(), connection.wrap_database_errors:
        return importer.write_chunk_plan(plan)


def import_job_chunk_interrupted(job_id, number: int, reason: str) -> ImportJob:
    """A piece that did not finish (its transaction was rolled back): the job waits for the
    uploader to confirm again, which continues from that piece."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update(of=("self",)).defer("preview_rows", "errors").get(pk=job_id)
        if job.status != Status.COMMITTING:
            return job
        chunk = job.chunks.get(number=number)
        finished = rows_written(job)
        job.status = Status.PREVIEWED
        job.failure = _partial(finished, f"第 {chunk.first_row}–{chunk.last_row} 行的导入{reason}，该段未写入") + "；再次确认导入将从该段继续"
        job.save(update_fields=["status", "failure", "updated_at"])
    return job


def _partial(finished: int, message: str) -> str:
    if not finished:
        return message + "；未写入任何数据"
    return f"{message}；此前各段已导入 {finished} 行（已导入的单号再次导入时不会重复）"


def _error_list(result: engine.RunResult) -> list:
    return [{"row": o.number, "column": header, "message": message} for o in result.errors for header, message in o.errors]


def _chunk_stopped(job: ImportJob, chunk: ImportChunk, finished: int, result: engine.RunResult) -> None:
    """A piece found error rows the preview did not (the data changed since) and the user did not
    choose to skip bad rows: the piece is rolled back and the job waits for the user, who may
    skip those rows and continue with this piece and the ones after it."""
    job.refresh_from_db()
    job.errors = _error_list(result)[:ERRORS_KEPT]
    job.counts = {**job.counts, "error": len(result.errors)}
    job.status = Status.PREVIEWED
    job.failure = _partial(finished, f"第 {chunk.first_row}–{chunk.last_row} 行中发现新的错误行（数据在校验后发生了变化），该段未写入") + \
        "；勾选“跳过错误行”后确认，将从该段继续导入"
    job.save()
    return None


def _chunks_finished(job: ImportJob) -> None:
    chunks = list(job.chunks.all())
    job.refresh_from_db()
    counts = {key: sum(c.counts.get(key, 0) for c in chunks) for key in (engine.NEW, engine.CHANGED, engine.UNCHANGED, engine.ERROR)}
    job.counts = counts
    job.errors = [e for c in chunks for e in c.errors][:ERRORS_KEPT]
    # After the commit: were the transaction rolled back, a continued job reads its pieces again.
    names = [chunk.file for chunk in chunks] + _plan_files(job)
    job.plan_file, job.plan_version = "", ""
    transaction.on_commit(lambda: [default_storage.delete(name) for name in names])
    job.failure = ""
    job.seconds = sum((c.seconds or Decimal(0) for c in chunks), Decimal(0))
    job.status = Status.COMMITTED
    job.committed_at = timezone.now()
    job.save()
    record_event(kind=SecurityEvent.Kind.IMPORT, user=job.user, obj=job, detail=f"导入 {job.original_name}（{len(chunks)} 段）：{engine.counts_text(counts)}")


def _committed(job: ImportJob, started: float, *, recorded: bool = True) -> ImportJob:
    """Mark the job committed; `recorded` is False when the preview's rows and counts stand
    (a kept plan was written) and the large JSON columns need not be written again."""
    _drop_plan(job)
    job.status = Status.COMMITTED
    job.committed_at = timezone.now()
    job.seconds = Decimal(f"{time.monotonic() - started:.2f}")
    fields = ["status", "committed_at", "seconds", "plan_file", "plan_version", "failure", "updated_at"]
    job.save(update_fields=None if recorded else fields)
    record_event(kind=SecurityEvent.Kind.IMPORT, user=job.user, obj=job, detail=f"导入 {job.original_name}：{engine.counts_text(job.counts)}")
    return job


def _write_kept_plan(job: ImportJob, progress) -> bool:
    """Write the preview's plan when the data it was checked against have not changed since
    (same version, same day); False when the rows must be checked again."""
    if not job.plan_file or not default_storage.exists(job.plan_file):
        return False  # gone when the commit that wrote it died before its end: check the rows again
    importer = importer_class(job.kind)(user=job.user, job=job)
    if importer.data_version() != job.plan_version:
        return False
    if "-pieces" in job.plan_file:
        return _pieces_written(job, importer)
    plan = _gz_json_read(job.plan_file)
    engine.write_plan(importer, plan, progress=progress)
    return True


class _Stale(Exception):
    """A piece's data changed since the preview: what the earlier pieces wrote is rolled back."""


def _pieces_written(job: ImportJob, importer) -> bool:
    """A job committed at once whose preview kept a plan per piece: every piece written, or
    none (False) when one of them must be checked again."""
    pieces = _gz_json_read(job.plan_file)["pieces"]
    try:
        with transaction.atomic():
            for number in sorted(pieces, key=int):
                name = pieces[number]["plan"]
                if not _piece_plan_written(job, importer, _plan_read(name) if name else None):
                    raise _Stale
    except _Stale:
        return False
    return True


def _drop_plan(job: ImportJob) -> None:
    if job.plan_file:
        for name in _plan_files(job):
            default_storage.delete(name)
        job.plan_file, job.plan_version = "", ""


def _fail(job: ImportJob, message: str) -> ImportJob:
    job.status = Status.FAILED
    job.failure = message
    job.save(update_fields=["status", "failure", "updated_at"])
    return job


def import_job_set_skip(*, user, job: ImportJob, skip_bad_rows: bool) -> ImportJob:
    if job.status != Status.PREVIEWED:
        raise ServiceError("state", "只有待确认的导入可以修改该选项")
    job.skip_bad_rows = skip_bad_rows
    job.save(update_fields=["skip_bad_rows", "updated_at"])
    return job


def _not_interrupted(job: ImportJob, action: str) -> ServiceError:
    if job.status in WORKING:
        return ServiceError("state", f"该导入仍在进行（{job.get_status_display()}），不能{action}；"
                                     f"超过 {heartbeat_stale_seconds()} 秒没有进展时显示为「{INTERRUPTED_LABEL}」，方可{action}")
    return ServiceError("state", f"状态为「{job.get_status_display()}」的导入不能{action}")


def import_job_resume(*, user, job: ImportJob) -> ImportJob:
    """继续 an interrupted job: its step starts again from what is written. A check starts over
    (it writes nothing): the job is back to 已上传. A commit is back to 待确认 for the caller to
    commit again as after a confirmation: a chunked job continues from its first piece not
    written (the written ones stay, each written once); any other commit was one transaction,
    rolled back, and runs again whole. Refused while a process still holds the job."""
    with transaction.atomic():
        job = _lock_idle(job.pk)
        if not _stale(job):
            raise _not_interrupted(job, "继续")
        job.status = Status.PREVIEWED if job.status == Status.COMMITTING else Status.UPLOADED
        job.failure = ""
        job.heartbeat_at = timezone.now()
        job.save(update_fields=["status", "failure", "heartbeat_at", "updated_at"])
    record_event(kind=SecurityEvent.Kind.IMPORT, user=user, obj=job, detail=f"继续已中断的导入 {job.original_name}")
    return job


def import_job_cancel(*, user, job: ImportJob) -> ImportJob:
    """Cancel a job before its commit, after it stopped, or when interrupted. Pieces of a
    chunked job already written stay written (rows_written says how many rows): they are
    ordinary records, corrected like any other. Refused while a process still holds the job."""
    with transaction.atomic():
        job = _lock_idle(job.pk)
        if job.status not in (Status.UPLOADED, Status.PREVIEWED, Status.FAILED) and not _stale(job):
            raise _not_interrupted(job, "取消")
        job.status = Status.CANCELLED
        _drop_plan(job)
        for chunk in job.chunks.filter(status=ImportChunk.Status.PENDING):
            default_storage.delete(chunk.file)  # pieces already written stay written
        job.save(update_fields=["status", "plan_file", "plan_version", "updated_at"])
    return job


def error_rows_workbook(job: ImportJob, *, full_ids: bool = False) -> bytes:
    """The rows with errors, as uploaded, plus a 错误原因 column, for the sender to fix. ID
    numbers (cells of the ID columns and numbers quoted in the reasons) are masked unless the
    downloading user may see full numbers (core.view_full_id_number)."""
    with job.file.open("rb") as handle:
        sheet = read_table(handle.read(), job.original_name)
    importer = importer_class(job.kind)
    index, _errors = engine.map_headers(importer, sheet.headers)  # reads only the class's columns
    text_columns = [index[c.key] + 1 for c in importer.columns if c.text and c.key in index]
    id_columns = set() if full_ids else {index[c.key] for c in importer.columns if c.key.endswith("id_number") and c.key in index}
    reasons = {}
    for error in job.errors:
        text = f"{error['column']}：{error['message']}" if error["column"] else error["message"]
        reasons.setdefault(error["row"], []).append(text if full_ids else ID_IN_TEXT.sub(lambda m: mask_id_number(m.group()), text))
    note = "错误原因"

    def shown(cells):
        return [mask_id_number(engine.text(cell)) if i in id_columns and cell is not None else cell for i, cell in enumerate(cells)]

    rows = ([*shown(cells), "；".join(reasons[number])] for number, cells in sheet.rows if number in reasons)
    return write_xlsx([*sheet.headers, note], rows, title="错误行", note_column=note, text_columns=text_columns)


def template_workbook(kind: str, user=None) -> bytes:
    """The list's template (core.imports.template_workbook): example rows, drop-downs, 说明."""
    return engine.template_workbook(importer_class(kind), user)


def import_job_choose(*, user, job: ImportJob, row: int, value: int) -> ImportJob:
    """The uploader resolves a row by one of the choices its preview offered (e.g. the person
    an unknown ID number most likely means); the file is then checked again with it."""
    if job.status != Status.PREVIEWED or job.user_id != user.pk:
        raise ServiceError("state", "只有上传人可以在待确认状态下确认")
    offered = next((r[4] for r in job.preview_rows if r[0] == row and len(r) > 4), [])
    if value not in [choice[0] for choice in offered]:
        raise ServiceError("choice", "该选项不是系统为此行提供的候选")
    matches = dict(job.options.get("matches") or {})
    matches[str(row)] = value
    job.options = {**job.options, "matches": matches}
    job.save(update_fields=["options", "updated_at"])
    return import_job_preview(job.pk)
