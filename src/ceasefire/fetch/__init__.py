"""Evidence fetched from the providers' APIs into the store: UCDP GED (:mod:`.ucdp`) and ACLED
(:mod:`.acled`), politely (:mod:`.http`), with credentials from the environment or a private
file (:mod:`.credentials`), incremental and resumable (the store's ``fetch_state``, see
:mod:`ceasefire.store.fetches`). See docs/fetch.md and docs/providers.md.
"""

from __future__ import annotations

from ceasefire.fetch.credentials import AcledLogin, Secret, acled_login, ucdp_token
from ceasefire.fetch.http import PoliteClient, Politeness
from ceasefire.fetch.pages import FetchOptions, FetchReport
from ceasefire.fetch.ucdp import UcdpQuery, fetch_ucdp

__all__ = [
    "AcledLogin",
    "FetchOptions",
    "FetchReport",
    "PoliteClient",
    "Politeness",
    "Secret",
    "UcdpQuery",
    "acled_login",
    "fetch_ucdp",
    "ucdp_token",
]
