"""Alert rules (issue 12): ``ceasefire alerts add`` checks a rule and names the field and value it
refuses; each rule kind finds what the findings hold (the joint-patrol weeks and the obligations
past due, from a CONSTRUCTED store: made-up events, the synthetic patrol tracks of
tests/data/patrols), on both stores; a removed rule runs no more; no option takes a secret."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from alert_receivers import Receiver
from click.testing import CliRunner

from ceasefire import alerts, monitoring
from ceasefire.alerts.delivery import StoreFindings
from ceasefire.alerts.kinds import HANDLERS, Known, RuleKind
from ceasefire.cli import cli
from ceasefire.errors import InputError
from ceasefire.store import open_store

PATROLS = Path(__file__).parent / "data" / "patrols"


def _add(db: Path | str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["alerts", "add", *args, "--db", str(db)])
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (
            ("--kind", "violation", "--zone", "nowhere", "--email", "a@example.org"),
            "error: zone: not a zone of any provision; known: idlib-de-escalation-area, "
            "moscow-2020/m4-security-corridor, sochi-dmz ('nowhere')",
        ),
        (
            (
                "--kind",
                "violation",
                "--zone",
                "sochi-dmz",
                "--min-deaths",
                "-3",
                "--email",
                "a@example.org",
            ),
            "error: min_deaths: must be a whole number, 0 or more ('-3')",
        ),
        (
            (
                "--kind",
                "violation",
                "--zone",
                "sochi-dmz",
                "--min-deaths",
                "many",
                "--email",
                "a@example.org",
            ),
            "error: min_deaths: must be a whole number, 0 or more ('many')",
        ),
        (
            ("--kind", "shelling", "--email", "a@example.org"),
            "error: kind: must be one of violation, possible_violation, no_joint_patrol, "
            "obligation_overdue, situation_report ('shelling')",
        ),
        (
            ("--kind", "violation", "--email", "a@example.org"),
            "error: zone: a violation rule needs a zone",
        ),
        (
            ("--kind", "no_joint_patrol", "--zone", "sochi-dmz", "--email", "a@example.org"),
            "error: zone: a no_joint_patrol rule takes only agreement, provision ('sochi-dmz')",
        ),
        (
            (
                "--kind",
                "obligation_overdue",
                "--agreement",
                "oslo-1993",
                "--email",
                "a@example.org",
            ),
            "error: agreement: not a known agreement; known: moscow-2020, sochi-2018 ('oslo-1993')",
        ),
        (
            (
                "--kind",
                "obligation_overdue",
                "--agreement",
                "moscow-2020",
                "--provision",
                "nope",
                "--email",
                "a@example.org",
            ),
            "error: provision: not a known provision",
        ),
        (
            ("--kind", "violation", "--zone", "sochi-dmz", "--email", "not an address"),
            "error: email: not an e-mail address ('not an address')",
        ),
        (
            ("--kind", "violation", "--zone", "sochi-dmz", "--webhook", "ftp://example.org/x"),
            "error: webhook: not an http(s) URL with a host ('ftp://example.org/… #",
        ),
        (
            ("--kind", "violation", "--zone", "sochi-dmz", "--webhook", "http://xn--/T1/tok"),
            "error: webhook: not a URL that can be sent to: Malformed A-label",
        ),
        (
            ("--kind", "violation", "--zone", "sochi-dmz", "--webhook", "http://h:abc/T1/tok"),
            "error: webhook: not a URL that can be sent to: Port could not be cast",
        ),
        (
            ("--kind", "violation", "--zone", "sochi-dmz", "--webhook", "http://[::1/T1/tok"),
            "error: webhook: not a URL that can be sent to: Invalid IPv6 URL ('webhook URL #",
        ),
        (
            ("--kind", "violation", "--zone", "sochi-dmz"),
            "error: channel: give exactly one of --email and --webhook",
        ),
    ],
)
def test_a_bad_rule_is_refused_naming_the_field_and_value(
    tmp_path: Path, args: tuple[str, ...], said: str
) -> None:
    """Checked before anything is stored (SQLite: the checks are the store's kind's alike)."""
    code, out = _add(tmp_path / "s.db", "r1", *args)
    assert code == 1, out
    assert said in " ".join(out.split()), out
    assert "Traceback" not in out and "/tok" not in out  # the URL's path is never shown
    with open_store(tmp_path / "s.db") as store:
        assert alerts.list_rules(store) == []


def test_names_are_checked_and_unique_among_rules_in_force(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    rule = ("--kind", "violation", "--zone", "sochi-dmz", "--email", "a@example.org")
    assert _add(db, "bad name!", *rule)[0] == 1
    assert _add(db, "dmz", *rule)[0] == 0
    code, out = _add(db, "dmz", *rule)
    assert code == 2 and "an alert rule named 'dmz' exists" in out
    CliRunner().invoke(cli, ["alerts", "remove", "dmz", "--db", str(db)])
    assert _add(db, "dmz", *rule)[0] == 0  # a removed rule's name may be used again


def test_no_option_takes_a_password_or_a_secret() -> None:
    for command in ("add", "list", "test", "remove", "run"):
        text = CliRunner().invoke(cli, ["alerts", command, "--help"]).output.lower()
        assert "password" not in text and "secret" not in text, command


def test_each_kind_has_one_handler_and_describes_itself() -> None:
    assert set(HANDLERS) == set(RuleKind)
    assert all(h.kind is k for k, h in HANDLERS.items())
    with pytest.raises(InputError, match="min_deaths"):
        HANDLERS[RuleKind.VIOLATION].params(
            {"zone": "z", "min_deaths": True}, Known(zones=frozenset({"z"}))
        )


# ------------------------------------------------------------------- obligations and patrols


def test_weeks_without_joint_patrols_and_obligations_past_due_fire(
    new_store: Callable[..., str], make_events: Callable[..., pd.DataFrame]
) -> None:
    db = new_store("duties")
    with open_store(db) as store:
        # evidence up to 12 April 2020: the weeks from 29 March and 5 April had no joint patrol
        store.add_events(make_events({}, {"event_date": "2020-04-12"}))
        joint = monitoring.PatrolImportOptions(parties="russia,turkey")
        monitoring.import_patrols(
            store,
            [PATROLS / "2020-03-15-joint-cut-short.gpx", PATROLS / "2020-03-26-joint-full.geojson"],
            joint,
        )
        monitoring.import_patrols(store, [PATROLS / "2020-03-23-turkey-alone.geojson"])
        with Receiver() as hook:
            for name, kind in (("weeks", "no_joint_patrol"), ("late", "obligation_overdue")):
                alerts.add_rule(
                    store, name, kind, {"agreement": "moscow-2020"}, "webhook", hook.url
                )
            monitoring.evaluate_store(store, ["moscow-2020"])
            report = alerts.run(store, "test")
            assert (report.sent, report.failed, report.errors) == (6, 0, [])
            got = sorted(hook.subjects())
            assert alerts.run(store, "test").sent == 0
        # humanitarian access and returns without any records are due and `no_evidence` too
        assert got == [
            "obligation:moscow-2020/corridor-parameters:2020-03-12",
            "obligation:moscow-2020/humanitarian-access:2020-03-05",
            "obligation:moscow-2020/m4-joint-patrols:2020-03-15",
            "obligation:moscow-2020/return-of-displaced:2020-03-05",
            "period:moscow-2020/m4-joint-patrols:2020-03-29",
            "period:moscow-2020/m4-joint-patrols:2020-04-05",
        ]
        week = next(r["json"] for r in hook.requests if r["json"]["subject"].startswith("period"))
        assert week["details"]["joint_patrols"] == 0
        assert week["title"].startswith("week without the joint patrols expected")
        # the findings the rules read are the stored obligations the dashboard shows
        stored = store.obligations("moscow-2020")
        assert len(StoreFindings(store).obligations()) == len(store.obligations())
        assert (stored["status"] == "unmet").sum() == 3  # the summary and the two weeks


def test_a_removed_rule_runs_no_more(
    new_store: Callable[..., str], make_events: Callable[..., pd.DataFrame]
) -> None:
    db = new_store("removed")
    with open_store(db) as store:
        store.add_events(make_events({"fatalities": 12}))
        with Receiver() as hook:
            alerts.add_rule(
                store,
                "deaths",
                "violation",
                {"zone": "idlib-de-escalation-area"},
                "webhook",
                hook.url,
            )
            alerts.remove_rule(store, "deaths")
            monitoring.evaluate_store(store)
            assert alerts.run(store).rules == 0
            assert hook.requests == []
        assert alerts.list_rules(store) == []
