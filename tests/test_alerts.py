"""Alerts end to end (issue 12), on both stores: rules fire after an ingest, an evaluation and a
field report, through a real SMTP server (aiosmtpd) and a real webhook receiver on loopback;
nothing is sent twice (reruns, two processes at once); retries; an SMTP server that is down
fails nothing; no secret reaches a log, an audit row or the CLI's output.

The evidence is CONSTRUCTED (events made by the test, an ACLED-format row written by the test),
judged against the bundled agreements and zones."""

from __future__ import annotations

import email
import email.policy
import json
import logging
import re
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from alert_receivers import Receiver, SmtpServer, acled_row, free_port, write_acled
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import select
from web_api_store import bearer, build, field_report

from ceasefire import alerts, monitoring
from ceasefire.alerts.channels import load_config, signature
from ceasefire.cli import cli
from ceasefire.store import alerts as stored_alerts
from ceasefire.store import open_store, schema, workspace
from ceasefire.web import create_app

AREA = "idlib-de-escalation-area"
CORRIDOR = "moscow-2020/m4-security-corridor"
SECRET = "whsec-3f9a1c77e2"  # a webhook signing secret made up for these tests
FAST = alerts.AlertSettings(backoff_s=0.01)


def _cli(*args: str, env: dict[str, str] | None = None, code: int = 0) -> str:
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


def _events(make_events: Callable[..., pd.DataFrame]) -> pd.DataFrame:
    """CONSTRUCTED events after the Moscow ceasefire (6 March 2020): test:0, shelling in Ariha
    with 12 deaths (a violation in the area and the M4 corridor); test:1, one death, located
    only within 8 km of a point south-west of Ariha (a possible violation in the corridor);
    test:2, 3 deaths north of Ariha (a violation in the area)."""
    return make_events(
        {"fatalities": 12},
        {"fatalities": 1, "location_uncertainty_km": 8.0, "latitude": 35.80, "longitude": 36.55},
        {"fatalities": 3, "latitude": 35.95, "longitude": 36.63},
    )


def _deliveries(db: str) -> list[dict[str, Any]]:
    with open_store(db) as store, store.engine.connect() as conn:
        rows = conn.execute(select(schema.alert_deliveries)).mappings()
        return [dict(r) for r in rows]


def _audit(db: str, action: str = "alert.delivery") -> list[dict[str, Any]]:
    with open_store(db) as store:
        items = workspace.audit_rows(store.engine, limit=1000)["items"]
    return [r for r in reversed(items) if r["action"] == action]


def _judged_before_stored(store: Any, path: Path) -> None:
    """Store the verdicts of a file evaluated without the store (an analyst's evaluation of a
    file, kept before the file itself is ingested): the verdicts name events not yet stored."""
    result, events, _ = monitoring.evaluate_file(path, "acled", "moscow-2020")
    mine = result.verdicts["agreement_id"] == "moscow-2020"
    duties = result.obligations[result.obligations["agreement_id"] == "moscow-2020"]
    store.put_evaluation(
        "moscow-2020", result.verdicts[mine], duties, n_events=len(events), settings={}
    )


# ------------------------------------------------------------------------------- the triggers


def test_rules_fire_after_an_evaluation_once(
    new_store: Callable[..., str], make_events: Callable[..., pd.DataFrame]
) -> None:
    db = new_store("evaluation")
    with open_store(db) as store:
        store.add_events(_events(make_events))
    with Receiver() as hook, SmtpServer() as smtp:
        env = smtp.env() | {"CEASEFIRE_WEBHOOK_SECRET": SECRET}
        area = ("--kind", "violation", "--zone", AREA, "--min-deaths", "10")
        said = _cli("alerts", "add", "deaths", *area, "--email", "ops@example.org", "--db", db)
        assert "a violation in idlib-de-escalation-area with at least 10 deaths" in said
        corridor = ("--kind", "possible_violation", "--zone", CORRIDOR, "--webhook", hook.url)
        _cli("alerts", "add", "corridor", *corridor, "--db", db)
        assert not hook.requests and not smtp.messages  # nothing judged yet

        out = _cli("evaluate", "--db", db, env=env)
        assert "alerts: 2 sent" in out

        assert hook.subjects() == ["event:test:1"]
        got = hook.requests[0]
        assert got["headers"]["x-ceasefire-signature"] == signature(got["body"], SECRET)
        assert got["json"]["details"]["verdict"] == "possible_violation"
        assert got["json"]["details"]["zone"] == CORRIDOR
        assert got["headers"]["x-ceasefire-delivery"] == str(got["json"]["delivery"])
        [mail] = smtp.messages
        assert mail["to"] == ["ops@example.org"]
        assert "Subject: [ceasefire] violation in idlib-de-escalation-area" in mail["data"]
        assert "12 deaths" in mail["data"] and "event: test:0" in mail["data"]
        assert "Message-ID: <ceasefire-alert-" in mail["data"]

        # reruns find the same subjects and send nothing again
        _cli("evaluate", "--db", db, env=env)
        assert "0 sent" in _cli("alerts", "run", "--db", db, env=env)
        assert len(hook.requests) == 1 and len(smtp.messages) == 1
    rows = _deliveries(db)
    assert sorted((r["subject"], r["status"], r["attempts"]) for r in rows) == [
        ("event:test:0", "sent", 1),
        ("event:test:1", "sent", 1),
    ]
    audited = _audit(db)
    assert [(a["user"], a["changes"]["outcome"]) for a in audited] == [(None, "sent")] * 2
    assert {a["changes"]["trigger"] for a in audited} == {"evaluation"}
    listed = _cli("alerts", "list", "--format", "json", "--db", db)
    assert {(r["name"], r["sent"], r["failed"]) for r in json.loads(listed)} == {
        ("corridor", 1, 0),
        ("deaths", 1, 0),
    }


def test_a_rule_fires_after_an_ingest(new_store: Callable[..., str], tmp_path: Path) -> None:
    db = new_store("ingest")
    acled = write_acled(
        tmp_path / "constructed.csv",
        acled_row("SYR99001", "2020-03-07", 12, 35.8126, 36.6104, "Ariha"),
    )
    with open_store(db) as store:
        _judged_before_stored(store, acled)
    with Receiver() as hook:
        with open_store(db) as store:
            _, already = alerts.add_rule(
                store, "deaths", "violation", {"zone": AREA, "min_deaths": 10}, "webhook", hook.url
            )
        assert already == 0  # the verdict's event is not stored: no deaths known yet
        out = _cli("ingest", "acled", str(acled), "--db", db)
        assert "alerts: 1 sent" in out
        assert hook.subjects() == ["event:acled:SYR99001"]
        assert hook.requests[0]["json"]["details"]["fatalities"] == 12
        _cli("ingest", "acled", str(acled), "--db", db)  # the same file again: nothing new
        assert len(hook.requests) == 1
    assert [a["changes"]["trigger"] for a in _audit(db)] == ["ingest"]


def test_a_rule_fires_after_a_field_report(new_store: Callable[..., str]) -> None:
    db = build(new_store("reports"))
    with Receiver() as hook:
        with open_store(db) as store:
            for kind in ("violation", "possible_violation"):  # whichever the report is
                alerts.add_rule(store, kind, kind, {"zone": AREA}, "webhook", hook.url)
        app = create_app(db)
        try:
            client = TestClient(app)
            r = client.post(
                "/api/reports", json=field_report(fatalities=4), headers=bearer(app, "monitor")
            )
            assert r.status_code == 201, r.text
            report = r.json()
        finally:
            app.state.store.close()
        assert hook.subjects() == [f"event:{report['event_uid']}"]
        details = hook.requests[0]["json"]["details"]
        # the alert shows the report's published position, never where the observer stood
        assert (details["latitude"], details["longitude"]) != (35.83, 36.61)
        published = {"latitude": 35.825, "longitude": 36.625}
        assert {k: round(details[k], 3) for k in published} == published
    assert [a["changes"]["trigger"] for a in _audit(db)] == ["field_report"]


def test_a_field_report_stands_when_its_alert_cannot_be_delivered(
    new_store: Callable[..., str],
) -> None:
    db = build(new_store("report-down"))
    nowhere = f"http://127.0.0.1:{free_port()}/hook"  # nothing listens there
    with open_store(db) as store:
        alerts.add_rule(store, "area", "violation", {"zone": AREA}, "webhook", nowhere)
    app = create_app(db)
    try:
        client = TestClient(app)
        r = client.post("/api/reports", json=field_report(), headers=bearer(app, "monitor"))
        assert r.status_code == 201, r.text
        uid = r.json()["event_uid"]
        assert client.get(f"/api/events/{uid}").status_code == 200  # stored, judged
    finally:
        app.state.store.close()
    [row] = [d for d in _deliveries(db) if d["status"] != "baseline"]  # the stored events'
    # one attempt: the web process never waits between retries (later runs retry)
    assert (row["subject"], row["status"], row["attempts"]) == (f"event:{uid}", "failed", 1)


def test_the_web_process_runs_one_alert_run_at_a_time(new_store: Callable[..., str]) -> None:
    """While a run is under way in the process, a field report's run is skipped, not queued
    behind it; the next run (cron's ``alerts run``) sends what is due."""
    db = build(new_store("report-busy"))
    with Receiver() as hook:
        with open_store(db) as store:
            for kind in ("violation", "possible_violation"):
                alerts.add_rule(store, kind, kind, {"zone": AREA}, "webhook", hook.url)
        app = create_app(db)
        try:
            client = TestClient(app)
            with alerts.delivery.WEB_RUN:  # another report's run is under way
                r = client.post(
                    "/api/reports", json=field_report(fatalities=4), headers=bearer(app, "monitor")
                )
                assert r.status_code == 201, r.text
            assert hook.requests == []
        finally:
            app.state.store.close()
        assert "1 sent" in _cli("alerts", "run", "--db", db)
        assert hook.subjects() == [f"event:{r.json()['event_uid']}"]


def test_a_run_past_its_time_budget_or_cap_leaves_the_rest_for_the_next(
    new_store: Callable[..., str], make_events: Callable[..., pd.DataFrame]
) -> None:
    db = new_store("budget")
    with open_store(db) as store:
        store.add_events(_events(make_events))
        monitoring.evaluate_store(store)
        with Receiver() as hook:
            alerts.add_rule(
                store, "area", "violation", {"zone": AREA}, "webhook", hook.url, existing=True
            )
            spent = alerts.run(store, settings=alerts.AlertSettings(budget_s=0.0))
            assert (spent.sent, spent.failed, spent.postponed) == (0, 0, 3)
            assert hook.requests == [] and _deliveries(db) == []
            capped = alerts.run(store, settings=alerts.AlertSettings(max_deliveries=2))
            assert (capped.sent, capped.postponed) == (2, 1)
            later = alerts.run(store, settings=FAST)
            assert (later.sent, later.postponed) == (1, 0)
            assert len(hook.requests) == 3


def test_rules_that_cannot_run_fail_no_evaluation(
    new_store: Callable[..., str], make_events: Callable[..., pd.DataFrame], tmp_path: Path
) -> None:
    """Settings that do not load (a broken TOML file): the evaluation is stored and says the
    rules did not run; the next run with good settings sends what was missed."""
    db = new_store("bad-settings")
    with open_store(db) as store:
        store.add_events(_events(make_events))
    broken = tmp_path / "alerts.toml"
    broken.write_text("[smtp\nhost = ", encoding="utf-8")
    with Receiver() as hook:
        with open_store(db) as store:
            alerts.add_rule(
                store, "c", "possible_violation", {"zone": CORRIDOR}, "webhook", hook.url
            )
        out = _cli("evaluate", "--db", db, env={"CEASEFIRE_ALERTS_CONFIG": str(broken)})
        assert "alert rules not run" in out
        with open_store(db) as store:
            assert store.count_unevaluated() == 0 and len(store.verdict_frame()) > 0
        assert hook.requests == []
        assert "1 sent" in _cli("alerts", "run", "--db", db)
        assert hook.subjects() == ["event:test:1"]


# ---------------------------------------------------------------------- once, retries, failures


def test_two_processes_running_the_rules_at_once_deliver_each_subject_once(
    new_store: Callable[..., str], make_events: Callable[..., pd.DataFrame]
) -> None:
    db = new_store("race")
    more = [{"fatalities": 1 + i, "latitude": 35.70 + i / 50, "longitude": 36.60} for i in range(5)]
    with open_store(db) as store:
        store.add_events(make_events(*more))
        monitoring.evaluate_store(store)
    with Receiver(delay_s=0.2) as hook:  # slow: both processes are sending at the same time
        with open_store(db) as store:
            alerts.add_rule(
                store, "all", "violation", {"zone": AREA}, "webhook", hook.url, existing=True
            )
        command = [sys.executable, "-c", "from ceasefire.cli import main; main()"]
        runs = [
            subprocess.Popen(
                [*command, "alerts", "run", "--db", db],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for _ in range(2)
        ]
        outs = [p.communicate(timeout=120)[0] for p in runs]
        assert [p.returncode for p in runs] == [0, 0], outs
        subjects = hook.subjects()
    assert sorted(subjects) == sorted(f"event:test:{i}" for i in range(5))  # each once
    assert sum(int(o.split(": ")[1].split(" sent")[0]) for o in outs) == 5
    assert {r["status"] for r in _deliveries(db)} == {"sent"}


def test_two_evaluations_at_once_deliver_each_subject_once(
    new_store: Callable[..., str], make_events: Callable[..., pd.DataFrame]
) -> None:
    """Two ``ceasefire evaluate`` processes on one store, each running the rules after it
    stored its verdicts."""
    db = new_store("evaluators")
    more = [{"fatalities": 1 + i, "latitude": 35.70 + i / 50, "longitude": 36.60} for i in range(4)]
    with open_store(db) as store:
        store.add_events(make_events(*more))
    with Receiver(delay_s=0.3) as hook:
        with open_store(db) as store:
            alerts.add_rule(store, "all", "violation", {"zone": AREA}, "webhook", hook.url)
        command = [sys.executable, "-c", "from ceasefire.cli import main; main()"]
        runs = [
            subprocess.Popen(
                [*command, "evaluate", "--db", db],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for _ in range(2)
        ]
        outs = [p.communicate(timeout=300)[0] for p in runs]
        assert [p.returncode for p in runs] == [0, 0], outs
        subjects = hook.subjects()
    assert sorted(subjects) == sorted(f"event:test:{i}" for i in range(4))  # each once
    said = [re.search(r"alerts: (\d+) sent", o) for o in outs]
    assert sum(int(m[1]) for m in said if m) == 4
    assert {r["status"] for r in _deliveries(db)} == {"sent"}


def test_a_receiver_that_fails_twice_gets_the_alert_on_the_third_attempt(
    new_store: Callable[..., str], make_events: Callable[..., pd.DataFrame]
) -> None:
    db = new_store("retries")
    with open_store(db) as store:
        store.add_events(_events(make_events))
        monitoring.evaluate_store(store)
        with Receiver(fail=2) as hook:
            alerts.add_rule(
                store,
                "corridor",
                "possible_violation",
                {"zone": CORRIDOR},
                "webhook",
                hook.url,
                existing=True,
            )
            report = alerts.run(store, settings=FAST)
            assert (report.sent, report.failed) == (1, 0)
            assert hook.subjects() == ["event:test:1"] * 3
            assert len({r["headers"]["x-ceasefire-delivery"] for r in hook.requests}) == 1
    [row] = _deliveries(db)
    assert (row["status"], row["attempts"], row["last_error"]) == ("sent", 3, None)
    outcomes = [(a["changes"]["attempt"], a["changes"]["outcome"]) for a in _audit(db)]
    assert outcomes == [(1, "failed"), (2, "failed"), (3, "sent")]
    assert "HTTP 500" in _audit(db)[0]["changes"]["error"]


def test_an_smtp_server_that_is_down_fails_nothing_and_a_later_run_delivers(
    new_store: Callable[..., str], tmp_path: Path
) -> None:
    db = new_store("smtp-down")
    acled = write_acled(
        tmp_path / "constructed.csv",
        acled_row("SYR99002", "2020-03-08", 15, 35.8126, 36.6104, "Ariha"),
    )
    with open_store(db) as store:
        _judged_before_stored(store, acled)
        alerts.add_rule(
            store,
            "deaths",
            "violation",
            {"zone": AREA, "min_deaths": 10},
            "email",
            "ops@example.org",
        )
    down = SmtpServer(free_port())  # not started: nothing listens on its port
    out = _cli("ingest", "acled", str(acled), "--db", db, env=down.env())
    assert "0 sent, 1 not delivered" in out
    with open_store(db) as store:
        assert store.count_events() == 1  # the ingest committed
        assert store.ingests()["status"].tolist() == ["done"]
    [row] = _deliveries(db)
    assert (row["status"], row["attempts"]) == ("failed", 3)
    assert "Connection refused" in row["last_error"] or "refused" in row["last_error"].lower()
    assert [a["changes"]["outcome"] for a in _audit(db)] == ["failed"] * 3

    config = load_config(down.env())
    with down, open_store(db) as store:
        early = alerts.run(store, config=config, settings=FAST)  # its retry is not due yet
        assert (early.sent, early.failed, down.messages) == (0, 0, [])
        later = alerts.AlertSettings(
            backoff_s=0.01, now=lambda: datetime.now(UTC) + timedelta(minutes=10)
        )
        report = alerts.run(store, config=config, settings=later)
        assert (report.sent, report.failed) == (1, 0)
        [mail] = down.messages
        assert "15 deaths" in mail["data"]
    [row] = _deliveries(db)
    assert (row["status"], row["attempts"]) == ("sent", 4)


# ---------------------------------------------------------------------------------- secrets


def test_no_secret_reaches_a_log_an_audit_row_or_the_output(
    new_store: Callable[..., str],
    make_events: Callable[..., pd.DataFrame],
    caplog: pytest.LogCaptureFixture,
) -> None:
    password = "pw-8d1e5b0c-smtp"  # made up for this test
    token = "tok-55a0c3e1"  # a token in a webhook URL's query, as some services issue them
    path_token = "XXXXpath7c21e9"  # a token in the path, as Slack, Discord, Mattermost issue
    db = new_store("secrets")
    with open_store(db) as store:
        store.add_events(_events(make_events))
        monitoring.evaluate_store(store)
    caplog.set_level(logging.DEBUG)
    with Receiver(fail=1) as hook, SmtpServer(login=("alerts", password)) as smtp:
        env = smtp.env() | {"CEASEFIRE_SMTP_USER": "alerts", "CEASEFIRE_WEBHOOK_SECRET": SECRET}
        url = f"{hook.url}/services/T0001/B0001/{path_token}?token={token}"
        with open_store(db) as store:
            alerts.add_rule(
                store,
                "mail",
                "violation",
                {"zone": AREA, "min_deaths": 10},
                "email",
                "ops@example.org",
                existing=True,
            )
            alerts.add_rule(
                store,
                "hook",
                "possible_violation",
                {"zone": CORRIDOR},
                "webhook",
                url,
                existing=True,
            )
            wrong = load_config(env | {"CEASEFIRE_SMTP_PASSWORD": password[::-1]})
            first = alerts.run(
                store, config=wrong, settings=alerts.AlertSettings(attempts=1, retry_after_s=0)
            )
            assert (first.sent, first.failed) == (0, 2)  # a wrong password; a 500
            right = load_config(env | {"CEASEFIRE_SMTP_PASSWORD": password})
            again = alerts.run(store, config=right, settings=FAST)
            assert (again.sent, again.failed) == (2, 0)
            assert password not in repr(right) and SECRET not in repr(right)
        assert len(smtp.messages) == 1  # it logged in: the server takes no mail otherwise
        assert hook.requests[-1]["headers"]["x-ceasefire-signature"] == signature(
            hook.requests[-1]["body"], SECRET
        )
        listed = _cli("alerts", "list", "--db", db) + _cli(
            "alerts", "list", "--format", "json", "--db", db
        )
        tested = _cli("alerts", "test", "hook", "--db", db, env=env)
        assert "delivered" in tested
    with open_store(db) as store, store.engine.connect() as conn:
        stored = "\n".join(
            str(tuple(row))
            for table in (schema.audit_log, schema.alert_rules, schema.alert_deliveries)
            for row in conn.execute(select(table))
        )
    audit = json.dumps(_audit(db)) + json.dumps(_audit(db, "alert.rule.create"))
    # every log line of this process (httpx's included) but the test SMTP server's own
    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail."))
    assert "HTTP Request" in logged
    assert "535" in audit or "Authentication" in audit  # the failure is on record...
    for secret in (password, password[::-1], SECRET):
        assert secret not in logged
        assert secret not in stored
        assert secret not in listed + tested
    for shown in (logged, audit, listed + tested):  # ...and the URL's tokens nowhere shown
        assert token not in shown
        assert path_token not in shown and "/services/" not in shown
    assert token in stored and path_token in stored  # (the rule keeps its URL: sent there)
    assert hook.requests[-1]["json"]["rule"] == "hook"


def test_a_webhook_url_may_come_from_the_environment_or_a_file(
    new_store: Callable[..., str], tmp_path: Path
) -> None:
    db = new_store("url-elsewhere")
    url = "https://hooks.example.org/services/T0001/B0001/XXXXSECRET"
    rule = ("--kind", "violation", "--zone", AREA)
    out = _cli(
        "alerts", "add", "env", *rule, "--webhook-env", "MY_HOOK", "--db", db, env={"MY_HOOK": url}
    )
    (tmp_path / "hook.url").write_text(url + "\n", encoding="utf-8")
    out += _cli(
        "alerts", "add", "file", *rule, "--webhook", f"@{tmp_path / 'hook.url'}", "--db", db
    )
    out += _cli("alerts", "list", "--db", db)
    with open_store(db) as store:
        assert [r["target"] for r in alerts.list_rules(store)] == [
            "https://hooks.example.org/… #" + r["target"][-8:] for r in alerts.list_rules(store)
        ]
        targets = {r["name"]: r["target"] for r in stored_alerts.rules(store.engine)}
    assert targets == {"env": url, "file": url}
    assert "XXXXSECRET" not in out + json.dumps(_audit(db, "alert.rule.create"))
    missing = CliRunner().invoke(
        cli, ["alerts", "add", "x", *rule, "--webhook-env", "NO_SUCH_VAR", "--db", db], env={}
    )
    assert missing.exit_code == 1 and "no URL in this environment variable" in missing.output


# --------------------------------------------------------------------- one failure, not all


def test_a_line_break_in_a_place_name_stops_no_run_and_no_other_delivery(
    new_store: Callable[..., str], make_events: Callable[..., pd.DataFrame]
) -> None:
    """A place name with a line break (and U+2028) made EmailMessage raise ValueError outside
    any handler: the run aborted, the claim stayed ``sending``, and every later run aborted on
    it first. A URL httpx cannot send to (stored before it was checked) likewise."""
    db = new_store("header")
    with open_store(db) as store:
        store.add_events(
            make_events(
                {"fatalities": 12, "location": "Ariha\nBcc: spy@example.org\u2028x"},
                {"fatalities": 3, "latitude": 35.95, "longitude": 36.63, "location": "N\rAriha"},
            )
        )
        monitoring.evaluate_store(store)
        with Receiver() as hook, SmtpServer() as smtp:
            for name, channel, target in (
                ("mail", "email", "ops@example.org"),
                ("hook", "webhook", hook.url),
            ):
                alerts.add_rule(
                    store, name, "violation", {"zone": AREA}, channel, target, existing=True
                )
            stored_alerts.add_rule(  # as a rule stored before check_target refused such URLs
                store.engine,
                {
                    "name": "bad",
                    "kind": "violation",
                    "params": {"zone": AREA, "min_deaths": 0, "agreement": None},
                    "channel": "webhook",
                    "target": "http://xn--/T1/tok",
                },
                actor=None,
            )
            config = load_config(smtp.env())
            one = alerts.AlertSettings(attempts=1)
            report = alerts.run(store, config=config, settings=one)
            assert (report.sent, report.failed, report.errors) == (4, 2, []), _deliveries(db)
            assert sorted(hook.subjects()) == ["event:test:0", "event:test:1"]
            assert len(smtp.messages) == 2
            for mail in smtp.messages:
                assert mail["to"] == ["ops@example.org"]  # no Bcc smuggled in
                parsed = email.message_from_string(mail["data"], policy=email.policy.default)
                assert parsed["Bcc"] is None and "\n" not in str(parsed["Subject"])
            subjects = {
                str(email.message_from_string(m["data"], policy=email.policy.default)["Subject"])
                for m in smtp.messages
            }
            assert any("Ariha Bcc: spy@example.org x," in x for x in subjects), subjects
            assert any("N Ariha," in x for x in subjects), subjects
            again = alerts.run(store, config=config, settings=one)  # retry not due: nothing
            assert (again.sent, again.failed) == (0, 0)
    rows = {(r["subject"], r["status"]) for r in _deliveries(db)}
    assert ("event:test:0", "sending") not in rows
    bad = [r for r in _deliveries(db) if r["status"] == "failed"]
    assert len(bad) == 2 and all("tok" not in r["last_error"] for r in bad)


# ------------------------------------------------------------------------ retries that end


def test_retries_end_abandoned_or_withdrawn_when_the_verdict_is_overruled(
    new_store: Callable[..., str], make_events: Callable[..., pd.DataFrame]
) -> None:
    """Retries used to go on for ever, and re-sent what an analyst had since overruled."""
    db = new_store("give-up")
    with open_store(db) as store:
        store.add_events(_events(make_events))
        monitoring.evaluate_store(store)
        analyst = workspace.add_user(
            store.engine, "analyst", "analyst", "pw-x1-long-enough", actor=None
        )
        with Receiver(fail=1000) as hook:
            alerts.add_rule(
                store,
                "deaths",
                "violation",
                {"zone": AREA, "min_deaths": 10},
                "webhook",
                hook.url,
                existing=True,
            )
            alerts.add_rule(
                store,
                "corridor",
                "possible_violation",
                {"zone": CORRIDOR},
                "webhook",
                hook.url,
                existing=True,
            )
            clock = [datetime.now(UTC)]
            quick = alerts.AlertSettings(attempts=1, give_up_attempts=2, now=lambda: clock[0])
            assert alerts.run(store, settings=quick).failed == 2
            # an analyst overrules test:1's possible violation: it no longer holds
            rows = store.verdict_frame()
            mine = rows[
                (rows["event_uid"] == "test:1")
                & rows["verdict"].isin(["violation", "possible_violation"])
            ]
            for _, v in mine.iterrows():
                workspace.add_review(
                    store.engine,
                    analyst,
                    agreement_id=v["agreement_id"],
                    provision_id=v["provision_id"],
                    event_uid="test:1",
                    status="overruled",
                    note="outside",
                    corrected_verdict="outside",
                )
            clock[0] += timedelta(hours=2)
            second = alerts.run(store, settings=quick)
            assert (second.sent, second.failed) == (0, 1)  # test:0 tried again; not test:1
            clock[0] += timedelta(hours=2)
            third = alerts.run(store, settings=quick)
            assert (third.sent, third.failed) == (0, 0)  # test:0 given up after 2 attempts
            assert len(hook.requests) == 3
            listed = {r["name"]: r for r in alerts.list_rules(store)}
            assert (listed["deaths"]["abandoned"], listed["corridor"]["withdrawn"]) == (1, 1)
            late = alerts.AlertSettings(now=lambda: datetime.now(UTC) + timedelta(days=30))
            assert alerts.run(store, settings=late).failed == 0  # never tried again
    status = {r["subject"]: (r["status"], r["attempts"]) for r in _deliveries(db)}
    assert status == {"event:test:0": ("abandoned", 2), "event:test:1": ("withdrawn", 1)}
    outcomes = [a["changes"]["outcome"] for a in _audit(db)]
    assert sorted(outcomes) == ["abandoned", "failed", "failed", "failed", "withdrawn"]
    assert "abandoned" in _cli("alerts", "list", "--db", db)


def test_a_delivery_failing_for_days_is_abandoned(
    new_store: Callable[..., str], make_events: Callable[..., pd.DataFrame]
) -> None:
    db = new_store("give-up-days")
    with open_store(db) as store:
        store.add_events(_events(make_events))
        monitoring.evaluate_store(store)
        with Receiver(fail=1000) as hook:
            alerts.add_rule(
                store,
                "deaths",
                "violation",
                {"zone": AREA, "min_deaths": 10},
                "webhook",
                hook.url,
                existing=True,
            )
            assert alerts.run(store, settings=alerts.AlertSettings(attempts=1)).failed == 1
            week = alerts.AlertSettings(now=lambda: datetime.now(UTC) + timedelta(days=8))
            assert alerts.run(store, settings=week).failed == 0
            assert len(hook.requests) == 1
    [row] = _deliveries(db)
    assert (row["status"], row["attempts"]) == ("abandoned", 1)
    assert "7 days" in row["last_error"]


def test_editing_a_misspelt_target_delivers_what_failed_and_keeps_the_rule(
    new_store: Callable[..., str], make_events: Callable[..., pd.DataFrame]
) -> None:
    """Removing and adding the rule again recorded the undelivered subjects as baseline."""
    db = new_store("edit")
    with open_store(db) as store:
        store.add_events(_events(make_events))
        monitoring.evaluate_store(store)
        nowhere = f"http://127.0.0.1:{free_port()}/hook"  # the misspelt URL: nothing listens
        rule, _ = alerts.add_rule(
            store,
            "deaths",
            "violation",
            {"zone": AREA, "min_deaths": 10},
            "webhook",
            nowhere,
            existing=True,
        )
        assert alerts.run(store, settings=alerts.AlertSettings(attempts=1)).failed == 1
    with Receiver() as hook:
        said = _cli("alerts", "edit", "deaths", "--webhook", hook.url, "--db", db)
        assert "deaths:" in said and "/hook" not in said
        wrong = CliRunner().invoke(
            cli, ["alerts", "edit", "deaths", "--email", "a@example.org", "--db", db]
        )
        assert wrong.exit_code == 1 and "the rule sends by webhook" in wrong.output
        later = alerts.AlertSettings(now=lambda: datetime.now(UTC) + timedelta(minutes=10))
        with open_store(db) as store:
            assert alerts.run(store, settings=later).sent == 1
            [listed] = alerts.list_rules(store)
        assert hook.subjects() == ["event:test:0"]
    assert (listed["sent"], listed["baseline"], listed["failed"]) == (1, 0, 0)
    [row] = _deliveries(db)
    assert (row["rule_id"], row["status"], row["attempts"]) == (rule.id, "sent", 2)
    [edit] = _audit(db, "alert.rule.edit")
    assert "/hook" not in json.dumps(edit)
