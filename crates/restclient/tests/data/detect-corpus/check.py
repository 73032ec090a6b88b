#!/usr/bin/env python3
"""Checks every corpus entry (this folder and every held-out*/ folder) against README.md.

It checks the form only, never what detection finds: run it after writing an entry, before
committing. Exits 1 and names each bad file and field; prints nothing else on success
except the count. Standard library only: `python3 check.py`.
"""

import json
import re
import sys
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent

# The families README.md defines; an entry's `family` must be one of them.
FAMILIES = {
    "search", "cloud-list", "orchestration", "graphql", "hal", "jsonapi", "odata", "spring",
    "laravel", "drf", "link-header", "link-body", "cursor-body", "offset-body", "page-body",
    "header-counts", "header-cursor", "unpaginated", "other",
}

# dlt's rest_api paginator keys, as the crate's typed spec (src/spec/paginator.rs) accepts them.
RANGE = {"total_path", "stop_after_empty_page", "has_more_path"}
PAGINATOR_KEYS = {
    "single_page": set(),
    "json_link": {"next_url_path"},
    "header_link": {"links_next_key"},
    "header_cursor": {"cursor_key", "cursor_param"},
    "cursor": {"cursor_path", "cursor_param", "cursor_body_path", "stop_after_empty_page",
               "has_more_path", "end_of_stream_path", "initial_cursor"},
    "offset": RANGE | {"limit", "offset", "offset_param", "limit_param", "offset_body_path",
                       "limit_body_path", "maximum_offset"},
    "page_number": RANGE | {"base_page", "page", "page_param", "page_body_path", "maximum_page"},
}
# A value travels as a query parameter or in the body, not both (dlt's rule).
EXCLUSIVE = [("cursor_param", "cursor_body_path"), ("offset_param", "offset_body_path"),
             ("limit_param", "limit_body_path"), ("page_param", "page_body_path")]
KEYS = ["api", "category", "family", "source", "note", "request", "response", "expected"]
OPTIONAL = {"note"}  # some of the first 101 entries have none


def is_url(text):
    parts = urlsplit(text) if isinstance(text, str) else None
    return bool(parts and parts.scheme in ("http", "https") and parts.netloc)


def problems(path):
    """Yields what is wrong with one entry."""
    try:
        entry = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        yield f"not JSON: {e}"
        return
    if not isinstance(entry, dict):
        yield "not a JSON object"
        return
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*\.json", path.name):
        yield "file name is not <api>-<what>.json in lower case with dashes"
    for key in KEYS:
        if key not in entry and key not in OPTIONAL:
            yield f"no `{key}`"
    if set(entry) - set(KEYS):
        yield f"unknown keys {sorted(set(entry) - set(KEYS))}"
    if entry.get("family") not in FAMILIES:
        yield f"family {entry.get('family')!r} is not one README.md lists"
    if not is_url(entry.get("source")):
        yield "`source` is not an http(s) URL"
    request = entry.get("request") or {}
    if not re.fullmatch(r"[A-Z]+", str(request.get("method", ""))):
        yield "request.method is not an HTTP method"
    if not is_url(request.get("url")):
        yield "request.url is not an http(s) URL"
    response = entry.get("response") or {}
    if not isinstance(response.get("status"), int):
        yield "response.status is not a number"
    headers = response.get("headers", {})
    if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
        yield "response.headers is not an object of strings"
    else:
        # What an HTTP header can carry (the http crate's HeaderName/HeaderValue::from_str).
        for name, value in headers.items():
            if not re.fullmatch(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", name):
                yield f"response header name {name!r} is not an HTTP token"
            if not re.fullmatch(r"[\t\x20-\x7e]*", value):
                yield f"response header {name} has characters a header cannot carry"
    if "body" not in response:
        yield "no response.body"
    expected = entry.get("expected") or {}
    if not isinstance(expected.get("data_selector"), str):
        yield "expected.data_selector is not a string"
    if "next" in expected and expected["next"] is not None and not is_url(expected["next"]):
        yield "expected.next is neither null nor an http(s) URL"
    paginator = expected.get("paginator", "missing")
    if paginator == "missing":
        yield "no expected.paginator (null if detection should find none)"
    elif paginator is not None:
        allowed = PAGINATOR_KEYS.get(paginator.get("type"))
        if allowed is None:
            yield f"expected.paginator.type {paginator.get('type')!r} is not a dlt paginator"
        else:
            extra = set(paginator) - allowed - {"type"}
            if extra:
                yield f"expected.paginator has keys its type does not take: {sorted(extra)}"
            for a, b in EXCLUSIVE:
                if a in paginator and b in paginator:
                    yield f"expected.paginator gives both {a} and {b}"


def main():
    paths = sorted(HERE.glob("*.json")) + sorted(HERE.glob("held-out*/*.json"))
    bad = 0
    for path in paths:
        for problem in problems(path):
            bad += 1
            print(f"{path.relative_to(HERE)}: {problem}")
    print(f"{len(paths)} entries checked, {bad} problems")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
