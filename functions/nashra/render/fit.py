"""The byte cap: every item that fits stays in the feed; one large article never empties it.

Readers and hubs refuse oversized feeds, so no document may exceed `site.max_feed_bytes`.
Items are placed newest first, the same way in RSS, Atom and JSON Feed: whole when they
fit in what is left of the cap in every format; else as their summary and link (the
reader follows the link for the full text); else not at all. Every other item that fits
is kept, older ones included, and each shortened or left-out item is named in a note.

Cost is linear in the feed's size: each item is measured once per form, by rendering it
alone (its bytes do not depend on its neighbours), never by re-rendering the document. What
joins two items (JSON Feed's comma; nothing in RSS and Atom) is measured once per format,
from the first item written twice, and counted for every item after the first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from nashra.render.model import Channel, Entry

Write = Callable[[Channel, Sequence[Entry]], bytes]
Form = Literal["full", "summary", "left-out", "failed"]


@dataclass(frozen=True)
class Placed:
    """What the cap made of one item: its entry in the chosen form, or None if left out."""

    entry: Entry | None
    form: Form


def summary_form(entry: Entry) -> Entry:
    """The item as its summary and link only: no full content (`Entry.content_html` empty)."""
    return replace(entry, content_html="")


@dataclass
class Budget:
    """What is left of the cap in each format, once the channel is written."""

    empty: tuple[int, ...]  # bytes of each format's document with no item
    left: list[int]
    joins: tuple[int, ...] | None = None  # bytes between two items, per format (measured)
    taken: int = 0  # items placed so far

    @classmethod
    def of(cls, cap: int, channel: Channel, writes: Sequence[Write]) -> Budget:
        empty = tuple(len(w(channel, [])) for w in writes)
        return cls(empty, [cap - size for size in empty])

    def sizes(self, channel: Channel, entry: Entry, writes: Sequence[Write]) -> tuple[int, ...]:
        """Bytes the item adds to each format's document: rendered alone, minus no item,
        plus what joins it to the item before (none for the first)."""
        alone = [len(w(channel, [entry])) - e for w, e in zip(writes, self.empty, strict=True)]
        if self.joins is None:  # an item written twice is twice the item and one join
            pairs = zip(writes, self.empty, strict=True)
            twice = [len(w(channel, [entry, entry])) - e for w, e in pairs]
            self.joins = tuple(t - 2 * a for t, a in zip(twice, alone, strict=True))
        joined = self.joins if self.taken else (0,) * len(alone)
        return tuple(a + j for a, j in zip(alone, joined, strict=True))

    def take(self, sizes: tuple[int, ...]) -> bool:
        """Reserve `sizes` if they fit in every format; False (and nothing taken) if not."""
        if any(size > left for size, left in zip(sizes, self.left, strict=True)):
            return False
        self.left = [left - size for size, left in zip(sizes, self.left, strict=True)]
        self.taken += 1
        return True


def place(entry: Entry, channel: Channel, writes: Sequence[Write], budget: Budget) -> Placed:
    """One item, in the largest form that still fits. Raises what rendering it raises."""
    if budget.take(budget.sizes(channel, entry, writes)):
        return Placed(entry, "full")
    short = summary_form(entry)
    if budget.take(budget.sizes(channel, short, writes)):
        return Placed(short, "summary")
    return Placed(None, "left-out")
