"""The distribution's edge code and its wiring (D10, D11).

The two CloudFront Functions live in infra/cloudfront/*.js and are inlined into
template.yaml; the inline copies must equal the files. Each file runs under Node
(tests/infra/edge_functions.mjs evaluates it in a fresh context with no module system, as
CloudFront does) against a table of requests, and the same table runs through the local
CDN's Python twin (`nashra.dev.cdn.stored_key`, over `nashra.adapters.variants.select`),
so `nashra dev` picks the variant CloudFront would (test_edge_differential.py draws many
more requests). Node 20 and the CloudFront Functions runtime 2.0 both run this ES5 code
alike; nothing here asserts what only a real edge can show (the cache itself).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from email.message import Message
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from cfn_template import ROOT, Template

from nashra.adapters.variants import CODINGS, SUFFIXES
from nashra.dev.cdn import stored_key

pytestmark = pytest.mark.infra

EDGE = ROOT / "infra" / "cloudfront"
HARNESS = Path(__file__).resolve().parent / "edge_functions.mjs"
FUNCTIONS = {
    "FeedsVariantFunction": ("select-variant.js", "viewer-request"),
    "FeedsLinkFunction": ("link-header.js", "viewer-response"),
}

ATOM = "/all/atom.xml"
# (request URI, Accept-Encoding as sent: None = absent, a list = repeated header, the URI
# the request is answered from).
REQUESTS: list[tuple[str, str | list[str] | None, str]] = [
    (ATOM, "gzip, deflate, br", f"{ATOM}.br"),
    (ATOM, "gzip, deflate, br, zstd", f"{ATOM}.br"),  # what Chrome sends
    (ATOM, "gzip", f"{ATOM}.gz"),
    (ATOM, None, ATOM),
    (ATOM, "", ATOM),
    (ATOM, "identity", ATOM),
    (ATOM, "deflate, compress", ATOM),
    (ATOM, "br;q=0, gzip", f"{ATOM}.gz"),
    (ATOM, "br;q=0, gzip;q=0", ATOM),
    (ATOM, "gzip;q=0.001, br;q=0.000", f"{ATOM}.gz"),
    (ATOM, "gzip;q=1.0, br;q=0.1", f"{ATOM}.br"),  # br whenever it is accepted at all
    (ATOM, "gzip;Q=0", ATOM),
    (ATOM, "br; q = 0.5", f"{ATOM}.br"),
    (ATOM, "br;q=1.5, gzip", f"{ATOM}.gz"),  # not a qvalue: refused
    (ATOM, "br;q=, gzip;q=abc", ATOM),
    (ATOM, "br;level=5", f"{ATOM}.br"),  # other parameters do not matter
    (ATOM, "*", f"{ATOM}.br"),
    (ATOM, "*;q=0", ATOM),
    (ATOM, "br;q=0, *", f"{ATOM}.gz"),
    (ATOM, "*;q=0, gzip", f"{ATOM}.gz"),
    (ATOM, "GZIP", f"{ATOM}.gz"),
    (ATOM, "x-gzip", f"{ATOM}.gz"),
    (ATOM, " br ,\tgzip ", f"{ATOM}.br"),
    # A coding named twice counts at its lowest q: a refusal anywhere stands.
    (ATOM, "gzip;q=0, gzip", ATOM),
    (ATOM, "br;q=0, br", ATOM),
    (ATOM, "br, br;q=0", ATOM),
    (ATOM, "br;q=0, gzip, br", f"{ATOM}.gz"),
    (ATOM, "br;q=0.5, br", f"{ATOM}.br"),
    (ATOM, ["gzip", "br;q=0"], f"{ATOM}.gz"),
    (ATOM, ["deflate", "br"], f"{ATOM}.br"),
    # A refusal on a later line counts: the local CDN once read only the first line and sent
    # this reader brotli it had refused (found by test_edge_differential.py).
    (ATOM, ["br", "br;q=0"], ATOM),
    ("/all/rss.xml", "br", "/all/rss.xml.br"),
    ("/all/feed.json", "gzip", "/all/feed.json.gz"),
    ("/feeds.opml", "br", "/feeds.opml.br"),
    ("/feed.xsl", "br", "/feed.xsl.br"),
    ("/all/feed.css", "br", "/all/feed.css.br"),
    ("/all/archive/3.xml", "gzip", "/all/archive/3.xml.gz"),
    ("/index.html", "gzip", "/index.html.gz"),
    ("/", "br", "/index.html.br"),
    ("/", None, "/index.html"),
    ("/all/", "gzip", "/all/index.html.gz"),
    ("/%D8%B3%D9%8A%D8%A7%D8%B3%D8%A9/rss.xml", "br", "/%D8%B3%D9%8A%D8%A7%D8%B3%D8%A9/rss.xml.br"),
    (f"{ATOM}.br", "gzip", f"{ATOM}.br"),  # a variant asked for by name is served as it is
    ("/logo.png", "br", "/logo.png"),  # not a kind nashra publishes: no variant
    ("/all", "br", "/all"),
    # S3 decodes the path once, so these name all/index.html and all/atom.xml: the edge once
    # tested the suffix before decoding and sent the first to S3 as the key all/ (an error)
    # and the second uncompressed, where nashra dev served both (test_edge_differential.py).
    ("/all%2F", "gzip", "/all%2Findex.html.gz"),
    (f"{ATOM[:-4]}%2Exml", "br", f"{ATOM[:-4]}%2Exml.br"),
]


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: install Node.js 20+ (the CloudFront Functions tests)")
    return node


def _run(name: str, events: list[dict[str, Any]]) -> dict[str, Any]:
    """Every event through the handler of infra/cloudfront/`name`, under Node."""
    done = subprocess.run(
        [_node(), str(HARNESS), str(EDGE / name)],
        input=json.dumps(events),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


def _request(uri: str, accept: str | list[str] | None) -> dict[str, Any]:
    """A viewer-request event as CloudFront Functions gets it (headers lower-cased; a
    repeated header has every value in multiValue, the first in value)."""
    headers: dict[str, Any] = {"host": {"value": "feeds.nashra.example"}}
    if isinstance(accept, list):
        values = [{"value": v} for v in accept]
        headers["accept-encoding"] = {"value": accept[0], "multiValue": values}
    elif accept is not None:
        headers["accept-encoding"] = {"value": accept}
    request = {"method": "GET", "uri": uri, "querystring": {}, "headers": headers, "cookies": {}}
    return {"version": "1.0", "context": {"eventType": "viewer-request"}, "request": request}


@pytest.fixture(scope="module")
def variant_run() -> dict[str, Any]:
    return _run("select-variant.js", [_request(uri, accept) for uri, accept, _ in REQUESTS])


@pytest.mark.parametrize(("index", "case"), list(enumerate(REQUESTS)))
def test_the_edge_picks_the_variant_the_reader_accepts(
    variant_run: dict[str, Any], index: int, case: tuple[str, Any, str]
) -> None:
    _, _, expected = case
    request = variant_run["results"][index]
    assert request["uri"] == expected
    assert request["headers"]["host"] == {"value": "feeds.nashra.example"}  # nothing else


@pytest.mark.parametrize(("uri", "accept", "expected"), REQUESTS)
def test_the_local_cdn_picks_what_the_edge_picks(
    uri: str, accept: str | list[str] | None, expected: str
) -> None:
    """`nashra dev` serves each request from the object CloudFront would (every header line
    read, as the edge reads multiValue)."""
    headers = Message()
    for line in [accept] if isinstance(accept, str) else accept or []:
        headers["Accept-Encoding"] = line
    assert stored_key(uri, headers) == unquote(expected).removeprefix("/")


def test_edge_and_python_name_the_same_files_and_codings(variant_run: dict[str, Any]) -> None:
    assert variant_run["SUFFIXES"] == list(SUFFIXES)
    assert variant_run["CODINGS"] == [[coding, suffix] for coding, suffix in CODINGS.items()]


def _response(status: int, headers: dict[str, str]) -> dict[str, Any]:
    return {
        "version": "1.0",
        "context": {"eventType": "viewer-response"},
        "request": {"method": "GET", "uri": ATOM, "querystring": {}, "headers": {}},
        "response": {
            "statusCode": status,
            "headers": {name: {"value": value} for name, value in headers.items()},
        },
    }


def test_the_edge_turns_stored_metadata_into_a_link_header() -> None:
    link = (
        '<https://feeds.nashra.example/all/atom.xml>; rel="self", <https://hub.example/>; rel="hub"'
    )
    feed = {"etag": '"abc"', "x-amz-meta-link": link, "x-amz-meta-sha256": "00", "vary": "x"}
    page = {"etag": '"def"', "x-amz-meta-encodings": "br gzip"}
    run = _run("link-header.js", [_response(200, feed), _response(304, page)])
    served, revalidated = (r["headers"] for r in run["results"])
    assert served == {"etag": {"value": '"abc"'}, "vary": {"value": "x"}, "link": {"value": link}}
    assert revalidated == {"etag": {"value": '"def"'}}  # no metadata, no Link


# --- the template -------------------------------------------------------------------------


@pytest.mark.parametrize("logical_id", FUNCTIONS)
def test_template_inlines_each_function_file(sam_template: Template, logical_id: str) -> None:
    """One source of truth: the template's code is the file's, byte for byte."""
    name, _ = FUNCTIONS[logical_id]
    function = sam_template["Resources"][logical_id]
    assert function["Type"] == "AWS::CloudFront::Function"
    props = function["Properties"]
    assert props["FunctionCode"] == (EDGE / name).read_text(encoding="utf-8")
    assert props["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"
    assert props["AutoPublish"] is True
    assert len(props["FunctionCode"].encode()) < 10_240  # CloudFront Functions' size quota


def _distribution(resources: dict[str, Any]) -> dict[str, Any]:
    config: dict[str, Any] = resources["FeedsDistribution"]["Properties"]["DistributionConfig"]
    return config


def test_the_default_behaviour_runs_both_functions(resources: dict[str, Any]) -> None:
    behaviour = _distribution(resources)["DefaultCacheBehavior"]
    associations = {a["EventType"]: a["FunctionARN"] for a in behaviour["FunctionAssociations"]}
    assert associations == {
        event: {"Fn::GetAtt": [logical_id, "FunctionMetadata.FunctionARN"]}
        for logical_id, (_, event) in FUNCTIONS.items()
    }
    assert "CacheBehaviors" not in _distribution(resources)  # every path goes through them


def test_the_uri_alone_keys_the_cache(resources: dict[str, Any]) -> None:
    """The function puts the coding into the URI; CloudFront must neither compress (it
    would weaken ETags and skip Atom, JSON Feed, OPML, P-CF-1) nor key on the header too."""
    behaviour = _distribution(resources)["DefaultCacheBehavior"]
    assert behaviour["Compress"] is False
    policy = resources["FeedsCachePolicy"]["Properties"]["CachePolicyConfig"]
    key = policy["ParametersInCacheKeyAndForwardedToOrigin"]
    assert key["EnableAcceptEncodingGzip"] is False
    assert key["EnableAcceptEncodingBrotli"] is False
    assert key["HeadersConfig"] == {"HeaderBehavior": "none"}


def test_every_response_says_it_varies_by_accept_encoding_and_exposes_link(
    resources: dict[str, Any],
) -> None:
    config = resources["FeedsResponseHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]
    (vary,) = config["CustomHeadersConfig"]["Items"]
    assert vary == {"Header": "Vary", "Value": "Accept-Encoding", "Override": True}
    assert "Link" in config["CorsConfig"]["AccessControlExposeHeaders"]["Items"]
