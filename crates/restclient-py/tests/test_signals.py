"""Ctrl-C: a real SIGINT to a real Python process waiting on a stalled request raises
KeyboardInterrupt within a second (the GIL is released while waiting, signals are checked)."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

CHILD = textwrap.dedent(
    """
    import sys
    from restclient import RESTClient
    from restclient.paginators import JSONLinkPaginator

    client = RESTClient(base_url=sys.argv[1])
    try:
        if sys.argv[2] == "paginate":
            for page in client.paginate("/json-link", paginator=JSONLinkPaginator()):
                print("waiting", flush=True)
        else:
            print("waiting", flush=True)
            client.get("/json-link")
        print("finished", flush=True)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        sys.exit(3)
    """
)


def lines_of(proc: subprocess.Popen) -> "queue.Queue[str]":
    out: "queue.Queue[str]" = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            out.put(line.strip())

    threading.Thread(target=pump, daemon=True).start()
    return out


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("mode", ["paginate", "get"])
def test_ctrl_c_during_a_stalled_request_raises_keyboard_interrupt_within_a_second(serve, mode):
    arrived, release = threading.Event(), threading.Event()

    def handler(request):
        if "page=2" in request.path or mode == "get":
            # The child is now waiting on this request: tell the test, then stall.
            arrived.set()
            release.wait(60)
        return 200, {}, {"data": [{"id": 1}], "next": "/json-link?page=2"}

    server = serve(handler)
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, server.url, mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "RUNTIME__REQUEST_MAX_ATTEMPTS": "1"},
    )
    try:
        lines = lines_of(proc)
        assert lines.get(timeout=30) == "waiting"
        assert arrived.wait(timeout=30), "the stalled request never arrived"
        proc.send_signal(signal.SIGINT)
        sent = time.monotonic()
        assert lines.get(timeout=30) == "interrupted"
        elapsed = time.monotonic() - sent
        assert proc.wait(timeout=30) == 3
        assert elapsed < 1.0, f"KeyboardInterrupt came {elapsed:.2f} s after SIGINT"
    finally:
        release.set()
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_other_python_threads_run_while_a_request_waits(serve):
    # The server (Python, in this process) and this test's thread both need the GIL while
    # another thread waits in `get`: a wait that held it would deadlock here.
    from restclient import RESTClient

    arrived, release = threading.Event(), threading.Event()

    def handler(request):
        arrived.set()
        release.wait(30)
        return 200, {}, {"ok": True}

    server = serve(handler)
    result = {}
    waiter = threading.Thread(target=lambda: result.update(RESTClient(base_url=server.url).get("/slow").json()))
    waiter.start()
    try:
        assert arrived.wait(timeout=30), "the request never reached the server"
        assert sum(range(100_000)) == 4_999_950_000  # Python runs here meanwhile
    finally:
        release.set()
        waiter.join(timeout=30)
    assert result == {"ok": True}
