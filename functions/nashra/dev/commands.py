"""The `dev`, `upload` and `status` subcommands (registered by nashra.cli).

nashra dev [CONTENT] [--port 8080] [--moto-port 0] [--once] [--quiet]
nashra upload FILE... [--bucket B] [--endpoint URL] [--prefix articles/] [--content DIR]
nashra status [--bucket B] [--endpoint URL]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
import urllib.request
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from nashra.dev.console import problem_line

if TYPE_CHECKING:
    from nashra.dev.stack import DevStack

FORMATS = ("rss.xml", "atom.xml", "feed.json")
DRAIN_TIMEOUT = 120.0


def add_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `dev`, `upload` and `status` on the `nashra` parser."""
    cmd = subparsers.add_parser("dev", help="run the whole pipeline locally (moto, no AWS)")
    cmd.add_argument("content", nargs="?", default="content", metavar="CONTENT_DIR")
    cmd.add_argument("--port", type=int, default=8080, help="feeds HTTP port (0 = free port)")
    cmd.add_argument("--moto-port", type=int, default=0, help="moto server port (0 = free)")
    cmd.add_argument("--once", action="store_true", help="publish the folder once and exit")
    cmd.add_argument("--quiet", action="store_true", help="print only problems and summaries")
    cmd.add_argument("--verbose", action="store_true", help="handler logs and HTTP requests")
    cmd.add_argument("--template", type=Path, default=None, help="template.yaml to mirror")
    cmd.set_defaults(func=run_dev)

    cmd = subparsers.add_parser("upload", help="validate article files, then upload them")
    cmd.add_argument("files", nargs="+", type=Path, metavar="FILE")
    _inbox_options(cmd)
    cmd.add_argument("--prefix", default="articles/", help="key prefix for the files")
    cmd.add_argument(
        "--content", type=Path, default=None, help="read site/sections here, not the bucket"
    )
    cmd.set_defaults(func=run_upload)

    cmd = subparsers.add_parser("status", help="list rejected uploads and their problems")
    _inbox_options(cmd)
    cmd.set_defaults(func=run_status)


def _inbox_options(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("--bucket", default=os.environ.get("NASHRA_INBOX_BUCKET"))
    cmd.add_argument("--endpoint", default=None, help="S3 endpoint (default AWS_ENDPOINT_URL)")


# -- dev ---------------------------------------------------------------------------------


def feed_urls(base: str, content: Path) -> list[str]:
    """Every feed URL of the content folder's sections (all, breaking, then sections)."""
    try:
        sections = json.loads((content / "sections.json").read_text(encoding="utf-8-sig"))
        slugs = [str(s["slug"]) for s in sections]
    except (OSError, ValueError, KeyError, TypeError):
        slugs = []
    urls = [f"{base}/index.html", f"{base}/feeds.opml"]
    for slug in ["all", "breaking", *slugs]:
        urls.append(f"{base}/{slug}/{FORMATS[0]}")
    return urls


class _StopSignal:
    """SIGINT/SIGTERM set an event (main thread only); the old handlers come back after."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self._old: dict[int, Any] = {}

    def __enter__(self) -> threading.Event:
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._old[sig] = signal.signal(sig, self._handle)
        return self.event

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.event.set()

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self._old.items():
            signal.signal(sig, handler)


def run_dev(args: argparse.Namespace) -> int:
    """`nashra dev`: start the stack, upload the folder, then watch it (or exit with --once)."""
    from nashra.dev.stack import MOTO_GAPS, DevStack, StackOptions, default_template

    content = Path(args.content)
    if not (content / "site.json").is_file():
        print(f"{content}: no site.json here; is this a content folder?", file=sys.stderr)
        return 2
    started = time.monotonic()
    options = StackOptions(
        content=content,
        template=args.template or default_template(),
        port=args.port,
        moto_port=args.moto_port,
        verbose=args.verbose,
        quiet=args.quiet,
    )
    stack = DevStack(options)
    with _StopSignal() as stop:
        stack.start()
        try:
            _print_banner(stack, quiet=args.quiet, gaps=MOTO_GAPS)
            if not args.once:
                stack.watch()
            keys = stack.upload_content()
            print(f"uploaded {len(keys)} files from {content}", flush=True)
            code = _summarise(stack, started)
            if args.once:
                return code
            for url in feed_urls(stack.cdn_url, content):
                print(f"  {url}")
            print(f"watching {content} for changes; Ctrl-C stops", flush=True)
            stop.wait()
            print("stopping", flush=True)
            return 0
        finally:
            stack.stop()


def _print_banner(stack: DevStack, *, quiet: bool, gaps: tuple[str, ...]) -> None:
    print(f"moto server  {stack.endpoint}  (S3, EventBridge, SQS, DynamoDB)")
    print(f"feeds (CDN)  {stack.cdn_url}")
    if not quiet:
        print(f"inbox bucket {stack.inbox_bucket}; feeds bucket {stack.feeds_bucket}")
        print(
            f"  nashra upload/status: export AWS_ENDPOINT_URL={stack.endpoint} "
            f"NASHRA_INBOX_BUCKET={stack.inbox_bucket}"
        )
        for gap in gaps:
            print(f"  note: {gap}")
    sys.stdout.flush()


def _summarise(stack: DevStack, started: float) -> int:
    """Wait for the queue to drain; print what happened; 1 if the pipeline failed."""
    console = stack.console
    assert console is not None, "start the stack first"
    drained = stack.wait_drained(DRAIN_TIMEOUT)
    counts = console.counts()
    dead = stack.queue_depth("WorkDLQ")
    feeds = sorted(stack.feed_keys())
    served = _served(f"{stack.cdn_url}/all/rss.xml")
    elapsed = time.monotonic() - started
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    print(f"{summary or 'nothing processed'}; {len(feeds)} files in the feeds bucket")
    print(f"feeds served {elapsed:.1f} s after start at {stack.cdn_url}/all/rss.xml", flush=True)
    failures = []
    if not drained:
        failures.append(f"the work queue did not drain within {DRAIN_TIMEOUT:.0f} s")
    if dead:
        failures.append(f"{dead} messages in the DLQ")
    if not served:
        failures.append("all/rss.xml is not served")
    if counts["rejected"] and any(c.key.startswith("config/") for c in console.changes):
        failures += [f"{c.key} rejected" for c in console.changes if c.status == "rejected"]
    for failure in failures:
        print(f"pipeline failed: {failure}", file=sys.stderr)
    return 1 if failures else 0


def _served(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return int(response.status) == 200
    except OSError:
        return False


# -- upload / status -----------------------------------------------------------------------


def run_upload(args: argparse.Namespace) -> int:
    from nashra.dev.inbox import inbox_client, upload

    if not args.bucket:
        print("no bucket: pass --bucket or set NASHRA_INBOX_BUCKET", file=sys.stderr)
        return 2
    missing = [str(f) for f in args.files if not f.is_file()]
    if missing:
        print(f"no such file: {', '.join(missing)}", file=sys.stderr)
        return 2
    s3 = inbox_client(args.endpoint)
    return upload(s3, args.bucket, args.files, prefix=args.prefix, content=args.content)


def run_status(args: argparse.Namespace) -> int:
    from nashra.dev.inbox import inbox_client, reports

    if not args.bucket:
        print("no bucket: pass --bucket or set NASHRA_INBOX_BUCKET", file=sys.stderr)
        return 2
    found = reports(inbox_client(args.endpoint), args.bucket)
    rejected = [(k, r) for k, r in found if not r.get("accepted", False)]
    for key, report in found:
        label = "accepted with warnings" if report.get("accepted") else "rejected"
        print(f"{key}: {label}")
        for problem in report.get("problems", ()):
            print(f"  {problem_line(problem)}")
    print(f"{len(rejected)} rejected, {len(found) - len(rejected)} accepted with warnings")
    return 0
