"""Alert rules and deliveries as stored (schema version 12, issue 12), on both stores: the
upgrade from version 11, the unique delivery key, and the claim that keeps a subject from being
sent twice (a held claim, a retry not yet due, a claim whose process died)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import insert, inspect
from sqlalchemy.exc import IntegrityError

from ceasefire.store import alerts as stored
from ceasefire.store import open_store, schema, workspace
from ceasefire.store.engine import create_store_engine
from ceasefire.store.migrations import LATEST, MIGRATIONS, migrate

T0 = stored.T0
RULE = {
    "name": "r",
    "kind": "violation",
    "params": {"zone": "sochi-dmz"},
    "channel": "webhook",
    "target": "http://127.0.0.1:9/hook",
}


def test_version_12_upgrades_a_version_11_store(new_store: Callable[..., str]) -> None:
    url = new_store("v11")
    engine = create_store_engine(url)
    try:
        assert migrate(engine, MIGRATIONS[:11])[-1] == 11
        assert "alert_rules" not in inspect(engine).get_table_names()
        assert migrate(engine) == list(range(12, LATEST + 1))
        assert {"alert_rules", "alert_deliveries"} <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    with open_store(url) as store:  # and it works there
        rule_id = stored.add_rule(store.engine, RULE, actor=None)
        assert stored.claim(store.engine, rule_id, "event:e", "webhook", {}, now=T0, lease_s=60)


def test_the_delivery_key_is_unique(new_store: Callable[..., str]) -> None:
    with open_store(new_store("unique")) as store:
        rule_id = stored.add_rule(store.engine, RULE, actor=None)
        row = {
            "rule_id": rule_id,
            "subject": "event:e",
            "channel": "webhook",
            "status": "sent",
            "message": "{}",
            "created_at": "2020-03-06T00:00:00Z",
        }
        with store.engine.begin() as conn:
            conn.execute(insert(schema.alert_deliveries).values(**row))
        with pytest.raises(IntegrityError), store.engine.begin() as conn:
            conn.execute(insert(schema.alert_deliveries).values(**row))


def test_a_subject_is_claimed_once_and_again_only_when_it_may_be(
    new_store: Callable[..., str],
) -> None:
    with open_store(new_store("claims")) as store:
        e = store.engine
        rule_id = stored.add_rule(e, RULE, actor=None, baseline=[("event:old", {"title": "t"})])
        assert stored.claim(e, rule_id, "event:old", "webhook", {}, now=T0, lease_s=60) is None
        c = stored.claim(e, rule_id, "event:e", "webhook", {"title": "first"}, now=T0, lease_s=60)
        assert c is not None
        # held by a live process: nobody else takes it
        assert stored.claim(e, rule_id, "event:e", "webhook", {}, now=T0, lease_s=60) is None
        retry = T0 + timedelta(minutes=1)
        stored.record_attempt(
            e, c, ok=False, error="HTTP 500", now=T0, next_attempt_at=retry, audit={}
        )
        assert stored.claim(e, rule_id, "event:e", "webhook", {}, now=T0, lease_s=60) is None
        assert stored.due_again(e, [rule_id], now=T0, lease_s=60) == []
        waiting = {"event:old", "event:e"}  # its retry is not due: a run takes no lock for it
        assert stored.settled_subjects(e, rule_id, "webhook", now=T0, lease_s=60) == waiting
        assert stored.settled_subjects(e, rule_id, "webhook", now=retry, lease_s=60) == {
            "event:old"
        }
        assert stored.due_again(e, [rule_id], now=retry, lease_s=60) == [
            (rule_id, "event:e", "webhook")
        ]
        again = stored.claim(
            e, rule_id, "event:e", "webhook", {"title": "new"}, now=retry, lease_s=60
        )
        assert again is not None and again.message == {"title": "first"}  # the same message
        assert again.attempts == 1
        # its process dies holding the claim: after the lease another run may take it
        late = retry + timedelta(seconds=61)
        assert stored.claim(e, rule_id, "event:e", "webhook", {}, now=retry, lease_s=60) is None
        taken = stored.claim(e, rule_id, "event:e", "webhook", {}, now=late, lease_s=60)
        assert taken is not None
        stored.record_attempt(
            e, taken, ok=True, error=None, now=late, next_attempt_at=None, audit={}
        )
        assert stored.claim(e, rule_id, "event:e", "webhook", {}, now=late, lease_s=60) is None
        assert stored.settled_subjects(e, rule_id, "webhook") == {"event:old", "event:e"}
        counts = stored.last_deliveries(e)[rule_id]
        assert (counts["sent"], counts["baseline"], counts["last"]["subject"]) == (1, 1, "event:e")


def test_an_attempt_recorded_after_its_claim_was_taken_over_changes_nothing(
    new_store: Callable[..., str],
) -> None:
    """A send slower than the lease: another run took the delivery over and sent it; the slow
    one's failure must not turn ``sent`` back into ``failed`` (a second copy would follow)."""
    with open_store(new_store("late")) as store:
        e = store.engine
        rule_id = stored.add_rule(e, RULE, actor=None)
        slow = stored.claim(e, rule_id, "event:e", "webhook", {"t": 1}, now=T0, lease_s=60)
        assert slow is not None
        late = T0 + timedelta(seconds=61)
        fast = stored.claim(e, rule_id, "event:e", "webhook", {}, now=late, lease_s=60)
        assert fast is not None and fast.token != slow.token
        stored.record_attempt(
            e, fast, ok=True, error=None, now=late, next_attempt_at=None, audit={}
        )
        stored.record_attempt(
            e, slow, ok=False, error="timed out", now=late, next_attempt_at=late, audit={}
        )
        [row] = stored.deliveries(e, rule_id)
        assert (row["status"], row["attempts"], row["last_error"]) == ("sent", 1, None)
        assert (
            stored.claim(
                e, rule_id, "event:e", "webhook", {}, now=late + timedelta(days=1), lease_s=60
            )
            is None
        )
        audited = [
            r["changes"]
            for r in workspace.audit_rows(e, limit=10)["items"]
            if r["action"] == "alert.delivery"
        ]
        assert sorted((a["outcome"], a["still_ours"]) for a in audited) == [
            ("failed", False),
            ("sent", True),
        ]
