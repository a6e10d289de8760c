"""Adapters over Amazon S3: the inbox (ArticleSource), the feeds bucket (FeedStore) and the
rejection reports (ReportStore).

Clients are passed in; this module creates none. Keys are used byte-exact: they come from
EventBridge events, which do not URL-encode them, so nothing here unquotes or normalises a
key (AR-S3-1, P-KEY-1). Every AWS call runs inside `aws_errors()`: callers get nashra's
errors (`nashra.adapters.errors`), and a missing object is an answer (None, False), not an
error.

ETags leave here without the double quotes S3 wraps them in, the same from HeadObject
(`S3Source.stat`) and ListObjectsV2 (`S3Source.list_page`): the index records one and a
sweep compares it with the other.

In the Lambda function and `nashra dev`, `S3Source(boto3.client("s3"), "nashra-inbox")`
reads `articles/أخبار الكويت/مقال+1.json` as bytes, or None once it is deleted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterator, Mapping
from typing import Any

from botocore.exceptions import ClientError

from nashra.adapters.errors import aws_errors, error_code, is_missing
from nashra.core.keys import REPORTS_PREFIX, key_of_report, report_key
from nashra.ports import Fetched, Stored

SHA256_METADATA = "sha256"  # stored as x-amz-meta-sha256 on every feed object
LIST_PAGE = 1000  # ListObjectsV2's largest page
REPORT_CONTENT_TYPE = "application/json; charset=utf-8"
REPORT_CACHE_CONTROL = "no-store"


def _get(client: Any, bucket: str, key: str) -> bytes | None:
    """The object's bytes, None when it does not exist. Call inside `aws_errors()`."""
    try:
        response = client.get_object(Bucket=bucket, Key=key)
    except ClientError as error:
        if is_missing(error):
            return None
        raise
    body: bytes = response["Body"].read()
    return body


def _head(client: Any, bucket: str, key: str) -> dict[str, Any] | None:
    """The object's HeadObject answer, None when it does not exist. Call inside
    `aws_errors()`."""
    try:
        head: dict[str, Any] = client.head_object(Bucket=bucket, Key=key)
    except ClientError as error:
        if is_missing(error):
            return None
        raise
    return head


def _etag(raw: str) -> str:
    """S3's ETag without the double quotes it wraps it in: HeadObject and ListObjectsV2
    give the same value for the same bytes, so a listed ETag compares equal to a HEAD's."""
    return raw.strip('"')


def _shared_start(a: str, b: str) -> str:
    """The longest string both `a` and `b` start with (a listing prefix)."""
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def _total_size(response: dict[str, Any]) -> int:
    """The whole object's size from a ranged GetObject: Content-Range's total
    (`bytes 0-99/100`), or Content-Length when S3 sent the whole object."""
    content_range = response.get("ContentRange")
    if content_range:
        return int(str(content_range).rsplit("/", 1)[1])
    return int(response["ContentLength"])


def _list(client: Any, bucket: str, prefix: str) -> list[str]:
    """Every key under `prefix` across pages, sorted (S3 lists in UTF-8 byte order already)."""
    keys: list[str] = []
    with aws_errors():
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            keys.extend(obj["Key"] for obj in page.get("Contents", ()))
    return sorted(keys)


class S3Source:
    """ArticleSource over the inbox bucket: reads the *current* version of a key.

    Reading the current object instead of trusting the event is what makes duplicated and
    reordered events harmless (docs/design.md, "Each event means key K changed").
    """

    def __init__(self, client: Any, bucket: str) -> None:
        self.client = client
        self.bucket = bucket

    def read(self, key: str) -> bytes | None:
        """The object's bytes, or None when it does not exist (deleted).

        On AWS a missing key answers 403 instead of 404 unless the role may s3:ListBucket;
        the template grants it so that a deleted article reads as deleted.
        """
        with aws_errors():
            return _get(self.client, self.bucket, key)

    def stat(self, key: str) -> Stored | None:
        """ETag and size of the object from one HeadObject, None when it does not exist
        (the same 403-for-missing caveat as `read`). Nothing is downloaded: a file too large
        to accept is refused on its size alone."""
        with aws_errors():
            head = _head(self.client, self.bucket, key)
        if head is None:
            return None
        return Stored(_etag(head["ETag"]), int(head["ContentLength"]))

    def fetch(self, key: str, limit: int) -> Fetched | None:
        """One GetObject of the first `limit` bytes (a Range): the ETag, the size from
        Content-Range, and the bytes when the object is no larger than `limit`; None when
        it does not exist. A larger object is never read whole (B-1): its body is closed
        unread. An empty object has no range to give (416 InvalidRange): its HEAD says so."""
        with aws_errors():
            try:
                response = self.client.get_object(
                    Bucket=self.bucket, Key=key, Range=f"bytes=0-{limit - 1}"
                )
            except ClientError as error:
                if is_missing(error):
                    return None
                if error_code(error) != "InvalidRange":
                    raise
                return self._empty(key, limit)
        size = _total_size(response)
        if size > limit:
            response["Body"].close()
            return Fetched(_etag(response["ETag"]), size, None)
        with aws_errors():
            body: bytes = response["Body"].read()
        return Fetched(_etag(response["ETag"]), size, body)

    def _empty(self, key: str, limit: int) -> Fetched | None:
        """The object a range could not be read from: empty, unless it changed since."""
        stored = self.stat(key)
        if stored is None or stored.size:
            return None if stored is None else self.fetch(key, limit)
        return Fetched(stored.etag, 0, b"")

    def list_keys(self, prefix: str) -> Iterator[str]:
        """Every key under `prefix`, sorted."""
        yield from _list(self.client, self.bucket, prefix)

    def list_page(self, prefix: str, after: str, limit: int) -> list[tuple[str, str]]:
        """One ListObjectsV2 call: up to `limit` (key, ETag) pairs under `prefix` after key
        `after` ("" for the first page), in S3's order (UTF-8 binary order of the keys)."""
        params: dict[str, Any] = {"Bucket": self.bucket, "Prefix": prefix, "MaxKeys": limit}
        if after:
            params["StartAfter"] = after
        with aws_errors():
            page = self.client.list_objects_v2(**params)
        return [(obj["Key"], _etag(obj["ETag"])) for obj in page.get("Contents", ())]


class S3FeedStore:
    """FeedStore over the feeds bucket; an unchanged body is not written again.

    The sha256 of the body rides in the object's metadata, so one HeadObject tells whether
    a PUT is needed. Skipping identical writes keeps ETag and Last-Modified stable, so readers
    and CloudFront keep getting 304s (P-FEED-1).
    """

    def __init__(self, client: Any, bucket: str) -> None:
        self.client = client
        self.bucket = bucket

    def write(
        self, path: str, body: bytes, content_type: str, cache_control: str, *, once: bool = False
    ) -> bool:
        if not once and self.unchanged(path, body, content_type, cache_control):
            return False
        self.put(path, body, content_type, cache_control)
        return True

    # -- with Content-Encoding and metadata: what nashra.adapters.variants needs (D10) ------

    def unchanged(
        self,
        path: str,
        body: bytes,
        content_type: str,
        cache_control: str,
        *,
        content_encoding: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> bool:
        """Whether `path` already holds `body` with these headers and metadata (one
        HeadObject). Headers count too: a release that changes Content-Type or
        Cache-Control must reach feeds whose bytes did not change."""
        return self.matches(
            self.head(path),
            body,
            content_type,
            cache_control,
            content_encoding=content_encoding,
            metadata=metadata,
        )

    def head(self, path: str) -> dict[str, Any] | None:
        """HeadObject's answer for `path` (None: no object), for `matches`: `unchanged`
        in two steps, so the check can be made before the bytes are known."""
        with aws_errors():
            return _head(self.client, self.bucket, path)

    @staticmethod
    def matches(
        head: Mapping[str, Any] | None,
        body: bytes,
        content_type: str,
        cache_control: str,
        *,
        content_encoding: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> bool:
        """Whether the object `head` describes holds `body` with these headers."""
        wanted = {**(metadata or {}), SHA256_METADATA: hashlib.sha256(body).hexdigest()}
        if head is None:
            return False
        stored = (head.get("Metadata", {}), head.get("ContentType"), head.get("CacheControl"))
        return stored == (wanted, content_type, cache_control) and head.get("ContentEncoding") == (
            content_encoding or None
        )

    def put(
        self,
        path: str,
        body: bytes,
        content_type: str,
        cache_control: str,
        *,
        content_encoding: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        """Write `body` at `path` whatever is there; its sha256 rides in the metadata."""
        extra = {"ContentEncoding": content_encoding} if content_encoding else {}
        with aws_errors():
            self.client.put_object(
                Bucket=self.bucket,
                Key=path,
                Body=body,
                ContentType=content_type,
                CacheControl=cache_control,
                Metadata={**(metadata or {}), SHA256_METADATA: hashlib.sha256(body).hexdigest()},
                **extra,
            )

    def paths(self) -> Iterator[str]:
        """Every object of the feeds bucket, in key order (every page of the listing)."""
        yield from _list(self.client, self.bucket, "")

    def delete(self, path: str) -> None:
        """Remove the object at `path` (a feed of a removed section); a path that is
        already gone is fine."""
        with aws_errors():
            self.client.delete_object(Bucket=self.bucket, Key=path)


class S3ReportStore:
    """ReportStore over the inbox bucket: the report on upload K is `reports/K`
    (`nashra.core.keys.report_key`), next to the uploads.

    `reports/` is outside the prefixes the EventBridge rule listens to, so a report never
    triggers the publisher (P-LOOP-1). Editors' tools read them back here too
    (`read_report`, `list_reports`), so none of them calls S3 itself.
    """

    def __init__(self, client: Any, bucket: str) -> None:
        self.client = client
        self.bucket = bucket

    def put_report(self, key: str, body: bytes) -> None:
        with aws_errors():
            self.client.put_object(
                Bucket=self.bucket,
                Key=report_key(key),
                Body=body,
                ContentType=REPORT_CONTENT_TYPE,
                CacheControl=REPORT_CACHE_CONTROL,
            )

    def reported(self, keys: Collection[str]) -> set[str]:
        """Those of `keys` with a report: one ListObjectsV2 page of the reports from the
        first key's on (reports are few: one page usually covers every key), then one
        HeadObject for each key past that page."""
        wanted = sorted({report_key(k): k for k in keys}.items())
        if not wanted:
            return set()
        first, last = wanted[0][0], wanted[-1][0]
        params = {
            "Bucket": self.bucket,
            "Prefix": _shared_start(first, last),
            "StartAfter": first[:-1],  # a proper prefix of `first` sorts before it
            "MaxKeys": LIST_PAGE,
        }
        with aws_errors():
            page = self.client.list_objects_v2(**params)
        listed = {obj["Key"] for obj in page.get("Contents", ())}
        complete = not page.get("IsTruncated") or max(listed, default="") >= last
        covered = max(listed, default=first[:-1]) if not complete else last
        found = {key for stored, key in wanted if stored in listed}
        for stored, key in wanted:
            if stored > covered:  # past the page: asked one by one
                with aws_errors():
                    if _head(self.client, self.bucket, stored) is not None:
                        found.add(key)
        return found

    def delete_report(self, key: str) -> bool:
        """Delete the report if there is one; True when there was.

        HEAD first: the inbox bucket is versioned, and a DeleteObject on a key that does not
        exist still creates a delete marker, one per accepted upload.
        """
        target = report_key(key)
        with aws_errors():
            if _head(self.client, self.bucket, target) is None:
                return False
            self.client.delete_object(Bucket=self.bucket, Key=target)
        return True

    def read_report(self, key: str) -> bytes | None:
        """The report on upload `key` as stored, or None when it has none."""
        with aws_errors():
            return _get(self.client, self.bucket, report_key(key))

    def list_reports(self) -> Iterator[tuple[str, bytes]]:
        """Every report as (uploaded key, body), in key order. A report deleted between the
        listing and its read is skipped (the file was fixed meanwhile)."""
        for stored in _list(self.client, self.bucket, REPORTS_PREFIX):
            key = key_of_report(stored)
            body = self.read_report(key)
            if body is not None:
                yield key, body
