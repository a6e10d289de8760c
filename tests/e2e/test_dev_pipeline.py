"""The whole local pipeline over HTTP: S3 -> EventBridge -> SQS FIFO -> handler -> CDN.

One stack (real handler, a small copy of content/) serves every test in this module.
"""

from __future__ import annotations

import gzip
import json
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import brotli
import pytest

from nashra.cli import main
from nashra.dev.stack import DevStack

from .articles import BAD_ARTICLE, article_json
from .conftest import copy_content, http, start_stack, wait_for

pytestmark = pytest.mark.e2e

TYPES = {  # RSS and Atom as XML, so browsers apply their stylesheet (P-CT-2)
    "rss.xml": "application/xml; charset=utf-8",
    "atom.xml": "application/xml; charset=utf-8",
    "feed.json": "application/feed+json; charset=utf-8",
    "index.html": "text/html; charset=utf-8",  # the feed's page
}


class Lines(list[str]):
    def __call__(self, line: str) -> None:
        self.append(line)


@pytest.fixture(scope="module")
def lines() -> Lines:
    return Lines()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, lines: Lines) -> Iterator[DevStack]:
    content = copy_content(tmp_path_factory.mktemp("pipeline") / "content", articles=5)
    stack = start_stack(content, say=lines)
    stack.watch()
    stack.upload_content()
    assert stack.wait_drained(30), "the initial content did not publish"
    yield stack
    stack.stop()


@pytest.fixture
def s3(stack: DevStack) -> Any:
    """A client as an editor's script would make one: only the endpoint is local."""
    return boto3.client(
        "s3",
        endpoint_url=stack.endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def _all_feed(stack: DevStack) -> bytes:
    return http(f"{stack.cdn_url}/all/rss.xml").body


def test_every_feed_is_served_with_type_cache_control_and_etag(
    stack: DevStack, lines: Lines
) -> None:
    sections = json.loads((stack.options.content / "sections.json").read_text(encoding="utf-8"))
    for slug in ["all", "breaking", *(s["slug"] for s in sections)]:
        for name, content_type in TYPES.items():
            response = http(f"{stack.cdn_url}/{slug}/{name}")
            assert response.status == 200, f"{slug}/{name}"
            assert response.headers["content-type"] == content_type
            assert "max-age" in response.headers["cache-control"]
            assert response.headers["etag"].startswith('"')
    index = http(f"{stack.cdn_url}/")
    assert index.status == 200 and "text/html" in index.headers["content-type"]
    assert b"all/rss.xml" in index.body
    assert http(f"{stack.cdn_url}/feeds.opml").status == 200
    assert any(line.startswith("config") and "config/site.json" in line for line in lines)
    assert sum(line.startswith(("published", "draft")) for line in lines) >= 5


def test_conditional_get_and_compression_on_a_real_feed(stack: DevStack) -> None:
    url = f"{stack.cdn_url}/all/rss.xml"
    plain = http(url)
    assert plain.headers["content-type"] == TYPES["rss.xml"]
    again = http(url, headers={"If-None-Match": plain.headers["etag"]})
    assert again.status == 304 and again.body == b""
    assert again.headers["etag"] == plain.headers["etag"]
    since = http(url, headers={"If-Modified-Since": plain.headers["last-modified"]})
    assert since.status == 304 and since.body == b""
    zipped = http(url, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert gzip.decompress(zipped.body) == plain.body
    squeezed = http(url, headers={"Accept-Encoding": "br"})
    assert brotli.decompress(squeezed.body) == plain.body


def test_an_upload_appears_in_the_feed_and_a_delete_removes_it(
    stack: DevStack, s3: Any, lines: Lines
) -> None:
    s3.put_object(
        Bucket=stack.inbox_bucket,
        Key="articles/e2e-upload.json",
        Body=article_json("e2e-upload"),
        ContentType="application/json; charset=utf-8",
    )
    wait_for(lambda: b"e2e-upload" in _all_feed(stack), what="the uploaded article in all/rss.xml")
    # The console line comes once the whole batch is done, every feed written.
    wait_for(lambda: _line(lines, "published", "e2e-upload"), what="the published line")
    for feed in ("economy/rss.xml", "economy/atom.xml", "economy/feed.json", "all/feed.json"):
        assert b"e2e-upload" in http(f"{stack.cdn_url}/{feed}").body, feed
    s3.delete_object(Bucket=stack.inbox_bucket, Key="articles/e2e-upload.json")
    wait_for(lambda: b"e2e-upload" not in _all_feed(stack), what="the deleted article to leave")
    wait_for(lambda: _line(lines, "deleted", "e2e-upload"), what="the deleted line")
    for feed in ("economy/rss.xml", "economy/atom.xml", "all/feed.json"):
        assert b"e2e-upload" not in http(f"{stack.cdn_url}/{feed}").body, feed


def _line(lines: Lines, status: str, needle: str) -> bool:
    return any(x.startswith(status) and needle in x for x in list(lines))


def test_a_bad_upload_gets_a_report_and_the_stack_keeps_working(
    stack: DevStack, s3: Any, lines: Lines
) -> None:
    client = s3
    client.put_object(Bucket=stack.inbox_bucket, Key="articles/bad-upload.json", Body=BAD_ARTICLE)
    report_key = "reports/articles/bad-upload.json"

    def reported() -> bool:
        listing = client.list_objects_v2(Bucket=stack.inbox_bucket, Prefix=report_key)
        return bool(listing.get("KeyCount"))

    wait_for(reported, what="the rejection report")
    body = client.get_object(Bucket=stack.inbox_bucket, Key=report_key)["Body"].read()
    report = json.loads(body)
    assert report["accepted"] is False
    fields = {p["field"] for p in report["problems"]}
    assert "title" in fields  # intake stops at the schema error
    for problem in report["problems"]:
        assert problem["message_en"] and problem["message_ar"] and problem["rule"]
    wait_for(lambda: any(x.startswith("rejected") for x in lines), what="the rejected line")
    assert any("[" in x and "/" in x for x in lines if x.startswith("          error"))
    assert b"bad-upload" not in _all_feed(stack)
    stack.upload("articles/after-bad.json", article_json("after-bad"))
    wait_for(lambda: b"after-bad" in _all_feed(stack), what="a good upload after a bad one")
    assert stack.queue_depth("WorkDLQ") == 0


def test_an_article_revived_by_an_id_release_gets_its_own_console_line(
    stack: DevStack, lines: Lines
) -> None:
    """Deleting the file that holds an id publishes the file waiting for it, in the same
    batch: the console shows that nested outcome from the handler, with no S3 read."""
    stack.upload("articles/holder.json", article_json("shared-id"))
    wait_for(lambda: _line(lines, "published", "articles/holder.json"), what="the holder")
    stack.upload("articles/waiter.json", article_json("shared-id"))
    wait_for(lambda: _line(lines, "rejected", "articles/waiter.json"), what="the id clash")
    assert any("[id-taken]" in x for x in lines)
    stack.delete("articles/holder.json")
    wait_for(lambda: _line(lines, "deleted", "articles/holder.json"), what="the delete")
    wait_for(lambda: _line(lines, "published", "articles/waiter.json"), what="the revived file")
    assert b"shared-id" in _all_feed(stack)


def test_the_watcher_publishes_a_file_saved_into_the_content_folder(stack: DevStack) -> None:
    path = stack.options.content / "articles" / "watched-article.json"
    path.write_bytes(article_json("watched-article"))
    wait_for(lambda: b"watched-article" in _all_feed(stack), what="the watched file in the feed")
    path.unlink()
    wait_for(lambda: b"watched-article" not in _all_feed(stack), what="the removed file to leave")


def test_upload_and_status_commands(
    stack: DevStack, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good, bad = tmp_path / "cli-good.json", tmp_path / "cli-bad.json"
    good.write_bytes(article_json("cli-good"))
    bad.write_bytes(BAD_ARTICLE)
    common = ["--bucket", stack.inbox_bucket, "--endpoint", stack.endpoint]
    assert main(["upload", str(good), str(bad), *common]) == 1
    out = capsys.readouterr().out
    assert f"{bad}: error title" in out
    assert "not uploaded" in out and "1 uploaded, 1 invalid" in out
    assert any("\u0600" <= ch <= "\u06ff" for ch in out)  # the Arabic message is printed
    wait_for(lambda: b"cli-good" in _all_feed(stack), what="the CLI upload in the feed")
    keys = stack.s3.list_objects_v2(Bucket=stack.inbox_bucket, Prefix="articles/cli-")
    assert [o["Key"] for o in keys.get("Contents", [])] == ["articles/cli-good.json"]
    stack.upload("articles/status-bad.json", BAD_ARTICLE)
    assert stack.wait_drained(20)
    assert main(["status", *common]) == 0
    out = capsys.readouterr().out
    assert "articles/status-bad.json: rejected" in out
    assert "[" in out and "error title" in out


def _newsboat() -> str:
    path = shutil.which("newsboat")
    if path is None:
        pytest.fail("newsboat is not installed: run `make system-deps` (apt-get install newsboat)")
    return path


def _newsboat_guids(binary: str, urls: list[str], work: Path) -> dict[str, set[str]]:
    """One `newsboat -x reload` per URL (guids repeat across feeds by design), in parallel."""
    runs = {}
    for n, url in enumerate(urls):
        home = work / f"run{n}"
        home.mkdir(parents=True)
        (home / "urls").write_text(f"{url}\n", encoding="utf-8")
        (home / "config").write_text("", encoding="utf-8")
        argv = [binary, "-u", str(home / "urls"), "-c", str(home / "cache.db")]
        process = subprocess.Popen(
            [*argv, "-C", str(home / "config"), "-x", "reload"],
            env={"HOME": str(home), "LANG": "C.UTF-8", "PATH": "/usr/bin:/bin"},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        runs[url] = (home / "cache.db", process)
    found: dict[str, set[str]] = {}
    for url, (cache, process) in runs.items():
        output, _ = process.communicate(timeout=60)
        assert process.returncode == 0, (url, output.decode("utf-8", "replace"))
        with sqlite3.connect(cache) as db:
            found[url] = {str(g) for (g,) in db.execute("SELECT guid FROM rss_item")}
    return found


def test_newsboat_reads_every_served_feed_and_finds_every_item(
    stack: DevStack, tmp_path: Path
) -> None:
    binary = _newsboat()
    assert stack.wait_drained(20)
    sections = json.loads((stack.options.content / "sections.json").read_text(encoding="utf-8"))
    expected: dict[str, set[str]] = {}
    for slug in ["all", "breaking", *(s["slug"] for s in sections)]:
        # The JSON Feed of the same feed says which items there are.
        items = json.loads(http(f"{stack.cdn_url}/{slug}/feed.json").body)["items"]
        for name in ("rss.xml", "atom.xml"):
            expected[f"{stack.cdn_url}/{slug}/{name}"] = {item["id"] for item in items}
    drafts = [
        p
        for p in (stack.options.content / "articles").glob("*.json")
        if json.loads(p.read_bytes()).get("status") == "draft"
    ]
    copied = len(list((stack.options.content / "articles").glob("*.json")))
    assert len(expected[f"{stack.cdn_url}/all/rss.xml"]) >= copied - len(drafts) > 0
    found = _newsboat_guids(binary, sorted(expected), tmp_path)
    assert found == expected
