"""Agreements and zones as stored: an agreement's YAML text, a zone's GeoJSON Feature.

Both are replaced whole under their id (delete then insert, in one write transaction).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from shapely.geometry import shape
from sqlalchemy import Connection, Engine, delete, func, insert, select

from ceasefire.errors import GeometryError
from ceasefire.store import schema
from ceasefire.store.engine import write_transaction
from ceasefire.zones.files import GEOMETRY_TYPES

__all__ = ["agreements", "catalog_version", "put_agreement", "put_zone", "zones"]


#: What a write calls inside its transaction to record itself (an audit row): the change and
#: its record commit together or not at all.
Also = Callable[[Connection], None]


def put_agreement(
    engine: Engine, agreement_id: str, yaml_text: str, source: str, *, also: Also | None = None
) -> None:
    """Store an agreement's YAML text under ``agreement_id``, replacing any earlier one (and
    call ``also`` in the same transaction)."""
    t = schema.agreements
    with write_transaction(engine) as conn:
        if also is not None:
            also(conn)
        conn.execute(delete(t).where(t.c.id == agreement_id))
        conn.execute(
            insert(t).values(
                id=agreement_id, yaml=yaml_text, source=source, loaded_at=schema.now_utc()
            )
        )


def agreements(engine: Engine) -> dict[str, str]:
    """Agreement id -> YAML text, by id."""
    t = schema.agreements
    with engine.connect() as conn:
        return {str(i): str(y) for i, y in conn.execute(select(t.c.id, t.c.yaml).order_by(t.c.id))}


def put_zone(engine: Engine, feature: dict[str, Any], *, also: Also | None = None) -> None:
    """Store a zone Feature (checked: see ``SQLStore.put_zone``), replacing one with its id (and
    call ``also`` in the same transaction)."""
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise GeometryError("a zone must be a GeoJSON Feature", field="type")
    props = feature.get("properties")
    if not isinstance(props, dict) or not isinstance(props.get("id"), str) or not props["id"]:
        raise GeometryError("a zone Feature needs a text properties.id", field="properties.id")
    if not isinstance(feature.get("geometry"), dict):
        raise GeometryError("a zone Feature needs a geometry", field="geometry", value=props["id"])
    kind = feature["geometry"].get("type")
    if kind not in GEOMETRY_TYPES:
        raise GeometryError(
            f"a zone's geometry must be a GeoJSON geometry ({', '.join(GEOMETRY_TYPES)})",
            field="geometry.type",
            value=kind,
        )
    try:  # PostgreSQL stores the geometry too (schema 10): refuse what it would refuse
        shape(feature["geometry"])
    except Exception as exc:  # shapely raises many kinds for bad GeoJSON
        raise GeometryError(
            f"the zone's geometry is not GeoJSON: {exc}", field="geometry", value=props["id"]
        ) from exc
    error_km = props.get("approximation_error_km")
    if error_km is not None and not isinstance(error_km, int | float):
        raise GeometryError(
            "approximation_error_km must be a number",
            field="properties.approximation_error_km",
            value=error_km,
        )
    try:
        text = json.dumps(feature, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise GeometryError(
            f"the zone Feature is not JSON: {exc}", field="properties.id", value=props["id"]
        ) from exc

    def opt(key: str) -> str | None:
        v = props.get(key)
        return None if v is None else str(v)

    t = schema.zones
    with write_transaction(engine) as conn:
        if also is not None:
            also(conn)
        conn.execute(delete(t).where(t.c.id == props["id"]))
        conn.execute(
            insert(t).values(
                id=props["id"],
                name=opt("name"),
                kind=opt("kind"),
                geojson=text,
                approximation_note=opt("approximation_note"),
                approximation_error_km=None if error_km is None else float(error_km),
                source=opt("source"),
                derived_from=opt("derived_from"),
                updated_at=schema.now_utc(),
            )
        )


def catalog_version(engine: Engine) -> tuple[Any, ...]:
    """What changes whenever an agreement or a zone is stored, replaced or deleted, by any
    process: the number of each and the latest ``loaded_at`` / ``updated_at`` (a replaced row
    is a new row with a new time). One small query (plain SQL, so PostgreSQL too), cheap enough
    to ask before every use of a cached catalog."""
    a, z = schema.agreements, schema.zones
    with engine.connect() as conn:
        return tuple(
            conn.execute(
                select(
                    select(func.count()).select_from(a).scalar_subquery(),
                    select(func.max(a.c.loaded_at)).scalar_subquery(),
                    select(func.count()).select_from(z).scalar_subquery(),
                    select(func.max(z.c.updated_at)).scalar_subquery(),
                )
            ).one()
        )


def zones(engine: Engine) -> list[dict[str, Any]]:
    """The stored zone Features, by id."""
    t = schema.zones
    with engine.connect() as conn:
        return [json.loads(g) for (g,) in conn.execute(select(t.c.geojson).order_by(t.c.id))]
