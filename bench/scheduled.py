"""How soon a scheduled story appears after its time on the local stack (B-20, D13), beside
how soon an ordinary upload appears, measured in one run.

    .venv/bin/python bench/scheduled.py                  # 3 stories 25 s ahead, 3 uploads
    .venv/bin/python bench/scheduled.py --stories 5 --lead 30

The dev stack runs in this process (moto server, poller, real handler, CDN, and the
`DueTicker` standing in for DueSchedule). Each scheduled story is uploaded `lead` seconds
(plus two seconds per story) before its time, to the second, and timed from that time until
the served /all/rss.xml carries its guid (polled over HTTP every 5 ms). Each ordinary
upload is timed from PutObject returning until the same. In AWS the tick comes once a
minute at second 0, so there a story set to the minute appears within seconds of it and
one set between minutes within the following minute.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

from nashra.dev.stack import DevStack, StackOptions

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 90.0


def served(url: str) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            body: bytes = response.read()
            return body
    except OSError:
        return b""


def article(article_id: str, published: datetime) -> bytes:
    body = {
        "id": article_id,
        "section": "economy",
        "title": f"خبر مجدول رقم {article_id} عن نتائج الشركات الخليجية",
        "published": published.isoformat(),
        "body": "<p>أعلنت الشركات نتائجها في الموعد المحدد.</p>",
    }
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def wait_for_guid(url: str, article_id: str) -> float:
    """time.time() when the served feed first carries the article's guid."""
    guid = f":{article_id}</guid>".encode()
    deadline = time.monotonic() + TIMEOUT
    while guid not in served(url):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{article_id} never appeared")
        time.sleep(0.005)
    return time.time()


def measure(content: Path, stories: int, lead: float) -> tuple[list[float], list[float]]:
    """(seconds from each upload to its appearance, seconds from each story's time to its
    appearance)."""
    stack = DevStack(StackOptions(content=content, port=0, quiet=True), say=lambda _: None)
    stack.start()
    try:
        stack.upload_content()
        if not stack.wait_drained(TIMEOUT):
            raise RuntimeError("the content did not publish")
        url = f"{stack.cdn_url}/all/rss.xml"
        uploads = []
        for n in range(stories):
            article_id = f"now-{n}"
            stack.upload(f"articles/{article_id}.json", article(article_id, datetime.now(UTC)))
            sent = time.time()
            uploads.append(wait_for_guid(url, article_id) - sent)
            stack.wait_drained(TIMEOUT)
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=lead)
        due = {f"later-{n}": start + timedelta(seconds=2 * n) for n in range(stories)}
        for article_id, at in due.items():
            stack.upload(f"articles/{article_id}.json", article(article_id, at))
        if not stack.wait_drained(TIMEOUT) or datetime.now(UTC) >= start:
            raise RuntimeError("the scheduled stories were not accepted before their time")
        if b"later-" in served(url):
            raise RuntimeError("a scheduled story was served before its time")
        delays = [wait_for_guid(url, i) - at.timestamp() for i, at in due.items()]
        return uploads, delays
    finally:
        stack.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=3)
    parser.add_argument("--lead", type=float, default=25.0, help="seconds ahead of the upload")
    parser.add_argument("--content", type=Path, default=ROOT / "content")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        content = Path(tmp) / "content"
        shutil.copytree(args.content, content)
        uploads, delays = measure(content, args.stories, args.lead)
    options = f"--stories {args.stories} --lead {args.lead:g}"
    print(f"command: {sys.executable} bench/scheduled.py {options}")
    print("| what | n | median | max |")
    print("|---|---|---|---|")
    for label, values in (
        ("upload -> guid in served all/rss.xml", uploads),
        (f"scheduled {args.lead:g} s ahead: its time -> guid in served all/rss.xml", delays),
    ):
        print(
            f"| {label} | {len(values)} | {statistics.median(values):.2f} s | {max(values):.2f} s |"
        )
    ratio = statistics.median(delays) / statistics.median(uploads)
    print(f"ratio (scheduled delay after its time / upload latency, medians): {ratio:.1f}")


if __name__ == "__main__":
    main()
