"""The CDN invalidations: the breaking feed's, whose failure never fails a publish, and a
rewritten sealed archive page's, whose failure does."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError

from nashra.adapters.cloudfront import EdgeInvalidator
from nashra.core.problems import TransientError

FEEDS_URL = "https://feeds.nashra.example"


def _invalidated(client: Any, distribution_id: str) -> list[list[str]]:
    listed = client.list_invalidations(DistributionId=distribution_id)["InvalidationList"]
    paths = []
    for item in listed.get("Items", []):
        batch = client.get_invalidation(DistributionId=distribution_id, Id=item["Id"])
        paths.append(batch["Invalidation"]["InvalidationBatch"]["Paths"]["Items"])
    return paths


def test_breaking_paths_only_in_one_request(distribution: tuple[Any, str]) -> None:
    client, distribution_id = distribution
    EdgeInvalidator(client, distribution_id).feeds_changed(
        [
            f"{FEEDS_URL}/gulf/rss.xml",
            f"{FEEDS_URL}/breaking/rss.xml",
            f"{FEEDS_URL}/breaking/atom.xml",
            f"{FEEDS_URL}/all/feed.json",
        ],
        None,
    )
    assert _invalidated(client, distribution_id) == [["/breaking/atom.xml*", "/breaking/rss.xml*"]]


def test_no_breaking_change_no_invalidation(distribution: tuple[Any, str]) -> None:
    client, distribution_id = distribution
    EdgeInvalidator(client, distribution_id).feeds_changed([f"{FEEDS_URL}/gulf/rss.xml"], None)
    assert _invalidated(client, distribution_id) == []


def test_failed_invalidation_is_logged_not_raised(
    distribution: tuple[Any, str], caplog: pytest.LogCaptureFixture
) -> None:
    """The feed is written already: a failed invalidation must not fail the batch."""
    client, _ = distribution
    EdgeInvalidator(client, "EDOESNOTEXIST").feeds_changed([f"{FEEDS_URL}/breaking/rss.xml"], None)
    assert "invalidation failed" in caplog.text


def test_unreachable_cdn_is_logged_not_raised(
    distribution: tuple[Any, str], caplog: pytest.LogCaptureFixture
) -> None:
    client, distribution_id = distribution

    def unreachable(**_: Any) -> None:
        raise EndpointConnectionError(endpoint_url="https://cloudfront.amazonaws.com")

    client.meta.events.register_first("before-send.cloudfront", unreachable)
    EdgeInvalidator(client, distribution_id).feeds_changed([f"{FEEDS_URL}/breaking/rss.xml"], None)
    assert "invalidation failed" in caplog.text


def test_a_rewritten_archive_page_is_invalidated_by_name(distribution: tuple[Any, str]) -> None:
    """A sealed page written again after a retraction: each file and its .br and .gz
    variants by name, in one request (wildcards are limited to 15 in progress)."""
    client, distribution_id = distribution
    EdgeInvalidator(client, distribution_id).pages_rewritten(
        [f"{FEEDS_URL}/gulf/archive/3/atom.xml", f"{FEEDS_URL}/gulf/archive/3/rss.xml"]
    )
    assert _invalidated(client, distribution_id) == [
        [
            "/gulf/archive/3/atom.xml",
            "/gulf/archive/3/atom.xml.br",
            "/gulf/archive/3/atom.xml.gz",
            "/gulf/archive/3/rss.xml",
            "/gulf/archive/3/rss.xml.br",
            "/gulf/archive/3/rss.xml.gz",
        ]
    ]


def test_a_failed_page_invalidation_is_raised(distribution: tuple[Any, str]) -> None:
    """Unlike the breaking feed's, it is not caught up by a short s-maxage: the feed fails,
    and the page is not recorded as rewritten, so the next render asks again."""
    client, distribution_id = distribution

    def unreachable(**_: Any) -> None:
        raise EndpointConnectionError(endpoint_url="https://cloudfront.amazonaws.com")

    client.meta.events.register_first("before-send.cloudfront", unreachable)
    with pytest.raises(TransientError):
        EdgeInvalidator(client, distribution_id).pages_rewritten(
            [f"{FEEDS_URL}/gulf/archive/3/atom.xml"]
        )


@pytest.mark.parametrize(
    ("pages", "expected"),
    [
        # Eleven pages of one feed, two of another: past 60 named paths, a wildcard a feed.
        (
            [f"gulf/archive/{n}" for n in range(1, 12)] + ["all/archive/1", "all/archive/9"],
            ["/all/archive/*", "/gulf/archive/*"],
        ),
        # Sixteen feeds: past CloudFront's 15 wildcards in progress, the whole distribution.
        ([f"s{n}/archive/{m}" for n in range(16) for m in (1, 2)], ["/*"]),
    ],
)
def test_many_rewritten_pages_are_invalidated_by_wildcard(
    distribution: tuple[Any, str], pages: list[str], expected: list[str]
) -> None:
    """A site change that derived every story again rewrites every sealed page: billed as
    a few wildcard paths, not six paths a page."""
    client, distribution_id = distribution
    urls = [f"{FEEDS_URL}/{page}/{name}" for page in pages for name in ("rss.xml", "atom.xml")]
    EdgeInvalidator(client, distribution_id).pages_rewritten(urls)
    assert _invalidated(client, distribution_id) == [expected]
