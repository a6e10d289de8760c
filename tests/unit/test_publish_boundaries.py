"""One file never stops publishing: the publisher's failure boundaries.

Each test puts one hostile file in a batch with a good article and checks that the good
article is published, the hostile one gets a report naming a field and a rule, and only
transient failures (throttling, timeouts, connections) escape to be retried.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from nashra.adapters.local import FolderSource, MemoryIndex, MemoryReports
from nashra.core.keys import CONFIG_KEYS, report_key
from nashra.core.problems import StorageRejectedError, TransientError
from nashra.publish import Publisher
from publishing import CountingStore, empty_inbox

NOW = datetime(2026, 11, 29, 12, tzinfo=UTC)
CONTENT = Path(__file__).resolve().parents[2] / "content"


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    return empty_inbox(tmp_path)


def publisher_for(
    inbox: Path, index: MemoryIndex | None = None
) -> tuple[Publisher, CountingStore, Any]:
    store, reports = CountingStore(), MemoryReports()
    publisher = Publisher(
        source=FolderSource(inbox),
        index=index or MemoryIndex(),
        store=store,
        reports=reports,
        clock=lambda: NOW,
    )
    publisher.publish(list(CONFIG_KEYS))
    return publisher, store, reports


def write(inbox: Path, name: str, data: bytes | dict[str, Any]) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data, ensure_ascii=False).encode()
    (inbox / "articles" / name).write_bytes(raw)
    return f"articles/{name}"


def good(article_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": article_id,
        "section": "economy",
        "title": "ارتفاع أسعار النفط",
        "body": "نص الخبر.",
        "published": "2026-11-20T08:15:00+03:00",
        **fields,
    }


def in_feed(store: CountingStore, article_id: str, feed: str = "all") -> bool:
    return all(
        f":{article_id}<".encode() in store.files.get(f"{feed}/{name}", b"")
        or f':{article_id}"'.encode() in store.files.get(f"{feed}/{name}", b"")
        for name in ("rss.xml", "atom.xml", "feed.json")
    )


def report(reports: MemoryReports, key: str) -> dict[str, Any]:
    body = reports.read_report(key)
    assert body is not None, f"no report for {key}"
    data: dict[str, Any] = json.loads(body.decode("utf-8"))  # always valid UTF-8
    return data


def test_a_lone_surrogate_key_is_reported_and_the_good_article_publishes(inbox: Path) -> None:
    """Finding 2: the report used to fail to encode, and the batch with it."""
    publisher, store, reports = publisher_for(inbox)
    hostile = write(inbox, "s.json", b'{"\\ud800": 1, ' + json.dumps(good("s"))[1:].encode())
    published = publisher.publish([hostile, write(inbox, "ok.json", good("ok"))])
    assert [o.status for o in published.outcomes] == ["published", "published"]
    assert "\ufffd" in report(reports, hostile)["problems"][0]["field"]
    assert in_feed(store, "ok") and in_feed(store, "s")


def test_an_id_owner_turned_into_deep_json_is_no_crash_for_the_claimer(inbox: Path) -> None:
    """Finding 3: the id-clash check read the owner's 100,000 nested arrays and raised
    RecursionError, which the handler retried into the DLQ with a good article. The owner
    keeps its id while its file is broken (its last good version stays published), so the
    claimer is told `id-taken`, and the good article in the batch publishes."""
    publisher, store, reports = publisher_for(inbox)
    owner = write(inbox, "a.json", good("x"))
    publisher.publish([owner])
    write(inbox, "a.json", b"[" * 100_000 + b"]" * 100_000)
    assert publisher.publish([owner]).outcomes[0].status == "rejected"
    claimer, other = write(inbox, "b.json", good("x", title="ب")), write(inbox, "c.json", good("c"))
    outcomes = publisher.publish([claimer, other]).outcomes
    assert [(o.key, o.status) for o in outcomes] == [(claimer, "rejected"), (other, "published")]
    assert [p["rule"] for p in report(reports, claimer)["problems"]] == ["id-taken"]
    assert [p["rule"] for p in report(reports, owner)["problems"]] == ["json-depth"]
    assert in_feed(store, "x") and in_feed(store, "c")


def test_a_validator_bug_is_a_report_on_that_file_only(
    inbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nashra import publish

    real = publish.parse_article

    def buggy(raw: bytes, **kwargs: Any) -> Any:
        if kwargs["key"].endswith("bug.json"):
            raise OverflowError("date value out of range")
        return real(raw, **kwargs)

    monkeypatch.setattr(publish, "parse_article", buggy)
    publisher, store, reports = publisher_for(inbox)
    bug, ok = write(inbox, "bug.json", good("bug")), write(inbox, "ok.json", good("ok"))
    assert [o.status for o in publisher.publish([bug, ok]).outcomes] == ["rejected", "published"]
    [problem] = report(reports, bug)["problems"]
    assert problem["rule"] == "internal" and "OverflowError" in problem["message_en"]
    assert in_feed(store, "ok")


def test_storage_refusing_a_file_is_a_report_not_a_retry(inbox: Path) -> None:
    class RefusingIndex(MemoryIndex):
        def save(self, article: Any, feeds: Any, previous: Any) -> None:
            if article.id == "refused":
                raise StorageRejectedError(())  # no problems of its own: still a report
            super().save(article, feeds, previous)

    publisher, store, reports = publisher_for(inbox, RefusingIndex())
    refused, ok = write(inbox, "r.json", good("refused")), write(inbox, "ok.json", good("ok"))
    assert [o.status for o in publisher.publish([refused, ok]).outcomes] == [
        "rejected",
        "published",
    ]
    assert report(reports, refused)["accepted"] is False
    assert in_feed(store, "ok") and not in_feed(store, "refused")


@pytest.mark.parametrize("error", [TransientError("SlowDown"), TimeoutError(), ConnectionError()])
def test_only_transient_failures_escape_to_be_retried(inbox: Path, error: Exception) -> None:
    class FlakyIndex(MemoryIndex):
        def save(self, article: Any, feeds: Any, previous: Any) -> None:
            raise error

    publisher, _, reports = publisher_for(inbox, FlakyIndex())
    key = write(inbox, "a.json", good("a"))
    with pytest.raises(type(error)):
        publisher.apply(key)
    assert reports.read_report(key) is None  # nothing to tell the editor: it is retried


def test_a_feed_that_cannot_render_keeps_its_last_files_and_the_others_publish(
    inbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nashra import render  # `nashra.history` renders each feed with it (D12)

    publisher, store, _ = publisher_for(inbox)
    publisher.publish([write(inbox, "a.json", good("a"))])
    before = store.files["economy/rss.xml"]
    real = render.render_feed

    def broken_economy(site: Any, spec: Any, articles: Any, **archive: Any) -> Any:
        if spec.slug == "economy":
            raise ValueError("a bug in one feed")
        return real(site, spec, articles, **archive)

    monkeypatch.setattr(render, "render_feed", broken_economy)
    flushed = publisher.publish([write(inbox, "b.json", good("b"))]).flush
    assert [slug for slug, _ in flushed.failed] == ["economy"]
    assert store.files["economy/rss.xml"] == before  # the last good feed stays live
    assert in_feed(store, "b")  # `all` published


def test_a_broken_config_value_keeps_the_last_feeds_and_is_reported(inbox: Path) -> None:
    """Finding 4: `tag_date: 2026-13-45` passed the check, then every batch raised."""
    publisher, store, reports = publisher_for(inbox)
    publisher.publish([write(inbox, "a.json", good("a"))])
    before = dict(store.files)
    site = json.loads((inbox / "site.json").read_text(encoding="utf-8"))
    (inbox / "site.json").write_text(json.dumps({**site, "tag_date": "2026-13-45"}), "utf-8")
    published = publisher.publish([CONFIG_KEYS[0], write(inbox, "b.json", good("b"))])
    assert [o.status for o in published.outcomes] == ["rejected", "rejected"]
    assert [p["field"] for p in report(reports, CONFIG_KEYS[0])["problems"]] == [
        "config/site.json:tag_date"
    ]
    assert store.files == before
    assert report_key("x") == "reports/x"


def test_an_item_too_large_for_the_cap_is_shortened_and_the_editor_told(inbox: Path) -> None:
    """Finding 5, through the publisher: one large article no longer empties the feed,
    and its report says what the cap did to it (written once, not on every flush)."""
    site = json.loads((inbox / "site.json").read_text(encoding="utf-8"))
    (inbox / "site.json").write_text(json.dumps({**site, "max_feed_bytes": 40_000}), "utf-8")
    publisher, store, reports = publisher_for(inbox)
    keys = [write(inbox, f"old{n}.json", good(f"old{n}")) for n in range(5)]
    rows = "".join(f"<tr><td>{n}</td><td>نتيجة</td></tr>" for n in range(2_000))
    big = write(
        inbox,
        "results.json",
        good("results", body=f"<table>{rows}</table>", published="2026-11-21T08:00:00+03:00"),
    )
    publisher.publish([*keys, big])
    for feed in ("all", "economy"):
        assert all(in_feed(store, f"old{n}", feed) for n in range(5)), feed
        assert len(store.files[f"{feed}/rss.xml"]) <= 40_000
    [note] = {p["rule"] for p in report(reports, big)["problems"]}
    assert note == "feed-size" and report(reports, big)["accepted"] is True
    puts = reports.put_report
    writes: list[str] = []
    reports.put_report = lambda key, body: writes.append(key) or puts(key, body)  # type: ignore[method-assign]
    publisher.publish([write(inbox, "new.json", good("new"))])
    assert big not in writes  # an unchanged note is not rewritten
