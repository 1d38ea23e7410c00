"""Where ceasefire keeps what it knows: events, rejects, agreements, zones, verdicts.

:class:`Store` is the interface; :class:`SQLStore` implements it over any SQLAlchemy database
and :func:`open_store` opens one (a plain path is an SQLite file). See ``docs/store.md``.

>>> import pandas as pd
>>> with open_store(":memory:") as store:
...     store.add_events(pd.DataFrame({"event_uid": ["demo:1"]})).inserted
1
"""

from ceasefire.store.base import BatchLike, BatchSource, IngestReport, RejectLike, Store
from ceasefire.store.copy import (
    CopyReport,
    compare_stores,
    copy_store,
    store_status,
    upgrade_store,
)
from ceasefire.store.migrations import LATEST, MIGRATIONS, Migration, migrate
from ceasefire.store.sql import (
    DISPLAY_COLUMNS,
    OBLIGATION_COLUMNS,
    VERDICT_COLUMNS,
    SQLStore,
    file_sha256,
    open_store,
)

__all__ = [
    "DISPLAY_COLUMNS",
    "LATEST",
    "MIGRATIONS",
    "OBLIGATION_COLUMNS",
    "VERDICT_COLUMNS",
    "BatchLike",
    "BatchSource",
    "CopyReport",
    "IngestReport",
    "Migration",
    "RejectLike",
    "SQLStore",
    "Store",
    "compare_stores",
    "copy_store",
    "file_sha256",
    "migrate",
    "open_store",
    "store_status",
    "upgrade_store",
]
