"""Weapon classes: the closed vocabulary a situation report counts incidents by.

Monitoring missions publish violations by the means used (the OSCE's daily reports: shelling
and artillery, air strikes, small arms, explosive devices). The evidence says it in the event
model's ACLED vocabulary (``event_type`` / ``sub_event_type``); this module maps one to the other,
here and nowhere else. An event the mapping cannot place (no sub-event type, a kind of act with
no weapon class, an analyst's corrected event type that leaves the sub-event type behind) is
``other_unknown``: it is counted and shown, never dropped.

=============================================  ====================
ACLED ``sub_event_type``                       weapon class
=============================================  ====================
Shelling/artillery/missile attack              shelling_artillery
Air/drone strike                               air_drone
Armed clash                                    small_arms
Remote explosive/landmine/IED, Suicide bomb    ied
anything else, or none                         other_unknown
=============================================  ====================

"Armed clash" is ground fighting: small arms and light weapons as a rule, though a clash may
involve heavier ones; the event data do not say more.

>>> weapon_classes(pd.Series(["Explosions/Remote violence", "Battles", "Battles"]),
...     pd.Series(["Air/drone strike", "Armed clash", None])).tolist()
['air_drone', 'small_arms', 'other_unknown']
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

import pandas as pd

__all__ = ["WEAPON_CLASSES", "WEAPON_LABELS", "WeaponClass", "weapon_classes"]


class WeaponClass(StrEnum):
    """The weapon classes a report counts by; ``other_unknown`` last."""

    SHELLING_ARTILLERY = "shelling_artillery"
    AIR_DRONE = "air_drone"
    SMALL_ARMS = "small_arms"
    IED = "ied"
    OTHER_UNKNOWN = "other_unknown"


#: Every weapon class, in the order a report lists them.
WEAPON_CLASSES: Final = tuple(c.value for c in WeaponClass)

#: A weapon class in words.
WEAPON_LABELS: Final[dict[str, str]] = {
    WeaponClass.SHELLING_ARTILLERY.value: "shelling, artillery and missiles",
    WeaponClass.AIR_DRONE.value: "air and drone strikes",
    WeaponClass.SMALL_ARMS.value: "small arms (armed clashes)",
    WeaponClass.IED.value: "explosive devices (IEDs, landmines, suicide bombs)",
    WeaponClass.OTHER_UNKNOWN.value: "other or unknown",
}

#: ACLED ``sub_event_type`` -> weapon class: the one mapping.
_BY_SUB_EVENT: Final[dict[str, str]] = {
    "Shelling/artillery/missile attack": WeaponClass.SHELLING_ARTILLERY.value,
    "Air/drone strike": WeaponClass.AIR_DRONE.value,
    "Armed clash": WeaponClass.SMALL_ARMS.value,
    "Remote explosive/landmine/IED": WeaponClass.IED.value,
    "Suicide bomb": WeaponClass.IED.value,
}


def weapon_classes(event_type: pd.Series, sub_event_type: pd.Series) -> pd.Series:
    """The weapon class of each event from its ACLED ``sub_event_type`` (``event_type`` is
    given so that a caller passes the pair as the event model holds it; the class comes from
    the sub-event type alone, which names the means); ``other_unknown`` where none applies."""
    mapped = sub_event_type.reindex(event_type.index).astype(object).map(_BY_SUB_EVENT)
    return mapped.where(mapped.notna(), WeaponClass.OTHER_UNKNOWN.value).astype(str)
