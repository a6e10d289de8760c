"""Only the breaking feed is invalidated at the CDN, and a failed invalidation never fails
a publish."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nashra.adapters.cloudfront import BreakingInvalidator, Notifiers

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
    BreakingInvalidator(client, distribution_id).feeds_changed(
        [
            f"{FEEDS_URL}/gulf/rss.xml",
            f"{FEEDS_URL}/breaking/rss.xml",
            f"{FEEDS_URL}/breaking/atom.xml",
            f"{FEEDS_URL}/all/feed.json",
        ]
    )
    assert _invalidated(client, distribution_id) == [["/breaking/atom.xml", "/breaking/rss.xml"]]


def test_no_breaking_change_no_invalidation(distribution: tuple[Any, str]) -> None:
    client, distribution_id = distribution
    BreakingInvalidator(client, distribution_id).feeds_changed([f"{FEEDS_URL}/gulf/rss.xml"])
    assert _invalidated(client, distribution_id) == []


def test_failed_invalidation_is_not_raised(distribution: tuple[Any, str]) -> None:
    client, _ = distribution
    BreakingInvalidator(client, "EDOESNOTEXIST").feeds_changed([f"{FEEDS_URL}/breaking/rss.xml"])


def test_notifiers_are_called_in_order() -> None:
    calls: list[tuple[str, Sequence[str]]] = []

    class Recorder:
        def __init__(self, name: str) -> None:
            self.name = name

        def feeds_changed(self, urls: Sequence[str]) -> None:
            calls.append((self.name, urls))

    Notifiers(Recorder("websub"), Recorder("cdn")).feeds_changed(["u"])
    assert calls == [("websub", ["u"]), ("cdn", ["u"])]
