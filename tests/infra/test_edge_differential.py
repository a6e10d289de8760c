"""The edge and the local CDN answer every request from the same stored object, and that
object is one RFC 9110 lets the reader have (D10).

A reader's Accept-Encoding is drawn at random, well-formed or not (q-values such as 0.000,
1.0001, .5 or `q=`, `Q=`, spaces and tabs, empty members, repeated codings, `*`,
`identity`, `x-gzip`, upper case, the header sent more than once, very long headers), with
a request URI (feeds, folders, other files, percent-encoded names). Each request goes
through select-variant.js under Node, as CloudFront gives it to the function (headers
lower-cased, a repeated header in multiValue; `uri` is the path alone, the query string is
a field of its own), and through the local CDN (`nashra.dev.cdn.stored_key`, which
`nashra dev` serves with), and both must name the same S3 key. One Node process answers
the whole run, a line per request, so Hypothesis still shrinks a disagreement to its
smallest case.

A well-formed header is also checked against RFC 9110 itself (`_acceptable`): a coding
with q=0 is never served (§12.5.3, §12.4.2), `*` stands only for codings not listed
(§12.5.3), an empty list wants no coding (§12.5.3, §5.6.1), and a reader who refuses
identity gets a coding it accepts when there is one (§12.5.3). Which of several acceptable
codings is served is the server's choice (§12.1): nashra's is br, then gzip, asserted as
nashra's and not as the RFC's. Repeated codings ("br;q=0, br") are not covered by the RFC:
nashra takes a coding named twice at its lowest q, so a refusal anywhere stands, asserted as
nashra's rule.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from typing import Any
from urllib.parse import unquote

import pytest
from cfn_template import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nashra.adapters.variants import CODINGS, has_variants
from nashra.dev.cdn import key_for_path, stored_key

pytestmark = pytest.mark.infra

FUNCTION = ROOT / "infra" / "cloudfront" / "select-variant.js"
HARNESS = ROOT / "tests" / "infra" / "edge_functions.mjs"

OWS = ["", " ", "\t", "  ", " \t"]
# Codings readers send, in the cases they send them, and `*`, identity and the alias.
CODING_NAMES = [
    "br", "gzip", "x-gzip", "identity", "*", "deflate", "compress", "zstd", "dcb", "BR",
    "Gzip", "GZIP", "X-Gzip", "IDENTITY", "Br",
]  # fmt: skip
# RFC 9110 §12.4.2: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
GOOD_Q = ["0", "0.", "0.0", "0.00", "0.000", "0.001", "0.1", "0.5", "0.50", "0.999", "1", "1.",
          "1.0", "1.00", "1.000"]  # fmt: skip
BAD_Q = ["", ".5", "0.5000", "1.0001", "1.5", "2", "-0", "-1", "0.0000", "1e0", "0x1", "abc",
         '"0"', "0 .5", "+1", "１", "Infinity", "NaN"]  # fmt: skip
TOKEN = st.text(alphabet="abcdefghijklmnopqrstuvwxyz-*!#$%&'+.^_`|~0123456789", min_size=1)
# Anything a header line can carry: no CR, LF or NUL.
JUNK = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E) | st.just("\t"))


@dataclass(frozen=True)
class Member:
    """One list member as drawn: its text, and what RFC 9110 reads in it when it is
    well-formed (`coding` lower-cased, x-gzip as gzip, `q` its weight); `coding` is None
    for an empty member."""

    text: str
    wellformed: bool
    coding: str | None = None
    q: float = 1.0


@st.composite
def members(draw: st.DrawFn) -> Member:
    kind = draw(st.sampled_from(["plain", "plain", "weighted", "weighted", "empty", "odd"]))
    before, after = draw(st.sampled_from(OWS)), draw(st.sampled_from(OWS))
    if kind == "empty":
        return Member(before + after, True)
    if kind == "odd":
        return Member(draw(JUNK), False)
    name = draw(st.sampled_from(CODING_NAMES) | TOKEN)
    coding = name.lower()
    coding = "gzip" if coding == "x-gzip" else coding
    if kind == "plain":
        return Member(before + name + after, True, coding)
    semi_before, semi_after = draw(st.sampled_from(OWS)), draw(st.sampled_from(OWS))
    q_name = draw(st.sampled_from(["q", "Q"]))  # ABNF literals are case-insensitive
    good = draw(st.booleans())
    value = draw(st.sampled_from(GOOD_Q) if good else st.sampled_from(BAD_Q) | JUNK)
    around_eq = draw(st.sampled_from(["", "", "", " "]))  # §5.6.6: no space around "="
    extra = draw(st.sampled_from(["", "", "", ";level=5", ";q=0", ";q=1"]))
    text = f"{before}{name}{semi_before};{semi_after}{q_name}{around_eq}={around_eq}{value}"
    wellformed = good and around_eq == "" and extra == ""
    return Member(text + extra + after, wellformed, coding, float(value) if good else 1.0)


@st.composite
def headers(draw: st.DrawFn) -> list[list[Member]] | None:
    """Accept-Encoding as the reader sent it: None when absent, else one list of members
    per header line (a reader or a proxy may send the field more than once)."""
    if draw(st.integers(0, 9)) == 0:
        return None
    lines = draw(st.lists(st.lists(members(), max_size=6), min_size=1, max_size=3))
    if draw(st.integers(0, 19)) == 0:  # a very long header: many codings, then the real ones
        filler = Member("deflate;q=0.5", True, "deflate", 0.5)
        lines[0] = [filler] * draw(st.integers(100, 600)) + lines[0]
    return lines


URIS = st.sampled_from(
    [
        "/all/atom.xml", "/all/rss.xml", "/all/feed.json", "/feeds.opml", "/feed.xsl",
        "/all/feed.css", "/all/archive/3.xml", "/index.html", "/", "/all/", "/all",
        "/logo.png", "/all/atom.xml.br", "/all/atom.xml.gz", "/robots.txt",
        "/%D8%B3%D9%8A%D8%A7%D8%B3%D8%A9/rss.xml", "/%D8%B3%D9%8A%D8%A7%D8%B3%D8%A9/",
        "/all/atom.XML", "/all/atom%2Exml", "/all/atom.xm%6C", "/all%2F", "/all%2Findex.html",
        "/a%20b/feed.json", "/all/atom.xml%3Fv=1",
    ]
)  # fmt: skip


class Edge:
    """select-variant.js under one Node process for the whole module: an event a line."""

    def __init__(self) -> None:
        node = shutil.which("node")
        if node is None:
            pytest.fail(
                "node is not installed: install Node.js 20+ (the CloudFront Functions tests)"
            )
        self.process = subprocess.Popen(
            [node, str(HARNESS), str(FUNCTION), "--lines"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )

    def uri(self, uri: str, lines: list[str] | None) -> str:
        """The URI the function rewrites the request to."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(_event(uri, lines)) + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        assert answer, "select-variant.js died: see Node's stderr above"
        request: dict[str, Any] = json.loads(answer)
        rewritten: str = request["uri"]
        return rewritten

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=10)


@pytest.fixture(scope="module")
def edge() -> Iterator[Edge]:
    running = Edge()
    yield running
    running.close()


def _event(uri: str, lines: list[str] | None) -> dict[str, Any]:
    """A viewer-request event as CloudFront Functions gets it: header names lower-cased, a
    repeated header with every value in multiValue and the first in value, `uri` without
    the query string (which has a field of its own)."""
    headers: dict[str, Any] = {"host": {"value": "feeds.nashra.example"}}
    if lines is not None:
        header: dict[str, Any] = {"value": lines[0]}
        if len(lines) > 1:
            header["multiValue"] = [{"value": v} for v in lines]
        headers["accept-encoding"] = header
    request = {"method": "GET", "uri": uri, "querystring": {}, "headers": headers, "cookies": {}}
    return {"version": "1.0", "context": {"eventType": "viewer-request"}, "request": request}


def _message(lines: list[str] | None) -> Message:
    """The request's headers as the local CDN's http.server parses them."""
    message = Message()
    message["Host"] = "127.0.0.1"
    for line in lines or []:
        message["Accept-Encoding"] = line
    return message


def _acceptable(members: list[Member]) -> dict[str, bool]:
    """RFC 9110 §12.5.3 on a well-formed field (one list, every header line's members in
    order, §5.3): for br, gzip and identity, whether the reader accepts it. Where the RFC
    does not say (a coding listed twice), nashra's rule: its lowest q.

    - "If the representation's content coding is one of the content codings listed in the
      Accept-Encoding field value, then it is acceptable unless it is accompanied by a
      qvalue of 0" (§12.4.2: "a value of 0 means 'not acceptable'").
    - "An asterisk ("*") symbol in an Accept-Encoding field matches any available content
      coding not explicitly listed in the field."
    - A representation with no coding "is acceptable by default unless specifically excluded
      by the Accept-Encoding header field stating either 'identity;q=0' or '*;q=0' without a
      more specific entry for 'identity'."
    - A coding neither listed nor matched by "*" is not one the reader said it accepts.
    """
    listed: dict[str, float] = {}
    for member in members:
        if member.coding is None:
            continue  # §5.6.1: empty list elements are ignored
        listed[member.coding] = min(member.q, listed.get(member.coding, member.q))
    star = listed.get("*")
    answer = {}
    for coding in (*CODINGS, "identity"):
        if coding in listed:
            answer[coding] = listed[coding] > 0
        elif star is not None:
            answer[coding] = star > 0
        else:
            answer[coding] = coding == "identity"
    return answer


def _served(key: str, stored: str) -> str:
    """The coding of the stored object `stored` serves for `key`: br, gzip or identity."""
    for coding, suffix in CODINGS.items():
        if stored == key + suffix:
            return coding
    assert stored == key
    return "identity"


@settings(
    max_examples=600, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(uri=URIS, drawn=headers())
def test_the_edge_and_the_local_cdn_serve_the_same_object_and_one_the_reader_accepts(
    edge: Edge, uri: str, drawn: list[list[Member]] | None
) -> None:
    """Protects nashra dev from serving a reader another object than CloudFront would, and
    both from sending a feed in a coding the reader refused (it would see garbage) or
    without one when it refused identity and accepts one nashra stores."""
    lines = None if drawn is None else [",".join(m.text for m in line) for line in drawn]
    key = key_for_path(uri)
    if key is None:
        return  # the local CDN answers 404 before choosing anything (path checks, not D10)
    at_edge = unquote(edge.uri(uri, lines)).removeprefix("/")  # S3 decodes the path once
    locally = stored_key(uri, _message(lines))
    assert at_edge == locally, (uri, lines)
    if not has_variants(key):
        assert locally == key
        return
    served = _served(key, at_edge)
    if drawn is None:
        assert served == "identity"  # nashra's choice: a client that says nothing gets identity
        return
    members = [m for line in drawn for m in line]
    if not all(m.wellformed for m in members):
        return
    acceptable = _acceptable(members)
    if all(m.coding is None for m in members):
        assert served == "identity"  # §12.5.3: an empty field value wants no coding
    assert acceptable[served] or not any(acceptable.values()), (lines, served)
    if served == "identity" and not acceptable["identity"]:
        assert not acceptable["br"] and not acceptable["gzip"], (lines, served)
    # nashra's choice among acceptable codings (§12.1 leaves it to the server): br, then gzip.
    preferred = next((c for c in CODINGS if acceptable[c]), "identity")
    assert served == preferred, (lines, served)
