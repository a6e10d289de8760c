"""Reconcile semantics over in-memory adapters: what each change does to the feeds."""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from nashra.adapters.local import FolderSource, MemoryIndex, MemoryReports
from nashra.core.keys import SECTIONS_KEY, SITE_KEY, report_key
from nashra.core.problems import Problem, StorageRejectedError, TransientError
from nashra.publish import Publisher
from nashra.work import Message, RebuildAll, Sweep, dedup_id
from publishing import CountingStore, empty_inbox

CONTENT = Path(__file__).resolve().parents[2] / "content"
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    return empty_inbox(tmp_path)


def make_publisher(
    inbox: Path, *, configured: bool = True, reports: MemoryReports | None = None
) -> tuple[Publisher, CountingStore, MemoryReports]:
    """A publisher over `inbox`; `configured` publishes its config files first."""
    store, reports = CountingStore(), reports or MemoryReports()
    publisher = Publisher(
        source=FolderSource(inbox),
        index=MemoryIndex(),
        store=store,
        reports=reports,
        clock=lambda: NOW,
    )
    if configured:
        publisher.publish([SITE_KEY, SECTIONS_KEY])
    return publisher, store, reports


def put(inbox: Path, name: str, **fields: Any) -> str:
    data = {
        "section": "economy",
        "title": "ارتفاع أسعار النفط",
        "body": "نص الخبر.",
        "published": "2026-11-20T08:15:00",
        **fields,
    }
    (inbox / "articles" / name).write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    return f"articles/{name}"


class QueueRecorder:
    """A Requeue that keeps what it was given."""

    def __init__(self) -> None:
        self.queued: list[Message] = []

    def send(self, messages: Sequence[Message]) -> None:
        self.queued.extend(messages)


def slugs_changed(
    inbox: Path, names: Sequence[str], chunk: int | None = None
) -> tuple[Publisher, CountingStore, QueueRecorder, list[str]]:
    """A publisher of the articles `names`, then given a work queue (sweeps of `chunk`
    keys); site.json is changed to Arabic slugs in the inbox, not yet reconciled."""
    publisher, store, _ = make_publisher(inbox)
    keys = [put(inbox, f"{name}.json") for name in names]
    publisher.publish(keys)
    queue = QueueRecorder()
    publisher.requeue = queue
    if chunk is not None:
        publisher.sweep_chunk = chunk
    site = json.loads((inbox / "site.json").read_text(encoding="utf-8"))
    (inbox / "site.json").write_text(json.dumps({**site, "arabic_slugs": True}), "utf-8")
    return publisher, store, queue, keys


def count_reads(source: Any) -> list[str]:
    """The keys `source` is read at from now on (a GET each on S3: `read` or `fetch`)."""
    reads: list[str] = []
    read, fetch = source.read, source.fetch

    def counting_read(key: str) -> bytes | None:
        reads.append(key)
        return read(key)  # type: ignore[no-any-return]

    def counting_fetch(key: str, limit: int) -> Any:
        reads.append(key)
        return fetch(key, limit)

    source.read, source.fetch = counting_read, counting_fetch
    return reads


def guids(store: CountingStore, feed: str) -> list[str]:
    body = store.files.get(f"{feed}/rss.xml", b"").decode()
    return [part.split("</guid>")[0] for part in body.split(">tag:")[1:]]


def test_new_article_reaches_section_all_and_breaking(inbox: Path) -> None:
    publisher, store, _ = make_publisher(inbox)
    key = put(inbox, "oil.json", title="عاجل: ارتفاع أسعار النفط")
    [outcome] = publisher.apply(key)
    publisher.flush()
    assert outcome.status == "published"
    for feed in ("economy", "all", "breaking"):
        assert any(g.endswith(":oil") for g in guids(store, feed)), feed
    assert guids(store, "politics") == []


def test_update_keeps_the_id(inbox: Path) -> None:
    publisher, store, _ = make_publisher(inbox)
    publisher.publish([put(inbox, "oil.json")])
    before = guids(store, "economy")
    publisher.publish([put(inbox, "oil.json", title="النفط يواصل الارتفاع")])
    assert guids(store, "economy") == before
    assert "النفط يواصل الارتفاع" in store.files["economy/rss.xml"].decode()


def test_section_move_leaves_the_old_feed(inbox: Path) -> None:
    publisher, store, _ = make_publisher(inbox)
    publisher.publish([put(inbox, "oil.json")])
    publisher.publish([put(inbox, "oil.json", section="gulf")])
    assert guids(store, "economy") == []
    assert len(guids(store, "gulf")) == 1


def test_delete_removes_from_every_feed(inbox: Path) -> None:
    publisher, store, _ = make_publisher(inbox)
    key = put(inbox, "oil.json", breaking=True)
    publisher.publish([key])
    (inbox / key).unlink()
    outcomes, _ = publisher.publish([key])
    assert outcomes[0].status == "deleted"
    assert guids(store, "economy") == guids(store, "all") == guids(store, "breaking") == []


def test_draft_stays_out(inbox: Path) -> None:
    publisher, store, _ = make_publisher(inbox)
    outcomes, _ = publisher.publish([put(inbox, "oil.json", status="draft")])
    assert outcomes[0].status == "draft"
    assert guids(store, "all") == []


def test_unchanged_reupload_writes_nothing(inbox: Path) -> None:
    publisher, store, _ = make_publisher(inbox)
    key = put(inbox, "oil.json")
    publisher.publish([key])
    puts = store.puts
    _, flushed = publisher.publish([key, key])
    assert store.puts == puts
    assert flushed.written == []


def test_rejected_upload_is_reported_then_cleared(inbox: Path) -> None:
    publisher, _, reports = make_publisher(inbox)
    bad = put(inbox, "bad.json", section="weather")
    good = put(inbox, "good.json")
    outcomes, _ = publisher.publish([bad, good])
    assert [o.status for o in outcomes] == ["rejected", "published"]
    report = json.loads(reports.reports[bad])
    assert report["problems"][0]["field"] == "section"
    assert report["problems"][0]["message_ar"]
    publisher.publish([put(inbox, "bad.json")])
    assert bad not in reports.reports


def test_second_file_claiming_an_id_is_rejected_naming_both(inbox: Path) -> None:
    publisher, _, reports = make_publisher(inbox)
    first = put(inbox, "a.json", id="oil")
    second = put(inbox, "b.json", id="oil")
    outcomes, _ = publisher.publish([first, second])
    assert [o.status for o in outcomes] == ["published", "rejected"]
    message = json.loads(reports.reports[second])["problems"][-1]["message_en"]
    assert first in message and second in message


def test_config_change_rerenders_everything(inbox: Path) -> None:
    publisher, store, _ = make_publisher(inbox)
    site = json.loads((inbox / "site.json").read_text("utf-8"))
    site["title"] = "نشرة المساء"
    (inbox / "site.json").write_text(json.dumps(site, ensure_ascii=False), "utf-8")
    outcomes, flushed = publisher.publish([SITE_KEY])
    assert outcomes[0].status == "config"
    assert "politics/rss.xml" in flushed.written and "index.html" in flushed.written
    assert "نشرة المساء" in store.files["politics/atom.xml"].decode()


def test_duplicated_and_reordered_events_give_the_same_feeds(inbox: Path) -> None:
    keys = [put(inbox, f"n{i}.json", published=f"2026-11-2{i}T08:00:00") for i in range(4)]
    clean, clean_store, _ = make_publisher(inbox)
    clean.publish(keys)
    noisy, noisy_store, _ = make_publisher(inbox)
    noisy.publish([keys[3], keys[1], keys[3], keys[0], keys[2], keys[1], RebuildAll()])
    assert noisy_store.files == clean_store.files


def test_upload_before_config_is_published_once_config_arrives(tmp_path: Path) -> None:
    root = tmp_path / "content"
    (root / "articles").mkdir(parents=True)
    publisher, store, reports = make_publisher(root, configured=False)
    key = put(root, "oil.json")
    outcomes, _ = publisher.publish([key])
    assert outcomes[0].status == "rejected"
    assert "config-unavailable" in [p.rule for p in outcomes[0].problems]
    shutil.copy(CONTENT / "site.json", root / "site.json")
    shutil.copy(CONTENT / "sections.json", root / "sections.json")
    publisher.publish([SITE_KEY, SECTIONS_KEY])
    assert key not in reports.reports
    assert len(guids(store, "economy")) == 1


def test_new_section_revives_a_rejected_upload(inbox: Path) -> None:
    publisher, store, reports = make_publisher(inbox)
    key = put(inbox, "match.json", section="esports")
    assert publisher.publish([key])[0][0].status == "rejected"
    sections = json.loads((inbox / "sections.json").read_text("utf-8"))
    sections.append({"slug": "esports", "title": "رياضات إلكترونية"})
    (inbox / "sections.json").write_text(json.dumps(sections, ensure_ascii=False), "utf-8")
    publisher.publish([SECTIONS_KEY])
    assert key not in reports.reports
    assert len(guids(store, "esports")) == 1


def test_config_report_clears_once_both_files_are_valid(tmp_path: Path) -> None:
    root = tmp_path / "content"
    (root / "articles").mkdir(parents=True)
    publisher, _, reports = make_publisher(root, configured=False)
    shutil.copy(CONTENT / "site.json", root / "site.json")
    assert publisher.publish([SITE_KEY])[0][0].status == "rejected"  # no sections.json yet
    assert SITE_KEY in reports.reports
    shutil.copy(CONTENT / "sections.json", root / "sections.json")
    assert publisher.publish([SECTIONS_KEY])[0][0].status == "config"
    assert reports.reports == {}


def test_moving_the_site_keeps_every_item_id(inbox: Path) -> None:
    publisher, store, _ = make_publisher(inbox)
    publisher.publish([put(inbox, "oil.json")])
    before = guids(store, "economy")
    site = json.loads((inbox / "site.json").read_text("utf-8"))
    site["base_url"] = "https://nashra.example"  # tag_authority stays: ids must not change
    (inbox / "site.json").write_text(json.dumps(site, ensure_ascii=False), "utf-8")
    publisher.publish([SITE_KEY])
    assert guids(store, "economy") == before


@pytest.mark.parametrize("url", ["https://[", "http://a.example:99999/x", "https://a b.example/"])
def test_malformed_url_is_a_problem_not_a_crash(inbox: Path, url: str) -> None:
    publisher, _, reports = make_publisher(inbox)
    outcomes, _ = publisher.publish([put(inbox, "bad.json", url=url), put(inbox, "ok.json")])
    assert [o.status for o in outcomes] == ["rejected", "published"]
    assert [p.rule for p in outcomes[0].problems] == ["absolute-url"]
    assert "articles/bad.json" in reports.reports


def test_validator_bug_is_reported_not_retried(
    inbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import nashra.publish

    def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("boom")

    publisher, _, reports = make_publisher(inbox)
    monkeypatch.setattr(nashra.publish, "parse_article", broken)
    outcomes, _ = publisher.publish([put(inbox, "oil.json")])
    assert outcomes[0].status == "rejected"
    assert json.loads(reports.reports["articles/oil.json"])["problems"][0]["rule"] == "internal"


def test_broken_config_does_not_fail_a_delete(inbox: Path) -> None:
    publisher, store, _ = make_publisher(inbox)
    key = put(inbox, "oil.json")
    publisher.publish([key])
    (inbox / "sections.json").write_text('[{"slug": "x"}]', "utf-8")  # no title
    assert publisher.publish([SECTIONS_KEY])[0][0].status == "rejected"
    (inbox / key).unlink()
    outcomes, flushed = publisher.publish([key])  # must not raise
    assert outcomes[0].status == "deleted"
    assert flushed.written == [] and flushed.config_problems
    shutil.copy(CONTENT / "sections.json", inbox / "sections.json")
    publisher.publish([SECTIONS_KEY])
    assert guids(store, "economy") == []


def test_id_freed_by_a_delete_goes_to_the_file_waiting_for_it(inbox: Path) -> None:
    publisher, store, reports = make_publisher(inbox)
    first, second = put(inbox, "a.json", id="oil"), put(inbox, "b.json", id="oil", title="ب")
    publisher.publish([first, second])
    (inbox / first).unlink()
    outcomes, _ = publisher.publish([first])
    # The revived file's outcome comes with the delete that caused it, right after it.
    assert [(o.key, o.status, o.article_id) for o in outcomes] == [
        (first, "deleted", "oil"),
        (second, "published", "oil"),
    ]
    assert len(guids(store, "economy")) == 1
    assert "<title>ب</title>" in store.files["economy/rss.xml"].decode()
    assert reports.reports == {}


def test_id_given_up_by_its_owner_is_free_whatever_the_event_order(inbox: Path) -> None:
    publisher, store, _ = make_publisher(inbox)
    publisher.publish([put(inbox, "a.json", id="x")])
    put(inbox, "a.json", id="y")  # a gives up x ...
    put(inbox, "b.json", id="x")  # ... and b takes it; b's event arrives first
    publisher.publish(["articles/b.json", "articles/a.json"])
    assert sorted(g.rsplit(":", 1)[-1] for g in guids(store, "economy")) == ["x", "y"]


def test_a_file_left_waiting_for_a_freed_id_is_published_by_the_sweep(inbox: Path) -> None:
    """The file that frees an id is written before the file waiting for it is retried; a
    transient failure in that retry fails the batch, and its retry finds the freeing file
    already indexed, so nothing frees the id again (failure schedule seed 6004). The
    sweep's first chunk retries every file waiting for an id no other file holds."""
    failing: set[str] = set()

    class Flaky(FolderSource):
        def fetch(self, key: str, limit: int) -> Any:
            if key in failing:
                failing.discard(key)
                raise TransientError("no answer from AWS")
            return super().fetch(key, limit)

    store, reports, index = CountingStore(), MemoryReports(), MemoryIndex()

    def publisher() -> Publisher:  # one per batch, as the Lambda function makes them
        source = Flaky(inbox)
        return Publisher(
            source=source, index=index, store=store, reports=reports, clock=lambda: NOW
        )

    publisher().publish([SITE_KEY, SECTIONS_KEY])
    publisher().publish([put(inbox, "a.json", id="x"), put(inbox, "b.json", id="x", title="ب")])
    assert reports.reports.keys() == {"articles/b.json"}
    put(inbox, "a.json", id="y")  # a gives up x; b's retry fails after a's change is written
    failing.add("articles/b.json")
    with pytest.raises(TransientError):
        publisher().publish(["articles/a.json"])
    publisher().publish(["articles/a.json"])  # the batch's retry: a is reconciled already
    assert (index.get("x"), index.rejected()) == (None, [("articles/b.json", "x")])
    publisher().publish([Sweep()])
    assert sorted(g.rsplit(":", 1)[-1] for g in guids(store, "economy")) == ["x", "y"]
    assert reports.reports == {}


def add_section(inbox: Path, slug: str) -> None:
    sections = json.loads((inbox / "sections.json").read_text(encoding="utf-8"))
    sections.append({"slug": slug, "title": "رياضات إلكترونية"})
    (inbox / "sections.json").write_text(json.dumps(sections, ensure_ascii=False), "utf-8")


def test_config_change_retries_rejected_uploads_only(inbox: Path) -> None:
    publisher, _, reports = make_publisher(inbox)
    warned = [put(inbox, f"w{i}.json", subtitle="x") for i in range(5)]  # accepted, warnings
    rejected = put(inbox, "r.json", section="esports")
    publisher.publish([*warned, rejected])
    assert len(reports.reports) == 6
    reads = count_reads(publisher.source)
    add_section(inbox, "esports")
    outcomes = publisher.publish([SECTIONS_KEY]).outcomes
    assert [k for k in reads if k.startswith("articles/")] == [rejected]
    assert [(o.key, o.status) for o in outcomes] == [
        (SECTIONS_KEY, "config"),
        (rejected, "published"),
    ]


def test_an_unchanged_config_event_costs_one_head_and_re_derives_nothing(inbox: Path) -> None:
    publisher, store, _ = make_publisher(inbox)
    publisher.publish([put(inbox, "r.json", section="esports")])
    puts = store.puts
    assert [o.status for o in publisher.publish([SECTIONS_KEY]).outcomes] == ["unchanged"]
    assert store.puts == puts


def test_with_a_queue_a_config_change_re_derives_every_article_chunk_by_chunk(
    inbox: Path,
) -> None:
    """A config change queues one re-deriving sweep; each chunk is one message that
    queues the next, so no invocation handles every article (issue: the inbox is the
    truth, finding 3); every message has its own deduplication id (finding 2)."""
    publisher, store, queue, keys = slugs_changed(inbox, ("a", "b", "c"), chunk=2)
    queued = queue.queued
    publisher.new_run = lambda: "run-1"
    publisher.publish([SITE_KEY])
    assert queued == [Sweep(rederive=True, run="run-1")]
    first = publisher.publish([queued[-1]]).outcomes
    assert [o.key for o in first if o.status == "published"] == keys[:2]
    assert queued[-1] == Sweep(after=keys[1], rederive=True, run="run-1")
    last = publisher.publish([queued[-1]]).outcomes
    assert [o.key for o in last if o.status == "published"] == keys[2:]
    assert len(queued) == 2 and len({dedup_id(m) for m in queued}) == 2
    assert "%D8" in store.files["all/rss.xml"].decode()  # re-derived: Arabic slugs in URLs


def test_a_lost_rederiving_sweep_is_done_again_by_the_next_sweep(inbox: Path) -> None:
    """The re-deriving sweep a config change queued never runs (dead-lettered, no redrive).
    The config's ETag is seen by then, so only the ask the index keeps brings the change
    to the articles: the next plain sweep re-derives in its place, chunk by chunk, and
    forgets the ask at its last chunk."""
    publisher, store, queue, keys = slugs_changed(inbox, ("a", "b", "c"), chunk=2)
    queued = queue.queued
    publisher.new_run = lambda: "run-1"
    publisher.publish([SITE_KEY])
    assert queued == [Sweep(rederive=True, run="run-1")]
    assert publisher.index.rederive_asked() == "run-1"
    queued.clear()  # lost
    first = publisher.publish([Sweep(run="hourly")]).outcomes
    assert [o.key for o in first if o.status == "published"] == keys[:2]
    assert queued == [Sweep(after=keys[1], rederive=True, run="hourly")]
    assert publisher.index.rederive_asked() == "hourly"
    last = publisher.publish([queued[-1]]).outcomes
    assert [o.key for o in last if o.status == "published"] == keys[2:]
    assert publisher.index.rederive_asked() is None
    assert "%D8" in store.files["all/rss.xml"].decode()
    again = publisher.publish([Sweep(run="next-hour")]).outcomes  # nothing left to do
    assert [o.status for o in again] == ["sweep"]
    assert queued[-1] == Sweep(after=keys[1], rederive=False, run="next-hour")


def test_a_sweep_retried_after_taking_over_the_ask_still_rederives(inbox: Path) -> None:
    """A plain sweep's first chunk takes over a lost re-deriving sweep's ask, then fails
    (a transient failure later in the chunk), so its message comes back as it was: not
    re-deriving, while the ask now names its own run. The retry must still re-derive, or
    the ask waits for the next hourly sweep while its holder finishes without doing it."""
    publisher, store, _, keys = slugs_changed(inbox, ("a", "b"))
    publisher.publish([SITE_KEY])
    publisher.index.hand_rederive(str(publisher.index.rederive_asked()), "hourly")  # taken over
    outcomes = publisher.publish([Sweep(run="hourly")]).outcomes  # ... and the retry
    assert [o.key for o in outcomes if o.status == "published"] == keys
    assert publisher.index.rederive_asked() is None
    assert "%D8" in store.files["all/rss.xml"].decode()


def test_a_rederiving_sweep_asked_and_finished_in_one_batch_leaves_no_ask(inbox: Path) -> None:
    """A sweep that finds the config changed re-derives at once; when the inbox fits one
    chunk it finishes in the same batch, so the ask is never written, and no later sweep
    re-derives everything once more."""
    publisher, _, queue, keys = slugs_changed(inbox, ("a", "b"))
    outcomes = publisher.publish([Sweep(run="hourly")]).outcomes
    assert [o.key for o in outcomes if o.status == "published"] == keys
    assert publisher.index.rederive_asked() is None and queue.queued == []


def test_a_config_fix_returns_the_outcome_of_every_upload_it_revives(inbox: Path) -> None:
    """Nested outcomes, in order, after the config change that caused them."""
    publisher, store, _ = make_publisher(inbox)
    early = [put(inbox, f"e{i}.json", section="esports") for i in range(3)]  # unknown section
    assert [o.status for o in publisher.publish(early).outcomes] == ["rejected"] * 3
    sections = json.loads((inbox / "sections.json").read_text(encoding="utf-8"))
    sections.append({"slug": "esports", "title": "رياضات إلكترونية"})
    (inbox / "sections.json").write_text(json.dumps(sections, ensure_ascii=False), "utf-8")
    published = publisher.publish([SECTIONS_KEY])
    assert [(o.key, o.status) for o in published.outcomes] == [
        (SECTIONS_KEY, "config"),
        *((key, "published") for key in early),
    ]
    assert len(guids(store, "esports")) == 3


def test_a_sweep_chunk_queues_the_next_only_once_its_feeds_are_written(inbox: Path) -> None:
    """A chunk that fails before its feeds are written is retried after the queue's
    visibility timeout (360 s), past SQS's five-minute deduplication window: had it queued
    its successor already, the retry would queue a second copy and the sweep would run
    twice. The successor goes out at the very end of the batch."""
    queue = QueueRecorder()
    queued = queue.queued

    publisher, store, _ = make_publisher(inbox)
    keys = [put(inbox, f"{name}.json") for name in ("a", "b", "c")]
    publisher.requeue, publisher.sweep_chunk = queue, 2

    def fail(*args: object) -> bool:
        raise TransientError("SlowDown")

    store.write = fail  # type: ignore[method-assign]
    with pytest.raises(TransientError):
        publisher.publish([Sweep(run="r")])  # the first chunk finds a and b, unseen
    assert queued == []
    del store.write
    retry = Publisher(  # a retried batch gets a new publisher: its state is per batch
        source=publisher.source,
        index=publisher.index,
        store=store,
        reports=publisher.reports,
        clock=publisher.clock,
        requeue=queue,
        sweep_chunk=2,
    )
    retry.touch_all()  # what the handler does for a redelivered batch
    retry.publish([Sweep(run="r")])
    assert queued == [Sweep(after=keys[1], run="r")]
    assert len(guids(store, "economy")) == 2  # a and b; c waits for the next chunk


def test_a_sweep_of_an_empty_index_reads_every_article_once(inbox: Path) -> None:
    """First deploy, or an index restored from nothing: the sweep finds both config files
    unseen. It re-derives from the start itself rather than queuing a second sweep per
    config file (each of which would read every article again)."""
    queue = QueueRecorder()
    queued = queue.queued

    publisher, _, _ = make_publisher(inbox, configured=False)
    keys = [put(inbox, f"{name}.json") for name in ("a", "b", "c")]
    publisher.requeue = queue
    reads = count_reads(publisher.source)
    outcomes = publisher.publish([Sweep(run="first")]).outcomes
    assert [o.status for o in outcomes if o.key in keys] == ["published"] * 3
    assert sorted(k for k in reads if k in keys) == keys  # each article read once
    assert queued == []  # no second sweep
    assert outcomes[0].healed == 5  # both config files and three articles were unseen


def test_a_sweep_reports_a_misnamed_file_once_and_counts_other_files_never(inbox: Path) -> None:
    """The hourly sweep lists every key under articles/. «Story.JSON» (the event rule
    matches only the common spellings) gets its report on the first sweep and is seen
    from then on; an image beside the articles is not an input. Before, both were
    reconciled as "ignored", never marked seen, so every sweep counted them healed: the
    KeysHealed alarm fired each hour for files nobody lost."""
    publisher, _, reports = make_publisher(inbox)
    put(inbox, "a.json")
    put(inbox, "Story.jSoN")
    (inbox / "articles" / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    first = publisher.publish([Sweep(run="r1")]).outcomes
    statuses = {o.key: o.status for o in first[1:]}
    assert statuses == {"articles/a.json": "published", "articles/Story.jSoN": "rejected"}
    assert first[0].healed == 2
    report = json.loads(reports.reports["articles/Story.jSoN"])
    assert report["problems"][0]["rule"] == "file-name"
    assert "'Story.json'" in report["problems"][0]["message_en"]

    second = publisher.publish([Sweep(run="r2")]).outcomes
    assert [(o.status, o.healed) for o in second] == [("sweep", 0)]

    (inbox / "articles" / "Story.jSoN").unlink()  # its delete event lost: the sweep heals it
    third = publisher.publish([Sweep(run="r3")]).outcomes
    assert [(o.key, o.status) for o in third[1:]] == [("articles/Story.jSoN", "deleted")]
    assert "articles/Story.jSoN" not in reports.reports


def test_a_misnamed_file_over_the_size_limit_is_told_both(inbox: Path) -> None:
    """Over 1 MiB, the file is never read (B-1); its report still names both fixes."""
    publisher, _, reports = make_publisher(inbox)
    (inbox / "articles" / "Big.JSON").write_bytes(b" " * (1024 * 1024 + 1))
    [outcome] = publisher.publish(["articles/Big.JSON"]).outcomes
    assert [p.rule for p in outcome.problems] == ["file-name", "max-size"]
    assert "articles/Big.JSON" in reports.reports


class S3Reports(MemoryReports):
    """Reports as S3 stores them: a key over 1,024 UTF-8 bytes is refused with
    KeyTooLongError, which nashra reads as a StorageRejectedError (moto 5 stores any key,
    so this models AWS's documented limit)."""

    def put_report(self, key: str, body: bytes) -> None:
        if len(report_key(key).encode()) > 1024:
            raise StorageRejectedError((Problem("(file)", "storage-rejected", "KeyTooLong", "-"),))
        super().put_report(key, body)


def test_a_key_too_long_for_its_report_is_rejected_once_and_the_rest_publishes(
    inbox: Path,
) -> None:
    """A 1,020-byte key (S3 takes up to 1,024) has no room for `reports/` in front. Its
    report used to fail, the record was dropped unseen, and every hourly sweep met it
    again, counted it healed and dropped it again. Now its outcome says why, it is
    marked rejected and seen, and the other upload of the batch publishes."""
    publisher, store, _ = make_publisher(inbox, reports=S3Reports())
    name = "/".join(["ب" * 100] * 5) + "/x.json"  # folders: each name under 255 bytes
    (inbox / "articles" / name).parent.mkdir(parents=True)
    long_key = put(inbox, name)
    assert len(long_key.encode()) == 1020
    good = put(inbox, "good.json")
    outcomes = publisher.publish([long_key, good]).outcomes
    assert [(o.key, o.status) for o in outcomes] == [(long_key, "rejected"), (good, "published")]
    assert [p.rule for p in outcomes[0].problems] == ["file-name"]
    assert guids(store, "economy") == ["www.nashra.example,2026:good"]
    sweep = publisher.publish([Sweep(run="r")]).outcomes
    assert [(o.status, o.healed) for o in sweep] == [("sweep", 0)]


def test_a_config_file_over_the_limit_is_reported_never_read_whole(inbox: Path) -> None:
    """A site.json of gigabytes (a wrong file uploaded in its place) was downloaded whole:
    the function (1,769 MB) would have died of it on every batch that reads the config.
    It is now one bounded read, and a report on its size; the articles wait for a config
    as they do for any broken one."""
    publisher, _, reports = make_publisher(inbox, configured=False)
    with (inbox / "site.json").open("r+b") as site:
        site.truncate(3 * 1024 * 1024)
    put(inbox, "a.json")

    def whole(key: str) -> bytes | None:
        raise AssertionError(f"{key} read whole")

    publisher.source.read = whole  # type: ignore[method-assign]
    outcomes = publisher.publish([SITE_KEY, SECTIONS_KEY, "articles/a.json"]).outcomes
    assert [o.status for o in outcomes] == ["rejected", "rejected", "rejected"]
    report = json.loads(reports.reports[SITE_KEY])
    assert [(p["field"], p["rule"]) for p in report["problems"]] == [(SITE_KEY, "max-size")]
    assert "(3,145,728 bytes > 1,048,576)" in report["problems"][0]["message_en"]
