"""Schema 16 on both stores: a version-15 store migrates with its events current, fetch runs
recorded and resumed, events withdrawn (kept, not evidence), attributions kept."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from ceasefire.store import LATEST, MIGRATIONS, migrate, open_store
from ceasefire.store.engine import create_store_engine
from ceasefire.store.fetches import (
    Attribution,
    attributions,
    fail_run,
    fetch_state,
    finish_run,
    put_attribution,
    save_cursor,
    start_run,
    withdraw_events,
    withdrawn_events,
)


def test_version_16_round_trip(new_store: Callable[..., str]) -> None:
    url = new_store("v15")
    engine = create_store_engine(url)
    try:
        migrate(engine, [m for m in MIGRATIONS if m.version <= 15])
    finally:
        engine.dispose()
    with open_store(url) as store:  # opening it applies version 16
        assert LATEST == 16
        frame = pd.DataFrame(
            {
                "event_uid": ["acled:A1", "acled:A2"],
                "event_date": ["2020-03-06", "2020-03-07"],
                "source_dataset": ["acled", "acled"],
            }
        )
        store.add_events(frame)
        engine = store.engine
        key = "acled:country=Syria"
        assert start_run(engine, "acled", key, {"page": 1}).cursor == {"page": 1}
        save_cursor(engine, "acled", key, {"page": 3}, rows=4)
        fail_run(engine, "acled", key, "FetchError: HTTP 500\nagain")
        resumed = start_run(engine, "acled", key, {"page": 1})
        assert (resumed.cursor, resumed.rows_fetched) == ({"page": 3}, 4)
        finish_run(engine, "acled", key, {"timestamp": 17}, rows=9)
        state = fetch_state(engine, "acled", key)
        assert state is not None and (state.status, state.high_water) == ("done", {"timestamp": 17})
        assert state.last_success_at is not None and state.last_success_at.endswith("Z")
        assert withdraw_events(engine, ["acled:A2"], reason="deleted by ACLED") == 1
        assert withdrawn_events(engine) == ["acled:A2"]
        assert store.count_events() == 1 and store.events()["event_uid"].tolist() == ["acled:A1"]
        assert store.evidence_span() == ("2020-03-06", "2020-03-06")
        put_attribution(engine, Attribution("acled", "ACLED", "terms", "cite ACLED"))
        put_attribution(engine, Attribution("acled", "ACLED", "terms", "cite ACLED, 2026"))
        assert attributions(engine)["acled"].citation == "cite ACLED, 2026"


def test_withdrawn_at_the_deletion_time_and_reinstated_when_served_newer(
    new_store: Callable[..., str],
) -> None:
    from ceasefire.store.fetches import reinstate_events, withdrawn_event

    with open_store(new_store("reinstate")) as store:
        frame = pd.DataFrame(
            {
                "event_uid": ["acled:B1", "acled:B2"],
                "event_date": ["2020-03-06", "2020-03-07"],
                "source_dataset": ["acled", "acled"],
                "fatalities": [1, 2],
            }
        )
        store.add_events(frame)
        engine = store.engine
        times = {"acled:B1": "2023-11-16T02:08:20+00:00", "acled:B2": "2023-11-16T02:08:20Z"}
        assert withdraw_events(engine, list(times), reason="deleted by ACLED", times=times) == 2
        gone = withdrawn_event(engine, "acled:B1")
        assert gone is not None and gone.withdrawn_at.startswith("2023-11-16T02:08:20")
        assert gone.event["fatalities"].tolist() == [1] and gone.versions.empty
        assert withdrawn_event(engine, "acled:B9") is None
        # B1 served again, written after its deletion; B2's row is older than its deletion
        back = reinstate_events(
            engine,
            {"acled:B1": "2023-11-17T00:00:00Z", "acled:B2": "2023-11-15T00:00:00Z"},
            reason="served again",
        )
        assert back == ["acled:B1"] and withdrawn_events(engine) == ["acled:B2"]
        assert store.events(uids=["acled:B1"])["version"].tolist() == [2]
        assert store.event_versions("acled:B1")["version"].tolist() == [1]
        # the same deletion asked again (an overlapping window) is not applied again
        assert withdraw_events(engine, ["acled:B1"], reason="deleted by ACLED", times=times) == 0
        # a new deletion is
        later = {"acled:B1": "2023-12-01T00:00:00Z"}
        assert withdraw_events(engine, ["acled:B1"], reason="deleted by ACLED", times=later) == 1


def test_a_restart_leaves_the_cursor_of_an_unfinished_run(new_store: Callable[..., str]) -> None:
    with open_store(new_store("restart")) as store:
        engine, key = store.engine, "ucdp:25.0.8"
        start_run(engine, "ucdp_ged", key, {"page": 0})
        save_cursor(engine, "ucdp_ged", key, {"page": 2}, rows=2000)
        fail_run(engine, "ucdp_ged", key, "KeyboardInterrupt")
        state = start_run(engine, "ucdp_ged", key, {"page": 0}, restart=True)
        assert (state.status, state.cursor, state.rows_fetched) == ("running", {"page": 0}, 0)
