"""ACLED CSV export -> events.

ACLED's columns are the event model's own names (:data:`ceasefire.events.EVENT_COLUMNS`), so the
crosswalk mostly checks and types them. ``event_date`` is read in ISO form (``2020-03-07``) or
ACLED's older ``07 March 2020``; ``time_precision`` widens the day to a window by
:data:`ceasefire.events.ACLED_TIME_PRECISION_DAYS` (local days, Asia/Damascus); ``geo_precision``
gives the radius by :func:`ceasefire.events.radius_from_acled_geo_precision`. ``inter1``,
``inter2`` and ``interaction`` may be codes (older exports) or names (``"State forces"``, 2024 on).
"""

from __future__ import annotations

from typing import ClassVar, Final

import numpy as np
import pandas as pd

from ceasefire.events import (
    ACLED_TIME_PRECISION_DAYS,
    LOCAL_TIMEZONE,
    radius_from_acled_geo_precision,
)
from ceasefire.sources.countries import from_name, iso2_from_numeric
from ceasefire.sources.fields import RowChecks
from ceasefire.sources.reader import EventReader
from ceasefire.vocab import SourceDataset

__all__ = ["ACLED_COLUMNS", "ACTOR_TYPE_CODES", "AcledSource"]

#: The columns of an ACLED export, in the codebook's order.
ACLED_COLUMNS: Final = (
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
)

#: ACLED actor type names (2024 exports) -> the older numeric ``inter`` codes.
ACTOR_TYPE_CODES: Final[dict[str, int]] = {
    "state forces": 1,
    "rebel group": 2,
    "rebel groups": 2,
    "political militia": 3,
    "political militias": 3,
    "identity militia": 4,
    "identity militias": 4,
    "rioters": 5,
    "protesters": 6,
    "civilians": 7,
    "external/other forces": 8,
    "external/other force": 8,
}

_DATE_FORMATS: Final = ["%Y-%m-%d", "%d %B %Y"]
_TEXT_COLUMNS: Final = (
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "actor2",
    "assoc_actor_2",
    "civilian_targeting",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "source",
    "source_scale",
    "notes",
)


def _whole(values: pd.Series) -> pd.Series:
    """Whole finite numbers within 64 bits as ``Int64``; anything else NA."""
    num = pd.to_numeric(values, errors="coerce").astype("float64")
    arr = np.nan_to_num(num.to_numpy())
    ok = np.isfinite(num.to_numpy()) & (arr % 1 == 0) & (np.abs(arr) < 2.0**63)
    return num.where(ok).astype("Int64")


def _actor_type(checks: RowChecks, column: str) -> pd.Series:
    """``inter1``/``inter2`` as a code, from a number or an actor type name (unknown -> NA)."""
    s = checks.text(column, strip=True)
    by_name = s.str.lower().map(ACTOR_TYPE_CODES).astype("Int64")
    code = _whole(s).fillna(by_name)
    return code.where(code.isin(list(range(0, 9))))


class AcledSource(EventReader):
    """Reader for ACLED CSV exports (``name = "acled"``).

    >>> AcledSource().required[:3]
    ('event_id_cnty', 'event_date', 'time_precision')
    """

    name: str = SourceDataset.ACLED.value
    kind: ClassVar[str] = "an ACLED CSV file"
    id_column: ClassVar[str] = "event_id_cnty"
    initiator_known: ClassVar[bool] = True
    required: ClassVar[tuple[str, ...]] = (
        "event_id_cnty",
        "event_date",
        "time_precision",
        "event_type",
        "actor1",
        "country",
        "latitude",
        "longitude",
        "geo_precision",
        "fatalities",
    )
    #: Local calendar of ACLED dates (the Syria case).
    timezone: ClassVar[str] = LOCAL_TIMEZONE

    def crosswalk(self, raw: pd.DataFrame, checks: RowChecks) -> pd.DataFrame:
        """Check and type ACLED columns; derive the time window, radius and ISO alpha-2."""
        event_id = checks.text("event_id_cnty", strip=True)
        day = checks.date("event_date", _DATE_FORMATS)
        precision = checks.integer("time_precision", required=True)
        checks.reject(
            ~precision.isin(list(ACLED_TIME_PRECISION_DAYS)).fillna(False),
            "time_precision",
            "time_precision must be 1, 2 or 3",
        )
        lat, lon = checks.coordinates("latitude", "longitude")
        geo = checks.integer("geo_precision")
        fatalities = checks.integer("fatalities", minimum=0, label="fatalities")
        iso = checks.integer("iso")

        before = precision.map({k: v[0] for k, v in ACLED_TIME_PRECISION_DAYS.items()})
        after = precision.map({k: v[1] for k, v in ACLED_TIME_PRECISION_DAYS.items()})
        safe_day = checks.good_days(day)
        first_day = safe_day - pd.to_timedelta(before.fillna(0).astype("int64"), unit="D")
        last_day = safe_day + pd.to_timedelta(after.fillna(1).astype("int64") - 1, unit="D")
        time_start, time_end = checks.window(
            first_day, last_day, timezone=self.timezone, field="event_date"
        )

        inter1 = _actor_type(checks, "inter1")
        inter2 = _actor_type(checks, "inter2")
        given = _whole(checks.text("interaction", strip=True))
        pair = pd.concat([inter1, inter2], axis=1)
        derived = (pair.min(axis=1) * 10 + pair.max(axis=1)).where(
            inter1.notna() & inter2.notna(), inter1 * 10
        )
        interaction = given.fillna(derived.astype("Int64"))

        country = checks.text("country")
        iso2 = iso2_from_numeric(iso).fillna(from_name(country)["iso2"])

        out = pd.DataFrame({c: checks.text(c) for c in _TEXT_COLUMNS}, index=raw.index)
        out["event_id_cnty"] = event_id
        out["event_date"] = day.dt.strftime("%Y-%m-%d")
        out["year"] = day.dt.year.astype("Int64")
        out["time_precision"] = precision
        out["inter1"] = inter1
        out["inter2"] = inter2
        out["interaction"] = interaction
        out["iso"] = iso
        out["iso2"] = iso2
        out["latitude"] = lat
        out["longitude"] = lon
        out["geo_precision"] = geo
        out["location_uncertainty_km"] = radius_from_acled_geo_precision(geo.astype("float64"))
        out["fatalities"] = fatalities
        out["time_start"] = time_start
        out["time_end"] = time_end
        out["source_row_id"] = event_id
        out["acled_tags"] = checks.text("tags")
        out["acled_timestamp"] = _whole(checks.text("timestamp", strip=True))
        return out
