"""`nashra upload` and `nashra status`: the editor's side of any inbox bucket, local or AWS.

They need boto3 and nothing of the local stack, so they work from a plain install (no
`local` extra, no moto). Uploads are validated first with the same rules the publisher
applies (`parse_article`, with the site and sections read from the bucket's config objects
or from a content folder), so an editor sees every problem before anything is uploaded.

nashra upload FILE... [--bucket B] [--endpoint URL] [--prefix articles/] [--content DIR]
nashra status [--bucket B] [--endpoint URL]
nashra sweep [--queue Q] [--endpoint URL] [--rederive]

`sweep` is the operator's: it asks the publisher to compare the whole inbox with its index
and heal what differs (what the hourly schedule does), e.g. after redriving a DLQ.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from nashra.adapters.local import FolderSource, key_for
from nashra.adapters.s3 import S3ReportStore, S3Source
from nashra.adapters.sqs import SqsRequeue
from nashra.core.intake import parse_article
from nashra.core.keys import (
    ARTICLES_PREFIX,
    CONFIG_FILES,
    SITE_KEY,
    folder_key,
    is_config_key,
)
from nashra.core.problems import ConfigError, NashraError, Problem, has_errors
from nashra.core.site import parse_sections, parse_site
from nashra.publish import Config, read_config
from nashra.work import Sweep

JSON_TYPE = "application/json; charset=utf-8"
# moto accepts any credentials; these keep a local endpoint from ever signing with real ones.
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def add_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `upload` and `status` on the `nashra` parser."""
    cmd = subparsers.add_parser("upload", help="validate article files, then upload them")
    cmd.add_argument("files", nargs="+", type=Path, metavar="FILE")
    _inbox_options(cmd)
    cmd.add_argument("--prefix", default=ARTICLES_PREFIX, help="key prefix for the files")
    cmd.add_argument(
        "--content", type=Path, default=None, help="read site/sections here, not the bucket"
    )
    cmd.set_defaults(func=run_upload)

    cmd = subparsers.add_parser("status", help="list rejected uploads and their problems")
    _inbox_options(cmd)
    cmd.set_defaults(func=run_status)

    cmd = subparsers.add_parser("sweep", help="heal the feeds: compare the inbox with the index")
    cmd.add_argument("--queue", default=os.environ.get("NASHRA_WORK_QUEUE"), help="work queue")
    cmd.add_argument("--endpoint", default=None, help="SQS endpoint (default AWS_ENDPOINT_URL)")
    cmd.add_argument("--rederive", action="store_true", help="re-check every article")
    cmd.set_defaults(func=run_sweep)


def _inbox_options(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("--bucket", default=os.environ.get("NASHRA_INBOX_BUCKET"))
    cmd.add_argument("--endpoint", default=None, help="S3 endpoint (default AWS_ENDPOINT_URL)")


def inbox_client(endpoint: str | None, service: str = "s3") -> Any:
    """A client (S3 unless told); a loopback endpoint (moto) gets fake credentials when
    none are set."""
    import boto3

    endpoint = endpoint or os.environ.get("AWS_ENDPOINT_URL")
    kwargs: dict[str, Any] = {"endpoint_url": endpoint} if endpoint else {}
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
    raw = path.read_bytes()
    if is_config_key(key):
        try:
            (parse_site if key == SITE_KEY else parse_sections)(raw)
        except ConfigError as error:
            return Checked(path, key, error.problems)
        return Checked(path, key, ())
    result = parse_article(raw, key=key, site=config.site, sections=config.sections, now=now)
    return Checked(path, key, result.problems)


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


def reports(s3: Any, bucket: str) -> list[Report]:
    """Every report in the inbox, in key order."""
    found = []
    for key, body in S3ReportStore(s3, bucket).list_reports():
        data = json.loads(body)
        problems = tuple(Problem.from_dict(p) for p in data.get("problems", ()))
        found.append(Report(key, bool(data.get("accepted", False)), problems))
    return found


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
    try:
        found = reports(inbox_client(args.endpoint), args.bucket)
    except NashraError as error:  # the adapters' words for what AWS answered
        print(f"s3://{args.bucket}: {type(error).__name__}: {error}", file=sys.stderr)
        return 2
    rejected = [r for r in found if not r.accepted]
    for report in found:
        print(f"{report.key}: {'accepted with warnings' if report.accepted else 'rejected'}")
        for problem in report.problems:
            print(f"  {problem.as_line()}")
    print(f"{len(rejected)} rejected, {len(found) - len(rejected)} accepted with warnings")
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
