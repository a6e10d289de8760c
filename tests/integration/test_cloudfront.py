"""Only the breaking feed is invalidated at the CDN, and a failed invalidation never fails
a publish."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError

from nashra.adapters.cloudfront import EdgeInvalidator

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
    EdgeInvalidator(client, "EDOESNOTEXIST").feeds_changed(
        [f"{FEEDS_URL}/breaking/rss.xml"], None
    )
    assert "invalidation failed" in caplog.text


def test_unreachable_cdn_is_logged_not_raised(
    distribution: tuple[Any, str], caplog: pytest.LogCaptureFixture
) -> None:
    client, distribution_id = distribution

    def unreachable(**_: Any) -> None:
        raise EndpointConnectionError(endpoint_url="https://cloudfront.amazonaws.com")

    client.meta.events.register_first("before-send.cloudfront", unreachable)
    EdgeInvalidator(client, distribution_id).feeds_changed(
        [f"{FEEDS_URL}/breaking/rss.xml"], None
    )
    assert "invalidation failed" in caplog.text
