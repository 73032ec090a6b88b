"""Walks the demo API's /offset route with dlt's RESTClient or restclient's, in the same
Python loop, and prints one JSON line of what it saw and how long the walk took.

Run by bench/py_client.py inside bench/.venv (dlt and the restclient wheel); by hand:

    bench/.venv/bin/python bench/py_walk.py restclient http://127.0.0.1:PORT --page-size 100

The loop is the same for both tools (only the import differs): every record is a dict the
loop reads an id from, and the ids are summed so that the harness can check that every record
came exactly once. `walk_s` runs from just before the first request (client and paginator
made) to just after the last record; `import_s` (importing the tool) is reported apart.
"""

import argparse
import json
import os
import sys
import time

os.environ.setdefault("RUNTIME__LOG_LEVEL", "WARNING")
os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tool", choices=["dlt", "restclient"])
    parser.add_argument("base_url", help="the demo API, e.g. http://127.0.0.1:PORT")
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=1, help="restclient only")
    args = parser.parse_args()

    started = time.perf_counter()
    if args.tool == "dlt":
        from dlt.sources.helpers.rest_client import RESTClient
        from dlt.sources.helpers.rest_client.paginators import OffsetPaginator

        extra = {}
    else:
        from restclient import RESTClient
        from restclient.paginators import OffsetPaginator

        extra = {"concurrency": args.concurrency}
    import_s = time.perf_counter() - started

    client = RESTClient(base_url=args.base_url)
    paginator = OffsetPaginator(limit=args.page_size, total_path="total")
    records = pages = id_sum = 0
    started = time.perf_counter()
    for page in client.paginate("/offset", paginator=paginator, data_selector="items", **extra):
        pages += 1
        for record in page:
            records += 1
            id_sum += record["id"]
    walk_s = time.perf_counter() - started
    print(json.dumps({"records": records, "pages": pages, "id_sum": id_sum, "import_s": import_s, "walk_s": walk_s}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
