"""Scheduled publishing (B-20, D13) over in-memory adapters, on a clock the tests move.

An article dated ahead is accepted as scheduled: indexed, in no feed, with an entry in the
index's schedule; a `due` tick at or after its time publishes it; rescheduling, deleting,
making it a draft and publishing early all move or drop the entry. What matters most: an
incremental history (uploads, deletes and ticks at any times) leaves at time T the files a
full build of the folder at T writes.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nashra.adapters.local import FolderSource, FolderStore, MemoryIndex, MemoryReports
from nashra.builder import build
from nashra.core.dates import SCHEDULE_LIMIT
from nashra.core.intake import parse_article
from nashra.core.keys import SECTIONS_KEY, SITE_KEY
from nashra.core.site import parse_sections, parse_site
from nashra.editor import Report, scheduled_line
from nashra.publish import Outcome, Publisher
from nashra.work import Due, Message, Sweep
from publishing import CONTENT, CountingStore, empty_inbox

T0 = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class Newsroom:
    """An inbox folder, the index, the feeds and reports in memory, and the clock: each
    `run` is one batch of the work queue with a new publisher, as Lambda runs it."""

    def __init__(self, root: Path, store: Any = None) -> None:
        self.inbox = empty_inbox(root)
        self.clock = Clock()
        self.index = MemoryIndex()
        self.store = store if store is not None else CountingStore()
        self.reports = MemoryReports()
        self.run(SITE_KEY, SECTIONS_KEY)

    def run(self, *messages: Message | str) -> list[Outcome]:
        publisher = Publisher(
            source=FolderSource(self.inbox),
            index=self.index,
            store=self.store,
            reports=self.reports,
            clock=self.clock,
            workers=1,
        )
        return publisher.publish(list(messages)).outcomes

    def put(self, name: str, published: datetime | str, **fields: Any) -> str:
        when = published if isinstance(published, str) else published.isoformat()
        data = {
            "section": "economy",
            "title": f"ارتفاع أسعار النفط {name}",
            "body": "نص الخبر.",
            "published": when,
            **fields,
        }
        path = self.inbox / "articles" / f"{name}.json"
        path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
        return f"articles/{name}.json"

    def upload(self, name: str, published: datetime | str, **fields: Any) -> Outcome:
        return self.run(self.put(name, published, **fields))[0]

    def delete(self, name: str) -> Outcome:
        (self.inbox / "articles" / f"{name}.json").unlink()
        return self.run(f"articles/{name}.json")[0]

    def tick(self) -> list[Outcome]:
        """What DueSchedule sends at this minute."""
        return self.run(Due(self.clock.now.strftime("%Y-%m-%dT%H:%M:%SZ")))

    def feed(self, slug: str = "all") -> str:
        return self.store.files.get(f"{slug}/feed.json", b"").decode()

    def report(self, name: str) -> dict[str, Any] | None:
        body = self.reports.read_report(f"articles/{name}.json")
        return None if body is None else dict(json.loads(body))


@pytest.fixture
def room(tmp_path: Path) -> Newsroom:
    return Newsroom(tmp_path)


def statuses(outcomes: list[Outcome]) -> list[tuple[str, str]]:
    return [(o.key, o.status) for o in outcomes]


# -- intake: the boundary and the limit ------------------------------------------------------


def intake(published: datetime | str, **fields: Any) -> Any:
    site = parse_site((CONTENT / "site.json").read_bytes())
    sections = parse_sections((CONTENT / "sections.json").read_bytes())
    when = published if isinstance(published, str) else published.isoformat()
    data = {"section": "gulf", "title": "خبر", "body": "نص.", "published": when, **fields}
    raw = json.dumps(data, ensure_ascii=False).encode()
    return parse_article(raw, key="articles/a.json", site=site, sections=sections, now=T0)


@pytest.mark.parametrize(
    ("ahead", "status"),
    [
        (timedelta(days=-1), "published"),
        (timedelta(0), "published"),  # its time is now: no tolerance either way
        (timedelta(microseconds=1), "scheduled"),
        (timedelta(seconds=1), "scheduled"),
        (timedelta(hours=3), "scheduled"),  # within B-9's old six hours: no longer live
        (SCHEDULE_LIMIT, "scheduled"),
    ],
)
def test_an_article_dated_after_now_is_scheduled_b_20(ahead: timedelta, status: str) -> None:
    result = intake(T0 + ahead)
    assert result.problems == ()
    assert result.article.status == status


def test_further_than_the_limit_is_rejected_in_both_languages_b_20() -> None:
    result = intake(T0 + SCHEDULE_LIMIT + timedelta(seconds=1))
    assert result.article is None
    [problem] = result.problems
    assert (problem.field, problem.rule) == ("published", "future")
    assert "30 days" in problem.message_en and "30 يومًا" in problem.message_ar


def test_a_draft_dated_ahead_stays_a_draft() -> None:
    assert intake(T0 + timedelta(days=2), status="draft").article.status == "draft"


def test_updated_may_follow_a_scheduled_published_by_six_hours_b_9() -> None:
    at = T0 + timedelta(days=10)
    fine = intake(at, updated=(at + timedelta(hours=5)).isoformat(), correction="صُحّح الرقم")
    assert fine.article is not None and fine.article.status == "scheduled"
    late = intake(at, updated=(at + timedelta(hours=7)).isoformat())
    assert [(p.field, p.rule) for p in late.problems] == [("updated", "future")]


def test_a_naive_time_is_read_in_the_sites_zone_before_it_is_compared() -> None:
    """Kuwait is UTC+3: 14:30 there is 11:30 UTC, half an hour before T0 (12:00 UTC)."""
    assert intake("2026-11-29T14:30:00").article.status == "published"
    assert intake("2026-11-29T15:30:00").article.status == "scheduled"


# -- the publisher -----------------------------------------------------------------------------


def test_scheduled_stays_out_of_every_feed_until_a_tick_at_its_time(room: Newsroom) -> None:
    at = T0 + timedelta(minutes=30)
    outcome = room.upload("soon", at, breaking=True)
    assert (outcome.status, outcome.article_id, outcome.feeds) == ("scheduled", "soon", frozenset())
    assert not any(b"soon" in body for body in room.store.files.values())
    assert room.report("soon") == {
        "key": "articles/soon.json",
        "accepted": True,
        "problems": [],
        "scheduled": "2026-11-29T12:30:00Z",
    }
    room.clock.advance(minutes=29, seconds=59)
    assert statuses(room.tick()) == [("(due 2026-11-29T12:29:59Z)", "due")]
    assert "soon" not in room.feed()
    room.clock.advance(seconds=1)
    assert statuses(room.tick())[1:] == [("articles/soon.json", "published")]
    for slug in ("all", "economy", "breaking"):
        assert "soon" in room.feed(slug), slug
    assert room.report("soon") is None  # nothing left to say
    assert room.index.due(room.clock.now + SCHEDULE_LIMIT) == []


def test_a_late_tick_publishes_everything_due_and_nothing_else(room: Newsroom) -> None:
    for name, minutes in (("a", 5), ("b", 10), ("c", 60)):
        room.upload(name, T0 + timedelta(minutes=minutes))
    room.clock.advance(minutes=15)  # ticks lost: the next one catches up
    assert statuses(room.tick())[1:] == [
        ("articles/a.json", "published"),
        ("articles/b.json", "published"),
    ]
    assert [e.key for e in room.index.due(T0 + timedelta(days=1))] == ["articles/c.json"]


def test_rescheduling_moves_the_entry(room: Newsroom) -> None:
    room.upload("moved", T0 + timedelta(minutes=10))
    assert room.upload("moved", T0 + timedelta(minutes=40)).status == "scheduled"
    assert [e.at for e in room.index.due(T0 + timedelta(days=1))] == [T0 + timedelta(minutes=40)]
    assert room.report("moved")["scheduled"] == "2026-11-29T12:40:00Z"  # type: ignore[index]
    room.clock.advance(minutes=10)
    assert statuses(room.tick())[1:] == []
    assert "moved" not in room.feed()
    room.clock.advance(minutes=30)
    assert statuses(room.tick())[1:] == [("articles/moved.json", "published")]
    assert "moved" in room.feed()


def test_deleting_unschedules(room: Newsroom) -> None:
    room.upload("gone", T0 + timedelta(minutes=10))
    before = dict(room.store.files)
    assert room.delete("gone").status == "deleted"
    assert room.index.due(T0 + timedelta(days=1)) == []
    room.clock.advance(minutes=20)
    assert statuses(room.tick())[1:] == []
    assert room.store.files == before  # it never reached a feed, so no feed moved


def test_publishing_early(room: Newsroom) -> None:
    room.upload("early", T0 + timedelta(hours=2))
    outcome = room.upload("early", T0 - timedelta(minutes=1))
    assert (outcome.status, outcome.feeds) == ("published", frozenset({"all", "economy"}))
    assert "early" in room.feed()
    assert room.index.due(T0 + timedelta(days=1)) == []
    assert room.report("early") is None


def test_making_it_a_draft_unschedules(room: Newsroom) -> None:
    room.upload("held", T0 + timedelta(minutes=10))
    assert room.upload("held", T0 + timedelta(minutes=10), status="draft").status == "draft"
    room.clock.advance(minutes=20)
    assert statuses(room.tick())[1:] == []
    assert "held" not in room.feed()


def test_unpublishing_by_dating_it_ahead_takes_it_out_of_its_feeds(room: Newsroom) -> None:
    room.upload("back", T0 - timedelta(hours=1))
    assert "back" in room.feed()
    assert room.upload("back", T0 + timedelta(hours=1)).status == "scheduled"
    assert "back" not in room.feed()


def test_a_scheduled_article_keeps_its_id(room: Newsroom) -> None:
    room.upload("first", T0 + timedelta(minutes=10), id="story")
    other = room.upload("second", T0 - timedelta(minutes=10), id="story")
    assert other.status == "rejected"
    assert [p.rule for p in other.problems] == ["id-taken"]


def test_a_rejected_edit_leaves_the_last_good_version_to_publish_at_its_time(
    room: Newsroom,
) -> None:
    room.upload("edited", T0 + timedelta(minutes=10))
    room.put("edited", T0 + timedelta(minutes=10), section="no-such-section")
    assert room.run("articles/edited.json")[0].status == "rejected"
    room.clock.advance(minutes=10)
    outcomes = statuses(room.tick())
    assert outcomes[1:] == [
        ("articles/edited.json", "rejected"),
        ("articles/edited.json", "published"),
    ]
    assert "edited" in room.feed()
    assert room.index.due(T0 + timedelta(days=1)) == []
    room.clock.advance(minutes=1)
    assert statuses(room.tick())[1:] == []  # not read again every minute


def test_a_sweep_publishes_what_a_lost_tick_left(room: Newsroom) -> None:
    room.upload("swept", T0 + timedelta(minutes=10))
    room.clock.advance(hours=1)
    outcomes = statuses(room.run(Sweep(run="hourly")))
    assert ("articles/swept.json", "published") in outcomes
    assert "swept" in room.feed()


# -- determinism: an incremental history at T is a full build at T ----------------------------

NAMES = ("a", "b", "c")
STEPS = st.lists(
    st.one_of(
        st.tuples(
            st.just("put"),
            st.sampled_from(NAMES),
            st.integers(-30 * 60, 90 * 60),  # seconds from now: past, soon, later
            st.booleans(),  # breaking
            st.sampled_from(("published", "published", "draft")),
        ),
        st.tuples(st.just("delete"), st.sampled_from(NAMES)),
        st.tuples(st.just("wait"), st.integers(1, 45 * 60)),
        st.tuples(st.just("tick")),
    ),
    max_size=10,
)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=STEPS)
def test_an_incremental_history_at_t_gives_what_a_full_build_at_t_gives(
    tmp_path_factory: pytest.TempPathFactory, steps: list[tuple[Any, ...]]
) -> None:
    """Uploads, deletes and ticks at any times (ticks may be missing: a lost tick), then
    the tick of minute T: the feeds are those a clean `nashra build` of the folder at T
    writes, byte for byte."""
    tmp = tmp_path_factory.mktemp("history")
    room = Newsroom(tmp, FolderStore(tmp / "incremental"))
    for step in steps:
        if step[0] == "put":
            _, name, seconds, breaking, status = step
            room.upload(
                name, room.clock.now + timedelta(seconds=seconds), breaking=breaking, status=status
            )
        elif step[0] == "delete" and (room.inbox / "articles" / f"{step[1]}.json").exists():
            room.delete(step[1])
        elif step[0] == "wait":
            room.clock.advance(seconds=step[1])
        elif step[0] == "tick":
            room.tick()
    room.tick()
    build(room.inbox, tmp / "full", jobs=1, now=room.clock.now)
    assert tree(tmp / "incremental") == tree(tmp / "full")


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


# -- what editors read --------------------------------------------------------------------------

GUIDE = (CONTENT / "README.md").read_text("utf-8")


@pytest.mark.parametrize("heading", ["## الجدولة", "## Scheduling"])
def test_the_editors_guide_states_the_limit_and_the_status_line_nashra_prints(
    heading: str,
) -> None:
    start = GUIDE.index(heading)
    part = GUIDE[start : GUIDE.index("\n## ", start + 1)]
    assert f"{SCHEDULE_LIMIT.days} " in part and "`future`" in part
    at = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
    line = scheduled_line(Report("articles/x.json", True, (), at), ZoneInfo("Asia/Kuwait"))
    assert f"`{line}`" in part
    assert f'`"scheduled": "{at.strftime("%Y-%m-%dT%H:%M:%SZ")}"`' in part
