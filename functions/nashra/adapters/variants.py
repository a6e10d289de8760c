"""Brotli and gzip variants of every published file, stored beside it for the CDN (D10).

CloudFront compresses only the content types on its list, and `application/atom+xml`,
`application/feed+json`, `text/x-opml` and `text/xsl` are not on it (P-CF-1). So nashra
compresses once, when a file changes, and stores `all/atom.xml.br` and `all/atom.xml.gz`
next to `all/atom.xml`, with the original's Content-Type and Cache-Control and their own
Content-Encoding. At the edge a viewer-request CloudFront Function
(infra/cloudfront/select-variant.js) rewrites the URI to the variant the reader accepts
(`choose_encoding`, `select`); the local CDN (`nashra.dev.cdn`) does the same. The URI is
the cache key, and each variant's ETag is S3's for its own bytes, which are deterministic
(gzip with no name and mtime 0, brotli at a fixed quality): unchanged input keeps every
ETag, and a reader's 304 holds per variant.

`VariantStore` is a FeedStore decorator over a store that can write those headers
(`EncodingStore`: the S3 adapter). Order is what keeps the variants consistent:

- write: a changed file writes its variants first (side by side, `workers` > 1) and itself
  last, once both are written. The original's metadata (its sha256, and `encodings`) is
  what the check compares, so the original is the commit mark: a batch that dies in
  between finds it stale on retry and writes everything again. An object written before
  variants existed lacks the mark and is rewritten once. Each variant carries the sha256
  of the bytes it was compressed from (`source-sha256`), and a file found unchanged has
  its variants checked too (two HEADs side by side, no compression): a batch that died
  after the variants of new bytes landed leaves the file unchanged, and a retry that
  renders the file's bytes again (the change undone meanwhile) must still write them,
  or readers who accept br or gzip keep the undone version.
- delete: variants first, then the original, so a retried prune that still lists the
  original deletes again; the reverse could leave variants readers keep being served.

>>> choose_encoding("gzip, deflate, br")
'br'
>>> select("all/atom.xml", "gzip;q=1, br;q=0")
'all/atom.xml.gz'
>>> select("all/atom.xml", "identity")
'all/atom.xml'
"""

from __future__ import annotations

import gzip
import hashlib
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from functools import lru_cache
from typing import Any, Protocol, runtime_checkable

from nashra.adapters.links import link_header

# Every kind of file nashra publishes; select-variant.js keeps the same list (a test
# compares them). A file of another kind is stored and served as it is.
SUFFIXES = (".css", ".html", ".js", ".json", ".opml", ".xml", ".xsl")
# Content codings by preference (brotli is smaller), with the suffix of their variant.
CODINGS = {"br": ".br", "gzip": ".gz"}
# RFC 9110 §8.4.1.3: a recipient SHOULD treat x-gzip as gzip.
ALIASES = {"x-gzip": "gzip"}
QVALUE = re.compile(r"0(\.[0-9]{0,3})?|1(\.0{0,3})?")  # RFC 9110 §12.4.2
OWS = " \t"  # optional whitespace around list members and parameters
# Brotli 11 saves another 11% but costs ~50x the time of 6 (a 1 MB feed: a second, on the
# publish's critical path); gzip 9 saves under 2% over 6 at 3x the time (bench/edge.py).
BROTLI_QUALITY = 6
GZIP_LEVEL = 6
ENCODINGS_METADATA = "encodings"  # x-amz-meta-encodings on an original: its variants exist
SOURCE_METADATA = "source-sha256"  # on a variant: the sha256 of the bytes it compresses
LINK_METADATA = "link"  # x-amz-meta-link: the Link header the CDN sends (D11)


class EncodingStore(Protocol):
    """What `VariantStore` needs underneath: a check and an unconditional write, both with
    Content-Encoding and user metadata (S3's x-amz-meta-*)."""

    def unchanged(
        self,
        path: str,
        body: bytes,
        content_type: str,
        cache_control: str,
        *,
        content_encoding: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> bool: ...

    def put(
        self,
        path: str,
        body: bytes,
        content_type: str,
        cache_control: str,
        *,
        content_encoding: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> None: ...

    def paths(self) -> Iterator[str]: ...

    def delete(self, path: str) -> None: ...

    def head(self, path: str) -> Mapping[str, Any] | None:
        """What is stored at `path` (HeadObject's answer, its user metadata under
        `Metadata`), or None: no object."""


@runtime_checkable
class CheckingStore(EncodingStore, Protocol):
    """An `EncodingStore` whose check comes in two steps (the S3 adapter): `head` asks
    what is stored before the bytes are known, `matches` compares the answer with them."""

    def matches(
        self,
        head: Mapping[str, Any] | None,
        body: bytes,
        content_type: str,
        cache_control: str,
        *,
        content_encoding: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> bool: ...


def _quality(params: list[str]) -> float:
    """The q of one Accept-Encoding member's parameters (RFC 9110 §12.4.2): 1 without one,
    0 when it is not a valid qvalue (a coding the reader half-refused is not risked)."""
    for param in params:
        name, _, value = param.partition("=")
        if name.strip(OWS).lower() == "q":
            value = value.strip(OWS)
            return float(value) if QVALUE.fullmatch(value) else 0.0
    return 1.0


def choose_encoding(accept_encoding: str | None) -> str | None:
    """`br` if the reader accepts it, else `gzip`, else None (identity); `q=0` refuses a
    coding and `*` stands for every coding not named (RFC 9110 §12.5.3).

    >>> choose_encoding("br;q=0, *")
    'gzip'
    >>> choose_encoding("*;q=0, identity") is None
    True
    >>> choose_encoding("br;q=0, gzip, br")  # br named twice: its refusal stands
    'gzip'
    """
    offered: dict[str, float] = {}
    for member in (accept_encoding or "").split(","):
        coding, *params = member.split(";")
        coding = coding.strip(OWS).lower()
        if coding:  # named twice: its lowest q, so a refusal anywhere stands (RFC 9110 is silent)
            name, q = ALIASES.get(coding, coding), _quality(params)
            offered[name] = min(q, offered.get(name, q))
    for coding in CODINGS:
        if offered.get(coding, offered.get("*", 0.0)) > 0:
            return coding
    return None


def has_variants(path: str) -> bool:
    """Whether `path` is of a kind that is stored with variants."""
    return path.endswith(SUFFIXES)


def variant_path(path: str, coding: str) -> str:
    """Where the `coding` variant of `path` is stored: `all/atom.xml.br`."""
    return path + CODINGS[coding]


def is_variant(path: str) -> bool:
    """Whether `path` is a stored variant (`all/atom.xml.gz`), not a published file."""
    return any(path.endswith(s) and has_variants(path[: -len(s)]) for s in CODINGS.values())


def select(path: str, accept_encoding: str | None) -> str:
    """The stored object a request for `path` is answered from: what select-variant.js
    does at the edge, for the local CDN."""
    coding = choose_encoding(accept_encoding) if has_variants(path) else None
    return path if coding is None else variant_path(path, coding)


def compress(body: bytes, coding: str) -> bytes:
    """`body` in `coding`, byte for byte the same on every run."""
    if coding == "gzip":
        # No file name and mtime 0: the header carries nothing that changes between runs.
        return gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)
    import brotli  # imported on first use: the handler's cold start does not pay for it

    data: bytes = brotli.compress(body, quality=BROTLI_QUALITY)
    return data


@lru_cache(maxsize=2)
def _helpers(workers: int) -> ThreadPoolExecutor:
    """Threads that write one variant each while the writer's own thread writes the other.
    Not the publisher's pool (`nashra.lookahead.Pool`): a write runs in one of its threads
    and waits for its helper, which must never queue behind writes that wait in turn."""
    return ThreadPoolExecutor(max_workers=workers, thread_name_prefix="nashra-variants")


class VariantStore:
    """FeedStore that stores each file with its compressed variants and the metadata the
    CDN turns into headers (`Link`, D11); the publisher sees only the files themselves.

    `workers`: how many files may be written at once (the publisher's writes side by side);
    above 1, each file's two variants are written side by side, one in a helper thread, and
    `expect` checks files ahead (over a `CheckingStore`). 1 writes the variants one after
    the other, in `CODINGS` order, and checks each file when it is written.

    One per batch: a check made ahead is used by the path's next write (or delete) in the
    same batch, while nothing else writes the bucket (the work queue is one FIFO group)."""

    def __init__(self, files: EncodingStore, *, workers: int = 1) -> None:
        self.files = files
        self.workers = workers
        self._checks: dict[str, Future[Mapping[str, Any] | None]] = {}
        self._lock = threading.Lock()

    def expect(self, paths: Iterable[str]) -> None:
        """Start checking `paths` (one HeadObject each, side by side, in helper threads)
        before their bytes are known; each path's next `write` compares with the answer
        instead of asking then (`nashra.lookahead.ChecksAhead`)."""
        files = self.files
        if self.workers <= 1 or not isinstance(files, CheckingStore):
            return
        with self._lock:
            for path in paths:
                if path not in self._checks:
                    self._checks[path] = _helpers(self.workers).submit(files.head, path)

    def _unchanged(
        self, path: str, body: bytes, content_type: str, cache_control: str, metadata: Any
    ) -> bool:
        """The check of `path`: with the answer `expect` asked for, else asked now."""
        with self._lock:
            check = self._checks.pop(path, None)
        files = self.files
        if check is not None and isinstance(files, CheckingStore):
            head = check.result()  # raises what the HeadObject raised
            return files.matches(head, body, content_type, cache_control, metadata=metadata)
        return files.unchanged(path, body, content_type, cache_control, metadata=metadata)

    def write(
        self, path: str, body: bytes, content_type: str, cache_control: str, *, once: bool = False
    ) -> bool:
        link = link_header(path, body)
        shared = {LINK_METADATA: link} if link else {}
        metadata = dict(shared)
        if has_variants(path):
            metadata[ENCODINGS_METADATA] = " ".join(CODINGS)
        if not once and self._unchanged(path, body, content_type, cache_control, metadata):
            if not has_variants(path) or self._variants_from(path, body):
                return False
            # The file is whole but its variants are not of its bytes: written anew, the
            # file stays as it is (its mark already says these bytes).
            self._put_variants(path, body, content_type, cache_control, shared)
            return True
        if has_variants(path):
            self._put_variants(path, body, content_type, cache_control, shared)
        self.files.put(path, body, content_type, cache_control, metadata=metadata)
        return True

    def _variants_from(self, path: str, body: bytes) -> bool:
        """Whether every variant of `path` was compressed from `body` (one HeadObject
        each, side by side with `workers` > 1)."""
        source = hashlib.sha256(body).hexdigest()
        first, *others = (variant_path(path, coding) for coding in CODINGS)
        if self.workers > 1:  # as the writes: one in a helper, one in this thread
            started = [_helpers(self.workers).submit(self.files.head, p) for p in others]
            answers = [self.files.head(first), *(f.result() for f in started)]
        else:
            answers = [self.files.head(p) for p in (first, *others)]
        return all(
            answer is not None and answer.get("Metadata", {}).get(SOURCE_METADATA) == source
            for answer in answers
        )

    def _put_variants(
        self, path: str, body: bytes, content_type: str, cache_control: str, shared: dict[str, str]
    ) -> None:
        """Compress and write every variant; return once all are written, or raise the
        first failure in `CODINGS` order once none is still being written (so the original,
        written after, is never written beside a variant that failed)."""

        metadata = {**shared, SOURCE_METADATA: hashlib.sha256(body).hexdigest()}

        def put(coding: str) -> None:
            self.files.put(
                variant_path(path, coding),
                compress(body, coding),
                content_type,
                cache_control,
                content_encoding=coding,
                metadata=metadata,
            )

        first, *others = CODINGS
        if self.workers <= 1:
            for coding in CODINGS:
                put(coding)
            return
        started = [_helpers(self.workers).submit(put, coding) for coding in others]
        errors: list[BaseException] = []
        for wait in (lambda: put(first), *(f.result for f in started)):
            errors += _failure(wait)
        if errors:
            raise errors[0]

    def paths(self) -> Iterator[str]:
        """Every published file, without the variants stored beside them; a variant whose
        file is not there is listed as that file. A new feed's first write that failed
        between its variants and itself leaves them alone, and if its section is removed
        before a retry writes the file, the prune (which deletes what this lists, variants
        first) must still find them: else the CDN serves a removed section's feed to every
        reader who accepts br or gzip, and no sweep ever deletes it."""
        listed: set[str] = set()
        for stored in self.files.paths():
            path = stored.rsplit(".", 1)[0] if is_variant(stored) else stored
            if path not in listed:
                listed.add(path)
                yield path

    def delete(self, path: str) -> None:
        with self._lock:
            self._checks.pop(path, None)  # its answer is out of date once deleted
        if has_variants(path):
            for coding in CODINGS:
                self.files.delete(variant_path(path, coding))
        self.files.delete(path)


def _failure(call: Callable[[], object]) -> list[BaseException]:
    """What `call` raised, if anything: [] when it returned."""
    try:
        call()
    except Exception as error:
        return [error]
    return []
