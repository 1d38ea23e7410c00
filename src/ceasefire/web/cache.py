"""A small cache of computed answers (the map's GeoJSON, the timeline's aggregates, "did it
hold"), dropped whenever the data may have changed.

An entry is kept under its request key and the store's *data version*: the highest ids of
evaluations, ingests, reviews and field-report edits (each write that changes an answer moves
one of them: a field report's evaluation adds an evaluations row), when the latest ingest
ended, the count of event writes (every event inserted or changed moves it), the latest
article, the catalog's version (agreements and zones: count and latest
time of each) and the patrol files' (count and latest import). A version that moved, or an
entry older than ``ttl_s``, is computed again. Each server process has its own cache, but the
version is read from the store before every use, so a write through any process (another
worker of ``ceasefire serve --workers N``, or the command line) is seen by the next read in
every other.

>>> from ceasefire.store import open_store
>>> store = open_store(":memory:")
>>> cache = ResultCache(store.engine, maxsize=2)
>>> calls = []
>>> cache.get("k", lambda: calls.append(1) or len(calls)), cache.get("k", lambda: 99)
(1, 1)
>>> store.close()
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import Engine, func, select

from ceasefire.store import schema

__all__ = ["ResultCache", "data_version"]

T = TypeVar("T")


def data_version(engine: Engine) -> tuple[Any, ...]:
    """What changes when the answers may: highest ids of the write tables, the end of the
    latest ingest, the store's count of event writes (``store_state``: counting a million
    events took 50 ms a request), the latest article, and the agreements', zones' and patrol
    files' counts and latest times (small tables). One query."""
    a, z, pf, st = schema.agreements, schema.zones, schema.patrol_files, schema.store_state
    with engine.connect() as conn:
        return tuple(
            conn.execute(
                select(
                    select(func.max(schema.evaluations.c.id)).scalar_subquery(),
                    select(func.max(schema.ingests.c.id)).scalar_subquery(),
                    select(func.max(schema.ingests.c.finished_at)).scalar_subquery(),
                    select(func.max(schema.reviews.c.id)).scalar_subquery(),
                    select(func.max(schema.field_reports.c.updated_at)).scalar_subquery(),
                    select(st.c.value).where(st.c.key == "events").scalar_subquery(),
                    select(func.max(schema.articles.c.ingested_at)).scalar_subquery(),
                    select(func.count()).select_from(a).scalar_subquery(),
                    select(func.max(a.c.loaded_at)).scalar_subquery(),
                    select(func.count()).select_from(z).scalar_subquery(),
                    select(func.max(z.c.updated_at)).scalar_subquery(),
                    select(func.count()).select_from(pf).scalar_subquery(),
                    select(func.max(pf.c.imported_at)).scalar_subquery(),
                )
            ).one()
        )


class ResultCache:
    """Least-recently-used answers by key, valid for one data version and ``ttl_s`` seconds."""

    def __init__(self, engine: Engine, *, maxsize: int = 256, ttl_s: float = 60.0) -> None:
        self._engine = engine
        self._maxsize = maxsize
        self._ttl_s = ttl_s
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, tuple[tuple[Any, ...], float, Any]] = OrderedDict()

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The cached answer for ``key``, or ``compute()`` (kept for next time)."""
        version = data_version(self._engine)
        now = time.monotonic()
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None and hit[0] == version and now - hit[1] < self._ttl_s:
                self._entries.move_to_end(key)
                return hit[2]  # type: ignore[no-any-return]
        value = compute()
        with self._lock:
            self._entries[key] = (version, now, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._maxsize:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        """Forget everything in this process (at once, after this process's own write; the
        other processes see the write through the data version)."""
        with self._lock:
            self._entries.clear()
