"""The `dev` subcommand (registered by nashra.cli; `upload` and `status` are nashra.editor).

nashra dev [CONTENT] [--port 8080] [--moto-port 0] [--once] [--quiet]

Nothing here imports moto at import time: the stack is imported when `nashra dev` runs.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
import urllib.request
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from nashra.core.keys import (
    INDEX_FILE,
    OPML_FILE,
    SECTIONS_FILE,
    SITE_FILE,
    feed_file,
    is_config_key,
)
from nashra.render.formats import RSS

if TYPE_CHECKING:
    from nashra.dev.stack import DevStack

DRAIN_TIMEOUT = 120.0


def add_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `dev` on the `nashra` parser."""
    cmd = subparsers.add_parser("dev", help="run the whole pipeline locally (moto, no AWS)")
    cmd.add_argument("content", nargs="?", default="content", metavar="CONTENT_DIR")
    cmd.add_argument("--port", type=int, default=8080, help="feeds HTTP port (0 = free port)")
    cmd.add_argument("--moto-port", type=int, default=0, help="moto server port (0 = free)")
    cmd.add_argument("--once", action="store_true", help="publish the folder once and exit")
    cmd.add_argument("--quiet", action="store_true", help="print only problems and summaries")
    cmd.add_argument("--verbose", action="store_true", help="handler logs and HTTP requests")
    cmd.add_argument("--template", type=Path, default=None, help="template.yaml to mirror")
    cmd.set_defaults(func=run_dev)


# -- dev ---------------------------------------------------------------------------------


def feed_urls(base: str, content: Path) -> list[str]:
    """Every feed URL of the content folder's sections (all, breaking, then sections)."""
    try:
        sections = json.loads((content / SECTIONS_FILE).read_text(encoding="utf-8-sig"))
        slugs = [str(s["slug"]) for s in sections]
    except (OSError, ValueError, KeyError, TypeError):
        slugs = []
    urls = [f"{base}/{INDEX_FILE}", f"{base}/{OPML_FILE}"]
    for slug in ["all", "breaking", *slugs]:
        urls.append(f"{base}/{feed_file(slug, RSS.filename)}")
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
    from nashra.dev.resources import default_template
    from nashra.dev.stack import MOTO_GAPS, DevStack, StackOptions

    content = Path(args.content)
    if not (content / SITE_FILE).is_file():
        print(f"{content}: no {SITE_FILE} here; is this a content folder?", file=sys.stderr)
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
    all_rss = f"{stack.cdn_url}/{feed_file('all', RSS.filename)}"
    served = _served(all_rss)
    elapsed = time.monotonic() - started
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    print(f"{summary or 'nothing processed'}; {len(feeds)} files in the feeds bucket")
    print(f"feeds served {elapsed:.1f} s after start at {all_rss}", flush=True)
    failures = []
    if not drained:
        failures.append(f"the work queue did not drain within {DRAIN_TIMEOUT:.0f} s")
    if dead:
        failures.append(f"{dead} messages in the DLQ")
    if not served:
        failures.append(f"{feed_file('all', RSS.filename)} is not served")
    # A config file fails the run if it is still rejected once the queue drained: its
    # report is still in the inbox. site.json is read before sections.json arrives when
    # the poller is quick, and is rejected for the missing file until it does (the report
    # then goes); only a report left at the end says the folder's config is broken.
    rejected = {c.key for c in console.changes if c.status == "rejected" and is_config_key(c.key)}
    failures += [f"{key} rejected" for key in sorted(rejected) if stack.has_report(key)]
    for failure in failures:
        print(f"pipeline failed: {failure}", file=sys.stderr)
    return 1 if failures else 0


def _served(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return int(response.status) == 200
    except OSError:
        return False
