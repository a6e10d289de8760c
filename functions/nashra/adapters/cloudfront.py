"""CDN side effects after a publish (Notifier).

Feeds are not invalidated: a short `s-maxage` with `stale-while-revalidate` keeps them
fresh for free, and invalidations cost money per path beyond the monthly allowance
(P-CF-3). Two exceptions: the breaking feed, whose paths are invalidated when it changes
so that «عاجل» reaches readers at once (docs/design.md); and a sealed archive page written
again without a retracted article (D12), which the CDN would otherwise serve for the week
its `immutable` Cache-Control allows.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from nashra.adapters.errors import aws_errors
from nashra.core.problems import NashraError
from nashra.ports import Notifier

logger = logging.getLogger(__name__)

# Rewritten archive pages are invalidated by name up to this many paths (ten pages), then by
# wildcard; CloudFront allows 15 wildcard paths in progress per distribution.
NAMED_PATHS = 60
WILDCARDS = 15


class EdgeInvalidator:
    """Invalidates the changed files of the breaking feed, and the rewritten sealed pages,
    one request each time."""

    def __init__(self, client: Any, distribution_id: str) -> None:
        self.client = client
        self.distribution_id = distribution_id

    def pages_rewritten(self, urls: Sequence[str]) -> None:
        """Each file with its .br and .gz variants (D10), by name, in one request; past
        `NAMED_PATHS` (a story edited in many pages, a site change that re-derived every
        story), each feed's archive by one wildcard, or, past CloudFront's 15 wildcards in
        progress, the whole distribution: a wildcard is billed as one path. A failure is
        raised: a retracted story must not stay at the edge for a week."""
        from nashra.adapters.variants import CODINGS

        pages = sorted({urlsplit(u).path for u in urls})
        paths = [f"{p}{suffix}" for p in pages for suffix in ("", *CODINGS.values())]
        if len(paths) > NAMED_PATHS:
            paths = sorted({f"{p[: p.rindex('/archive/')]}/archive/*" for p in pages})
        if len(paths) > WILDCARDS:
            paths = ["/*"]
        if paths:
            with aws_errors():
                self.client.create_invalidation(
                    DistributionId=self.distribution_id, InvalidationBatch=_batch(paths)
                )
            logger.info("rewritten archive pages invalidated", extra={"paths": paths})

    def feeds_changed(self, urls: Sequence[str], hub: str | None) -> None:
        # `rss.xml*` also reaches the .br and .gz variants cached under their own URIs (D10);
        # CloudFront bills a path ending in `*` as one path. (`core.site` is loaded by the
        # render that changed the feeds: not imported with the adapter, D15.)
        from nashra.core.site import BREAKING_FEED

        paths = sorted(
            {
                f"{p}*"
                for p in (urlsplit(u).path for u in urls)
                if p.startswith(f"/{BREAKING_FEED}/")
            }
        )
        if not paths:
            return
        try:
            with aws_errors():
                self.client.create_invalidation(
                    DistributionId=self.distribution_id, InvalidationBatch=_batch(paths)
                )
        except NashraError as error:
            # Whatever AWS said, the feed is already written and the CDN catches up within
            # its short s-maxage: a failed invalidation never fails the batch.
            logger.warning("invalidation failed", extra={"paths": paths, "error": str(error)})
            return
        logger.info("breaking feed invalidated", extra={"paths": paths})


def _batch(paths: list[str]) -> dict[str, Any]:
    return {
        "Paths": {"Quantity": len(paths), "Items": paths},
        "CallerReference": uuid.uuid4().hex,  # each change is a new invalidation
    }


class Notifiers:
    """Several notifiers behind the one `Notifier` port, called in order."""

    def __init__(self, *notifiers: Notifier) -> None:
        self.notifiers = notifiers

    def feeds_changed(self, urls: Sequence[str], hub: str | None) -> None:
        for notifier in self.notifiers:
            notifier.feeds_changed(urls, hub)

    def pages_rewritten(self, urls: Sequence[str]) -> None:
        for notifier in self.notifiers:
            notifier.pages_rewritten(urls)
