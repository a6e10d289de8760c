"""Article JSON for the local-stack tests and the latency benchmark."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta


def article_json(article_id: str, *, minutes_ago: float = 1.0, section: str = "economy") -> bytes:
    """A valid article published `minutes_ago` minutes ago (newest first in every feed)."""
    published = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    article = {
        "id": article_id,
        "section": section,
        "title": f"خبر تجريبي رقم {article_id} عن أسعار الذهب في الأسواق الخليجية",
        "published": published.isoformat(timespec="seconds"),
        "body": "<p>ارتفعت أسعار الذهب في تعاملات اليوم إلى مستوى قياسي جديد.</p>"
        "<p>وقال محللون إن الإقبال على الملاذات الآمنة ما زال قويًا.</p>",
        "authors": ["طارق الحمد"],
        "tags": ["الذهب", "الأسواق"],
    }
    return json.dumps(article, ensure_ascii=False, indent=2).encode("utf-8")


# No title (a schema error), plus an unknown section and a javascript: URL.
BAD_ARTICLE = json.dumps(
    {
        "id": "bad-upload",
        "section": "no-such-section",
        "published": "2026-11-28T10:00:00+03:00",
        "body": "نص",
        "url": "javascript:alert(1)",
    },
    ensure_ascii=False,
).encode("utf-8")
