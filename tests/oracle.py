"""The oracle of the fault suite: what the feeds bucket must hold once nashra has converged.

The inbox is the truth. Whatever events were lost, repeated, reordered or dead-lettered,
once the pipeline has settled (and a sweep has run where one is needed) the published
files must be, byte for byte, what a full `nashra build` of the inbox's current contents
gives: every feed's rss.xml, atom.xml, feed.json and index.html (its page), plus feeds.opml,
index.html and feed.css, and nothing else. The editors' reports converge too: the inbox
holds a report on each file that build reports on (rejected, warned or scheduled), with the
same problems, and on no other.

    assert published_feeds(s3, "nashra-feeds") == expected_feeds(s3, "nashra-inbox")
    assert published_reports(s3, "nashra-inbox") == expected_reports(s3, "nashra-inbox")
"""

from __future__ import annotations

import json
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from nashra.adapters.variants import CODINGS, compress, has_variants, variant_path
from nashra.builder import Built, build
from nashra.core.keys import (
    ARTICLES_PREFIX,
    CONFIG_PREFIX,
    MAX_INPUT_KEY_BYTES,
    REPORTS_PREFIX,
    folder_path,
    is_reconciled_key,
    key_bytes,
    key_of_report,
)
from nashra.core.problems import Problem

INPUT_PREFIXES = (ARTICLES_PREFIX, CONFIG_PREFIX)


def list_objects(s3: Any, bucket: str, prefix: str = "") -> list[str]:
    """Every key of `bucket` under `prefix`, across every page of the listing."""
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return [obj["Key"] for page in pages for obj in page.get("Contents", ())]


def read_object(s3: Any, bucket: str, key: str) -> bytes:
    body: bytes = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    return body


def download_inbox(s3: Any, inbox_bucket: str, content: Path) -> None:
    """The current version of every article and config object, as a content folder
    (`nashra.core.keys.folder_path`: config/site.json is site.json)."""
    for prefix in INPUT_PREFIXES:
        for key in list_objects(s3, inbox_bucket, prefix):
            target = content / folder_path(key)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(read_object(s3, inbox_bucket, key))


def read_tree(root: Path) -> dict[str, bytes]:
    """Every file under `root` by its POSIX path relative to it."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def with_variants(files: dict[str, bytes]) -> dict[str, bytes]:
    """`files` and the .br and .gz variants the feeds bucket stores beside them (D10). Their
    bytes are deterministic, so a stale or missing variant is a difference like any other."""
    variants = {
        variant_path(path, coding): compress(body, coding)
        for path, body in files.items()
        if has_variants(path)
        for coding in CODINGS
    }
    return {**files, **variants}


def _full_build(s3: Any, inbox_bucket: str, now: datetime | None) -> tuple[Built, dict[str, bytes]]:
    with tempfile.TemporaryDirectory(prefix="nashra-oracle-") as tmp:
        content, out = Path(tmp) / "content", Path(tmp) / "out"
        content.mkdir()
        download_inbox(s3, inbox_bucket, content)
        built = build(content, out, jobs=1, now=now)
        return built, with_variants(read_tree(out))


def expected_feeds(s3: Any, inbox_bucket: str, now: datetime | None = None) -> dict[str, bytes]:
    """The objects a full build of the inbox's current contents publishes at `now` (what
    is scheduled until later stays out, B-20; default: the present), by key."""
    return _full_build(s3, inbox_bucket, now)[1]


ReportProblems = list[tuple[str, str, str, str, str]]


def _problem(p: Problem | dict[str, str]) -> tuple[str, str, str, str, str]:
    fields = ("field", "rule", "severity", "message_en", "message_ar")
    if isinstance(p, dict):
        return tuple(p[f] for f in fields)  # type: ignore[return-value]
    return tuple(getattr(p, f) for f in fields)  # type: ignore[return-value]


def expected_reports(
    s3: Any, inbox_bucket: str, now: datetime | None = None
) -> dict[str, ReportProblems]:
    """The problems of each inbox key a full build reports on, by key: the rejected,
    the accepted with warnings, and the scheduled (told when they will appear)."""
    built, _ = _full_build(s3, inbox_bucket, now)
    return {
        o.key: [_problem(p) for p in o.problems]
        for o in built.outcomes
        if _reportable(o.key) and (o.problems or o.status == "scheduled")
    }


def _reportable(key: str) -> bool:
    """A key the publisher reports on: one it reconciles whose report key S3 can hold. A
    key over the bound B-21 is rejected on its name by both, but S3 refuses `reports/<key>`
    (KeyTooLongError; moto does not), so the publisher only logs why (`Publisher._report`)."""
    return is_reconciled_key(key) and key_bytes(key) <= MAX_INPUT_KEY_BYTES


def published_reports(s3: Any, inbox_bucket: str) -> dict[str, ReportProblems]:
    """The problems of each report in the inbox, by the key it reports on."""
    return {
        key_of_report(key): [
            _problem(p) for p in json.loads(read_object(s3, inbox_bucket, key))["problems"]
        ]
        for key in list_objects(s3, inbox_bucket, REPORTS_PREFIX)
    }


def published_feeds(s3: Any, feeds_bucket: str) -> dict[str, bytes]:
    """Every object of the feeds bucket, by key."""
    return {key: read_object(s3, feeds_bucket, key) for key in list_objects(s3, feeds_bucket)}


def differences(published: dict[str, bytes], expected: dict[str, bytes]) -> list[str]:
    """What a failed comparison shows: paths missing, extra, or with other bytes."""
    missing = [f"missing {p}" for p in sorted(expected.keys() - published.keys())]
    extra = [f"extra {p}" for p in sorted(published.keys() - expected.keys())]
    changed = [
        f"differs {p}"
        for p in sorted(expected.keys() & published.keys())
        if expected[p] != published[p]
    ]
    return missing + extra + changed


def expected_output(
    s3: Any, inbox_bucket: str, now: datetime | None = None
) -> tuple[dict[str, bytes], dict[str, ReportProblems]]:
    """`expected_feeds` and `expected_reports` from one full build (a build per check is
    most of a randomized schedule's time)."""
    built, files = _full_build(s3, inbox_bucket, now)
    reports = {
        o.key: [_problem(p) for p in o.problems]
        for o in built.outcomes
        if _reportable(o.key) and (o.problems or o.status == "scheduled")
    }
    return files, reports


def unseen_etags(s3: Any, dynamodb: Any, inbox_bucket: str, table: str) -> dict[str, object]:
    """What a sweep would still heal: each input key whose ETag in the inbox differs from
    the one the index has seen (None on the side that has no such key). Empty once the
    pipeline has converged."""
    from nashra.adapters.dynamodb import DynamoIndex
    from nashra.adapters.s3 import S3Source

    inbox = S3Source(s3, inbox_bucket)
    listed = {
        key: etag
        for prefix in INPUT_PREFIXES
        for key, etag in inbox.list_page(prefix, "", 1000)
        if is_reconciled_key(key)
    }
    seen = {s.key: s.etag for s in DynamoIndex(dynamodb, table).seen_between("", None)}
    return {
        key: (listed.get(key), seen.get(key))
        for key in listed.keys() | seen.keys()
        if listed.get(key) != seen.get(key)
    }
