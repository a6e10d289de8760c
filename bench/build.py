"""Benchmark `nashra build` on generated archives, next to the cost of importing nashra.

    .venv/bin/python bench/build.py            # 1k and 10k articles, 3 runs each
    .venv/bin/python bench/build.py --sizes 1000 --runs 5

Each measurement is a fresh `nashra build` process (what an editor or CI runs), a full
build (`--no-cache`; `bench/incremental.py` times the cached one), timed by wall clock
with its peak RSS from wait4(). The import of the package is measured the
same way, in the same run, so ratios hold even on a noisy shared machine.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NASHRA = [sys.executable, "-m", "nashra.cli"]
PROSE = (
    "أعلنت الوزارة اليوم عن خطة جديدة لتطوير البنية التحتية في المنطقة وتعزيز التعاون "
    "بين القطاعين العام والخاص بما يسهم في دعم النمو الاقتصادي وتوفير فرص العمل للشباب "
    "وقال المسؤول إن المشروع سيبدأ مطلع العام المقبل بتكلفة تقدر بملايين الدنانير"
)
WORDS = PROSE.split()


def make_content(root: Path, count: int, seed: int = 7) -> None:
    """A content folder with `count` realistic articles (deterministic)."""
    rng = random.Random(seed)
    shutil.copy(ROOT / "content" / "site.json", root / "site.json")
    shutil.copy(ROOT / "content" / "sections.json", root / "sections.json")
    sections = [s["slug"] for s in json.loads((root / "sections.json").read_text("utf-8"))]
    articles = root / "articles"
    articles.mkdir()
    for i in range(count):
        paragraphs = [" ".join(rng.choices(WORDS, k=60)) + "." for _ in range(5)]
        article = {
            "id": f"article-{i:06d}",
            "section": rng.choice(sections),
            "title": " ".join(rng.choices(WORDS, k=9)),
            "breaking": rng.random() < 0.05,
            "published": f"2026-{1 + i % 11:02d}-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00",
            "body": "".join(f"<p>{p}</p>" for p in paragraphs),
            "tags": rng.sample(WORDS, 3),
            "authors": ["سارة الكندري"],
        }
        path = articles / f"article-{i:06d}.json"
        path.write_text(json.dumps(article, ensure_ascii=False), encoding="utf-8")


def out_of_memory(*folders: Path) -> None:
    """Drop every file of `folders` from the system's page cache (its clean pages)."""
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file():
                fd = os.open(path, os.O_RDONLY)
                try:
                    os.fsync(fd)  # written pages are dropped only once on the disk
                    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
                finally:
                    os.close(fd)


def child_env(functions: Path) -> dict[str, str]:
    """The environment of a timed `nashra` process importing nashra from `functions`: as an
    installed nashra runs, from bytecode. `PYTHONDONTWRITEBYTECODE` (set in many dev and CI
    shells) is dropped, and `functions` is compiled once here, so that no timed run
    compiles a module from source (0.1-0.2 s a run, more for the checkout edited last)."""
    compileall.compile_dir(functions, quiet=1)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPATH": str(functions)}


# One measured process: wall seconds, peak RSS (KiB), CPU seconds.
Measured = tuple[float, int, float]


def measure(cmd: list[str], functions: Path = Path("functions")) -> Measured:
    """Wall seconds, peak RSS (KiB) and CPU seconds (user and system, with the processes it
    waited for: a pool's workers) of one child process, importing nashra from `functions`
    (another checkout's, to time it alongside), from bytecode (`child_env`)."""
    env = child_env(functions)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return elapsed, usage.ru_maxrss, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results: dict[str, list[Measured]] = {"import": []}
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            (Path(tmp) / f"c{size}").mkdir()
            make_content(Path(tmp) / f"c{size}", size)
            results[f"build {size}"] = []
        for _ in range(args.runs):  # interleaved, so drift hits every case alike
            results["import"].append(measure([sys.executable, "-c", "import nashra.cli"]))
            for size in args.sizes:
                out = Path(tmp) / f"out{size}"
                shutil.rmtree(out, ignore_errors=True)
                content = str(Path(tmp) / f"c{size}")
                cmd = [*NASHRA, "build", content, "--out", str(out), "--no-cache"]
                results[f"build {size}"].append(measure(cmd))
    base = statistics.median(t for t, _, _ in results["import"])
    print(f"{'case':<14}{'median s':>10}{'x import':>10}{'cpu s':>8}{'peak RSS MiB':>14}")
    for case, runs in results.items():
        median = statistics.median(t for t, _, _ in runs)
        cpu = statistics.median(c for _, _, c in runs)
        rss = max(r for _, r, _ in runs) / 1024
        print(f"{case:<14}{median:>10.3f}{median / base:>10.1f}{cpu:>8.2f}{rss:>14.1f}")
    small, large = min(args.sizes), max(args.sizes)
    if large > small:  # time per article past the import, the largest size against the smallest
        per = {
            size: (statistics.median(t for t, _, _ in results[f"build {size}"]) - base) / size
            for size in (small, large)
        }
        print(
            f"ratio: time per article past the import, {large:,} articles / {small:,}: "
            f"{per[large] / per[small]:.2f} (at most 1: linear or better)"
        )


if __name__ == "__main__":
    main()
