"""Narrow patches of moto 5.2.5's DynamoDB and SQS that keep the local stack's cost per
publish flat however large the index grows, and however many messages wait in the queue.

moto 5.2.5 deep-copies every table a `TransactWriteItems` call touches, once per action,
to roll back on failure; and a `Query` of one partition walks every item of the table. The
publisher writes each article in one transaction and reads each feed with one query, so on
`nashra dev` a newsroom importing its archive waited longer for every article than for the
one before (1,000 uploads: 347 s, 9.6 GiB). With these patches:

- a transaction keeps an undo log of the items it names (a copy of each, or "absent")
  instead of copies of whole tables, and puts those items back when it fails; its
  all-or-nothing behaviour is unchanged;
- a query without an index runs over its own partition only (the table already groups
  items by partition key), and a plain query with a Limit (the publisher's newest items
  of a feed) over the first Limit + 1 items of that partition in its order, so its
  results, order and pages are unchanged.

moto 5.2.5's SQS walks every message of the queue several times per call, each step
reading the clock through a datetime: sending one message computes the queue's three
approximate counts four times (for one flag, ContentBasedDeduplication), receiving one does
it again per message received (for the retention period), and deleting one walks the queue
twice. A 10,000-article import left its messages waiting behind each other: every upload
made the next one slower (500 articles: three quarters of the stack's CPU in SQS). With
these patches:

- a queue's attributes are a mapping that counts messages only when a count is read (once
  for the three counts, with one clock reading), so reading a flag or the retention period
  costs what it should;
- the SQS module reads the clock as `time.time()` (the same value moto computes through
  a naive UTC datetime);
- deleting a message stops at the message that holds the receipt handle (the oldest
  messages, the ones received, are at the front of a FIFO queue).

Messages, order, visibility, groups, deduplication and the DLQ move are moto's own.

Every object moto's models make is also appended to a list of its class, for moto's
dashboard, and never let go: each item a Query deep-copies for its answer, each message a
receive copies, each replaced object. A publish left some 300 items behind, so the stack
grew by tens of KiB per article it published and kept every copy for the garbage collector
to walk. The dev stack keeps no such list (it serves no dashboard).

moto's S3 lists a prefix by walking every key of the bucket (an inbox of 100,000 articles:
78 ms for each listing of the few reports, once per batch). The keys under the prefix are
picked out first (a C-speed scan of the key names), and moto lists those.

moto's server finds the backend of every request under one lock, and on the way lists
moto's package folder (an `isdir` for each of its ~190 services) to recognise the host:
every call the stack serves waited for the others' file system walks (500 articles: three
quarters of the server threads' time was spent waiting for that lock). The folder is
listed once and the backend of each host remembered (both are fixed for the process).

Only the dev stack applies them (`DevStack.start`, undone by `stop`); the integration
tests run moto as it ships. `applied()` says whether this process runs patched.
"""

from __future__ import annotations

import bisect
import copy
import inspect
import json
import threading
import time
import weakref
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from moto import backends as moto_backends
from moto.core.common_models import BaseModel
from moto.core.utils import camelcase_to_underscores
from moto.dynamodb import models as ddb_models
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table
from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from moto.s3.models import S3Backend
from moto.sqs import models as sqs_models
from moto.sqs.exceptions import ReceiptHandleIsInvalid
from moto.sqs.models import Queue

_state = threading.local()
_ORIGINAL: dict[str, Any] = {}
# Per table, per partition: its sort keys in order (`_sorted_keys`).
_SORTED: weakref.WeakKeyDictionary[Table, dict[DynamoType, list[DynamoType]]] = (
    weakref.WeakKeyDictionary()
)
_CACHE: dict[str, Any] = {}  # the server's lookups, kept while applied
_USERS: list[None] = []  # one entry per apply() not yet undone by remove()
# Whole-table copies moto's DynamoDB backend asked for since apply(), by outcome.
TABLE_COPIES = {"skipped": 0, "made": 0}

# (table, partition key, sort key or None) -> a copy of the item, or None when absent.
_Undo = dict[tuple[str, DynamoType, DynamoType | None], Item | None]


class _TableCopySkipper:
    """Stands in for the `copy` module inside moto's DynamoDB backend: a transaction under
    the undo log asks to copy a whole table, and gets the table itself (the undo log is
    the rollback); every other copy is a real deep copy."""

    def deepcopy(self, value: Any, memo: dict[int, Any] | None = None) -> Any:
        if isinstance(value, Table):
            if getattr(_state, "undo_log", False):
                TABLE_COPIES["skipped"] += 1
                return value
            TABLE_COPIES["made"] += 1
        return copy.deepcopy(value, memo)

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)


def _action_key(backend: DynamoDBBackend, action: dict[str, Any]) -> Any:
    """(table, partition key, sort key) an action writes or checks; None if moto would
    reject the action before touching any item."""
    try:
        _, op = next(iter(action.items()))
        table: Table = backend.tables[op["TableName"]]
        attrs = op["Item"] if "Item" in op else op["Key"]
        hash_key = DynamoType(attrs[table.hash_key_attr])
        range_attr = table.range_key_attr
        range_key = DynamoType(attrs[range_attr]) if range_attr is not None else None
    except (KeyError, TypeError, AttributeError, StopIteration):
        return None
    return table.name, hash_key, range_key


def _snapshot(backend: DynamoDBBackend, actions: list[dict[str, Any]]) -> _Undo:
    """A copy of every item the transaction names, as it is before the transaction."""
    undo: _Undo = {}
    for action in actions:
        key = _action_key(backend, action)
        if key is None or key in undo:
            continue
        items: Any = backend.tables[key[0]].items
        partition = items.get(key[1])
        if partition is None:
            undo[key] = None
        elif key[2] is None:
            undo[key] = copy.deepcopy(partition)
        else:
            found = partition.get(key[2])
            undo[key] = None if found is None else copy.deepcopy(found)
    return undo


def _restore(backend: DynamoDBBackend, undo: _Undo) -> None:
    """Put every named item back as it was: the transaction leaves no trace."""
    _SORTED.clear()  # items put back behind `put_item`'s back
    for (name, hash_key, range_key), item in undo.items():
        table = backend.tables.get(name)
        if table is None:
            continue
        items: Any = table.items
        if range_key is None:
            if item is None:
                items.pop(hash_key, None)
            else:
                items[hash_key] = item
            continue
        partition = items.get(hash_key)
        if item is not None:
            items[hash_key][range_key] = item
        elif partition is not None:
            partition.pop(range_key, None)
            if not partition:
                del items[hash_key]


def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    """moto's TransactWriteItems with an undo log of the named items as its rollback."""
    undo = _snapshot(self, transact_items) if len(transact_items) <= 100 else {}
    _state.undo_log = True
    try:
        _ORIGINAL["transact_write_items"](self, transact_items)
    except BaseException:
        _restore(self, undo)
        raise
    finally:
        _state.undo_log = False


def query(self: Table, *args: Any, **kwargs: Any) -> Any:
    """moto's Query, over the one partition it asks for when it reads the table itself."""
    original = _ORIGINAL["query"]
    call = _ORIGINAL["query_signature"].bind(self, *args, **kwargs).arguments
    hash_key = call["hash_key"]
    if call.get("index_name") or not self.has_range_key or hash_key is None:
        return original(self, *args, **kwargs)
    view = copy.copy(self)  # shallow: the same items, schema and indexes
    partition = self.items.get(hash_key)
    kept = {} if partition is None else _first(self, partition, call)
    view.items = defaultdict(dict, {hash_key: kept} if kept else {})
    return original(view, *args, **kwargs)


def _first(table: Table, partition: dict[DynamoType, Item], call: dict[str, Any]) -> Any:
    """The items of a partition the query can reach. With a sort-key condition on a string
    key (=, <, <=, >, >=, BETWEEN), those within it, found by bisecting the partition's
    sorted keys. Then, with a Limit and nothing that skips items (no start key, no filter
    on attributes), the first Limit + 1 in the query's order (one more, so moto still
    reports a LastEvaluatedKey when there are more); else all of them."""
    if table.range_key_type != "S" or len(call.get("range_key_conditions") or ()) > 1:
        return partition
    keys = _sorted_keys(table, call["hash_key"], partition)
    window = _window(keys, call.get("range_comparison"), call.get("range_objs") or [])
    if window is None:
        return partition
    lo, hi = window
    limit = call.get("limit")
    plain = not call.get("exclusive_start_key") and not call.get("filter_kwargs")
    if limit and plain and hi - lo > limit + 1:
        if call.get("scan_index_forward", True):
            hi = lo + limit + 1
        else:
            lo = hi - limit - 1
    if lo == 0 and hi == len(keys):
        return partition
    return {key: partition[key] for key in keys[lo:hi]}


def _window(keys: list[DynamoType], op: str | None, objs: list[DynamoType]) -> Any:
    """The slice of sorted `keys` a sort-key condition keeps, or None when it is not one
    of the comparisons bisecting can answer (BEGINS_WITH, a non-string value)."""
    if not op:
        return 0, len(keys)
    values = [obj.value for obj in objs]
    if not values or not all(isinstance(v, str) for v in values):
        return None

    def left(value: str) -> int:
        return bisect.bisect_left(keys, value, key=_value)

    def right(value: str) -> int:
        return bisect.bisect_right(keys, value, key=_value)

    windows: dict[str, Callable[[], tuple[int, int]]] = {
        "EQ": lambda: (left(values[0]), right(values[0])),
        "LT": lambda: (0, left(values[0])),
        "LE": lambda: (0, right(values[0])),
        "GT": lambda: (right(values[0]), len(keys)),
        "GE": lambda: (left(values[0]), len(keys)),
        "BETWEEN": lambda: (left(values[0]), right(values[-1])),
    }
    name = {"=": "EQ", "<": "LT", "<=": "LE", ">": "GT", ">=": "GE"}.get(op, op.upper())
    answer = windows.get(name)
    return None if answer is None else answer()


def _value(key: DynamoType) -> Any:
    return key.value


def _sorted_keys(
    table: Table, hash_key: DynamoType, partition: dict[DynamoType, Item]
) -> list[DynamoType]:
    """The partition's sort keys in order: kept up to date by `put_item` and `delete_item`
    below, sorted again whenever its size says something else changed it."""
    partitions = _SORTED.setdefault(table, {})
    keys = partitions.get(hash_key)
    if keys is None or len(keys) != len(partition):
        keys = sorted(partition, key=_value)
        partitions[hash_key] = keys
    return keys


def put_item(self: Table, *args: Any, **kwargs: Any) -> Any:
    """moto's `Table.put_item`, keeping the partition's sorted keys (if kept) in order."""
    item = _ORIGINAL["put_item"](self, *args, **kwargs)
    keys = _SORTED.get(self, {}).get(item.hash_key)
    if keys is not None and item.range_key is not None:
        at = bisect.bisect_left(keys, item.range_key.value, key=_value)
        if at == len(keys) or keys[at] != item.range_key:
            keys.insert(at, item.range_key)
    return item


def delete_item(self: Table, hash_key: DynamoType, range_key: DynamoType | None) -> Any:
    """moto's `Table.delete_item`, keeping the partition's sorted keys (if kept) in order."""
    item = _ORIGINAL["delete_item"](self, hash_key, range_key)
    keys = _SORTED.get(self, {}).get(hash_key)
    if item is not None and keys is not None and range_key is not None:
        at = bisect.bisect_left(keys, range_key.value, key=_value)
        if at < len(keys) and keys[at] == range_key:
            del keys[at]
    return item


_COUNTS = {
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesDelayed",
    "ApproximateNumberOfMessagesNotVisible",
}


class _QueueAttributes(Mapping[str, Any]):
    """A queue's attributes as moto's `Queue.attributes` returns them (same names, same
    values, booleans as "true"/"false", the redrive policy as JSON), each value read when
    asked for; the three message counts in one walk of the queue, the first time one is."""

    def __init__(self, queue: Queue) -> None:
        self.queue = queue
        names = list(queue.BASE_ATTRIBUTES)
        if queue.fifo_queue:
            names += queue.FIFO_ATTRIBUTES
        if queue.kms_master_key_id:  # type: ignore[attr-defined]
            names += queue.KMS_ATTRIBUTES
        self.names = dict.fromkeys(names)
        self.counts: dict[str, int] | None = None

    def _count(self) -> dict[str, int]:
        if self.counts is None:
            now = time.time() * 1000
            visible = delayed = not_visible = 0
            for message in list(self.queue._messages):
                is_delayed = now < message.delayed_until
                is_visible = now > message.visible_at
                delayed += is_delayed
                not_visible += not is_visible
                visible += is_visible and not is_delayed
            self.counts = {
                "ApproximateNumberOfMessages": visible,
                "ApproximateNumberOfMessagesDelayed": delayed,
                "ApproximateNumberOfMessagesNotVisible": not_visible,
            }
        return self.counts

    def _value(self, name: str) -> Any:
        queue = self.queue
        if name in _COUNTS:
            return self._count()[name]
        if name == "Policy" and queue.policy:
            return queue.policy
        if name == "RedrivePolicy" and queue.redrive_policy:
            return json.dumps(queue.redrive_policy)
        value = getattr(queue, camelcase_to_underscores(name))
        return str(value).lower() if isinstance(value, bool) else value

    def __getitem__(self, name: str) -> Any:
        if name not in self.names:
            raise KeyError(name)
        return self._value(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)


def queue_attributes(self: Queue) -> Mapping[str, Any]:
    """moto's `Queue.attributes`, read lazily (`_QueueAttributes`)."""
    return _QueueAttributes(self)


def delete_message(self: Queue, receipt_handle: str) -> None:
    """moto's `Queue.delete_message`, stopping at the message that holds the handle."""
    if receipt_handle in self.deleted_messages:
        return  # deleted already: moto answers it gracefully
    messages = self._messages
    for at, message in enumerate(messages):
        if message.had_receipt_handle(receipt_handle):
            self.pending_messages.discard(message)
            self.deleted_messages.update(message.all_receipt_handles)  # type: ignore[arg-type]
            # A new list, as moto's: a thread walking the old one is not disturbed.
            self._messages = messages[:at] + messages[at + 1 :]
            return
    raise ReceiptHandleIsInvalid()


def _unix_time(dt: Any = None) -> float:
    """moto's `unix_time`: `time.time()` for now, moto's own for a given datetime."""
    return time.time() if dt is None else float(_ORIGINAL["unix_time"](dt))


def _unix_time_millis(dt: Any = None) -> float:
    return _unix_time(dt) * 1000.0


def _moto_modules() -> tuple[str, ...]:
    """moto's `list_of_moto_modules`, listed once."""
    if "modules" not in _CACHE:
        _CACHE["modules"] = tuple(_ORIGINAL["list_of_moto_modules"]())
    modules: tuple[str, ...] = _CACHE["modules"]
    return modules


def backend_for_host(self: DomainDispatcherApplication, host: str | None) -> Any:
    """moto's `get_backend_for_host`, remembered by host (the URL patterns are fixed)."""
    hosts: dict[str | None, Any] = _CACHE.setdefault("hosts", {})
    if host not in hosts:
        hosts[host] = _ORIGINAL["get_backend_for_host"](self, host)
    return hosts[host]


def list_objects(
    self: S3Backend, bucket: Any, prefix: str | None, *args: Any, **kwargs: Any
) -> Any:
    """moto's `list_objects` over the keys under `prefix` only (the same listing)."""
    keys = bucket.keys
    if prefix and isinstance(keys, dict):
        under = type(keys)()
        for name in [name for name in dict.keys(keys) if name.startswith(prefix)]:
            dict.__setitem__(under, name, dict.__getitem__(keys, name))
        view = copy.copy(bucket)  # shallow: the same bucket, with fewer keys to walk
        view.keys = under
        bucket = view
    return _ORIGINAL["list_objects"](self, bucket, prefix, *args, **kwargs)


def _untracked(cls: type, *args: Any, **kwargs: Any) -> Any:
    """moto's `BaseModel.__new__` without appending the instance to its class's list."""
    return super(BaseModel, cls).__new__(cls)  # type: ignore[misc]


def applied() -> bool:
    """Whether moto's DynamoDB runs with these patches in this process."""
    return "transact_write_items" in _ORIGINAL


def apply() -> None:
    """Patch moto's DynamoDB backend for the local stack; each call is undone by one
    `remove()` (stacks nest: the last one to stop puts moto back as it ships)."""
    _USERS.append(None)
    if applied():
        return
    _ORIGINAL["transact_write_items"] = DynamoDBBackend.transact_write_items
    _ORIGINAL["query"] = Table.query
    _ORIGINAL["query_signature"] = inspect.signature(Table.query)
    _ORIGINAL["copy"] = vars(ddb_models)["copy"]
    vars(ddb_models)["copy"] = _TableCopySkipper()
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    Table.query = query  # type: ignore[method-assign]
    _ORIGINAL["put_item"] = Table.put_item
    _ORIGINAL["delete_item"] = Table.delete_item
    Table.put_item = put_item  # type: ignore[method-assign]
    Table.delete_item = delete_item  # type: ignore[method-assign]
    _ORIGINAL["queue_attributes"] = vars(Queue)["attributes"]
    _ORIGINAL["queue_delete_message"] = Queue.delete_message
    _ORIGINAL["unix_time"] = vars(sqs_models)["unix_time"]
    _ORIGINAL["unix_time_millis"] = vars(sqs_models)["unix_time_millis"]
    Queue.attributes = property(queue_attributes)  # type: ignore[assignment]
    Queue.delete_message = delete_message  # type: ignore[method-assign]
    vars(sqs_models)["unix_time"] = _unix_time
    vars(sqs_models)["unix_time_millis"] = _unix_time_millis
    _ORIGINAL["list_of_moto_modules"] = moto_backends.list_of_moto_modules
    _ORIGINAL["model_new"] = vars(BaseModel)["__new__"]
    _ORIGINAL["list_objects"] = S3Backend.list_objects
    S3Backend.list_objects = list_objects  # type: ignore[method-assign]
    BaseModel.__new__ = staticmethod(_untracked)  # type: ignore[method-assign]
    _ORIGINAL["get_backend_for_host"] = DomainDispatcherApplication.get_backend_for_host
    moto_backends.list_of_moto_modules = _moto_modules
    DomainDispatcherApplication.get_backend_for_host = backend_for_host  # type: ignore[method-assign]


def remove() -> None:
    """Undo one `apply()`; the last one puts moto back as it ships, so tests that run
    moto in process after a dev stack stopped test moto itself."""
    if _USERS:
        _USERS.pop()
    if _USERS or not applied():
        return
    DynamoDBBackend.transact_write_items = _ORIGINAL.pop("transact_write_items")  # type: ignore[method-assign]
    Table.query = _ORIGINAL.pop("query")  # type: ignore[method-assign]
    Table.put_item = _ORIGINAL.pop("put_item")  # type: ignore[method-assign]
    Table.delete_item = _ORIGINAL.pop("delete_item")  # type: ignore[method-assign]
    _SORTED.clear()
    _ORIGINAL.pop("query_signature")
    vars(ddb_models)["copy"] = _ORIGINAL.pop("copy")
    Queue.attributes = _ORIGINAL.pop("queue_attributes")  # type: ignore[method-assign]
    Queue.delete_message = _ORIGINAL.pop("queue_delete_message")  # type: ignore[method-assign]
    vars(sqs_models)["unix_time"] = _ORIGINAL.pop("unix_time")
    vars(sqs_models)["unix_time_millis"] = _ORIGINAL.pop("unix_time_millis")
    moto_backends.list_of_moto_modules = _ORIGINAL.pop("list_of_moto_modules")
    S3Backend.list_objects = _ORIGINAL.pop("list_objects")  # type: ignore[method-assign]
    BaseModel.__new__ = _ORIGINAL.pop("model_new")  # type: ignore[method-assign]
    DomainDispatcherApplication.get_backend_for_host = _ORIGINAL.pop("get_backend_for_host")  # type: ignore[method-assign]
    _CACHE.clear()
