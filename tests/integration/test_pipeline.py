"""The real event path under moto: upload -> EventBridge -> SQS FIFO -> lambda_handler ->
DynamoDB index + feeds bucket. Every test drives the handler through `Pipeline.pump()`."""

from __future__ import annotations

import functools
import hashlib
import json
import random
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nashra.adapters.dynamodb import DynamoIndex
from nashra.publish import Publisher
from nashra.work import RebuildAll, encode
from oracle import differences, expected_feeds, published_feeds
from stories import article_json

INBOX, FEEDS, TABLE = "nashra-inbox", "nashra-feeds", "nashra-index"
CONTENT = Path(__file__).resolve().parents[2] / "content"
ARABIC_KEY = "articles/أخبار الكويت/مقال+1.json"
FORMATS = ("rss.xml", "atom.xml", "feed.json")


def items(p: Any, feed: str) -> list[dict[str, Any]]:
    raw = p.feed(f"{feed}/feed.json")
    return [] if raw is None else list(json.loads(raw)["items"])


def ids_in(p: Any, feed: str) -> list[str]:
    """Article ids of a feed, newest first, read from each item's link."""
    return [item["url"].rstrip("/").rsplit("/", 1)[-1] for item in items(p, feed)]


@pytest.fixture
def live(pipeline: Any) -> Iterator[Any]:
    """The pipeline with config/site.json and config/sections.json published."""
    pipeline.upload_config()
    pipeline.pump()
    pipeline.calls.clear()
    pipeline.responses.clear()
    yield pipeline


def test_config_alone_publishes_every_feed_and_site_file(pipeline: Any) -> None:
    pipeline.upload_config()
    pipeline.pump()
    snapshot = pipeline.feeds_snapshot()
    sections = [s["slug"] for s in json.loads((CONTENT / "sections.json").read_bytes())]
    for feed in ["all", "breaking", *sections]:
        for fmt in FORMATS:
            assert f"{feed}/{fmt}" in snapshot
    assert {"feeds.opml", "index.html", "feed.css"} <= set(snapshot)


def test_new_article_in_section_all_and_breaking(live: Any) -> None:
    seed = CONTENT / "articles" / "defence-minister-kuwait-meeting.json"
    live.upload("articles/defence-minister-kuwait-meeting.json", seed.read_bytes())
    live.upload("articles/b.json", article_json("b", section="economy"))
    live.pump()
    assert live.responses == [{"batchItemFailures": []}]

    seed_id = "defence-minister-kuwait-meeting"
    assert ids_in(live, "gulf") == [seed_id]
    assert ids_in(live, "breaking") == [seed_id]  # «عاجل» in the title (AR-BRK-1)
    assert set(ids_in(live, "all")) == {seed_id, "b"}
    assert ids_in(live, "economy") == ["b"]
    assert ids_in(live, "politics") == []
    assert not items(live, "breaking")[0]["title"].startswith("عاجل")

    rss = live.s3.get_object(Bucket=FEEDS, Key="gulf/rss.xml")
    body = rss["Body"].read()
    assert "charset=utf-8" in rss["ContentType"]
    assert "xml" in rss["ContentType"]
    assert rss["CacheControl"]
    assert rss["Metadata"]["sha256"] == hashlib.sha256(body).hexdigest()
    assert "وزير الدفاع".encode() in body


def test_update_changes_the_item_not_its_id(live: Any) -> None:
    live.upload("articles/a.json", article_json("a"))
    live.pump()
    [before] = items(live, "all")
    live.upload("articles/a.json", article_json("a", title="عنوان مصحح للخبر"))
    live.pump()
    [after] = items(live, "all")
    assert after["id"] == before["id"]
    assert after["title"] == "عنوان مصحح للخبر"


def test_section_move_leaves_the_old_section(live: Any) -> None:
    live.upload("articles/a.json", article_json("a", section="gulf"))
    live.pump()
    live.upload("articles/a.json", article_json("a", section="politics"))
    live.pump()
    assert ids_in(live, "gulf") == []
    assert ids_in(live, "politics") == ["a"]
    assert ids_in(live, "all") == ["a"]


def test_delete_removes_the_article_everywhere(live: Any) -> None:
    live.upload("articles/a.json", article_json("a", breaking=True))
    live.upload("articles/b.json", article_json("b"))
    live.pump()
    live.delete("articles/a.json")
    live.pump()
    for feed in ("gulf", "all", "breaking"):
        assert "a" not in ids_in(live, feed)
    assert ids_in(live, "all") == ["b"]
    index = DynamoIndex(live.dynamodb, TABLE)
    assert index.get("a") is None
    assert index.find_by_key("articles/a.json") is None


def test_draft_stays_out_and_unpublishing_removes(live: Any) -> None:
    live.upload("articles/d.json", article_json("d", status="draft"))
    live.upload("articles/p.json", article_json("p"))
    live.pump()
    assert ids_in(live, "all") == ["p"]
    live.upload("articles/p.json", article_json("p", status="draft"))
    live.pump()
    assert ids_in(live, "all") == []
    assert ids_in(live, "gulf") == []


def test_config_change_rerenders_everything(live: Any) -> None:
    live.upload("articles/a.json", article_json("a"))
    live.pump()
    before = live.feeds_snapshot()
    live.calls.clear()
    site = json.loads((CONTENT / "site.json").read_text(encoding="utf-8"))
    site["title"] = "نشرة الخليج"
    live.upload("config/site.json", site)
    live.pump()
    after = live.feeds_snapshot()
    assert set(after) == set(before)
    for path, body in after.items():
        if path.endswith(("rss.xml", "atom.xml", "feed.json")):
            assert "نشرة الخليج".encode() in body, path
            assert body != before[path], path


def test_rejected_upload_gets_a_report_and_does_not_block_its_batch(live: Any) -> None:
    live.upload("articles/bad.json", {"section": "no-such-section", "title": "<b>x</b>"})
    live.upload("articles/good.json", article_json("good"))
    live.upload("articles/broken.json", b'{"title": ')
    live.pump()
    assert live.responses == [{"batchItemFailures": []}]
    assert ids_in(live, "all") == ["good"]
    assert live.report("articles/good.json") is None

    report = live.report("articles/bad.json")
    assert report is not None
    assert report["key"] == "articles/bad.json"
    assert report["accepted"] is False
    problems = report["problems"]
    assert problems
    assert all(p["message_en"] and p["message_ar"] for p in problems)
    assert any("\u0600" <= ch <= "\u06ff" for p in problems for ch in p["message_ar"])
    head = live.s3.head_object(Bucket=INBOX, Key="reports/articles/bad.json")
    assert head["ContentType"] == "application/json; charset=utf-8"
    assert live.report("articles/broken.json") is not None

    live.upload("articles/bad.json", article_json("bad"))
    live.pump()
    assert live.report("articles/bad.json") is None
    assert set(ids_in(live, "all")) == {"good", "bad"}


def test_a_misnamed_upload_gets_a_report_on_its_name(live: Any) -> None:
    """«Story.JSON» uploaded straight to the inbox (the S3 console, another tool) would
    never be published: its uploader gets a report saying what to rename it, as
    `nashra upload` would have said before uploading; deleting it takes the report away."""
    live.upload("articles/Story.JSON", article_json("story"))
    live.upload("articles/photo.jpg", b"\xff\xd8\xff")  # not meant as an article: no event
    live.pump()
    assert live.responses == [{"batchItemFailures": []}]
    report = live.report("articles/Story.JSON")
    assert report is not None and report["accepted"] is False
    [problem] = [p for p in report["problems"] if p["rule"] == "file-name"]
    assert "'Story.json'" in problem["message_en"] and "«Story.json»" in problem["message_ar"]
    assert ids_in(live, "all") == []
    assert live.report("articles/photo.jpg") is None

    live.delete("articles/Story.JSON")
    live.pump()
    assert live.report("articles/Story.JSON") is None


def test_arabic_key_with_space_and_plus_ar_s3_1(live: Any) -> None:
    live.upload(ARABIC_KEY, article_json("kuwait-news-1"))
    live.upload(ARABIC_KEY.replace("+", " "), {"title": "ملف آخر بمسافة بدل +"})
    live.pump()
    assert ids_in(live, "gulf") == ["kuwait-news-1"]
    found = DynamoIndex(live.dynamodb, TABLE).find_by_key(ARABIC_KEY)
    assert found is not None
    assert found.key == ARABIC_KEY
    assert live.report(ARABIC_KEY) is None
    assert live.report(ARABIC_KEY.replace("+", " ")) is not None

    live.delete(ARABIC_KEY)
    live.pump()
    assert ids_in(live, "gulf") == []


def test_unchanged_reupload_writes_no_feed(live: Any) -> None:
    live.upload("articles/a.json", article_json("a"))
    live.pump()
    live.calls.clear()
    live.upload("articles/a.json", article_json("a"))  # same bytes, new version and event
    live.pump()
    assert live.calls.count("PutObject", FEEDS) == 0
    assert live.calls.count("TransactWriteItems") == 0


def test_ignored_messages_are_handled(live: Any, event: Any) -> None:
    live.inject(event("s3_test_event.json"))
    live.inject({"hello": "world"})
    other = event("eventbridge_object_created.json")
    other["detail"]["bucket"]["name"] = "someone-elses-bucket"
    live.inject(other)
    live.pump()
    assert live.responses == [{"batchItemFailures": []}]
    assert live.calls.count("PutObject") == 0


def test_rebuild_all_message_rewrites_nothing_when_nothing_changed(live: Any, event: Any) -> None:
    live.upload("articles/a.json", article_json("a"))
    live.pump()
    live.calls.clear()
    live.inject(json.loads(encode(RebuildAll())))
    live.pump()
    assert live.responses[-1] == {"batchItemFailures": []}
    assert live.calls.count("HeadObject", FEEDS) >= 33  # every file was rendered and checked
    assert live.calls.count("PutObject", FEEDS) == 0


def test_duplicated_and_reordered_events_match_a_clean_run(live: Any, s3_event: Any) -> None:
    """Deliver every event of a messy editing session twice, shuffled, in odd batches;
    then rebuild the index and feeds from scratch from the inbox's final state. Same bytes."""
    rng = random.Random(11)
    for n in range(6):
        live.upload(f"articles/n{n}.json", article_json(f"n{n}", section="gulf"))
    live.upload("articles/n1.json", article_json("n1", section="politics", breaking=True))
    live.upload("articles/n2.json", article_json("n2", title="تصحيح العنوان"))
    live.upload("articles/n3.json", article_json("n3", status="draft"))
    live.upload("articles/n4.json", {"title": "معطوب"})
    live.s3.delete_object(Bucket=INBOX, Key="articles/n5.json")
    live.inject(s3_event("Object Deleted", "articles/n5.json"))

    messages = []
    while batch := live.receive():
        messages += batch
        for m in batch:
            live.sqs.delete_message(QueueUrl=live.queue_url, ReceiptHandle=m["ReceiptHandle"])
    assert len(messages) == 11  # 10 uploads, 1 delete
    messy = messages * 2
    rng.shuffle(messy)
    for start in range(0, len(messy), 3):
        assert live.invoke(messy[start : start + 3]) == set()
    messy_feeds = live.feeds_snapshot()

    _wipe(live)
    keys = sorted(k for k in _inbox_keys(live) if k.startswith(("articles/", "config/")))
    for key in keys:
        live.inject(s3_event("Object Created", key))
    live.pump()
    assert live.feeds_snapshot() == messy_feeds
    assert set(ids_in(live, "all")) == {"n0", "n1", "n2"}
    assert ids_in(live, "breaking") == ["n1"]


def test_a_transient_failure_fails_that_record_only(live: Any) -> None:
    """A throttled index write on the 2nd record: only record 2 comes back; records 1 and
    3 are published in this batch (issue: the inbox is the truth, finding 4: healthy
    records no longer follow a failing one into the DLQ). The retry converges."""
    svc = live.handler.services()
    throttle = _Throttle(fail_on_call=2)
    svc.index.client.meta.events.register("before-call.dynamodb.TransactWriteItems", throttle)
    for name in ("t1", "t2", "t3"):
        live.upload(f"articles/{name}.json", article_json(name))
    [first, second, third] = live.receive()
    failed = live.invoke([first, second, third])
    assert failed == {second["MessageId"]}
    assert set(ids_in(live, "all")) == {"t1", "t3"}
    assert throttle.calls == 3  # the third record ran

    live.sqs.change_message_visibility(
        QueueUrl=live.queue_url, ReceiptHandle=second["ReceiptHandle"], VisibilityTimeout=0
    )
    for m in (first, third):
        live.sqs.delete_message(QueueUrl=live.queue_url, ReceiptHandle=m["ReceiptHandle"])
    live.pump()
    assert set(ids_in(live, "all")) == {"t1", "t2", "t3"}


def test_flush_failure_fails_the_invocation_and_the_retry_converges(
    live: Any, lambda_context: Any
) -> None:
    svc = live.handler.services()
    svc.store.client.meta.events.register(
        "before-call.s3.PutObject", _Throttle(fail_on_call=1, s3=True)
    )
    live.upload("articles/f.json", article_json("f"))
    messages = live.receive()
    with pytest.raises(Exception, match="SlowDown"):
        live.handler.lambda_handler(live.lambda_event(messages), lambda_context)
    for m in messages:
        live.sqs.change_message_visibility(
            QueueUrl=live.queue_url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0
        )
    live.pump()
    assert ids_in(live, "all") == ["f"]


def test_a_failed_invocation_prints_no_empty_metrics(
    live: Any, lambda_context: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """A batch whose flush fails has recorded no metric: it prints no EMF line and no
    warning of an empty set (Lambda's Errors counts the failure); the retry's metrics are
    printed as ever."""
    svc = live.handler.services()
    svc.store.client.meta.events.register(
        "before-call.s3.PutObject", _Throttle(fail_on_call=1, s3=True)
    )
    live.upload("articles/e.json", article_json("e"))
    messages = live.receive()
    capsys.readouterr()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(Exception, match="SlowDown"):
            live.handler.lambda_handler(live.lambda_event(messages), lambda_context)
    assert [str(w.message) for w in caught if "metrics" in str(w.message)] == []
    assert '"_aws"' not in capsys.readouterr().out
    for m in messages:
        live.sqs.change_message_visibility(
            QueueUrl=live.queue_url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0
        )
    live.pump()
    assert '"FeedsWritten"' in capsys.readouterr().out


def test_metrics_are_emitted(live: Any, capsys: pytest.CaptureFixture[str]) -> None:
    live.upload("articles/m.json", article_json("m"))
    live.upload("articles/r.json", {"title": "ناقص"})
    capsys.readouterr()
    live.pump()
    emf = [
        json.loads(line)
        for line in capsys.readouterr().out.splitlines()
        if line.startswith("{") and '"_aws"' in line
    ]
    assert emf, "no EMF line printed"
    metrics = emf[-1]

    def total(name: str) -> float:
        value = metrics[name]
        return float(sum(value)) if isinstance(value, list) else float(value)

    assert total("ArticlesPublished") == 1.0
    assert total("ArticlesRejected") == 1.0
    assert total("FeedsWritten") == 8.0  # gulf and all: three formats and a page each
    namespace = metrics["_aws"]["CloudWatchMetrics"][0]["Namespace"]
    assert namespace == live.handler.metrics.namespace


def test_calls_per_published_article(live: Any) -> None:
    """AWS calls per article, one-article batches and a full batch of ten; printed for
    the record and held exactly on the inbox and the index, so that a regression (an N+1
    read, a lost skip, a write per key the transaction could carry) fails. The feeds
    bucket: one check per file rendered, writes only for what changed."""
    live.upload("articles/warm.json", article_json("warm"))
    live.pump()

    live.calls.clear()
    live.upload("articles/one.json", article_json("one"))
    live.pump()
    single = live.calls.by_service()
    print(f"\none article, one batch: {dict(single)} {dict(live.calls.by_operation())}")
    # The index: one lookup (seen ETag, key item, article), one transaction (the article
    # with its ETag), one query per touched feed (gulf, all), one of every feed's archive
    # state and one of the retractions (side by side; D12: neither feed is longer than its
    # live feed, so nothing more; a new story retracts nothing, so nothing to resolve).
    assert live.calls.index_calls() == {"BatchGetItem": 1, "TransactWriteItems": 1, "Query": 4}
    # The inbox: the article's one ranged GET, the two config files, one report listing.
    assert live.calls.in_bucket(INBOX) == {"GetObject": 3, "ListObjectsV2": 1}
    assert live.calls.keys("GetObject", INBOX).count("articles/one.json") == 1
    checked = live.calls.keys("HeadObject", FEEDS)
    assert len(checked) == len(set(checked))  # each file of gulf and all checked once
    assert {p.split("/")[0] for p in checked} == {"gulf", "all"}
    assert set(live.calls.in_bucket(FEEDS)) == {"HeadObject", "PutObject"}

    live.calls.clear()
    for n in range(10):
        live.upload(f"articles/ten{n}.json", article_json(f"ten{n}"))
    live.pump()
    ten = live.calls.by_service()
    print(
        f"ten articles, one batch: {dict(ten)} -> per article", {k: v / 10 for k, v in ten.items()}
    )
    assert live.calls.index_calls() == {"BatchGetItem": 1, "TransactWriteItems": 10, "Query": 4}
    assert live.calls.in_bucket(INBOX) == {"GetObject": 12, "ListObjectsV2": 1}
    assert sorted(live.calls.keys("HeadObject", FEEDS)) == sorted(checked)  # once per batch


def test_a_repeated_event_costs_one_get_and_one_index_read(live: Any) -> None:
    """Cheap repeats (issue: the inbox is the truth): the same bytes uploaded again, or
    the same event delivered again, cost the article's GET and the batch's lookup, and
    write and render nothing. (The batch's config and report reads are made side by side
    with them, before the ETag is known.)"""
    live.upload("articles/r.json", article_json("r"))
    live.pump()
    live.calls.clear()
    live.upload("articles/r.json", article_json("r"))  # same bytes: same ETag
    live.pump()
    assert live.calls.index_calls() == {"BatchGetItem": 1}
    assert live.calls.keys("GetObject", INBOX).count("articles/r.json") == 1
    assert live.calls.in_bucket(FEEDS) == {}


def test_a_bulk_import_costs_under_three_calls_per_article(
    live: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A newsroom's archive arrives as a burst of uploads (`nashra import`): in the
    deployed shape (WORK_QUEUE set) every full batch of ten defers its feeds to one render
    request, so each article costs its GET and its index write and a share of its batch's
    lookup, config and report reads; each feed is rendered once for the whole burst, not
    once per batch. The feeds end as a full build of the inbox gives them (the fault
    suite's oracle)."""
    monkeypatch.setenv("WORK_QUEUE", live.queue_url)
    live.handler.services.cache_clear()
    live.calls.watch(live.handler.services().source.client)
    live.calls.watch(live.handler.services().index.client)
    sections = ["gulf", "economy", "politics"]
    articles = 60
    for n in range(articles):
        key = f"articles/archive-{n:03d}.json"
        live.upload(key, article_json(f"archive-{n:03d}", section=sections[n % 3]))
    live.calls.clear()
    for _ in range(articles // 10):  # the burst: six full batches, nothing rendered
        assert live.pump(rounds=1, batch=10, drain=False) == 1
    ingest = live.calls.count()
    assert live.calls.in_bucket(FEEDS) == {}
    live.calls.clear()
    assert live.pump() == 1  # the render request the first full batch queued
    render = live.calls.count()
    print(f"\n{articles} articles: {ingest} calls in six batches, {render} for the render")
    assert ingest / articles <= 2.5  # a GET, a commit, a fifth of the batch's five reads
    assert (ingest + render) / articles <= 3.9  # 60 articles; 10,000 would cost ~2.5
    checked = live.calls.keys("HeadObject", FEEDS)
    assert len(checked) == len(set(checked))  # every feed file rendered and checked once
    assert {p.split("/")[0] for p in checked} == {"all", *sections}
    published, expected = published_feeds(live.s3, FEEDS), expected_feeds(live.s3, INBOX)
    assert published == expected, differences(published, expected)


# -- helpers ---------------------------------------------------------------------------


class _Throttle:
    """A botocore `before-call` hook answering the n-th call with a throttling error."""

    def __init__(self, fail_on_call: int, *, s3: bool = False) -> None:
        self.fail_on_call, self.s3, self.calls = fail_on_call, s3, 0

    def __call__(self, **_: Any) -> Any:
        self.calls += 1
        if self.calls != self.fail_on_call:
            return None
        code, status = ("SlowDown", 503) if self.s3 else ("ProvisionedThroughputExceeded", 400)
        if not self.s3:
            code += "Exception"
        error = {"Code": code, "Message": "Rate exceeded"}
        return _Http(status), {"Error": error, "ResponseMetadata": {"HTTPStatusCode": status}}


class _Http:
    def __init__(self, status: int) -> None:
        self.status_code, self.headers, self.content = status, {}, b""


def _inbox_keys(p: Any) -> list[str]:
    pages = p.s3.get_paginator("list_objects_v2").paginate(Bucket=INBOX)
    return [o["Key"] for page in pages for o in page.get("Contents", ())]


def _wipe(p: Any) -> None:
    """Empty the index and the feeds bucket: what a disaster recovery starts from."""
    for key in list(p.feeds_snapshot()):
        p.s3.delete_object(Bucket=FEEDS, Key=key)
    items = p.dynamodb.scan(TableName=TABLE, ProjectionExpression="PK, SK")["Items"]
    for item in items:
        p.dynamodb.delete_item(TableName=TABLE, Key=item)


def test_article_before_config_does_not_stall_the_queue(pipeline: Any) -> None:
    """An article reconciled while config/ is missing cannot be validated; retrying it would
    keep the config upload (behind it in the one message group) from ever running."""
    pipeline.upload("articles/early.json", article_json("early"))
    pipeline.upload_config()
    batches = pipeline.pump(batch=1)
    assert batches == 3
    assert all(r == {"batchItemFailures": []} for r in pipeline.responses)
    assert pipeline.feed("all/rss.xml") is not None


def test_breaking_article_invalidates_only_the_breaking_feed(
    live: Any, distribution: tuple[Any, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cloudfront, distribution_id = distribution
    monkeypatch.setenv("DISTRIBUTION_ID", distribution_id)
    live.handler.services.cache_clear()
    live.upload("articles/calm.json", article_json("calm", section="economy"))
    live.pump()
    listed = cloudfront.list_invalidations(DistributionId=distribution_id)["InvalidationList"]
    assert listed["Quantity"] == 0
    live.upload("articles/storm.json", article_json("storm", breaking=True))
    live.pump()
    listed = cloudfront.list_invalidations(DistributionId=distribution_id)["InvalidationList"]
    assert listed["Quantity"] == 1
    only = cloudfront.get_invalidation(DistributionId=distribution_id, Id=listed["Items"][0]["Id"])
    paths = only["Invalidation"]["InvalidationBatch"]["Paths"]["Items"]
    assert paths == ["/breaking/atom.xml*", "/breaking/feed.json*", "/breaking/rss.xml*"]


def test_a_story_deleted_after_its_page_sealed_leaves_the_page_and_the_edge(
    live: Any, distribution: tuple[Any, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Retraction end to end on S3, DynamoDB and CloudFront (moto): pages of 2, a live feed
    of 2; the sealed page holding a deleted story is written again without it, its files
    invalidated by name, and the index forgets the retraction."""
    cloudfront, distribution_id = distribution
    monkeypatch.setenv("DISTRIBUTION_ID", distribution_id)
    monkeypatch.setattr(live.handler, "Publisher", functools.partial(Publisher, archive_page=2))
    live.handler.services.cache_clear()
    site = json.loads((CONTENT / "site.json").read_text(encoding="utf-8"))
    live.upload_config({**site, "items_per_feed": 2})
    for n in range(1, 7):  # gulf: s5, s6 live; s1-s2 and s3-s4 sealed, page 3 open
        live.upload(
            f"articles/s{n}.json", article_json(f"s{n}", published=f"2026-11-0{n}T10:00:00")
        )
    live.pump()
    assert b"2026:s3<" in (live.feed("gulf/archive/2/atom.xml") or b"")
    live.delete("articles/s3.json")
    live.pump()
    page = live.feed("gulf/archive/2/atom.xml") or b""
    assert b"2026:s3<" not in page and b"2026:s4<" in page
    assert b"next-archive" in page  # still a sealed page, in its place in the chain
    listed = cloudfront.list_invalidations(DistributionId=distribution_id)["InvalidationList"]
    batches = [
        cloudfront.get_invalidation(DistributionId=distribution_id, Id=item["Id"])
        for item in listed.get("Items", [])
    ]
    paths = sorted(
        p for b in batches for p in b["Invalidation"]["InvalidationBatch"]["Paths"]["Items"]
    )
    assert [p for p in paths if p.startswith("/gulf/archive/2/")] == [
        f"/gulf/archive/2/{name}{suffix}"
        for name in ("atom.xml", "rss.xml")
        for suffix in ("", ".br", ".gz")
    ]
    assert DynamoIndex(live.dynamodb, TABLE).retractions() == []
    assert all(r == {"batchItemFailures": []} for r in live.responses)


def test_site_change_requeues_every_article_and_rederives_it(
    live: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WORK_QUEUE", live.queue_url)
    live.handler.services.cache_clear()
    live.upload("articles/a.json", article_json("a", published="2026-11-20T10:30:00"))
    live.pump()
    [before] = items(live, "gulf")
    assert before["url"] == "https://www.nashra.example/gulf/a"
    assert before["date_published"] == "2026-11-20T07:30:00Z"  # naive: Asia/Kuwait
    site = json.loads((CONTENT / "site.json").read_text(encoding="utf-8"))
    site.update(base_url="https://nashra.example", timezone="UTC")
    live.upload_config(site)
    live.pump()
    [after] = items(live, "gulf")
    assert after["url"] == "https://nashra.example/gulf/a"  # default URL derived again
    assert after["date_published"] == "2026-11-20T10:30:00Z"  # naive date, new zone
    assert after["id"] == before["id"]  # tag_authority keeps the id
    assert live.responses[-1] == {"batchItemFailures": []}


@pytest.mark.parametrize(
    ("stored", "delivered"),
    [
        ("articles/red flower.json", "articles/red+flower.json"),
        ("articles/a+b.json", "articles/a%2Bb.json"),
        ("articles/50% off.json", "articles/50%25+off.json"),
        (
            "articles/مقال عاجل.json",
            "articles/%D9%85%D9%82%D8%A7%D9%84+%D8%B9%D8%A7%D8%AC%D9%84.json",
        ),
    ],
)
def test_a_key_delivered_url_encoded_still_publishes(
    live: Any, s3_event: Any, stored: str, delivered: str
) -> None:
    """AWS documents that S3 notifications URL-encode keys, and does not say whether
    EventBridge's `detail.object.key` is: an encoded key is reconciled under both readings
    (issue: the inbox is the truth, finding 5), so the article publishes either way, and
    the reading that names no object is a harmless miss, not a delete."""
    live.upload(stored, article_json("encoded"))
    live.receive()  # the raw event moto sent is lost: only the encoded one arrives
    live.sqs.purge_queue(QueueUrl=live.queue_url)
    live.inject(s3_event("Object Created", delivered))
    live.pump()
    assert live.responses[-1] == {"batchItemFailures": []}
    assert "encoded" in ids_in(live, "all")


def test_an_object_over_the_size_bound_is_rejected_having_read_one_mib_at_most(
    live: Any,
) -> None:
    """One ranged GET (issue: the inbox is the truth, finding 6): a multi-GB `.json` would
    otherwise be read whole into the function's memory before the 1 MiB check; the range
    reads at most 1 MiB and says the object's size, and the body is left unread."""
    live.upload("articles/huge.json", b" " * (1024 * 1024 + 1))
    gets: list[dict[str, Any]] = []
    client = live.handler.services().source.client
    client.meta.events.register(
        "provide-client-params.s3.GetObject", lambda params, **_: gets.append(dict(params))
    )
    live.pump()
    [get] = [p for p in gets if p["Key"] == "articles/huge.json"]
    assert get["Range"] == f"bytes=0-{1024 * 1024 - 1}"
    report = live.report("articles/huge.json")
    assert report is not None
    assert [p["rule"] for p in report["problems"]] == ["max-size"]
