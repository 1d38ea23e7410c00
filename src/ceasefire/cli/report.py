"""``ceasefire report``: the situation report of one agreement over a day, week or month."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from .. import situation
from ..situation_report import situation_report
from . import _day, _store, cli, db_option, handle_errors, say


@cli.command("report")
@click.option("--agreement", "agreement_id", required=True, metavar="ID", help="The agreement.")
@click.option(
    "--period",
    type=click.Choice(list(situation.PERIOD_UNITS)),
    default="week",
    show_default=True,
    help="A day, the ISO week (Monday to Sunday) or the calendar month holding --date.",
)
@click.option("--date", "day", required=True, metavar="YYYY-MM-DD", help="A day of the period.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(situation.FORMATS)),
    default="html",
    show_default=True,
    help="pdf prints the HTML with Debian's chromium.",
)
@click.option("--out", type=click.Path(path_type=Path), required=True, help="File to write.")
@click.option(
    "--base-url",
    default="",
    help="Where the figures' links point, e.g. https://monitor.example [default: relative].",
)
@click.option(
    "--top",
    type=click.IntRange(0, 1000),
    default=10,
    show_default=True,
    help="Gravest incidents listed.",
)
@db_option
@handle_errors
def report(
    agreement_id: str,
    period: str,
    day: str,
    fmt: str,
    out: Path,
    base_url: str,
    top: int,
    db: str,
) -> None:
    """Write the situation report of an agreement over a period: headline figures against
    the previous period, by zone, party and weapon class, field reports seen and heard, the
    gravest incidents, obligations and patrols, claims beside the evidence, a map and a
    timeline, methods and caveats. The same figures as the dashboard and the API, each
    linked to its view; the same store and options give the same HTML."""
    when = situation.Period.of(period, _date(day))
    options = situation.ReportOptions(top=top, base_url=base_url)
    with _store(db, need="data") as store:
        data = situation_report(store, agreement_id, when, options)
    situation.write(data, out, fmt)
    say(f"wrote {out} ({fmt}): {agreement_id}, {when.label}")


def _date(value: str) -> dt.date:
    return dt.date.fromisoformat(_day(value, "--date") or "")
