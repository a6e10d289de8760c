"""The slowest article shapes the input bounds allow, against a typical article, in one run.

    .venv/bin/python bench/worst_case.py            # every shape, best of 3
    .venv/bin/python bench/worst_case.py --runs 5

For each shape: the time and peak traced memory (tracemalloc) to validate it
(`parse_article`) and to render the `all` feed holding it and 49 typical articles
(`render_feed`), as ratios against the typical article of content/ measured side by
side, so the ratios hold on a noisy machine. Time is the best of the runs, measured
without tracemalloc; memory is measured in a separate traced run. A rejected shape is
only validated (its rejection time counts). The last line checks the promise of issue 8:
every 1 MiB shape validates and renders in under a second (exit status 1 if not).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from nashra.core.article import MAX_ARTICLE_BYTES, Article
from nashra.core.intake import parse_article
from nashra.core.site import FeedSpec, Section, Site, feed_catalog, parse_sections, parse_site
from nashra.render import render_feed

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)  # after every date in content/
LIMIT_SECONDS = 1.0
FILLER = 10_240  # room under 1 MiB: plain text grows by its <p> tags when converted
PROSE = "أعلنت الوزارة اليوم عن خطة جديدة لتطوير البنية التحتية وتعزيز التعاون بين القطاعين. "
TASHKEEL = "\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652"


@dataclass(frozen=True)
class Shape:
    name: str
    raw: bytes
    megabyte: bool  # a 1 MiB case, held to the one-second promise


@dataclass(frozen=True)
class Cost:
    seconds: float
    peak_bytes: int


def typical() -> dict[str, Any]:
    """The content/ article of median size: what the ratios are measured against."""
    files = sorted((CONTENT / "articles").glob("*.json"), key=lambda p: p.stat().st_size)
    data: dict[str, Any] = json.loads(files[len(files) // 2].read_text("utf-8"))
    return data


def encoded(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def filled(base: dict[str, Any], field: str, unit: str, head: str = "", tail: str = "") -> bytes:
    """`base` with `field` = head + unit repeated + tail, the file just under 1 MiB."""
    empty = len(encoded({**base, field: head + tail}))
    unit_bytes = len(json.dumps(unit, ensure_ascii=False).encode("utf-8")) - 2
    count = (MAX_ARTICLE_BYTES - FILLER - empty) // unit_bytes
    return encoded({**base, field: head + unit * count + tail})


def shapes(base: dict[str, Any]) -> list[Shape]:
    """The slowest shapes within the bounds (docs/decisions.md, "Input bounds")."""
    nested = "<div>" * 63 + "<b>نص</b>" + "</div>" * 63
    return [
        Shape("typical article", encoded(base), False),
        Shape("1 MiB plain text", filled(base, "body", PROSE * 6 + "\n\n"), True),
        Shape("1 MiB one paragraph, no spaces", filled(base, "body", "نص"), True),
        Shape(
            "1 MiB table, 14,000 rows",
            encoded({**base, "body": table(14_000)}),
            True,
        ),
        Shape("1 MiB of HTML 64 deep", filled(base, "body", nested), True),
        Shape("1 MiB of tashkeel on one letter", filled(base, "body", TASHKEEL, head="ب"), True),
        Shape("1 MiB vocalised, 3 marks a letter", filled(base, "body", "بَّ كُ "), True),
        Shape("1 MiB of tiny paragraphs", filled(base, "body", "<p>ن</p>"), True),
        Shape("2,000 distinct links (the bound)", encoded({**base, "body": links(2_000)}), True),
        Shape(
            "1 MiB of distinct links (rejected)", filled(base, "body", '<a href="/x">ن</a>'), True
        ),
        Shape("1 MiB of unclosed <a><b> (rejected)", filled(base, "body", "<a><b>ن"), True),
        Shape("1 MiB of misnested <a><b></a></b>", filled(base, "body", "<a><b>ن</a></b>"), True),
        Shape("50 tags of 100 characters", encoded({**base, "tags": tags(50, 100)}), False),
        Shape("20 authors of 200 characters", encoded({**base, "authors": tags(20, 200)}), False),
        Shape("title of 300 characters", encoded({**base, "title": ("خبر " * 75)[:300]}), False),
        Shape(
            "1 MiB of spaces after href= (with www. and data:)",
            filled(base, "body", " ", head="<p>www. data: <a href=", tail="x>ن</a></p>"),
            True,
        ),
        Shape("1 MiB of empty Word paragraphs", filled(base, "body", "<p>&nbsp;</p>"), True),
        Shape("1 MiB of <center> blocks", filled(base, "body", "<center>ن</center>"), True),
        Shape(
            "80,000 nested <div> (rejected)",
            encoded({**base, "body": "<div>" * 80_000 + "</div>" * 80_000}),
            True,
        ),
    ]


def links(count: int) -> str:
    return "".join(f'<p><a href="https://example.com/p/{n}">رابط {n}</a></p>' for n in range(count))


def table(rows: int) -> str:
    row = "<tr><td>مركز {n}</td><td>{n}</td><td>٪٤٥</td></tr>"
    return "<table>" + "".join(row.format(n=n) for n in range(rows)) + "</table>"


def tags(count: int, length: int) -> list[str]:
    return [(f"وسم {n} " + "ك" * length)[:length] for n in range(count)]


def measure(action: Callable[[], object], runs: int) -> Cost:
    """Best wall time of `runs`, then the peak of one traced run."""
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - start)
    tracemalloc.start()
    try:
        action()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return Cost(best, peak)


@dataclass(frozen=True)
class Setting:
    site: Site
    sections: tuple[Section, ...]
    feed: FeedSpec
    others: list[Article]  # 49 typical articles, older than every shape

    def validate(self, raw: bytes) -> tuple[Article | None, str]:
        result = parse_article(
            raw, key="articles/bench.json", site=self.site, sections=self.sections, now=NOW
        )
        rules = sorted({p.rule for p in result.problems if p.severity == "error"})
        return result.article, "accepted" if result.article else "rejected: " + ",".join(rules)


def setting(base: dict[str, Any]) -> Setting:
    site = parse_site((CONTENT / "site.json").read_bytes())
    sections = parse_sections((CONTENT / "sections.json").read_bytes())
    feed = next(s for s in feed_catalog(site, sections) if s.slug == "all")
    draft = Setting(site, sections, feed, [])
    others = []
    for n in range(49):
        when = (NOW - timedelta(days=30, hours=n)).isoformat()
        article, outcome = draft.validate(encoded({**base, "id": f"other-{n}", "published": when}))
        if article is None:
            raise SystemExit(f"the typical article is {outcome}")
        others.append(article)
    return Setting(site, sections, feed, others)


Row = tuple[str, Cost, Cost | None]


def row(setting: Setting, shape: Shape, runs: int) -> Row:
    article, outcome = setting.validate(shape.raw)
    validate = measure(lambda: setting.validate(shape.raw), runs)
    if article is None:
        return outcome, validate, None
    articles = [article, *setting.others]
    render = measure(lambda: render_feed(setting.site, setting.feed, articles), runs)
    return outcome, validate, render


def isolated(setting: Setting, shape: Shape, runs: int, timeout: float) -> Row:
    """`row` in a forked child: a shape that runs away is stopped and reported, not waited
    for (a C call such as NFC normalisation cannot be interrupted in-process)."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=lambda: send.send(row(setting, shape, runs)))
    child.start()
    if receive.poll(timeout):
        result: Row = receive.recv()
        child.join()
        return result
    child.kill()
    child.join()
    gave_up = Cost(float("inf"), 0)
    return f"did not finish in {timeout:.0f} s", gave_up, None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per shape")
    args = parser.parse_args()
    base = {**typical(), "id": "bench", "published": NOW.isoformat()}
    base.pop("updated", None)
    cases = setting(base)
    results = [(shape, *isolated(cases, shape, args.runs, args.timeout)) for shape in shapes(base)]
    _, _, ref_validate, ref_render = results[0]
    assert ref_render is not None
    print(
        f"reference: {results[0][0].name}, {len(results[0][0].raw):,} bytes: validate "
        f"{ref_validate.seconds * 1e3:.2f} ms, {ref_validate.peak_bytes / 1024:.0f} KiB; "
        f"render `all` of 50 {ref_render.seconds * 1e3:.1f} ms, "
        f"{ref_render.peak_bytes / 1024:.0f} KiB"
    )
    report(results, ref_validate, ref_render)


def report(results: list[Any], ref_validate: Cost, ref_render: Cost) -> None:
    head = f"{'shape':<34}{'bytes':>10}  {'validate t×':>11}{'mem×':>7}  {'render t×':>9}"
    print(head + f"{'mem×':>7}  {'total s':>8}  outcome")
    slowest = ("", 0.0)
    for shape, outcome, validate, render in results:
        total = validate.seconds + (render.seconds if render else 0.0)
        if shape.megabyte and total > slowest[1]:
            slowest = (shape.name, total)
        v_m = (
            f"{validate.peak_bytes / ref_validate.peak_bytes:>7.1f}" if validate.peak_bytes else ""
        )
        r_t = f"{render.seconds / ref_render.seconds:>9.1f}" if render else f"{'—':>9}"
        r_m = f"{render.peak_bytes / ref_render.peak_bytes:>7.1f}" if render else f"{'—':>7}"
        print(
            f"{shape.name:<34}{len(shape.raw):>10,}  "
            f"{validate.seconds / ref_validate.seconds:>11.1f}{v_m}  {r_t}{r_m}  "
            f"{total:>8.3f}  {outcome}"
        )
    verdict = "PASS" if slowest[1] < LIMIT_SECONDS else "FAIL"
    print(
        f"{verdict}: slowest 1 MiB case, validate + render: {slowest[1]:.3f} s "
        f"({slowest[0]}); the bound is {LIMIT_SECONDS:.0f} s"
    )
    if verdict == "FAIL":
        sys.exit(1)


if __name__ == "__main__":
    main()
