"""Walks one demo-API route with dlt's RESTClient and writes the records as NDJSON.

Run by bench/run.py inside bench/.venv (which has dlt); by hand:

    bench/.venv/bin/python bench/dlt_walk.py http://127.0.0.1:PORT/offset \
        --paginator offset --page-size 100 --selector items --output /tmp/out.ndjson

Prints one JSON line on stdout:
{"records": N, "pages": P, "import_s": ..., "walk_s": ..., "walk_records_per_s": ...}.
import_s is the time to import dlt (paid by every run, reported separately by the harness).
walk_s is the walk alone: from just before the first request (the client, the paginator and the
output file already exist) to just after the last record is written and the file flushed. The
harness takes dlt's records/s from walk_s, so dlt is not charged for Python's start-up or for
importing dlt; its whole-process wall time is kept next to it.
"""

import argparse
import json
import os
import sys
import time
from urllib.parse import urlsplit, urlunsplit

# Keep dlt's logging out of the measurement unless the caller asked for it.
os.environ.setdefault("RUNTIME__LOG_LEVEL", "WARNING")

_import_started = time.perf_counter()
from dlt.sources.helpers.rest_client import RESTClient  # noqa: E402
from dlt.sources.helpers.rest_client.paginators import (  # noqa: E402
    HeaderLinkPaginator,
    JSONLinkPaginator,
    JSONResponseCursorPaginator,
    OffsetPaginator,
)

IMPORT_S = time.perf_counter() - _import_started

# Each paginator kind: (paginator factory, name of the page-size query parameter or None when
# the paginator itself sends the limit).
KINDS = {
    "offset": (lambda size: OffsetPaginator(limit=size, total_path="total"), None),
    "json_link": (lambda size: JSONLinkPaginator(next_url_path="next"), "page_size"),
    "header_link": (lambda size: HeaderLinkPaginator(), "page_size"),
    "cursor": (
        lambda size: JSONResponseCursorPaginator(cursor_path="cursors.next", cursor_param="cursor"),
        "limit",
    ),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="the route's full URL, e.g. http://127.0.0.1:PORT/offset")
    parser.add_argument("--paginator", required=True, choices=sorted(KINDS))
    parser.add_argument("--page-size", type=int, required=True)
    parser.add_argument("--selector", required=True, help="dlt data_selector, e.g. items or $")
    parser.add_argument("--output", required=True, help="NDJSON file to write")
    args = parser.parse_args()

    parts = urlsplit(args.url)
    base_url = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
    make_paginator, size_param = KINDS[args.paginator]
    params = {size_param: args.page_size} if size_param else None

    client = RESTClient(base_url=base_url)
    paginator = make_paginator(args.page_size)
    records = pages = 0
    dumps = json.JSONEncoder(separators=(",", ":")).encode
    with open(args.output, "w", encoding="utf-8", buffering=256 * 1024) as out:
        # paginate() is a generator: its first request is sent by the first iteration.
        started = time.perf_counter()
        for page in client.paginate(
            parts.path,
            params=params,
            paginator=paginator,
            data_selector=args.selector,
        ):
            pages += 1
            for record in page:
                out.write(dumps(record))
                out.write("\n")
            records += len(page)
        out.flush()
        walk_s = time.perf_counter() - started
    summary = {
        "records": records,
        "pages": pages,
        "import_s": IMPORT_S,
        "walk_s": walk_s,
        "walk_records_per_s": records / walk_s if walk_s > 0 else None,
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
