"""The floor of any Python build of a nashra content folder, timed by `bench/vs_hugo.py`.

    .venv/bin/python bench/python_floor.py CONTENT [--jobs N]

What every build must do, and no more: read each article file, parse its JSON and sanitize
its body (nh3, the sanitizer nashra's intake runs), in chunks of 200 files on every core
(a forked pool, as `nashra build` runs intake). It validates nothing else, renders and
writes nothing. A whole process, interpreter start included, as `nashra build` is timed.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
from pathlib import Path

import nh3

CHUNK = 200  # as `nashra.builder.ahead.CHUNK`


def read_chunk(paths: list[str]) -> int:
    """Read, parse and sanitize a chunk of article files; the bytes of bodies kept."""
    kept = 0
    for path in paths:
        with open(path, "rb") as handle:
            article = json.loads(handle.read())
        kept += len(nh3.clean(article["body"]))
    return kept


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("content", type=Path)
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)))
    args = parser.parse_args()
    folder = args.content / "articles"
    paths = sorted(str(folder / name) for name in os.listdir(folder))
    chunks = [paths[i : i + CHUNK] for i in range(0, len(paths), CHUNK)]
    with multiprocessing.get_context("fork").Pool(args.jobs) as pool:
        kept = sum(pool.imap(read_chunk, chunks))
    if kept == 0:
        raise SystemExit("no article body was read")


if __name__ == "__main__":
    main()
