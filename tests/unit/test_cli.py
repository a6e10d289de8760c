"""`nashra build`, `nashra validate` and `nashra schema` as an editor runs them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nashra.cli import main

ROOT = Path(__file__).resolve().parents[2]
CONTENT = ROOT / "content"


@pytest.fixture(autouse=True)
def user_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`nashra build` keeps its cache under $XDG_CACHE_HOME: here, in the test's folder."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg" / "nashra" / "build"


@pytest.fixture
def content(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(CONTENT, root)
    return root


def write(path: Path, **fields: object) -> Path:
    data = {
        "section": "gulf",
        "title": "خبر",
        "published": "2026-11-20T08:00:00",
        "body": "نص الخبر.",
        **fields,
    }
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_validate_accepts_the_content_folder(
    content: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(content / "articles"), "--content", str(content)]) == 0
    files = len(list((content / "articles").glob("*.json")))
    assert f"checked {files} files: 0 with errors" in capsys.readouterr().out


def test_validate_of_a_content_folder_checks_its_articles_alone(
    content: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`nashra validate content`: the articles `nashra build` reads. Its JSON Schema (and
    any notes an editor keeps there) used to be checked as an article, and failed."""
    assert (content / "schema" / "article.schema.json").is_file()
    assert main(["validate", str(content), "--content", str(content)]) == 0
    files = len(list((content / "articles").glob("*.json")))
    assert f"checked {files} files: 0 with errors" in capsys.readouterr().out


def test_validate_finds_the_content_folder_above_the_file(
    content: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Run from anywhere, as git finds its repository: the config that checks an article
    is the one of the content folder it is in, not a ./content that may not exist."""
    story = write(content / "articles" / "story.json")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert main(["validate", str(story)]) == 0
    assert main(["validate", str(content)]) == 0
    assert "checked 1 file: 0 with errors" in capsys.readouterr().out
    assert main(["validate", str(tmp_path / "loose.json")]) == 2  # no content folder: says so
    assert "content: cannot read the site configuration" in capsys.readouterr().err


def test_validate_names_file_field_rule_in_both_languages(
    content: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write(content / "articles" / "bad.json", section="weather")
    assert main(["validate", str(bad), "--content", str(content)]) == 1
    out = capsys.readouterr().out
    assert f"{bad}: error section [unknown-section]: unknown section 'weather'" in out
    assert "القسم 'weather' غير معروف" in out


def test_validate_names_both_files_claiming_one_id(
    content: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = write(content / "articles" / "a.json", id="same")
    second = write(content / "articles" / "b.json", id="same")
    assert main(["validate", str(first), str(second), "--content", str(content)]) == 1
    line = next(x for x in capsys.readouterr().out.splitlines() if "[id-taken]" in x)
    assert line.startswith(str(second)) and str(first) in line


def test_build_prints_feeds_items_and_rejections(
    content: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (content / "articles" / "broken.json").write_bytes(b"{not json")
    out = tmp_path / "public"
    assert main(["build", str(content), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"built 10 feeds into {out}" in printed
    articles = len(list((content / "articles").glob("*.json"))) - 1  # without broken.json
    assert f"{articles - 1} published, 1 drafts, 1 rejected" in printed  # one is a draft
    assert "articles/broken.json: error (file) [json]" in printed
    assert main(["build", str(content), "--out", str(out), "--strict"]) == 1
    assert (out / "gulf" / "rss.xml").is_file()


def test_build_reports_a_misnamed_article_as_the_pipeline_does(
    content: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`nashra build` reads what the pipeline reconciles: «Story.JSON» is rejected with
    the report on its name (it used to be skipped without a word), an image is not read."""
    write(content / "articles" / "Story.JSON", id="story")
    (content / "articles" / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    out = tmp_path / "public"
    for _ in range(2):  # the second from the cache: the same report
        assert main(["build", str(content), "--out", str(out), "--strict"]) == 1
        printed = capsys.readouterr().out
        assert "1 rejected" in printed
        assert "articles/Story.JSON: error (file) [file-name]" in printed
        assert "photo.jpg" not in printed


def test_a_second_build_reads_only_what_changed_and_reports_the_same(
    content: Path,
    tmp_path: Path,
    user_cache: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from nashra.builder import cache

    monkeypatch.setattr(cache, "_FINE_WINDOW_NS", 0)  # files here are seconds old
    monkeypatch.setattr(cache, "_COARSE_WINDOW_NS", 0)
    (content / "articles" / "broken.json").write_bytes(b"{not json")
    out = tmp_path / "public"
    assert main(["build", str(content), "--out", str(out), "-v"]) == 0
    first = capsys.readouterr().out.splitlines()
    assert (
        first[-1]
        == f"every file read: 26 article files read, 26 validated (cache {cache_of(user_cache)})"
    )
    assert main(["build", str(content), "--out", str(out), "-v"]) == 0
    second = capsys.readouterr().out.splitlines()
    assert second[0] == f"built 10 feeds into {out}: 0 files written, 43 unchanged"
    assert second[1:-1] == first[1:-1]  # the articles line and every problem, as before
    assert second[-1].startswith("no change: 0 article files read, 0 validated")
    write(content / "articles" / "broken.json", title="أصلح")
    assert main(["build", str(content), "--out", str(out), "-v"]) == 0
    third = capsys.readouterr().out.splitlines()
    assert third[1] == "articles: 25 published, 1 drafts, 0 rejected"
    assert third[-1].startswith("changes only: 1 article files read, 1 validated")


def cache_of(user_cache: Path) -> Path:
    (folder,) = user_cache.iterdir()
    return folder


def test_build_without_a_cache_keeps_none(
    content: Path, tmp_path: Path, user_cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "public"
    assert main(["build", str(content), "--out", str(out), "--no-cache", "-v"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].endswith("validated (no cache)")
    assert not user_cache.exists()
    assert main(["build", str(content), "--out", str(out), "--cache", str(tmp_path / "c")]) == 0
    assert (tmp_path / "c" / "manifest").is_file() and not user_cache.exists()


def test_schema_command_writes_the_schema(tmp_path: Path) -> None:
    target = tmp_path / "article.schema.json"
    assert main(["schema", "--out", str(target)]) == 0
    assert json.loads(target.read_text("utf-8")) == json.loads(
        (CONTENT / "schema" / "article.schema.json").read_text("utf-8")
    )


def test_validate_reports_every_file_even_when_one_would_crash(
    content: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Finding 8: `+25:00` or JSON nested 100,000 deep printed a traceback and stopped
    `nashra validate articles/` before the other files; a checker bug is a report too."""
    folder = tmp_path / "batch"
    folder.mkdir()
    write(folder / "a-offset.json", published="2026-11-20T08:00:00+25:00")
    (folder / "b-deep.json").write_bytes(b"[" * 100_000 + b"]" * 100_000)
    write(folder / "c-bug.json")
    write(folder / "d-good.json")
    from nashra import cli

    real = cli.parse_article

    def buggy(raw: bytes, **kwargs: object) -> object:
        if str(kwargs["key"]).endswith("c-bug.json"):
            raise RecursionError("maximum recursion depth exceeded")
        return real(raw, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(cli, "parse_article", buggy)
    assert main(["validate", str(folder), "--content", str(content)]) == 1
    out = capsys.readouterr().out
    assert "[offset-range]" in out and "[json-depth]" in out and "[internal]" in out
    assert "d-good.json" not in out
    assert "checked 4 files: 3 with errors" in out


def test_validate_a_missing_file_says_so(content: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Finding 12: it said it could not read the site configuration."""
    assert main(["validate", "nosuch.json", "--content", str(content)]) == 1
    captured = capsys.readouterr()
    assert "nosuch.json: error (file) [unreadable]: cannot read the file" in captured.out
    assert "configuration" not in captured.out + captured.err


@pytest.mark.parametrize("broken", [None, b"{", b'{"title": "x"}'])
def test_build_without_a_usable_site_json_fails_and_counts_no_article_as_rejected(
    content: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], broken: bytes | None
) -> None:
    """Finding 11: it exited 0 and counted the two config files as rejected articles."""
    site = content / "site.json"
    site.unlink() if broken is None else site.write_bytes(broken)
    assert main(["build", str(content), "--out", str(tmp_path / "out")]) == 2
    captured = capsys.readouterr()
    assert "site configuration is missing or invalid" in captured.err
    assert "config/site.json" in captured.out
    assert "rejected" not in captured.out


def test_validate_counts_one_file_as_one(content: Path, capsys: pytest.CaptureFixture[str]) -> None:
    one = write(content / "articles" / "one.json")
    assert main(["validate", str(one), "--content", str(content)]) == 0
    assert "checked 1 file: 0 with errors" in capsys.readouterr().out


def test_validate_piped_into_a_reader_that_stops_ends_quietly(content: Path) -> None:
    """`nashra validate … | head`: the reader closes the pipe after a line; the command
    stops without a traceback. The report is larger than a pipe holds (64 KiB), so the
    command is still writing when the pipe closes."""
    folder = content / "articles" / "many"
    folder.mkdir()
    for n in range(400):
        write(folder / f"bad-{n:03}.json", section="weather")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "functions")}
    command = [sys.executable, "-m", "nashra.cli", "validate", str(folder)]
    args = [*command, "--content", str(content)]
    with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        assert b"unknown-section" in proc.stdout.readline()
        proc.stdout.close()
        errors = proc.stderr.read().decode()
        code = proc.wait(timeout=60)
    assert "Traceback" not in errors and "BrokenPipeError" not in errors, errors
    assert code == 1


@pytest.mark.parametrize("where", [".", "articles", "public"])
def test_build_refuses_an_output_folder_inside_the_content_folder(
    content: Path, where: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Feeds written into the content folder would be read back as articles
    (`articles/all/feed.json`) or uploaded with it: nothing is written."""
    before = sorted(p.relative_to(content) for p in content.rglob("*"))
    assert main(["build", str(content), "--out", str(content / where), "--no-cache"]) == 2
    assert "the output folder must be outside the content folder" in capsys.readouterr().err
    assert sorted(p.relative_to(content) for p in content.rglob("*")) == before


def test_build_refuses_a_content_folder_inside_the_output_folder(
    content: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The output is published: a content folder inside it would be, drafts and all."""
    assert main(["build", str(content), "--out", str(content.parent), "--no-cache"]) == 2
    assert "must not be inside the output folder" in capsys.readouterr().err
    assert not (content.parent / "all").exists()


def test_validate_tells_a_file_that_would_never_be_published(
    content: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """«Story.JSON» (a Windows editor's) or a file beside articles/ would sit in the inbox
    unread, with no report: validate says so, and finds the first in a folder too."""
    upper = write(content / "articles" / "Story.JSON", id="story")
    beside = (
        write(content / "drafts" / "draft.json", id="draft")
        if (content / "drafts").mkdir() is None
        else None
    )
    assert main(["validate", str(content / "articles"), "--content", str(content)]) == 1
    out = capsys.readouterr().out
    assert f"{upper}: error (file) [file-name]: 'Story.JSON' would never be published" in out
    assert "rename it 'Story.json'" in out and "أعد تسميته «Story.json»" in out
    assert main(["validate", str(beside), "--content", str(content)]) == 1
    assert "'drafts/draft.json' would never be published" in capsys.readouterr().out


def test_build_of_a_folder_that_does_not_exist_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Not "config/site.json does not exist in the inbox": the folder itself is missing."""
    missing = tmp_path / "contnt"
    assert main(["build", str(missing), "--out", str(tmp_path / "out")]) == 2
    assert f"{missing}: no such folder; give the content folder" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


HUGE = 300 * 1024 * 1024  # a sparse file: no disk, and more memory than the tools may use


@pytest.mark.parametrize(
    "command",
    [["build", "--no-cache", "--jobs", "1"], ["build", "--no-cache", "--jobs", "2"], ["validate"]],
    ids=["build", "build on two cores", "validate"],
)
def test_a_file_of_hundreds_of_megabytes_costs_one_block_of_memory(
    content: Path, tmp_path: Path, command: list[str]
) -> None:
    """A CMS export dropped among the articles: `nashra build` and `nashra validate` read
    at most 1 MiB of it and hash the rest a block at a time (as the publisher GETs only
    the first MiB on S3), and report it on its size. They used to read it whole, in the
    main process and in a worker: a 2 GiB file took 2 GiB. The command runs in a process
    of its own, which reports its peak and its workers' (the largest of them; Linux)."""
    with (content / "articles" / "export.json").open("wb") as export:
        export.truncate(HUGE)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "functions"), "XDG_CACHE_HOME": str(tmp_path)}
    name, *options = command
    where = ["--out", str(tmp_path / "out")] if name == "build" else []
    args = [sys.executable, "-c", PEAK, name, str(content), *where, *options]
    done = subprocess.run(args, capture_output=True, text=True, env=env, check=False)
    assert done.returncode == (0 if name == "build" else 1), done.stderr
    assert f"export.json: error (file) [max-size]: the file is too large ({HUGE:,} bytes" in (
        done.stdout
    )
    peak = int(done.stderr.rsplit("peak ", 1)[1]) * 1024
    assert peak < HUGE / 2, f"{peak:,} bytes"


PEAK = """
import resource, sys
from nashra.cli import main
try:
    code = main(sys.argv[1:])
finally:
    # Its own peak from /proc (VmHWM starts again at exec; ru_maxrss keeps the peak of the
    # process it was forked from), its workers' from rusage (forked here, they start small).
    with open("/proc/self/status") as status:
        own = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(f"peak {max(own, workers)}", file=sys.stderr)
sys.exit(code)
"""


def test_validate_of_a_folder_skips_what_is_no_file(content: Path) -> None:
    """A named pipe called x.json among the articles: `nashra build` never reads it (no
    regular file), and validate used to open it and wait for a writer, forever."""
    os.mkfifo(content / "articles" / "pipe.json")
    (content / "articles" / "folder.json").mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "functions")}
    args = [sys.executable, "-m", "nashra.cli", "validate", str(content)]
    done = subprocess.run(args, capture_output=True, text=True, env=env, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    files = len([p for p in (content / "articles").glob("*.json") if p.is_file()])
    assert f"checked {files} files: 0 with errors" in done.stdout
