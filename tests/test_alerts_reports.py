"""Scheduled situation reports reach their readers: a ``situation_report`` alert rule sends
each report saved to the workspace once, by e-mail (a real aiosmtpd server on loopback) or
webhook (a real HTTP receiver), after ``ceasefire report --save`` (what cron runs) and after
``POST /api/situation-reports``; reports saved before the rule are not sent."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from alert_receivers import Receiver, SmtpServer
from click.testing import CliRunner
from fastapi.testclient import TestClient
from web_api_store import bearer

from ceasefire import monitoring
from ceasefire.cli import cli
from ceasefire.errors import InputError
from ceasefire.store import open_store, workspace
from ceasefire.web import create_app

BASE = "https://monitor.example.org"


def _cli(*args: str, env: dict[str, str] | None = None) -> str:
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _report(db: str, day: str, env: dict[str, str] | None = None) -> str:
    return _cli(
        "report", "--agreement", "sochi-2018", "--period", "week", "--date", day,
        "--save", "--db", db, env=env,
    )  # fmt: skip


def test_each_saved_report_is_sent_once(new_store: Callable[..., str]) -> None:
    db = new_store("report-alerts")
    with open_store(db) as store:
        monitoring.seed_bundled(store)
    _report(db, "2019-07-10")  # before the rule: never sent
    with Receiver() as hook, SmtpServer() as smtp:
        env = smtp.env()
        said = _cli(
            "alerts", "add", "weekly", "--kind", "situation_report", "--agreement",
            "sochi-2018", "--period", "week", "--base-url", BASE + "/",
            "--email", "mission@example.org", "--db", db,
        )  # fmt: skip
        assert "a situation report saved to the workspace (sochi-2018, week)" in said
        assert "1 subjects match already" in said
        _cli("alerts", "add", "hook", "--kind", "situation_report", "--webhook", hook.url,
             "--db", db)  # fmt: skip

        out = _report(db, "2019-07-17", env=env)
        assert "alerts: 2 sent" in out
        [mail] = smtp.messages
        assert mail["to"] == ["mission@example.org"]
        assert "situation report: sochi-2018, week 2019-07-15 to 2019-07-21 (en)" in mail["data"]
        [got] = hook.requests
        report_id = got["json"]["details"]["id"]
        assert f"read it: {BASE}/situation-reports/{report_id}" in mail["data"]
        assert got["json"]["details"]["url"] == f"/situation-reports/{report_id}"
        assert got["json"]["subject"] == f"report:{report_id}"

        # the same report saved again is unchanged: nothing new, nothing sent again
        again = _report(db, "2019-07-17", env=env)
        assert "unchanged, already saved" in again and "alerts:" not in again
        assert "0 sent" in _cli("alerts", "run", "--db", db, env=env)
        assert len(smtp.messages) == 1 and len(hook.requests) == 1

        # a month's report is not the weekly rule's; the catch-all rule sends it
        _cli("report", "--agreement", "sochi-2018", "--period", "month", "--date", "2019-07-01",
             "--save", "--db", db, env=env)  # fmt: skip
        assert len(smtp.messages) == 1 and len(hook.requests) == 2


def test_a_report_generated_in_the_workspace_is_sent(new_store: Callable[..., str]) -> None:
    db = new_store("report-alerts-web")
    with open_store(db) as store:
        monitoring.seed_bundled(store)
        workspace.add_user(store.engine, "ana", "analyst", "a-long-passphrase-1", actor=None)
    with Receiver() as hook:
        _cli("alerts", "add", "hook", "--kind", "situation_report", "--webhook", hook.url,
             "--db", db)  # fmt: skip
        app = create_app(db)
        try:
            client = TestClient(app)
            body = {"agreement_id": "sochi-2018", "period": "day", "date": "2019-07-10"}
            r = client.post("/api/situation-reports", json=body, headers=bearer(app, "ana"))
            assert r.status_code == 201, r.text
        finally:
            app.state.store.close()
        assert hook.subjects() == [f"report:{r.json()['id']}"]


@pytest.mark.parametrize(
    ("param", "value"),
    [("period", "year"), ("language", "Arabic!"), ("base_url", "javascript:alert(1)")],
)
def test_bad_parameters_are_named(new_store: Callable[..., str], param: str, value: str) -> None:
    from ceasefire import alerts

    db = new_store("report-alerts-bad")
    with open_store(db) as store, pytest.raises(InputError) as e:
        monitoring.seed_bundled(store)
        alerts.add_rule(store, "r", "situation_report", {param: value}, "email", "ops@example.org")
    assert e.value.field == param and e.value.value == value


def test_version_15_lets_a_version_12_store_keep_situation_report_rules(
    new_store: Callable[..., str],
) -> None:
    """A store at version 14 (alert rules of version 12's kinds) goes to 15 with its rules,
    and then takes a ``situation_report`` rule; another kind is still refused by the store."""
    from sqlalchemy import insert, select
    from sqlalchemy.exc import IntegrityError

    from ceasefire.store import schema
    from ceasefire.store.engine import create_store_engine
    from ceasefire.store.migrations import LATEST, MIGRATIONS, migrate

    engine = create_store_engine(new_store("v14"))
    row = {"params": "{}", "channel": "email", "target": "ops@example.org"}
    at = "2020-03-06T00:00:00Z"
    try:
        migrate(engine, [m for m in MIGRATIONS if m.version <= 14])
        with engine.begin() as conn:
            conn.execute(
                insert(schema.alert_rules),
                [{"name": "old", "kind": "violation", "created_at": at, **row}],
            )
        assert migrate(engine) == list(range(15, LATEST + 1))
        with engine.begin() as conn:
            conn.execute(
                insert(schema.alert_rules),
                [{"name": "new", "kind": "situation_report", "created_at": at, **row}],
            )
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(
                insert(schema.alert_rules),
                [{"name": "bad", "kind": "nonsense", "created_at": at, **row}],
            )
        with engine.connect() as conn:
            names = conn.execute(select(schema.alert_rules.c.name)).scalars().all()
        assert sorted(names) == ["new", "old"]
    finally:
        engine.dispose()
