// nashra, viewer response (cloudfront-js-2.0): a feed object's x-amz-meta-link, stored by
// the publisher from the feed's own self and hub links, becomes the response's Link header
// (docs/decisions.md, D11); no x-amz-meta-* header reaches readers.
// template.yaml inlines this file as FeedsLinkFunction's code (a test keeps them equal).
var METADATA = 'x-amz-meta-';

function handler(event) {
    var response = event.response;
    var headers = response.headers;
    var link = headers[METADATA + 'link'];
    if (link && link.value) {
        headers['link'] = { value: link.value };
    }
    var names = Object.keys(headers);
    for (var i = 0; i < names.length; i++) {
        if (names[i].indexOf(METADATA) === 0) {
            delete headers[names[i]];
        }
    }
    return response;
}
