"""``ceasefire fetch``: evidence from the providers' APIs (UCDP GED, ACLED) into the store.

Credentials come from the environment (``UCDP_ACCESS_TOKEN``; ``ACLED_EMAIL`` and
``ACLED_PASSWORD``) or a private credentials file, never from an option: see docs/fetch.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

import click

from ..errors import FetchError, StoreError
from ..fetch import FetchOptions, FetchReport, Politeness, acled_login, ucdp_token
from ..fetch.acled import AcledQuery, fetch_acled
from ..fetch.pages import Progress
from ..fetch.ucdp import UcdpQuery, fetch_ucdp
from ..store import SQLStore
from ..store.fetches import fetch_states
from . import cli, console, db_option, frame_table, handle_errors, opened_store, progress_bar, say

_CREDENTIALS_HELP: Final = (
    "TOML credentials file (mode 600) [default: ~/.config/ceasefire/credentials.toml]; the "
    "environment is read first."
)


@cli.group()
def fetch() -> None:
    """Fetch evidence from the providers' APIs into the store: incremental, resumable, polite.

    Credentials only from the environment or a private file (never an option): UCDP_ACCESS_TOKEN;
    ACLED_EMAIL and ACLED_PASSWORD. See docs/fetch.md.
    """


def _common(f: click.decorators.FC) -> click.decorators.FC:
    f = click.option(
        "--min-interval",
        type=click.FloatRange(min=0),
        default=1.0,
        show_default=True,
        help="Seconds between two requests.",
    )(f)
    f = click.option(
        "--base-url", default=None, metavar="URL", help="Another server (a mirror, tests)."
    )(f)
    f = click.option(
        "--credentials",
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        help=_CREDENTIALS_HELP,
    )(f)
    return f


@contextmanager
def _bar(label: str) -> Iterator[Progress]:
    with progress_bar("fetch") as bar:
        task = bar.add_task(label, total=None)

        def progress(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)

        yield progress


@contextmanager
def _resumable() -> Iterator[None]:
    """Ctrl-C during a fetch: an error that says the work is kept and how to go on (exit 2),
    not click's bare "Aborted!" with the exit status of bad input."""
    try:
        yield
    except KeyboardInterrupt:
        raise FetchError(
            "interrupted: what was fetched is kept; run the same command again to resume "
            "(`ceasefire fetch status` shows where)"
        ) from None


@contextmanager
def _sql_store(db: str) -> Iterator[SQLStore]:
    with opened_store(db) as store:
        if not isinstance(store, SQLStore):  # pragma: no cover - open_store makes SQL stores
            raise StoreError("fetching needs an SQL store")
        yield store


def _line(r: FetchReport) -> str:
    if r.skipped:
        return f"{r.query_key}: fetched completely before; a release does not change (--force)"
    text = (
        f"{r.query_key}: {r.pages} page(s), {r.rows} row(s): {r.inserted} new, "
        f"{r.updated} changed, {r.unchanged} unchanged, {r.rejected} rejected"
    )
    if r.source == "acled":
        text += f", {r.withdrawn} withdrawn (deleted by ACLED)"
        if r.reinstated:
            text += f", {r.reinstated} current again (served again after their deletion)"
    return text + (" (resumed)" if r.resumed else "")


@fetch.command("ucdp")
@click.option("--country", default=None, help="Gleditsch-Ward code or name (Syria = 652).")
@click.option("--start", default=None, metavar="YYYY-MM-DD", help="First day.")
@click.option("--end", default=None, metavar="YYYY-MM-DD", help="Last day.")
@click.option(
    "--version", "versions", multiple=True, metavar="VERSION", help="GED release, e.g. 25.1."
)
@click.option(
    "--candidate",
    "candidates",
    multiple=True,
    metavar="VERSION",
    help="Candidate release, e.g. 26.0.7 (repeat: fetched in order, a later one overrides).",
)
@click.option("--force", is_flag=True, help="Ask again for releases fetched completely before.")
@_common
@db_option
@handle_errors
def fetch_ucdp_command(
    country: str | None,
    start: str | None,
    end: str | None,
    versions: tuple[str, ...],
    candidates: tuple[str, ...],
    force: bool,
    credentials: Path | None,
    base_url: str | None,
    min_interval: float,
    db: str,
) -> None:
    """UCDP GED events (GET /api/gedevents/VERSION, paged) through the UCDP reader.

    The access token comes from UCDP_ACCESS_TOKEN or [ucdp] access_token in the credentials
    file. A completed release is not asked again (it does not change); an interrupted run
    resumes at its next page.
    """
    if not versions and not candidates:
        raise click.UsageError("name a release: --version 25.1 and/or --candidate 26.0.7")
    queries = [
        UcdpQuery(v, country=country, start=start, end=end) for v in (*versions, *candidates)
    ]
    for q in queries:
        q.params(1)  # a bad country or day is bad input before a credential or the store
    token = ucdp_token(file=credentials)
    with _resumable(), _sql_store(db) as store, _bar("ucdp") as progress:
        opts = FetchOptions(
            base_url=base_url,
            politeness=Politeness(min_interval=min_interval),
            progress=progress,
            force=force,
        )
        reports = fetch_ucdp(store, queries, token=token, options=opts)
    for r in reports:
        say(_line(r))


@fetch.command("acled")
@click.option("--country", default=None, help="Country name as ACLED writes it, e.g. Syria.")
@click.option("--region", default=None, help="ACLED region (number or name).")
@click.option("--start", default=None, metavar="YYYY-MM-DD", help="First event day.")
@click.option("--end", default=None, metavar="YYYY-MM-DD", help="Last event day.")
@click.option(
    "--event-type", "event_types", multiple=True, help="ACLED event type (repeat for several)."
)
@click.option(
    "--maritime-pairs/--no-maritime-pairs",
    default=True,
    show_default=True,
    help="With --country, also the events ACLED places at sea off its coast (maritime_pairs).",
)
@_common
@db_option
@handle_errors
def fetch_acled_command(
    country: str | None,
    region: str | None,
    start: str | None,
    end: str | None,
    event_types: tuple[str, ...],
    maritime_pairs: bool,
    credentials: Path | None,
    base_url: str | None,
    min_interval: float,
    db: str,
) -> None:
    """ACLED events (OAuth log-in, GET /api/acled/read, paged) through the ACLED reader.

    The myACLED account comes from ACLED_EMAIL and ACLED_PASSWORD or [acled] email and
    password in the credentials file. The first run reads the window; later runs read only
    what ACLED added or changed since, and withdraw the events ACLED deleted (kept with their
    history, no longer evidence); an interrupted run resumes at its next page.
    """
    if not (country or region):
        raise click.UsageError("name a --country or a --region")
    query = AcledQuery(
        country=country,
        region=region,
        start=start,
        end=end,
        event_types=event_types,
        maritime_pairs=maritime_pairs,
    )
    query.filters()  # a bad day is bad input before a credential or the store
    login = acled_login(file=credentials)
    with _resumable(), _sql_store(db) as store, _bar("acled") as progress:
        opts = FetchOptions(
            base_url=base_url, politeness=Politeness(min_interval=min_interval), progress=progress
        )
        report = fetch_acled(store, query, login=login, options=opts)
    say(_line(report))


@fetch.command("status")
@db_option
@handle_errors
def fetch_status(db: str) -> None:
    """What was fetched: each source and query, its last run's status, rows, when it last
    completed, the page an unfinished run resumes at, and its error."""
    import pandas as pd

    with opened_store(db, need="data") as store:
        states = fetch_states(store.engine) if isinstance(store, SQLStore) else []
    if not states:
        say(
            "nothing fetched yet: see `ceasefire fetch ucdp --help`, `ceasefire fetch acled --help`"
        )
        return
    rows = [
        {
            "source": s.source,
            "query": s.query_key,
            "status": s.status,
            "rows": s.rows_fetched,
            "last completed": s.last_success_at or "",
            "resumes at": "" if s.cursor is None else f"page {s.cursor.get('page')}",
            "error": s.last_error or "",
        }
        for s in states
    ]
    console.print(frame_table(pd.DataFrame(rows), title="fetches"))
