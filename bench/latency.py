"""Upload-to-feed latency of the local stack, and how long `nashra dev` takes to serve.

    .venv/bin/python bench/latency.py              # 100 uploads, one at a time
    .venv/bin/python bench/latency.py --uploads 20

1. Start-up: a fresh `nashra dev content --port 0` process, timed from spawn until its
   CDN answers 200 for /all/rss.xml (what `make run` promises: feeds within 60 s).
2. Latency: the dev stack in this process (moto server, poller, real handler, CDN); each
   article is PUT with boto3 and timed from the moment PutObject returns until the served
   /all/rss.xml carries the new item's guid (polled over HTTP every 5 ms).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

from nashra.dev.stack import DevStack, StackOptions

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 60.0


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return int(response.status), response.read()
    except OSError:
        return 0, b""


def article(article_id: str, published: datetime) -> bytes:
    body = {
        "id": article_id,
        "section": "economy",
        "title": f"خبر اختبار الأداء رقم {article_id} عن الأسواق الخليجية",
        "published": published.isoformat(timespec="seconds"),
        "body": "<p>ارتفعت أسعار الذهب في تعاملات اليوم إلى مستوى قياسي جديد.</p>",
    }
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def measure_startup(content: Path) -> float:
    """Seconds from spawning `nashra dev` to its first served all/rss.xml."""
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "nashra.cli", "dev", str(content), "--port", "0", "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    try:
        for line in process.stdout:
            match = re.search(r"feeds \(CDN\)\s+(\S+)", line)
            if match:
                url = match.group(1) + "/all/rss.xml"
                break
        else:
            raise RuntimeError("nashra dev printed no CDN address")
        while fetch(url)[0] != 200:
            if time.monotonic() - started > TIMEOUT:
                raise RuntimeError("no feed within 60 s")
            time.sleep(0.01)
        return time.monotonic() - started
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)


def measure_latency(content: Path, uploads: int) -> list[float]:
    """Milliseconds from PutObject returning to the guid appearing in the served feed."""
    options = StackOptions(content=content, port=0, quiet=True)
    stack = DevStack(options, say=lambda _: None).start()
    try:
        stack.upload_content()
        if not stack.wait_drained(TIMEOUT):
            raise RuntimeError("the content did not publish")
        url = f"{stack.cdn_url}/all/rss.xml"
        base = datetime.now(UTC) - timedelta(hours=2)
        results = []
        for n in range(uploads):
            article_id = f"latency-{n:04d}"
            body = article(article_id, base + timedelta(minutes=n))  # newest each time
            guid = f":{article_id}</guid>".encode()
            stack.s3.put_object(
                Bucket=stack.inbox_bucket,
                Key=f"articles/{article_id}.json",
                Body=body,
                ContentType="application/json; charset=utf-8",
            )
            sent = time.monotonic()
            while guid not in fetch(url)[1]:
                if time.monotonic() - sent > TIMEOUT:
                    raise RuntimeError(f"{article_id} never appeared")
                time.sleep(0.005)
            results.append((time.monotonic() - sent) * 1000)
            stack.wait_drained(TIMEOUT)  # one at a time: the next PUT starts a new batch
        return results
    finally:
        stack.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=100)
    parser.add_argument("--content", type=Path, default=ROOT / "content")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        content = Path(tmp) / "content"
        shutil.copytree(args.content, content)
        startup = measure_startup(content)
        millis = measure_latency(content, args.uploads)
    articles = len(list((args.content / "articles").glob("*.json")))
    print(f"command: {sys.executable} bench/latency.py --uploads {args.uploads}")
    print(f"nashra dev start -> first served all/rss.xml ({articles} articles): {startup:.1f} s")
    print(
        f"upload -> guid in served all/rss.xml, {len(millis)} uploads one at a time: "
        f"median {statistics.median(millis):.0f} ms, "
        f"p95 {statistics.quantiles(millis, n=20)[18]:.0f} ms, "
        f"min {min(millis):.0f} ms, max {max(millis):.0f} ms"
    )
    tail = statistics.quantiles(millis, n=20)[18] / statistics.median(millis)
    print(f"ratio: p95 / median upload -> served = {tail:.2f} (the slowest uploads' wait)")


if __name__ == "__main__":
    main()
