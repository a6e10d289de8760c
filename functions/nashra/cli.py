"""The `nashra` command: build feeds from a folder, check articles, run the local stack.

nashra build content --out public      every feed, from a folder, no AWS
nashra validate content/articles/x.json  what an editor runs before uploading
nashra schema                          regenerate content/schema/article.schema.json
nashra upload | status | sweep | import  an editor's side of an inbox bucket (nashra.editor)
nashra dev                             the local stack (nashra.dev; the `local` extra)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from nashra.adapters.local import FolderSource, key_for, read_within
from nashra.core.article import article_json_schema
from nashra.core.decode import MAX_DOCUMENT_BYTES
from nashra.core.intake import oversize_problems, parse_article
from nashra.core.keys import ARTICLE_GLOB, ARTICLES_PREFIX, CONFIG_FILES, SITE_FILE
from nashra.core.problems import ConfigError, Problem, has_errors, internal_problem
from nashra.publish import Config, Outcome, read_config

SCHEMA_PATH = Path("content/schema/article.schema.json")


def _now() -> datetime:
    return datetime.now(UTC)


def _print_problems(label: str, problems: Sequence[Problem]) -> None:
    for problem in problems:
        print(f"{label}: {problem.as_line()}")


def build(content: Path, out: Path) -> tuple[list[Outcome], list[str], list[str]]:
    """Build every feed of `content` into `out`, without a cache; returns the outcomes and
    the written and unchanged paths."""
    from nashra.builder import build as build_folder

    built = build_folder(content, out)
    return built.outcomes, built.written, built.unchanged


def _overlap(content: Path, out: Path) -> str | None:
    """Why the output folder cannot be where it is, or None: feeds written into the content
    folder would be read back as articles (`articles/all/feed.json`) or uploaded with it,
    and a content folder inside the output would be published, drafts and all."""
    inside, outside = content.resolve(), out.resolve()
    if outside == inside or outside.is_relative_to(inside):
        return f"the output folder must be outside the content folder {content}"
    if inside.is_relative_to(outside):
        return f"the content folder {content} must not be inside the output folder"
    return None


def _cmd_build(args: argparse.Namespace) -> int:
    # Imported here: the build's modules (the pool among them) load for this command only.
    from nashra.builder import build as build_folder
    from nashra.builder import default_cache

    content, out = Path(args.content), Path(args.out)
    if not content.is_dir():
        print(
            f"{args.content}: no such folder; give the content folder, the one holding "
            "site.json, sections.json and articles/",
            file=sys.stderr,
        )
        return 2
    overlap = _overlap(content, out)
    if overlap:
        print(f"{args.out}: {overlap}", file=sys.stderr)
        return 2
    cache = None
    if not args.no_cache:
        cache = Path(args.cache) if args.cache else default_cache(content, out)
    try:
        built = build_folder(content, out, cache=cache, jobs=args.jobs)
    except ConfigError as exc:
        _print_problems(args.content, exc.problems)
        return 2
    if built.config_problems:  # nothing was rendered: the site configuration is the problem
        print(f"{args.content}: the site configuration is missing or invalid", file=sys.stderr)
        _print_problems(args.content, built.config_problems)
        return 2
    counts = built.counts
    feeds = {p.split("/")[0] for p in built.written + built.unchanged if "/" in p}
    print(
        f"built {len(feeds)} feeds into {args.out}: {len(built.written)} files written, "
        f"{len(built.unchanged)} unchanged"
    )
    print(
        f"articles: {counts['published']} published, {counts['draft']} drafts, "
        f"{counts['rejected']} rejected"
    )
    for key, problems in built.problems:
        _print_problems(key, problems)
    if args.verbose:
        how = {"full": "every file read", "incremental": "changes only", "unchanged": "no change"}
        print(
            f"{how[built.mode]}: {built.read} article files read, {built.validated} validated"
            + (f" (cache {cache})" if cache else " (no cache)")
            + (f"; {built.farmed} archive pages sealed by a second process" if built.farmed else "")
        )
    return 1 if args.strict and counts["rejected"] else 0


def _article_files(paths: Sequence[str]) -> list[Path]:
    """The files to check: each file named, and the article files in each folder named. A
    content folder's articles are those in its `articles/` folder, as `nashra build` reads
    them: its schema, guides and notes are not articles."""
    files: list[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir() and (path / ARTICLES_PREFIX).is_dir():
            path = path / ARTICLES_PREFIX
        # In a folder, regular files only, as `nashra build` reads: a pipe would block.
        found = (f for f in path.rglob(ARTICLE_GLOB) if f.is_file())
        files += sorted(found) if path.is_dir() else [path]
    return files


def _content_folder(paths: Sequence[str], given: str | None) -> Path:
    """The content folder whose config checks `paths`: `--content` when given, else the
    nearest folder holding site.json at or above the first path (as git finds its
    repository), else ./content."""
    if given is not None:
        return Path(given)
    start = Path(paths[0]).absolute()
    for folder in (start, *start.parents):
        if (folder / SITE_FILE).is_file() and folder.name != ARTICLES_PREFIX.rstrip("/"):
            return folder
    return Path("content")


def validate_files(files: Sequence[Path], content: Path) -> list[tuple[Path, Problem]]:
    """Every problem of every file, including ids claimed by two files. One file's
    failure, whatever it is, is a problem of that file: the others are still checked."""
    config = read_config(FolderSource(content))
    found: list[tuple[Path, Problem]] = []
    owners: dict[str, Path] = {}
    for path in files:
        problems, article_id = _validate_one(path, content, config)
        found += [(path, p) for p in problems]
        first = owners.setdefault(article_id, path) if article_id else path
        if first != path:
            found.append((path, _id_also_used(str(article_id), first)))
    return found


def _validate_one(path: Path, content: Path, config: Config) -> tuple[list[Problem], str | None]:
    """The problems of one file and the id it claims (None unless it is valid)."""
    key = ARTICLES_PREFIX + path.name
    if path.resolve().is_relative_to(content.resolve()):
        key = key_for(content, path)
    try:
        raw, size = read_within(path, MAX_DOCUMENT_BYTES)  # a file of gigabytes: one block
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return [
            Problem(
                "(file)",
                "unreadable",
                f"cannot read the file: {reason}",
                f"تعذّرت قراءة الملف: {reason}",
            )
        ], None
    if raw is None:
        return list(oversize_problems(key, size)), None
    try:
        result = parse_article(raw, key=key, site=config.site, sections=config.sections, now=_now())
    except Exception as exc:  # the publisher's boundary, here: report it, go on
        return [internal_problem(exc)], None
    return list(result.problems), (result.article.id if result.article else None)


def _id_also_used(article_id: str, first: Path) -> Problem:
    return Problem(
        "id",
        "id-taken",
        f"id {article_id!r} is also used by {first}",
        f"المعرّف {article_id!r} مستخدم أيضًا في {first}",
    )


def _cmd_validate(args: argparse.Namespace) -> int:
    files = [f for f in _article_files(args.paths) if f.name not in CONFIG_FILES]
    content = _content_folder(args.paths, args.content)
    try:
        found = validate_files(files, content)
    except ConfigError as exc:
        print(f"{content}: cannot read the site configuration:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem.as_line()}", file=sys.stderr)
        return 2
    for path, problem in found:
        print(f"{path}: {problem.as_line()}")
    errors = has_errors([p for _, p in found])
    bad = len({path for path, p in found if p.severity == "error"})
    print(f"checked {len(files)} file{'' if len(files) == 1 else 's'}: {bad} with errors")
    return 1 if errors else 0


def _cmd_schema(args: argparse.Namespace) -> int:
    text = json.dumps(article_json_schema(), ensure_ascii=False, indent=2) + "\n"
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text, encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


# Commands defined here: run alone, they are parsed without registering the others, so
# `nashra build` does not import the editor commands (AWS clients) or the local stack.
_OWN_COMMANDS = ("build", "validate", "schema")


def _parser(command: str | None = None) -> argparse.ArgumentParser:
    """Every command, or `command` alone when it is one of `_OWN_COMMANDS`."""
    parser = argparse.ArgumentParser(prog="nashra", description="Arabic news feeds publisher")
    sub = parser.add_subparsers(dest="command", required=True)
    cmd = sub.add_parser("build", help="build every feed from a content folder")
    cmd.add_argument("content", nargs="?", default="content")
    cmd.add_argument("--out", default="public")
    cmd.add_argument("--strict", action="store_true", help="exit 1 if any file was rejected")
    cmd.add_argument(
        "--cache",
        metavar="DIR",
        help="keep what was read here, so the next build reads only what changed "
        "(default: a folder under $XDG_CACHE_HOME/nashra or ~/.cache/nashra)",
    )
    cmd.add_argument("--no-cache", action="store_true", help="read and render everything")
    cmd.add_argument(
        "--jobs",
        type=int,
        metavar="N",
        help=(
            "processes validating files ahead of this one (default: every core); above 1,"
            " a full build also seals half its archive pages in a second process"
        ),
    )
    cmd.add_argument(
        "--verbose", "-v", action="store_true", help="say what was read (and from where)"
    )
    cmd.set_defaults(func=_cmd_build)
    cmd = sub.add_parser("validate", help="check article files before uploading")
    cmd.add_argument("paths", nargs="+", metavar="FILE_OR_DIR")
    cmd.add_argument(
        "--content",
        help="folder with site.json, sections.json (default: the nearest such folder at or "
        "above the first file, else ./content)",
    )
    cmd.set_defaults(func=_cmd_validate)
    cmd = sub.add_parser("schema", help="write the article JSON Schema")
    cmd.add_argument("--out", default=str(SCHEMA_PATH))
    cmd.set_defaults(func=_cmd_schema)
    if command not in _OWN_COMMANDS:
        from nashra import editor

        editor.add_commands(sub)
        _add_dev_command(sub)
    return parser


def _add_dev_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`nashra dev`, registered without importing the local stack (moto is imported only
    when it runs, so a plain install still has every other command)."""
    from nashra.dev.commands import add_commands

    add_commands(sub)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `nashra` console script."""
    argv = sys.argv[1:] if argv is None else list(argv)
    args = _parser(argv[0] if argv else None).parse_args(argv)
    try:
        code: int = args.func(args)
        sys.stdout.flush()
    except BrokenPipeError:
        # Whoever read the output stopped reading (`nashra validate … | head`): stop too,
        # without a traceback, and without Python's own complaint when it flushes at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
