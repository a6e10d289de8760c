// Read feed files with one npm feed parser and print what a reader app would see.
//
//   node read.mjs <parser> <file>...
//
// Prints one JSON line per file, in order:
//   {"file", "title", "language",
//    "items": [{"id", "title", "link", "published", "authors", "tags"}]}
// or {"file", "error"} when the parser rejects the file. Values are passed through as
// the parser returns them (no trimming, no fallbacks), except dates, which become ISO
// 8601 UTC strings ("2026-11-27T16:05:00Z"); a field the parser leaves out is null.
// `authors` (names) and `tags` are lists, or null where the parser does not read them.
// Used by tests/contract/test_npm_parsers.py; install the parsers with `make npm-deps`.

import { readFileSync } from "node:fs";
import { extractFromJson, extractFromXml } from "@extractus/feed-extractor";
import { parseFeed } from "@rowanmanning/feed-parser";
import RssParser from "rss-parser";

const isoUtc = (value) => {
  if (value === undefined || value === null || value === "") return null;
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return `invalid date: ${String(value)}`;
  return date.toISOString().replace(/\.000Z$/, "Z");
};

const orNull = (value) => (value === undefined || value === "" ? null : value);

const isJson = (file) => file.endsWith(".json");

// Each reader maps its parser's own field names onto {title, language, items}.
const READERS = {
  // rss-parser: RSS `guid`, Atom `id`; `isoDate` is its own Date-normalised pubDate
  // (RSS <pubDate>, Atom <published> or else <updated>). No JSON Feed support. It keeps
  // one author, the first (`creator` in RSS, `author` in Atom), and no Atom categories.
  "rss-parser": async (file, text) => {
    if (isJson(file)) throw new Error("rss-parser does not read JSON Feed");
    const feed = await new RssParser().parseString(text);
    return {
      title: orNull(feed.title),
      language: orNull(feed.language),
      items: feed.items.map((item) => ({
        id: orNull(item.guid ?? item.id),
        title: orNull(item.title),
        link: orNull(item.link),
        published: isoUtc(item.isoDate),
        authors: [item.creator ?? item.author].filter((name) => name !== undefined),
        tags: file.endsWith("atom.xml") ? null : (item.categories ?? []),
      })),
    };
  },
  // @extractus/feed-extractor: one normalised shape for RSS, Atom and JSON Feed, without
  // authors or categories.
  "feed-extractor": async (file, text) => {
    const feed = isJson(file) ? extractFromJson(text) : extractFromXml(text);
    return {
      title: orNull(feed.title),
      language: orNull(feed.language),
      items: feed.entries.map((entry) => ({
        id: orNull(entry.id),
        title: orNull(entry.title),
        link: orNull(entry.link),
        published: isoUtc(entry.published),
        authors: null,
        tags: null,
      })),
    };
  },
  // @rowanmanning/feed-parser: RSS and Atom only; dates are Date objects.
  "feed-parser": async (file, text) => {
    if (isJson(file)) throw new Error("@rowanmanning/feed-parser does not read JSON Feed");
    const feed = parseFeed(text);
    return {
      title: orNull(feed.title),
      language: orNull(feed.language),
      items: feed.items.map((item) => ({
        id: orNull(item.id),
        title: orNull(item.title),
        link: orNull(item.url),
        published: isoUtc(item.published),
        authors: item.authors.map((author) => author.name),
        tags: item.categories.map((category) => category.label),
      })),
    };
  },
};

const [name, ...files] = process.argv.slice(2);
const read = READERS[name];
if (read === undefined || files.length === 0) {
  console.error(`usage: node read.mjs {${Object.keys(READERS).join("|")}} FILE...`);
  process.exit(2);
}
for (const file of files) {
  let line;
  try {
    line = { file, ...(await read(file, readFileSync(file, "utf8"))) };
  } catch (error) {
    line = { file, error: String(error?.stack ?? error) };
  }
  process.stdout.write(`${JSON.stringify(line)}\n`);
}
