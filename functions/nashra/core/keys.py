"""The names nashra's objects live under: inbox keys, report keys and published files.

Every module that builds, tests or maps a key uses these; no other module spells a prefix
or a file name. The inbox (editors' bucket, or a content folder):

    config/site.json          the site (a content folder's `site.json`)
    config/sections.json      the sections (a content folder's `sections.json`)
    articles/<any path>.json  one article per file
    reports/<inbox key>       nashra's report on that upload (never an input: P-LOOP-1)

The feeds bucket: `<feed slug>/rss.xml`, `atom.xml`, `feed.json` (`nashra.render.formats`),
the feed's page `<feed slug>/index.html`, its RFC 5005 archive pages
`<feed slug>/archive/<n>/rss.xml` and `atom.xml` (`nashra.history`), and the site-wide files
below.

>>> is_article_key("articles/gulf/مقال+1.json"), is_article_key("articles/readme.md")
(True, False)
>>> is_meant_as_article("articles/Story.JSON"), is_meant_as_article("articles/photo.jpg")
(True, False)
>>> report_key("articles/x.json"), key_of_report("reports/articles/x.json")
('reports/articles/x.json', 'articles/x.json')
>>> folder_key("site.json"), folder_path("config/site.json")
('config/site.json', 'site.json')
>>> feed_file("gulf", archive_name(3, "atom.xml")), is_archive_name("archive/3/atom.xml")
('gulf/archive/3/atom.xml', True)
"""

from __future__ import annotations

ARTICLES_PREFIX = "articles/"
CONFIG_PREFIX = "config/"
REPORTS_PREFIX = "reports/"
ARTICLE_SUFFIX = ".json"
# The files of a folder that editors meant as articles: any case of .json, so that the
# tools can tell «Story.JSON» it would never be published (`core.intake.key_problem`).
ARTICLE_GLOB = "*.[jJ][sS][oO][nN]"

MAX_KEY_BYTES = 1024  # S3's longest key, in UTF-8 (and DynamoDB's longest sort key)
# The longest inbox key nashra reads: its report, `reports/<key>`, must be a key too. About
# 500 Arabic letters (two bytes each) of folders and file name.
MAX_INPUT_KEY_BYTES = MAX_KEY_BYTES - len(REPORTS_PREFIX)

# The longest folder or file name a content folder can hold (ext4, APFS, NTFS: 255 bytes).
MAX_NAME_BYTES = 255

SITE_FILE = "site.json"
SECTIONS_FILE = "sections.json"
SITE_KEY = CONFIG_PREFIX + SITE_FILE
SECTIONS_KEY = CONFIG_PREFIX + SECTIONS_FILE
CONFIG_KEYS = (SITE_KEY, SECTIONS_KEY)  # the order they are read and uploaded in
CONFIG_FILES = (SITE_FILE, SECTIONS_FILE)

# Site-wide files in the feeds bucket, next to the feed folders.
OPML_FILE = "feeds.opml"
INDEX_FILE = "index.html"
STYLESHEET_FILE = "feed.css"  # feed.xsl before browsers dropped XSLT (P-XSLT-1)
SITE_FILES = (OPML_FILE, INDEX_FILE, STYLESHEET_FILE)
# A feed's archive pages live in its folder, one folder per page (`nashra.history`).
ARCHIVE_DIR = "archive"


def file_stem(key: str) -> str:
    """The key's file name without ".json": the id of an article that names none, as
    `PurePosixPath(key).name.removesuffix(".json")` gives it (a key with an empty, "." or
    ".." part, or ending in "/", goes that way; any other is cut at its last "/").

    >>> file_stem("articles/2026/breaking.json"), file_stem("articles/a//b.json/")
    ('breaking', 'b')
    """
    if "//" in key or "/." in key or key.endswith("/") or key.startswith("."):
        from pathlib import PurePosixPath

        return PurePosixPath(key).name.removesuffix(ARTICLE_SUFFIX)
    return key.rpartition("/")[2].removesuffix(ARTICLE_SUFFIX)


def is_article_key(key: str) -> bool:
    """An article upload: `articles/…/*.json`."""
    return key.startswith(ARTICLES_PREFIX) and key.endswith(ARTICLE_SUFFIX)


def is_meant_as_article(key: str) -> bool:
    """An upload an editor meant as an article: `articles/…` ending in .json in any case.
    The publisher, the sweep and `nashra build` reconcile each one, so «Story.JSON» gets
    a report saying how to name it (`core.intake.key_problem`) instead of sitting in the
    inbox unread; other files under `articles/` (an image, notes) are not inputs at all."""
    return key.startswith(ARTICLES_PREFIX) and key[-len(ARTICLE_SUFFIX) :].lower() == ARTICLE_SUFFIX


def key_bytes(key: str) -> int:
    """The key's length as S3 counts it (UTF-8 bytes), encoded only when it could matter:
    a key of at most a quarter of `MAX_INPUT_KEY_BYTES` characters is short enough."""
    if len(key) * 4 <= MAX_INPUT_KEY_BYTES:
        return len(key)
    return len(key.encode("utf-8", "surrogatepass"))


def has_folder_path(key: str) -> bool:
    """Whether a content folder can hold the file at `key` under that very path (`folder_path`):
    no empty, "." or ".." part (`articles//a.json` is a valid S3 key, but a folder reads it
    as `articles/a.json`), and no part longer than a file name may be (`MAX_NAME_BYTES`).

    >>> has_folder_path("articles/الخليج/خبر عاجل.json"), has_folder_path("articles//a.json")
    (True, False)
    """
    parts = key.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return False
    return len(key) * 4 <= MAX_NAME_BYTES or all(  # a short key has no part too long
        len(part.encode("utf-8", "surrogatepass")) <= MAX_NAME_BYTES for part in parts
    )


def is_config_key(key: str) -> bool:
    """`config/site.json` or `config/sections.json`."""
    return key in CONFIG_KEYS


def is_input_key(key: str) -> bool:
    """A key the publisher reads: an article or a config file."""
    return is_config_key(key) or is_article_key(key)


def is_reconciled_key(key: str) -> bool:
    """A key the publisher reconciles: an input, or a file meant as an article that it
    reports on (`is_meant_as_article`)."""
    return is_config_key(key) or is_meant_as_article(key)


def report_key(key: str) -> str:
    """Where the report on upload `key` is written."""
    return REPORTS_PREFIX + key


def key_of_report(report: str) -> str:
    """The upload a report key is about (inverse of `report_key`)."""
    return report.removeprefix(REPORTS_PREFIX)


def folder_key(relative: str) -> str:
    """Inbox key of a file at `relative` (POSIX) inside a content folder: `site.json` and
    `sections.json` are `config/…`, everything else keeps its path."""
    return CONFIG_PREFIX + relative if relative in CONFIG_FILES else relative


def folder_path(key: str) -> str:
    """Path inside a content folder of an inbox key (inverse of `folder_key`)."""
    return key.removeprefix(CONFIG_PREFIX) if is_config_key(key) else key


def feed_file(slug: str, filename: str) -> str:
    """`<slug>/<filename>`: where one format of one feed is published."""
    return f"{slug}/{filename}"


def archive_name(page: int, filename: str) -> str:
    """`archive/<page>/<filename>`: one format of one archive page, inside its feed's folder."""
    return f"{ARCHIVE_DIR}/{page}/{filename}"


def is_archive_name(name: str) -> bool:
    """A file of an archive page, by its name inside the feed's folder (`archive_name`)."""
    return name.startswith(f"{ARCHIVE_DIR}/")
