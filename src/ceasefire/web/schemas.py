"""Request bodies of the API's writes (pydantic models: FastAPI checks them and the OpenAPI
document describes them).

>>> ReportIn.model_validate({"observed_at": "2020-03-07T10:30:00+02:00", "latitude": 35.8,
...     "longitude": 36.6, "observation": "heard", "event_type": "Explosions/Remote violence",
...     "bearing_deg": 90, "distance_band": "3-10km"}).distance_band
'3-10km'

Event types are ACLED's (:data:`ceasefire.events.ACLED_EVENT_TYPES`), in any case, stored in
ACLED's spelling; a report's time must lie between :data:`EARLIEST_OBSERVED` and a day from now.

>>> ReportIn.model_validate({"observed_at": "2020-03-07T10:30:00+02:00", "latitude": 35.8,
...     "longitude": 36.6, "observation": "heard", "event_type": "BATTLES",
...     "sub_event_type": "armed clash"}).sub_event_type
'Armed clash'
"""

from __future__ import annotations

import datetime as dt
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from ceasefire.errors import InputError
from ceasefire.events import canonical_event_type, canonical_sub_event_type
from ceasefire.field_reports import parse_band
from ceasefire.vocab import Verdict

__all__ = ["EARLIEST_OBSERVED", "FUTURE_SLACK", "ReportIn", "ReportPatch", "ReviewIn", "UserIn"]

#: The earliest time a field report may be about (the system's evidence starts in the 1990s).
EARLIEST_OBSERVED: Final = dt.datetime(1990, 1, 1, tzinfo=dt.UTC)
#: How far past the server's clock a report's time may be (clocks and time zones are off).
FUTURE_SLACK: Final = dt.timedelta(days=1)

_Text = Field(default=None, max_length=10_000)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _ReportFields(_Strict):
    @field_validator("distance_band", check_fields=False)
    @classmethod
    def _band(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                parse_band(v)
            except InputError as e:
                raise ValueError(e.problem) from None
        return v

    @field_validator("observed_at", check_fields=False)
    @classmethod
    def _when(cls, v: dt.datetime | None) -> dt.datetime | None:
        if v is None:
            return v
        if v.tzinfo is None:
            raise ValueError("needs a time zone offset, e.g. +03:00 or Z")
        if v < EARLIEST_OBSERVED:
            raise ValueError(f"may not be before {EARLIEST_OBSERVED:%Y-%m-%d} ({v.isoformat()})")
        if v > dt.datetime.now(dt.UTC) + FUTURE_SLACK:
            raise ValueError(f"may not be more than a day in the future ({v.isoformat()})")
        return v

    @field_validator("event_type", check_fields=False)
    @classmethod
    def _event_type(cls, v: str | None) -> str | None:
        return None if v is None else canonical_event_type(v)

    @field_validator("sub_event_type", check_fields=False)
    @classmethod
    def _sub_event_type(cls, v: str | None, info: ValidationInfo) -> str | None:
        # event_type is declared (so validated) first; a patch without it is checked against
        # the stored type when merged (ceasefire.web.reports)
        return None if v is None else canonical_sub_event_type(v, info.data.get("event_type"))


class ReportIn(_ReportFields):
    """A monitor's field report."""

    observed_at: dt.datetime = Field(description="when, with its UTC offset")
    latitude: float = Field(ge=-90, le=90, description="the observer's position")
    longitude: float = Field(ge=-180, le=180)
    observation: Literal["seen", "heard"]
    event_type: str = Field(min_length=1, max_length=100, description="ACLED event type")
    sub_event_type: str | None = Field(default=None, max_length=100)
    bearing_deg: float | None = Field(default=None, ge=0, le=360, description="to the source")
    distance_band: str | None = Field(default=None, description="0-1km, 1-3km, 3-10km, 10-25km")
    fatalities: int | None = Field(default=None, ge=0, le=100_000)
    actor1: str | None = Field(default=None, max_length=200)
    actor2: str | None = Field(default=None, max_length=200)
    text: str | None = _Text
    photo_sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")


class ReportPatch(_ReportFields):
    """Fields of a report to change (all optional; those a report must have may be left out,
    not set to null)."""

    observed_at: dt.datetime | None = None
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    observation: Literal["seen", "heard"] | None = None
    event_type: str | None = Field(default=None, min_length=1, max_length=100)
    sub_event_type: str | None = Field(default=None, max_length=100)
    bearing_deg: float | None = Field(default=None, ge=0, le=360)
    distance_band: str | None = None
    fatalities: int | None = Field(default=None, ge=0, le=100_000)
    actor1: str | None = Field(default=None, max_length=200)
    actor2: str | None = Field(default=None, max_length=200)
    text: str | None = _Text
    photo_sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")

    @field_validator(
        "observed_at", "latitude", "longitude", "observation", "event_type", mode="before"
    )
    @classmethod
    def _kept(cls, v: object) -> object:
        # runs only for fields the patch names: left out, a field keeps its value
        if v is None:
            raise ValueError("may not be null: a report must have it (leave it out to keep it)")
        return v


class ReviewIn(_Strict):
    """An analyst's review of one verdict (:class:`ceasefire.findings.ReviewStatus`).

    ``overruled`` carries at least one correction: the verdict, the party (one of the
    agreement's, or ``unattributed``: the API checks it against the agreement) or the event type
    (ACLED's, in any case); the other statuses carry none (the store refuses the combination,
    naming the field).

    >>> ReviewIn.model_validate({"agreement": "a", "provision": "p", "event_uid": "e",
    ...     "status": "overruled", "corrected_event_type": "battles"}).corrected_event_type
    'Battles'
    """

    agreement: str = Field(min_length=1, max_length=200)
    provision: str = Field(min_length=1, max_length=200)
    event_uid: str = Field(min_length=1, max_length=500)
    status: Literal["confirmed", "disputed", "overruled", "needs_info"]
    note: str | None = Field(default=None, max_length=10_000)
    corrected_verdict: Verdict | None = None
    corrected_party: str | None = Field(default=None, max_length=200)
    corrected_event_type: str | None = Field(
        default=None, max_length=100, description="ACLED event type"
    )

    @field_validator("corrected_event_type")
    @classmethod
    def _event_type(cls, v: str | None) -> str | None:
        return None if v is None or not v.strip() else canonical_event_type(v)


class UserIn(_Strict):
    """A new user (admin only)."""

    name: str = Field(min_length=1, max_length=64)
    role: Literal["admin", "monitor", "analyst", "viewer"]
    password: str = Field(min_length=8, max_length=1000)
