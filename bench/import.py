"""A newsroom's archive imported into the local stack: `nashra import` of N generated
articles, timed until every one is published, with the handler's AWS calls per article.

    .venv/bin/python bench/import.py                   # 10,000 articles
    .venv/bin/python bench/import.py --articles 1000

The local stack (`nashra dev`'s DevStack: moto server, poller, the real handler) runs in
this process, started with the archive's site config already published, as a newsroom's
inbox is before it imports. The articles come from bench/build.py's generator.
`nashra import ARCHIVE --queue WorkQueue` runs as its own process, as a newsroom runs it:
its wall time and peak RSS (wait4) are the upload's. The clock runs from its start until
the work queue is empty: every upload event and the sweep the import queues at the end
were handled, so the feeds are published. Then every article's ETag is checked in the
index, and the `all` feed must exist.

The handler's S3, DynamoDB and SQS calls are counted by a botocore `before-call` hook on
boto3's default session, the one the handler's clients come from (the poller, the CDN and
the import use their own), from the import's start until the queue is empty. An observer
on the handler (`make_handler(observe=...)`) records when each article was published and
by what (an upload event or a sweep chunk), and how many feed files each batch wrote.
The last line is the handler's S3 + DynamoDB calls per article (issue 10's target: at
most 3, amortised). Exit status 1 only when an article did not reach the index.
"""

from __future__ import annotations

import argparse
import logging
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

sys.path.insert(0, str(Path(__file__).resolve().parent))

from build import make_content
from nashra.adapters.dynamodb import DynamoIndex
from nashra.adapters.local import etag
from nashra.core.keys import ARTICLES_PREFIX
from nashra.dev.stack import DevStack, StackOptions
from nashra.handlers import work_queue
from nashra.handlers.work_queue import HandledBatch

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 3600.0
TARGET_CALLS = 3.0


@dataclass
class Calls:
    """The handler's AWS calls, by service and by operation (botocore `before-call`)."""

    by_operation: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def hook(self, event_name: str, **_: Any) -> None:
        service, operation = event_name.split(".", 2)[1:]
        with self.lock:
            self.by_operation[f"{service}.{operation}"] += 1

    def reset(self) -> None:
        with self.lock:
            self.by_operation.clear()


@dataclass
class Timeline:
    """What each batch the handler ran did: articles published (by events or by a sweep
    chunk) with the time, and feed files written."""

    published: list[float] = field(default_factory=list)
    by_event: int = 0
    by_sweep: int = 0
    batches: int = 0
    sweep_chunks: int = 0
    files_written: Counter[str] = field(default_factory=Counter)
    recording: bool = False

    def on_handled(self, batch: HandledBatch) -> None:
        if not self.recording:
            return
        now = time.monotonic()
        self.batches += 1
        for record in batch.records:
            sweep = bool(record.outcomes) and record.outcomes[0].status == "sweep"
            self.sweep_chunks += sweep
            fresh = [o for o in record.outcomes if o.status == "published"]
            self.published += [now] * len(fresh)
            if sweep:
                self.by_sweep += len(fresh)
            else:
                self.by_event += len(fresh)
        self.files_written.update(batch.flush.written)


@dataclass
class Result:
    articles: int
    upload_seconds: float
    upload_rss_mib: float
    total_seconds: float
    stack_rss_before_mib: float
    stack_rss_peak_mib: float
    summary: str
    calls: Counter[str]
    timeline: Timeline
    indexed: int


def rss_now_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def config_only(root: Path, archive: Path) -> Path:
    content = root / "content"
    (content / "articles").mkdir(parents=True)
    for name in ("site.json", "sections.json"):
        shutil.copy(archive / name, content / name)
    return content


# The child reports its own peak: VmHWM belongs to the process image after exec. (wait4's
# ru_maxrss would not do: Linux carries the forking parent's peak, this whole local stack,
# across the exec into the child's figure.)
CHILD = (
    "import sys\nfrom pathlib import Path\nfrom nashra.cli import main\n"
    "try:\n    code = main(sys.argv[1:])\nfinally:\n"
    "    hwm = [l for l in Path('/proc/self/status').read_text().splitlines()"
    " if l.startswith('VmHWM:')]\n"
    "    print(f'peak {hwm[0].split()[1]}', file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def run_import(stack: DevStack, archive: Path, workers: int, out: Path) -> tuple[float, float]:
    """`nashra import` in its own process; its wall seconds and peak RSS in MiB."""
    cmd = [
        *(sys.executable, "-c", CHILD, "import", str(archive)),
        *("--bucket", stack.inbox_bucket, "--endpoint", stack.endpoint),
        *("--queue", stack.queue_urls["WorkQueue"], "--workers", str(workers)),
    ]
    started = time.monotonic()
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - started
    out.write_text(result.stdout)
    if result.returncode != 0:
        raise SystemExit(f"nashra import failed:\n{result.stdout}\n{result.stderr}")
    peak = [line for line in result.stderr.splitlines() if line.startswith("peak ")]
    return seconds, int(peak[-1].split()[1]) / 1024


def indexed_articles(stack: DevStack, archive: Path) -> int:
    """How many of the archive's articles the index has seen with their current bytes."""
    index = DynamoIndex(stack.client("dynamodb"), stack.plan.tables["IndexTable"].name)
    seen = {s.key: s.etag for s in index.seen_between("", None)}
    files = sorted((archive / "articles").glob("*.json"))
    return sum(1 for p in files if seen.get(ARTICLES_PREFIX + p.name) == etag(p.read_bytes()))


def measure(count: int, workers: int) -> Result:
    # Powertools warns for each batch without metrics (the config's); not a finding here.
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    calls, timeline = Calls(), Timeline()
    boto3.setup_default_session()
    assert boto3.DEFAULT_SESSION is not None
    boto3.DEFAULT_SESSION.events.register("before-call", calls.hook)
    with tempfile.TemporaryDirectory() as tmp:
        archive = Path(tmp) / "archive"
        archive.mkdir()
        make_content(archive, count)
        work_queue.services.cache_clear()
        handler = work_queue.make_handler(observe=timeline.on_handled)
        options = StackOptions(content=config_only(Path(tmp), archive), port=0, quiet=True)
        with DevStack(options, handler=handler, say=lambda _: None) as stack:
            logging.getLogger("nashra").setLevel(logging.WARNING)
            stack.upload_content()
            if not stack.wait_drained(120):
                raise SystemExit("the site config did not publish")
            rss_before = rss_now_mib()
            calls.reset()
            timeline.recording = True
            started = time.monotonic()
            timeline.published.append(started)  # the origin of the timeline
            out = Path(tmp) / "import.out"
            upload_seconds, upload_rss = run_import(stack, archive, workers, out)
            print(f"uploaded in {upload_seconds:.1f} s; publishing …", file=sys.stderr)
            if not stack.wait_drained(TIMEOUT):
                raise SystemExit(f"the work queue was not empty after {TIMEOUT:.0f} s")
            total = time.monotonic() - started
            timeline.recording = False
            feeds = set(stack.feed_keys())
            if "all/feed.json" not in feeds:
                raise SystemExit("no all/feed.json")
            indexed = indexed_articles(stack, archive)
            summary = out_summary(out)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return Result(
        count,
        upload_seconds,
        upload_rss,
        total,
        rss_before,
        peak,
        summary,
        Counter(calls.by_operation),
        timeline,
        indexed,
    )


def out_summary(path: Path) -> str:
    lines = [line for line in path.read_text().splitlines() if "uploaded" in line]
    return lines[0] if lines else "(no summary)"


def decile_seconds(published: list[float]) -> tuple[float, float]:
    """Seconds the first and the last tenth of the articles took to publish."""
    origin, times = published[0], sorted(published[1:])
    tenth = max(1, len(times) // 10)
    first = times[tenth - 1] - origin
    last = times[-1] - times[-tenth - 1] if len(times) > tenth else times[-1] - origin
    return first, last


def fifths_ms(published: list[float]) -> list[float]:
    """Milliseconds per article in each fifth of the articles, in the order published."""
    origin, times = published[0], sorted(published[1:])
    if len(times) < 5:
        return []
    edges = [origin] + [times[len(times) * k // 5 - 1] for k in range(1, 6)]
    counts = [len(times) * k // 5 - len(times) * (k - 1) // 5 for k in range(1, 6)]
    return [(edges[k + 1] - edges[k]) * 1000 / counts[k] for k in range(5)]


def rows(result: Result) -> list[tuple[str, str]]:
    n, timeline = result.articles, result.timeline
    first, last = decile_seconds(timeline.published)
    fifths = fifths_ms(timeline.published)
    writes = timeline.files_written
    upload = (
        f"{result.upload_seconds:.1f} s, {n / result.upload_seconds:,.0f} files/s, "
        f"peak RSS {result.upload_rss_mib:.0f} MiB"
    )
    tenths = f"{first:.1f} s / {last:.1f} s (ratio {last / first:.2f})" if first else "-"
    files = (
        f"{sum(writes.values()):,} writes of {len(writes)} files, "
        f"at most {max(writes.values(), default=0)} each"
    )
    rss = f"{result.stack_rss_before_mib:.0f} / {result.stack_rss_peak_mib:.0f} MiB"
    return [
        ("articles", f"{n:,}"),
        ("nashra import (its own process)", upload),
        ("  its summary", result.summary),
        ("until every article is published", f"{result.total_seconds:.1f} s"),
        ("articles per second, end to end", f"{n / result.total_seconds:.1f}"),
        ("first / last tenth published in", tenths),
        ("ms per article, each fifth in turn", " / ".join(f"{ms:.0f}" for ms in fifths)),
        ("handler batches (of them sweep chunks)", f"{timeline.batches} ({timeline.sweep_chunks})"),
        ("published by upload events / by sweep", f"{timeline.by_event:,} / {timeline.by_sweep:,}"),
        ("feed files written", files),
        ("handler S3 calls per article", f"{service(result, 's3') / n:.2f}"),
        ("handler DynamoDB calls per article", f"{service(result, 'dynamodb') / n:.2f}"),
        ("handler SQS calls per article", f"{service(result, 'sqs') / n:.3f}"),
        ("articles in the index, ETag checked", f"{result.indexed:,} of {n:,}"),
        ("local stack process RSS before / peak", rss),
    ]


def service(result: Result, name: str) -> int:
    return sum(v for k, v in result.calls.items() if k.startswith(name + "."))


def report(result: Result, workers: int) -> None:
    table = rows(result)
    width = max(len(k) for k, _ in table)
    for key, value in table:
        print(f"{key:<{width}}  {value}")
    n = result.articles
    print("handler calls per article, by operation:")
    for op, count in result.calls.most_common(12):
        print(f"  {op:<{width}}{count / n:6.2f}")
    per_article = (service(result, "s3") + service(result, "dynamodb")) / n
    verdict = "met" if per_article <= TARGET_CALLS else "MISSED"
    print(f"command: {sys.executable} bench/import.py --articles {n} --workers {workers}")
    print(
        f"ratio: handler S3 + DynamoDB calls per article = {per_article:.2f} "
        f"(target <= {TARGET_CALLS:.0f}: {verdict})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=16, help="nashra import --workers")
    args = parser.parse_args()
    result = measure(args.articles, args.workers)
    report(result, args.workers)
    sys.exit(0 if result.indexed == args.articles else 1)


if __name__ == "__main__":
    main()
