"""The closed vocabularies, each defined once: provision types, verdicts, obligation statuses,
workspace roles and evidence sources.

Every module that names one of these values imports it from here; tuples kept elsewhere for
convenience (``compliance.VERDICTS``, ``store.workspace.ROLES``) are built from these enums, and
a test holds them equal. The members are :class:`~enum.StrEnum`, so a member *is* its text:
it compares equal to the string stored in the database, written in YAML or sent in JSON.

>>> Verdict.VIOLATION == "violation", [v.value for v in BREACHES]
(True, ['violation', 'possible_violation'])
>>> ProvisionType("joint_patrol").is_event_checked
False
>>> [r.value for r in Role]
['admin', 'analyst', 'monitor', 'viewer']
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

__all__ = [
    "BREACHES",
    "ObligationStatus",
    "ProvisionType",
    "Role",
    "SourceDataset",
    "Verdict",
]


class ProvisionType(StrEnum):
    """What a provision of an agreement binds the parties to (the ``type:`` of its YAML).

    The first four are judged event by event (an event inside the zone at the time either
    breaches them or not); the others are obligations, checked for what did *not* happen."""

    CEASEFIRE = "ceasefire"
    SECURITY_CORRIDOR = "security_corridor"
    DEMILITARISED_ZONE = "demilitarised_zone"
    WEAPONS_WITHDRAWAL = "weapons_withdrawal"
    JOINT_PATROL = "joint_patrol"
    DEADLINE = "deadline"
    HUMANITARIAN_ACCESS = "humanitarian_access"
    RETURN_OF_DISPLACED = "return_of_displaced"

    @property
    def is_event_checked(self) -> bool:
        """Whether events are judged against it one by one (a verdict per event)."""
        return self in _EVENT_CHECKED


_EVENT_CHECKED: Final = frozenset(
    {
        ProvisionType.CEASEFIRE,
        ProvisionType.SECURITY_CORRIDOR,
        ProvisionType.DEMILITARISED_ZONE,
        ProvisionType.WEAPONS_WITHDRAWAL,
    }
)


class Verdict(StrEnum):
    """An event's verdict against one provision, gravest first (the order is the severity
    order every list, chart and export uses)."""

    VIOLATION = "violation"
    POSSIBLE_VIOLATION = "possible_violation"
    EXEMPT = "exempt"
    COMPLIANT = "compliant"
    OUTSIDE = "outside"


#: The verdicts that are breaches: counted as incidents, attributed to a party.
BREACHES: Final = (Verdict.VIOLATION, Verdict.POSSIBLE_VIOLATION)


class ObligationStatus(StrEnum):
    """Where an obligation stands (see :mod:`ceasefire.compliance.obligations`)."""

    PENDING = "pending"
    MET = "met"
    LATE = "late"
    NO_EVIDENCE = "no_evidence"
    CONTRARY_EVIDENCE = "contrary_evidence"
    NO_CONTRARY_EVIDENCE = "no_contrary_evidence"
    NOT_CHECKABLE = "not_checkable"
    UNMET = "unmet"


class Role(StrEnum):
    """A workspace user's role, most powerful first: admins manage users; analysts review and
    evaluate; monitors file field reports; viewers read."""

    ADMIN = "admin"
    ANALYST = "analyst"
    MONITOR = "monitor"
    VIEWER = "viewer"


class SourceDataset(StrEnum):
    """Where an event comes from (``events.source_dataset``)."""

    UCDP_GED = "ucdp_ged"
    ACLED = "acled"
    GDELT = "gdelt"
    FIELD_REPORT = "field_report"
    NEWS = "news"
