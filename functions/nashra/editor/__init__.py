"""`nashra upload`, `status`, `sweep` and `import`: the editor's side of any inbox bucket,
local or AWS.

They need boto3 and nothing of the local stack, so they work from a plain install (no
`local` extra, no moto). Uploads are validated first with the same rules the publisher
applies (`parse_article`, with the site and sections read from the bucket's config objects
or from a content folder), so an editor sees every problem before anything is uploaded.

nashra upload FILE... [--bucket B] [--endpoint URL] [--prefix articles/] [--content DIR]
nashra status [--bucket B] [--endpoint URL]
nashra sweep [--queue Q] [--endpoint URL] [--rederive]
nashra import CONTENT_DIR [--bucket B] [--queue Q] [--workers N] [--upload-invalid]

`sweep` is the operator's: it asks the publisher to compare the whole inbox with its index
and heal what differs (what the hourly schedule does), e.g. after redriving a DLQ.
`import` is a newsroom's archive at once, resumably (`nashra.editor.archive`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from nashra.adapters.local import FolderSource, key_for, read_within
from nashra.adapters.s3 import S3ReportStore, S3Source
from nashra.adapters.sqs import SqsRequeue
from nashra.core.arabic_date import format_arabic_date
from nashra.core.decode import MAX_DOCUMENT_BYTES
from nashra.core.intake import oversize_problems, parse_article
from nashra.core.keys import (
    ARTICLES_PREFIX,
    CONFIG_FILES,
    CONFIG_PREFIX,
    SITE_KEY,
    folder_key,
    is_config_key,
)
from nashra.core.problems import ConfigError, NashraError, Problem, has_errors, internal_problem
from nashra.core.site import parse_sections, parse_site
from nashra.editor.archive import JSON_TYPE as JSON_TYPE  # the uploads' type, re-exported
from nashra.editor.archive import (
    WORKERS,
    Importer,
    Tally,
    Upload,
    archive_config,
    archive_files,
    queue_sweep,
    stored_etags,
)
from nashra.editor.progress import Progress
from nashra.publish import Config, read_config
from nashra.work import Sweep

# moto accepts any credentials; these keep a local endpoint from ever signing with real ones.
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}
LOOPBACK = ("127.0.0.1", "localhost", "::1")
IMPORT_ATTEMPTS = 5  # per PUT, the first included


def add_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `upload`, `status`, `sweep` and `import` on the `nashra` parser."""
    cmd = subparsers.add_parser("upload", help="validate article files, then upload them")
    cmd.add_argument("files", nargs="+", type=Path, metavar="FILE")
    _inbox_options(cmd)
    cmd.add_argument("--prefix", default=ARTICLES_PREFIX, help="key prefix for the files")
    cmd.add_argument(
        "--content", type=Path, default=None, help="read site/sections here, not the bucket"
    )
    cmd.set_defaults(func=run_upload)

    cmd = subparsers.add_parser(
        "status", help="list rejected uploads, their problems and the scheduled articles"
    )
    _inbox_options(cmd)
    cmd.set_defaults(func=run_status)

    cmd = subparsers.add_parser("sweep", help="heal the feeds: compare the inbox with the index")
    cmd.add_argument("--queue", default=os.environ.get("NASHRA_WORK_QUEUE"), help="work queue")
    cmd.add_argument("--endpoint", default=None, help="SQS endpoint (default AWS_ENDPOINT_URL)")
    cmd.add_argument("--rederive", action="store_true", help="re-check every article")
    cmd.set_defaults(func=run_sweep)

    cmd = subparsers.add_parser(
        "import", help="upload a content folder's archive: concurrent, resumable"
    )
    cmd.add_argument("content", type=Path, metavar="CONTENT_DIR")
    _inbox_options(cmd)
    cmd.add_argument(
        "--queue", default=os.environ.get("NASHRA_WORK_QUEUE"), help="work queue for the sweep"
    )
    cmd.add_argument("--workers", type=int, default=WORKERS, help="uploads at once")
    cmd.add_argument("--upload-invalid", action="store_true", help="upload files with errors too")
    cmd.set_defaults(func=run_import)


def _inbox_options(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("--bucket", default=os.environ.get("NASHRA_INBOX_BUCKET"))
    cmd.add_argument("--endpoint", default=None, help="S3 endpoint (default AWS_ENDPOINT_URL)")


def inbox_client(endpoint: str | None, service: str = "s3", config: Any = None) -> Any:
    """A client (S3 unless told; botocore `config` if given); a loopback endpoint (moto)
    gets fake credentials when none are set."""
    import boto3

    endpoint = endpoint or os.environ.get("AWS_ENDPOINT_URL")
    kwargs: dict[str, Any] = {"endpoint_url": endpoint} if endpoint else {}
    if config is not None:
        kwargs["config"] = config
    local = endpoint is not None and urlsplit(endpoint).hostname in LOOPBACK
    if local and "AWS_ACCESS_KEY_ID" not in os.environ:
        kwargs |= {
            "aws_access_key_id": FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            "aws_secret_access_key": FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            "region_name": os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
        }
    return boto3.client(service, **kwargs)


@dataclass(frozen=True)
class Checked:
    path: Path
    key: str
    problems: tuple[Problem, ...]

    @property
    def valid(self) -> bool:
        return not has_errors(self.problems)


def key_of(path: Path, prefix: str, content: Path | None) -> str:
    """Inbox key of a file: its place in a content folder, else `prefix` + its name."""
    if path.name in CONFIG_FILES:
        return folder_key(path.name)
    if content is not None and path.resolve().is_relative_to(content.resolve()):
        return key_for(content, path)
    return prefix + path.name


def check(path: Path, key: str, config: Config, now: datetime) -> Checked:
    """Validate one file the way the publisher will."""
    raw, size = read_within(path, MAX_DOCUMENT_BYTES)  # a file of gigabytes: one block
    if raw is None:
        return Checked(path, key, oversize_problems(key, size))
    return Checked(path, key, check_bytes(raw, key, config, now))


def check_bytes(raw: bytes, key: str, config: Config, now: datetime) -> tuple[Problem, ...]:
    """The problems the publisher will find in `raw` uploaded at `key`. A check that fails
    unexpectedly is a problem of that file (a bug to tell the team), not a crash."""
    if is_config_key(key):
        try:
            (parse_site if key == SITE_KEY else parse_sections)(raw)
        except ConfigError as error:
            return error.problems
        return ()
    try:
        result = parse_article(raw, key=key, site=config.site, sections=config.sections, now=now)
    except Exception as error:  # the publisher's boundary, here: report it, go on
        return (internal_problem(error),)
    return result.problems


def upload(
    s3: Any,
    bucket: str,
    files: Sequence[Path],
    *,
    prefix: str,
    content: Path | None,
    say: Callable[[str], None] = print,
) -> int:
    """Validate every file, print every problem, upload the valid ones. Exit code."""
    config = read_config(FolderSource(content) if content else S3Source(s3, bucket))
    now = datetime.now(UTC)
    invalid = 0
    for path in files:
        checked = check(path, key_of(path, prefix, content), config, now)
        for problem in checked.problems:
            say(f"{path}: {problem.as_line()}")
        if not checked.valid:
            invalid += 1
            say(f"{path}: not uploaded")
            continue
        s3.put_object(Bucket=bucket, Key=checked.key, Body=path.read_bytes(), ContentType=JSON_TYPE)
        say(f"{path}: uploaded to s3://{bucket}/{checked.key}")
    say(f"{len(files) - invalid} uploaded, {invalid} invalid")
    return 1 if invalid else 0


@dataclass(frozen=True)
class Report:
    """nashra's report on one upload, read back from `reports/<key>`."""

    key: str
    accepted: bool
    problems: tuple[Problem, ...]
    scheduled: datetime | None = None  # an accepted article waiting for its time (B-20)


def reports(s3: Any, bucket: str) -> list[Report]:
    """Every report in the inbox, in key order."""
    found = []
    for key, body in S3ReportStore(s3, bucket).list_reports():
        data = json.loads(body)
        problems = tuple(Problem.from_dict(p) for p in data.get("problems", ()))
        when = data.get("scheduled")
        scheduled = datetime.fromisoformat(when) if isinstance(when, str) else None
        found.append(Report(key, bool(data.get("accepted", False)), problems, scheduled))
    return found


def site_zone(s3: Any, bucket: str) -> tzinfo:
    """The site's zone from the inbox's config/site.json; UTC when it cannot be read."""
    try:
        return read_config(S3Source(s3, bucket)).site.zone
    except (NashraError, ValueError):
        return UTC


def scheduled_line(report: Report, zone: tzinfo) -> str:
    """`nashra status`'s line for a scheduled article: its time in the site's zone, in
    Arabic (AR-DATE-4) and as RFC 3339.

    >>> from zoneinfo import ZoneInfo
    >>> at = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
    >>> scheduled_line(Report("articles/a.json", True, (), at), ZoneInfo("Asia/Kuwait"))
    'articles/a.json: scheduled for الثلاثاء ١ ديسمبر ٢٠٢٦، ٩:٠٠ ص (2026-12-01T09:00:00+03:00)'
    """
    assert report.scheduled is not None
    local = report.scheduled.astimezone(zone)
    return f"{report.key}: scheduled for {format_arabic_date(local, zone)} ({local.isoformat()})"


def run_upload(args: argparse.Namespace) -> int:
    if not args.bucket:
        print("no bucket: pass --bucket or set NASHRA_INBOX_BUCKET", file=sys.stderr)
        return 2
    missing = [str(f) for f in args.files if not f.is_file()]
    if missing:
        print(f"no such file: {', '.join(missing)}", file=sys.stderr)
        return 2
    s3 = inbox_client(args.endpoint)
    try:
        return upload(s3, args.bucket, args.files, prefix=args.prefix, content=args.content)
    except ConfigError as error:
        for problem in error.problems:
            print(f"cannot read the site configuration: {problem.as_line()}", file=sys.stderr)
        return 2
    except NashraError as error:  # the adapters' words for what AWS answered
        print(f"s3://{args.bucket}: {type(error).__name__}: {error}", file=sys.stderr)
        return 2


def run_status(args: argparse.Namespace) -> int:
    if not args.bucket:
        print("no bucket: pass --bucket or set NASHRA_INBOX_BUCKET", file=sys.stderr)
        return 2
    s3 = inbox_client(args.endpoint)
    try:
        found = reports(s3, args.bucket)
    except NashraError as error:  # the adapters' words for what AWS answered
        print(f"s3://{args.bucket}: {type(error).__name__}: {error}", file=sys.stderr)
        return 2
    rejected = [r for r in found if not r.accepted]
    scheduled = sorted((r for r in found if r.scheduled), key=lambda r: (r.scheduled, r.key))
    zone = site_zone(s3, args.bucket) if scheduled else UTC
    for report in scheduled:  # the next to appear first
        print(scheduled_line(report, zone))
        for problem in report.problems:
            print(f"  {problem.as_line()}")
    warned = [r for r in found if r.accepted and not r.scheduled]
    for report in sorted(rejected + warned, key=lambda r: r.key):
        print(f"{report.key}: {'accepted with warnings' if report.accepted else 'rejected'}")
        for problem in report.problems:
            print(f"  {problem.as_line()}")
    tally = f"{len(rejected)} rejected, {len(warned)} accepted with warnings"
    print(f"{tally}, {len(scheduled)} scheduled")
    return 0


def run_sweep(args: argparse.Namespace) -> int:
    if not args.queue:
        print("no queue: pass --queue or set NASHRA_WORK_QUEUE", file=sys.stderr)
        return 2
    sweep = Sweep(rederive=args.rederive, run=uuid.uuid4().hex)
    try:
        SqsRequeue(inbox_client(args.endpoint, "sqs"), args.queue).send([sweep])
    except NashraError as error:
        print(f"{args.queue}: {type(error).__name__}: {error}", file=sys.stderr)
        return 2
    print(f"sweep {sweep.run} queued: the feeds converge once its chunks are processed")
    return 0


def import_client(endpoint: str | None, workers: int) -> Any:
    """The S3 client of an import: one connection per worker, and botocore's standard
    retry mode (throttling, 5xx, dropped connections; backoff with jitter)."""
    from botocore.config import Config as ClientConfig

    retries = {"mode": "standard", "max_attempts": IMPORT_ATTEMPTS}
    return inbox_client(
        endpoint, config=ClientConfig(retries=retries, max_pool_connections=workers)
    )


def run_import(args: argparse.Namespace) -> int:
    if not args.bucket:
        print("no bucket: pass --bucket or set NASHRA_INBOX_BUCKET", file=sys.stderr)
        return 2
    if not args.content.is_dir():
        print(f"no such folder: {args.content}", file=sys.stderr)
        return 2
    if args.workers < 1:
        print("--workers must be at least 1", file=sys.stderr)
        return 2
    s3 = import_client(args.endpoint, args.workers)
    try:
        config = archive_config(args.content, s3, args.bucket)
        files = archive_files(args.content)
        stored = stored_etags(s3, args.bucket, (CONFIG_PREFIX, ARTICLES_PREFIX))
    except ConfigError as error:
        for problem in error.problems:
            print(f"cannot read the site configuration: {problem.as_line()}", file=sys.stderr)
        return 2
    except NashraError as error:
        print(f"s3://{args.bucket}: {type(error).__name__}: {error}", file=sys.stderr)
        return 2
    return finish_import(args, import_files(s3, args, config, files, stored))


def import_files(
    s3: Any, args: argparse.Namespace, config: Config, files: list[Upload], stored: dict[str, str]
) -> Tally:
    """Upload the archive with a progress bar on stderr; the tally."""
    progress = Progress(len(files), "importing")
    importer = Importer(
        s3,
        args.bucket,
        config,
        check_bytes,
        datetime.now(UTC),
        workers=args.workers,
        upload_invalid=args.upload_invalid,
        say=progress.say,
        progress=progress,
    )
    try:
        return importer.run(files, stored)
    finally:
        progress.close()


def finish_import(args: argparse.Namespace, tally: Tally) -> int:
    """Print the summary, queue the sweep when the run went through; the exit status."""
    print(tally.summary())
    if tally.warned:
        print(f"{tally.warned} uploaded with warnings: `nashra status` lists them once published")
    if tally.interrupted:
        print("interrupted: run the same command again to upload the rest")
        return 130
    if tally.stopped:
        print(f"stopped: {tally.stopped}; run the same command again once it is fixed")
        return 1
    if tally.uploaded and args.queue:
        try:
            run = queue_sweep(SqsRequeue(inbox_client(args.endpoint, "sqs"), args.queue))
        except NashraError as error:  # e.g. an editor's role, which may not queue one
            print(f"{args.queue}: {type(error).__name__}: {error}", file=sys.stderr)
            print("no sweep queued: the upload events publish the archive all the same")
        else:
            print(f"sweep {run} queued: the feeds are complete once it is processed")
    elif tally.uploaded:
        print("no work queue (--queue, NASHRA_WORK_QUEUE): the upload events publish the archive")
    return 0 if tally.ok else 1
