"""``ceasefire report``: the situation report of one agreement over a day, week or month."""

from __future__ import annotations

from pathlib import Path

import click

from .. import situation
from ..situation_report import situation_report
from ..situation_reports import publish, resolve_day
from . import cli, day_value, db_option, handle_errors, opened_store, say
from .alerts import after


@cli.command("report")
@click.option("--agreement", "agreement_id", required=True, metavar="ID", help="The agreement.")
@click.option(
    "--period",
    type=click.Choice(list(situation.PERIOD_UNITS)),
    default="week",
    show_default=True,
    help="A day, the ISO week (Monday to Sunday) or the calendar month holding --date.",
)
@click.option(
    "--date",
    "day",
    required=True,
    metavar="YYYY-MM-DD",
    help="A day of the period; or yesterday, last-week, last-month (the previous whole "
    "period, for schedules), counted in the local time zone.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(situation.FORMATS)),
    default="html",
    show_default=True,
    help="pdf prints the HTML with Debian's chromium.",
)
@click.option(
    "--out", type=click.Path(path_type=Path), default=None, help="File to write (or --save)."
)
@click.option(
    "--save",
    is_flag=True,
    help="Store the HTML report in the workspace (/situation-reports) and print its permalink; "
    "an unchanged report is not stored twice.",
)
@click.option("--today", default=None, hidden=True, help="Today, for relative dates (tests).")
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
@click.option(
    "--lang",
    type=click.Choice(list(situation.LANGUAGES)),
    default=situation.LANGUAGES[0],
    show_default=True,
    help="The language the report is written in (ar: Arabic, right to left).",
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
    save: bool = False,
    today: str | None = None,
    lang: str = "en",
) -> None:
    """Write the situation report of an agreement over a period: headline figures against
    the previous period, by zone, party and weapon class, field reports seen and heard, the
    gravest incidents, obligations and patrols, claims beside the evidence, a map and a
    timeline, methods and caveats. The same figures as the dashboard and the API, each
    linked to its view; the same store and options give the same HTML."""
    if out is None and not save:
        raise click.UsageError("give --out FILE, or --save, or both")
    now = day_value(today, "--today")
    when = situation.Period.of(period, resolve_day(day, period, today=now, name="--date"))
    options = situation.ReportOptions(top=top, base_url=base_url, lang=lang)
    with opened_store(db, need="data") as store:
        if save:
            saved = publish(store, agreement_id, when, created_by="cli", options=options)
            data = saved.report
            done = "saved" if saved.created else "unchanged, already saved"
            say(f"{done}: {saved.path} ({agreement_id}, {when.label})")
            if saved.created:  # the situation_report alert rules send it
                after(store, "situation_report")
        else:
            data = situation_report(store, agreement_id, when, options)
    if out is not None:
        situation.write(data, out, fmt)
        say(f"wrote {out} ({fmt}): {agreement_id}, {when.label}")
