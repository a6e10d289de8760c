"""Adapters over Amazon S3: the inbox (ArticleSource), the feeds bucket (FeedStore) and the
rejection reports (ReportStore).

Clients are passed in; this module creates none. Keys are used byte-exact: they come from
EventBridge events, which do not URL-encode them, so nothing here unquotes or normalises a
key (AR-S3-1, P-KEY-1).

>>> # source = S3Source(boto3.client("s3"), "nashra-inbox")
>>> # source.read("articles/أخبار الكويت/مقال+1.json")  # bytes, or None once deleted
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

SHA256_METADATA = "sha256"  # stored as x-amz-meta-sha256 on every feed object
REPORT_CONTENT_TYPE = "application/json; charset=utf-8"
REPORT_CACHE_CONTROL = "no-store"
MISSING_CODES = frozenset({"NoSuchKey", "404", "NotFound"})


def is_missing(error: ClientError) -> bool:
    """True when S3 says the object does not exist: GetObject's `NoSuchKey`, HeadObject's
    bare 404. Not the HTTP status alone: a missing *bucket* is a 404 too (`NoSuchBucket`),
    and reading that as "deleted" would unpublish every article."""
    return str(error.response.get("Error", {}).get("Code", "")) in MISSING_CODES


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
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if is_missing(error):
                return None
            raise
        body: bytes = response["Body"].read()
        return body

    def list_keys(self, prefix: str) -> Iterator[str]:
        """Every key under `prefix`, sorted (S3 lists in UTF-8 byte order already)."""
        paginator = self.client.get_paginator("list_objects_v2")
        keys: list[str] = []
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            keys.extend(obj["Key"] for obj in page.get("Contents", ()))
        yield from sorted(keys)


class S3FeedStore:
    """FeedStore over the feeds bucket; an unchanged body is not written again.

    The sha256 of the body rides in the object's metadata, so one HeadObject tells whether
    a PUT is needed. Skipping identical writes keeps ETag and Last-Modified stable, so readers
    and CloudFront keep getting 304s (P-FEED-1).
    """

    def __init__(self, client: Any, bucket: str) -> None:
        self.client = client
        self.bucket = bucket

    def write(self, path: str, body: bytes, content_type: str, cache_control: str) -> bool:
        digest = hashlib.sha256(body).hexdigest()
        # Headers count too: a release that changes Content-Type or Cache-Control must
        # reach feeds whose bytes did not change.
        if self._stored(path) == (digest, content_type, cache_control):
            return False
        self.client.put_object(
            Bucket=self.bucket,
            Key=path,
            Body=body,
            ContentType=content_type,
            CacheControl=cache_control,
            Metadata={SHA256_METADATA: digest},
        )
        return True

    def _stored(self, path: str) -> tuple[str | None, str | None, str | None] | None:
        """(sha256, Content-Type, Cache-Control) of the stored object, None if missing."""
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=path)
        except ClientError as error:
            if is_missing(error):
                return None
            raise
        digest: str | None = head.get("Metadata", {}).get(SHA256_METADATA)
        return digest, head.get("ContentType"), head.get("CacheControl")


class S3ReportStore:
    """ReportStore writing `reports/<key>` into the inbox bucket, next to the uploads.

    `reports/` is outside the prefixes the EventBridge rule listens to, so a report never
    triggers the publisher (P-LOOP-1).
    """

    def __init__(self, client: Any, bucket: str, prefix: str = "reports/") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix

    def put_report(self, key: str, body: bytes) -> None:
        self.client.put_object(
            Bucket=self.bucket,
            Key=self.prefix + key,
            Body=body,
            ContentType=REPORT_CONTENT_TYPE,
            CacheControl=REPORT_CACHE_CONTROL,
        )

    def delete_report(self, key: str) -> bool:
        """Delete the report if there is one; True when there was.

        HEAD first: the inbox bucket is versioned, and a DeleteObject on a key that does not
        exist still creates a delete marker, one per accepted upload.
        """
        target = self.prefix + key
        try:
            self.client.head_object(Bucket=self.bucket, Key=target)
        except ClientError as error:
            if is_missing(error):
                return False
            raise
        self.client.delete_object(Bucket=self.bucket, Key=target)
        return True
