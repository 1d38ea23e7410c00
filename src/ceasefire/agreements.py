"""Agreements as code: the YAML format, its validation, and chains of supplements.

An agreement file names the parties and the forces each answers for, the actors exempt from
the ceasefire, the agreement it supplements, and typed provisions. See ``docs/agreements.md``
for the format; ``ceasefire agreements schema`` prints the JSON Schema generated from the models
below.

>>> sochi = load_bundled("sochi-2018")
>>> sochi.pax_id, [p.type.value for p in sochi.provisions][:3]
(2169, ['ceasefire', 'demilitarised_zone', 'weapons_withdrawal'])
>>> [a.id for a in chain(load_bundled("moscow-2020"))]
['moscow-2020', 'sochi-2018']
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import AgreementError, ConflictError, InputError, UnknownIdError
from .events import VIOLENT_EVENT_TYPES
from .limits import YamlLimits, check_size
from .vocab import ProvisionType

__all__ = [
    "EVENT_CHECKED_TYPES",
    "ActorGroup",
    "Agreement",
    "Party",
    "Provision",
    "TimeSpec",
    "agreement_json_schema",
    "bundled_ids",
    "chain",
    "chains",
    "load_agreement",
    "load_bundled",
    "missing_zones",
    "parse_agreement",
    "provision_start",
    "read_agreement_text",
    "takes_effect",
    "validate_agreement",
    "zone_references",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TimeSpec(_Strict):
    """A moment in local time, possibly uncertain.

    ``at`` is a local date or date-time; ``timezone`` an IANA name. If the text leaves the time
    zone open, ``alternative_timezones`` lists the other readings and the moment becomes a UTC
    *window* spanning all of them. A bare date means the start of that day.

    >>> t = TimeSpec(at="2020-03-06T00:01", timezone="Asia/Damascus",
    ...              alternative_timezones=["Europe/Moscow"])
    >>> [x.isoformat() for x in t.utc_window()]
    ['2020-03-05T21:01:00+00:00', '2020-03-05T22:01:00+00:00']
    """

    at: dt.datetime | dt.date
    timezone: str = "Asia/Damascus"
    alternative_timezones: list[str] = Field(default_factory=list)
    end_of_day: bool = Field(
        default=False, description="a bare date means the END of that day (e.g. 'by 15 October')"
    )

    @field_validator("at", mode="before")
    @classmethod
    def _bare_date(cls, v: Any) -> Any:
        # "2018-10-15" is a day, not midnight: keep it a date so `end_of_day` can apply
        if isinstance(v, str) and len(v.strip()) == 10:
            try:
                return dt.date.fromisoformat(v.strip())
            except ValueError:
                return v
        return v

    @field_validator("at")
    @classmethod
    def _no_offset(cls, v: dt.datetime | dt.date) -> dt.datetime | dt.date:
        if isinstance(v, dt.datetime) and v.tzinfo is not None:
            raise ValueError("give the local time without a UTC offset, and its zone in `timezone`")
        return v

    @field_validator("timezone", "alternative_timezones")
    @classmethod
    def _known_zone(cls, v: str | list[str]) -> str | list[str]:
        for name in [v] if isinstance(v, str) else v:
            try:
                ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {name!r}") from None
        return v

    def local(self) -> dt.datetime:
        """The naive local date-time this spec names."""
        if isinstance(self.at, dt.datetime):
            return self.at.replace(tzinfo=None)
        day = dt.datetime.combine(self.at, dt.time())
        return day + dt.timedelta(days=1) if self.end_of_day else day

    def utc_readings(self) -> list[dt.datetime]:
        """The moment in UTC under each candidate time zone: equally likely readings."""
        local = self.local()
        return [
            local.replace(tzinfo=ZoneInfo(z)).astimezone(dt.UTC)
            for z in [self.timezone, *self.alternative_timezones]
        ]

    def utc_window(self) -> tuple[dt.datetime, dt.datetime]:
        """Earliest and latest UTC reading of this moment over all candidate time zones."""
        readings = self.utc_readings()
        return min(readings), max(readings)

    def label(self) -> str:
        """How a monitor would write it: ``2020-03-06 00:01`` (the local reading)."""
        if isinstance(self.at, dt.datetime):
            return self.at.strftime("%Y-%m-%d %H:%M")
        return self.at.isoformat()


class ActorGroup(_Strict):
    """Actors named by regular expressions over the event's actor fields (case-insensitive).

    >>> g = ActorGroup(name="Syrian government forces",
    ...                patterns=[r"government of syria", r"military forces of syria"])
    >>> bool(g.regex.search("Military Forces of Syria (2000-)"))
    True
    """

    name: str
    patterns: list[str] = Field(min_length=1)
    basis: str | None = None

    @field_validator("patterns")
    @classmethod
    def _compiles(cls, v: list[str]) -> list[str]:
        for p in v:
            try:
                re.compile(p, re.IGNORECASE)
            except re.error as e:
                raise ValueError(f"not a valid regular expression {p!r}: {e}") from None
        return v

    @cached_property
    def regex(self) -> re.Pattern[str]:
        return re.compile("|".join(f"(?:{p})" for p in self.patterns), re.IGNORECASE)


class Party(_Strict):
    """A signatory party and the forces it answers for."""

    id: str
    name: str
    short_name: str | None = Field(default=None, description="as in 'Russia's side'")
    signatories: list[str] = Field(default_factory=list)
    forces: list[ActorGroup] = Field(default_factory=list)
    initiator_hints: list[str] = Field(
        default_factory=list,
        description=(
            "sub_event_types only this party's side can carry out here (e.g. 'Air/drone strike' "
            "where only one side flies aircraft): used to attribute events whose source does not "
            "record the initiator"
        ),
    )

    @property
    def side_label(self) -> str:
        """``"Russia's side"``: the party and the forces it answers for."""
        return f"{self.short_name or self.name}'s side"

    @cached_property
    def regex(self) -> re.Pattern[str] | None:
        pats = [p for f in self.forces for p in f.patterns]
        return re.compile("|".join(f"(?:{p})" for p in pats), re.IGNORECASE) if pats else None


class Signed(_Strict):
    date: dt.date
    place: str


class _ProvisionBase(_Strict):
    """What every provision has. Each type (a subclass) says how it is parsed (its fields),
    where it is judged (:meth:`judged_zone`) and from when (:meth:`binds_from`); how it is
    judged and explained is its handler's (:mod:`ceasefire.compliance.provisions`)."""

    #: Whether events are judged against it one by one (else it is an obligation).
    event_checked: ClassVar[bool] = False
    #: Whether it is judged in a corridor drawn around its route (not in a zone of its own).
    corridor: ClassVar[bool] = False

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    text: str = Field(description="the provision's words, quoted from the agreement")
    article: str | None = None
    responsible: list[str] = Field(
        default_factory=list, description="party ids bound by it; empty means all parties"
    )
    notes: str | None = None

    def binds_from(self) -> TimeSpec | None:
        """When an event-checked provision starts to bind (None for an obligation)."""
        return None

    def judged_zone(self, agreement_id: str) -> str | None:
        """The id of the zone events are judged in (None for an obligation): the zone it
        names, or ``agreement/provision`` for a corridor drawn around a route."""
        return None

    def references(self) -> list[str]:
        """The ids of the zones and routes it names."""
        return [ref for ref in (getattr(self, "zone", None), getattr(self, "route", None)) if ref]

    def describe(self, agreement: Agreement, zone_name: ZoneNamer) -> str:
        """The provision in plain words (``zone_name`` names a zone or route id)."""
        return self.text.strip()

    def _who(self, agreement: Agreement) -> str:
        return ", ".join(agreement.party(x).name for x in self.responsible) or "any party"


#: How a description names a zone or route by its id (``None``: the whole area).
ZoneNamer = Callable[[str | None], str]

_DEFAULT_PROHIBITED = list(VIOLENT_EVENT_TYPES)


class _Prohibiting(_ProvisionBase):
    """A provision that prohibits acts in a place from a moment on."""

    effective_from: TimeSpec
    until: TimeSpec | None = None
    prohibited_event_types: list[str] = Field(
        default_factory=lambda: list(_DEFAULT_PROHIBITED),
        description="ACLED event types or sub-event types that breach it",
    )

    event_checked: ClassVar[bool] = True

    def binds_from(self) -> TimeSpec:
        return self.effective_from

    def judged_zone(self, agreement_id: str) -> str | None:
        return getattr(self, "zone", None)


class CeasefireProvision(_Prohibiting):
    """All prohibited acts by anyone inside the zone are breaches from ``effective_from``."""

    type: Literal[ProvisionType.CEASEFIRE]
    zone: str

    def describe(self, agreement: Agreement, zone_name: ZoneNamer) -> str:
        acts = ", ".join(self.prohibited_event_types)
        return (
            f"No {acts} by {self._who(agreement)} inside {zone_name(self.zone)} "
            f"from {self.effective_from.label()} ({self.effective_from.timezone})."
        )


class SecurityCorridorProvision(_Prohibiting):
    """A corridor ``width_each_side_km`` either side of a route, flat at its named ends."""

    type: Literal[ProvisionType.SECURITY_CORRIDOR]
    route: str
    route_label: str = Field(default="the route", description="how reasons name it: 'the M4'")
    width_each_side_km: float = Field(gt=0)
    ends: Literal["flat"] = "flat"
    from_place: str
    to_place: str

    corridor: ClassVar[bool] = True

    def judged_zone(self, agreement_id: str) -> str:
        return f"{agreement_id}/{self.id}"

    def describe(self, agreement: Agreement, zone_name: ZoneNamer) -> str:
        acts = ", ".join(self.prohibited_event_types)
        return (
            f"No {acts} within {self.width_each_side_km:g} km either side of "
            f"{self.route_label} between {self.from_place} and {self.to_place}, from "
            f"{self.effective_from.label()}."
        )


class DemilitarisedZoneProvision(_Prohibiting):
    """A zone to be cleared of fighting and of ``excluded_actors`` by ``effective_from``."""

    type: Literal[ProvisionType.DEMILITARISED_ZONE]
    zone: str
    depth_km: tuple[float, float] | None = None
    excluded_actors: list[ActorGroup] = Field(
        default_factory=list,
        description="actors who must leave the zone: their presence is itself the breach",
    )
    excluded_actors_responsible: str | None = Field(
        default=None, description="party id answerable for removing the excluded actors"
    )

    def describe(self, agreement: Agreement, zone_name: ZoneNamer) -> str:
        acts = ", ".join(self.prohibited_event_types)
        out = ", ".join(g.name for g in self.excluded_actors)
        extra = f"; {out} must leave it" if out else ""
        return (
            f"{zone_name(self.zone)} is demilitarised from {self.effective_from.label()}: "
            f"no {acts}{extra}."
        )


_WEAPON_CLASSES = Literal["tanks", "multiple_rocket_launchers", "artillery", "mortars"]


class WeaponsWithdrawalProvision(_ProvisionBase):
    """Heavy weapons of ``weapon_classes`` out of ``zone`` by ``deadline``."""

    type: Literal[ProvisionType.WEAPONS_WITHDRAWAL]
    zone: str
    weapon_classes: list[_WEAPON_CLASSES] = Field(min_length=1)
    deadline: TimeSpec
    until: TimeSpec | None = None

    event_checked: ClassVar[bool] = True

    def binds_from(self) -> TimeSpec:
        return self.deadline

    def judged_zone(self, agreement_id: str) -> str:
        return self.zone

    def describe(self, agreement: Agreement, zone_name: ZoneNamer) -> str:
        kinds = ", ".join(w.replace("_", " ") for w in self.weapon_classes)
        return f"{kinds} withdrawn from {zone_name(self.zone)} by {self.deadline.label()}."


class Frequency(_Strict):
    count: int = Field(ge=1)
    per: Literal["day", "week", "month"]


class JointPatrolProvision(_ProvisionBase):
    """Joint patrols along a route from ``start``, at least ``expected_frequency``."""

    type: Literal[ProvisionType.JOINT_PATROL]
    route: str
    from_place: str
    to_place: str
    start: TimeSpec
    parties: list[str] = Field(min_length=2)
    expected_frequency: Frequency | None = None

    def describe(self, agreement: Agreement, zone_name: ZoneNamer) -> str:
        parties = " and ".join(agreement.party(x).name for x in self.parties)
        freq = self.expected_frequency
        often = f", at least {freq.count} per {freq.per}" if freq else ""
        return (
            f"Joint patrols by {parties} along {zone_name(self.route)} from {self.from_place} "
            f"to {self.to_place}, starting {self.start.label()}{often}."
        )


class Fulfilment(_Strict):
    date: dt.date
    evidence: str


class DeadlineProvision(_ProvisionBase):
    """An obligation to be met by ``due``; ``fulfilled`` records evidence that it was."""

    type: Literal[ProvisionType.DEADLINE]
    due: TimeSpec
    fulfilled: Fulfilment | None = None

    def describe(self, agreement: Agreement, zone_name: ZoneNamer) -> str:
        done = f" Fulfilled {self.fulfilled.date}." if self.fulfilled else ""
        return f"Due by {self.due.label()}: {self.text.strip()}{done}"


class HumanitarianAccessProvision(_ProvisionBase):
    """Aid to reach those in need without obstruction, judged week by week from records of
    aid deliveries and crossings (:mod:`ceasefire.humanitarian`)."""

    type: Literal[ProvisionType.HUMANITARIAN_ACCESS]
    zone: str | None = None

    def describe(self, agreement: Agreement, zone_name: ZoneNamer) -> str:
        return (
            f"Humanitarian access to {zone_name(self.zone)}: aid delivered without "
            "obstruction, judged week by week from aid delivery records (a week with a "
            "blocked delivery, or none after earlier ones, is unmet)."
        )


class ReturnOfDisplacedProvision(_ProvisionBase):
    """The safe and voluntary return of the displaced, judged week by week from records of
    population movements: returns against new displacement (:mod:`ceasefire.humanitarian`)."""

    type: Literal[ProvisionType.RETURN_OF_DISPLACED]
    zone: str | None = None

    def describe(self, agreement: Agreement, zone_name: ZoneNamer) -> str:
        return (
            f"Return of the displaced to {zone_name(self.zone)}, judged week by week from "
            "population movement records (a week with more people newly displaced than "
            "returned is unmet)."
        )


Provision = Annotated[
    CeasefireProvision
    | SecurityCorridorProvision
    | DemilitarisedZoneProvision
    | WeaponsWithdrawalProvision
    | JointPatrolProvision
    | DeadlineProvision
    | HumanitarianAccessProvision
    | ReturnOfDisplacedProvision,
    Field(discriminator="type"),
]

#: Provision types judged event by event; the others are obligations checked for absence.
EVENT_CHECKED_TYPES: frozenset[ProvisionType] = frozenset(
    t for t in ProvisionType if t.is_event_checked
)


class Source(_Strict):
    title: str
    url: str | None = None


class Agreement(_Strict):
    """One agreement: identity, parties, exempt actors, supplements link, provisions."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    pax_id: int | None = Field(default=None, description="PA-X agreement id")
    signed: Signed
    parties: list[Party] = Field(min_length=1)
    exempt_actors: list[ActorGroup] = Field(default_factory=list)
    supplements: str | None = Field(default=None, description="id of the agreement it amends")
    supersedes: list[str] = Field(
        default_factory=list,
        description="'agreement-id/provision-id' of earlier provisions this one ends",
    )
    sources: list[Source] = Field(default_factory=list)
    provisions: list[Provision] = Field(min_length=1)

    def provision(self, provision_id: str) -> Any:
        for p in self.provisions:
            if p.id == provision_id:
                return p
        raise UnknownIdError(f"agreement {self.id} has no provision {provision_id!r}")

    def party(self, party_id: str) -> Party:
        for p in self.parties:
            if p.id == party_id:
                return p
        raise UnknownIdError(f"agreement {self.id} has no party {party_id!r}")


def agreement_json_schema() -> dict[str, Any]:
    """The JSON Schema of the agreement format, generated from the models.

    >>> agreement_json_schema()["title"]
    'Agreement'
    """
    schema = Agreement.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://ceasefire.example/schema/agreement.json"
    return schema


# --- loading, with line numbers -------------------------------------------------------------


class _LineLoader(YamlLimits, yaml.SafeLoader):
    """SafeLoader that keeps dates as strings (pydantic parses them), refuses duplicate keys
    (YAML would let the last one win silently) and holds the document to the limits of
    :class:`ceasefire.limits.YamlLimits` (depth, aliases, expanded size, number length) while
    composing, before anything is constructed."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode):  # `? [1, 2]`: unhashable, and no key
                raise yaml.constructor.ConstructorError(
                    None, None, "a key must be text, not a list or mapping", key_node.start_mark
                )
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"duplicate key {key!r} (first on line {seen[key]})",
                    key_node.start_mark,
                )
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        # an explicit tag PyYAML cannot honour (`!!int x`, `!!timestamp soon`) raises a plain
        # Python error from its constructor: made a YAML error at the node's line
        try:
            return super().construct_object(node, deep=deep)  # type: ignore[no-untyped-call]
        except (ValueError, TypeError, AttributeError, OverflowError) as e:
            shown = str(node.value)[:40] if isinstance(node, yaml.ScalarNode) else "a collection"
            raise yaml.constructor.ConstructorError(
                None, None, f"not a {node.tag.rsplit(':', 1)[-1]} ({shown!r}): {e}", node.start_mark
            ) from None


# Keep YAML timestamps as text so pydantic parses them (and reports their line if bad).
_LineLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _line_index(node: yaml.Node, path: tuple[Any, ...], out: dict[tuple[Any, ...], int]) -> None:
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if not isinstance(k, yaml.ScalarNode):
                continue  # `? [1, 2]`: a key no agreement has (constructing it says so)
            key = k.value
            out[(*path, key)] = k.start_mark.line + 1
            _line_index(v, (*path, key), out)
            out[(*path, key)] = k.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            _line_index(v, (*path, i), out)


def _line_for(loc: tuple[Any, ...], lines: Mapping[tuple[Any, ...], int]) -> int | None:
    # pydantic inserts the union tag ('ceasefire', ...) into locations; drop what is not in YAML.
    path: tuple[Any, ...] = ()
    best = lines.get((), None)
    for part in loc:
        cand = (*path, part)
        if cand in lines:
            path = cand
            best = lines[cand]
    return best


def _yaml_error(e: yaml.YAMLError, text: str, file: str, prefix: str = "") -> AgreementError:
    """PyYAML's error in one line (its own text spans several: the context, the problem, each
    with a quote of the line), at the line of the problem."""
    mark = getattr(e, "problem_mark", None)
    line = mark.line + 1 if mark is not None else None
    if isinstance(e, yaml.MarkedYAMLError):
        problem = ": ".join(p for p in (e.context, e.problem) if p) or type(e).__name__
    else:  # a ReaderError (a character YAML does not allow): says where by its position
        problem = str(e).splitlines()[0]
        position = getattr(e, "position", None)
        if isinstance(position, int):
            line = text.count("\n", 0, position) + 1
    return AgreementError([InputError(prefix + problem, file=file, line=line)])


def _load(text: str, file: str) -> tuple[dict[tuple[Any, ...], int], Any]:
    """Compose the one document (the limits are checked here, a :class:`LimitError` passes
    through), index its lines, then construct it from the composed nodes (not parsed twice)."""
    try:
        loader = _LineLoader(text, file=file)
        node = loader.get_single_node()  # type: ignore[no-untyped-call]
    except yaml.YAMLError as e:
        raise _yaml_error(e, text, file, "not valid YAML: ") from None
    try:
        if node is None:
            raise AgreementError([InputError("empty file", file=file)])
        lines: dict[tuple[Any, ...], int] = {}
        _line_index(node, (), lines)
        try:
            data = loader.construct_document(node)  # type: ignore[no-untyped-call]
        except yaml.YAMLError as e:
            raise _yaml_error(e, text, file) from None
    finally:
        loader.dispose()  # type: ignore[no-untyped-call]
    return lines, data


def parse_agreement(text: str, *, file: str = "<string>") -> Agreement:
    """Parse and validate agreement YAML; every problem is reported as ``file:line: field: ...``.

    >>> parse_agreement("id: x\\ntitle: t\\ncolour: red\\n", file="a.yaml")
    Traceback (most recent call last):
    ...
    ceasefire.errors.AgreementError: a.yaml:1: signed: missing
    a.yaml:1: parties: missing
    a.yaml:1: provisions: missing
    a.yaml:3: colour: unknown key ('colour')
    """
    check_size(len(text.encode("utf-8", "surrogatepass")), file=file)
    lines, data = _load(text, file)
    if not isinstance(data, dict):
        raise AgreementError([InputError("expected a mapping at the top", file=file, line=1)])
    try:
        agreement = Agreement.model_validate(data)
    except ValidationError as e:
        raise AgreementError(_errors(e, lines, file)) from None
    problems = _reference_errors(agreement, lines, file)
    if problems:
        raise AgreementError(problems)
    return agreement


def _reference_errors(
    a: Agreement, lines: Mapping[tuple[Any, ...], int], file: str
) -> list[InputError]:
    """Every reference inside the agreement that points nowhere, each at its own line."""
    out: list[InputError] = []
    party_ids = {p.id for p in a.parties}
    known = f"known: {sorted(party_ids)}"

    def err(problem: str, loc: tuple[Any, ...], value: Any) -> None:
        field = ".".join(str(p) for p in loc)
        line = _line_for(loc, lines)
        out.append(InputError(problem, file=file, line=line, field=field, value=value))

    seen: dict[str, int] = {}
    for i, prov in enumerate(a.provisions):
        if prov.id in seen:
            err(
                f"duplicate id (first: provisions.{seen[prov.id]})",
                ("provisions", i, "id"),
                prov.id,
            )
        seen.setdefault(prov.id, i)
        for key in ("responsible", "parties"):
            for j, pid in enumerate(getattr(prov, key, None) or []):
                if pid not in party_ids:
                    err(f"unknown party; {known}", ("provisions", i, key, j), pid)
        answerable = getattr(prov, "excluded_actors_responsible", None)
        if answerable is not None and answerable not in party_ids:
            loc = ("provisions", i, "excluded_actors_responsible")
            err(f"unknown party; {known}", loc, answerable)
        until = getattr(prov, "until", None)
        starts = prov.binds_from()
        if (
            until is not None
            and starts is not None
            and until.utc_window()[1] <= starts.utc_window()[0]
        ):
            err("ends before it starts", ("provisions", i, "until"), until.label())
    for j, ref in enumerate(a.supersedes):
        if "/" not in ref:
            err("expected 'agreement-id/provision-id'", ("supersedes", j), ref)
    return sorted(out, key=lambda x: x.line or 0)


def _errors(
    e: ValidationError, lines: Mapping[tuple[Any, ...], int], file: str
) -> list[InputError]:
    out: list[InputError] = []
    for err in e.errors():
        loc = tuple(err["loc"])
        field = ".".join(str(p) for p in loc if p not in _UNION_TAGS)
        problem = err["msg"]
        value: Any = err.get("input")
        if err["type"] == "extra_forbidden":
            problem, value = "unknown key", loc[-1]
        elif err["type"] == "missing":
            problem, value = "missing", None
        elif err["type"] == "union_tag_invalid":
            problem = f"unknown provision type; known: {', '.join(ProvisionType)}"
            value, field = err["ctx"]["tag"], f"{field}.type"
        elif isinstance(value, dict | list):
            value = None
        if problem.startswith("Value error, "):
            problem = problem.removeprefix("Value error, ")
            if ": " in problem and not field:
                field, problem = problem.split(": ", 1)
        out.append(
            InputError(problem, file=file, line=_line_for(loc, lines), field=field, value=value)
        )
    return sorted(out, key=lambda x: x.line or 0)


# pydantic puts the union's tag into error locations; they are not keys of the YAML
_UNION_TAGS: frozenset[str] = frozenset(ProvisionType)


def read_agreement_text(path: str | Path) -> str:
    """The text of an agreement file (:class:`AgreementError` when it is missing or not UTF-8)."""
    p = Path(path)
    try:
        check_size(p.stat().st_size, file=str(p))  # before reading: a huge file is never read
        return p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise AgreementError([InputError("no such file", file=str(p))]) from None
    except UnicodeDecodeError as e:
        raise AgreementError([InputError(f"not UTF-8 text: {e}", file=str(p))]) from None


def load_agreement(path: str | Path) -> Agreement:
    """Load and validate one agreement file (its format; see :func:`validate_agreement` for the
    full check against known zones and agreements)."""
    return parse_agreement(read_agreement_text(path), file=str(Path(path)))


def _bundled_dir() -> Path:
    return Path(str(resources.files("ceasefire") / "data" / "agreements"))


def bundled_ids() -> list[str]:
    """Ids of the agreements shipped with ceasefire.

    >>> bundled_ids()
    ['moscow-2020', 'sochi-2018']
    """
    return sorted(p.stem for p in _bundled_dir().glob("*.yaml"))


@functools.cache
def load_bundled(agreement_id: str) -> Agreement:
    """Load a bundled agreement by id (parsed once: agreements are immutable)."""
    path = _bundled_dir() / f"{agreement_id}.yaml"
    if not path.exists():
        raise UnknownIdError(f"no bundled agreement {agreement_id!r}; known: {bundled_ids()}")
    return load_agreement(path)


def bundled_text(agreement_id: str) -> str:
    """The YAML text of a bundled agreement."""
    return (_bundled_dir() / f"{agreement_id}.yaml").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Registry:
    """A set of agreements by id, for resolving supplement chains.

    ``broken`` names the agreements that are known but could not be used (a stored agreement
    that no longer validates), each with why: they are not in ``agreements``, and :meth:`get`
    answers them with a :class:`ConflictError` that says why, not "unknown".

    >>> reg = Registry.of([load_bundled("sochi-2018")]).without({"x": "bad zone"})
    >>> sorted(reg.agreements), reg.broken
    (['sochi-2018'], {'x': 'bad zone'})
    >>> reg.get("x")
    Traceback (most recent call last):
    ...
    ceasefire.errors.ConflictError: agreement 'x' is stored but does not validate: bad zone
    """

    agreements: Mapping[str, Agreement]
    broken: Mapping[str, str] = dataclasses.field(default_factory=dict)

    @classmethod
    def of(cls, agreements: Iterable[Agreement]) -> Registry:
        return cls({a.id: a for a in agreements})

    @classmethod
    def bundled(cls) -> Registry:
        return cls.of(load_bundled(i) for i in bundled_ids())

    def without(self, broken: Mapping[str, str]) -> Registry:
        """This registry less the agreements of ``broken`` (id -> why), which it remembers."""
        kept = {k: a for k, a in self.agreements.items() if k not in broken}
        return Registry(kept, {**self.broken, **broken})

    def get(self, agreement_id: str) -> Agreement:
        if agreement_id in self.broken:
            raise ConflictError(
                f"agreement {agreement_id!r} is stored but does not validate: "
                f"{self.broken[agreement_id]}"
            )
        try:
            return self.agreements[agreement_id]
        except KeyError:
            raise UnknownIdError(
                f"unknown agreement {agreement_id!r}; known: {sorted(self.agreements)}"
            ) from None


def chain(agreement: Agreement, registry: Registry | None = None) -> list[Agreement]:
    """The agreement followed by every agreement it supplements, newest first.

    Raises :class:`UnknownIdError` for a missing link and :class:`InputError` for a cycle.
    """
    reg = registry or Registry.bundled()
    _check_supersedes(agreement, reg)
    out = [agreement]
    seen = {agreement.id}
    current = agreement
    while current.supplements:
        nxt = reg.get(current.supplements)
        if nxt.id in seen:
            raise InputError("supplement chain loops", field="supplements", value=nxt.id)
        out.append(nxt)
        seen.add(nxt.id)
        current = nxt
    return out


def chains(agreements: Iterable[Agreement], registry: Registry | None = None) -> list[Agreement]:
    """The agreements and every agreement they supplement, each once, in order.

    >>> [a.id for a in chains([load_bundled("moscow-2020"), load_bundled("sochi-2018")])]
    ['moscow-2020', 'sochi-2018']
    """
    out: dict[str, Agreement] = {}
    for a in agreements:
        for link in chain(a, registry):
            out.setdefault(link.id, link)
    return list(out.values())


def takes_effect(agreement: Agreement) -> TimeSpec:
    """When an agreement takes effect: its earliest event-checked start, else its signing day.

    >>> takes_effect(load_bundled("sochi-2018")).label()
    '2018-09-17'
    """
    starts = [s for s in (p.binds_from() for p in agreement.provisions) if s is not None]
    if not starts:
        return TimeSpec(at=agreement.signed.date)
    return min(starts, key=lambda s: s.utc_window()[0])


def _check_supersedes(agreement: Agreement, registry: Registry) -> None:
    for ref in agreement.supersedes:
        agreement_id, _, provision_id = ref.partition("/")
        target = registry.get(agreement_id)
        ids = [p.id for p in target.provisions]
        if provision_id not in ids:
            raise InputError(
                f"{agreement.id}: supersedes an unknown provision of {agreement_id}; known: {ids}",
                field="supersedes",
                value=ref,
            )


def iter_provisions(agreements: Iterable[Agreement]) -> Iterator[tuple[Agreement, Any]]:
    """Every (agreement, provision) pair, in order."""
    for a in agreements:
        for p in a.provisions:
            yield a, p


def provision_start(provision: Any) -> TimeSpec:
    """When an event-checked provision starts to bind: its deadline or its effective time.

    >>> provision_start(load_bundled("sochi-2018").provision("heavy-weapons-withdrawal")).label()
    '2018-10-10'
    """
    start = provision.binds_from()
    if start is None:
        raise TypeError(f"{provision.type} is an obligation, not judged event by event")
    return start  # type: ignore[no-any-return]


def zone_references(agreement: Agreement) -> list[str]:
    """Ids of the zones and routes the agreement's provisions name.

    >>> zone_references(load_bundled("moscow-2020"))
    ['idlib-de-escalation-area', 'm4-trumba-ain-al-havr']
    """
    refs: list[str] = []
    for p in agreement.provisions:
        refs.extend(ref for ref in p.references() if ref not in refs)
    return refs


def missing_zones(agreement: Agreement, known: Iterable[str]) -> list[str]:
    """Zone references of the agreement that are not among ``known`` ids."""
    have = set(known)
    return [z for z in zone_references(agreement) if z not in have]


# --- validation against what else is known --------------------------------------------------


def validate_agreement(
    text: str, *, file: str, zones: Iterable[str], registry: Registry
) -> Agreement:
    """Parse agreement YAML and check it in full, as it must be before it is stored.

    First the format and the references inside the file (:func:`parse_agreement`); then what
    it names outside itself: every zone and route id must be among ``zones``; the agreement it
    supplements, and each one after it, must be in ``registry`` with no loop; each provision it
    supersedes must exist; and an agreement of ``registry`` built on one of the same id must
    still resolve with this one in its place. Every problem is raised at once as an
    :class:`AgreementError`, each as ``file:line: field: problem (value)``.

    ``ceasefire agreements validate`` and ``add`` and ``POST /api/agreements`` all check with
    this function (through :func:`ceasefire.monitoring.check_agreement`, which knows the
    store's zones and agreements), so what one accepts the others accept.

    >>> text, zones = bundled_text("moscow-2020"), ["idlib-de-escalation-area"]
    >>> try:
    ...     validate_agreement(text, file="m.yaml", zones=zones, registry=Registry.of([]))
    ... except AgreementError as e:
    ...     problems = e.errors
    >>> [(p.line, p.field, p.value) for p in problems]  # doctest: +NORMALIZE_WHITESPACE
    [(11, 'supplements', 'sochi-2018'), (85, 'provisions.1.route', 'm4-trumba-ain-al-havr'),
     (108, 'provisions.3.route', 'm4-trumba-ain-al-havr')]
    >>> print(problems[0])
    m.yaml:11: supplements: unknown agreement; known: ['moscow-2020'] ('sochi-2018')
    """
    agreement = parse_agreement(text, file=file)
    problems = [
        *_zone_problems(agreement, set(zones)),
        *_link_problems(agreement, registry),
    ]
    if not problems:
        return agreement
    lines, _ = _load(text, file)  # parsed once already: only its lines are wanted now
    errors = [
        InputError(
            problem,
            file=file,
            line=_line_for(loc, lines),
            field=".".join(str(p) for p in loc),
            value=value,
        )
        for problem, loc, value in problems
    ]
    raise AgreementError(sorted(errors, key=lambda e: e.line or 0))


_Problem = tuple[str, tuple[Any, ...], Any]


def _zone_problems(a: Agreement, known: set[str]) -> list[_Problem]:
    out: list[_Problem] = []
    for i, p in enumerate(a.provisions):
        for attr in ("zone", "route"):
            ref = getattr(p, attr, None)
            if ref and ref not in known:
                problem = f"unknown {attr}; known: {sorted(known)}"
                out.append((problem, ("provisions", i, attr), ref))
    return out


def _not_usable(agreement_id: str, reg: Registry) -> str | None:
    """Why ``agreement_id`` cannot be linked to in ``reg``, or None when it can."""
    if agreement_id in reg.broken:
        why = reg.broken[agreement_id]
        return f"agreement {agreement_id!r} is stored but does not validate: {why}"
    if agreement_id not in reg.agreements:
        return f"unknown agreement; known: {sorted(reg.agreements)}"
    return None


def _link_problems(a: Agreement, registry: Registry) -> list[_Problem]:
    """The supplement chain, superseded provisions, and agreements built on this id."""
    reg = Registry(
        {**registry.agreements, a.id: a}, {k: v for k, v in registry.broken.items() if k != a.id}
    )
    out: list[_Problem] = []
    path, current = [a.id], a
    while current.supplements:
        target = current.supplements
        why = _not_usable(target, reg)
        if why is None and target in path:
            why = "the supplement chain loops: " + " -> ".join([*path, target])
        if why is not None:
            if current is not a:
                why = f"{' -> '.join([*path, target])}: {why}"
            out.append((why, ("supplements",), a.supplements))
            break
        path.append(target)
        current = reg.agreements[target]
    for j, ref in enumerate(a.supersedes):
        agreement_id, slash, provision_id = ref.partition("/")
        if not slash:
            continue  # parse_agreement reported it
        why = _not_usable(agreement_id, reg)
        if why is None:
            ids = [p.id for p in reg.agreements[agreement_id].provisions]
            if provision_id not in ids:
                why = f"{agreement_id} has no provision {provision_id!r}; known: {ids}"
        if why is not None:
            out.append((why, ("supersedes", j), ref))
    if a.id in registry.agreements:
        for other in registry.agreements.values():
            if other.id == a.id:
                continue
            try:
                chain(other, reg)
            except (UnknownIdError, ConflictError, InputError) as e:
                problem = f"agreement {other.id!r}, built on this one, would not resolve: {e}"
                out.append((problem, ("id",), a.id))
    return out
