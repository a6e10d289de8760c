"""The article index in one DynamoDB table (D4, P-DDB-1, P-DDB-2).

Items (every key attribute is a string):

| item     | PK            | SK                         | attributes                          |
|----------|---------------|----------------------------|-------------------------------------|
| article  | `ART#{id}`    | `A`                        | key, published, feeds (SS), doc (B) |
| key      | `KEY#{key}`   | `K`                        | id                                  |
| feed     | `FEED#{feed}` | `{published UTC ISO}#{id}` | id, doc (B)                         |
| seen     | `SEEN`        | `{inbox key}`              | etag                                |
| rejected | `REJECTED`    | `{inbox key}`              | waiting_for (when an id holds it)   |
| deferred | `RENDER`      | `deferred`                 | since, feeds (SS)                   |
| schedule | `SCHEDULED`   | `{published UTC ISO}#{id}` | key                                 |
| archive  | `ARCHIVE`     | `{feed}`                   | sealed, boundary, open              |
| mark     | `MARK#{feed}` | `{published UTC ISO}#{id}` | id                                  |
| page     | `PAGE#{feed}` | `{page, 8 digits}`         | places (SS of sort keys)            |
| holding  | `SEALED#{feed}` | `{published UTC ISO}#{id}` | page                              |
| retracted | `RETRACT`    | `{feed}#{published UTC ISO}#{id}` | (none)                       |
| re-derive | `REDERIVE`   | `asked`                    | run                                 |

An archive item is one feed's RFC 5005 archive state (`nashra.history`: pages sealed, the
sort key of the newest article in them, whether the open page is published), all of them
one Query. A mark is written with every feed item and deleted when the page holding it is
sealed, so the marks at or before a feed's boundary are the articles saved after their
page was sealed: a Query of the marks, then a BatchGetItem of their feed items.

A sealed page's page item lists the places it holds, and a holding item per place names
the page. The page item is written in the transaction that seals the page (52 of
DynamoDB's 100 actions); the holding items just before it (BatchWriteItem), as 50 more
would not fit. Until the transaction succeeds no one asks: a holding item names a page
only once the feed's state counts it sealed, and it is believed only if the page item
lists the place. Every save that replaces an article and
every delete puts a retracted item per feed the article was in, in its own transaction, so
the flush that renders the feed finds it (one Query of the `RETRACT` partition, usually
empty) and writes the sealed page holding it again (`nashra.history`, D12).

The re-derive item names the sweep that holds the ask a config change made
(`AskRederive`): put in the transaction that marks the config seen, handed over or deleted
by a conditional write on its run (`hand_rederive`), so a later ask is never lost to an
earlier sweep finishing.

`doc` is the article's JSON, zlib-compressed. Feed items carry it too, so "newest N of feed
F" is one strongly consistent Query on the base table with no follow-up reads (a GSI could
not be read consistently, P-DDB-1). Every change is one TransactWriteItems, so a section
move or a new publish date never leaves the article in two places; what one inbox key
changed (its article, its rejection, its ETag) is one (`commit`), and what a batch needs
to read is one BatchGetItem per 100 items (`lookup`), whose unprocessed keys are asked
for again.

A schedule item is one scheduled article (B-20, D13): its time leads the sort key, so
"what is due" is one consistent Query of `SK <` the next microsecond, which every minute
reads nothing but the due items (usually none).

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

import threading
import time
import weakref
import zlib
from collections.abc import Callable, Collection, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from nashra.adapters.errors import aws_errors, error_code
from nashra.core.problems import ArticleTooLargeError, NashraError, Problem, TransientError
from nashra.ports import (
    ArchiveState,
    AskRederive,
    Change,
    ClearRejected,
    Deferred,
    ForgetSeen,
    Indexed,
    Lookup,
    MarkSeen,
    NoteRejected,
    Place,
    Remove,
    Retraction,
    Save,
    Schedule,
    Scheduled,
    Seen,
    SetDeferred,
    Unschedule,
)

if TYPE_CHECKING:
    from nashra.core.article import Article

ITEM_LIMIT_BYTES = 400 * 1024  # DynamoDB's item size limit, names and values included
TRANSACTION_LIMIT = 100  # actions per TransactWriteItems
TRANSACTION_BYTES = 4 * 1024 * 1024  # the items of one TransactWriteItems, together
BATCH_GET_LIMIT = 100  # keys per BatchGetItem
# BatchGetItem may answer only part of a request (UnprocessedKeys: throttling, or past
# 16 MB); the rest is asked for again after a pause that doubles, this many times.
BATCH_GET_ATTEMPTS = 8
BATCH_GET_PAUSE = 0.05  # seconds before the first retry
ARTICLE_SK = "A"
KEY_SK = "K"
# One item per rejected upload (SK = its key): retried when the config changes, or when the
# article id it waits for is released. Rejections are few, so one partition serves.
REJECTED_PK = "REJECTED"
# One item per inbox key the publisher has reconciled (SK = the key): its ETag then.
SEEN_PK = "SEEN"
# One item per scheduled article, by time then id (`Index.due`, `nashra.schedule`).
SCHEDULED_PK = "SCHEDULED"
# The feeds busy batches left for a queued render request to render (`nashra.publish`).
DEFERRED_KEY = ("RENDER", "deferred")
# One item per feed with an archive (SK = the feed's slug), `nashra.history`.
ARCHIVE_PK = "ARCHIVE"
# One item per (feed, place) an article left and a sealed page may still hold.
RETRACT_PK = "RETRACT"
# The run of the re-deriving sweep a config change asked for, until one finishes.
REDERIVE_KEY = ("REDERIVE", "asked")
CONDITION_FAILED = "ConditionalCheckFailedException"
BATCH_WRITE_LIMIT = 25  # requests per BatchWriteItem
_STAMP = "%Y-%m-%dT%H:%M:%S.%fZ"

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
    """One change would need more than 100 actions (or 4 MB) in one transaction."""


class UnprocessedKeysError(TransientError):
    """BatchGetItem kept leaving keys unprocessed: the record is retried later."""


def sort_key(article: Article) -> str:
    """`{published UTC ISO}#{id}`: fixed width, so string order is (published, id) order."""
    return place_key((article.published, article.id))


def place_key(place: Place) -> str:
    """The sort key of a place (published, id) (`sort_key`)."""
    return f"{place[0].astimezone(UTC).strftime(_STAMP)}#{place[1]}"


def key_place(key: str) -> Place:
    """The place a sort key names (inverse of `place_key`)."""
    stamp, _, article_id = key.partition("#")
    return datetime.strptime(stamp, _STAMP).replace(tzinfo=UTC), article_id


def encode(article: Article) -> bytes:
    """The article's `doc` (`core.article.stored_form`, bounded by B-22 in intake)."""
    from nashra.core.article import stored_form

    return stored_form(article)


def decode(blob: bytes) -> Article:
    from nashra.core.article import Article  # pydantic: loaded by the first article read

    return Article.model_validate_json(zlib.decompress(blob))


class DynamoIndex:
    """Index over a single table with string keys `PK` and `SK`, through a low-level
    `boto3.client("dynamodb")` (attribute values on the wire: `{"S": ...}`)."""

    def __init__(
        self, client: Any, table: str, *, pause: Callable[[float], None] = time.sleep
    ) -> None:
        self.client = client
        self.table = table
        self.pause = pause  # between BatchGetItem retries of unprocessed keys
        # Articles decoded, by their stored bytes, while anything holds them (`_decode`).
        self._decoded: weakref.WeakValueDictionary[bytes, Article] = weakref.WeakValueDictionary()
        self._decoding = threading.Lock()

    # -- reads ---------------------------------------------------------------------------

    def _decode(self, blob: bytes) -> Article:
        """`decode`, one object for the same stored bytes as long as anything holds it: a
        flush reads each feed's articles on its own (`all`, the section, `breaking`), and
        the copies of one article are then one, in memory and in the entry rendered from
        it (`render.model.Shared`). Articles are immutable."""
        with self._decoding:
            found = self._decoded.get(blob)
        if found is None:
            article = decode(blob)
            with self._decoding:
                found = self._decoded.setdefault(blob, article)
        return found

    def get(self, article_id: str) -> Article | None:
        item = self._get_item(f"ART#{article_id}", ARTICLE_SK, "doc")
        return None if item is None else self._decode(item["doc"])

    def find_by_key(self, key: str) -> Article | None:
        item = self._get_item(f"KEY#{key}", KEY_SK, "id")
        if item is None:
            return None
        article = self.get(item["id"])
        return article if article is not None and article.key == key else None

    def lookup(self, keys: Collection[str], ids: Collection[str], *, deferred: bool) -> Lookup:
        """The seen and key items of `keys`, the article items of `ids` (doc and feeds) and
        the deferred-render item: one consistent BatchGetItem per 100 items."""
        wanted = [(SEEN_PK, k) for k in keys] + [(f"KEY#{k}", KEY_SK) for k in keys]
        wanted += [(f"ART#{i}", ARTICLE_SK) for i in ids]
        if deferred:
            wanted.append(DEFERRED_KEY)
        items = self._batch_get(list(dict.fromkeys(wanted)))
        found = Lookup()
        for key in keys:
            seen, owner = items.get((SEEN_PK, key)), items.get((f"KEY#{key}", KEY_SK))
            found.seen[key] = None if seen is None else Seen(key, str(seen["etag"]))
            found.owners[key] = None if owner is None else str(owner["id"])
        for article_id in ids:
            item = items.get((f"ART#{article_id}", ARTICLE_SK))
            found.articles[article_id] = None if item is None else _indexed(item)
        mark = items.get(DEFERRED_KEY)
        if mark is not None:
            since = datetime.fromisoformat(str(mark["since"]))
            found.deferred = Deferred(since, frozenset(mark.get("feeds", ())))
        return found

    def _batch_get(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], Item]:
        """Every existing item of `keys` by (PK, SK), 100 keys a request; keys the table
        leaves unprocessed are asked for again, after a pause that doubles."""
        found: dict[tuple[str, str], Item] = {}

        def send(request: list[dict[str, Any]]) -> list[dict[str, Any]]:
            response = self._batch_get_once(request)
            for raw in response.get("Responses", {}).get(self.table, ()):
                item = _native(raw)
                found[str(item["PK"]), str(item["SK"])] = item
            left: list[dict[str, Any]] = (
                response.get("UnprocessedKeys", {}).get(self.table, {}).get("Keys", [])
            )
            return left

        for start in range(0, len(keys), BATCH_GET_LIMIT):
            chunk = keys[start : start + BATCH_GET_LIMIT]
            self._until_processed([_wire({"PK": pk, "SK": sk}) for pk, sk in chunk], send, "read")
        return found

    def _until_processed(
        self,
        request: list[dict[str, Any]],
        send: Callable[[list[dict[str, Any]]], list[dict[str, Any]]],
        verb: str,
    ) -> None:
        """Send `request`, then what the table left unprocessed (`send` returns it), after
        a pause that doubles, `BATCH_GET_ATTEMPTS` times in all; then a transient error."""
        pause = BATCH_GET_PAUSE
        for attempt in range(BATCH_GET_ATTEMPTS):
            if attempt:
                self.pause(pause)
                pause *= 2
            request = send(request)
            if not request:
                return
        raise UnprocessedKeysError(f"{len(request)} index items left un{verb}")

    def _batch_get_once(self, keys: list[dict[str, Any]]) -> dict[str, Any]:
        names = {f"#{n}": n for n in ("PK", "SK", "etag", "id", "doc", "feeds", "since", "page")}
        with aws_errors():
            response: dict[str, Any] = self.client.batch_get_item(
                RequestItems={
                    self.table: {
                        "Keys": keys,
                        "ConsistentRead": True,
                        "ProjectionExpression": ", ".join(names),
                        "ExpressionAttributeNames": names,
                    }
                }
            )
        return response

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
            found.extend(self._decode(_native(item)["doc"]) for item in page.get("Items", ()))
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

    def due(self, upto: datetime) -> list[Scheduled]:
        """Scheduled articles due at or before `upto`, earliest first: one consistent
        Query of the `SCHEDULED` partition below the next microsecond, paginated."""
        before = (upto + timedelta(microseconds=1)).astimezone(UTC).strftime(_STAMP)
        with aws_errors():  # each page is a request
            pages = self.client.get_paginator("query").paginate(
                TableName=self.table,
                KeyConditionExpression="PK = :pk AND SK < :before",
                ExpressionAttributeValues=_wire({":pk": SCHEDULED_PK, ":before": before}),
                ProjectionExpression="SK, #key",
                ExpressionAttributeNames={"#key": "key"},
                ConsistentRead=True,
            )
            items = [_native(raw) for page in pages for raw in page.get("Items", ())]
        found = []
        for item in items:
            stamp, _, article_id = str(item["SK"]).partition("#")
            at = datetime.strptime(stamp, _STAMP).replace(tzinfo=UTC)
            found.append(Scheduled(str(item["key"]), article_id, at))
        return found

    def rederive_asked(self) -> str | None:
        item = self._get_item(*REDERIVE_KEY, "run")
        return None if item is None else str(item["run"])

    def hand_rederive(self, run: str, to: str | None) -> bool:
        """One conditional write on the run: DeleteItem when done, else UpdateItem."""
        pk, sk = REDERIVE_KEY
        request: dict[str, Any] = {
            "TableName": self.table,
            "Key": _wire({"PK": pk, "SK": sk}),
            "ConditionExpression": "#run = :run",
            "ExpressionAttributeNames": {"#run": "run"},
        }
        with aws_errors():
            try:
                if to is None:
                    self.client.delete_item(
                        **request, ExpressionAttributeValues=_wire({":run": run})
                    )
                else:
                    self.client.update_item(
                        **request,
                        UpdateExpression="SET #run = :to",
                        ExpressionAttributeValues=_wire({":run": run, ":to": to}),
                    )
            except ClientError as error:
                if error_code(error) == CONDITION_FAILED:
                    return False
                raise
        return True

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

    # -- archives (`nashra.history`, D12) ------------------------------------------------

    def archives(self) -> dict[str, ArchiveState]:
        """Every feed's archive state: one consistent Query of the `ARCHIVE` partition."""
        items = self._query("PK = :pk", {":pk": ARCHIVE_PK}, None)
        return {str(item["SK"]): _archive_state(item) for item in items}

    def between(self, feed: str, after: Place | None, before: Place) -> Iterator[Article]:
        """The feed's items strictly between the two places, oldest first: one consistent
        Query, a page (1 MB, P-DDB-2) read each time the last one is consumed."""
        values: Item = {":pk": f"FEED#{feed}", ":high": place_key(before)}
        condition = "PK = :pk AND SK < :high"
        if after is not None:
            values[":low"] = place_key(after)
            if values[":low"] >= values[":high"]:
                return
            condition = "PK = :pk AND SK BETWEEN :low AND :high"  # both ends included
        for item in self._query(condition, values, "SK, doc"):
            if item["SK"] not in (values[":high"], values.get(":low")):
                yield self._decode(item["doc"])

    def marked(self, feed: str, upto: Place) -> list[Article]:
        """The feed's marks at or before `upto` (one Query), then their feed items (one
        BatchGetItem per 100; usually there is no mark to read)."""
        values: Item = {":pk": f"MARK#{feed}", ":upto": place_key(upto)}
        marks = self._query("PK = :pk AND SK <= :upto", values, "SK")
        keys = [(f"FEED#{feed}", str(item["SK"])) for item in marks]
        found = self._batch_get(keys) if keys else {}
        return [self._decode(found[key]["doc"]) for key in keys if key in found]

    def record_archive(
        self, feed: str, state: ArchiveState | None, sealed: Sequence[Article] = ()
    ) -> None:
        """The feed's archive state, the sealed page's item and its unmarking: one
        transaction, after the holding items of its articles (BatchWriteItem, 25 a call:
        two for a page of 50)."""
        actions: list[dict[str, Any]] = []
        if state is not None and sealed:
            places = sorted(sort_key(article) for article in sealed)
            holdings = [_holding_item(feed, sk, state.sealed) for sk in places]
            self._batch_write([{"PutRequest": {"Item": _wire(i)}} for i in holdings])
            actions.append(self._put(_page_item(feed, state.sealed, places))[1])
        if state is None:
            actions.append(self._delete(ARCHIVE_PK, feed))
        else:
            item: Item = {"PK": ARCHIVE_PK, "SK": feed, "sealed": str(state.sealed)}
            item["open"] = "1" if state.open else "0"
            if state.boundary is not None:
                item["boundary"] = place_key(state.boundary)
            actions.append(self._put(item)[1])
        actions += [self._delete(*_mark_key(feed, article)) for article in sealed]
        self._write(actions)

    def retractions(self) -> list[Retraction]:
        """One consistent Query of the `RETRACT` partition."""
        items = self._query("PK = :pk", {":pk": RETRACT_PK}, "SK")
        return sorted(_retraction(str(item["SK"])) for item in items)

    def holding(self, feed: str, places: Collection[Place]) -> dict[Place, int]:
        """The holding items of the places: one BatchGetItem per 100."""
        keys = [_holding_key(feed, place_key(p)) for p in sorted(set(places))]
        found = self._batch_get(keys) if keys else {}
        return {
            key_place(sk): int(str(found[pk, sk]["page"])) for pk, sk in keys if (pk, sk) in found
        }

    def held(self, feed: str, number: int) -> list[Place] | None:
        """The page item (one GetItem)."""
        item = self._get_item(*_page_key(feed, number), "places")
        return None if item is None else sorted(key_place(k) for k in item.get("places", ()))

    def articles_at(self, feed: str, places: Sequence[Place]) -> list[Article]:
        """The feed items at the places: one BatchGetItem per 100."""
        keys = [(f"FEED#{feed}", place_key(p)) for p in sorted(set(places))]
        found = self._batch_get(keys) if keys else {}
        return [self._decode(found[key]["doc"]) for key in keys if key in found]

    def rewrite_page(self, feed: str, number: int, places: Sequence[Place]) -> None:
        """Put the page item again (one PutItem)."""
        item = _page_item(feed, number, sorted(place_key(p) for p in places))
        self._write([self._put(item)[1]])

    def resolve(self, retractions: Collection[Retraction]) -> None:
        """Delete the retracted items and their holding items (BatchWriteItem, 25 a call)."""
        keys: list[tuple[str, str]] = []
        for r in sorted(set(retractions)):
            place = place_key(r.place)
            keys += [_retracted_key(r.feed, place), _holding_key(r.feed, place)]
        self._batch_write(
            [{"DeleteRequest": {"Key": _wire({"PK": pk, "SK": sk})}} for pk, sk in keys]
        )

    def _batch_write(self, requests: list[dict[str, Any]]) -> None:
        """Every put or delete, 25 a request; what the table leaves unprocessed is sent
        again (`_until_processed`)."""

        def send(batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
            with aws_errors():
                response = self.client.batch_write_item(RequestItems={self.table: batch})
            left: list[dict[str, Any]] = response.get("UnprocessedItems", {}).get(self.table, [])
            return left

        for start in range(0, len(requests), BATCH_WRITE_LIMIT):
            self._until_processed(requests[start : start + BATCH_WRITE_LIMIT], send, "written")

    def _query(self, condition: str, values: Item, projection: str | None) -> Iterator[Item]:
        """The items of one consistent Query, a page at a time as they are consumed."""
        params: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": _wire(values),
            "ConsistentRead": True,
        }
        if projection is not None:
            params["ProjectionExpression"] = projection
        while True:
            with aws_errors():
                page = self.client.query(**params)
            yield from (_native(raw) for raw in page.get("Items", ()))
            if "LastEvaluatedKey" not in page:
                return
            params["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    # -- writes --------------------------------------------------------------------------

    def commit(self, changes: Sequence[Change]) -> None:
        """Every change as one TransactWriteItems (one PutItem or DeleteItem when a single
        item changes); where two touch one item the later wins, as DynamoDB refuses two
        actions on one item. Sizes are checked before anything is written."""
        actions: dict[tuple[str, str], dict[str, Any]] = {}
        for change in changes:
            for pk_sk, action in self._actions(change):
                actions.pop(pk_sk, None)  # the later action on an item replaces the earlier
                actions[pk_sk] = action
        self._write(list(actions.values()))

    def save(self, article: Article, feeds: frozenset[str], previous: Article | None) -> None:
        """Put the article, its key item and its feed items; in the same transaction drop
        `previous`'s feed items that moved (new date or section) and its old key item."""
        before = (
            None if previous is None else Indexed(previous, frozenset(self._feeds_of(previous)))
        )
        self.commit([Save(article, feeds, before)])

    def remove(self, article: Article) -> None:
        """Delete the article item, its key item and every feed item, in one transaction."""
        self.commit([Remove(Indexed(article, frozenset(self._feeds_of(article))))])

    def note_rejected(self, key: str, waiting_for: str | None) -> None:
        self.commit([NoteRejected(key, waiting_for)])

    def clear_rejected(self, key: str) -> None:
        self.commit([ClearRejected(key)])

    def mark_seen(self, seen: Seen) -> None:
        self.commit([MarkSeen(seen)])

    def forget_seen(self, key: str) -> None:
        self.commit([ForgetSeen(key)])

    def _actions(self, change: Change) -> list[tuple[tuple[str, str], dict[str, Any]]]:
        """The item writes of one change, each with the (PK, SK) it touches."""
        if isinstance(change, Save):
            return self._save_actions(change)
        if isinstance(change, Remove):
            article, feeds = change.indexed.article, change.indexed.feeds
            keys = [(f"ART#{article.id}", ARTICLE_SK), (f"KEY#{article.key}", KEY_SK)]
            keys += [_feed_key(feed, article) for feed in sorted(feeds)]
            keys += [_mark_key(feed, article) for feed in sorted(feeds)]
            retracted = [_retracted_item(feed, article) for feed in sorted(feeds)]
            return [(k, self._delete(*k)) for k in keys] + [self._put(i) for i in retracted]
        if isinstance(change, SetDeferred):
            return [self._deferred_action(change)]
        if isinstance(change, AskRederive):
            pk, sk = REDERIVE_KEY
            return [self._put({"PK": pk, "SK": sk, "run": change.run})]
        put, delete = _item_of(change)
        if put is not None:
            return [self._put(put)]
        return [(delete, self._delete(*delete))]

    def _save_actions(self, change: Save) -> list[tuple[tuple[str, str], dict[str, Any]]]:
        article, previous = change.article, change.previous
        doc = encode(article)
        puts = [_article_item(article, change.feeds, doc), _key_item(article)]
        puts += [_feed_item(feed, article, doc) for feed in sorted(change.feeds)]
        puts += [_mark_item(feed, article) for feed in sorted(change.feeds)]
        for item in puts:
            _check_size(article.id, item)
        written = {(item["PK"], item["SK"]) for item in puts}
        deletes: list[tuple[str, str]] = []
        if previous is not None:
            deletes += [_feed_key(feed, previous.article) for feed in sorted(previous.feeds)]
            deletes += [_mark_key(feed, previous.article) for feed in sorted(previous.feeds)]
            deletes.append((f"KEY#{previous.article.key}", KEY_SK))
            puts += [_retracted_item(feed, previous.article) for feed in sorted(previous.feeds)]
        actions = [(k, self._delete(*k)) for k in deletes if k not in written]
        return actions + [self._put(item) for item in puts]

    def _deferred_action(self, change: SetDeferred) -> tuple[tuple[str, str], dict[str, Any]]:
        if change.deferred is None:
            return DEFERRED_KEY, self._delete(*DEFERRED_KEY)
        pk, sk = DEFERRED_KEY
        item: Item = {"PK": pk, "SK": sk, "since": change.deferred.since.isoformat()}
        if change.deferred.feeds:
            item["feeds"] = set(change.deferred.feeds)
        return self._put(item)

    def _feeds_of(self, article: Article) -> list[str]:
        """The feeds the stored article is in (read back: the caller only knows the new ones)."""
        item = self._get_item(f"ART#{article.id}", ARTICLE_SK, "feeds")
        return sorted(item.get("feeds", ())) if item is not None else []

    def _put(self, item: Item) -> tuple[tuple[str, str], dict[str, Any]]:
        key = (str(item["PK"]), str(item["SK"]))
        return key, {"Put": {"TableName": self.table, "Item": _wire(item)}}

    def _delete(self, pk: str, sk: str) -> dict[str, Any]:
        key = _wire({"PK": pk, "SK": sk})
        return {"Delete": {"TableName": self.table, "Key": key}}

    def _write(self, actions: list[dict[str, Any]]) -> None:
        """One call for every action: a transaction, or a single PutItem / DeleteItem."""
        if len(actions) > TRANSACTION_LIMIT:
            raise IndexTransactionTooLargeError(
                f"{len(actions)} actions in one transaction; DynamoDB allows {TRANSACTION_LIMIT}"
            )
        size = sum(item_size(_native(a["Put"]["Item"])) for a in actions if "Put" in a)
        if size > TRANSACTION_BYTES:
            raise IndexTransactionTooLargeError(
                f"{size:,} bytes in one transaction; DynamoDB allows {TRANSACTION_BYTES:,}"
            )
        with aws_errors():
            if len(actions) > 1:
                self.client.transact_write_items(TransactItems=actions)
            elif actions and "Put" in actions[0]:
                self.client.put_item(**actions[0]["Put"])
            elif actions:
                self.client.delete_item(**actions[0]["Delete"])


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


def _item_of(
    change: NoteRejected | ClearRejected | MarkSeen | ForgetSeen | Schedule | Unschedule,
) -> tuple[Item | None, tuple[str, str]]:
    """The one item a rejection, seen or schedule change puts (else None), and its (PK, SK)."""
    if isinstance(change, Schedule | Unschedule):
        entry = change.entry
        pk_sk = (SCHEDULED_PK, entry.at.astimezone(UTC).strftime(_STAMP) + "#" + entry.article_id)
        if isinstance(change, Unschedule):
            return None, pk_sk
        return {"PK": pk_sk[0], "SK": pk_sk[1], "key": entry.key}, pk_sk
    if isinstance(change, NoteRejected):
        item: Item = {"PK": REJECTED_PK, "SK": change.key}
        if change.waiting_for:
            item["waiting_for"] = change.waiting_for
        return item, (REJECTED_PK, change.key)
    if isinstance(change, MarkSeen):
        seen = change.seen
        return {"PK": SEEN_PK, "SK": seen.key, "etag": seen.etag}, (SEEN_PK, seen.key)
    if isinstance(change, ClearRejected):
        return None, (REJECTED_PK, change.key)
    return None, (SEEN_PK, change.key)


def _indexed(item: Item) -> Indexed:
    """An article item read back, with the feeds it is stored in."""
    return Indexed(decode(item["doc"]), frozenset(item.get("feeds", ())))


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


def _mark_item(feed: str, article: Article) -> Item:
    pk, sk = _mark_key(feed, article)
    return {"PK": pk, "SK": sk, "id": article.id}


def _mark_key(feed: str, article: Article) -> tuple[str, str]:
    return f"MARK#{feed}", sort_key(article)


def _retracted_key(feed: str, place: str) -> tuple[str, str]:
    """The retracted item of `feed` at `place` (a sort key, `place_key`)."""
    return RETRACT_PK, f"{feed}#{place}"


def _retracted_item(feed: str, article: Article) -> Item:
    pk, sk = _retracted_key(feed, sort_key(article))
    return {"PK": pk, "SK": sk}


def _retraction(sk: str) -> Retraction:
    feed, _, place = sk.partition("#")
    return Retraction(feed, key_place(place))


def _page_key(feed: str, number: int) -> tuple[str, str]:
    return f"PAGE#{feed}", f"{number:08d}"


def _page_item(feed: str, number: int, places: list[str]) -> Item:
    pk, sk = _page_key(feed, number)
    item: Item = {"PK": pk, "SK": sk}
    if places:  # a string set cannot be empty: a page every article left has none
        item["places"] = set(places)
    return item


def _holding_key(feed: str, place: str) -> tuple[str, str]:
    """The holding item of `feed` at `place` (a sort key, `place_key`)."""
    return f"SEALED#{feed}", place


def _holding_item(feed: str, sk: str, number: int) -> Item:
    pk, _ = _holding_key(feed, sk)
    return {"PK": pk, "SK": sk, "page": str(number)}


def _archive_state(item: Item) -> ArchiveState:
    boundary = item.get("boundary")
    return ArchiveState(
        sealed=int(str(item["sealed"])),
        boundary=key_place(str(boundary)) if boundary else None,
        open=item.get("open") == "1",
    )


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
