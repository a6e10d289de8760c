"""CPU per article of intake (`parse_article`) and its hand-off to the build (`dump_result`
in a worker, `load_result` in the main process), next to another checkout's.

    .venv/bin/python bench/intake.py                                  # 10,000 articles
    .venv/bin/python bench/intake.py --articles 2000 --rounds 5
    .venv/bin/python bench/intake.py --baseline /tmp/intake-base      # side by side

The articles are `bench/build.py`'s `make_content`, read into memory once. Each side runs
in its own process, importing nashra from its checkout's `functions/` (this one's, and
`--baseline`'s), and times CPU seconds (`time.process_time`): the whole parse of every
article, then `dump_result` of every result, then `load_result` of every blob. Rounds are
interleaved (this, baseline, baseline, this …) so drift on a shared machine hits both
alike; the median round is reported. The final line is baseline / this for intake + dump
+ load per article (above 1: this checkout is cheaper).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The child: reads the content once, then times one round per line it is sent.
CHILD = r"""
import json, sys, time
from datetime import UTC, datetime
from pathlib import Path

from nashra.builder.cache import dump_result, load_result
from nashra.core.intake import parse_article
from nashra.core.site import parse_sections, parse_site

root = Path(sys.argv[1])
site = parse_site((root / "site.json").read_bytes())
sections = parse_sections((root / "sections.json").read_bytes())
now = datetime(2026, 12, 1, tzinfo=UTC)
files = [(f"articles/{p.name}", p.read_bytes()) for p in sorted((root / "articles").iterdir())]
for key, raw in files[:50]:  # warm caches and imports, as a build's first chunk does
    load_result(dump_result(parse_article(raw, key=key, site=site, sections=sections, now=now)))
print("ready", flush=True)
for _ in sys.stdin:
    clock = time.process_time
    start = clock()
    results = [parse_article(raw, key=key, site=site, sections=sections, now=now)
               for key, raw in files]
    parsed = clock()
    blobs = [dump_result(result) for result in results]
    dumped = clock()
    loaded = [load_result(blob) for blob in blobs]
    done = clock()
    assert loaded == results
    accepted = sum(result.article is not None for result in results)
    size = sum(map(len, blobs))
    print(json.dumps([parsed - start, dumped - parsed, done - dumped, accepted, size]),
          flush=True)
"""


class Side:
    """One checkout's child process, timing rounds on request."""

    def __init__(self, name: str, functions: Path, content: Path) -> None:
        self.name = name
        self.rounds: list[list[float]] = []
        self.proc = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(content)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(functions)},
        )
        assert self.proc.stdout is not None
        if self.proc.stdout.readline().strip() != "ready":
            raise SystemExit(f"{name}: the child did not start")

    def round(self) -> None:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit(f"{self.name}: the child failed")
        self.rounds.append(json.loads(line))

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait()

    def median(self, column: int) -> float:
        return statistics.median(r[column] for r in self.rounds)

    def median_total(self) -> float:
        return statistics.median(r[0] + r[1] + r[2] for r in self.rounds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline", type=Path, help="a checkout of another commit")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "bench"))
    from build import make_content

    with tempfile.TemporaryDirectory() as tmp:
        content = Path(tmp)
        make_content(content, args.articles)
        sides = [Side("this", ROOT / "functions", content)]
        if args.baseline is not None:
            sides.append(Side("baseline", args.baseline / "functions", content))
        try:
            for n in range(args.rounds):  # interleaved: this, baseline, baseline, this…
                for side in sides if n % 2 == 0 else sides[::-1]:
                    side.round()
        finally:
            for side in sides:
                side.close()
    per = 1e6 / args.articles
    print(f"{args.articles:,} articles, {args.rounds} rounds, median CPU µs per article")
    print(
        f"{'side':<10}{'intake':>9}{'dump':>8}{'load':>8}{'total':>9}{'accepted':>10}{'bytes':>8}"
    )
    for side in sides:
        accepted, size = side.rounds[0][3], side.rounds[0][4]
        print(
            f"{side.name:<10}{side.median(0) * per:>9.1f}{side.median(1) * per:>8.1f}"
            f"{side.median(2) * per:>8.1f}{side.median_total() * per:>9.1f}"
            f"{int(accepted):>10,}{size / args.articles:>8.0f}"
        )
    if len(sides) == 2:
        this, base = sides
        if this.rounds[0][3] != base.rounds[0][3]:
            raise SystemExit("the two sides accepted different numbers of articles")
        ratio = base.median_total() / this.median_total()
        intake = base.median(0) / this.median(0)
        print(f"intake alone: {intake:.2f}x less CPU per article than the baseline")
        print(f"intake + dump + load: {ratio:.2f}x less CPU per article than the baseline")
    else:
        print(f"intake + dump + load: {this_total(sides[0], per):.1f} µs per article")


def this_total(side: Side, per: float) -> float:
    return side.median_total() * per


if __name__ == "__main__":
    main()
