"""Shared fixtures: events frames built the way the readers build them, and simple test zones."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, settings
from hypothesis.configuration import set_hypothesis_home_dir

from ceasefire.events import day_window, normalise_events
from ceasefire.zones import Zone

EventFactory = Callable[..., pd.DataFrame]

# Hypothesis profiles of the fuzz suite (tests/test_fuzz_*.py), picked by CEASEFIRE_FUZZ:
#   default  bounded example counts and a fixed seed: the fuzz and soak tests add 2-3 minutes
#   long     CEASEFIRE_FUZZ=long .venv/bin/python -m pytest tests/test_fuzz_readers.py
#            tests/test_fuzz_api.py: 25 times the examples, random seeds (a deliberate run)
# Neither keeps an example database, and what hypothesis caches goes to the temp folder, not a
# .hypothesis/ folder in the checkout; a failure prints the example and a blob to replay it
# with @reproduce_failure.
if not os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
    set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "ceasefire-hypothesis")
settings.register_profile(
    "default",
    max_examples=40,
    derandomize=True,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "long",
    max_examples=1000,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("CEASEFIRE_FUZZ", "default"))


def _row(i: int, **kw: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "event_uid": f"test:{i}",
        "source_dataset": "test",
        "source_row_id": str(i),
        "event_id_cnty": f"TEST{i}",
        "event_date": "2020-03-07",
        "time_precision": 1,
        "event_type": "Explosions/Remote violence",
        "sub_event_type": "Shelling/artillery/missile attack",
        "actor1": "Military Forces of Syria (2000-)",
        "actor2": "",
        "latitude": 35.83,
        "longitude": 36.61,
        "location": "Ariha",
        "location_uncertainty_km": 0.0,
        "fatalities": 0,
        "initiator_known": True,
        "notes": "",
    }
    row.update(kw)
    return row


@pytest.fixture
def make_events() -> EventFactory:
    """``make_events(dict(...), dict(...))`` -> an events frame; each dict overrides defaults.

    Unless ``time_start``/``time_end`` are given, the window is the event_date's local day
    (Asia/Damascus) widened by ``days_before``/``days_after``.
    """

    def make(*rows: dict[str, Any]) -> pd.DataFrame:
        built = []
        for i, r in enumerate(rows):
            r = dict(r)
            before = r.pop("days_before", 0)
            after = r.pop("days_after", 0)
            row = _row(i, **r)
            if "time_start" not in r:
                day = pd.Timestamp(row["event_date"])
                s, e = day_window(
                    pd.Series([(day - pd.Timedelta(days=before)).date().isoformat()]),
                    pd.Series([(day + pd.Timedelta(days=after)).date().isoformat()]),
                )
                row["time_start"], row["time_end"] = s.iloc[0], e.iloc[0]
            else:
                row["time_start"] = pd.Timestamp(row["time_start"])
                row["time_end"] = pd.Timestamp(row.get("time_end", row["time_start"]))
            built.append(row)
        return normalise_events(pd.DataFrame(built))

    return make


@pytest.fixture
def writes_before_v11(monkeypatch: pytest.MonkeyPatch) -> None:
    """Event writes as versions before schema 11 made them, for tests that build an older
    store with today's code: no ``events.worst`` colours and no ``store_state`` counter (both
    arrive with migration 11, which computes them)."""
    from ceasefire.store import ingest

    monkeypatch.setattr(ingest, "events_written", lambda conn, uids: None)


@pytest.fixture
def box_zones() -> dict[str, Zone]:
    """Simple stand-ins with the bundled ids: a 1-degree area, an east-west route through it, and
    a DMZ band along the area's southern edge."""
    area = shapely.box(36.0, 35.3, 37.0, 36.3)
    route = shapely.LineString([(36.8, 35.8), (36.2, 35.8)])
    dmz = shapely.box(36.0, 35.3, 37.0, 35.45)
    return {
        "idlib-de-escalation-area": Zone(
            "idlib-de-escalation-area", "test area", "area", area, None, "test"
        ),
        "m4-trumba-ain-al-havr": Zone(
            "m4-trumba-ain-al-havr", "test M4", "route", route, None, "test"
        ),
        "sochi-dmz": Zone("sochi-dmz", "test DMZ", "area", dmz, None, "test"),
    }


@pytest.fixture(scope="session")
def dashboard_demo_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A store holding what ``ceasefire demo`` builds (the Idlib case, every verdict), built once
    per test session for the dashboard's page and browser tests. Treat it as read-only."""
    from ceasefire.monitoring import run_demo
    from ceasefire.store import open_store

    path = tmp_path_factory.mktemp("dashboard") / "demo.db"
    store = open_store(path)
    try:
        run_demo(store)
    finally:
        store.close()
    return str(path)


# ------------------------------------------------------------ both stores (issue 11)

#: The stores the store, API and web tests run on: the embedded SQLite default and the team
#: server's PostgreSQL + PostGIS (a throwaway cluster, tests/pg_cluster.py).
STORES = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def pg_cluster() -> Any:
    """A PostgreSQL 15 + PostGIS 3 cluster for the session (started on first use)."""
    from pg_cluster import Cluster, missing

    why = missing()
    if why:
        pytest.fail(why)
    cluster = Cluster()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="module", params=STORES)
def store_kind(request: pytest.FixtureRequest) -> str:
    """Which store a module's tests run on: each test runs once on each (module by module, so
    a module's shared store is built once per kind)."""
    return str(request.param)


@pytest.fixture(scope="module")
def new_store(
    store_kind: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Callable[..., str]:
    """Make a new, empty store of the test's kind: ``new_store("name")`` is the path of a new
    SQLite file, or the URL of a new PostgreSQL database (PostGIS on)."""
    folder = tmp_path_factory.mktemp("stores")
    count = iter(range(1, 1_000_000))

    def make(name: str = "store") -> str:
        if store_kind == "sqlite":
            return str(folder / f"{name}-{next(count)}.db")
        cluster = request.getfixturevalue("pg_cluster")
        return str(cluster.database())

    return make


@pytest.fixture(scope="session")
def pg_demo_db(pg_cluster: Any) -> str:
    """What ``ceasefire demo`` builds, on PostgreSQL, once per session. Treat it as read-only
    (:func:`demo_store` gives private copies)."""
    from ceasefire.monitoring import run_demo
    from ceasefire.store import open_store

    url = str(pg_cluster.database("demo"))
    store = open_store(url)
    try:
        run_demo(store)
    finally:
        store.close()
    return url


@pytest.fixture(scope="module")
def demo_store(
    store_kind: str,
    dashboard_demo_db: str,
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> str:
    """A module's own copy of the demo store, of the module's kind (SQLite, then PostgreSQL):
    its path or URL."""
    if store_kind == "sqlite":
        import shutil

        path = tmp_path_factory.mktemp("demo") / "demo.db"
        shutil.copyfile(dashboard_demo_db, path)
        return str(path)
    from pg_cluster import copy_database

    return copy_database(request.getfixturevalue("pg_demo_db"))


@pytest.fixture(scope="module")
def base_db(new_store: Callable[..., str]) -> Any:
    """The API tests' small store (tests/web_api_store.py), SQLite then PostgreSQL; a module
    may define its own."""
    from web_api_store import build

    return build(new_store("base"))


@pytest.fixture
def db(base_db: Any, tmp_path: Path) -> Any:
    """A test's private copy of :func:`base_db` (it may write)."""
    from web_api_store import copy

    return copy(base_db, tmp_path / "w.db")


@pytest.fixture
def app(db: Any) -> Any:
    """The workspace app over :func:`db`, its store closed afterwards."""
    from ceasefire.web import create_app

    app = create_app(db)
    yield app
    app.state.store.close()


@pytest.fixture
def provider() -> Iterator[Any]:
    """A fake provider's API on loopback (``tests/fetch_server.py``), closed after the test;
    a test file that routes its own answers from the start overrides it."""
    from fetch_server import FakeProvider

    p = FakeProvider()
    yield p
    p.close()
