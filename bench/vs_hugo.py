"""`nashra build` against Hugo on the same generated Arabic archive.

    .venv/bin/python bench/vs_hugo.py                  # 10,000 articles, 3 runs each
    .venv/bin/python bench/vs_hugo.py --articles 1000 --runs 5
    .venv/bin/python bench/vs_hugo.py --baseline /tmp/old   # also time another checkout
    .venv/bin/python bench/vs_hugo.py --cold        # every run reads its files from the disk

The articles come from `bench/build.py`'s generator. The same articles become a Hugo site:
one content file per article (front matter plus the HTML body) in its section's folder,
with RSS for the home page and the eight sections only: article pages are listed but
never rendered (`_build.render = "never"`), taxonomies, the sitemap and robots.txt are
disabled, so Hugo does what `nashra build`'s feeds need and
no more (and nashra still writes Atom and JSON Feed beside RSS). `nashra build` runs
without its cache (`--no-cache`): every file read and validated, on every core, as Hugo
reads every file. Each tool runs as a whole process, interleaved run by run so drift on a
shared machine hits both alike. `hugo` is
Debian's (`apt-get install hugo`). Besides wall time, each process's CPU seconds (with the
processes it waited for) are shown: on a machine other work keeps busy, they say what the
build costs when the wall time says mostly how long it waited. The last line is the ratio
nashra / Hugo of wall times. With
`--baseline DIR`, the nashra of another checkout (DIR/functions) is timed in the same
interleaving, so a change is measured against what it replaced under the same noise.

A third case, `python floor` (`bench/python_floor.py`), is what any Python build of the
folder must do and no more: read, parse and sanitize every article on every core, with
nothing validated, rendered or written. Its ratios say how much of the gap to Hugo is
Python itself and how much is the work nashra does that Hugo does not (validating every
field of every file, Atom and JSON Feed, the feed pages, the full-text archive pages).

With `--cold`, each run starts with its input out of the system's memory (`posix_fadvise`
DONTNEED on every file, Linux), as after a while without a build: every file is read from
the disk, by every tool alike.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from build import NASHRA, Measured, make_content, measure, out_of_memory

ROOT = Path(__file__).resolve().parent.parent
FLOOR = Path(__file__).resolve().parent / "python_floor.py"

HUGO_CONFIG = """\
baseURL = "https://www.nashra.example/"
languageCode = "ar"
title = "نشرة"
disableKinds = ["taxonomy", "term", "sitemap", "robotsTXT", "404"]
[[cascade]]
[cascade._build]
render = "never"
list = "always"
[cascade._target]
kind = "page"
[outputs]
home = ["RSS"]
section = ["RSS"]
[services.rss]
limit = {limit}
"""


def _front_matter(article: dict[str, object]) -> str:
    """The article's Hugo front matter (TOML), with what a feed item shows."""
    fields = {
        "title": article["title"],
        "date": f"{article['published']}+03:00",
        "tags": article["tags"],
        "authors": article["authors"],
    }
    lines = [f"{name} = {json.dumps(value, ensure_ascii=False)}" for name, value in fields.items()]
    return "+++\n" + "\n".join(lines) + "\n+++\n"


def make_hugo_site(content: Path, site: Path) -> None:
    """A Hugo site holding the articles of a nashra content folder."""
    config = json.loads((content / "site.json").read_text("utf-8"))
    site.mkdir()
    (site / "config.toml").write_text(
        HUGO_CONFIG.format(limit=config["items_per_feed"]), encoding="utf-8"
    )
    for section in json.loads((content / "sections.json").read_text("utf-8")):
        folder = site / "content" / section["slug"]
        folder.mkdir(parents=True)
        index = f'+++\ntitle = "{section["title"]}"\n+++\n'
        (folder / "_index.md").write_text(index, encoding="utf-8")
    for path in sorted((content / "articles").glob("*.json")):
        article = json.loads(path.read_text("utf-8"))
        target = site / "content" / article["section"] / f"{article['id']}.html"
        target.write_text(_front_matter(article) + article["body"], encoding="utf-8")


def _has_cache(functions: Path) -> bool:
    """Whether that checkout's `nashra build` keeps a cache (then timed without it)."""
    return "--no-cache" in (functions / "nashra" / "cli.py").read_text("utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline", type=Path, help="another checkout to time alongside")
    parser.add_argument("--cold", action="store_true", help="inputs read from the disk")
    args = parser.parse_args()
    hugo = shutil.which("hugo")
    if hugo is None:
        raise SystemExit("hugo is not installed: apt-get install -y hugo")
    results: dict[str, list[Measured]] = {
        "nashra build": [],
        "hugo": [],
        "python floor": [],
    }
    if args.baseline:
        results["baseline build"] = []
    with tempfile.TemporaryDirectory() as tmp:
        content, site = Path(tmp) / "content", Path(tmp) / "hugo"
        content.mkdir()
        make_content(content, args.articles)
        make_hugo_site(content, site)

        def cold() -> None:
            if args.cold:
                out_of_memory(content, site)

        for _ in range(args.runs):  # interleaved, so drift hits both alike
            shutil.rmtree(Path(tmp) / "out", ignore_errors=True)
            cold()
            cmd = [*NASHRA, "build", str(content), "--out", str(Path(tmp) / "out")]
            results["nashra build"].append(measure([*cmd, "--no-cache"], ROOT / "functions"))
            if args.baseline:
                shutil.rmtree(Path(tmp) / "out")
                base = args.baseline / "functions"
                full = [*cmd, "--no-cache"] if _has_cache(base) else cmd
                cold()
                results["baseline build"].append(measure(full, base))
            shutil.rmtree(site / "public", ignore_errors=True)
            cold()
            results["hugo"].append(measure([hugo, "--quiet", "--source", str(site)]))
            floor = [sys.executable, str(FLOOR), str(content)]
            cold()
            results["python floor"].append(measure(floor, ROOT / "functions"))
        feeds = sorted(p.relative_to(site / "public") for p in (site / "public").rglob("*.xml"))
        if len(feeds) != 9:  # the home page and eight sections
            raise SystemExit(f"hugo wrote {len(feeds)} feeds, expected 9: {feeds}")
    report(args, results)


def report(args: argparse.Namespace, results: dict[str, list[Measured]]) -> None:
    """The table and the ratio lines."""
    medians = {case: statistics.median(t for t, _, _ in runs) for case, runs in results.items()}
    cpu = {case: statistics.median(c for _, _, c in runs) for case, runs in results.items()}
    where = ", inputs read from the disk (--cold)" if args.cold else ""
    print(f"{args.articles:,} articles, {args.runs} runs each, interleaved{where}")
    print(f"{'case':<14}{'median s':>10}{'cpu s':>8}{'peak RSS MiB':>14}")
    for case, runs in results.items():
        rss = max(r for _, r, _ in runs) / 1024
        print(f"{case:<14}{medians[case]:>10.3f}{cpu[case]:>8.2f}{rss:>14.1f}")
    spent = cpu["nashra build"] / cpu["hugo"]
    print(f"cpu seconds (all processes, user + system): nashra / hugo {spent:.2f}x")
    floor = medians["python floor"]
    print(f"python floor / hugo: {floor / medians['hugo']:.2f}x")
    print(f"nashra build / python floor: {medians['nashra build'] / floor:.2f}x")
    if args.baseline:
        change = medians["nashra build"] / medians["baseline build"]
        print(f"nashra build / baseline build: {change:.2f}x")
    ratio = medians["nashra build"] / medians["hugo"]
    print(f"nashra build / hugo: {ratio:.2f}x")


if __name__ == "__main__":
    main()
