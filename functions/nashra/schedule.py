"""Scheduled publishing: the index's schedule follows the articles it holds (B-20, D13).

An article whose `published` is still ahead is accepted as scheduled (`core.intake`): it is
indexed under its id, in no feed (`core.site.feeds_for`), and the index's schedule holds
one entry for it: its inbox key, id and time (`ports.Scheduled`). The entries are derived
from the index's own changes, in the same commit (`schedule_changes`), so they never
drift from the articles: saving a scheduled article adds its entry; saving over it
(rescheduled, published early, made a draft) or removing it (the file deleted) drops it.

When an entry is due, a `Due` message (every minute from the Scheduler, from `nashra dev`'s
timer, and with every sweep) has the publisher reconcile its key again, forced: the inbox is
the truth, so a file deleted or changed meanwhile is read as it is now, and intake, seeing
the time has come, accepts the article as published; it enters its feeds and its entry
goes. If the file was replaced by one that is rejected, its last good version is the one
that stays, as for any rejected upload: that version is published at its time
(`published_now`).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from nashra.ports import Change, Remove, Save, Schedule, Scheduled, Unschedule

if TYPE_CHECKING:
    from nashra.core.article import Article


def entry_of(article: Article) -> Scheduled | None:
    """The schedule's entry for `article`, None unless it is scheduled."""
    if article.status != "scheduled":
        return None
    return Scheduled(article.key, article.id, article.published)


def schedule_changes(change: Change) -> list[Change]:
    """What `change` does to the schedule, to be committed with it.

    >>> from datetime import UTC, datetime
    >>> from nashra.core.article import Article
    >>> from nashra.ports import Indexed
    >>> at = datetime(2026, 12, 1, 6, tzinfo=UTC)
    >>> story = Article(id="a", key="articles/a.json", section="gulf", title="t",
    ...                 summary="s", body_html="<p>b</p>", url="https://e.example/a",
    ...                 published=at, status="scheduled")
    >>> schedule_changes(Save(story, frozenset(), None))
    [Schedule(entry=Scheduled(key='articles/a.json', article_id='a', at=datetime.datetime(2026, 12, 1, 6, 0, tzinfo=datetime.timezone.utc)))]
    >>> live = story.model_copy(update={"status": "published"})
    >>> [type(c).__name__ for c in schedule_changes(Save(live, frozenset({"all"}),
    ...                                                  Indexed(story, frozenset())))]
    ['Unschedule']
    >>> schedule_changes(Remove(Indexed(live, frozenset({"all"}))))
    []
    """  # noqa: E501
    if isinstance(change, Save):
        old = None if change.previous is None else entry_of(change.previous.article)
        new = entry_of(change.article)
        found: list[Change] = []
        if old is not None and old != new:
            found.append(Unschedule(old))
        if new is not None:
            found.append(Schedule(new))
        return found
    if isinstance(change, Remove):
        old = entry_of(change.indexed.article)
        return [] if old is None else [Unschedule(old)]
    return []


def is_due(article: Article, now: datetime) -> bool:
    """Whether a scheduled article's time has come: what intake decides at `now`."""
    return article.status == "scheduled" and article.published <= now


def published_now(article: Article) -> Article:
    """A scheduled article whose time has come, as intake accepts it then (only its status
    depends on the time)."""
    return article.model_copy(update={"status": "published"})
