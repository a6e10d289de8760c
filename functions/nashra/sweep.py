"""The sweep: what heals lost events. The inbox is the truth; the index is what nashra has
seen of it (`Index.seen`: the ETag of the bytes it last reconciled, per key).

A sweep walks the inbox one listing page at a time (`SWEEP_CHUNK` keys, one ListObjectsV2
call) and compares each page with the index's seen keys in the same key range, in both
directions:

- a key listed with an ETag the index has not seen: its upload event was lost (or is still
  on its way): reconcile it;
- a key the index has seen but the inbox no longer lists: its delete event was lost:
  reconcile it (it reads as deleted).

Unchanged keys cost nothing beyond the listing: no GET, no render. Each page is one
work-queue message (`nashra.work.Sweep`) carrying where the next one starts, so 100,000
articles never need one long invocation and editors' uploads interleave between chunks.
After a config change the sweep `rederive`s: every key is reconciled, whatever its ETag.

>>> from nashra.adapters.local import MemoryIndex
>>> from nashra.ports import Seen
>>> class Inbox:
...     def list_page(self, prefix, after, limit):
...         return [(k, e) for k, e in [("articles/a.json", "1"), ("articles/b.json", "2")]
...                 if k > after][:limit]
>>> index = MemoryIndex()
>>> for seen in (Seen("articles/a.json", "1"), Seen("articles/c.json", "3")):
...     index.mark_seen(seen)
>>> plan_chunk(Inbox(), index, "", rederive=False, size=1000)
ChunkPlan(keys=('articles/b.json', 'articles/c.json'), healed=2, next_after=None, gone=1)
"""

from __future__ import annotations

from dataclasses import dataclass

from nashra.core.keys import ARTICLES_PREFIX, CONFIG_KEYS, is_meant_as_article
from nashra.ports import ArticleSource, Index, Seen

SWEEP_CHUNK = 1000  # ListObjectsV2's largest page: one list call per chunk


@dataclass(frozen=True)
class ChunkPlan:
    """The keys of one chunk to reconcile, how many of them were out of step with the
    index (events lost: `healed`, of which `gone` were seen by the index but are no longer
    in the inbox, i.e. lost deletes), and where the next chunk starts (None: the last)."""

    keys: tuple[str, ...]
    healed: int
    next_after: str | None
    gone: int = 0


def plan_chunk(
    source: ArticleSource, index: Index, after: str, *, rederive: bool, size: int = SWEEP_CHUNK
) -> ChunkPlan:
    """Compare one page of the inbox, after `after`, with what the index has seen."""
    page = source.list_page(ARTICLES_PREFIX, after, size)
    until = max(k for k, _ in page) if len(page) == size else None
    # Only what the publisher reconciles: an image beside the articles is never marked
    # seen, so comparing it would count it healed on every sweep.
    listed = {k: e for k, e in page if is_meant_as_article(k)}
    seen = {s.key: s.etag for s in index.seen_between(after, until) if is_meant_as_article(s.key)}
    stale = sorted(k for k in listed.keys() | seen.keys() if listed.get(k) != seen.get(k))
    keys = sorted(listed.keys() | seen.keys()) if rederive else stale
    gone = sum(1 for k in stale if k not in listed)
    return ChunkPlan(tuple(keys), len(stale), until, gone)


def stale_config(source: ArticleSource, index: Index) -> list[str]:
    """The config keys whose current ETag the index has not seen (checked once a sweep)."""
    stale = []
    for key in CONFIG_KEYS:
        stored, seen = source.stat(key), index.seen(key)
        if (stored and Seen(key, stored.etag)) != seen:
            stale.append(key)
    return stale
