"""Where each figure of a report links: the dashboard view, or the API answer, that produced
it, with the report's filters in the URL (the names the dashboard and ``/api`` read: see
``docs/web.md``). The verdicts are always spelled out, as the dashboard's own links do.

>>> links = Links("https://monitor.example/")
>>> links.dashboard(Filters(agreement="sochi-2018", date_from="2019-07-08"))
'https://monitor.example/?agreement=sochi-2018&verdict=violation&verdict=possible_violation&date_from=2019-07-08'
>>> Links().api("aggregates", Filters(agreement="a"), by="weapon")
'/api/aggregates?by=weapon&agreement=a&verdict=violation&verdict=possible_violation'
>>> Links().event("ucdp:1/2", "sochi-2018", "dmz")
'/events/ucdp%3A1%2F2?agreement=sochi-2018&provision=dmz'
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from urllib.parse import quote, urlencode

from ..findings import Filters

__all__ = ["Links", "filter_pairs"]


def filter_pairs(f: Filters) -> list[tuple[str, str]]:
    """The filters as URL query pairs, in :class:`~ceasefire.findings.Filters` order, the
    verdicts (:attr:`~ceasefire.findings.Filters.verdicts`) and review statuses repeated."""
    out: list[tuple[str, str]] = []
    for field in fields(f):
        value = f.verdicts if field.name == "verdict" else getattr(f, field.name)
        if value in (None, ()):
            continue
        if field.name == "bbox":
            out.append(("bbox", ",".join(map(str, value))))
        elif isinstance(value, tuple):
            out += [(field.name, str(v)) for v in value]
        else:
            out.append((field.name, str(value)))
    return out


@dataclass(frozen=True)
class Links:
    """Links under ``base_url`` (empty: relative to the server the report is read from)."""

    base_url: str = ""

    def _url(self, path: str, pairs: list[tuple[str, str]]) -> str:
        query = urlencode(pairs, quote_via=quote)
        return self.base_url.rstrip("/") + path + (f"?{query}" if query else "")

    def dashboard(self, f: Filters) -> str:
        """The dashboard (map, timeline, table) over ``f``."""
        return self._url("/", filter_pairs(f))

    def api(self, path: str, f: Filters | None = None, **extra: str) -> str:
        """``/api/{path}`` over ``f``, ``extra`` parameters first."""
        pairs = list(extra.items()) + (filter_pairs(f) if f is not None else [])
        return self._url(f"/api/{path}", pairs)

    def event(self, uid: str, agreement: str, provision: str) -> str:
        """An event's page with the verdict under ``agreement``/``provision`` picked."""
        pairs = [("agreement", agreement), ("provision", provision)]
        return self._url("/events/" + quote(uid, safe=""), pairs)

    def page(self, path: str, **params: str) -> str:
        """Any other page (``/patrols``, ``/agreements/{id}``) with ``params``."""
        return self._url(path, list(params.items()))
