"""Alert rules run over a store: evaluate each rule on the findings, claim each new subject,
send it, record every attempt.

:func:`after_write` is what the CLI's ``ingest`` and ``evaluate`` and the web app's field
reports call once their write has committed: it runs :func:`run` and never raises, so a failed
delivery never fails, nor rolls back, what triggered it (the failure is recorded, and a later
run retries it). ``ceasefire alerts run`` (cron) is :func:`run` too.

Delivery guarantees (see docs/alerts.md): each (rule, subject, channel) is claimed in a write
transaction before it is sent (:func:`ceasefire.store.alerts.claim`), so two processes running
the rules at once send it once; a failed send is retried ``attempts`` times in the run (waiting
``backoff_s``, doubled each time), then by later runs once ``retry_after_s`` (doubled per
failure, at most ``retry_max_s``) has passed, until it is ``abandoned`` (``give_up_attempts``
or ``give_up_after_s``) or ``withdrawn`` (its subject no longer holds); a sent one is never
sent again. A run claims at most ``max_deliveries`` (and, with ``budget_s``, nothing once
its time is spent); the web app runs one at a time (:func:`after_request`). The one gap: a
process that dies after the receiver took a message and before it recorded that leaves the
delivery claimed; after ``lease_s`` another run sends it again. The message carries the same
delivery id both times (``X-Ceasefire-Delivery``, the e-mail's ``Message-ID``), so a receiver
can drop the copy.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import pandas as pd

from ceasefire import findings as _findings
from ceasefire import monitoring
from ceasefire.alerts.channels import (
    ChannelConfig,
    check_target,
    load_config,
    post_webhook,
    redact,
    scrub,
    send_email,
)
from ceasefire.alerts.kinds import HANDLERS, Channel, Known, RuleKind, Subject
from ceasefire.errors import (
    CeasefireError,
    DeliveryError,
    InputError,
    StoreError,
    UnknownIdError,
)
from ceasefire.findings import BREACHES, Filters
from ceasefire.store import SQLStore, Store
from ceasefire.store import alerts as _stored
from ceasefire.store.workspace import User

__all__ = [
    "RULE_NAME",
    "WEB_RUN",
    "WEB_SETTINGS",
    "AlertSettings",
    "Rule",
    "RunReport",
    "StoreFindings",
    "add_rule",
    "after_request",
    "after_write",
    "edit_rule",
    "list_rules",
    "remove_rule",
    "run",
    "send_test",
]

log = logging.getLogger("ceasefire.alerts")

#: What a rule's name may be: 1-64 ASCII letters, digits, ``.``, ``_`` or ``-``.
RULE_NAME: Final = re.compile(r"[A-Za-z0-9._-]{1,64}")


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class AlertSettings:
    """How deliveries are tried: ``attempts`` per run, waiting ``backoff_s`` before the second
    and twice as long before each next; a delivery still failing is tried again by a run at
    least ``retry_after_s`` later (doubled after each failed run, at most ``retry_max_s``);
    a claim whose process died is taken over after ``lease_s``."""

    attempts: int = 3
    backoff_s: float = 1.0
    retry_after_s: float = 60.0
    retry_max_s: float = 3600.0
    lease_s: float = 600.0
    #: after this many seconds a run claims nothing more (what is left waits for the next run;
    #: counted in :attr:`RunReport.postponed`); None: no limit
    budget_s: float | None = None
    #: at most this many deliveries are claimed per run; the rest wait for the next run
    #: (counted in :attr:`RunReport.postponed`), so an archive ingested late sends no flood
    max_deliveries: int = 50
    #: a failed delivery is ``abandoned`` (never tried again) once it has been tried this many
    #: times, or this many seconds after it was first claimed
    give_up_attempts: int = 24
    give_up_after_s: float = 7 * 86400.0
    now: Callable[[], datetime] = _utc_now


#: How the web process runs the rules after a field report: one attempt per delivery (no
#: waiting between retries in a request's worker thread: later runs retry) and at most
#: 20 seconds per run.
WEB_SETTINGS: Final = AlertSettings(attempts=1, budget_s=20.0)
#: Held while the web process runs the rules: at most one run at a time per process.
WEB_RUN: Final = threading.Lock()


@dataclass(frozen=True)
class Rule:
    """A stored alert rule."""

    id: int
    name: str
    kind: RuleKind
    params: Mapping[str, Any]
    channel: Channel
    target: str

    def describe(self) -> str:
        """The rule in plain words, and where it goes (a URL without its query)."""
        said = HANDLERS[self.kind].describe(self.params)
        return f"{said} -> {self.channel.value} {redact(self.channel, self.target)}"


@dataclass
class RunReport:
    """What one run did: rules evaluated, deliveries sent and failed (after every attempt of
    the run), those left for the next run (its time budget was spent: ``postponed``), and the
    rules that could not be evaluated (each with why)."""

    trigger: str
    rules: int = 0
    sent: int = 0
    failed: int = 0
    postponed: int = 0
    errors: list[str] = field(default_factory=list)


class StoreFindings:
    """The findings the rules read (:class:`ceasefire.alerts.kinds.Findings`), from one store,
    each part read once per run: breaches through the read model
    (:meth:`~ceasefire.store.Store.finding_rows`, reviews applied) split by zone as the
    dashboard counts them (:func:`ceasefire.findings.zone_incidents`), and the obligations the
    last evaluation stored."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._registry = monitoring.registry_of(store)
        agreements = list(self._registry.agreements.values())
        self._zone_of = monitoring.finding_provisions(agreements, monitoring.zones_of(store)).zone
        self._types = {(a.id, p.id): str(p.type) for a in agreements for p in a.provisions}
        self._by_zone: dict[str | None, dict[str, pd.DataFrame]] = {}
        self._obligations: pd.DataFrame | None = None

    def known(self) -> Known:
        """What rules may name here."""
        return Known(
            zones=frozenset(self._zone_of.values()),
            agreements=frozenset(self._registry.agreements),
            provisions=frozenset(f"{a}/{p}" for a, p in self._types),
        )

    def zone_incidents(self, zone: str, agreement: str | None) -> pd.DataFrame:
        if agreement not in self._by_zone:
            # an event with a breach in a zone has a breach as its worst verdict overall
            rows = self._store.finding_rows(Filters(agreement=agreement, verdict=BREACHES))
            self._by_zone[agreement] = _findings.zone_incidents(rows, self._zone_of)
        found = self._by_zone[agreement].get(zone)
        return found if found is not None else _findings.incidents(pd.DataFrame())

    def obligations(self) -> pd.DataFrame:
        if self._obligations is None:
            frame = self._store.obligations()
            kinds = [
                self._types.get((str(a), str(p)))
                for a, p in zip(frame["agreement_id"], frame["provision_id"], strict=True)
            ]
            self._obligations = frame.assign(
                provision_type=pd.Series(kinds, index=frame.index, dtype=object)
            )
        return self._obligations

    def situation_reports(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        while True:  # every saved report, a page at a time
            page = self._store.situation_reports(limit=500, offset=len(out))
            out += page["items"]
            if not page["items"] or len(out) >= int(page["total"]):
                return sorted(out, key=lambda r: int(r["id"]))


def _sql(store: Store) -> SQLStore:
    if not isinstance(store, SQLStore):
        raise StoreError("alert rules live in an SQL store (an SQLite path or a database URL)")
    return store


def _rule(row: Mapping[str, Any]) -> Rule:
    return Rule(
        int(row["id"]),
        str(row["name"]),
        RuleKind(row["kind"]),
        dict(row["params"]),
        Channel(row["channel"]),
        str(row["target"]),
    )


def _message(rule: Rule, s: Subject) -> dict[str, Any]:
    return {
        "rule": rule.name,
        "kind": rule.kind.value,
        "rule_text": HANDLERS[rule.kind].describe(rule.params),
        "subject": s.key,
        "title": s.title,
        "text": s.text,
        "details": dict(s.details),
    }


# ------------------------------------------------------------------------------------ rules


def _choice(value: str, field_name: str, allowed: type[RuleKind] | type[Channel]) -> Any:
    try:
        return allowed(value)
    except ValueError:
        names = ", ".join(m.value for m in allowed)
        raise InputError(f"must be one of {names}", field=field_name, value=value) from None


def add_rule(
    store: Store,
    name: str,
    kind: str,
    params: Mapping[str, Any],
    channel: str,
    target: str,
    *,
    actor: User | None = None,
    existing: bool = False,
) -> tuple[Rule, int]:
    """Check and store a rule; returns it and how many subjects it finds already, which are
    recorded as ``baseline`` and never sent (with ``existing``: none is, and the next run
    sends them all). Bad input is an :class:`InputError` naming the field and the value."""
    if not RULE_NAME.fullmatch(name):
        raise InputError(
            "must be 1-64 ASCII letters, digits, '.', '_' or '-'", field="name", value=name
        )
    how = _choice(channel, "channel", Channel)
    target = check_target(how, target)
    what = _choice(kind, "kind", RuleKind)
    found = StoreFindings(store)
    checked = HANDLERS[what].params(params, found.known())
    rule = Rule(0, name, what, checked, how, target)
    now = [] if existing else HANDLERS[what].subjects(checked, found)
    baseline = [(s.key, _message(rule, s)) for s in now]
    said = {
        "kind": what.value,
        "params": checked,
        "channel": how.value,
        "target": redact(how, target),
    }
    row = {
        "name": name,
        "kind": what.value,
        "params": checked,
        "channel": how.value,
        "target": target,
    }
    rule_id = _stored.add_rule(_sql(store).engine, row, actor=actor, baseline=baseline, audit=said)
    return Rule(rule_id, name, what, checked, how, target), len(baseline)


def edit_rule(
    store: Store, name: str, channel: str, target: str, *, actor: User | None = None
) -> Rule:
    """Correct a rule's target (a misspelt address or URL), keeping the rule and its
    deliveries: failed ones are retried to the new target at their next run, and nothing is
    recorded as baseline (removing the rule and adding it again would). The channel stays
    the rule's (another channel is an :class:`InputError`: add a new rule). Audited."""
    sql = _sql(store)
    how = _choice(channel, "channel", Channel)
    found = [r for r in _stored.rules(sql.engine) if r["name"] == name]
    if not found:
        raise UnknownIdError(f"no alert rule named {name!r} (see `ceasefire alerts list`)")
    rule = _rule(found[0])
    if how is not rule.channel:
        raise InputError(
            f"the rule sends by {rule.channel.value}: give --{rule.channel.value}, or add a new"
            " rule for another channel",
            field="channel",
            value=how.value,
        )
    checked = check_target(how, target)
    said = {"before": redact(how, rule.target), "target": redact(how, checked)}
    _stored.edit_target(sql.engine, name, checked, actor=actor, audit=said)
    return Rule(rule.id, rule.name, rule.kind, rule.params, rule.channel, checked)


def remove_rule(store: Store, name: str, *, actor: User | None = None) -> None:
    """Remove a rule (kept as removed, with its deliveries); audited."""
    _stored.remove_rule(_sql(store).engine, name, actor=actor)


def list_rules(store: Store) -> list[dict[str, Any]]:
    """The rules with their counts of deliveries by status and their last delivery: ``name,
    kind, rule (in words), channel, target (redacted), created_at, created_by, sending, failed,
    sent, baseline, abandoned, withdrawn, last`` (``last``: subject, status, attempts,
    last_attempt_at, last_error, or None)."""
    engine = _sql(store).engine
    counts = _stored.last_deliveries(engine)
    out = []
    for row in _stored.rules(engine):
        rule = _rule(row)
        c = counts.get(rule.id, {})
        out.append(
            {
                "name": rule.name,
                "kind": rule.kind.value,
                "rule": HANDLERS[rule.kind].describe(rule.params),
                "channel": rule.channel.value,
                "target": redact(rule.channel, rule.target),
                "created_at": row["created_at"],
                "created_by": row["created_by"],
                **{s: int(c.get(s, 0)) for s in ("sending", "failed", *_stored.SETTLED)},
                "last": c.get("last"),
            }
        )
    return out


# -------------------------------------------------------------------------------- delivering


def _send(rule: Rule, c: _stored.Claim, config: ChannelConfig) -> None:
    m = c.message
    delivery = str(c.delivery_id)
    if rule.channel is Channel.EMAIL:
        footer = f"\n\n-- \nceasefire alert rule {rule.name}: {m.get('rule_text', '')}\n"
        send_email(
            config,
            rule.target,
            f"[ceasefire] {m.get('title', c.subject)}",
            f"{m.get('text', '')}{footer}",
            delivery=delivery,
            headers={"X-Ceasefire-Rule": rule.name, "X-Ceasefire-Delivery": delivery},
        )
    else:
        post_webhook(config, rule.target, {**m, "delivery": c.delivery_id}, delivery=delivery)


def _deliver(
    store: SQLStore,
    rule: Rule,
    c: _stored.Claim,
    config: ChannelConfig,
    settings: AlertSettings,
    trigger: str,
) -> str | None:
    """Try a claimed delivery up to ``settings.attempts`` times, recording each attempt; None
    once sent, else the last error."""
    shown = redact(rule.channel, rule.target)
    error: str | None = None
    for i in range(settings.attempts):
        try:
            _send(rule, c, config)
            error = None
        except DeliveryError as e:
            error = scrub(str(e), config.secrets(), rule.target)
        except Exception as e:  # a bug or bad data must fail this delivery, never the run
            error = scrub(f"{type(e).__name__}: {e}", config.secrets(), rule.target)
        last = error is None or i == settings.attempts - 1
        now = settings.now()
        retry = None
        if error is not None and last:
            runs = c.attempts // max(settings.attempts, 1)  # failed runs before this one
            wait = min(settings.retry_after_s * 2**runs, settings.retry_max_s)
            retry = now + timedelta(seconds=wait)
        _stored.record_attempt(
            store.engine,
            c,
            ok=error is None,
            error=error,
            now=now,
            next_attempt_at=retry,
            audit={"target": shown, "trigger": trigger},
            final=last,
        )
        if error is None:
            log.info("alert %s: %s sent to %s", rule.name, c.subject, shown)
            return None
        log.warning(
            "alert %s: %s not delivered (attempt %d): %s",
            rule.name,
            c.subject,
            c.attempts + i + 1,
            error,
        )
        if not last:
            time.sleep(settings.backoff_s * 2**i)
    return error


def _settled(
    store: SQLStore,
    rule: Rule,
    c: _stored.Claim,
    holds: set[str] | None,
    settings: AlertSettings,
    trigger: str,
) -> bool:
    """Before a retry: give the delivery up (``abandoned``) after too many attempts or days,
    or withdraw it when what it says no longer holds (``holds``: the rule's subjects now; None
    when the rule could not be evaluated: it is retried). Whether it was settled."""
    now = settings.now()
    first = c.created_at or now
    why = None
    if c.attempts >= settings.give_up_attempts:
        status, why = "abandoned", f"given up after {c.attempts} attempts"
    elif (now - first).total_seconds() >= settings.give_up_after_s:
        status, why = "abandoned", f"given up {settings.give_up_after_s / 86400:g} days on"
    elif holds is not None and c.subject not in holds:
        status, why = "withdrawn", "no longer holds (a verdict overruled or changed)"
    if why is None:
        return False
    audit = {"target": redact(rule.channel, rule.target), "trigger": trigger}
    _stored.settle(store.engine, c, status, why, now=now, audit=audit)
    log.warning("alert %s: %s %s: %s", rule.name, c.subject, status, why)
    return True


def run(
    store: Store,
    trigger: str = "run",
    *,
    config: ChannelConfig | None = None,
    settings: AlertSettings | None = None,
) -> RunReport:
    """Evaluate every rule on the store's findings, send what is new (and the failed
    deliveries whose retry is due), and record every attempt; what was done. A rule that
    cannot be evaluated (its zone is gone, say) is named in ``errors`` and the others run."""
    sql = _sql(store)
    settings = settings or AlertSettings()
    report = RunReport(trigger)
    rules = [_rule(r) for r in _stored.rules(sql.engine)]
    if not rules:
        return report
    config = config or load_config()
    by_id = {r.id: r for r in rules}

    deadline = None if settings.budget_s is None else time.monotonic() + settings.budget_s

    def out_of_time() -> bool:
        spent = report.sent + report.failed >= settings.max_deliveries
        if spent or (deadline is not None and time.monotonic() >= deadline):
            report.postponed += 1
            return True
        return False

    def deliver(c: _stored.Claim | None) -> None:
        if c is None:
            return
        rule = by_id[c.rule_id]
        try:
            error = _deliver(sql, rule, c, config, settings, trigger)
        except Exception as e:  # one delivery never stops the others (its claim lapses)
            secrets = config.secrets() if config else []
            why = scrub(f"{type(e).__name__}: {e}", secrets, rule.target)
            log.warning("alert %s: %s not recorded: %s", rule.name, c.subject, why)
            error = why
        if error is None:
            report.sent += 1
        else:
            report.failed += 1

    found = StoreFindings(store)
    evaluated: dict[int, list[Subject]] = {}
    for rule in rules:
        report.rules += 1
        try:
            evaluated[rule.id] = HANDLERS[rule.kind].subjects(rule.params, found)
        except (CeasefireError, KeyError, ValueError) as e:
            report.errors.append(f"{rule.name}: {type(e).__name__}: {e}")
    for rule_id, subject, channel in _stored.due_again(
        sql.engine, by_id, now=settings.now(), lease_s=settings.lease_s
    ):
        if out_of_time():
            continue
        c = _stored.claim(
            sql.engine, rule_id, subject, channel, {}, now=settings.now(), lease_s=settings.lease_s
        )
        holds = None if rule_id not in evaluated else {s.key for s in evaluated[rule_id]}
        try:
            if c is not None and _settled(sql, by_id[rule_id], c, holds, settings, trigger):
                continue
        except Exception as e:  # one delivery never stops the others: it is retried as before
            log.warning("alert %s: %s not settled: %s: %s", rule_id, subject, type(e).__name__, e)
        deliver(c)
    for rule in rules:
        if rule.id not in evaluated:
            continue
        subjects = evaluated[rule.id]
        settled = _stored.settled_subjects(
            sql.engine, rule.id, rule.channel.value, now=settings.now(), lease_s=settings.lease_s
        )
        for s in subjects:
            if s.key in settled or out_of_time():
                continue
            deliver(
                _stored.claim(
                    sql.engine,
                    rule.id,
                    s.key,
                    rule.channel.value,
                    _message(rule, s),
                    now=settings.now(),
                    lease_s=settings.lease_s,
                )
            )
    return report


def after_write(
    store: Store,
    trigger: str,
    *,
    config: ChannelConfig | None = None,
    settings: AlertSettings | None = None,
) -> RunReport | None:
    """:func:`run` after a write (``trigger``: ``ingest``, ``evaluation``, ``field_report``)
    that has committed: never raises (a failure is logged, and what could not be sent is
    recorded and retried by a later run); None when the rules could not run at all."""
    try:
        report = run(store, trigger, config=config, settings=settings)
    except Exception as e:
        secrets = config.secrets() if config else []
        log.warning(
            "alerts after %s not run: %s: %s", trigger, type(e).__name__, scrub(str(e), secrets)
        )
        return None
    for problem in report.errors:
        log.warning("alert rule not evaluated after %s: %s", trigger, problem)
    return report


def after_request(store: Store, trigger: str) -> RunReport | None:
    """:func:`after_write` as the web app runs it after a field report, in a worker thread:
    with :data:`WEB_SETTINGS` (one attempt each, a time budget), and only when no other run
    of this process is under way (else it is skipped: the next trigger, or ``ceasefire
    alerts run`` from cron, sends what is due). None when skipped or not run."""
    if not WEB_RUN.acquire(blocking=False):
        log.info("alerts after %s skipped: a run is under way in this process", trigger)
        return None
    try:
        return after_write(store, trigger, settings=WEB_SETTINGS)
    finally:
        WEB_RUN.release()


def send_test(
    store: Store,
    name: str,
    *,
    config: ChannelConfig | None = None,
    settings: AlertSettings | None = None,
) -> int:
    """Send a test message through the rule ``name``'s channel now (recorded and audited like
    any delivery, never retried by later runs); its delivery id. Raises
    :class:`DeliveryError` when it was not delivered."""
    sql = _sql(store)
    settings = settings or AlertSettings()
    found = [r for r in _stored.rules(sql.engine) if r["name"] == name]
    if not found:
        raise UnknownIdError(f"no alert rule named {name!r} (see `ceasefire alerts list`)")
    rule = _rule(found[0])
    config = config or load_config()
    now = settings.now()
    title = f"test of alert rule {rule.name}"
    said = HANDLERS[rule.kind].describe(rule.params)
    subject = Subject(f"test:{now.isoformat()}", title, f"{title}: {said}.", {"test": True})
    c = _stored.claim(
        sql.engine,
        rule.id,
        subject.key,
        rule.channel.value,
        _message(rule, subject),
        now=now,
        lease_s=settings.lease_s,
    )
    if c is None:
        raise DeliveryError(f"a test of {name} at {now.isoformat()} is under way already")
    error = _deliver(sql, rule, c, config, settings, "test")
    if error is not None:
        raise DeliveryError(error)
    return c.delivery_id
