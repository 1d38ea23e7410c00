"""Whose data a set of events is, and what each source asks: the attributions stored by the
fetchers (``source_attributions``), else the known ones of UCDP GED and ACLED (a file ingested
with ``ceasefire ingest`` is the same data under the same terms). Exports and the event page
show them.

>>> [a.source_dataset for a in attributions_for(None, ["acled", "ucdp_ged", "news"])]
['acled', 'ucdp_ged']
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from sqlalchemy import Engine

from ceasefire.fetch.acled import ACLED_ATTRIBUTION
from ceasefire.fetch.ucdp import UCDP_ATTRIBUTION
from ceasefire.store.fetches import Attribution, attributions

__all__ = ["KNOWN_ATTRIBUTIONS", "attributions_for"]

#: What UCDP GED and ACLED ask, whether their rows were fetched or ingested from a file.
KNOWN_ATTRIBUTIONS: Final[dict[str, Attribution]] = {
    a.source_dataset: a for a in (UCDP_ATTRIBUTION, ACLED_ATTRIBUTION)
}


def attributions_for(engine: Engine | None, sources: Iterable[object]) -> list[Attribution]:
    """The attributions of ``sources`` (``source_dataset`` values; others are skipped), sorted:
    the store's where it has one, else the known one."""
    stored = attributions(engine) if engine is not None else {}
    out = []
    for s in sorted({str(x) for x in sources if isinstance(x, str) and x}):
        found = stored.get(s) or KNOWN_ATTRIBUTIONS.get(s)
        if found is not None:
            out.append(found)
    return out
