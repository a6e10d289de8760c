"""CDN side effects after a publish (Notifier).

Feeds are not invalidated: a short `s-maxage` with `stale-while-revalidate` keeps them
fresh for free, and invalidations cost money per path beyond the monthly allowance
(P-CF-3). The breaking feed is the exception docs/design.md allows: when it changes,
its paths are invalidated so that «عاجل» reaches readers at once.
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


class BreakingInvalidator:
    """Invalidates the changed files of the breaking feed, in one request."""

    def __init__(self, client: Any, distribution_id: str) -> None:
        self.client = client
        self.distribution_id = distribution_id

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
        batch = {
            "Paths": {"Quantity": len(paths), "Items": paths},
            "CallerReference": uuid.uuid4().hex,  # each change is a new invalidation
        }
        try:
            with aws_errors():
                self.client.create_invalidation(
                    DistributionId=self.distribution_id, InvalidationBatch=batch
                )
        except NashraError as error:
            # Whatever AWS said, the feed is already written and the CDN catches up within
            # its short s-maxage: a failed invalidation never fails the batch.
            logger.warning("invalidation failed", extra={"paths": paths, "error": str(error)})
            return
        logger.info("breaking feed invalidated", extra={"paths": paths})


class Notifiers:
    """Several notifiers behind the one `Notifier` port, called in order."""

    def __init__(self, *notifiers: Notifier) -> None:
        self.notifiers = notifiers

    def feeds_changed(self, urls: Sequence[str], hub: str | None) -> None:
        for notifier in self.notifiers:
            notifier.feeds_changed(urls, hub)
