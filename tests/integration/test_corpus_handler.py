"""The hostile corpus (tests/corpus) through the real Lambda handler, under moto.

Cases go up nine at a time with one good article, as one SQS batch: the batch reports no
failures, the good article is published in all three formats, every rejected case has a
report at `reports/<key>` naming its rule, and every accepted case is in its feeds. A
hostile config file goes up with a good article too: the config is reported, the feeds
stay live, the good article is published (at once, or once the config is fixed).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from corpus.checks import (
    DIRTY,
    FORMATS,
    assert_well_formed,
    expectations,
    feed_titles,
    good_article,
    inbox_key,
    time_limit,
)
from corpus.make_corpus import materialise

EXPECTED = expectations()
ARTICLES = sorted(n for n in EXPECTED if n.startswith("articles/"))
CONFIGS = sorted(n for n in EXPECTED if n.startswith("config/"))
PER_BATCH = 9  # plus the good article: an SQS batch holds at most 10 records
BATCHES = [ARTICLES[i : i + PER_BATCH] for i in range(0, len(ARTICLES), PER_BATCH)]
NOW = datetime.now(UTC)
INVOKE_SECONDS = 60  # the Lambda's timeout


@pytest.fixture(scope="module")
def paths(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return materialise(tmp_path_factory.mktemp("corpus"), NOW)


@pytest.fixture
def live(pipeline: Any) -> Any:
    pipeline.upload_config()
    pipeline.pump()
    pipeline.responses.clear()
    return pipeline


def fresh_good(n: int) -> tuple[str, bytes]:
    """A good article newer than every dated case, so no feed cap can push it out."""
    published = (NOW - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    article_id = f"good-{n:03d}"
    return article_id, good_article(published, article_id)


def one_batch(p: Any) -> list[str] | None:
    """Deliver what is queued as one batch (no retries); returns the failed keys, or None
    when the queue was empty."""
    messages = p.receive(10)
    if not messages:
        return None
    with time_limit(INVOKE_SECONDS, "lambda_handler"):
        failed = p.invoke(messages)
    for m in messages:  # a failed record is not retried here: a retry would hide it
        p.sqs.delete_message(QueueUrl=p.queue_url, ReceiptHandle=m["ReceiptHandle"])
    return [_key_of(m) for m in messages if m["MessageId"] in failed]


def _key_of(message: dict[str, Any]) -> str:
    body = json.loads(message["Body"])
    key: str = body.get("detail", {}).get("object", {}).get("key", message["Body"][:80])
    return key


def case_problems(p: Any, name: str, feed: dict[str, Any]) -> list[str]:
    """What is wrong with one case after its batch (empty when all is as expected)."""
    expect, key = EXPECTED[name], inbox_key(name)
    report = p.report(key)
    if expect["outcome"] == "rejected":
        if report is None:
            return [f"{name}: no report at reports/{key}"]
        rules = {x["rule"] for x in report["problems"] if x.get("severity") == "error"}
        missing = set(expect.get("rules", ())) - rules
        any_of = set(expect.get("any_of", ()))
        if missing or (any_of and not rules & any_of) or report.get("accepted") is not False:
            return [f"{name}: report rules {sorted(rules)}, expected {expect}"]
        return []
    rejected = report is not None and report.get("accepted") is False
    if rejected:
        return [f"{name}: rejected {[x['rule'] for x in report['problems']]}, expected accepted"]
    scheduled = report is not None and bool(report.get("scheduled"))  # dated ahead (B-20)
    return _accepted_problems(name, expect["check"], feed, scheduled)


def _accepted_problems(
    name: str, check: dict[str, Any], feed: dict[str, Any], scheduled: bool = False
) -> list[str]:
    urls = {item.get("url") for item in feed["items"]}
    article_id = check.get("id", Path(name).stem)
    url = check.get("url", f"https://www.nashra.example/gulf/{article_id}")
    if check.get("status") == "draft" or scheduled:
        return [f"{name}: a draft or scheduled story is in all/feed.json"] if url in urls else []
    if check.get("in_feeds") != "optional" and url not in urls:
        return [f"{name}: accepted but {url} is not in all/feed.json"]
    return []


@pytest.mark.parametrize("batch", range(len(BATCHES)))
def test_hostile_batch_publishes_its_good_article(
    batch: int, live: Any, paths: dict[str, Path]
) -> None:
    good_id, good = fresh_good(batch)
    for name in BATCHES[batch]:
        live.upload(inbox_key(name), paths[name].read_bytes())
    live.upload(f"articles/{good_id}.json", good)
    failed = one_batch(live)
    assert not failed, f"batchItemFailures for {failed}"
    good_url = f"https://www.nashra.example/gulf/{good_id}".encode()
    for fmt in FORMATS:
        body = live.feed(f"all/{fmt}")
        assert body is not None and good_url in body, f"good article lost from all/{fmt}"
    snapshot = {k: v for k, v in live.feeds_snapshot().items() if k.endswith(FORMATS)}
    assert_well_formed(snapshot)
    feed = json.loads(snapshot["all/feed.json"])
    wrong = [w for name in BATCHES[batch] for w in case_problems(live, name, feed)]
    assert not wrong, "\n".join(wrong)


def upload_config_case(p: Any, name: str, paths: dict[str, Path]) -> str:
    """The hostile config file and a good article in one batch, then the requeued work;
    returns the good article's URL."""
    good_id, good = fresh_good(900)
    p.upload("config/" + EXPECTED[name]["file"], paths[name].read_bytes())
    p.upload(f"articles/{good_id}.json", good)
    failed = one_batch(p)
    assert not failed, f"batchItemFailures for {failed}"
    for _ in range(5):  # a config change requeues every article: let it run
        if one_batch(p) is None:
            break
    return f"https://www.nashra.example/gulf/{good_id}"


@pytest.mark.parametrize("name", CONFIGS)
def test_hostile_config_is_reported_and_feeds_stay(
    name: str, live: Any, paths: dict[str, Path]
) -> None:
    expect = EXPECTED[name]
    key = "config/" + expect["file"]
    upload_config_case(live, name, paths)
    report = live.report(key)
    if expect["outcome"] == "rejected":
        assert report is not None, f"no report at reports/{key}"
        rules = {x["rule"] for x in report["problems"]}
        assert set(expect["rules"]) <= rules, rules
    snapshot = {k: v for k, v in live.feeds_snapshot().items() if k.endswith(FORMATS)}
    assert "all/feed.json" in snapshot, "the feeds went away"
    assert_well_formed(snapshot)
    dirty = {path: t for path, t in feed_titles(snapshot).items() if DIRTY.search(t)}
    assert not dirty, dirty


@pytest.mark.parametrize("name", CONFIGS)
def test_good_article_with_a_hostile_config_is_not_lost(
    name: str, live: Any, paths: dict[str, Path]
) -> None:
    """A good article uploaded with a bad config is published, or reported and published
    as soon as the config is fixed: never lost, never in the DLQ."""
    good_url = upload_config_case(live, name, paths)
    feed = live.feed("all/feed.json")
    key = "articles/" + good_url.rsplit("/", 1)[-1] + ".json"
    if feed is None or good_url.encode() not in feed:
        assert live.report(key) is not None, "good article neither published nor reported"
    live.upload_config()
    for _ in range(5):
        if one_batch(live) is None:
            break
    feed = live.feed("all/feed.json")
    assert feed is not None and good_url.encode() in feed, "good article lost"
    assert live.report(key) is None


def test_id_owner_turned_into_deep_json_blocks_nothing(live: Any) -> None:
    """Finding 3: the owner of an id re-uploaded as 100,000 nested arrays, then another
    file claims the id in a batch with a good article: nothing goes to the DLQ."""
    owner = json.loads(good_article(article_id="owner-x"))
    live.upload("articles/a.json", json.dumps(owner, ensure_ascii=False).encode())
    assert one_batch(live) == []
    live.upload("articles/a.json", b"[" * 100_000 + b"]" * 100_000)
    assert one_batch(live) == []
    report = live.report("articles/a.json")
    assert report is not None
    assert "json-depth" in {p["rule"] for p in report["problems"]}
    good_id, good = fresh_good(901)
    claimant = owner | {"title": "خبر آخر يطالب بالمعرّف نفسه"}
    live.upload("articles/b.json", json.dumps(claimant, ensure_ascii=False).encode())
    live.upload(f"articles/{good_id}.json", good)
    assert one_batch(live) == [], "a batch went to the DLQ"
    feed = live.feed("all/feed.json")
    assert feed is not None
    assert f"https://www.nashra.example/gulf/{good_id}".encode() in feed
    published = b"https://www.nashra.example/gulf/owner-x" in feed
    assert published or live.report("articles/b.json") is not None
