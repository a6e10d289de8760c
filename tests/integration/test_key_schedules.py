"""Randomized key schedules: awkward but valid inbox keys travel event → publisher → index
→ report key → sweep listing order → `nashra build`, and arrive the same everywhere.

A seeded generator draws a handful of article keys an editor could give (AR-S3-1, B-21):
Arabic names in NFC and NFD (two distinct keys that look alike), spaces, `+`, `%`, a
literal `%20` and `%2B` (what a decoder would turn into another key), `#`, `?`, `&`, `=`,
quotes, parentheses, emoji and other characters outside the BMP (whose UTF-16 order differs
from the UTF-8 order S3 and DynamoDB list in), nested folders, keys that differ only in
case, `.JSON` beside `.json` (a misnamed file, rejected with a report on its name), and
names just under and just over the 1,016-byte bound (B-21). Their events are delivered,
lost, duplicated, held back or dead-lettered as tests/schedules.py does; the sweep then
runs in chunks of 1 or 2 keys, so chunk boundaries fall between keys that sort close
together. The oracle holds: feeds and reports byte for byte a full `nashra build` of the
inbox (its keys as paths of a content folder, `keys.folder_path`), and the index has seen
exactly the inbox's ETags.

moto's EventBridge passes the key raw (`detail.object.key`), as AWS does (P-KEY-1), so a
key with `%2B` or `+` in it reaches the publisher as the editor wrote it.

`NASHRA_KEY_SCHEDULES=N` runs N more seeds (from `NASHRA_KEY_SCHEDULE_SEED`, default 1000)
when hunting; a failure prints the schedule, which a regression test can replay with `run`.
"""

from __future__ import annotations

import json
import os
import random
import unicodedata
from typing import Any

import pytest

from nashra.core.keys import MAX_INPUT_KEY_BYTES
from schedules import (
    CONTENT,
    FATES,
    FEEDS,
    INBOX,
    Delete,
    Ending,
    Op,
    Pump,
    Put,
    Stack,
    run_seed,
    stack_fixture,  # noqa: F401 (the `stack` fixture)
)

SECTIONS = ("gulf", "politics")
FATE_WEIGHTS = (40, 20, 12, 14, 14)
SEGMENT_BYTES = 255  # ext4's longest file name: a content folder holds no longer segment

NAME = "مُقَدِّمَة"  # marks whose canonical order differs: NFC and NFD are distinct keys
NAMES = (
    unicodedata.normalize("NFC", "إعلان"),
    unicodedata.normalize("NFD", "إعلان"),
    unicodedata.normalize("NFC", NAME),
    unicodedata.normalize("NFD", NAME),
    "خبر عاجل",
    "a+b",
    "a b",
    "a%20b",
    "a%2Bb",
    "100%",
    "%",
    "#1?x=y&z",
    "\"quoted\" 'name'",
    "(draft) [1]",
    "emoji 📰",
    "\U0001f600",
    "\ufefc",  # lam-alef, high in the BMP: before any non-BMP name in UTF-8, after in UTF-16
    "\ufb50",  # Arabic presentation form, high in the BMP
    "Story",
    "story",
    "STORY",
)
FOLDERS = ("", "gulf/", "الخليج/", "2026/11/", "a b/c+d/", "%41/")


def long_name(folder: str, excess: int) -> str:
    """A key `excess` bytes over the bound B-21 allows (negative: under it): Arabic
    letters split into folders of at most 240 bytes, so every name fits ext4 (255)."""
    head = f"articles/{folder}"
    room = MAX_INPUT_KEY_BYTES + excess - len(head.encode()) - len(".json")
    parts = []
    while room > 240 + 1:  # a folder of 240 bytes and its "/" (the last has ".json")
        parts.append(240)
        room -= 241
    parts.append(room)
    segments = ["ب" * (size // 2) + "x" * (size % 2) for size in parts]
    key = head + "/".join(segments) + ".json"
    assert len(key.encode()) == MAX_INPUT_KEY_BYTES + excess, (len(key.encode()), excess)
    return key


def draw_keys(rng: random.Random, count: int) -> list[str]:
    keys: set[str] = set()
    while len(keys) < count:
        roll = rng.random()
        folder = rng.choice(FOLDERS)
        if roll < 0.08:
            keys.add(long_name(folder, rng.choice((-1, 0, 1, 2))))
            continue
        suffix = ".JSON" if roll < 0.16 else ".json"
        keys.add(f"articles/{folder}{rng.choice(NAMES)}{suffix}")
    return sorted(keys)


def site_json() -> dict[str, Any]:
    site: dict[str, Any] = json.loads((CONTENT / "site.json").read_text(encoding="utf-8"))
    site.update({"items_per_feed": 2})
    return site


def sections_json() -> list[dict[str, str]]:
    every: list[dict[str, str]] = json.loads((CONTENT / "sections.json").read_bytes())
    return [s for s in every if s["slug"] in SECTIONS]


def article(n: int, version: int, rng: random.Random) -> dict[str, Any]:
    """Article number `n` (its own id: the key's name need not make one) in `version`."""
    return {
        "id": f"k{n}",
        "section": rng.choice(SECTIONS),
        "title": f"عنوان الخبر {n} في نسخته {version}",
        "published": f"2026-11-{10 + n:02d}T10:30:00+03:00",
        "body": f"<p>نص الخبر {n}، النسخة {version}.</p>",
    }


def generate(rng: random.Random, length: int) -> tuple[list[Op], Ending]:
    keys = draw_keys(rng, rng.randint(4, 7))
    ops: list[Op] = [
        Put("config/site.json", site_json()),
        Put("config/sections.json", sections_json()),
        Pump(),
    ]

    def fate() -> str:
        return rng.choices(FATES, FATE_WEIGHTS)[0]

    current: dict[str, Any] = {}
    for step in range(length):
        roll = rng.random()
        n = rng.randrange(len(keys))
        key = keys[n]
        if roll < 0.5:
            current[key] = article(n, step, rng)
            ops.append(Put(key, current[key], fate()))
        elif roll < 0.6 and key in current:
            ops.append(Put(key, current[key], fate()))
        elif roll < 0.68:  # not JSON: rejected, then fixed below or deleted
            current[key] = '{"id": "k'
            ops.append(Put(key, current[key], fate()))
        elif roll < 0.8:
            current.pop(key, None)
            ops.append(Delete(key, fate()))
        else:
            ops.append(Pump(rng.randint(1, 10), rng.random() < 0.5))
    # A rejected re-upload of a live article keeps its last good version live, which a
    # build of the current bytes cannot know of (docs/design.md): end with every file valid.
    for key, body in sorted(current.items()):
        if not isinstance(body, dict):
            ops.append(Put(key, article(keys.index(key), 99, rng), fate()))
    ending = Ending(chunk=rng.choice((1, 2)), redrive=rng.choice(("before", "after", "never")))
    return ops, ending


CI_SEEDS = list(range(6))
HUNT = int(os.environ.get("NASHRA_KEY_SCHEDULES", "0"))
HUNT_FROM = int(os.environ.get("NASHRA_KEY_SCHEDULE_SEED", "1000"))


@pytest.mark.parametrize("seed", [*CI_SEEDS, *range(HUNT_FROM, HUNT_FROM + HUNT)])
def test_awkward_keys_converge(stack: Stack, seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever happens to the events of uploads and deletes at awkward keys, the settled
    pipeline publishes and reports what a full build of the inbox does, under each key as
    the editor spelled it, and its sweep (chunks of 1 or 2) finds every key in order."""
    run_seed(stack, seed, lambda rng: generate(rng, length=14), monkeypatch)


# -- regressions found by the schedules ------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        "articles/" + "ب" * 126 + ".json",  # a file name of 257 bytes
        "articles/" + "ب" * 128 + "/a.json",  # a folder name of 256 bytes
        "articles//a.json",
        "articles/./a.json",
        "articles/gulf/../a.json",
    ],
    ids=["long-name", "long-folder", "empty", "dot", "dot-dot"],
)
def test_a_key_no_content_folder_can_hold_is_refused(stack: Stack, key: str) -> None:
    """S3 takes any key up to 1,024 bytes, but a content folder cannot hold a file at a path
    with an empty, "." or ".." part, or a name over 255 bytes (ext4's limit): `nashra
    build` would read `articles//a.json` as `articles/a.json`, or never see the file at all.
    The publisher refuses such a key on its name, with a report, as `nashra validate` and
    `nashra upload` do, so the pipeline never publishes what a build of the same inbox
    cannot."""
    from oracle import published_feeds, published_reports

    body = article(1, 0, random.Random(0))
    for op in (
        Put("config/site.json", site_json()),
        Put("config/sections.json", sections_json()),
        Put(key, body),
        Pump(),
    ):
        stack.apply(op)
    reports = published_reports(stack.pipeline.s3, INBOX)
    assert [p[1] for p in reports[key]] == ["file-name"]
    feeds = published_feeds(stack.pipeline.s3, FEEDS)
    assert not any(body["title"].encode() in feed for feed in feeds.values())
