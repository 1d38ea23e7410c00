"""``ceasefire alerts``: alert rules kept in the store, and their deliveries (docs/alerts.md).

The CLI acts as the local admin, as every CLI write does: its audit rows name no user. SMTP
and webhook settings come from the environment or the file ``CEASEFIRE_ALERTS_CONFIG`` names,
never from options.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click
import pandas as pd

from .. import alerts as _alerts
from ..errors import InputError
from ..store import Store
from . import EXIT_ERROR, cli, db_option, emit, handle_errors, opened_store, say, tell


def after(store: Store, trigger: str) -> None:
    """Run the alert rules after a committed write (``trigger``); never fails it. One line on
    stderr when something was sent or could not be."""
    report = _alerts.after_write(store, trigger)
    if report is None:
        tell("warning:", "alert rules not run (see the log); `ceasefire alerts run` retries")
        return
    for problem in report.errors:
        tell("warning:", f"alert rule not evaluated: {problem}")
    if report.sent or report.failed:
        failed = (
            f", {report.failed} not delivered (recorded; retried later)" if report.failed else ""
        )
        tell("alerts:", f"{report.sent} sent{failed}", "cyan")


def webhook_url(given: str | None, env_name: str | None) -> str | None:
    """The webhook URL of ``--webhook`` (``@FILE``: FILE's first line) or ``--webhook-env``."""
    if given is not None and env_name is not None:
        raise InputError("give one of --webhook and --webhook-env", field="webhook")
    if env_name is not None:
        url = os.environ.get(env_name, "").strip()
        if not url:
            raise InputError(
                "no URL in this environment variable", field="webhook-env", value=env_name
            )
        return url
    if given is not None and given.startswith("@"):
        path = Path(given[1:])
        try:
            lines = path.read_text(encoding="utf-8").strip().splitlines()
        except (OSError, UnicodeDecodeError) as e:
            raise InputError(f"cannot read it: {e}", file=str(path)) from None
        if not lines:
            raise InputError("no URL in it", file=str(path))
        return lines[0].strip()
    return given


@cli.group()
def alerts() -> None:
    """Alert rules: e-mail or webhook when a finding matches (docs/alerts.md)."""


@alerts.command("add")
@click.argument("name")
@click.option(
    "--kind",
    required=True,
    metavar="KIND",
    help="One of: " + ", ".join(k.value for k in _alerts.RuleKind) + ".",
)
@click.option("--zone", default=None, help="Zone id (violation, possible_violation).")
@click.option("--min-deaths", default=None, help="At least this many deaths (violation).")
@click.option("--agreement", default=None, help="Only this agreement's findings.")
@click.option("--provision", default=None, help="Only this provision (with --agreement).")
@click.option(
    "--period", default=None, help="Only reports of a period: day, week, month (situation_report)."
)
@click.option("--language", default=None, help="Only reports in this language (situation_report).")
@click.option(
    "--base-url",
    default=None,
    help="The workspace's address, for the report's link (situation_report).",
)
@click.option("--email", default=None, help="Send to these addresses (comma-separated).")
@click.option(
    "--webhook",
    default=None,
    help="POST JSON to this http(s) URL; @FILE reads it from FILE (keeps it out of the "
    "shell's history and the process list).",
)
@click.option(
    "--webhook-env",
    default=None,
    metavar="NAME",
    help="POST JSON to the URL in the environment variable NAME.",
)
@click.option(
    "--include-existing",
    is_flag=True,
    help="Also send what the rule finds already (default: only what is found from now on).",
)
@db_option
@handle_errors
def alerts_add(
    name: str,
    kind: str,
    zone: str | None,
    min_deaths: str | None,
    agreement: str | None,
    provision: str | None,
    period: str | None,
    language: str | None,
    base_url: str | None,
    email: str | None,
    webhook: str | None,
    webhook_env: str | None,
    include_existing: bool,
    db: str,
) -> None:
    """Check and store an alert rule NAME."""
    webhook = webhook_url(webhook, webhook_env)
    if (email is None) == (webhook is None):
        raise InputError("give exactly one of --email and --webhook", field="channel")
    channel, target = ("email", email) if email is not None else ("webhook", webhook)
    params = {
        "zone": zone,
        "min_deaths": min_deaths,
        "agreement": agreement,
        "provision": provision,
        "period": period,
        "language": language,
        "base_url": base_url,
    }
    with opened_store(db) as store:
        rule, already = _alerts.add_rule(
            store, name, kind, params, channel, str(target), existing=include_existing
        )
    say(f"alert rule {rule.name}: {rule.describe()}")
    if already:
        say(
            f"{already} subjects match already: recorded as known, not sent "
            "(--include-existing sends them)"
        )


@alerts.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@db_option
@handle_errors
def alerts_list(fmt: str, db: str) -> None:
    """The rules, with their deliveries (sent, failed, being sent) and the last one."""
    with opened_store(db, need="data") as store:
        rows = _alerts.list_rules(store)
    if fmt == "json":
        click.echo(json.dumps(rows, indent=1, default=str))
        return
    table = [
        {
            "name": r["name"],
            "rule": r["rule"],
            "to": f"{r['channel']} {r['target']}",
            "sent": r["sent"],
            "failed": r["failed"],
            "abandoned": r["abandoned"],
            "withdrawn": r["withdrawn"],
            "last": "-"
            if r["last"] is None
            else f"{r['last']['status']} {r['last']['subject']} ({r['last']['last_attempt_at']})"
            + (f": {r['last']['last_error']}" if r["last"]["last_error"] else ""),
        }
        for r in rows
    ]
    emit(
        pd.DataFrame(
            table,
            columns=["name", "rule", "to", "sent", "failed", "abandoned", "withdrawn", "last"],
        ),
        "table",
        "Alert rules",
    )


@alerts.command("test")
@click.argument("name")
@db_option
@handle_errors
def alerts_test(name: str, db: str) -> None:
    """Send a test message through rule NAME's channel now."""
    with opened_store(db, need="data") as store:
        delivery = _alerts.send_test(store, name)
    say(f"test message of {name} delivered (delivery {delivery})")


@alerts.command("edit")
@click.argument("name")
@click.option("--email", default=None, help="The corrected addresses (an e-mail rule).")
@click.option(
    "--webhook", default=None, help="The corrected URL (a webhook rule); @FILE reads it from FILE."
)
@click.option("--webhook-env", default=None, metavar="NAME", help="The URL in env variable NAME.")
@db_option
@handle_errors
def alerts_edit(
    name: str, email: str | None, webhook: str | None, webhook_env: str | None, db: str
) -> None:
    """Correct rule NAME's target, keeping its deliveries (failed ones go to the new one)."""
    webhook = webhook_url(webhook, webhook_env)
    if (email is None) == (webhook is None):
        raise InputError("give exactly one of --email and --webhook", field="channel")
    channel, target = ("email", email) if email is not None else ("webhook", webhook)
    with opened_store(db, need="data") as store:
        rule = _alerts.edit_rule(store, name, channel, str(target))
    say(f"alert rule {rule.name}: {rule.describe()}")


@alerts.command("remove")
@click.argument("name")
@db_option
@handle_errors
def alerts_remove(name: str, db: str) -> None:
    """Remove rule NAME (its deliveries stay on record)."""
    with opened_store(db, need="data") as store:
        _alerts.remove_rule(store, name)
    say(f"alert rule {name} removed")


@alerts.command("run")
@db_option
@handle_errors
def alerts_run(db: str) -> None:
    """Evaluate every rule now, send what is new, retry what failed (cron: every few minutes)."""
    with opened_store(db, need="data") as store:
        report = _alerts.run(store, "run")
    later = f", {report.postponed} left for the next run" if report.postponed else ""
    say(f"{report.rules} rules: {report.sent} sent, {report.failed} not delivered{later}")
    for problem in report.errors:
        tell("warning:", f"alert rule not evaluated: {problem}")
    if report.failed or report.errors:
        sys.exit(EXIT_ERROR)
