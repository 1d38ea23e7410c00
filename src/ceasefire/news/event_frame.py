"""News events as an events frame (:func:`ceasefire.events.normalise_events`), marked as news;
re-exported by :mod:`ceasefire.news.events`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pandas as pd

from ..events import DISORDER_TYPES, LOCAL_TIMEZONE, content_hash, normalise_events
from ..vocab import SourceDataset
from . import actors as _actors

if TYPE_CHECKING:
    from .events import NewsEvent

__all__ = ["events_frame"]


# ------------------------------------------------------------------------------------ frame


def _time_precision(start: dt.datetime | None, end: dt.datetime | None) -> int:
    if start is None or end is None:
        return 3
    days = (end - start).total_seconds() / 86400
    return 1 if days <= 1.01 else 2 if days <= 8 else 3


def _geo_precision(radius: float | None) -> int:
    if radius is None:
        return 3
    return 1 if radius <= 5 else 2 if radius <= 30 else 3


def events_frame(
    events: Sequence[NewsEvent],
    *,
    article_id: str,
    source: str,
    url: str | None,
    published: dt.date,
    timezone: str = LOCAL_TIMEZONE,
    country: str = "SY",
) -> pd.DataFrame:
    """The events as an events frame (:func:`ceasefire.events.normalise_events`), marked as news.

    ``source_dataset`` is ``"news"``, ``source_row_id`` ``"{article_id}:{i}"``, ``event_uid``
    ``"news:{article_id}:{i}"``, ``event_id_cnty`` ``"NEWS-{article_id}-{i}"``, ``source_file``
    the URL, ``notes`` the sentence. ``location_uncertainty_km`` is the place's radius (the
    country's, 300 km, when no place was found); ``initiator_known`` is True only where actor1
    was read as the agent. ``iso2``/``iso``/``country`` come from the place, else from the
    ``country`` hint; ``event_date`` is the local (``timezone``) day the window starts on (the
    day an exact end-of-day midnight closes).

    >>> from ceasefire.news.events import extract_events
    >>> ev = extract_events("Regime forces shelled Kafr Nubl on Sunday.", dt.date(2020, 2, 25))
    >>> f = events_frame(ev, article_id="a1", source="Example Wire", url=None,
    ...                  published=dt.date(2020, 2, 25))
    >>> [str(v) for v in f.loc[0, ["event_uid", "event_date", "iso", "initiator_known"]]]
    ['news:a1:0', '2020-02-23', '760', 'True']
    """
    from ..sources.countries import country_table

    table = country_table().dropna(subset=["iso2"])
    table = table.assign(_main=table["fips"] == table["iso2"]).sort_values("_main", ascending=False)
    iso_rows = table.drop_duplicates("iso2").set_index("iso2")
    zone = ZoneInfo(timezone)
    now = pd.Timestamp.now(tz="UTC")
    rows = []
    for i, e in enumerate(events):
        iso2 = (e.place_country or country).upper()
        iso = iso_rows["iso_numeric"].get(iso2, pd.NA)
        cname = iso_rows["name"].get(iso2, pd.NA)
        if e.time_start is not None:
            local = e.time_start.astimezone(zone)
            event_date = local.date().isoformat()
            if e.time_end is not None and e.time_end == e.time_start and local.time() == dt.time():
                event_date = (local.date() - dt.timedelta(days=1)).isoformat()
        else:
            event_date = published.isoformat()
        inter1 = _actors.inter_code(e.actor1, iso2)
        inter2 = _actors.inter_code(e.actor2, iso2)
        interaction = (
            min(inter1, inter2) * 10 + max(inter1, inter2)
            if inter1 is not None and inter2 is not None
            else inter1 * 10
            if inter1 is not None and e.actor2 is None
            else None
        )
        civilian = (
            "Civilian targeting"
            if e.event_type == "Violence against civilians"
            or _actors.inter_code(e.victims_side, iso2) == 7
            or inter2 == 7
            else None
        )
        row_id = f"{article_id}:{i}"
        values = {
            "event_id_cnty": f"NEWS-{article_id}-{i}",
            "event_date": event_date,
            "year": int(event_date[:4]),
            "time_precision": _time_precision(e.time_start, e.time_end),
            "disorder_type": DISORDER_TYPES.get(e.event_type),
            "event_type": e.event_type,
            "sub_event_type": e.sub_event_type,
            "actor1": e.actor1,
            "inter1": inter1,
            "actor2": e.actor2,
            "inter2": inter2,
            "interaction": interaction,
            "civilian_targeting": civilian,
            "iso": iso,
            "country": cname,
            "location": e.place,
            "latitude": e.latitude,
            "longitude": e.longitude,
            "geo_precision": _geo_precision(e.radius_km),
            "source": source,
            "source_scale": None,
            "notes": e.sentence[2],
            "fatalities": e.fatalities_best,
            "event_uid": f"news:{row_id}",
            "source_dataset": SourceDataset.NEWS.value,
            "source_row_id": row_id,
            "source_file": url,
            "source_line": None,
            "ingest_time": now,
            "iso2": iso2,
            "location_uncertainty_km": e.radius_km if e.radius_km is not None else 300.0,
            "time_start": pd.Timestamp(e.time_start) if e.time_start else pd.NaT,
            "time_end": pd.Timestamp(e.time_end) if e.time_end else pd.NaT,
            "fatalities_low": e.fatalities_low,
            "fatalities_high": e.fatalities_high,
            "initiator_known": e.initiator_known,
            "news_evidence": ";".join(f"{w}@{a}-{b}" for w, a, b in e.evidence),
            "news_place_id": e.place_id,
        }
        values["content_hash"] = content_hash(
            [values[k] for k in ("event_type", "sub_event_type", "actor1", "actor2", "notes")]
            + [e.place_id, e.time_start, e.time_end, e.fatalities_low, e.fatalities_best]
            + [e.fatalities_high, e.sentence[0], e.sentence[1]]
        )
        rows.append(values)
    if not rows:
        frame = normalise_events(pd.DataFrame())
        frame["news_evidence"] = pd.Series(dtype="string")
        frame["news_place_id"] = pd.Series(dtype="string")
        return frame
    frame = pd.DataFrame(rows)
    for col in ("time_start", "time_end"):
        frame[col] = pd.to_datetime(frame[col], utc=True)
    frame["ingest_time"] = pd.to_datetime(frame["ingest_time"], utc=True)
    frame = normalise_events(frame)
    frame["news_evidence"] = frame["news_evidence"].astype("string")
    frame["news_place_id"] = frame["news_place_id"].astype("string")
    return frame
