"""Randomized fault schedules: the inbox is the truth, whatever happens to its events.

A seeded generator writes a schedule of editors' work on a small site (six article files,
two feeds' worth of live items so every feed has an archive page): uploads, re-uploads of
the same bytes, edits, section moves, deletes, invalid files later fixed, one file claiming
another's id, config changes (sections.json, site.json, an invalid site.json later fixed),
scheduled articles with the clock moved on and due ticks. Each change's S3 event meets a
fate: delivered, lost, duplicated, held back past later events, or dead-lettered (then
redriven or not); the events delivered together go in shuffled order, in batches of a random
size, so a full batch defers its feeds. The schedule ends with the fixes that make the
inbox one a full build can agree with (no rejected file that had a good version, which the
pipeline keeps live by design; no two files claiming one id, which the pipeline gives to
the first published and a build to the first in path order: docs/design.md); then the
hourly sweep runs, every chunk it queues is drained, and the oracle holds: feeds and
reports byte for byte a full `nashra build` of the inbox at the publisher's clock, and the
index has seen exactly the inbox's ETags.

The harness (the fates, the FIFO fake as the work queue, the oracle) is tests/schedules.py.

`NASHRA_SCHEDULES=N` runs N more seeds (from `NASHRA_SCHEDULE_SEED`, default 1000) when
hunting; a failure prints the schedule, which a regression test can replay with `run`.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Sequence
from datetime import timedelta
from functools import partial
from typing import Any

import pytest

from nashra.core.keys import ARTICLES_PREFIX
from schedules import (
    CONTENT,
    FATE_WEIGHTS,
    FATES,
    T0,
    Delete,
    Ending,
    Op,
    Pump,
    Put,
    Stack,
    Tick,
    run,
    run_seed,
    stack_fixture,  # noqa: F401 (the `stack` fixture)
)

STEMS = ("a", "b", "c", "d", "e", "f")
SECTIONS = ("gulf", "politics", "economy", "sports")
DROPPABLE = ("economy", "sports")  # sections.json may lose one of these for a while


def key_of(stem: str) -> str:
    return f"articles/{stem}.json"


def stem_of(key: str) -> str:
    return key.removeprefix("articles/").removesuffix(".json")


# -- a schedule ---------------------------------------------------------------------------


def site_json(**changes: Any) -> dict[str, Any]:
    site: dict[str, Any] = json.loads((CONTENT / "site.json").read_text(encoding="utf-8"))
    site.update({"items_per_feed": 2, **changes})
    return site


def sections_json(drop: str = "") -> list[dict[str, str]]:
    every: list[dict[str, str]] = json.loads((CONTENT / "sections.json").read_bytes())
    return [s for s in every if s["slug"] in SECTIONS and s["slug"] != drop]


def article(stem: str, *, version: int = 0, **fields: Any) -> dict[str, Any]:
    """Article `stem` (its id by default) in `version`: a title of its own, and a date that
    puts it at its own place in every feed."""
    body: dict[str, Any] = {
        "id": stem,
        "section": "gulf",
        "title": f"وزير الدفاع يلتقي نظيره الكويتي {stem} {version}",
        "published": f"2026-11-{10 + STEMS.index(stem) if stem in STEMS else 9:02d}T10:30:00+03:00",
        "body": f"<p>في خطوة تعكس عمق العلاقات بين البلدين، النسخة {version}.</p>",
    }
    body.update(fields)
    return body


# Fewer events delivered, and no config change (whose re-deriving sweep heals most losses
# on its own): schedules that only the ending's sweep can settle.
LOSSY_WEIGHTS = (30, 30, 10, 15, 15)


def generate(
    rng: random.Random,
    length: int,
    *,
    weights: Sequence[int] = FATE_WEIGHTS,
    config_changes: bool = True,
) -> tuple[list[Op], Ending]:
    """A schedule of `length` steps, then the fixes every ending needs (`closing`)."""
    ops: list[Op] = [
        Put("config/site.json", site_json(), "deliver"),
        Put("config/sections.json", sections_json(), "deliver"),
        Pump(),
    ]
    minutes = 0  # the clock, in minutes after T0

    def fate() -> str:
        return rng.choices(FATES, weights)[0]

    current: dict[str, Any] = {}
    for n in range(length):
        roll = rng.random()
        stem = rng.choice(STEMS)
        key = key_of(stem)
        if roll < 0.35:  # an upload or an edit: new text, maybe another section or a flag
            current[key] = article(stem, version=n, **edit(rng, minutes))
            ops.append(Put(key, current[key], fate()))
        elif roll < 0.42 and key in current:  # the same bytes again
            ops.append(Put(key, current[key], fate()))
        elif roll < 0.50:  # invalid: no section, or not JSON at all
            current[key] = rng.choice([{"id": stem, "title": "ناقص"}, '{"id": "' + stem])
            ops.append(Put(key, current[key], fate()))
        elif roll < 0.57:  # claims another file's id
            other = rng.choice([s for s in STEMS if s != stem])
            current[key] = article(stem, version=n, id=other)
            ops.append(Put(key, current[key], fate()))
        elif roll < 0.66:
            current.pop(key, None)
            ops.append(Delete(key, fate()))
        elif roll < 0.76 and config_changes:
            ops.append(config_change(rng, n, fate()))
        elif roll < 0.84:
            step = rng.randint(1, 40)
            minutes += step
            ops.append(Tick(step, rng.choice(("deliver", "deliver", "lose"))))
        else:
            ops.append(Pump(rng.randint(1, 10), rng.random() < 0.5))
    ending = Ending(
        chunk=rng.choice((1, 3, 1000)), redrive=rng.choice(("before", "after", "never"))
    )
    return ops + closing(ops, fate), ending


def edit(rng: random.Random, minutes: int) -> dict[str, Any]:
    """An article's fields in a new version: its section, maybe breaking, scheduled for
    later today (`minutes` after T0 is now), or a draft."""
    fields: dict[str, Any] = {"section": rng.choice(SECTIONS)}
    if rng.random() < 0.2:
        fields["breaking"] = True
    if rng.random() < 0.15:
        at = T0 + timedelta(minutes=minutes + rng.randint(1, 60))
        fields["published"] = at.isoformat()
    if rng.random() < 0.05:
        fields["status"] = "draft"
    return fields


def config_change(rng: random.Random, n: int, fate: str) -> Put:
    """sections.json without one section (or with all again), or another site.json:
    live items, title, zone, or an invalid one."""
    if rng.random() < 0.5:
        drop = rng.choice(("", *DROPPABLE))
        return Put("config/sections.json", sections_json(drop), fate)
    site = rng.choice(
        [
            site_json(items_per_feed=rng.choice((2, 3))),
            site_json(title=f"نشرة {n}"),
            site_json(timezone="UTC"),
            site_json(items_per_feed="كثير"),  # invalid until fixed
        ]
    )
    return Put("config/site.json", site, fate)


def closing(ops: Sequence[Op], fate: Any = lambda: "deliver") -> list[Op]:
    """The fixes that leave an inbox a full build agrees with: a valid config, every
    article file valid under it, no two files claiming one id."""
    files: dict[str, Any] = {}
    for op in ops:
        if isinstance(op, Put):
            files[op.key] = op.body
        elif isinstance(op, Delete):
            files.pop(op.key, None)
    fixes: list[Op] = []
    site = files.get("config/site.json")
    if not (isinstance(site, dict) and isinstance(site.get("items_per_feed"), int)):
        fixes.append(Put("config/site.json", site_json(), fate()))
    sections = files.get("config/sections.json")
    if not isinstance(sections, list):
        sections = sections_json()
        fixes.append(Put("config/sections.json", sections, fate()))
    listed = {s["slug"] for s in sections}
    articles = {k: v for k, v in files.items() if k.startswith(ARTICLES_PREFIX)}
    for key, body in sorted(articles.items()):
        if not (isinstance(body, dict) and body.get("section") in listed):
            articles[key] = article(stem_of(key), version=99)
            fixes.append(Put(key, articles[key], fate()))
    while clashing := clashes(articles):
        articles[clashing] = article(stem_of(clashing), version=98)
        fixes.append(Put(clashing, articles[clashing], fate()))
    return fixes


def clashes(articles: dict[str, dict[str, Any]]) -> str | None:
    """A file that claims an id another file claims too, and is not named after it."""
    claims: dict[str, list[str]] = {}
    for key, body in sorted(articles.items()):
        claims.setdefault(body["id"], []).append(key)
    for article_id, keys in sorted(claims.items()):
        if len(keys) > 1:
            keep = key_of(article_id) if key_of(article_id) in keys else keys[0]
            return next(k for k in keys if k != keep)
    return None


CI_SEEDS = list(range(12))  # about 1.3 s each
HUNT = int(os.environ.get("NASHRA_SCHEDULES", "0"))
HUNT_FROM = int(os.environ.get("NASHRA_SCHEDULE_SEED", "1000"))


@pytest.mark.parametrize("seed", [*CI_SEEDS, *range(HUNT_FROM, HUNT_FROM + HUNT)])
def test_a_random_fault_schedule_converges(
    stack: Stack, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever happens to the events of a random schedule of edits, config changes and
    clock ticks, the settled pipeline publishes what a full build of the inbox does."""
    run_seed(stack, seed, lambda rng: generate(rng, length=14), monkeypatch)


LOSSY_SEEDS = list(range(100, 106))


@pytest.mark.parametrize("seed", LOSSY_SEEDS)
def test_a_lossy_schedule_converges_through_the_sweep(
    stack: Stack, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Schedules of article edits alone with a third of their events lost and more
    dead-lettered or held back: no config change re-derives what was lost, so the ending's
    sweep is what settles them (without it, most of these seeds end diverged)."""
    lossy = partial(generate, length=14, weights=LOSSY_WEIGHTS, config_changes=False)
    run_seed(stack, seed, lossy, monkeypatch)


# -- regressions found by the schedules ------------------------------------------------------


@pytest.mark.parametrize(
    "meanwhile",
    [site_json(items_per_feed="كثير"), site_json(timezone="UTC")],
    ids=["invalid", "other-zone"],
)
def test_a_config_restored_after_a_lost_change_derives_again(
    stack: Stack, monkeypatch: pytest.MonkeyPatch, meanwhile: dict[str, Any]
) -> None:
    """site.json is changed and that event is lost; an upload is validated under the
    inbox's site.json as it then is (rejected as config-unavailable, or its naive date read
    in the other zone); the editor restores the earlier bytes, whose event and every sweep
    found the ETag the index had seen. The article must be derived again under the
    restored config, or it stays rejected (or misdated) for good (found by the schedules).
    The work queue is the SQS FIFO fake, as for every schedule here: the re-deriving
    sweep is one of nashra's own messages, which SQS deduplicates for five minutes."""
    ops: list[Op] = [
        Put("config/site.json", site_json()),
        Put("config/sections.json", sections_json()),
        Pump(),
        Put("config/site.json", meanwhile, "lose"),
        Put("articles/e.json", article("e", published="2026-11-14T10:30:00")),
        Pump(),
        Put("config/site.json", site_json()),
    ]
    run(stack, ops, Ending(chunk=1000, redrive="never"), monkeypatch)


@pytest.mark.parametrize("ending", [Ending(chunk=1000, redrive="after"), Ending(1000, "never")])
def test_a_config_report_goes_once_the_config_reads_clean_again(
    stack: Stack, monkeypatch: pytest.MonkeyPatch, ending: Ending
) -> None:
    """site.json is broken and its event dead-lettered; sections.json then changes and is
    reconciled under the broken site.json, so its report names site.json's field; the
    editor puts back site.json's earlier bytes, which the index had seen, so no config
    event changes anything. The report on sections.json must go once the config reads
    clean (here with the next upload), as a full build has none (found by the schedules,
    seed 5229). SQS FIFO fake, as for every schedule here."""
    ops: list[Op] = [
        Put("config/site.json", site_json()),
        Put("config/sections.json", sections_json()),
        Pump(),
        Put("config/site.json", site_json(items_per_feed="كثير"), "dead-letter"),
        Put("config/sections.json", sections_json(drop="economy")),
        Pump(),
        Put("config/site.json", site_json()),
        Put("articles/e.json", article("e")),
        Pump(),
    ]
    run(stack, ops, ending, monkeypatch)
