"""restclient's log lines in Python's logging (logger "restclient"), at RUNTIME__LOG_LEVEL as
dlt's: a subprocess, since the level is read when the package is imported."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

CHILD = textwrap.dedent(
    """
    import logging, sys
    logging.basicConfig(level=logging.DEBUG, format="%(name)s %(levelname)s %(message)s")
    from restclient import RESTClient
    from restclient.paginators import OffsetPaginator
    client = RESTClient(base_url=sys.argv[1])
    pages = list(client.paginate("/offset", params={"api_key": "s3cr3t-v4lue"}, paginator=OffsetPaginator(limit=50)))
    print(len(pages), file=sys.stderr)
    """
)


def run(api_url, level):
    env = {**os.environ, "RUNTIME__LOG_LEVEL": level} if level else {k: v for k, v in os.environ.items() if k != "RUNTIME__LOG_LEVEL"}
    done = subprocess.run([sys.executable, "-c", CHILD, api_url], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stderr.splitlines()


def test_info_lines_reach_the_restclient_logger_at_runtime_log_level_info(api_url):
    lines = run(api_url, "INFO")
    stopped = [line for line in lines if "stopped after 2 pages and 100 records: total reached (100)" in line]
    assert stopped and stopped[0].startswith("restclient INFO pagination of ")
    assert all("s3cr3t-v4lue" not in line for line in lines)
    assert "api_key=***" in stopped[0]


def test_nothing_below_warning_by_default(api_url):
    lines = run(api_url, None)
    assert lines == ["2"]
