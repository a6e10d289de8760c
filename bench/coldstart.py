"""Cold start of the publisher handler next to boto3's own, in fresh interpreters.

    python bench/coldstart.py [--rounds 15] [--importtime]

Each round runs three fresh subprocesses, interleaved so that disk cache and CPU frequency
drift hit every variant alike:

- `boto3 + s3 client`: `import boto3; boto3.client("s3")`, the floor any S3 Lambda pays;
- `handler import`: `import nashra.handlers.work_queue` (what Lambda's INIT runs);
- `handler ready`: that import plus the first `services()` and a Publisher, i.e. the
  whole cold path before the first request is sent.

Times are measured inside the child around the statement (interpreter start-up excluded).
INIT is billed since Aug 2025 (P-COST-1).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TIMER = "import time; _t = time.perf_counter()\n{code}\nprint((time.perf_counter() - _t) * 1000)"
VARIANTS = {
    "boto3 + s3 client": 'import boto3; boto3.client("s3", region_name="us-east-1")',
    "handler import": "import nashra.handlers.work_queue",
    "handler ready": ("import nashra.handlers.work_queue as h; h.new_publisher(h.services())"),
}
FAKE_ENV = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "INBOX_BUCKET": "bench-inbox",
    "FEEDS_BUCKET": "bench-feeds",
    "INDEX_TABLE": "bench-index",
    "POWERTOOLS_METRICS_NAMESPACE": "Bench",
}


def child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(FAKE_ENV)
    return env


def run_once(code: str) -> float:
    out = subprocess.run(
        [sys.executable, "-c", TIMER.format(code=code)],
        capture_output=True,
        text=True,
        check=True,
        env=child_env(),
        cwd=ROOT,
    )
    return float(out.stdout.strip().splitlines()[-1])


def p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]


def importtime(top: int) -> None:
    """Top imports of the handler by self time, and self time summed per package."""
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import nashra.handlers.work_queue"],
        capture_output=True,
        text=True,
        check=True,
        env=child_env(),
        cwd=ROOT,
    )
    rows = []
    for line in out.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line)
        if match:
            rows.append((int(match[1]), int(match[2]), match[4]))
    print(f"\ntop {top} imports by self time (python -X importtime):")
    for self_us, cumulative_us, name in sorted(rows, reverse=True)[:top]:
        print(f"  {self_us / 1000:7.1f} ms self {cumulative_us / 1000:8.1f} ms cum  {name}")
    per_package: dict[str, int] = defaultdict(int)
    for self_us, _, name in rows:
        per_package[name.split(".")[0]] += self_us
    print(f"\ntop {top} packages by summed self time:")
    for name, total in sorted(per_package.items(), key=lambda kv: -kv[1])[:top]:
        print(f"  {total / 1000:7.1f} ms  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--importtime", action="store_true", help="also list the top imports")
    args = parser.parse_args()

    for code in VARIANTS.values():  # warm the disk cache and .pyc files once
        run_once(code)
    samples: dict[str, list[float]] = {name: [] for name in VARIANTS}
    for _ in range(args.rounds):
        for name, code in VARIANTS.items():
            samples[name].append(run_once(code))

    print(f"python {sys.version.split()[0]}, {args.rounds} interleaved rounds, fresh processes")
    print(f"{'variant':<20} {'median ms':>10} {'p90 ms':>10}")
    for name, values in samples.items():
        print(f"{name:<20} {statistics.median(values):10.1f} {p90(values):10.1f}")
    base = statistics.median(samples["boto3 + s3 client"])
    for name in ("handler import", "handler ready"):
        ratio = statistics.median(samples[name]) / base
        print(f"ratio {name} / boto3 + s3 client (medians): {ratio:.2f}")
    if args.importtime:
        importtime(10)


if __name__ == "__main__":
    main()
