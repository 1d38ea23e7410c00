"""`ceasefire news extract|ingest`, run for real on constructed articles."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from ceasefire.cli import cli
from ceasefire.store import open_store

NEWS = Path(__file__).parent / "data" / "news"
ARTICLE = NEWS / "bloomberg_putin_erdogan_2020-03-05.txt"


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_extract_prints_offsets_that_point_into_the_text():
    data = json.loads(run("news", "extract", str(ARTICLE), "--format", "json"))
    text = data["article"]["text"]
    assert data["article"]["published"] == "2020-03-05"
    for item in data["toponyms"] + data["entities"] + data["dates"]:
        assert text[item["start"] : item["end"]] == item["text"]
    ids = {t["identifier"] for t in data["toponyms"]}
    assert {"pcode:SY07", "feature:M4", "country:TR"} <= ids
    kinds = {e["sub_event_type"] for e in data["events"]}
    assert "Air/drone strike" in kinds
    strike = next(e for e in data["events"] if e["sub_event_type"] == "Air/drone strike")
    assert strike["fatalities_best"] == 34
    assert any(c["kind"] == "intent" for c in data["claims"])
    assert "draft_agreement_yaml" in data
    md = run("news", "extract", str(ARTICLE))
    assert "## Claims (statements by parties, not findings)" in md


def test_ingest_stores_once_and_a_bad_file_stores_nothing(tmp_path):
    db = str(tmp_path / "n.db")
    result = CliRunner().invoke(
        cli, ["news", "ingest", str(NEWS), "--db", db], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert "empty.txt: empty file" in result.output
    with open_store(db) as store:
        first = store.articles()
        n_events, n_claims = store.count_events(), len(store.claims())
    assert len(first) >= 2 and n_events >= 1 and n_claims >= 1
    assert set(store_events_sources(db)) == {"news"}
    again = run("news", "ingest", str(NEWS), "--db", db)
    assert f"0 stored (0 events), {len(first)} already stored" in again
    with open_store(db) as store:
        assert store.count_events() == n_events and len(store.claims()) == n_claims


def store_events_sources(db: str) -> list[str]:
    with open_store(db) as store:
        return store.events()["source_dataset"].astype(str).tolist()


def test_ingested_news_events_are_evaluated(tmp_path):
    db = str(tmp_path / "e.db")
    run("news", "ingest", str(ARTICLE), "--db", db)
    run("evaluate", "--db", db, "--agreement", "moscow-2020")
    with open_store(db) as store:
        v = store.verdicts()
    assert len(v) and set(v["source_dataset"]) == {"news"}


def test_ingest_reports_each_bad_file_and_goes_on(tmp_path):
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "good.txt").write_bytes(ARTICLE.read_bytes())
    (folder / "saved_as_text.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 10)
    (folder / "scripts.html").write_text(
        "<!doctype html><html><head><script>var a = 1;</script><style>p {}</style></head>"
        "<body><script>track()</script></body></html>",
        encoding="utf-8",
    )
    (folder / "arabic.txt").write_text("اتفقت روسيا وتركيا على وقف إطلاق النار في إدلب. " * 20)
    db = str(tmp_path / "b.db")
    result = CliRunner().invoke(cli, ["news", "ingest", str(folder), "--db", db])
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())  # the console wraps long lines at spaces
    assert "saved_as_text.txt: binary file" in out
    assert "scripts.html: no main text" in out
    assert "arabic.txt: not English" in out
    assert "4 files: 1 stored" in out and "3 failed" in out
    with open_store(db) as store:
        assert len(store.articles()) == 1


def test_an_ingested_articles_sentence_is_evidence_in_the_api(tmp_path):
    from fastapi.testclient import TestClient

    from ceasefire.web import create_app

    db = str(tmp_path / "w.db")
    run("news", "ingest", str(ARTICLE), "--db", db)
    app = create_app(db)
    try:
        client = TestClient(app)
        uid = client.get("/api/events", params={"source": "news"}).json()["items"][0]["event_uid"]
        evidence = client.get(f"/api/events/{uid}").json()["evidence"]
    finally:
        app.state.store.close()
    (article,) = [e for e in evidence if e["kind"] == "article"]
    assert article["headline"].startswith("Putin and Erdogan Agree on Idlib Truce")
    assert article["text"] and article["text"] in ARTICLE.read_text(encoding="utf-8")


def test_two_acts_in_one_sentence_are_stored_as_two_events(tmp_path):
    """Issue 13: one sentence, two acts (the drone barrage, the airstrike): two events with
    distinct, stable ids, each linked to the article; ingesting again adds nothing."""
    article = tmp_path / "two_acts.txt"
    article.write_text(
        "Turkey Strikes Back in Idlib\nMarch 1, 2020\n\n"
        "Turkey unleashed a barrage from killer drones against Assad's army near Saraqib after "
        "an airstrike killed 33 Turkish soldiers in a single day on Feb. 27. "
        "The strikes went on overnight, officials said.\n",
        encoding="utf-8",
    )  # constructed (the sentence in a made-up article)
    data = json.loads(run("news", "extract", str(article), "--format", "json"))
    drones, strike = data["events"][:2]
    assert drones["sentence"] == strike["sentence"]
    assert (drones["actor1"], strike["actor1"]) == ("Military Forces of Turkey (2016-)", None)
    assert (drones["fatalities_best"], strike["fatalities_best"]) == (None, 33)
    db = str(tmp_path / "two.db")
    run("news", "ingest", str(article), "--db", db)
    with open_store(db) as store:
        events = store.events()
        assert len(events) == 2 and events["event_uid"].is_unique
        assert sorted(events["fatalities"].fillna(-1).astype(int)) == [-1, 33]
        uids = set(events["event_uid"])
    run("news", "ingest", str(article), "--db", db)
    with open_store(db) as store:
        assert set(store.events()["event_uid"]) == uids
