"""Bytes per poll at the edge: every file nashra publishes, raw and as served (D10).

    .venv/bin/python bench/edge.py              # content/'s site, compression best of 5
    .venv/bin/python bench/edge.py --runs 3

The site is rendered from content/ (real Arabic articles) as the publisher renders it. For
each kind of file: its raw size per poll (the `all` feed, and summed over every feed), its
stored gzip and brotli variants, and what a reader who accepts br got before D10 and gets
now. Before D10, CloudFront compressed only the content types on its list (P-CF-1); it
does not publish the brotli level it uses, so a listed type is counted at nashra's own
level, which favours the "before" column. The second table is the price, measured side by
side: milliseconds to compress the `all` feed's files at the chosen levels and at the
strongest. The last line is the ratio for one poll of every file a reader of the `all`
feed might fetch, before against now.
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path, PurePosixPath

import brotli

from nashra.adapters.variants import BROTLI_QUALITY, GZIP_LEVEL, compress
from nashra.core.article import Article
from nashra.core.intake import parse_article
from nashra.core.site import feed_catalog, parse_sections, parse_site
from nashra.render import render_feed, render_site_files
from nashra.render.headers import content_type_for

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)  # after every date in content/
# CloudFront's list of compressed types ("Serve compressed files", developer guide), for
# the types nashra publishes.
CLOUDFRONT_COMPRESSES = {
    "application/rss+xml",
    "application/xml",
    "text/xml",
    "application/json",
    "text/html",
    "text/css",
}


def render_site() -> dict[str, bytes]:
    """Every file the publisher writes for content/, by path."""
    site = parse_site((CONTENT / "site.json").read_bytes())
    sections = parse_sections((CONTENT / "sections.json").read_bytes())
    articles: list[Article] = []
    for path in sorted((CONTENT / "articles").glob("*.json")):
        key = f"articles/{path.name}"
        result = parse_article(path.read_bytes(), key=key, site=site, sections=sections, now=NOW)
        if result.article is not None:
            articles.append(result.article)
    specs = feed_catalog(site, sections)
    files: dict[str, bytes] = {}
    for spec in specs:
        files.update(render_feed(site, spec, articles).files)
    files.update(render_site_files(site, specs))
    return files


def kind(path: str) -> str:
    """`rss.xml`, `feed page`, `site page`, … : what a row of the table stands for."""
    name = PurePosixPath(path).name
    if name == "index.html":
        return "feed page" if "/" in path else "site page"
    return name


def brotli_bytes(path: str, body: bytes) -> int:
    """What a reader accepting br received before D10: compressed only if CloudFront's list
    has the type."""
    listed = content_type_for(path).split(";")[0] in CLOUDFRONT_COMPRESSES
    return len(compress(body, "br")) if listed else len(body)


def best_ms(run: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times) * 1000


def size_table(files: dict[str, bytes]) -> tuple[int, int]:
    """Print the bytes table; return (before, now) for one poll of the `all` feed's files."""
    print(
        f"{'file':<12} {'type':<28} {'raw':>8} {'gzip':>7} {'br':>7} "
        f"{'br before':>9} {'br now':>7} {'raw/br':>6} {'every feed raw':>14} {'br':>8}"
    )
    kinds = sorted({kind(p) for p in files})
    before_all = now_all = 0
    for name in kinds:
        paths = sorted(p for p in files if kind(p) == name)
        sample = next((p for p in paths if p.startswith("all/")), paths[0])
        body = files[sample]
        zipped, squeezed = len(compress(body, "gzip")), len(compress(body, "br"))
        before = brotli_bytes(sample, body)
        every_raw = sum(len(files[p]) for p in paths)
        every_br = sum(len(compress(files[p], "br")) for p in paths)
        if sample.startswith("all/"):
            before_all += before
            now_all += squeezed
        print(
            f"{name:<12} {content_type_for(sample).split(';')[0]:<28} {len(body):>8,} "
            f"{zipped:>7,} {squeezed:>7,} {before:>9,} {squeezed:>7,} "
            f"{len(body) / squeezed:>5.1f}x {every_raw:>14,} {every_br:>8,}"
        )
    return before_all, now_all


def _all(fn: Callable[[bytes], bytes], bodies: list[bytes]) -> list[bytes]:
    return [fn(b) for b in bodies]


def cost_table(files: dict[str, bytes], runs: int) -> None:
    """Milliseconds to compress the `all` feed's files, at the chosen and strongest levels."""
    bodies = [b for p, b in sorted(files.items()) if p.startswith("all/")]
    total = sum(map(len, bodies))
    levels: list[tuple[str, Callable[[bytes], bytes]]] = [
        (f"gzip {GZIP_LEVEL} (chosen)", lambda b: gzip.compress(b, GZIP_LEVEL, mtime=0)),
        ("gzip 9", lambda b: gzip.compress(b, 9, mtime=0)),
        (f"brotli {BROTLI_QUALITY} (chosen)", lambda b: brotli.compress(b, quality=BROTLI_QUALITY)),
        ("brotli 11", lambda b: brotli.compress(b, quality=11)),
    ]
    print(f"\ncompressing the all feed's {len(bodies)} files ({total:,} bytes), best of {runs}")
    print(f"{'level':<18} {'ms':>8} {'bytes':>8} {'ms per MB':>10}")
    for label, fn in levels:
        ms = best_ms(partial(_all, fn, bodies), runs)
        size = sum(len(fn(b)) for b in bodies)
        print(f"{label:<18} {ms:>8.1f} {size:>8,} {ms / total * 1e6:>10.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    files = render_site()
    sizes = [len(b) for b in files.values()]
    print(f"{len(files)} files rendered from content/, median {statistics.median(sizes):,.0f} B")
    before, now = size_table(files)
    cost_table(files, args.runs)
    print(
        f"\none poll of each of the all feed's files, by a reader accepting br: "
        f"{before:,} B before D10, {now:,} B now: {before / now:.2f}x fewer bytes"
    )


if __name__ == "__main__":
    main()
