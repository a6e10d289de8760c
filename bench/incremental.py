"""A second `nashra build` with one article changed, against a full build of the same folder.

    .venv/bin/python bench/incremental.py                 # 10,000 articles, 3 runs each
    .venv/bin/python bench/incremental.py --articles 1000 --runs 5
    .venv/bin/python bench/incremental.py --cold     # every build from files not in memory
    .venv/bin/python bench/incremental.py --baseline /tmp/old   # another checkout alongside

The articles come from `bench/build.py`'s generator. A first build fills the cache; then
each run changes one article and times, interleaved:

- `newest changed`: the newest article's title corrected (what a newsroom does most), then
  `nashra build` into the same output folder with the cache;
- `old changed`: the same for an article a third of the way into the archive: it sits in a
  sealed RFC 5005 archive page of its feeds (`nashra.history`), which this build writes
  again, that page alone in each feed, as a clean build seals it;
- `full`: `nashra build --no-cache` into an empty folder, every file read and validated.

Each is one process, timed twice: as a whole (interpreter start, import, build: what an
editor waits for) and in process, from the call to the build to its return (what the
cache saves; both builds pay the same start and import, about 0.2-0.6 s). After every run
the two output folders are compared file by file: the incremental build must equal the
full one, or the benchmark stops. The last lines are the ratios to the full build: the
old article's, then the newest's.

With `--cold`, every build starts with the content folder, the cache and the output out of
the system's memory (`posix_fadvise` DONTNEED on each file, Linux), as after a while
without a build on a machine that reclaims idle file pages: what it then reads comes from
the disk.

With `--baseline DIR`, the two cached builds are also timed with the nashra of another
checkout (DIR/functions), on its own copy of the folder, cache and output, in the same
interleaving; the last line is this checkout's in-process time over the baseline's.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from build import child_env, make_content, out_of_memory

ROOT = Path(__file__).resolve().parent.parent

# Run in the child: import first (timed apart), then the build as `nashra build` runs it.
CHILD = """
import sys, time
from nashra.builder import build
from nashra.cli import main
start = time.perf_counter()
code = main(sys.argv[1:])
print(f"in-process {time.perf_counter() - start:.6f}", file=sys.stderr)
sys.exit(code)
"""


# One timed build: whole-process seconds, in-process seconds, peak RSS (KiB), what it read.
Result = tuple[float, float, int, str]


def timed_build(args: list[str], functions: Path = ROOT / "functions") -> Result:
    """Whole-process seconds, in-process seconds, peak RSS (KiB) and what it read (its
    `--verbose` line) of one `nashra build`, importing nashra from `functions`."""
    env = child_env(functions)
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, "build", *args, "--verbose"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    assert proc.stdout is not None and proc.stderr is not None
    out, err = proc.stdout.read(), proc.stderr.read()  # a few lines each
    _, status, usage = os.wait4(proc.pid, 0)
    whole = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"nashra build {' '.join(args)} failed:\n{err}")
    inside = float(err.rsplit("in-process ", 1)[1])
    return whole, inside, usage.ru_maxrss, out.splitlines()[-1].split(" (")[0]


def same_files(one: Path, other: Path) -> bool:
    """Whether two folders hold the same files with the same bytes (read one pair at a time:
    this process stays small, and so do the children it forks next)."""
    names = [
        sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file()) for root in (one, other)
    ]
    return names[0] == names[1] and all(
        (one / name).read_bytes() == (other / name).read_bytes() for name in names[0]
    )


def by_date(content: Path) -> list[Path]:
    files = sorted((content / "articles").glob("*.json"))
    return sorted(files, key=lambda p: json.loads(p.read_text("utf-8"))["published"])


def correct(path: Path, run: int) -> None:
    """Correct one article's title."""
    article = json.loads(path.read_text("utf-8"))
    article["title"] = f"تصحيح {run}: " + article["title"]
    path.write_text(json.dumps(article, ensure_ascii=False), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cold", action="store_true", help="every build from the disk")
    parser.add_argument("--baseline", type=Path, help="another checkout to time alongside")
    args = parser.parse_args()
    cases = ("newest changed", "old changed", "full")
    if args.baseline:
        cases += ("baseline newest", "baseline old")
    results: dict[str, list[Result]] = {case: [] for case in cases}
    with tempfile.TemporaryDirectory() as tmp:
        content, cache = Path(tmp) / "content", Path(tmp) / "cache"
        kept, fresh = Path(tmp) / "kept", Path(tmp) / "fresh"
        content.mkdir()
        make_content(content, args.articles)
        dated = by_date(content)
        cached = [str(content), "--out", str(kept), "--cache", str(cache)]
        first = timed_build(cached)
        base = Path(tmp) / "base"
        if args.baseline:
            shutil.copytree(content, base / "content")
            based = [str(base / "content"), "--out", str(base / "kept"), "--cache"]
            based.append(str(base / "cache"))
            timed_build(based, args.baseline / "functions")
            base_dated = [base / "content" / "articles" / p.name for p in dated]

        def timed(build: list[str], functions: Path = ROOT / "functions") -> Result:
            if args.cold:
                out_of_memory(content, cache, kept, base)
            return timed_build(build, functions)

        for run in range(args.runs):  # interleaved, so drift hits every case alike
            correct(dated[-1], run)
            results["newest changed"].append(timed(cached))
            correct(dated[len(dated) // 3], run)
            results["old changed"].append(timed(cached))
            shutil.rmtree(fresh, ignore_errors=True)
            results["full"].append(timed([str(content), "--out", str(fresh), "--no-cache"]))
            if args.baseline:
                correct(base_dated[-1], run)
                results["baseline newest"].append(timed(based, args.baseline / "functions"))
                correct(base_dated[len(dated) // 3], run)
                results["baseline old"].append(timed(based, args.baseline / "functions"))
            if not same_files(kept, fresh):
                raise SystemExit(f"run {run}: the cached build differs from a full build")
    report(args, results, first)


def report(args: argparse.Namespace, results: dict[str, list[Result]], first: Result) -> None:
    """The table, the check, and the ratio lines."""
    medians = {
        case: (statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs))
        for case, runs in results.items()
    }
    where = ", every build from the disk (--cold)" if args.cold else ""
    print(f"{args.articles:,} articles, {args.runs} runs each, interleaved{where}")
    print(f"first build, filling the cache: {first[0]:.3f} s whole, {first[1]:.3f} s in process")
    print(f"{'case':<16}{'whole s':>10}{'in-process s':>14}{'peak RSS MiB':>14}  read")
    for case, runs in results.items():
        rss = max(r[2] for r in runs) / 1024
        whole, inside = medians[case]
        print(f"{case:<16}{whole:>10.3f}{inside:>14.3f}{rss:>14.1f}  {runs[-1][3]}")
    print("outputs: each cached build == a full build, file for file, after every run")
    full_whole, full_inside = medians["full"]
    old_whole, old_inside = medians["old changed"]
    print(
        f"old changed / full: {old_inside / full_inside:.1%} in process, "
        f"{old_whole / full_whole:.1%} as whole processes"
    )
    whole, inside = medians["newest changed"]
    print(
        f"newest changed / full: {inside / full_inside:.1%} in process, "
        f"{whole / full_whole:.1%} as whole processes"
    )
    if args.baseline:
        this = medians["newest changed"][1] + medians["old changed"][1]
        other = medians["baseline newest"][1] + medians["baseline old"][1]
        print(f"cached builds, in process, this / baseline: {this / other:.2f}x")


if __name__ == "__main__":
    main()
