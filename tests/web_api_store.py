"""A small real store for the API tests: the bundled agreements and zones, 40 events in and
around the Idlib area (and one in Damascus) evaluated by the real engine, and a user per role."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pandas as pd

from ceasefire import monitoring
from ceasefire.events import day_window, normalise_events
from ceasefire.store import open_store, workspace

PASSWORDS = {
    "admin": "admin-pass-1",
    "analyst": "analyst-pass-1",
    "monitor": "monitor-pass-1",
    "monitor2": "monitor2-pass-1",
    "viewer": "viewer-pass-1",
}
ROLE_OF = {"monitor2": "monitor"}

SCRIPT = "<script>alert('x')</script>"

# (lon, lat, place): Ariha and Saraqib on the M4, Maarat al-Numan in the area, Damascus outside
PLACES = [
    (36.61, 35.83, "Ariha"),
    (36.80, 35.86, "Saraqib"),
    (36.67, 35.65, "Maarat al-Numan"),
    (36.29, 33.51, "Damascus"),
]
ACTORS = [
    "Military Forces of Syria (2000-)",
    "Hayat Tahrir al-Sham",
    "Military Forces of Turkey (2016-)",
    "O'Brien; DROP TABLE events; --",
]
TYPES = ["Explosions/Remote violence", "Battles", "Protests"]


def _rows() -> list[dict[str, Any]]:
    rows = []
    days = pd.date_range("2019-01-05", "2020-06-20", periods=40)
    for i, day in enumerate(days):
        lon, lat, place = PLACES[i % len(PLACES)]
        rows.append(
            {
                "event_uid": f"test:{i}",
                "source_dataset": "test" if i % 5 else "other",
                "source_row_id": str(i),
                "source_file": "test.csv",
                "source_line": i + 2,
                "event_date": day.date().isoformat(),
                "time_precision": 1,
                "event_type": TYPES[i % len(TYPES)],
                "actor1": ACTORS[i % len(ACTORS)],
                "actor2": "Civilians (Syria)",
                "latitude": lat,
                "longitude": lon,
                "location": place,
                "location_uncertainty_km": 0.5,
                "fatalities": i % 7,
                "initiator_known": True,
                "notes": SCRIPT if i == 3 else f"event {i}",
            }
        )
    return rows


#: A field report seen inside the de-escalation area (both agreements judge it), with no
#: bearing: the observer's own position is the event's.
SEEN_REPORT: dict[str, Any] = {
    "observed_at": "2020-03-07T10:30:00+02:00",
    "latitude": 35.83,
    "longitude": 36.61,
    "observation": "seen",
    "event_type": "Explosions/Remote violence",
}


def field_report(**changes: Any) -> dict[str, Any]:
    """A field report's body as the API takes it: a monitor 0-1 km west of explosions heard
    near Ariha on 2020-03-07 (``changes`` replace or add fields)."""
    return {
        "observed_at": "2020-03-07T10:30:00+02:00",
        "latitude": 35.83,
        "longitude": 36.61,
        "observation": "heard",
        "event_type": "Explosions/Remote violence",
        "bearing_deg": 90,
        "distance_band": "0-1km",
        **changes,
    }


def events_frame() -> pd.DataFrame:
    """The test events, as an events frame."""
    frame = pd.DataFrame(_rows())
    start, end = day_window(frame["event_date"], frame["event_date"])
    frame["time_start"], frame["time_end"] = start, end
    return normalise_events(frame)


def build(path: Path | str) -> Any:
    """Build the store at ``path`` (an SQLite path, or a PostgreSQL URL), closed when
    returned; returns ``path``."""
    with open_store(path) as store:
        monitoring.seed_bundled(store)
        store.add_events(events_frame())
        monitoring.evaluate_store(store)
        for name, password in PASSWORDS.items():
            workspace.add_user(store.engine, name, ROLE_OF.get(name, name), password, actor=None)
    return path


def copy(base: Path | str, to: Path) -> Any:
    """A private copy of a built store (for tests that write): a copy of the SQLite file at
    ``to``, or of a PostgreSQL database (a new database; ``to`` is not used)."""
    if "://" in str(base) and not str(base).startswith("sqlite"):
        from pg_cluster import copy_database

        return copy_database(str(base))
    shutil.copyfile(base, to)
    return to


def bearer(app: Any, name: str) -> dict[str, str]:
    """An ``Authorization`` header with a new token of the stored user ``name``."""
    engine = app.state.store.engine
    user = workspace.user_by_name(engine, name)
    assert user is not None
    return {"Authorization": "Bearer " + workspace.create_token(engine, user)}
