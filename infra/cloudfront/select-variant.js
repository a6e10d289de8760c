// nashra, viewer request (cloudfront-js-2.0): answer a request for a published file from
// the .br or .gz variant stored beside it, by the reader's Accept-Encoding, and a request
// for a folder from its index.html (docs/decisions.md, D10). The rewritten URI is the cache
// key, so the cache policy leaves Accept-Encoding out of it.
// template.yaml inlines this file as FeedsVariantFunction's code (a test keeps them equal);
// nashra.adapters.variants.select is its Python twin (one table of cases tests both).
var SUFFIXES = ['.css', '.html', '.js', '.json', '.opml', '.xml', '.xsl'];
var CODINGS = [['br', '.br'], ['gzip', '.gz']]; // by preference
var QVALUE = /^(0(\.[0-9]{0,3})?|1(\.0{0,3})?)$/; // RFC 9110 section 12.4.2

function ows(text) {
    return text.replace(/^[ \t]+|[ \t]+$/g, ''); // optional whitespace: spaces and tabs
}

function quality(params) {
    for (var i = 0; i < params.length; i++) {
        var eq = params[i].indexOf('=');
        var name = ows(eq < 0 ? params[i] : params[i].slice(0, eq)).toLowerCase();
        if (name === 'q') {
            var value = eq < 0 ? '' : ows(params[i].slice(eq + 1));
            return QVALUE.test(value) ? Number(value) : 0;
        }
    }
    return 1;
}

function chooseEncoding(header) {
    var offered = {};
    var members = (header || '').split(',');
    for (var i = 0; i < members.length; i++) {
        var parts = members[i].split(';');
        var coding = ows(parts[0]).toLowerCase();
        if (coding === 'x-gzip') {
            coding = 'gzip'; // RFC 9110 section 8.4.1.3
        }
        if (coding) {
            // Named twice: its lowest q, so a refusal anywhere stands (RFC 9110 is silent).
            var given = quality(parts.slice(1));
            var before = offered['=' + coding];
            offered['=' + coding] = before === undefined || given < before ? given : before;
        }
    }
    for (var j = 0; j < CODINGS.length; j++) {
        var q = offered['=' + CODINGS[j][0]];
        if (q === undefined) {
            q = offered['=*'] === undefined ? 0 : offered['=*'];
        }
        if (q > 0) {
            return CODINGS[j];
        }
    }
    return null;
}

function acceptEncoding(headers) {
    var header = headers['accept-encoding'];
    if (!header) {
        return '';
    }
    if (header.multiValue) {
        return header.multiValue.map(function (h) { return h.value; }).join(',');
    }
    return header.value;
}

function hasVariants(uri) {
    for (var i = 0; i < SUFFIXES.length; i++) {
        if (uri.endsWith(SUFFIXES[i])) {
            return true;
        }
    }
    return false;
}

// The S3 key a URI names: S3 decodes the path once, so /all%2F names the folder all/ and
// /all/atom%2Exml the feed all/atom.xml; a URI that does not decode is taken as it is.
function keyOf(uri) {
    try {
        return decodeURIComponent(uri);
    } catch (e) {
        return uri;
    }
}

function handler(event) {
    var request = event.request;
    var uri = request.uri;
    var key = keyOf(uri);
    if (key.endsWith('/')) {
        uri += 'index.html';
        key += 'index.html';
    }
    if (hasVariants(key)) {
        var coding = chooseEncoding(acceptEncoding(request.headers));
        if (coding) {
            uri += coding[1];
        }
    }
    request.uri = uri;
    return request;
}
