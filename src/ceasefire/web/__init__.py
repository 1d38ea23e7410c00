"""The monitor's workspace over HTTP: the dashboard pages and the JSON/GeoJSON API.

:func:`create_app` builds the ASGI application over one store. See ``docs/web.md``.
"""

from ceasefire.web.app import create_app

__all__ = ["create_app"]
