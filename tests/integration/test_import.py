"""`nashra import CONTENT_DIR` over moto S3 and SQS: resumable, validating, concurrent.

moto gives S3's ETag (the MD5 of a single-part upload, `…-N` for a multipart one), the
paginated listing and SQS FIFO. Failures are injected with a `before-send` hook that
answers as S3 does (503 SlowDown, 403 AccessDenied) before moto sees the request, so
botocore's own retry mode handles them as it would against AWS.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from nashra.adapters.sqs import SqsRequeue
from nashra.cli import main
from nashra.core.keys import ARTICLES_PREFIX, CONFIG_KEYS
from nashra.editor import check_bytes, import_client
from nashra.editor.archive import Importer, Tally, archive_config, archive_files, stored_etags
from nashra.work import Sweep, decode

REGION = "us-east-1"
BUCKET = "nashra-inbox"
CONTENT = Path(__file__).resolve().parents[2] / "content"
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
SECTIONS = [s["slug"] for s in json.loads((CONTENT / "sections.json").read_bytes())]


def write_article(root: Path, n: int, title: str = "خبر من أرشيف غرفة الأخبار") -> Path:
    """An article file at articles/<section>/archive-<n>.json (nested folders, as archives
    have them)."""
    section = SECTIONS[n % len(SECTIONS)]
    path = root / "articles" / section / f"archive-{n:04d}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {
        "id": f"archive-{n:04d}",
        "section": section,
        "title": f"{title} رقم {n}",
        "published": f"2025-{1 + n % 12:02d}-{1 + n % 28:02d}T08:{n % 60:02d}:00",
        "body": "<p>أعلنت الوزارة اليوم عن خطة جديدة لتطوير البنية التحتية.</p>",
    }
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    root = tmp_path / "archive"
    root.mkdir()
    for name in ("site.json", "sections.json"):
        shutil.copy(CONTENT / name, root / name)
    for n in range(30):
        write_article(root, n)
    return root


@pytest.fixture
def inbox(s3: Any) -> Any:
    s3.create_bucket(Bucket=BUCKET)
    return s3


def run_import(
    client: Any, root: Path, *, bucket: str = BUCKET, workers: int = 4, **options: Any
) -> tuple[Tally, list[str]]:
    """One import through the Importer, as `nashra import` runs it; its tally and lines."""
    lines: list[str] = []
    importer = Importer(
        client,
        bucket,
        archive_config(root, client, bucket),
        check_bytes,
        NOW,
        workers=workers,
        say=lines.append,
        **options,
    )
    files = archive_files(root)
    tally = importer.run(files, stored_etags(client, bucket, ("config/", ARTICLES_PREFIX)))
    return tally, lines


def inbox_state(s3: Any, bucket: str = BUCKET) -> dict[str, str]:
    return stored_etags(s3, bucket, ("",))


def md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest()


def test_an_import_uploads_config_first_then_every_article(
    inbox: Any, archive: Path, call_log: Any
) -> None:
    call_log.watch(inbox)
    tally, lines = run_import(inbox, archive)
    assert (tally.uploaded, tally.present, tally.rejected, tally.failed) == (32, 0, 0, [])
    assert tally.ok and lines == []
    # one listing per prefix, never a HEAD per file
    assert call_log.count("ListObjectsV2") == 2 and call_log.count("HeadObject") == 0
    assert call_log.count("PutObject") == 32
    assert inbox_state(inbox) == {u.key: md5(u.path) for u in archive_files(archive)}


def test_config_goes_up_before_any_article(inbox: Any, archive: Path) -> None:
    order: list[str] = []
    inbox.meta.events.register(
        "before-parameter-build.s3.PutObject", lambda params, **_: order.append(params["Key"])
    )
    run_import(inbox, archive, workers=8)
    assert order[:2] == list(CONFIG_KEYS)
    assert all(k.startswith(ARTICLES_PREFIX) for k in order[2:])


def test_a_second_import_uploads_nothing(inbox: Any, archive: Path, call_log: Any) -> None:
    run_import(inbox, archive)
    call_log.watch(inbox)
    tally, _ = run_import(inbox, archive)
    assert (tally.uploaded, tally.present) == (0, 32) and tally.ok
    assert call_log.count("PutObject") == 0
    assert call_log.count("ListObjectsV2") == 2  # 30 keys: one page each


def test_a_changed_file_is_uploaded_again_and_only_it(inbox: Any, archive: Path) -> None:
    run_import(inbox, archive)
    changed = write_article(archive, 7, title="خبر معدّل بعد الاستيراد")
    added = write_article(archive, 99)
    tally, _ = run_import(inbox, archive)
    assert (tally.uploaded, tally.present) == (2, 31)
    state = inbox_state(inbox)
    assert state[f"articles/{SECTIONS[7 % len(SECTIONS)]}/archive-0007.json"] == md5(changed)
    assert state[f"articles/{SECTIONS[99 % len(SECTIONS)]}/archive-0099.json"] == md5(added)


def test_a_multipart_copy_with_the_same_bytes_is_uploaded_again_once(
    inbox: Any, archive: Path
) -> None:
    """A multipart ETag (`<md5 of part md5s>-N`) is not the MD5 of the bytes, so the import
    cannot tell the bytes are the same: it uploads the file once more, in one PUT, after
    which its ETag compares."""
    path = archive_files(archive)[5].path
    key = archive_files(archive)[5].key
    upload_id = inbox.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
    part = inbox.upload_part(
        Bucket=BUCKET, Key=key, UploadId=upload_id, PartNumber=1, Body=path.read_bytes()
    )
    inbox.complete_multipart_upload(
        Bucket=BUCKET,
        Key=key,
        UploadId=upload_id,
        MultipartUpload={"Parts": [{"ETag": part["ETag"], "PartNumber": 1}]},
    )
    assert inbox_state(inbox)[key].endswith("-1")
    first, _ = run_import(inbox, archive)
    assert first.uploaded == 32
    second, _ = run_import(inbox, archive)
    assert second.uploaded == 0 and inbox_state(inbox)[key] == md5(path)


def test_invalid_files_are_reported_and_not_uploaded(inbox: Any, archive: Path) -> None:
    bad = archive / "articles" / "bad.json"
    bad.write_text('{"id": "bad", "section": "nowhere"}', encoding="utf-8")
    huge = archive / "articles" / "huge.json"
    huge.write_bytes(b" " * (1024 * 1024 + 1))
    tally, lines = run_import(inbox, archive)
    assert (tally.uploaded, tally.rejected) == (32, 2) and not tally.ok
    assert f"{bad}: not uploaded" in lines
    assert any(line.startswith(f"{bad}: error section") for line in lines)
    assert any(line.startswith(f"{huge}: error") and "max-size" in line for line in lines)
    state = inbox_state(inbox)
    assert "articles/bad.json" not in state and "articles/huge.json" not in state
    # a second run reports them again and still uploads nothing
    again, _ = run_import(inbox, archive)
    assert (again.uploaded, again.present, again.rejected) == (0, 32, 2)


def test_a_file_that_would_never_be_published_is_rejected_not_left_out(
    inbox: Any, archive: Path
) -> None:
    """«Story.JSON» is listed with the rest, rejected locally with the name to give it,
    and not uploaded (at articles/Story.JSON nashra would never read it)."""
    good = json.loads(next((archive / "articles").rglob("*.json")).read_text("utf-8"))
    upper = archive / "articles" / "Story.JSON"
    upper.write_text(json.dumps({**good, "id": "story"}, ensure_ascii=False), encoding="utf-8")
    tally, lines = run_import(inbox, archive)
    assert (tally.uploaded, tally.rejected) == (32, 1)
    assert any(line.startswith(f"{upper}: error (file) [file-name]") for line in lines)
    assert "articles/Story.JSON" not in inbox_state(inbox)


def test_upload_invalid_uploads_them_but_never_one_over_the_limit(
    inbox: Any, archive: Path
) -> None:
    (archive / "articles" / "bad.json").write_text('{"id": "bad"}', encoding="utf-8")
    (archive / "articles" / "huge.json").write_bytes(b" " * (1024 * 1024 + 1))
    tally, lines = run_import(inbox, archive, upload_invalid=True)
    assert (tally.uploaded, tally.rejected) == (33, 1)
    assert any("uploaded anyway" in line for line in lines)
    state = inbox_state(inbox)
    assert "articles/bad.json" in state and "articles/huge.json" not in state


def test_an_invalid_config_stops_before_anything_is_uploaded(inbox: Any, archive: Path) -> None:
    (archive / "sections.json").write_text('[{"slug": "all"}]', encoding="utf-8")
    code = main(["import", str(archive), "--bucket", BUCKET])
    assert code == 2
    assert inbox_state(inbox) == {}


def test_articles_validate_against_the_buckets_config_when_the_folder_has_none(
    inbox: Any, archive: Path
) -> None:
    run_import(inbox, archive)
    for name in ("site.json", "sections.json"):
        (archive / name).unlink()
    write_article(archive, 200)
    tally, _ = run_import(inbox, archive)
    assert (tally.uploaded, tally.present, tally.rejected) == (1, 30, 0)


def test_concurrency_does_not_change_the_result(s3: Any, archive: Path) -> None:
    (archive / "articles" / "bad.json").write_text('{"id": "bad"}', encoding="utf-8")
    results = {}
    for workers in (1, 8):
        bucket = f"inbox-{workers}"
        s3.create_bucket(Bucket=bucket)
        tally, lines = run_import(s3, archive, bucket=bucket, workers=workers)
        results[workers] = (tally.summary(), sorted(lines), inbox_state(s3, bucket))
    assert results[1] == results[8]
    assert results[1][0] == "32 uploaded, 0 already there, 1 rejected locally, 0 failed"


def throttling(times: int) -> tuple[Callable[..., Any], list[str]]:
    """A before-send hook: the first `times` PutObject attempts are answered 503 SlowDown,
    which botocore's standard mode retries. (moto's own before-send handler still stores
    that attempt's bytes, since botocore calls every handler; the retry stores the same.)"""
    throttled: list[str] = []

    class Raw:
        def stream(self, **_: Any) -> Any:
            yield b"<Error><Code>SlowDown</Code><Message>injected</Message></Error>"

    def hook(request: Any, **_: Any) -> AWSResponse | None:
        if request.method != "PUT" or len(throttled) >= times:
            return None
        throttled.append(request.url)
        return AWSResponse(request.url, 503, {}, Raw())

    return hook, throttled


def refusing(times: int, under: str = "") -> tuple[Callable[..., Any], list[str]]:
    """A before-call hook: the first `times` PutObject calls for keys under `under` are
    refused 403 AccessDenied (not retried) before any request is made, so nothing is
    stored, as on AWS."""
    refused: list[str] = []

    def hook(params: dict[str, Any], **_: Any) -> tuple[Any, dict[str, Any]] | None:
        key = params["context"]["input_params"]["Key"]
        if not key.startswith(under) or len(refused) >= times:
            return None
        refused.append(key)
        error = {"Code": "AccessDenied", "Message": "injected"}
        return AWSResponse("", 403, {}, None), {"Error": error, "ResponseMetadata": {}}

    return hook, refused


def test_a_transient_failure_is_retried_by_botocore(
    inbox: Any, archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """botocore's standard mode retries a 503 after a backoff (recorded, not slept)."""
    import botocore.endpoint

    slept: list[float] = []
    monkeypatch.setattr(botocore.endpoint, "time", SimpleNamespace(sleep=slept.append))
    client = import_client(None, workers=4)
    hook, throttled = throttling(times=5)
    client.meta.events.register_first("before-send.s3.PutObject", hook)
    tally, _ = run_import(client, archive)
    assert len(throttled) == 5 and len(slept) == 5  # each attempt retried after a backoff
    assert tally.uploaded == 32 and tally.failed == [] and tally.ok
    assert len(inbox_state(inbox)) == 32


def test_a_failure_after_retries_is_counted_and_the_rest_goes_on(inbox: Any, archive: Path) -> None:
    client = import_client(None, workers=1)
    hook, failed = refusing(times=1, under="articles/")
    client.meta.events.register_first("before-call.s3.PutObject", hook)
    tally, lines = run_import(client, archive, workers=1)
    assert len(failed) == 1 and len(tally.failed) == 1 and not tally.ok
    assert tally.uploaded == 31
    assert any("not uploaded: TransientError" in line for line in lines)
    again, _ = run_import(inbox, archive)  # the next run uploads what failed
    assert (again.uploaded, again.present) == (1, 31)


def test_uploads_failing_in_a_row_stop_the_import(inbox: Any, archive: Path) -> None:
    client = import_client(None, workers=2)
    hook, _ = refusing(times=10_000)
    client.meta.events.register_first("before-call.s3.PutObject", hook)
    tally, _ = run_import(client, archive, workers=2, stop_after=3)
    assert tally.stopped and "the site configuration" in tally.stopped
    assert (
        tally.summary() == "0 uploaded, 0 already there, 0 rejected locally, 2 failed, 30 not tried"
    )
    # With the config already there, the articles stop after `stop_after` in a row.
    run_import(inbox, archive)
    write_article(archive, 0, title="خبر معدّل")  # some files to upload again
    for n in range(1, 30):
        write_article(archive, n, title="خبر معدّل")
    tally, _ = run_import(client, archive, workers=2, stop_after=3)
    assert tally.stopped.startswith("3 uploads in a row failed")
    assert 3 <= len(tally.failed) <= 3 + 2 * 2  # those already in flight still finish
    assert tally.present == 2 and tally.uploaded == 0


def test_ctrl_c_leaves_whole_files_and_a_second_run_finishes(inbox: Any, archive: Path) -> None:
    """KeyboardInterrupt reaches the main thread while uploads are in flight: the PUTs
    already started finish, nothing new starts, and every object is a whole file."""

    class Interrupting:
        def __init__(self) -> None:
            self.count = 0

        def advance(self, n: int = 1) -> None:
            self.count += n
            if self.count == 12:
                raise KeyboardInterrupt

    tally, _ = run_import(inbox, archive, workers=4, progress=Interrupting())
    assert tally.interrupted and not tally.ok
    state = inbox_state(inbox)
    files = {u.key: md5(u.path) for u in archive_files(archive)}
    assert 12 <= len(state) < 32
    assert all(files[key] == etag for key, etag in state.items())  # whole files only
    again, _ = run_import(inbox, archive)
    assert again.present == len(state) and again.uploaded == 32 - len(state)
    assert inbox_state(inbox) == files


def test_the_command_queues_one_sweep_after_uploading(
    inbox: Any, archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="work.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    (archive / "articles" / "bad.json").write_text('{"id": "bad"}', encoding="utf-8")
    code = main(["import", str(archive), "--bucket", BUCKET, "--queue", url])
    out = capsys.readouterr().out
    assert code == 1  # one file rejected locally
    assert "32 uploaded, 0 already there, 1 rejected locally, 0 failed" in out
    assert "sweep" in out and "queued" in out
    bodies = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    assert [type(decode(m["Body"], BUCKET)) for m in bodies] == [Sweep]
    (archive / "articles" / "bad.json").unlink()
    assert main(["import", str(archive), "--bucket", BUCKET, "--queue", url]) == 0
    assert "0 uploaded, 32 already there" in capsys.readouterr().out
    assert sqs.receive_message(QueueUrl=url).get("Messages", []) == []  # nothing new: no sweep


def test_an_imported_archive_is_published_by_its_events_and_the_sweep(
    pipeline: Any, archive: Path
) -> None:
    """The whole path: import into the inbox (events to the work queue), queue the sweep,
    run the handler until the queue is empty: every article is in the `all` feed."""
    tally, _ = run_import(pipeline.s3, archive, bucket=BUCKET, workers=4)
    assert tally.uploaded == 32
    SqsRequeue(pipeline.sqs, pipeline.queue_url).send([Sweep(run="import-test")])
    pipeline.pump(rounds=30)
    feed = json.loads(pipeline.feed("all/feed.json") or b"{}")
    ids = {item["id"].rsplit(":", 1)[-1] for item in feed["items"]}
    assert ids == {f"archive-{n:04d}" for n in range(30)}


def test_a_sweep_that_cannot_be_queued_is_said_and_the_import_still_succeeds(
    inbox: Any, archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An editor's role may upload but not queue a sweep (infra/README.md): the upload
    events publish the archive all the same, so the import's status stays 0."""
    code = main(["import", str(archive), "--bucket", BUCKET, "--queue", "no-such-queue.fifo"])
    captured = capsys.readouterr()
    assert code == 0
    assert "32 uploaded" in captured.out and "no sweep queued" in captured.out
    assert "no-such-queue.fifo: NotFoundError" in captured.err
