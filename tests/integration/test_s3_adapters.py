"""S3Source, S3FeedStore and S3ReportStore against moto S3: what they answer, and that
what S3 refuses reaches the caller as nashra's own error, never botocore's."""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError

from nashra.adapters.local import FolderSource, FolderStore, MemoryReports
from nashra.adapters.s3 import S3FeedStore, S3ReportStore, S3Source
from nashra.core.problems import NotFoundError, StorageRejectedError, TransientError

BUCKET = "nashra-test-bucket"
ARABIC_KEY = "articles/أخبار الكويت/مقال+1.json"
RSS = "application/rss+xml; charset=utf-8"
CACHE = "public, max-age=300, s-maxage=60, stale-while-revalidate=300"


@pytest.fixture
def bucket(s3: Any) -> str:
    s3.create_bucket(Bucket=BUCKET)
    return BUCKET


def test_feed_store_writes_once_then_reports_unchanged(s3: Any, bucket: str, call_log: Any) -> None:
    store = S3FeedStore(call_log.watch(s3), bucket)
    body = "<rss><title>نشرة</title></rss>".encode()

    assert store.write("gulf/rss.xml", body, RSS, CACHE) is True
    assert store.write("gulf/rss.xml", body, RSS, CACHE) is False

    assert call_log.count("PutObject") == 1
    assert call_log.count("HeadObject") == 2
    head = s3.head_object(Bucket=bucket, Key="gulf/rss.xml")
    assert head["ContentType"] == RSS
    assert head["CacheControl"] == CACHE
    assert head["Metadata"]["sha256"] == hashlib.sha256(body).hexdigest()
    got = s3.get_object(Bucket=bucket, Key="gulf/rss.xml")["Body"].read()
    assert got == body


def test_feed_store_rewrites_changed_bytes(s3: Any, bucket: str, call_log: Any) -> None:
    store = S3FeedStore(call_log.watch(s3), bucket)
    store.write("all/feed.json", b'{"v":1}', "application/feed+json; charset=utf-8", CACHE)
    assert store.write("all/feed.json", b'{"v":2}', "application/feed+json; charset=utf-8", CACHE)
    assert call_log.count("PutObject") == 2
    assert s3.get_object(Bucket=bucket, Key="all/feed.json")["Body"].read() == b'{"v":2}'


def test_feed_store_rewrites_same_bytes_with_new_headers(
    s3: Any, bucket: str, call_log: Any
) -> None:
    """A release that changes Cache-Control reaches feeds whose bytes did not change."""
    store = S3FeedStore(call_log.watch(s3), bucket)
    body = b"<rss/>"
    store.write("gulf/rss.xml", body, RSS, CACHE)
    assert store.write("gulf/rss.xml", body, RSS, "public, max-age=60") is True
    assert store.write("gulf/rss.xml", body, RSS, "public, max-age=60") is False
    assert call_log.count("PutObject") == 2
    assert s3.head_object(Bucket=bucket, Key="gulf/rss.xml")["CacheControl"] == "public, max-age=60"


def test_feed_store_writes_over_an_object_without_digest(s3: Any, bucket: str) -> None:
    """An object put by hand (no sha256 metadata) is replaced, not trusted."""
    s3.put_object(Bucket=bucket, Key="index.html", Body=b"same")
    assert S3FeedStore(s3, bucket).write("index.html", b"same", "text/html; charset=utf-8", CACHE)
    assert s3.head_object(Bucket=bucket, Key="index.html")["ContentType"].startswith("text/html")


def test_source_reads_missing_key_as_none(s3: Any, bucket: str) -> None:
    assert S3Source(s3, bucket).read("articles/gone.json") is None


def test_missing_bucket_is_not_a_deleted_article(s3: Any) -> None:
    """A missing bucket is a 404 too: read as "deleted" it would unpublish everything."""
    with pytest.raises(NotFoundError) as raised:
        S3Source(s3, "no-such-bucket").read("articles/a.json")
    assert isinstance(raised.value.__cause__, ClientError)
    with pytest.raises(NotFoundError):
        list(S3Source(s3, "no-such-bucket").list_keys("articles/"))
    with pytest.raises(NotFoundError):
        S3FeedStore(s3, "no-such-bucket").write("gulf/rss.xml", b"<rss/>", RSS, CACHE)
    with pytest.raises(NotFoundError):
        S3ReportStore(s3, "no-such-bucket").put_report("articles/a.json", b"{}")
    with pytest.raises(NotFoundError):
        list(S3ReportStore(s3, "no-such-bucket").list_reports())
    with pytest.raises(NotFoundError):
        S3Source(s3, "no-such-bucket").stat("articles/a.json")
    with pytest.raises(NotFoundError):
        S3Source(s3, "no-such-bucket").list_page("articles/", "", 1000)
    with pytest.raises(NotFoundError):
        list(S3FeedStore(s3, "no-such-bucket").paths())
    with pytest.raises(NotFoundError):
        S3FeedStore(s3, "no-such-bucket").delete("gulf/rss.xml")


def s3_answers(client: Any, operation: str, status: int, code: str) -> None:
    """From now on S3 answers `operation` with this error (moto does not enforce every
    limit S3 does, such as 1,024-byte keys)."""
    body = f"<Error><Code>{code}</Code><Message>{code}</Message></Error>".encode()

    def answer(request: Any, **_: Any) -> AWSResponse:
        return AWSResponse(request.url, status, {}, Raw(body))

    client.meta.events.register_first(f"before-send.s3.{operation}", answer)


class Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self) -> Iterator[bytes]:
        yield self.body


def test_what_s3_refuses_to_store_is_rejected_input(s3: Any, bucket: str) -> None:
    """Retrying a key S3 refuses cannot help: the caller gets an InputError to report."""
    s3_answers(s3, "PutObject", 400, "KeyTooLongError")
    key = "articles/" + "مقال" * 260 + ".json"
    with pytest.raises(StorageRejectedError) as raised:
        S3ReportStore(s3, bucket).put_report(key, b"{}")
    assert [p.rule for p in raised.value.problems] == ["storage-rejected"]
    assert "KeyTooLongError" in str(raised.value)
    with pytest.raises(StorageRejectedError):
        S3FeedStore(s3, bucket).write("gulf/rss.xml", b"<rss/>", RSS, CACHE)


def test_other_s3_failures_are_transient(s3: Any, bucket: str) -> None:
    s3_answers(s3, "GetObject", 403, "AccessDenied")
    s3_answers(s3, "HeadObject", 403, "AccessDenied")
    with pytest.raises(TransientError) as raised:
        S3Source(s3, bucket).read(ARABIC_KEY)
    assert isinstance(raised.value.__cause__, ClientError)
    with pytest.raises(TransientError):
        S3ReportStore(s3, bucket).read_report(ARABIC_KEY)
    with pytest.raises(TransientError):
        S3ReportStore(s3, bucket).delete_report(ARABIC_KEY)
    with pytest.raises(TransientError):
        S3FeedStore(s3, bucket).write("gulf/rss.xml", b"<rss/>", RSS, CACHE)
    with pytest.raises(TransientError):
        S3Source(s3, bucket).stat(ARABIC_KEY)


def test_source_arabic_key_with_space_and_plus_is_byte_exact_ar_s3_1(s3: Any, bucket: str) -> None:
    """`+` is not a space and nothing is unquoted: the three keys are three objects."""
    plus, space = ARABIC_KEY, ARABIC_KEY.replace("+", " ")
    quoted = ARABIC_KEY.replace("+", "%2B")
    for key, body in ((plus, b"plus"), (space, b"space"), (quoted, b"quoted")):
        s3.put_object(Bucket=bucket, Key=key, Body=body)
    source = S3Source(s3, bucket)
    assert source.read(plus) == b"plus"
    assert source.read(space) == b"space"
    assert source.read(quoted) == b"quoted"


def test_source_does_not_normalise_arabic_keys_ar_s3_1(s3: Any, bucket: str) -> None:
    """«أ» NFC (U+0623) and NFD (U+0627 U+0654) are different S3 keys."""
    nfd = unicodedata.normalize("NFD", ARABIC_KEY)
    assert nfd != ARABIC_KEY
    s3.put_object(Bucket=bucket, Key=nfd, Body=b"nfd")
    source = S3Source(s3, bucket)
    assert source.read(nfd) == b"nfd"
    assert source.read(ARABIC_KEY) is None
    assert list(source.list_keys("articles/")) == [nfd]


def test_source_lists_every_key_sorted_across_pages(s3: Any, bucket: str) -> None:
    keys = [f"articles/{n:04d}.json" for n in range(1003)] + [ARABIC_KEY, "config/site.json"]
    for key in reversed(keys):
        s3.put_object(Bucket=bucket, Key=key, Body=b"{}")
    listed = list(S3Source(s3, bucket).list_keys("articles/"))
    assert listed == sorted(k for k in keys if k.startswith("articles/"))
    assert len(listed) == 1004  # more than one ListObjectsV2 page of 1,000


def test_reports_put_and_delete(s3: Any, bucket: str, call_log: Any) -> None:
    reports = S3ReportStore(call_log.watch(s3), bucket)
    body = '{"problems": [{"message_ar": "العنوان مفقود"}]}'.encode()
    reports.put_report(ARABIC_KEY, body)

    obj = s3.get_object(Bucket=bucket, Key="reports/" + ARABIC_KEY)
    assert obj["Body"].read() == body
    assert obj["ContentType"] == "application/json; charset=utf-8"
    assert obj["CacheControl"] == "no-store"

    assert reports.delete_report(ARABIC_KEY) is True
    with pytest.raises(ClientError):
        s3.head_object(Bucket=bucket, Key="reports/" + ARABIC_KEY)
    assert call_log.count("DeleteObject") == 1
    assert reports.read_report(ARABIC_KEY) is None


def test_deleting_a_missing_report_sends_no_delete(s3: Any, bucket: str, call_log: Any) -> None:
    """The inbox is versioned: a needless DeleteObject would leave a delete marker."""
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    assert S3ReportStore(call_log.watch(s3), bucket).delete_report("articles/fine.json") is False
    assert call_log.count("DeleteObject") == 0
    versions = s3.list_object_versions(Bucket=bucket)
    assert "DeleteMarkers" not in versions


def test_read_report_gives_the_stored_bytes(s3: Any, bucket: str) -> None:
    reports = S3ReportStore(s3, bucket)
    body = '{"accepted": false, "problems": [{"message_ar": "العنوان مفقود"}]}'.encode()
    reports.put_report(ARABIC_KEY, body)
    assert reports.read_report(ARABIC_KEY) == body
    assert reports.read_report(ARABIC_KEY.replace("+", " ")) is None  # byte-exact keys
    assert reports.read_report("articles/never-uploaded.json") is None


def test_list_reports_gives_every_report_by_uploaded_key_across_pages(s3: Any, bucket: str) -> None:
    """Only `reports/`, keyed by the upload it is about, in key order, past one page."""
    reports = S3ReportStore(s3, bucket)
    keys = [f"articles/{n:04d}.json" for n in range(1002)] + [ARABIC_KEY, "config/site.json"]
    for key in reversed(keys):
        reports.put_report(key, key.encode())
    s3.put_object(Bucket=bucket, Key=ARABIC_KEY, Body=b"{}")  # an upload is not a report
    s3.put_object(Bucket=bucket, Key="reportsX/articles/a.json", Body=b"{}")
    listed = list(reports.list_reports())
    assert [key for key, _ in listed] == sorted(keys)
    assert all(body == key.encode() for key, body in listed)


def test_list_reports_of_an_inbox_without_any(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key=ARABIC_KEY, Body=b"{}")
    assert list(S3ReportStore(s3, bucket).list_reports()) == []


def test_memory_reports_answer_as_the_inbox_does(s3: Any, bucket: str) -> None:
    """`nashra build` and the unit tests use MemoryReports: same calls, same answers."""
    stores = (S3ReportStore(s3, bucket), MemoryReports())
    steps = [
        lambda r: r.put_report(ARABIC_KEY, b"first"),
        lambda r: r.put_report("articles/a.json", b"a"),
        lambda r: r.put_report(ARABIC_KEY, b"second"),  # replaced, not added
        lambda r: r.read_report(ARABIC_KEY),
        lambda r: r.read_report("articles/none.json"),
        lambda r: list(r.list_reports()),
        lambda r: r.delete_report("articles/a.json"),
        lambda r: r.delete_report("articles/a.json"),
        lambda r: list(r.list_reports()),
    ]
    answers = [[step(store) for step in steps] for store in stores]
    assert answers[0] == answers[1]
    assert answers[0][5] == [("articles/a.json", b"a"), (ARABIC_KEY, b"second")]


# -- stat and list_page: what a sweep and a cheap repeat read ------------------------------

# Keys that URL-encoding, `+`-as-space or normalisation would confuse (AR-S3-1), and a key
# S3 would list first in UTF-8 byte order but not in a locale's order.
AWKWARD_KEYS = [
    ARABIC_KEY,
    ARABIC_KEY.replace("+", " "),
    ARABIC_KEY.replace("+", "%2B"),
    "articles/نسبة 100%.json",
    "articles/a b.json",
    "articles/a+b.json",
    "articles/Z.json",
    "articles/z.json",
    unicodedata.normalize("NFD", "articles/أخبار.json"),
]


def params_of(client: Any, operation: str) -> list[dict[str, Any]]:
    """The parameters of every call of `operation` made through `client` from now on."""
    seen: list[dict[str, Any]] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        seen.append(dict(params))

    client.meta.events.register(f"provide-client-params.s3.{operation}", record)
    return seen


def test_stat_gives_the_etag_and_size_with_one_head(s3: Any, bucket: str, call_log: Any) -> None:
    """A HEAD, no GET: S3's ETag without its quotes (the MD5 of a one-part upload) and the
    size, byte-exact per key; None for a missing key."""
    for n, key in enumerate(AWKWARD_KEYS):
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode() * (n + 1))
    source = S3Source(call_log.watch(s3), bucket)
    for n, key in enumerate(AWKWARD_KEYS):
        body = key.encode() * (n + 1)
        stored = source.stat(key)
        assert stored is not None, key
        assert stored.etag == hashlib.md5(body).hexdigest()
        assert stored.size == len(body)
    assert source.stat("articles/gone.json") is None
    assert source.stat(unicodedata.normalize("NFC", AWKWARD_KEYS[-1])) is None
    assert call_log.count("GetObject") == 0
    assert call_log.count("HeadObject") == len(AWKWARD_KEYS) + 2


def test_listed_etags_equal_stat_etags(s3: Any, bucket: str) -> None:
    """A sweep compares listed ETags with the ones events recorded from a HEAD: the same
    bytes give the same string both ways, multipart uploads included."""
    s3.put_object(Bucket=bucket, Key=ARABIC_KEY, Body=b"{}")
    upload = s3.create_multipart_upload(Bucket=bucket, Key="articles/big.json")
    part = s3.upload_part(
        Bucket=bucket,
        Key="articles/big.json",
        UploadId=upload["UploadId"],
        PartNumber=1,
        Body=b"x" * (5 * 1024 * 1024),
    )
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key="articles/big.json",
        UploadId=upload["UploadId"],
        MultipartUpload={"Parts": [{"ETag": part["ETag"], "PartNumber": 1}]},
    )
    source = S3Source(s3, bucket)
    listed = dict(source.list_page("articles/", "", 1000))
    for key in (ARABIC_KEY, "articles/big.json"):
        stored = source.stat(key)
        assert stored is not None
        assert listed[key] == stored.etag
        assert '"' not in stored.etag
    assert listed["articles/big.json"].endswith("-1")  # a multipart ETag, kept as given


def test_list_page_is_one_call_in_utf8_byte_order(s3: Any, bucket: str) -> None:
    for key in [*AWKWARD_KEYS, "config/site.json"]:
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
    calls = params_of(s3, "ListObjectsV2")
    page = S3Source(s3, bucket).list_page("articles/", "", 1000)
    expected = sorted(AWKWARD_KEYS, key=lambda k: k.encode("utf-8"))
    assert [key for key, _ in page] == expected
    assert dict(page)[ARABIC_KEY] == hashlib.md5(ARABIC_KEY.encode()).hexdigest()
    assert len(calls) == 1
    assert "StartAfter" not in calls[0]  # "" means the first page, not a key
    assert calls[0]["MaxKeys"] == 1000


def test_list_page_starts_after_a_key_and_stops_at_the_limit(s3: Any, bucket: str) -> None:
    """Pages chained by their last key give every key once, whatever the key holds."""
    for key in AWKWARD_KEYS:
        s3.put_object(Bucket=bucket, Key=key, Body=b"{}")
    source = S3Source(s3, bucket)
    expected = sorted(AWKWARD_KEYS, key=lambda k: k.encode("utf-8"))
    walked: list[str] = []
    after = ""
    while page := source.list_page("articles/", after, 2):
        assert len(page) <= 2
        walked += [key for key, _ in page]
        after = page[-1][0]
    assert walked == expected
    assert [k for k, _ in source.list_page("articles/", expected[3], 1000)] == expected[4:]
    assert source.list_page("articles/", expected[-1], 1000) == []
    assert source.list_page("reports/", "", 1000) == []


def test_folder_source_answers_as_the_inbox_does(s3: Any, bucket: str, tmp_path: Path) -> None:
    """`nashra build` sweeps a folder: same stat and list_page answers as S3 for the same
    files, so the publisher's sweep logic is tested by the unit tests as it runs on AWS."""
    for n, key in enumerate(AWKWARD_KEYS):
        body = f"{n}".encode() * (n + 1)
        s3.put_object(Bucket=bucket, Key=key, Body=body)
        (tmp_path / key).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / key).write_bytes(body)
    sources = (S3Source(s3, bucket), FolderSource(tmp_path))
    first = [source.list_page("articles/", "", 3) for source in sources]
    assert first[0] == first[1]
    assert len(first[0]) == 3
    rest = [source.list_page("articles/", first[0][-1][0], 1000) for source in sources]
    assert rest[0] == rest[1]
    assert len(rest[0]) == len(AWKWARD_KEYS) - 3
    stats = [
        [source.stat(key) for key in [*AWKWARD_KEYS, "articles/gone.json"]] for source in sources
    ]
    assert stats[0] == stats[1]


def test_folder_store_paths_and_delete_answer_as_the_bucket_does(
    s3: Any, bucket: str, tmp_path: Path
) -> None:
    stores = (S3FeedStore(s3, bucket), FolderStore(tmp_path))
    for store in stores:
        for path in ("gulf/rss.xml", "أخبار/feed.json", "index.html", "opml.xml"):
            store.write(path, b"x", RSS, CACHE)
        store.delete("gulf/rss.xml")
        store.delete("sport/rss.xml")
    assert list(stores[0].paths()) == list(stores[1].paths())


# -- the feeds bucket: paths and delete ----------------------------------------------------


def test_feed_store_paths_lists_every_object_in_order(s3: Any, bucket: str) -> None:
    paths = [f"s{n:04d}/rss.xml" for n in range(1002)] + ["index.html", "أخبار/feed.json"]
    for path in reversed(paths):
        s3.put_object(Bucket=bucket, Key=path, Body=b"x")
    assert list(S3FeedStore(s3, bucket).paths()) == sorted(paths)


def test_feed_store_deletes_a_path(s3: Any, bucket: str) -> None:
    store = S3FeedStore(s3, bucket)
    for path in ("gulf/rss.xml", "gulf/atom.xml", "all/rss.xml"):
        store.write(path, b"<rss/>", RSS, CACHE)
    store.delete("gulf/rss.xml")
    store.delete("gulf/rss.xml")  # already gone: fine
    assert list(store.paths()) == ["all/rss.xml", "gulf/atom.xml"]


def test_feed_store_delete_failures_are_nashras(s3: Any, bucket: str) -> None:
    s3_answers(s3, "DeleteObject", 503, "SlowDown")
    with pytest.raises(TransientError) as raised:
        S3FeedStore(s3, bucket).delete("gulf/rss.xml")
    assert isinstance(raised.value.__cause__, ClientError)


# -- reading ahead: one ranged GET per key, one listing for the reports of many ---------------

LIMIT = 1024 * 1024  # B-1


def test_fetch_gives_etag_size_and_bytes_in_one_ranged_get(
    s3: Any, bucket: str, call_log: Any
) -> None:
    source = S3Source(call_log.watch(s3), bucket)
    s3.put_object(Bucket=bucket, Key=ARABIC_KEY, Body="نص".encode())
    fetched = source.fetch(ARABIC_KEY, LIMIT)
    assert fetched is not None
    assert fetched.body == "نص".encode()
    assert fetched.size == len("نص".encode())
    stored = source.stat(ARABIC_KEY)
    assert stored is not None and fetched.etag == stored.etag  # the ETag the index records
    assert call_log.by_operation()["s3:GetObject"] == 1


def test_fetch_of_a_missing_key_is_none(s3: Any, bucket: str) -> None:
    assert S3Source(s3, bucket).fetch("articles/gone.json", LIMIT) is None


def test_fetch_over_the_limit_reads_no_more_than_the_limit(s3: Any, bucket: str) -> None:
    """B-1: the size comes from Content-Range; the bytes are not kept, and the GET asked
    for the first `limit` bytes only."""
    asked: list[dict[str, Any]] = []
    s3.meta.events.register(
        "provide-client-params.s3.GetObject", lambda params, **_: asked.append(dict(params))
    )
    s3.put_object(Bucket=bucket, Key="articles/big.json", Body=b"x" * 2001)
    fetched = S3Source(s3, bucket).fetch("articles/big.json", 2000)
    assert fetched is not None
    assert (fetched.size, fetched.body) == (2001, None)
    assert asked[-1]["Range"] == "bytes=0-1999"
    exact = S3Source(s3, bucket)
    s3.put_object(Bucket=bucket, Key="articles/edge.json", Body=b"y" * 2000)
    at_limit = exact.fetch("articles/edge.json", 2000)
    assert at_limit is not None and at_limit.body == b"y" * 2000


def test_fetch_of_an_empty_object_gives_empty_bytes(s3: Any, bucket: str) -> None:
    """A range of an empty object cannot be satisfied (S3 answers 416 InvalidRange); its
    HEAD says it is empty, and the publisher reports it as any empty file."""
    s3.put_object(Bucket=bucket, Key="articles/empty.json", Body=b"")
    fetched = S3Source(s3, bucket).fetch("articles/empty.json", LIMIT)
    head = s3.head_object(Bucket=bucket, Key="articles/empty.json")
    assert fetched is not None
    assert (fetched.etag, fetched.size, fetched.body) == (head["ETag"].strip('"'), 0, b"")


def test_folder_source_fetches_as_the_inbox_does(s3: Any, bucket: str, tmp_path: Path) -> None:
    folder = FolderSource(tmp_path)
    for key, body in (("articles/a.json", b'{"a": 1}'), ("articles/big.json", b"z" * 30)):
        path = tmp_path / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
        s3.put_object(Bucket=bucket, Key=key, Body=body)
    inbox = S3Source(s3, bucket)
    for key in ("articles/a.json", "articles/big.json", "articles/none.json"):
        assert folder.fetch(key, 20) == inbox.fetch(key, 20), key


def test_reported_is_one_listing_for_many_keys(s3: Any, bucket: str, call_log: Any) -> None:
    reports = S3ReportStore(call_log.watch(s3), bucket)
    keys = [f"articles/{n:03d}.json" for n in range(50)] + [ARABIC_KEY]
    for key in (keys[3], keys[40], ARABIC_KEY, "articles/zzz-not-asked.json"):
        reports.put_report(key, b"{}")
    call_log.clear()
    assert reports.reported(keys) == {keys[3], keys[40], ARABIC_KEY}
    assert call_log.by_operation() == {"s3:ListObjectsV2": 1}
    assert reports.reported([]) == set()
    assert MemoryReports().reported(keys) == set()


def test_reported_past_one_page_asks_the_rest_one_by_one(
    s3: Any, bucket: str, call_log: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More reports than one listing page between the first and last key asked for: the
    keys past the page are asked with a HeadObject each, so none is missed."""
    from nashra.adapters import s3 as s3_adapter

    monkeypatch.setattr(s3_adapter, "LIST_PAGE", 3)
    reports = S3ReportStore(call_log.watch(s3), bucket)
    keys = [f"articles/{n}.json" for n in range(8)]
    for key in keys[:6]:
        reports.put_report(key, b"{}")
    call_log.clear()
    assert reports.reported([keys[0], keys[5], keys[7]]) == {keys[0], keys[5]}
    assert call_log.by_operation() == {"s3:ListObjectsV2": 1, "s3:HeadObject": 2}
