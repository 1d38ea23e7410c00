"""Alert rule kinds: a closed vocabulary, one handler each (how a rule's parameters are
checked, what it finds in the findings, how it is described).

A handler never reads the store itself: it reads a :class:`Findings` (the findings layer of one
store at one moment, :class:`ceasefire.alerts.delivery.StoreFindings`), so every alert is about
what the dashboard counts, with analysts' reviews applied. Each thing a rule finds is a
:class:`Subject` with a stable key (``event:<uid>``, ``period:<agreement>/<provision>:<day>``,
``obligation:<agreement>/<provision>:<due>``): a subject is delivered at most once per rule and
channel.

>>> known = Known(zones=frozenset({"sochi-dmz"}), agreements=frozenset({"sochi-2018"}))
>>> HANDLERS[RuleKind.VIOLATION].params({"zone": "sochi-dmz", "min_deaths": "3"}, known)
{'zone': 'sochi-dmz', 'min_deaths': 3, 'agreement': None}
>>> HANDLERS[RuleKind.VIOLATION].params({"zone": "nowhere"}, known)
Traceback (most recent call last):
...
ceasefire.errors.InputError: zone: not a zone of any provision; known: sochi-dmz ('nowhere')
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final, Protocol

import pandas as pd

from ceasefire.errors import InputError
from ceasefire.vocab import ObligationStatus, ProvisionType

__all__ = [
    "HANDLERS",
    "OVERDUE_STATUSES",
    "Channel",
    "Findings",
    "Handler",
    "Known",
    "RuleKind",
    "Subject",
]


class RuleKind(StrEnum):
    """What an alert rule watches for."""

    #: an incident whose worst verdict inside a zone is a violation, with at least N deaths
    VIOLATION = "violation"
    #: an incident whose worst verdict inside a zone is a possible violation (the M4 corridor)
    POSSIBLE_VIOLATION = "possible_violation"
    #: a period (a week) of a joint-patrol obligation with fewer joint patrols than expected
    NO_JOINT_PATROL = "no_joint_patrol"
    #: an obligation past its due day and not met (no evidence it was, or evidence against)
    OBLIGATION_OVERDUE = "obligation_overdue"
    #: a situation report saved to the workspace (by a scheduled ``ceasefire report --save``)
    SITUATION_REPORT = "situation_report"


class Channel(StrEnum):
    """How an alert is delivered."""

    EMAIL = "email"
    WEBHOOK = "webhook"


#: Obligation statuses that say a due day passed without the obligation being met.
OVERDUE_STATUSES: Final = ("no_evidence", "contrary_evidence", "unmet")

#: An ``unmet`` row of one period of a joint-patrol obligation, as
#: :mod:`ceasefire.compliance.obligations` words it ("week 2020-03-22 to 2020-03-28: 0 joint
#: patrol(s), expected 1"); the provision's summary row reads otherwise.
_PERIOD: Final = re.compile(
    r"^(?P<per>day|week|month) (?P<start>\d{4}-\d{2}-\d{2}) to (?P<end>\d{4}-\d{2}-\d{2}): "
    r"(?P<joint>\d+) joint patrol"
)


@dataclass(frozen=True)
class Subject:
    """One thing a rule found: ``key`` (stable: what is delivered once), a one-line ``title``,
    the ``text`` of the message, and ``details`` (plain JSON values) for a webhook."""

    key: str
    title: str
    text: str
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Known:
    """What a rule's parameters may name: the zones findings are about (a provision's zone) and
    the agreements (with their provisions, ``agreement/provision``)."""

    zones: frozenset[str] = frozenset()
    agreements: frozenset[str] = frozenset()
    provisions: frozenset[str] = frozenset()


class Findings(Protocol):
    """The findings a rule reads, from one store at one moment."""

    def zone_incidents(self, zone: str, agreement: str | None) -> pd.DataFrame:
        """:func:`ceasefire.findings.incidents` inside ``zone`` (each event at its worst
        verdict there) among the breaches of ``agreement`` (any when None)."""

    def obligations(self) -> pd.DataFrame:
        """The stored obligations (``agreement_id, provision_id, provision_type, due,
        status, reason``), as the last evaluation judged them."""

    def situation_reports(self) -> list[dict[str, Any]]:
        """The situation reports saved to the workspace (without their bodies: ``id,
        agreement_id, period_kind, period_start, period_end, language, sha256, created_at,
        created_by, version, versions``), oldest first."""


class Handler(Protocol):
    """What a rule kind does."""

    @property
    def kind(self) -> RuleKind:
        """The kind it handles."""

    def params(self, raw: Mapping[str, Any], known: Known) -> dict[str, Any]:
        """The rule's parameters checked and typed (:class:`InputError` naming the field)."""

    def subjects(self, params: Mapping[str, Any], found: Findings) -> list[Subject]:
        """What the rule finds now."""

    def describe(self, params: Mapping[str, Any]) -> str:
        """The rule in plain words."""


# ------------------------------------------------------------------------------- parameters


def _known(value: Any, name: str, allowed: frozenset[str], what: str) -> str:
    text = str(value)
    if text not in allowed:
        raise InputError(
            f"not {what}; known: {', '.join(sorted(allowed)) or 'none'}", field=name, value=text
        )
    return text


def _optional(raw: Mapping[str, Any], name: str, allowed: frozenset[str], what: str) -> str | None:
    value = raw.get(name)
    return None if value in (None, "") else _known(value, name, allowed, what)


def _deaths(raw: Mapping[str, Any]) -> int:
    value = raw.get("min_deaths")
    if value in (None, ""):
        return 0
    if isinstance(value, bool) or not re.fullmatch(r"\d{1,9}", str(value).strip()):
        raise InputError("must be a whole number, 0 or more", field="min_deaths", value=value)
    return int(str(value).strip())


def _unexpected(raw: Mapping[str, Any], allowed: tuple[str, ...], kind: RuleKind) -> None:
    extra = sorted(k for k, v in raw.items() if k not in allowed and v not in (None, ""))
    if extra:
        raise InputError(
            f"a {kind.value} rule takes only {', '.join(allowed) or 'nothing'}",
            field=extra[0],
            value=raw[extra[0]],
        )


def _zone_params(raw: Mapping[str, Any], known: Known, kind: RuleKind) -> dict[str, Any]:
    if raw.get("zone") in (None, ""):
        raise InputError(f"a {kind.value} rule needs a zone", field="zone")
    return {
        "zone": _known(raw["zone"], "zone", known.zones, "a zone of any provision"),
        "agreement": _optional(raw, "agreement", known.agreements, "a known agreement"),
    }


# ------------------------------------------------------------------------------- incidents


def _value(x: Any) -> Any:
    """A frame cell as plain JSON (NaN and NA as None, numpy scalars as Python)."""
    if x is None or (not isinstance(x, str) and pd.isna(x)):
        return None
    return x.item() if hasattr(x, "item") else x


def _incident_subject(r: Mapping[str, Any], zone: str, what: str) -> Subject:
    deaths = int(r.get("fatalities") or 0)
    p = _value(r.get("probability"))
    where = r.get("location") or "unknown place"
    party = r.get("party") or "unattributed"
    said = f"{deaths} death" + ("" if deaths == 1 else "s")
    title = f"{what} in {zone}: {r.get('event_date')}, {where}, {said}"
    lines = [
        title,
        f"event: {r['event_uid']} ({r.get('source_dataset') or 'unknown source'})",
        f"verdict: {r.get('verdict')}"
        + (f" (probability {float(p):.2f})" if p is not None else "")
        + f" under {r.get('agreement_id')}/{r.get('provision_id')}; party: {party}",
        f"event type: {r.get('event_type') or '-'}; actors: {r.get('actor1') or '-'} / "
        f"{r.get('actor2') or '-'}",
        f"review: {r.get('review_status') or 'unreviewed'}",
        f"why: {r.get('reason') or '-'}",
    ]
    keep = (
        "event_uid",
        "event_date",
        "location",
        "latitude",
        "longitude",
        "fatalities",
        "verdict",
        "probability",
        "party",
        "agreement_id",
        "provision_id",
        "event_type",
        "source_dataset",
        "review_status",
        "reason",
    )
    details = {k: _value(r.get(k)) for k in keep} | {"zone": zone}
    return Subject(f"event:{r['event_uid']}", title, "\n".join(lines), details)


@dataclass(frozen=True)
class _Violation:
    kind: RuleKind = RuleKind.VIOLATION

    def params(self, raw: Mapping[str, Any], known: Known) -> dict[str, Any]:
        _unexpected(raw, ("zone", "min_deaths", "agreement"), self.kind)
        out = _zone_params(raw, known, self.kind)
        return {"zone": out["zone"], "min_deaths": _deaths(raw), "agreement": out["agreement"]}

    def subjects(self, params: Mapping[str, Any], found: Findings) -> list[Subject]:
        inc = found.zone_incidents(params["zone"], params.get("agreement"))
        hit = inc[
            (inc["verdict"].astype(str) == "violation")
            & (pd.to_numeric(inc["fatalities"], errors="coerce").fillna(0) >= params["min_deaths"])
        ]
        return [_incident_subject(r, params["zone"], "violation") for r in _records(hit)]

    def describe(self, params: Mapping[str, Any]) -> str:
        of = f" of {params['agreement']}" if params.get("agreement") else ""
        return f"a violation{of} in {params['zone']} with at least {params['min_deaths']} deaths"


@dataclass(frozen=True)
class _PossibleViolation:
    kind: RuleKind = RuleKind.POSSIBLE_VIOLATION

    def params(self, raw: Mapping[str, Any], known: Known) -> dict[str, Any]:
        _unexpected(raw, ("zone", "agreement"), self.kind)
        return _zone_params(raw, known, self.kind)

    def subjects(self, params: Mapping[str, Any], found: Findings) -> list[Subject]:
        inc = found.zone_incidents(params["zone"], params.get("agreement"))
        hit = inc[inc["verdict"].astype(str) == "possible_violation"]
        return [_incident_subject(r, params["zone"], "possible violation") for r in _records(hit)]

    def describe(self, params: Mapping[str, Any]) -> str:
        of = f" of {params['agreement']}" if params.get("agreement") else ""
        return f"a possible violation{of} in {params['zone']}"


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in r.items()} for r in frame.to_dict("records")]


# ----------------------------------------------------------------------------- obligations


def _of(params: Mapping[str, Any], frame: pd.DataFrame) -> pd.DataFrame:
    if params.get("agreement"):
        frame = frame[frame["agreement_id"] == params["agreement"]]
    if params.get("provision"):
        frame = frame[frame["provision_id"] == params["provision"]]
    return frame


def _obligation_params(raw: Mapping[str, Any], known: Known, kind: RuleKind) -> dict[str, Any]:
    _unexpected(raw, ("agreement", "provision"), kind)
    agreement = _optional(raw, "agreement", known.agreements, "a known agreement")
    provision = raw.get("provision")
    if provision not in (None, ""):
        if agreement is None:
            raise InputError("give the agreement too", field="provision", value=provision)
        _known(f"{agreement}/{provision}", "provision", known.provisions, "a known provision")
    return {"agreement": agreement, "provision": provision or None}


@dataclass(frozen=True)
class _NoJointPatrol:
    kind: RuleKind = RuleKind.NO_JOINT_PATROL

    def params(self, raw: Mapping[str, Any], known: Known) -> dict[str, Any]:
        return _obligation_params(raw, known, self.kind)

    def subjects(self, params: Mapping[str, Any], found: Findings) -> list[Subject]:
        rows = _of(params, found.obligations())
        joint = rows["provision_type"] == ProvisionType.JOINT_PATROL
        rows = rows[joint & (rows["status"] == ObligationStatus.UNMET)]
        out = []
        for r in _records(rows):
            m = _PERIOD.match(str(r.get("reason") or ""))
            if m is None:  # the provision's summary row
                continue
            a, p = r["agreement_id"], r["provision_id"]
            title = (
                f"{m['per']} without the joint patrols expected: {m['start']} to {m['end']} "
                f"({a}/{p})"
            )
            details = {
                "agreement_id": a,
                "provision_id": p,
                "period_start": m["start"],
                "period_end": m["end"],
                "joint_patrols": int(m["joint"]),
                "reason": r.get("reason"),
            }
            text = f"{title}\nwhy: {r.get('reason')}"
            out.append(Subject(f"period:{a}/{p}:{m['start']}", title, text, details))
        return out

    def describe(self, params: Mapping[str, Any]) -> str:
        of = "/".join(x for x in (params.get("agreement"), params.get("provision")) if x)
        return f"a period without the joint patrols expected{f' ({of})' if of else ''}"


@dataclass(frozen=True)
class _ObligationOverdue:
    kind: RuleKind = RuleKind.OBLIGATION_OVERDUE

    def params(self, raw: Mapping[str, Any], known: Known) -> dict[str, Any]:
        return _obligation_params(raw, known, self.kind)

    def subjects(self, params: Mapping[str, Any], found: Findings) -> list[Subject]:
        rows = _of(params, found.obligations())
        rows = rows[rows["status"].isin(OVERDUE_STATUSES)]
        out = []
        for r in _records(rows):
            if _PERIOD.match(str(r.get("reason") or "")):  # a week: the patrol rule's
                continue
            a, p, due = r["agreement_id"], r["provision_id"], r.get("due") or ""
            title = f"obligation past due: {a}/{p} (due {due or '-'}): {r['status']}"
            details = {
                "agreement_id": a,
                "provision_id": p,
                "due": due or None,
                "status": r["status"],
                "reason": r.get("reason"),
            }
            text = f"{title}\nwhy: {r.get('reason')}"
            out.append(Subject(f"obligation:{a}/{p}:{due}", title, text, details))
        return out

    def describe(self, params: Mapping[str, Any]) -> str:
        of = "/".join(x for x in (params.get("agreement"), params.get("provision")) if x)
        return f"an obligation past due and not met{f' ({of})' if of else ''}"


# ------------------------------------------------------------------------ situation reports

#: The period kinds a report covers.
_PERIODS: Final = frozenset({"day", "week", "month"})
_BASE_URL: Final = re.compile(r"https?://[^\s/?#]+(?:/[^\s?#]*)?")


@dataclass(frozen=True)
class _SituationReport:
    """Each situation report saved to the workspace, once: what a scheduled report run
    (``ceasefire report --period day --date yesterday --save`` from cron) hands to the people
    who read it. The message carries the report's permalink (absolute with ``base_url``, the
    workspace's address as its readers reach it); a report saved again with new evidence is a
    new version, and so a new message."""

    kind: RuleKind = RuleKind.SITUATION_REPORT

    def params(self, raw: Mapping[str, Any], known: Known) -> dict[str, Any]:
        _unexpected(raw, ("agreement", "period", "language", "base_url"), self.kind)
        period = raw.get("period")
        if period not in (None, "") and str(period) not in _PERIODS:
            raise InputError("must be one of day, week, month", field="period", value=period)
        language = raw.get("language")
        if language not in (None, "") and not re.fullmatch(r"[a-z]{2,3}", str(language)):
            raise InputError("must be a language code (en, ar)", field="language", value=language)
        base = raw.get("base_url")
        if base not in (None, "") and not _BASE_URL.fullmatch(str(base)):
            raise InputError(
                "must be an http(s) address (https://monitor.example.org)",
                field="base_url",
                value=base,
            )
        return {
            "agreement": _optional(raw, "agreement", known.agreements, "a known agreement"),
            "period": str(period) if period not in (None, "") else None,
            "language": str(language) if language not in (None, "") else None,
            "base_url": str(base).rstrip("/") if base not in (None, "") else None,
        }

    def subjects(self, params: Mapping[str, Any], found: Findings) -> list[Subject]:
        out = []
        for r in found.situation_reports():
            if any(
                params.get(k) and str(r[col]) != params[k]
                for k, col in (
                    ("agreement", "agreement_id"),
                    ("period", "period_kind"),
                    ("language", "language"),
                )
            ):
                continue
            link = f"{params.get('base_url') or ''}/situation-reports/{r['id']}"
            title = (
                f"situation report: {r['agreement_id']}, {r['period_kind']} "
                f"{r['period_start']} to {r['period_end']} ({r['language']}), "
                f"version {r['version']}"
            )
            text = "\n".join(
                [
                    title,
                    f"read it: {link}",
                    f"saved {r['created_at']} by {r['created_by']}; sha256 {r['sha256']}",
                ]
            )
            keep = ("id", "agreement_id", "period_kind", "period_start", "period_end")
            details = {k: _value(r.get(k)) for k in (*keep, "language", "sha256", "version")}
            out.append(Subject(f"report:{r['id']}", title, text, details | {"url": link}))
        return out

    def describe(self, params: Mapping[str, Any]) -> str:
        said = [params.get("agreement"), params.get("period"), params.get("language")]
        of = ", ".join(x for x in said if x)
        return f"a situation report saved to the workspace{f' ({of})' if of else ''}"


#: The one handler of each rule kind.
HANDLERS: Final[Mapping[RuleKind, Handler]] = {
    RuleKind.VIOLATION: _Violation(),
    RuleKind.POSSIBLE_VIOLATION: _PossibleViolation(),
    RuleKind.NO_JOINT_PATROL: _NoJointPatrol(),
    RuleKind.OBLIGATION_OVERDUE: _ObligationOverdue(),
    RuleKind.SITUATION_REPORT: _SituationReport(),
}
