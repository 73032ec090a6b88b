"""``restclient.dlt``: dlt's ``rest_api`` source on the Rust engine, run by real dlt pipelines
into DuckDB: a real dlt source of real resources (a child is a transformer) with dlt's hints;
incremental state where ``dlt.sources.incremental`` keeps it; the Python objects dlt allows in
a config; bad input. The comparison with dlt's own source is test_dlt_equivalence.py."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any, Dict, List
from urllib.parse import parse_qs, urlsplit

import pytest

from conftest import REPO, Demo
from dlt_support import example_config, pipeline

dlt = pytest.importorskip("dlt")

from restclient.dlt import rest_api_resources, rest_api_source  # noqa: E402
from restclient.exceptions import ConfigurationError  # noqa: E402


@pytest.fixture(scope="module")
def tracker():
    """A tracker demo API of its own (the tests here do not advance it)."""
    with Demo() as demo:
        yield demo


def query(path: str) -> Dict[str, List[str]]:
    return parse_qs(urlsplit(path).query)


def test_a_real_dlt_source_with_dlts_hints_and_a_transformer_per_child(tracker):
    config = example_config("tracker", tracker.url)
    config["resources"][4]["table_name"] = "activity"
    config["resources"][4]["columns"] = {"type": {"data_type": "text", "nullable": False}}
    config["resources"][3]["selected"] = False
    config["resources"][0]["max_table_nesting"] = 0
    # A hint that is a function (dlt takes them), for dlt only.
    config["resources"][3]["table_name"] = lambda user: f"people_{user['id'] % 2}"
    source = rest_api_source(config, name="tracker_src")
    assert isinstance(source, dlt.extract.DltSource)
    assert source.name == "tracker_src"
    assert list(source.resources) == ["projects", "issues", "comments", "users", "events"]
    issues, comments = source.resources["issues"], source.resources["comments"]
    assert issues.is_transformer and comments.is_transformer
    assert not source.resources["projects"].is_transformer
    assert issues._pipe.parent is source.resources["projects"]._pipe
    assert issues.write_disposition == "merge"
    assert issues.compute_table_schema()["columns"]["id"]["primary_key"] is True
    assert source.resources["events"].table_name == "activity"
    assert source.resources["events"].columns["type"]["nullable"] is False
    assert source.resources["projects"].max_table_nesting == 0
    assert not source.resources["users"].selected
    assert source.resources["users"].compute_table_schema({"id": 3})["name"] == "people_1"
    assert sorted(source.selected_resources) == ["comments", "events", "issues", "projects"]
    # The default name is dlt's, so that a pipeline switching keeps its state and schema.
    assert rest_api_source(example_config("tracker", tracker.url)).name == "rest_api"
    assert [r.name for r in rest_api_resources(config)] == list(source.resources)


def test_with_resources_and_add_map_work_as_on_dlts_source(tracker, tmp_path):
    source = rest_api_source(example_config("tracker", tracker.url)).with_resources("comments")
    source.resources["comments"].add_map(lambda c: {**c, "seen": True})
    p = pipeline(tmp_path, "only_comments")
    p.run(source)
    with p.sql_client() as c:
        tables = {r[0] for r in c.execute_sql("select table_name from information_schema.tables where table_schema = 'data'")}
        assert "comments" in tables and "issues" not in tables and "projects" not in tables
        n, seen = c.execute_sql("select count(*), bool_and(seen) from comments")[0]
    assert n > 100 and seen


def test_incremental_state_is_kept_where_dlt_keeps_it_and_dlt_pipeline_info_shows_it(tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", "demo-token")
    with Demo() as demo:
        config = example_config("github", demo.url)
        ours, theirs = pipeline(tmp_path, "gh_rc"), pipeline(tmp_path, "gh_dlt")
        ours.run(rest_api_source(json.loads(json.dumps(config))))
        from dlt.sources.rest_api import rest_api_source as dlt_source

        theirs.run(dlt_source(json.loads(json.dumps(config))))
        state = ours.state["sources"]["rest_api"]["resources"]["issues"]
        dlt_state = theirs.state["sources"]["rest_api"]["resources"]["issues"]
        cursor = state["incremental"]["updated_at"]
        assert set(cursor) == set(dlt_state["incremental"]["updated_at"]) == {
            "initial_value", "last_value", "unique_hashes", "start_value"
        }
        # The same cursor dlt keeps, its boundary hashes included.
        assert cursor == dlt_state["incremental"]["updated_at"]
        assert state["restclient"]["boundary"], "the boundary keys, for restclient"

        # A second run sends the cursor and loads only what changed.
        urllib_post(f"{demo.url}/tracker/_advance")
        ours.run(rest_api_source(json.loads(json.dumps(config))))
        loaded = ours.last_trace.last_normalize_info.row_counts.get("issues", 0)
        with ours.sql_client() as c:
            total = c.execute_sql("select count(*) from issues")[0][0]
        assert 0 < loaded < total
        info = subprocess.run(
            [str(Path(sys.executable).parent / "dlt"), "--non-interactive", "pipeline", "--pipelines-dir",
             str(tmp_path / "pipelines"), "gh_rc", "info", "-v"],
            capture_output=True, text=True, timeout=120, env={**os.environ, "RUNTIME__DLTHUB_TELEMETRY": "false"},
        )
        assert info.returncode == 0, info.stderr
        assert "last_value" in info.stdout and "updated_at" in info.stdout


def test_a_pipeline_switching_from_dlts_source_keeps_its_cursor(tmp_path, monkeypatch):
    """Run 1 with dlt's source, run 2 with restclient's on the same pipeline: run 2 starts at
    dlt's `last_value` and the tables end as with dlt's source both times."""
    from dlt.sources.rest_api import rest_api_source as dlt_source

    from dlt_support import tables

    monkeypatch.setenv("GITHUB_TOKEN", "demo-token")
    with Demo() as demo:
        config = example_config("github", demo.url)
        switching, staying = pipeline(tmp_path, "switching"), pipeline(tmp_path, "staying")
        for p in (switching, staying):
            p.run(dlt_source(json.loads(json.dumps(config))))
        urllib_post(f"{demo.url}/tracker/_advance")
        staying.run(dlt_source(json.loads(json.dumps(config))))
        switching.run(rest_api_source(json.loads(json.dumps(config))).with_resources("issues"))
        theirs = staying.last_trace.last_normalize_info.row_counts["issues"]
        ours = switching.last_trace.last_normalize_info.row_counts["issues"]
        # Only what changed, plus at most the records at dlt's `last_value` (its hashes are
        # digests restclient cannot read back).
        assert theirs <= ours <= theirs + 1
    assert tables(tmp_path / "switching.duckdb")["issues"] == tables(tmp_path / "staying.duckdb")["issues"]


def urllib_post(url: str) -> None:
    import urllib.request

    urllib.request.urlopen(urllib.request.Request(url, method="POST"))


def test_a_child_keeps_one_cursor_per_parent_record_in_its_state(tracker, tmp_path):
    p = pipeline(tmp_path, "per_parent")
    p.run(rest_api_source(example_config("tracker", tracker.url)).with_resources("issues"))
    state = p.state["sources"]["rest_api"]["resources"]["issues"]["restclient"]
    assert state["cursor_path"] == "updated_at"
    assert sorted(state["parents"]) == [f'{{"id":{i}}}' for i in range(1, 6)]
    assert all(c["last_value"] > "2024" for c in state["parents"].values())


def serve_items(serve, items_by_path):
    """A closure server answering each path with a list of records (one page)."""

    def handler(request):
        path = urlsplit(request.path).path
        if path in items_by_path:
            return 200, {}, items_by_path[path]
        return 404, {}, {"error": "not found"}

    return serve(handler)


def test_processing_steps_run_before_the_incremental_filter_and_children_see_their_records(serve, tmp_path):
    server = serve_items(serve, {
        "/parents": [
            {"id": 1, "t": 1}, {"id": 2, "t": 2}, {"id": 3, "t": 3},
        ],
        "/kids/10": [{"k": "a"}], "/kids/30": [{"k": "c"}],
    })
    config = {
        "client": {"base_url": server.url, "paginator": "single_page"},
        "resources": [
            {"name": "parents", "primary_key": "id",
             "endpoint": {"path": "parents", "incremental": {"cursor_path": "t", "initial_value": 0}},
             "processing_steps": [
                 {"filter": lambda r: r["id"] != 2},
                 {"map": lambda r: {**r, "id": r["id"] * 10, "t": r["t"] * 100}},
             ]},
            {"name": "kids", "endpoint": {"path": "kids/{resources.parents.id}"},
             "include_from_parent": ["id"],
             # As in dlt, a child's steps see the fields included from its parent.
             "processing_steps": [{"map": lambda k: {**k, "seen": k["_parents_id"]}}]},
        ],
    }
    p = pipeline(tmp_path, "steps")
    p.run(rest_api_source(config))
    with p.sql_client() as c:
        assert c.execute_sql("select id, t from parents order by id") == [(10, 100), (30, 300)]
        assert c.execute_sql("select k, _parents_id, seen from kids order by k") == [("a", 10, 10), ("c", 30, 30)]
    # The cursor saw the mapped values (300), not the API's (3).
    cursor = p.state["sources"]["rest_api"]["resources"]["parents"]["incremental"]["t"]
    assert cursor["last_value"] == 300
    assert sorted(r.path for r in server.requests) == ["/kids/10", "/kids/30", "/parents"]


def test_python_objects_in_a_config_paginator_auth_response_actions_and_convert(serve, tmp_path):
    from dlt.sources.helpers.rest_client.auth import BearerTokenAuth as DltBearer
    from dlt.sources.helpers.rest_client.paginators import PageNumberPaginator as DltPageNumber

    from restclient.paginators import OffsetPaginator

    def handler(request):
        path = urlsplit(request.path).path
        q = query(request.path)
        if path == "/pages":
            page = int(q["page"][0])
            return 200, {}, {"items": [{"id": page}] if page <= 3 else []}
        if path == "/offsets":
            offset = int(q["offset"][0])
            return 200, {}, {"items": [{"id": offset}], "total": 2}
        if path == "/gone":
            return 410, {}, {"error": "gone"}
        if path == "/since":
            return 200, {}, [{"id": 1, "n": 5}]
        return 404, {}, {}

    server = serve(handler)
    seen: List[int] = []
    config = {
        "client": {"base_url": server.url, "auth": DltBearer(token="s3cret")},
        "resources": [
            {"name": "pages", "endpoint": {
                "path": "pages", "data_selector": "items",
                "paginator": DltPageNumber(base_page=1, total_path=None, stop_after_empty_page=True),
                "response_actions": [lambda response: seen.append(response.status_code)]}},
            {"name": "offsets", "endpoint": {
                "path": "offsets", "data_selector": "items",
                "paginator": OffsetPaginator(limit=1, total_path="total")}},
            {"name": "gone", "endpoint": {
                "path": "gone", "paginator": "single_page",
                "response_actions": [{"status_code": 410, "action": "ignore"}, lambda r: seen.append(-1)]}},
            {"name": "since", "primary_key": "id", "endpoint": {
                "path": "since", "paginator": "single_page",
                "incremental": {"cursor_path": "n", "initial_value": 3, "start_param": "since",
                                "convert": lambda v: f"n>{v}"}}},
        ],
    }
    p = pipeline(tmp_path, "objects")
    p.run(rest_api_source(config))
    with p.sql_client() as c:
        assert c.execute_sql("select id from pages order by id") == [(1,), (2,), (3,)]
        assert c.execute_sql("select id from offsets order by id") == [(0,), (1,)]
        tables = {r[0] for r in c.execute_sql("select table_name from information_schema.tables where table_schema = 'data'")}
    assert "gone" not in tables, "410 ignored: no records"
    assert seen == [200, 200, 200, 200], "the callable ran on every page; `ignore` came first for /gone"
    assert all(r.headers["authorization"] == "Bearer s3cret" for r in server.requests)
    since = [r.path for r in server.requests if r.path.startswith("/since")]
    assert query(since[0])["since"] == ["n>3"]


def test_a_config_mistake_is_a_value_error_naming_its_key_path_before_any_request(serve):
    server = serve(lambda request: (200, {}, []))
    bad = {
        "client": {"base_url": server.url},
        "resources": [{"name": "issues", "endpoint": {"paginator": {"type": "offset", "limit": "x"}}}],
    }
    with pytest.raises(ValueError) as caught:
        rest_api_source(bad)
    assert isinstance(caught.value, ConfigurationError)
    # The message `restclient run` gives for the same config.
    assert str(caught.value) == "resources[0].endpoint.paginator.limit: expected an integer, got a string"
    assert caught.value.path == "resources[0].endpoint.paginator.limit"
    for config, path in [
        ({"client": {"base_url": server.url}, "resources": [{"name": "c", "endpoint": "a/{resources.nope.id}"}]},
         "resources[0]"),
        ({"client": {"base_url": server.url}, "resources": [{"name": "a", "endpoint": {"query": 1}}]},
         "resources[0].endpoint.query"),
        ({"client": {"base_url": server.url}, "resources": [{"name": "a", "processing_steps": [{"map": 1}]}]},
         "resources[0].processing_steps[0]"),
    ]:
        with pytest.raises(ConfigurationError) as caught:
            rest_api_resources(config)
        assert str(caught.value).startswith(path), caught.value
    for concurrency in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match=r"^concurrency: expected an integer >= 1"):
            rest_api_source({"client": {"base_url": server.url}, "resources": ["a"]}, concurrency=concurrency)
    assert server.requests == []


def test_a_failing_resource_fails_the_pipeline_step_naming_the_masked_url(serve, tmp_path):
    server = serve(lambda request: (500, {}, {"error": "boom"}))
    config = {
        "client": {"base_url": server.url,
                   "auth": {"type": "api_key", "name": "key", "api_key": "s3cret-key", "location": "query"}},
        "resources": [{"name": "items", "endpoint": {"path": "items", "paginator": "single_page"}}],
    }
    p = pipeline(tmp_path, "failing")
    from dlt.pipeline.exceptions import PipelineStepFailed

    with pytest.raises(PipelineStepFailed) as caught:
        p.run(rest_api_source(config))
    assert caught.value.step == "extract"
    text = str(caught.value)
    assert "500" in text and "/items" in text
    assert "s3cret-key" not in text
    # Nothing committed: the state has no trace of the resource.
    assert "items" not in p.state.get("sources", {}).get("rest_api", {}).get("resources", {})


CHILD = textwrap.dedent(
    """
    import os, sys
    os.environ["RUNTIME__DLTHUB_TELEMETRY"] = "false"
    import dlt
    from restclient.dlt import rest_api_source
    base, work = sys.argv[1], sys.argv[2]
    config = {
        "client": {"base_url": base},
        "resources": [{"name": "items", "primary_key": "id", "endpoint": {
            "path": "items", "data_selector": "items",
            "paginator": {"type": "page_number", "base_page": 1, "total_path": "pages"}}}],
    }
    p = dlt.pipeline("interrupted", destination=dlt.destinations.duckdb(work + "/db.duckdb"),
                     pipelines_dir=work + "/pipelines", dataset_name="data")
    try:
        p.run(rest_api_source(config, concurrency=1))
        print("done", flush=True)
    except Exception as e:
        # dlt reports a KeyboardInterrupt in a step as the step's failure.
        if isinstance(getattr(e, "exception", None), KeyboardInterrupt):
            print("interrupted", flush=True)
            sys.exit(3)
        raise
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_stops_a_pipeline_promptly_and_the_next_run_loads_everything_once(serve, tmp_path):
    stall = threading.Event()
    arrived = threading.Event()

    def handler(request):
        page = int(query(request.path)["page"][0])
        if page == 3 and not stall.is_set():
            arrived.set()
            stall.wait(60)
        return 200, {}, {"items": [{"id": page * 10 + i} for i in range(10)], "pages": 5}

    server = serve(handler)
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    env = {**os.environ, "RUNTIME__DLTHUB_TELEMETRY": "false"}
    proc = subprocess.Popen([sys.executable, str(script), server.url, str(tmp_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert arrived.wait(60), "the child reached the stalled page"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    finally:
        stall.set()
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 3 and "interrupted" in out, (out, err)
    # Run again: every record once.
    again = subprocess.run([sys.executable, str(script), server.url, str(tmp_path)],
                           capture_output=True, text=True, timeout=120, env=env)
    assert "done" in again.stdout, again.stderr
    import duckdb

    con = duckdb.connect(str(tmp_path / "db.duckdb"), read_only=True)
    ids = [r[0] for r in con.execute("select id from data.items order by id").fetchall()]
    assert ids == [p * 10 + i for p in range(1, 6) for i in range(10)]


def test_the_readme_pipeline_runs(tracker, tmp_path, monkeypatch):
    """The README's ten-line pipeline (its "Python" section), run as written but for the
    demo API's address, in a directory of its own."""
    readme = (REPO / "README.md").read_text()
    start = readme.index("```python\nimport dlt\n")
    code = readme[start + len("```python"): readme.index("```", start + 9)]
    assert "from restclient.dlt import rest_api_source" in code
    assert len(code.strip().splitlines()) <= 10, code
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DLT_DATA_DIR", str(tmp_path / "dlt"))
    code = code.replace("http://127.0.0.1:8080", tracker.url)
    namespace: Dict[str, Any] = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    assert namespace["rows"] == [(151, "pokemon-99")]
    assert (tmp_path / "pokeapi.duckdb").exists()


def test_an_incremental_with_dlts_settings_loads_what_dlts_source_loads(serve, tmp_path):
    """Every setting of a `dlt.sources.incremental` given as a param, and `last_value_func`
    given as dlt documents it (the builtin `min`), reaches the filter: dropping them loaded
    other records than dlt's source."""
    from dlt.sources.rest_api import rest_api_source as dlt_source

    server = serve(lambda request: (200, {}, [{"id": i} for i in range(1, 11)]))

    def endpoint(i: int) -> List[Dict[str, Any]]:
        return [
            {"path": "items", "params": {"since": dlt.sources.incremental("id", initial_value=5, last_value_func=min)}},
            {"path": "items", "params": {"since": dlt.sources.incremental("id", initial_value=5, range_start="open")}},
            {"path": "items", "incremental": {"cursor_path": "id", "initial_value": 5, "last_value_func": min,
                                              "start_param": "since"}},
        ][i]

    for i in range(3):
        loaded = {}
        for name, make in (("ours", rest_api_source), ("theirs", dlt_source)):
            config = {"client": {"base_url": server.url, "paginator": "single_page"},
                      "resources": [{"name": "items", "endpoint": endpoint(i)}]}
            p = pipeline(tmp_path, f"{name}_{i}")
            p.run(make(config))
            with p.sql_client() as c:
                loaded[name] = [r[0] for r in c.execute_sql("select id from items order by id")]
        assert loaded["ours"] == loaded["theirs"], (i, loaded)
    assert loaded["ours"] == [1, 2, 3, 4, 5]


def test_python_objects_the_engine_cannot_take_are_config_errors_naming_their_key_path(serve):
    server = serve(lambda request: (200, {}, []))

    def config(endpoint: Dict[str, Any]) -> Dict[str, Any]:
        return {"client": {"base_url": server.url}, "resources": [{"name": "a", "endpoint": endpoint}]}

    for endpoint, path in [
        ({"path": "a", "incremental": {"cursor_path": "id", "last_value_func": lambda values: max(values)}},
         "resources[0].endpoint.incremental.last_value_func"),
        ({"path": "a", "params": {"since": dlt.sources.incremental("id", last_value_func=lambda v: max(v))}},
         "resources[0].endpoint.params.since.last_value_func"),
        # dlt refuses it too: `end_value` belongs in the endpoint's `incremental`.
        ({"path": "a", "params": {"since": dlt.sources.incremental("id", initial_value=1, end_value=5)}},
         "resources[0].endpoint.params.since"),
        ({"path": "a", "params": {"x": object()}}, "resources[0].endpoint.params.x"),
    ]:
        with pytest.raises(ConfigurationError) as caught:
            rest_api_source(config(endpoint))
        assert caught.value.path == path, caught.value
        assert str(caught.value).startswith(path + ": "), caught.value
    assert server.requests == []


def test_hints_only_a_destination_uses_are_dlts_without_a_warning_that_they_are_ignored(serve):
    """`restclient run` warns that it ignores `columns`, `merge_key`, ...: under dlt, which
    applies them, that warning would be false."""
    server = serve(lambda request: (200, {}, []))
    code = textwrap.dedent(
        """
        import logging, sys
        logging.basicConfig(level=logging.DEBUG, format="%(name)s %(levelname)s %(message)s")
        from restclient.dlt import rest_api_source
        source = rest_api_source({
            "client": {"base_url": sys.argv[1]},
            "resource_defaults": {"max_table_nesting": 1, "schema_contract": {"columns": "freeze"}},
            "resources": [{"name": "a", "endpoint": "a", "columns": {"id": {"data_type": "bigint"}},
                           "merge_key": "k", "write_disposition": "merge", "file_format": "jsonl"}],
        })
        table = source.resources["a"].compute_table_schema()
        print(table["columns"]["id"]["data_type"], table["columns"]["k"]["merge_key"], table["file_format"])
        """
    )
    done = subprocess.run([sys.executable, "-c", code, server.url], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "RUNTIME__DLTHUB_TELEMETRY": "false"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["bigint", "True", "jsonl"]
    assert "ignored" not in done.stderr, done.stderr


def test_a_response_action_that_rewrites_the_body_is_an_error_not_a_silent_no_op(serve, tmp_path):
    """dlt's docs drop a field with a response action that sets `response._content`; the
    engine reads the records from the body as received, so the field (an email) was loaded
    anyway, without a word."""

    def remove_email(response, *args, **kwargs):
        payload = response.json()
        for record in payload:
            record.pop("email", None)
        response._content = json.dumps(payload).encode("utf-8")
        return response

    def read_only(response, *args, **kwargs):
        assert response.json()[0]["id"] == 1  # reading the body is fine

    server = serve(lambda request: (200, {}, [{"id": 1, "email": "a@example.com"}]))
    for name, actions in (("rewrites", [{"status_code": 200, "action": remove_email}]), ("reads", [read_only])):
        config = {"client": {"base_url": server.url, "paginator": "single_page"},
                  "resources": [{"name": "users", "endpoint": {"path": "users", "response_actions": actions}}]}
        p = pipeline(tmp_path, name)
        if name == "reads":
            p.run(rest_api_source(config))
            continue
        from dlt.pipeline.exceptions import PipelineStepFailed

        with pytest.raises(PipelineStepFailed) as caught:
            p.run(rest_api_source(config))
        assert isinstance(caught.value.__cause__.__cause__, NotImplementedError), repr(caught.value.__cause__)
        assert "changed the body" in str(caught.value) and "processing_steps" in str(caught.value)
        assert "users" not in p.state.get("sources", {}).get("rest_api", {}).get("resources", {})


def test_a_key_in_an_endpoints_query_stays_out_of_the_pipelines_trace(serve, tmp_path):
    server = serve(lambda request: (200, {}, [{"id": 1}]))
    config = {"client": {"base_url": server.url, "paginator": "single_page",
                         "auth": {"type": "bearer", "token": "t0ken-s3cret"}},
              "resources": [{"name": "items", "endpoint": {"path": "items?api_key=k3y-s3cret"}}]}
    p = pipeline(tmp_path, "trace")
    p.run(rest_api_source(config))
    assert server.requests[0].path == "/items?api_key=k3y-s3cret"
    trace = repr(p.last_trace.asdict())
    assert "k3y-s3cret" not in trace and "t0ken-s3cret" not in trace
    for f in (tmp_path / "pipelines").rglob("*"):
        if f.is_file():
            assert b"k3y-s3cret" not in f.read_bytes(), f


def test_parent_records_holding_python_objects_feed_their_children_as_in_dlts_source(serve, tmp_path):
    """A parent's `add_map` that makes datetimes and Decimals (a common dlt step) failed every
    child walk ("object of type DateTime is not JSON serializable"); dlt's source renders them
    in the child's requests with `str` and includes them as they are."""
    import decimal

    import pendulum
    from dlt.sources.rest_api import rest_api_source as dlt_source

    from dlt_support import tables

    def handler(request):
        path = urlsplit(request.path).path
        if path == "/orgs":
            return 200, {}, [{"id": i, "at": f"2024-01-0{i}T10:00:00Z"} for i in (1, 2)]
        return 200, {}, [{"rid": path, "since": query(request.path)["since"][0]}]

    server = serve(handler)
    for name, make in (("ours", rest_api_source), ("theirs", dlt_source)):
        config = {
            "client": {"base_url": server.url, "paginator": "single_page"},
            "resources": [
                {"name": "orgs", "endpoint": "orgs"},
                {"name": "repos", "endpoint": {"path": "orgs/{resources.orgs.id}", "params": {"since": "{resources.orgs.at}"}},
                 "include_from_parent": ["at", "amount", "id"]},
            ],
        }
        source = make(config)
        source.resources["orgs"].add_map(
            lambda r: {**r, "at": pendulum.parse(r["at"]), "amount": decimal.Decimal("1.10")}
        )
        pipeline(tmp_path, name).run(source)
    ours, theirs = tables(tmp_path / "ours.duckdb"), tables(tmp_path / "theirs.duckdb")
    assert ours["repos"] == theirs["repos"]
    assert [c for c in ours["repos"][0] if c[0] in ("_orgs_at", "_orgs_amount")] == [
        ("_orgs_at", "TIMESTAMP WITH TIME ZONE"), ("_orgs_amount", "DECIMAL(38,9)")]
    # The same requests as dlt's source sent, the datetime rendered as its `str`.
    sent = [query(r.path)["since"][0] for r in server.requests if r.path.startswith("/orgs/")]
    assert sorted(sent) == sorted(2 * ["2024-01-01 10:00:00+00:00", "2024-01-02 10:00:00+00:00"])


def test_dlts_own_auth_instances_and_a_custom_auth_class_sign_the_requests(serve, tmp_path):
    """dlt's auth classes are configspecs, which are mappings: they were read as auth dicts,
    and every one but `BearerTokenAuth` failed with a bogus config error (`auth.name: unknown
    key`), a custom `AuthConfigBase` subclass (dlt's way to write one) too."""
    from dlt.sources.helpers.rest_client.auth import APIKeyAuth, AuthConfigBase, HttpBasicAuth

    class SignedAuth(AuthConfigBase):
        def __call__(self, request):
            request.headers["X-Signature"] = "signed"
            return request

    server = serve(lambda request: (200, {}, [{"id": 1}]))
    auths = [
        (APIKeyAuth(name="key", api_key="k3y", location="query"), lambda r: query(r.path)["key"] == ["k3y"]),
        (HttpBasicAuth("user", "pw"), lambda r: r.headers["authorization"] == "Basic dXNlcjpwdw=="),
        (SignedAuth(), lambda r: r.headers["x-signature"] == "signed"),
    ]
    for i, (auth, signed) in enumerate(auths):
        for where in ("client", "endpoint"):
            config = {"client": {"base_url": server.url, "paginator": "single_page"},
                      "resources": [{"name": "a", "endpoint": {"path": "a"}}]}
            (config["client"] if where == "client" else config["resources"][0]["endpoint"])["auth"] = auth
            server.requests.clear()
            pipeline(tmp_path, f"auth_{i}_{where}").run(rest_api_source(config))
            assert len(server.requests) == 1 and signed(server.requests[0]), (type(auth).__name__, where)


def test_a_parent_waits_for_its_children_instead_of_being_read_to_its_end_into_memory(serve, tmp_path):
    """The engine fetches a parent's pages far faster than its children walk them, and dlt
    makes a child batch of every page: the whole parent was read ahead and held in memory
    (100k parent records: RSS growing 5 MB/s) while the children crawled. Here the children
    are stuck until the parent reaches its last page, or until 5 s pass: the parent must stay
    within a bounded distance of them, so it is the 5 s that release them."""
    pages = 60
    release = threading.Event()
    seen = {"parent": 0, "at_release": None}

    def handler(request):
        path = urlsplit(request.path).path
        if path == "/orgs":
            page = int(query(request.path)["page"][0])
            seen["parent"] = max(seen["parent"], page)
            if page == pages:
                release.set()
            return 200, {}, {"items": [{"id": page * 100 + i} for i in range(10)], "pages": pages}
        release.wait(5)
        if seen["at_release"] is None:
            seen["at_release"] = seen["parent"]
        release.set()  # the others go on at once
        return 200, {}, [{"org": int(path.rsplit("/", 1)[1])}]

    server = serve(handler)
    config = {
        "client": {"base_url": server.url},
        "resources": [
            {"name": "orgs", "endpoint": {"path": "orgs", "data_selector": "items",
                                          "paginator": {"type": "page_number", "base_page": 1, "total_path": "pages"}}},
            {"name": "repos", "endpoint": {"path": "orgs/{resources.orgs.id}", "paginator": "single_page"}},
        ],
    }
    p = pipeline(tmp_path, "held_back")
    p.run(rest_api_source(config))
    assert seen["at_release"] < pages, "the parent was read to its end while its children were stuck"
    with p.sql_client() as c:
        assert c.execute_sql("select count(*), count(distinct org) from repos")[0] == (pages * 10, pages * 10)
