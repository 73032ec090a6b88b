"""dlt pipelines on restclient's engine: dlt's ``rest_api`` source, walked by Rust.

Change one import line of a dlt pipeline::

    # from dlt.sources.rest_api import rest_api_source
    from restclient.dlt import rest_api_source

    pipeline = dlt.pipeline("github", destination="duckdb")
    pipeline.run(rest_api_source(config))

and the same config gives the same tables (dlt's schema inference, normalisation, merge and
load are dlt's, untouched), while the extraction underneath is restclient's: pages fetched
ahead and at once where the paginator allows it, child walks ``concurrency`` at once, rate
limits obeyed, loop guards, a fraction of the CPU. Incremental cursors live in the
pipeline's state where ``dlt.sources.incremental`` keeps them; a child keeps one cursor per
parent record (dlt keeps one for all and loses records, dlt#2429). The differences from dlt's
source are listed in the package's guide (README, "dlt pipelines").
"""

from __future__ import annotations

from typing import Any, List, Mapping, Optional

import dlt
from dlt.common.schema.schema import Schema
from dlt.extract import DltResource, DltSource

from ._source import rest_api_resources

__all__ = ["rest_api_source", "rest_api_resources"]


@dlt.source(name="rest_api", section="rest_api")
def _rest_api(resources: List[DltResource]) -> List[DltResource]:
    """The source of the resources made from a config (named as dlt's, so that a pipeline keeps
    its state, schema and config sections when it switches)."""
    return resources


def rest_api_source(
    config: Mapping[str, Any],
    name: Optional[str] = None,
    section: Optional[str] = None,
    max_table_nesting: Optional[int] = None,
    root_key: Optional[bool] = None,
    schema: Optional[Schema] = None,
    schema_contract: Any = None,
    parallelized: bool = False,
    *,
    concurrency: int = 4,
) -> DltSource:
    """A dlt source for ``config``, dlt's ``rest_api`` dict; the arguments are dlt's
    ``rest_api_source``'s, plus ``concurrency``.

    Args:
        config: ``client``, ``resource_defaults``, ``resources``, as dlt takes them (Python
            objects included: paginator and auth instances, ``processing_steps``,
            ``response_actions`` callables, ``incremental.convert``).
        name: the source's name (default ``rest_api``: its state and schema are dlt's).
        section, max_table_nesting, root_key, schema, schema_contract, parallelized: as dlt's.
        concurrency: pages of one walk fetched at once (where the paginator allows it) and
            child walks at once, per resource (default 4).

    Raises:
        restclient.exceptions.ConfigurationError: (a ``ValueError``) a mistake in the config,
            naming its key path, before any request.
    """
    resources = rest_api_resources(config, concurrency=concurrency)
    source = _rest_api.clone(
        name=name,
        section=section,
        max_table_nesting=max_table_nesting,
        root_key=root_key,
        schema=schema,
        schema_contract=schema_contract,
        parallelized=parallelized,
    )
    return source(resources)

