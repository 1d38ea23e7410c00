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
