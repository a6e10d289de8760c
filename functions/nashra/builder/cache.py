"""The build cache: what one `nashra build` read and decided, so the next reads only what
changed and renders only the feeds that changed.

A cache folder holds:

    lock         held while a build uses the folder (a second build at once goes without)
    manifest     the stamp, the config digest, one record per article file, the outcomes a
                 build reports, and the files it published (with their stat)
    results-*    every intake result, pickled one after another; a record points into it

Everything in it is valid for one stamp (`code_stamp`: nashra's version and the hash of its
source, Python's, Unicode's and the libraries' versions that intake and rendering depend
on) and one config digest (the bytes of site.json and sections.json): any change to those
and the next build reads everything again. A file is unchanged when its stat is what was
recorded (size, mtime, ctime, inode) or, failing that, when its bytes have the MD5 the
record holds: the ETag S3 gives the same bytes, which the pipeline trusts the same way.
A file modified within the file system's timestamp granularity of a build is never
trusted by its stat (git's "racy clean" problem): the next build hashes it again.

The manifest is replaced atomically at the end of a build; results files are only appended
to (a full build starts a new one), so a build that dies leaves the last manifest valid.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import marshal
import os
import pickle
import shutil
import stat as stat_module
import struct
import sys
import unicodedata
import uuid
import zoneinfo
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any, Final

import nashra
from nashra.core.problems import Problem, TransientError
from nashra.ports import ArchiveState
from nashra.publish import Outcome

FORMAT = 2
_MAGIC = b"nashra build cache\n"
_STAMP_BYTES = 16
# Changes within this long before a build may not have moved the file's mtime yet (Linux
# file systems stamp with a clock that ticks every few milliseconds; FAT, HFS+ and some
# network file systems by the second or two).
_FINE_WINDOW_NS = 100_000_000
_COARSE_WINDOW_NS = 2_000_000_000

Sig = bytes  # size, mtime_ns, ctime_ns and inode, packed (`_SIG`): one object to load
Ref = tuple[int, int]  # offset and length of a pickled result in the results file

# One article file, as the last build saw it (a plain tuple: marshal reads 10,000 of them
# in a few milliseconds):
#   0 sig      its stat, or None when it cannot be trusted (racy, or never taken)
#   1 digest   MD5 of its bytes, or None when it was not read (over the size limit)
#   2 ref      its intake result in the results file, or None (none was kept)
#   3 volatile the result depends on the time of the build (a date in the future, a scheduled
#              article): never reused
#   4 status   "published", "draft", "scheduled" or "rejected": its outcome in a full build
#   5 claim    the id its intake result claims (also when another file holds that id)
#   6 feeds    the feeds its indexed article is in (an article the index holds)
#   7 when     that article's `published` as `instant` (an article the index holds)
Record = tuple[Sig | None, bytes | None, Ref | None, bool, str, str | None, tuple[str, ...], int]
SIG: Final = 0
DIGEST: Final = 1
REF: Final = 2
VOLATILE: Final = 3
STATUS: Final = 4
CLAIM: Final = 5
FEEDS: Final = 6
WHEN: Final = 7
INDEXED = ("published", "draft", "scheduled")
KEPT = (*INDEXED, "rejected")  # the outcomes a build caches


class CacheUnreadableError(TransientError):
    """The cache's results file does not hold what its manifest says (a crash, a disk
    error, an edit by hand). A transient error, so the publisher lets it through; the
    build then starts again without the cache."""


def code_stamp() -> bytes:
    """What every cached result depends on besides the config: nashra's version and source,
    Python and its Unicode database, and the libraries that intake and rendering use."""
    digest = hashlib.blake2b(digest_size=_STAMP_BYTES)
    digest.update(f"{FORMAT}\n{sys.version}\n{unicodedata.unidata_version}\n".encode())
    digest.update(_library_versions().encode())
    root = Path(nashra.__file__).parent
    for path in _package_files(root):
        data = path.read_bytes()
        digest.update(f"{path.relative_to(root).as_posix()}\n{len(data)}\n".encode())
        digest.update(data)
    return digest.digest()


def code_signature() -> bytes:
    """What `code_stamp` depends on, read without reading nashra's source: the stat of
    every file of the package (size, mtime, ctime, inode) and the versions. A manifest
    written with the same signature has the stamp it records; otherwise the stamp is
    computed again (a file touched but not changed still matches)."""
    digest = hashlib.blake2b(digest_size=_STAMP_BYTES)
    digest.update(f"{FORMAT}\n{sys.version}\n{unicodedata.unidata_version}\n".encode())
    digest.update(_library_versions(quick=True).encode())
    root = Path(nashra.__file__).parent
    for path in _package_files(root):
        st = path.stat()
        line = f"{path.relative_to(root)}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ctime_ns}"
        digest.update(f"{line}\0{st.st_ino}\n".encode())
    return digest.digest()


def _library_versions(*, quick: bool = False) -> str:
    """Versions of what decides intake's and the renderers' output, read from the modules
    (already imported by a build; `importlib.metadata` would cost milliseconds each)."""
    import dateutil
    import nh3
    import pydantic
    import pydantic_core
    import regex

    versions = [
        "" if quick else _nashra_version(),
        *(str(getattr(m, "__version__", "")) for m in (nh3, regex, pydantic_core, dateutil)),
        pydantic.VERSION,
        *_zone_data_versions(),
    ]
    return "\n".join(versions)


def _nashra_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("nashra")
    except PackageNotFoundError:  # imported from a source tree: the source hash decides
        return "source"


def _zone_data_versions() -> list[str]:
    """The time zone database's version: a rule change moves naive dates (`timezone`)."""
    found = []
    for folder in zoneinfo.TZPATH:
        with contextlib.suppress(OSError), open(os.path.join(folder, "tzdata.zi"), "rb") as zi:
            found.append(zi.readline().decode("ascii", "replace").strip())
    with contextlib.suppress(ImportError, AttributeError):
        found.append(f"tzdata {importlib.import_module('tzdata').IANA_VERSION}")
    return found


def _package_files(root: Path) -> list[Path]:
    files = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        files += [Path(folder) / name for name in sorted(names) if not name.endswith(".pyc")]
    return files


def config_digest(site: bytes | None, sections: bytes | None) -> bytes:
    """The config as the cache sees it: the bytes of both files (None: missing)."""
    digest = hashlib.blake2b(digest_size=_STAMP_BYTES)
    for raw in (site, sections):
        digest.update(b"-" if raw is None else b"%d:" % len(raw) + raw)
    return digest.digest()


def content_digest(raw: bytes) -> bytes:
    """MD5 of a file's bytes: its S3 ETag (`adapters.local.etag`), as bytes."""
    return hashlib.md5(raw, usedforsecurity=False).digest()


def signature(st: os.stat_result, scan_ns: int) -> Sig | None:
    """The stat that says a file is unchanged, or None when it changed too recently to
    trust (a change in the same clock tick would leave it as it is)."""
    changed = max(st.st_mtime_ns, st.st_ctime_ns)
    coarse = st.st_mtime_ns % 1_000_000 == 0  # whole milliseconds: a coarse file system
    if changed + (_COARSE_WINDOW_NS if coarse else _FINE_WINDOW_NS) > scan_ns:
        return None
    return output_signature(st)


_SIG = struct.Struct("<QqqQ")


def output_signature(st: os.stat_result) -> Sig:
    """The stat of a file this build wrote itself (nothing else writes there)."""
    return _SIG.pack(st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


_FEEDS: dict[tuple[str, ...], tuple[str, ...]] = {}


def shared(feeds: tuple[str, ...]) -> tuple[str, ...]:
    """One tuple for each set of feeds, so the manifest stores and loads it once."""
    return _FEEDS.setdefault(feeds, feeds)


def output_intact(out: Path, outputs: dict[str, Sig]) -> bool:
    """Whether every file the last build published is still as it left it."""
    for path, sig in outputs.items():
        try:
            st = os.stat(out / path)
        except OSError:
            return False
        if not stat_module.S_ISREG(st.st_mode) or output_signature(st) != sig:
            return False
    return True


@dataclass
class Manifest:
    """What the last build read and decided (see the module docstring)."""

    stamp: bytes
    quick: bytes  # `code_signature` when it was written
    config: bytes
    now: int  # the build's time (`instant`): results hold for this time and later
    results: str  # name of the results file
    files: dict[str, Record] = field(default_factory=dict)
    problems: dict[str, tuple[Problem, ...]] = field(default_factory=dict)
    head: list[Outcome] = field(default_factory=list)  # the config keys' outcomes
    outputs: dict[str, Sig] = field(default_factory=dict)
    live: int = 0  # bytes of the results file that records point to
    # The index's RFC 5005 archive states and marked articles, by feed (`nashra.history`).
    archives: dict[str, ArchiveState] = field(default_factory=dict)
    marks: dict[str, frozenset[str]] = field(default_factory=dict)

    def dump(self) -> bytes:
        body = {
            "now": self.now,
            "config": self.config,
            "results": self.results,
            "files": self.files,
            "problems": pickle.dumps(
                (self.problems, self.head, self.archives, self.marks), pickle.HIGHEST_PROTOCOL
            ),
            "outputs": self.outputs,
            "live": self.live,
        }
        return _MAGIC + self.quick + self.stamp + marshal.dumps(body)

    @staticmethod
    def stamp_of(data: bytes, quick: bytes) -> bytes | None:
        """The stamp a manifest records, when it was written with this `code_signature`."""
        start = len(_MAGIC) + _STAMP_BYTES
        return data[start : start + _STAMP_BYTES] if data.startswith(_MAGIC + quick) else None

    @classmethod
    def parse(cls, data: bytes, stamp: bytes) -> Manifest | None:
        """The manifest, or None unless it was written for `stamp` (by this code)."""
        start = len(_MAGIC) + _STAMP_BYTES
        if not data.startswith(_MAGIC) or data[start : start + _STAMP_BYTES] != stamp:
            return None
        try:
            body = marshal.loads(data[start + _STAMP_BYTES :])
            problems, head, archives, marks = pickle.loads(body["problems"])
            return cls(
                stamp=stamp,
                quick=data[len(_MAGIC) : start],
                config=body["config"],
                now=body["now"],
                results=body["results"],
                files=body["files"],
                problems=problems,
                head=head,
                outputs=body["outputs"],
                live=body["live"],
                archives=archives,
                marks=marks,
            )
        except Exception:  # a damaged manifest is no manifest: the build reads everything
            return None


class BuildCache:
    """One cache folder, locked for one build (`open`)."""

    def __init__(self, folder: Path, lock: IO[bytes]) -> None:
        self.folder = folder
        self._lock = lock
        self._reader: IO[bytes] | None = None
        self._reader_name = ""
        self._writer: IO[bytes] | None = None
        self._written: str | None = None
        # A cache that cannot be written (disk full, permissions) never fails a build: it
        # is left as it was, and the build goes on without keeping anything.
        self.broken = False

    @classmethod
    @contextlib.contextmanager
    def open(cls, folder: Path | None) -> Iterator[BuildCache | None]:
        """The cache in `folder`, created if need be; None when there is none to use (no
        folder, or another build holds it: then this one builds without it)."""
        if folder is None:
            yield None
            return
        try:
            folder.mkdir(parents=True, exist_ok=True)
            lock = open(folder / "lock", "ab")  # noqa: SIM115 (held until the build ends)
        except OSError:
            yield None
            return
        try:
            if not _try_lock(lock):
                yield None
                return
            cache = cls(folder, lock)
            try:
                yield cache
            finally:
                cache.close()
        finally:
            lock.close()

    def load(self, quick: bytes, stamp: Callable[[], bytes]) -> tuple[Manifest | None, bytes]:
        """The manifest, if it was written by this code, and this code's stamp (taken from
        the manifest when `quick`, the code's signature, is the one it was written with)."""
        try:
            data = (self.folder / "manifest").read_bytes()
        except OSError:
            return None, stamp()
        current = Manifest.stamp_of(data, quick) or stamp()
        manifest = Manifest.parse(data, current)
        if manifest is not None and not (self.folder / manifest.results).is_file():
            return None, current
        return manifest, current

    def last_outputs(self) -> list[str]:
        """The files the last build with this cache wrote into its output folder, whatever
        nashra wrote them (its manifest read without its stamp), or none if unreadable."""
        try:
            data = (self.folder / "manifest").read_bytes()
            body = marshal.loads(data[len(_MAGIC) + 2 * _STAMP_BYTES :])
            return [path for path in body["outputs"] if isinstance(path, str)]
        except Exception:
            return []

    def read(self, manifest: Manifest, ref: Ref) -> bytes:
        """The pickled result at `ref` in the manifest's results file."""
        try:
            reader = self._results_reader(manifest)
            reader.seek(ref[0])
            blob = reader.read(ref[1])
        except OSError as exc:
            raise CacheUnreadableError(f"cannot read the build cache: {exc}") from exc
        if len(blob) != ref[1]:
            raise CacheUnreadableError("the build cache's results file is shorter than recorded")
        return blob

    def advise(self, manifest: Manifest, refs: Iterable[Ref]) -> None:
        """Tell the system the results at `refs` are read next, so it reads them from the
        disk side by side rather than one `read` at a time: a cache not read for a while is
        no longer in memory (a machine that reclaims idle page cache, as the benchmark machine
        does after about a minute), and 200 results read one by one from the disk cost
        25 ms there, read ahead 3 ms. Only advice: nothing fails on it."""
        if not hasattr(os, "posix_fadvise"):  # not on Linux: each read waits in turn
            return
        try:
            fd = self._results_reader(manifest).fileno()
            for offset, length in refs:
                os.posix_fadvise(fd, offset, length, os.POSIX_FADV_WILLNEED)
        except OSError:
            return  # the reads that follow say what is wrong, if anything is

    def _results_reader(self, manifest: Manifest) -> IO[bytes]:
        if self._reader is None or self._reader_name != manifest.results:
            self._close_reader()
            # Unbuffered: a read takes exactly the bytes asked for, within what `advise`
            # read ahead (a buffered one fills its buffer past them, from the disk).
            self._reader = open(self.folder / manifest.results, "rb", buffering=0)  # noqa: SIM115
            self._reader_name = manifest.results
        return self._reader

    def start_results(self, manifest: Manifest | None) -> str:
        """Open a results file for a full build: the manifest's, to append to, or a new
        one (no manifest, or one whose file is mostly results no record points to)."""
        name = None
        if manifest is not None and not self.wasteful(manifest):
            name = manifest.results
        return self._open_results(name or f"results-{uuid.uuid4().hex[:12]}")

    def continue_results(self, manifest: Manifest) -> None:
        """Append to the manifest's results file (an incremental build)."""
        self._open_results(manifest.results)

    def _open_results(self, name: str) -> str:
        self._written = name
        try:
            self._writer = open(self.folder / name, "ab")  # noqa: SIM115
        except OSError:
            self.broken = True
        return name

    def wasteful(self, manifest: Manifest) -> bool:
        """Whether the manifest's results file is mostly results nothing points to."""
        size = _size(self.folder / manifest.results)
        return size is None or size > 2 * manifest.live + (1 << 20)

    def compact(self, manifest: Manifest) -> None:
        """Copy the results the manifest points to into a new file, and point to those."""
        if self.broken:
            return
        old = replace(manifest)
        if self._writer is not None:
            self._writer.close()
        self._open_results(f"results-{uuid.uuid4().hex[:12]}")
        for key, record in list(manifest.files.items()):
            sig, digest, ref, volatile, status, claim, feeds, when = record
            if ref is not None:
                kept = self.append(self.read(old, ref))
                manifest.files[key] = (sig, digest, kept, volatile, status, claim, feeds, when)
        self._close_reader()
        manifest.results = self.results_name

    @property
    def results_name(self) -> str:
        """The results file this build writes to (`start_results`)."""
        assert self._written is not None
        return self._written

    def append(self, blob: bytes) -> Ref | None:
        """Keep a pickled result; its place in the results file (None: not kept)."""
        if self._writer is None or self.broken:
            return None
        try:
            offset = self._writer.tell()
            self._writer.write(blob)
        except OSError:
            self.broken = True
            return None
        return (offset, len(blob))

    def save(self, manifest: Manifest) -> None:
        """Write `manifest` (its results file complete), then drop results files no manifest
        points to any more."""
        try:
            if self._writer is not None:
                self._writer.close()
                self._writer = None
            if self.broken:
                return
            temporary = self.folder / f"manifest.{os.getpid()}.tmp"
            temporary.write_bytes(manifest.dump())
            os.replace(temporary, self.folder / "manifest")
            self._close_reader()
            for path in self.folder.glob("results-*"):
                if path.name != manifest.results:
                    path.unlink(missing_ok=True)
        except OSError:
            self.broken = True

    def discard(self) -> None:
        """Forget everything (the cache could not be read): the next build starts afresh."""
        self.close()
        with contextlib.suppress(OSError):
            for path in [self.folder / "manifest", *self.folder.glob("results-*")]:
                path.unlink(missing_ok=True)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        self._close_reader()

    def _close_reader(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None


def evict(parent: Path, keep: int) -> None:
    """Remove all but the `keep` most recently used caches in `parent` (each a folder with
    a lock file), skipping any a build holds."""
    try:
        caches = [p for p in parent.iterdir() if (p / "lock").is_file()]
        caches.sort(key=lambda p: (p / "lock").stat().st_mtime_ns, reverse=True)
    except OSError:
        return
    for stale in caches[keep:]:
        try:
            with open(stale / "lock", "ab") as lock:
                if _try_lock(lock):
                    shutil.rmtree(stale, ignore_errors=True)
        except OSError:
            continue


def touch(folder: Path) -> None:
    """Mark a cache as just used (`evict` keeps the most recent)."""
    with contextlib.suppress(OSError):
        os.utime(folder / "lock")


def _try_lock(lock: IO[bytes]) -> bool:
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; one build at a time is on the user
        return True
    try:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def load_result(blob: bytes) -> Any:
    """A pickled intake result from the cache (or from a worker)."""
    try:
        return pickle.loads(blob)
    except Exception as exc:
        raise CacheUnreadableError(f"a cached result cannot be read: {exc}") from exc


def dump_result(result: object) -> bytes:
    return pickle.dumps(result, pickle.HIGHEST_PROTOCOL)
