"""restclient: dlt's ``RESTClient`` on a Rust engine.

The names and paths are dlt's (``dlt.sources.helpers.rest_client``), so dlt code runs after
changing its import lines::

    from restclient import RESTClient
    from restclient.paginators import OffsetPaginator

    client = RESTClient(base_url="https://api.example.com", paginator=OffsetPaginator(limit=100))
    for page in client.paginate("/items"):
        print(len(page), page.response.status_code)

Modules: :mod:`restclient.paginators`, :mod:`restclient.auth`, :mod:`restclient.exceptions`,
:mod:`restclient.models` (``Request``, ``Response``). The guide (installation, what differs
from dlt, custom paginators and auths, errors, sessions, concurrency) is the package's
README.
"""

from ._restclient import __version__
from .auth import AuthConfigBase
from .client import PageData, PageIterator, RESTClient, paginate
from .models import Request, Response
from .paginators import BasePaginator

__all__ = [
    "RESTClient",
    "PageData",
    "PageIterator",
    "paginate",
    "Request",
    "Response",
    "AuthConfigBase",
    "BasePaginator",
    "__version__",
]
