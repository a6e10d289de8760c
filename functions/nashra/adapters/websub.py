"""WebSub publish pings (Notifier): tell the site's hub which feeds changed.

A ping is a courtesy: hubs also poll, so a failed ping is logged and never fails a batch.
The hub comes from config/site.json, which the publisher reads per batch and passes with
every call. No hub, or a hub that is not an http(s) URL, means no ping:

>>> WebSubNotifier().feeds_changed(["https://feeds.example/gulf/atom.xml"], None)
"""

from __future__ import annotations

import logging
import urllib.parse
import urllib.request
from collections.abc import Sequence

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 5.0


class WebSubNotifier:
    """POSTs `hub.mode=publish` with one `hub.url` per changed feed, in one request."""

    def __init__(self, timeout: float = TIMEOUT_SECONDS) -> None:
        self.timeout = timeout

    def pages_rewritten(self, urls: Sequence[str]) -> None:
        """Nothing: a hub's subscribers follow feeds, not archive pages (RFC 5005 pages are
        fetched by following `prev-archive`)."""

    def feeds_changed(self, urls: Sequence[str], hub: str | None) -> None:
        if not urls or not hub or not hub.startswith(("https://", "http://")):
            return
        form = [("hub.mode", "publish"), *(("hub.url", url) for url in urls)]
        request = urllib.request.Request(
            hub,
            data=urllib.parse.urlencode(form).encode("ascii"),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                status = response.status
        except (OSError, ValueError) as error:  # URLError, HTTPError, timeouts
            logger.warning("websub ping failed", extra={"hub": hub, "error": str(error)})
            return
        logger.info("websub ping sent", extra={"hub": hub, "status": status, "feeds": len(urls)})
