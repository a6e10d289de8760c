"""The article index in one DynamoDB table (D4, P-DDB-1, P-DDB-2).

Items (every key attribute is a string):

| item     | PK            | SK                         | attributes                          |
|----------|---------------|----------------------------|-------------------------------------|
| article  | `ART#{id}`    | `A`                        | key, published, feeds (SS), doc (B) |
| key      | `KEY#{key}`   | `K`                        | id                                  |
| feed     | `FEED#{feed}` | `{published UTC ISO}#{id}` | id, doc (B)                         |
| seen     | `SEEN`        | `{inbox key}`              | etag                                |
| rejected | `REJECTED`    | `{inbox key}`              | waiting_for (when an id holds it)   |

`doc` is the article's JSON, zlib-compressed. Feed items carry it too, so "newest N of feed
F" is one strongly consistent Query on the base table with no follow-up reads (a GSI could
not be read consistently, P-DDB-1). Every change is one TransactWriteItems, so a section
move or a new publish date never leaves the article in two places.

A seen item remembers the ETag of the inbox bytes last reconciled for a key, whatever the
outcome: an event or a sweep that finds the same ETag costs this one read. The seen items of
a sweep chunk's key range are one consistent, paginated Query of the `SEEN` partition, in
the UTF-8 byte order S3 lists keys in. An inbox key is at most 1,024 bytes (S3's limit), as
is a sort key (DynamoDB's): a longer key is refused as `StorageRejectedError`.

In the Lambda function, `DynamoIndex(boto3.client("dynamodb"), "nashra-index")`; then
`index.save(article, frozenset({"gulf", "all"}), previous=None)` and
`index.newest("gulf", 50)`. Every AWS call runs inside `aws_errors()`, so callers get
nashra's errors (`nashra.adapters.errors`); an article too large for one item is an
`IndexItemTooLargeError`, found before anything is written.
"""

from __future__ import annotations

import zlib
from datetime import UTC
from typing import Any

from nashra.adapters.errors import aws_errors
from nashra.core.article import Article
from nashra.core.problems import ArticleTooLargeError, NashraError, Problem
from nashra.ports import Seen

ITEM_LIMIT_BYTES = 400 * 1024  # DynamoDB's item size limit, names and values included
TRANSACTION_LIMIT = 100  # actions per TransactWriteItems
ARTICLE_SK = "A"
KEY_SK = "K"
# One item per rejected upload (SK = its key): retried when the config changes, or when the
# article id it waits for is released. Rejections are few, so one partition serves.
REJECTED_PK = "REJECTED"
# One item per inbox key the publisher has reconciled (SK = the key): its ETag then.
SEEN_PK = "SEEN"

Item = dict[str, Any]  # attribute name -> str | bytes | set[str]


class IndexItemTooLargeError(ArticleTooLargeError):
    """The compressed article does not fit in one DynamoDB item (400 KB): the editor gets a
    report, the record is not retried."""

    def __init__(self, article_id: str, size: int) -> None:
        super().__init__(
            (
                Problem(
                    "body",
                    "index-size",
                    f"article {article_id!r} needs a {size:,}-byte index item once compressed; "
                    f"the limit is {ITEM_LIMIT_BYTES:,} bytes: shorten the body",
                    f"المقال {article_id!r} يحتاج {size:,} بايت في الفهرس بعد الضغط، والحد "
                    f"{ITEM_LIMIT_BYTES:,} بايت: اختصر نص المقال",
                ),
            )
        )
        self.article_id = article_id
        self.size = size


class IndexTransactionTooLargeError(NashraError):
    """One change would need more than 100 actions in one transaction."""


def sort_key(article: Article) -> str:
    """`{published UTC ISO}#{id}`: fixed width, so string order is (published, id) order."""
    stamp = article.published.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return f"{stamp}#{article.id}"


def encode(article: Article) -> bytes:
    return zlib.compress(article.model_dump_json().encode("utf-8"))


def decode(blob: bytes) -> Article:
    return Article.model_validate_json(zlib.decompress(blob))


class DynamoIndex:
    """Index over a single table with string keys `PK` and `SK`, through a low-level
    `boto3.client("dynamodb")` (attribute values on the wire: `{"S": ...}`)."""

    def __init__(self, client: Any, table: str) -> None:
        self.client = client
        self.table = table

    # -- reads ---------------------------------------------------------------------------

    def get(self, article_id: str) -> Article | None:
        item = self._get_item(f"ART#{article_id}", ARTICLE_SK, "doc")
        return None if item is None else decode(item["doc"])

    def find_by_key(self, key: str) -> Article | None:
        item = self._get_item(f"KEY#{key}", KEY_SK, "id")
        if item is None:
            return None
        article = self.get(item["id"])
        return article if article is not None and article.key == key else None

    def newest(self, feed: str, limit: int) -> list[Article]:
        """One consistent Query, newest first; follows pages past 1 MB (P-DDB-2)."""
        found: list[Article] = []
        start: Any = None
        while len(found) < limit:
            params: dict[str, Any] = {
                "TableName": self.table,
                "KeyConditionExpression": "PK = :pk",
                "ExpressionAttributeValues": _wire({":pk": f"FEED#{feed}"}),
                "ProjectionExpression": "doc",
                "ScanIndexForward": False,
                "ConsistentRead": True,
                "Limit": limit - len(found),
            }
            if start is not None:
                params["ExclusiveStartKey"] = start
            with aws_errors():
                page = self.client.query(**params)
            found.extend(decode(_native(item)["doc"]) for item in page.get("Items", ()))
            start = page.get("LastEvaluatedKey")
            if start is None:
                break
        return found

    def rejected(self) -> list[tuple[str, str | None]]:
        """Rejected uploads: one consistent Query of the `REJECTED` partition, paginated."""
        found: list[tuple[str, str | None]] = []
        with aws_errors():  # each page is a request
            pages = self.client.get_paginator("query").paginate(
                TableName=self.table,
                KeyConditionExpression="PK = :pk",
                ExpressionAttributeValues=_wire({":pk": REJECTED_PK}),
                ConsistentRead=True,
            )
            items = [_native(raw) for page in pages for raw in page.get("Items", ())]
        for item in items:
            waiting = item.get("waiting_for")
            found.append((str(item["SK"]), str(waiting) if waiting else None))
        return found

    def seen(self, key: str) -> Seen | None:
        item = self._get_item(SEEN_PK, key, "etag")
        return None if item is None else Seen(key, str(item["etag"]))

    def seen_between(self, after: str, until: str | None) -> list[Seen]:
        """Seen keys in (`after`, `until`], in key order: one consistent Query of the `SEEN`
        partition, every page (a chunk of 1,000 long keys passes DynamoDB's 1 MB page)."""
        if until is not None and until <= after:
            return []
        condition, values = _seen_range(after, until)
        with aws_errors():  # each page is a request
            pages = self.client.get_paginator("query").paginate(
                TableName=self.table,
                KeyConditionExpression=condition,
                ExpressionAttributeValues=_wire(values),
                ProjectionExpression="SK, etag",
                ConsistentRead=True,
            )
            items = [_native(raw) for page in pages for raw in page.get("Items", ())]
        # BETWEEN includes its lower bound; `after` itself belongs to the previous range.
        return [Seen(str(i["SK"]), str(i["etag"])) for i in items if i["SK"] != after]

    def _get_item(self, pk: str, sk: str, projection: str) -> Item | None:
        with aws_errors():
            response = self.client.get_item(
                TableName=self.table,
                Key=_wire({"PK": pk, "SK": sk}),
                ConsistentRead=True,
                ProjectionExpression=projection,
            )
        item = response.get("Item")
        return None if item is None else _native(item)

    # -- writes --------------------------------------------------------------------------

    def save(self, article: Article, feeds: frozenset[str], previous: Article | None) -> None:
        """Put the article, its key item and its feed items; in the same transaction drop
        `previous`'s feed items that moved (new date or section) and its old key item."""
        doc = encode(article)
        puts = [_article_item(article, feeds, doc), _key_item(article)]
        puts += [_feed_item(feed, article, doc) for feed in sorted(feeds)]
        for item in puts:
            _check_size(article.id, item)
        written = {(item["PK"], item["SK"]) for item in puts}
        deletes: list[tuple[str, str]] = []
        if previous is not None:
            deletes += [_feed_key(feed, previous) for feed in self._feeds_of(previous)]
            deletes.append((f"KEY#{previous.key}", KEY_SK))
        actions = [{"Put": {"TableName": self.table, "Item": _wire(i)}} for i in puts]
        actions += [self._delete(pk, sk) for pk, sk in deletes if (pk, sk) not in written]
        self._transact(actions)

    def remove(self, article: Article) -> None:
        """Delete the article item, its key item and every feed item, in one transaction."""
        keys = [(f"ART#{article.id}", ARTICLE_SK), (f"KEY#{article.key}", KEY_SK)]
        keys += [_feed_key(feed, article) for feed in self._feeds_of(article)]
        self._transact([self._delete(pk, sk) for pk, sk in keys])

    def note_rejected(self, key: str, waiting_for: str | None) -> None:
        item: Item = {"PK": REJECTED_PK, "SK": key}
        if waiting_for:
            item["waiting_for"] = waiting_for
        with aws_errors():
            self.client.put_item(TableName=self.table, Item=_wire(item))

    def clear_rejected(self, key: str) -> None:
        with aws_errors():
            self.client.delete_item(TableName=self.table, Key=_wire({"PK": REJECTED_PK, "SK": key}))

    def mark_seen(self, seen: Seen) -> None:
        item: Item = {"PK": SEEN_PK, "SK": seen.key, "etag": seen.etag}
        with aws_errors():
            self.client.put_item(TableName=self.table, Item=_wire(item))

    def forget_seen(self, key: str) -> None:
        with aws_errors():
            self.client.delete_item(TableName=self.table, Key=_wire({"PK": SEEN_PK, "SK": key}))

    def _feeds_of(self, article: Article) -> list[str]:
        """The feeds the stored article is in (read back: the caller only knows the new ones)."""
        item = self._get_item(f"ART#{article.id}", ARTICLE_SK, "feeds")
        return sorted(item.get("feeds", ())) if item is not None else []

    def _delete(self, pk: str, sk: str) -> dict[str, Any]:
        key = _wire({"PK": pk, "SK": sk})
        return {"Delete": {"TableName": self.table, "Key": key}}

    def _transact(self, actions: list[dict[str, Any]]) -> None:
        if len(actions) > TRANSACTION_LIMIT:
            raise IndexTransactionTooLargeError(
                f"{len(actions)} actions in one transaction; DynamoDB allows {TRANSACTION_LIMIT}"
            )
        if actions:
            with aws_errors():
                self.client.transact_write_items(TransactItems=actions)


def _seen_range(after: str, until: str | None) -> tuple[str, Item]:
    """The key condition of the seen keys in (`after`, `until`]. An empty bound is left
    out: DynamoDB refuses an empty string as a key value."""
    values: Item = {":pk": SEEN_PK}
    if after:
        values[":after"] = after
    if until is not None:
        values[":until"] = until
    if after and until is not None:
        return "PK = :pk AND SK BETWEEN :after AND :until", values
    if after:
        return "PK = :pk AND SK > :after", values
    if until is not None:
        return "PK = :pk AND SK <= :until", values
    return "PK = :pk", values


def _wire(item: Item) -> dict[str, Any]:
    """Plain values as DynamoDB attribute values."""
    return {k: _attribute(v) for k, v in item.items()}


def _native(item: dict[str, Any]) -> Item:
    """DynamoDB attribute values as plain values (inverse of `_wire`)."""
    return {k: _value(v) for k, v in item.items()}


def _attribute(value: str | bytes | set[str]) -> dict[str, Any]:
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, bytes):
        return {"B": value}
    return {"SS": sorted(value)}


def _value(attribute: dict[str, Any]) -> str | bytes | set[str]:
    (kind, data), *_ = attribute.items()
    if kind == "SS":
        return set(data)
    if kind in ("S", "B"):
        value: str | bytes = data
        return value
    raise TypeError(f"unexpected DynamoDB attribute type {kind!r}")


def _article_item(article: Article, feeds: frozenset[str], doc: bytes) -> Item:
    item: Item = {
        "PK": f"ART#{article.id}",
        "SK": ARTICLE_SK,
        "key": article.key,
        "published": sort_key(article),
        "doc": doc,
    }
    if feeds:  # a string set cannot be empty; a draft has no feeds
        item["feeds"] = set(feeds)
    return item


def _key_item(article: Article) -> Item:
    return {"PK": f"KEY#{article.key}", "SK": KEY_SK, "id": article.id}


def _feed_item(feed: str, article: Article, doc: bytes) -> Item:
    pk, sk = _feed_key(feed, article)
    return {"PK": pk, "SK": sk, "id": article.id, "doc": doc}


def _feed_key(feed: str, article: Article) -> tuple[str, str]:
    return f"FEED#{feed}", sort_key(article)


def _check_size(article_id: str, item: Item) -> None:
    size = item_size(item)
    if size > ITEM_LIMIT_BYTES:
        raise IndexItemTooLargeError(article_id, size)


def item_size(item: Item) -> int:
    """DynamoDB's size of an item: UTF-8 names plus values (binary counts raw bytes)."""
    total = 0
    for name, value in item.items():
        total += len(name.encode("utf-8"))
        if isinstance(value, bytes):
            total += len(value)
        elif isinstance(value, str):
            total += len(value.encode("utf-8"))
        else:
            total += sum(len(s.encode("utf-8")) for s in value)
    return total
