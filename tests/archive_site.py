"""A content folder whose feeds reach past their live feeds: content/ plus generated stories.

content/ holds 25 articles, fewer than a live feed (50), so its feeds have no archive
pages. This adds `count` generated stories, newer than content/'s, spread over every
section (every seventh breaking, every fifth with an image whose alt and caption read as
markup, every eleventh corrected), so content/'s own articles, with all their variety,
end up in sealed archive pages. Used by tests/contract/test_archive_pages.py, and to run
the W3C validator on archive pages (README, "Numbers"):

    .venv/bin/python tests/archive_site.py /tmp/archive 900
    .venv/bin/nashra build /tmp/archive/content --out /tmp/archive/public --no-cache
    cd /tmp/archive/public && feedcheck --strict --level AAA \\
        --content-type 'application/xml; charset=utf-8' */archive/*/*.xml
"""

from __future__ import annotations

import json
import random
import shutil
import sys
from pathlib import Path

CONTENT = Path(__file__).resolve().parents[1] / "content"
PROSE = (
    "أعلنت الوزارة اليوم عن خطة جديدة لتطوير البنية التحتية في المنطقة وتعزيز التعاون "
    "بين القطاعين العام والخاص بما يسهم في دعم النمو الاقتصادي وتوفير فرص العمل للشباب"
)
WORDS = PROSE.split()


def story(i: int, section: str, rng: random.Random) -> dict[str, object]:
    """Generated story `i`: 100 a day from November 20th, 14 minutes apart, at :17 seconds
    (no two stories of a feed share a date: the validator warns on a duplicate `updated`)."""
    day, minute = 20 + i // 100, (i % 100) * 14
    body: dict[str, object] = {
        "id": f"gen-{i:04d}",
        "section": section,
        "title": " ".join(rng.choices(WORDS, k=8)),
        "breaking": i % 7 == 0,
        "published": f"2026-11-{day:02d}T{minute // 60:02d}:{minute % 60:02d}:17+03:00",
        "body": "".join(f"<p>{' '.join(rng.choices(WORDS, k=40))}.</p>" for _ in range(3)),
        "tags": rng.sample(WORDS, 2),
        "authors": ["سارة الكندري", {"name": "أحمد العلي", "url": "https://www.nashra.example/a"}],
    }
    if i % 5 == 0:
        body["image"] = {
            "url": f"https://www.nashra.example/img/{i}.jpg",
            "alt": "صورة <b>الخبر</b>",
            "caption": "<script>alert(3)</script>شاطئ في محافظة ظفار",
            "length": 1000 + i,
            "width": 1200,
            "height": 675,
        }
    if i % 11 == 0:
        body["updated"] = f"2026-11-{day:02d}T23:{i % 60:02d}:{(i // 60) % 60:02d}+03:00"
        body["correction"] = "ذكرت نسخة سابقة رقمًا خاطئًا، والصحيح ما ورد أدناه."
    return body


def write_site(root: Path, count: int) -> Path:
    """content/ and `count` generated stories (at most 900) in `root`/content; its path."""
    assert count <= 900, "stories are dated November 20th to 28th, before content/'s 'now'"
    content = root / "content"
    shutil.copytree(CONTENT, content)
    sections = [s["slug"] for s in json.loads((content / "sections.json").read_text("utf-8"))]
    rng = random.Random(5005)
    for i in range(count):
        data = story(i, sections[i % len(sections)], rng)
        text = json.dumps(data, ensure_ascii=False)
        (content / "articles" / f"gen-{i:04d}.json").write_text(text, "utf-8")
    return content


if __name__ == "__main__":
    print(write_site(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 900))
