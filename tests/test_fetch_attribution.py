"""Attribution of fetched sources: kept in the store, written with every export (GeoJSON's
``sources`` member, a sidecar beside CSV and GeoPackage), shown escaped on the event page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from fetch_server import load

from ceasefire import monitoring
from ceasefire.exports import export_verdicts, sources_sidecar
from ceasefire.fetch.pages import store_page
from ceasefire.store import SQLStore, open_store
from ceasefire.store.fetches import Attribution, put_attribution


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A store with the constructed ACLED rows and a UCDP page, evaluated."""
    db = str(tmp_path_factory.mktemp("attr") / "s.db")
    with open_store(db) as store:
        assert isinstance(store, SQLStore)
        store_page(
            store,
            "acled",
            load("acled/syria-2020-03.json")["events"],
            name="a.csv",
            provenance="https://acleddata.com/api/acled/read?page=1",
        )
        store_page(
            store,
            "ucdp",
            load("ucdp/25.1-page-0.json")["Result"],
            name="u.csv",
            provenance="https://ucdpapi.pcr.uu.se/api/gedevents/25.1?page=0",
            days=("date_start", "date_end"),
        )
        put_attribution(
            store.engine,
            Attribution(
                "acled",
                "ACLED <b>",
                "Terms <script>x()</script>",
                "Cite & <i>me</i>",
                terms_url="https://epo.acleddata.com/terms-of-use-and-attribution-policy",
            ),
        )
        monitoring.seed_bundled(store)
        monitoring.evaluate_store(store, ["moscow-2020"])
    return db


def test_exports_carry_the_sources(evaluated: str, tmp_path: Path) -> None:
    with open_store(evaluated) as store:
        n = export_verdicts(
            store, tmp_path / "v.geojson", "geojson", include_outside=True, unit="verdicts"
        )
        assert n > 0
        collection = json.loads((tmp_path / "v.geojson").read_text(encoding="utf-8"))
        sources = {s["source_dataset"]: s for s in collection["sources"]}
        assert set(sources) == {"acled", "ucdp_ged"}  # outside rows included: both sources
        assert sources["ucdp_ged"]["licence"] == "CC BY 4.0"  # known, though not stored
        assert sources["acled"]["citation"] == "Cite & <i>me</i>"
        export_verdicts(store, tmp_path / "v.csv", "csv", include_outside=True, unit="verdicts")
        side = sources_sidecar(tmp_path / "v.csv").read_text(encoding="utf-8")
        assert "Source: ACLED <b>. Licence: Terms <script>x()</script>. Cite as: Cite & " in side
        assert "Terms: https://epo.acleddata.com/terms-of-use-and-attribution-policy" in side


def test_the_event_page_shows_the_source_escaped(evaluated: str) -> None:
    from ceasefire.web import create_app

    app = create_app(evaluated)
    try:
        with TestClient(app) as c:
            acled = c.get("/events/acled:SYR990001")
            ucdp = c.get("/events/ucdp_ged:303254")
    finally:
        app.state.store.close()
    assert acled.status_code == 200 and ucdp.status_code == 200
    assert "Source: ACLED &lt;b&gt;. Licence: Terms &lt;script&gt;x()&lt;/script&gt;." in acled.text
    assert "Cite as: Cite &amp; &lt;i&gt;me&lt;/i&gt;" in acled.text
    assert "<script>x()" not in acled.text
    # a source without a stored attribution gets the known one (UCDP's CC BY citation)
    assert 'rel="license noopener">CC BY 4.0</a>' in ucdp.text
    assert "Cite as: Sundberg, Ralph and Erik Melander (2013)" in ucdp.text
