"""ceasefire: agreements as machine-checkable rules, monitored from the evidence.

The public API for notebooks and scripts::

    import ceasefire as cf

    moscow = cf.load_bundled("moscow-2020")                 # agreements as code
    events = cf.read_events("ged.csv.gz", "ucdp").events    # any reader -> one events frame
    result = cf.evaluate(moscow, events)                    # verdicts, obligations, unmapped actors
    result.verdicts.query("verdict == 'violation'")

The store, the CLI and the web app are edges over this core; ``ceasefire.open_store`` is
imported lazily so that the core stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import runtime  # noqa: F401  (first: settings read before pandas and pyarrow allocate)
from .agreements import (
    Agreement,
    Registry,
    TimeSpec,
    agreement_json_schema,
    chain,
    load_agreement,
    load_bundled,
    parse_agreement,
)
from .compliance import VERDICTS, Evaluation, Rules, evaluate
from .errors import (
    AgreementError,
    CeasefireError,
    EventReadError,
    GeometryError,
    InputError,
    LimitError,
    MissingDependencyError,
    StoreError,
    UnknownIdError,
)
from .events import EVENT_COLUMNS, normalise_events, to_geodataframe
from .sources import Reject, read_events, reader_for
from .zones import Approximation, Zone, corridor, import_zone, load_zones, write_zones

if TYPE_CHECKING:
    from .store import Store, open_store

__version__ = "0.1.0"

__all__ = [
    "EVENT_COLUMNS",
    "VERDICTS",
    "Agreement",
    "AgreementError",
    "Approximation",
    "CeasefireError",
    "Evaluation",
    "EventReadError",
    "GeometryError",
    "InputError",
    "LimitError",
    "MissingDependencyError",
    "Registry",
    "Reject",
    "Rules",
    "Store",
    "StoreError",
    "TimeSpec",
    "UnknownIdError",
    "Zone",
    "agreement_json_schema",
    "chain",
    "corridor",
    "evaluate",
    "import_zone",
    "load_agreement",
    "load_bundled",
    "load_zones",
    "normalise_events",
    "open_store",
    "parse_agreement",
    "read_events",
    "reader_for",
    "to_geodataframe",
    "write_zones",
]


def __getattr__(name: str) -> Any:
    # The store pulls in SQLAlchemy; load it only when asked for.
    if name in ("Store", "open_store"):
        from . import store

        return getattr(store, name)
    raise AttributeError(f"module 'ceasefire' has no attribute {name!r}")
