"""A valid gulf-section article, as the integration tests upload it (pipeline, faults)."""

from __future__ import annotations

from typing import Any


def article_json(article_id: str, **fields: Any) -> dict[str, Any]:
    """The article `article_id`, with `fields` changed."""
    body: dict[str, Any] = {
        "id": article_id,
        "section": "gulf",
        "title": f"وزير الدفاع يلتقي نظيره الكويتي {article_id}",
        "published": "2026-11-20T10:30:00+03:00",
        "body": "<p>في خطوة تعكس عمق العلاقات الاستراتيجية بين البلدين، التقى الوزيران.</p>",
        "authors": ["فهد العنزي"],
        "tags": ["الكويت"],
    }
    body.update(fields)
    return body
