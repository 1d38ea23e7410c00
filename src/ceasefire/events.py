"""One event model for every kind of evidence.

An *events frame* is a :class:`pandas.DataFrame` with the columns in :data:`EVENT_COLUMNS`.
The flat columns follow ACLED's names and codes (so an ACLED export is already almost one);
the extra columns carry provenance and uncertainty:

- ``source_dataset``, ``source_row_id``, ``source_file``, ``source_line``, ``ingest_time``:
  where the row came from. ``event_uid`` = ``"{source_dataset}:{source_row_id}"`` is the key.
- ``location_uncertainty_km``: radius of the disc the event lies in, derived from the
  precision code (see :func:`radius_from_acled_geo_precision`).
- ``time_start`` / ``time_end``: the UTC window the event lies in, derived from the date
  precision (see :func:`day_window`). ``time_end`` is exclusive. An event with an exact
  timestamp has ``time_start == time_end``.
- ``fatalities_low`` / ``fatalities_high``: a range where the source gives one (UCDP low/high);
  ``fatalities`` is the best estimate.
- ``initiator_known``: whether ``actor1`` is known to have initiated the event (ACLED, GDELT: yes;
  UCDP GED: where its headline says who acted, else no: its side_a is the government side
  whoever fired).
- ``content_hash``: a hash of the source row, to detect a changed row on re-ingest.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any, Final

import numpy as np
import pandas as pd
from pandas.api.types import pandas_dtype

__all__ = [
    "ACLED_EVENT_TYPES",
    "ACLED_SUB_EVENT_TYPES",
    "ACLED_TIME_PRECISION_DAYS",
    "DISORDER_TYPES",
    "EVENT_COLUMNS",
    "LOCAL_TIMEZONE",
    "VIOLENT_EVENT_TYPES",
    "canonical_event_type",
    "canonical_sub_event_type",
    "content_hash",
    "day_window",
    "empty_events",
    "normalise_events",
    "radius_from_acled_geo_precision",
    "to_geodataframe",
]

#: The time zone in which dataset dates are local calendar days, for the Syria case.
LOCAL_TIMEZONE: Final = "Asia/Damascus"

#: Column name -> pandas dtype of an events frame, in order.
EVENT_COLUMNS: Final[dict[str, str]] = {
    # --- ACLED names and codes ---
    "event_id_cnty": "string",
    "event_date": "string",  # YYYY-MM-DD, the local calendar day the source gives
    "year": "Int64",
    "time_precision": "Int64",  # ACLED: 1 day, 2 week, 3 month
    "disorder_type": "string",
    "event_type": "string",
    "sub_event_type": "string",
    "actor1": "string",
    "assoc_actor_1": "string",
    "inter1": "Int64",
    "actor2": "string",
    "assoc_actor_2": "string",
    "inter2": "Int64",
    "interaction": "Int64",
    "civilian_targeting": "string",
    "iso": "Int64",  # ISO 3166-1 numeric, as ACLED
    "region": "string",
    "country": "string",
    "admin1": "string",
    "admin2": "string",
    "admin3": "string",
    "location": "string",
    "latitude": "float64",
    "longitude": "float64",
    "geo_precision": "Int64",  # ACLED: 1 exact place, 2 near/part of region, 3 larger region
    "source": "string",
    "source_scale": "string",
    "notes": "string",
    "fatalities": "Int64",
    # --- ceasefire's extra columns: provenance and uncertainty ---
    "event_uid": "string",
    "source_dataset": "string",
    "source_row_id": "string",
    "source_file": "string",
    "source_line": "Int64",
    "ingest_time": "datetime64[ns, UTC]",
    "iso2": "string",  # ISO 3166-1 alpha-2
    "location_uncertainty_km": "float64",
    "time_start": "datetime64[ns, UTC]",
    "time_end": "datetime64[ns, UTC]",
    "fatalities_low": "Int64",
    "fatalities_high": "Int64",
    "initiator_known": "boolean",
    "content_hash": "string",
}

#: ACLED time_precision code -> (days before the given date, days after it, inclusive of the day).
ACLED_TIME_PRECISION_DAYS: Final[dict[int, tuple[int, int]]] = {1: (0, 1), 2: (3, 4), 3: (15, 16)}

#: ACLED geo_precision code -> uncertainty radius in km. 1: the named town (its built-up extent);
#: 2: "near" a town or a small part of a region; 3: only a larger region (admin1-sized) is known.
_ACLED_GEO_RADIUS_KM: Final[dict[int, float]] = {1: 2.0, 2: 25.0, 3: 75.0}


def empty_events() -> pd.DataFrame:
    """An events frame with no rows and every column typed.

    >>> list(empty_events().columns)[:3]
    ['event_id_cnty', 'event_date', 'year']
    """
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in EVENT_COLUMNS.items()})


#: :data:`EVENT_COLUMNS` as dtype objects, resolved once (not per call and column).
_DTYPES: Final[dict[str, Any]] = {c: pandas_dtype(t) for c, t in EVENT_COLUMNS.items()}


def normalise_events(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with every event column present, in order, with its dtype.

    Missing columns are added empty; extra columns are kept after the model's.

    >>> f = normalise_events(pd.DataFrame({"latitude": [35.8], "longitude": [36.6]}))
    >>> f["latitude"].dtype, f["fatalities"].dtype
    (dtype('float64'), Int64Dtype())
    """
    # the columns gathered first and framed once: inserting ~45 columns one by one cost ~15 ms
    # a call, which is most of an event page's or one event's read
    cols: dict[str, pd.Series] = {}
    for col, dtype in _DTYPES.items():
        if col in frame.columns:
            x = frame[col]
            cols[col] = x if x.dtype == dtype else x.astype(dtype)
        else:
            empty = np.nan if dtype == np.float64 else pd.NA
            cols[col] = pd.Series(empty, index=frame.index).astype(dtype)
    for col in frame.columns:
        if col not in EVENT_COLUMNS:
            cols[str(col)] = frame[col]
    return pd.DataFrame(cols, index=frame.index)


def radius_from_acled_geo_precision(codes: pd.Series) -> pd.Series:
    """Uncertainty radius in km for ACLED ``geo_precision`` codes (unknown codes -> the widest).

    >>> radius_from_acled_geo_precision(pd.Series([1, 2, 3, 9])).tolist()
    [2.0, 25.0, 75.0, 75.0]
    """
    return codes.map(_ACLED_GEO_RADIUS_KM).fillna(max(_ACLED_GEO_RADIUS_KM.values())).astype(float)


def day_window(
    first_day: pd.Series,
    last_day: pd.Series | None = None,
    *,
    timezone: str = LOCAL_TIMEZONE,
) -> tuple[pd.Series, pd.Series]:
    """UTC window ``[start, end)`` covering local calendar days ``first_day`` .. ``last_day``.

    Days are strings or dates, local to ``timezone`` (daylight saving handled). The end is
    exclusive: midnight after ``last_day``.

    >>> s, e = day_window(pd.Series(["2020-03-06"]))
    >>> str(s[0]), str(e[0])
    ('2020-03-05 22:00:00+00:00', '2020-03-06 22:00:00+00:00')
    """
    first = pd.to_datetime(first_day, format="ISO8601")
    last = first if last_day is None else pd.to_datetime(last_day, format="ISO8601")
    start = first.dt.tz_localize(timezone, nonexistent="shift_forward", ambiguous="NaT")
    end = (last + pd.Timedelta(days=1)).dt.tz_localize(
        timezone, nonexistent="shift_forward", ambiguous="NaT"
    )
    return start.dt.tz_convert("UTC").astype("datetime64[ns, UTC]"), end.dt.tz_convert(
        "UTC"
    ).astype("datetime64[ns, UTC]")


def content_hash(values: Iterable[object]) -> str:
    """A short stable hash of a source row's values, to notice a changed row on re-ingest.

    >>> content_hash(["a", 1]) == content_hash(["a", 1]) != content_hash(["a", 2])
    True
    """
    h = hashlib.blake2b(digest_size=12)
    for v in values:
        h.update(repr(v).encode("utf-8"))
        h.update(b"\x1f")
    return h.hexdigest()


def to_geodataframe(events: pd.DataFrame):  # type: ignore[no-untyped-def]
    """The events as a GeoDataFrame of points (EPSG:4326), for notebooks and exports."""
    import geopandas as gpd

    return gpd.GeoDataFrame(
        events.copy(),
        geometry=gpd.points_from_xy(events["longitude"], events["latitude"]),
        crs="EPSG:4326",
    )


#: ACLED's event types -> their sub-event types, spelled as ACLED spells them (ACLED codebook,
#: 2023). The one list for every place that takes an event type from a person (the API's field
#: reports, the dashboard's filter and form); a misspelt type would silently change a verdict.
ACLED_SUB_EVENT_TYPES: Final[dict[str, tuple[str, ...]]] = {
    "Battles": (
        "Armed clash",
        "Government regains territory",
        "Non-state actor overtakes territory",
    ),
    "Explosions/Remote violence": (
        "Chemical weapon",
        "Air/drone strike",
        "Suicide bomb",
        "Shelling/artillery/missile attack",
        "Remote explosive/landmine/IED",
        "Grenade",
    ),
    "Violence against civilians": (
        "Sexual violence",
        "Attack",
        "Abduction/forced disappearance",
    ),
    "Protests": (
        "Peaceful protest",
        "Protest with intervention",
        "Excessive force against protesters",
    ),
    "Riots": ("Violent demonstration", "Mob violence"),
    "Strategic developments": (
        "Agreement",
        "Arrests",
        "Change to group/activity",
        "Disrupted weapons use",
        "Headquarters or base established",
        "Looting/property destruction",
        "Non-violent transfer of territory",
        "Other",
    ),
}

#: ACLED's six event types, in the codebook's order.
ACLED_EVENT_TYPES: Final[tuple[str, ...]] = tuple(ACLED_SUB_EVENT_TYPES)

#: The ACLED event types that are acts of armed violence: what a cease-fire prohibits unless an
#: agreement says otherwise, and what counts as an incident against a patrol.
VIOLENT_EVENT_TYPES: Final[tuple[str, ...]] = (
    "Battles",
    "Explosions/Remote violence",
    "Violence against civilians",
)

#: ACLED event type -> its disorder type (the codebook's ``disorder_type``).
DISORDER_TYPES: Final[dict[str, str]] = {
    **dict.fromkeys(VIOLENT_EVENT_TYPES, "Political violence"),
    "Protests": "Demonstrations",
    "Riots": "Demonstrations",
    "Strategic developments": "Strategic developments",
}

_EVENT_TYPE_KEYS: Final = {t.casefold(): t for t in ACLED_EVENT_TYPES}
_SUB_EVENT_TYPE_KEYS: Final = {
    s.casefold(): s for subs in ACLED_SUB_EVENT_TYPES.values() for s in subs
}


def canonical_event_type(value: str) -> str:
    """ACLED's spelling of an event type given in any case (``ValueError`` when it is none).

    >>> canonical_event_type(" explosions/remote violence")
    'Explosions/Remote violence'
    >>> canonical_event_type("Shelling")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: not an ACLED event type: 'Shelling' (one of Battles, ...)
    """
    found = _EVENT_TYPE_KEYS.get(value.strip().casefold())
    if found is None:
        raise ValueError(
            f"not an ACLED event type: {value!r} (one of {', '.join(ACLED_EVENT_TYPES)})"
        )
    return found


def canonical_sub_event_type(value: str, event_type: str | None = None) -> str:
    """ACLED's spelling of a sub-event type given in any case; with ``event_type``, it must be
    one of that type's (``ValueError`` otherwise).

    >>> canonical_sub_event_type("air/drone strike", "Explosions/Remote violence")
    'Air/drone strike'
    >>> canonical_sub_event_type("Armed clash", "Protests")
    Traceback (most recent call last):
    ...
    ValueError: 'Armed clash' is not a sub-event type of 'Protests'
    """
    found = _SUB_EVENT_TYPE_KEYS.get(value.strip().casefold())
    if found is None:
        raise ValueError(f"not an ACLED sub-event type: {value!r}")
    if event_type is not None and found not in ACLED_SUB_EVENT_TYPES[event_type]:
        raise ValueError(f"{found!r} is not a sub-event type of {event_type!r}")
    return found
