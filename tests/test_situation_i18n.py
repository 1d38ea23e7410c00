"""The situation report in other languages: gettext catalogs for its fixed text and an Arabic
edition, right to left, with Arabic place names from the bundled OCHA boundaries.

Both editions are rendered on the demo store (the real Idlib case, SQLite: a language changes
no count, and tests/test_situation_report.py holds the counts on both stores). The catalogs
are checked against the code: the template ``report.pot`` holds every ``_()`` of the package's
Python and templates (re-extracted here with Babel), every message has its Arabic, and each
committed ``.mo`` is its ``.po`` compiled. The Arabic PDF is printed by Debian's chromium and
read back with poppler; like tests/test_situation_report_cli.py's, it fails, never skips,
when either is missing.
"""

from __future__ import annotations

import datetime as dt
import html as html_lib
import io
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from click.testing import CliRunner

from ceasefire.cli import cli
from ceasefire.errors import InputError
from ceasefire.situation import LANGUAGES, Period, ReportOptions, html, markdown
from ceasefire.situation.charts import map_svg
from ceasefire.situation.i18n import DOMAIN, LOCALE_DIR, words
from ceasefire.situation.place_names import arabic_name, name_table
from ceasefire.situation_report import situation_report
from ceasefire.store import open_store

HOSTILE = '<img src=x onerror="window.__pwned=1"><script>alert(1)</script> | *x*'
ROOT = Path(__file__).parents[1]
ARTIFACTS = ROOT / "test-artifacts" / "reports"
WEEK = ("sochi-2018", "week", dt.date(2019, 7, 10))
ARABIC = re.compile("[\u0600-\u06ff]")
#: Unicode's directional isolates, which the Arabic edition puts around ISO dates.
ISOLATES = str.maketrans("", "", "\u2066\u2067\u2068\u2069\u202a\u202b\u202c\u202d\u202e")


def _report(db: str, agreement: str, unit: str, day: dt.date, **kw: Any) -> dict[str, Any]:
    with open_store(db) as store:
        return situation_report(store, agreement, Period.of(unit, day), ReportOptions(**kw))


def _catalog(lang: str) -> Any:
    with (LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as f:
        return read_po(f)


def _ids(catalog: Any) -> set[str]:
    return {str(m.id) for m in catalog if m.id}


def _tags(page: str, tag: str) -> list[str]:
    """The text of every ``<tag>`` of a page, markup dropped and entities read."""
    found = re.findall(rf"<{tag}\b[^>]*>(.*?)</{tag}>", page, flags=re.S)
    return [html_lib.unescape(re.sub(r"<[^>]+>", "", t)).translate(ISOLATES) for t in found]


# ------------------------------------------------------------------------------ catalogs


def test_arabic_is_a_language_with_a_catalog() -> None:
    assert LANGUAGES == ("en", "ar")
    with pytest.raises(InputError, match="lang"):
        words("xx")


def test_the_pot_holds_every_message_of_the_code_and_templates(tmp_path: Path) -> None:
    pot = tmp_path / "report.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F",
         str(LOCALE_DIR / "babel.cfg"), "--no-location", "-k", "_", "-o", str(pot), "."],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    with pot.open("rb") as f:
        extracted = _ids(read_po(f))
    with (LOCALE_DIR / f"{DOMAIN}.pot").open("rb") as f:
        committed = _ids(read_po(f))
    assert extracted - committed == set(), "run make i18n: messages missing from report.pot"
    assert committed - extracted == set(), "run make i18n: report.pot holds stale messages"
    assert "Headline figures" in committed and "{date} {place}: {verdict}, {deaths} killed" in (
        committed
    )  # the templates' and the charts' messages


def test_every_message_has_its_arabic() -> None:
    ar = _catalog("ar")
    with (LOCALE_DIR / f"{DOMAIN}.pot").open("rb") as f:
        assert _ids(ar) == _ids(read_po(f))
    assert not ar.fuzzy
    for m in ar:
        if not m.id:
            continue
        assert m.string, f"no Arabic for {m.id!r}"
        assert "fuzzy" not in m.flags, m.id
        if m.id not in ("{day} {month} {year}", "{day}: {count} {verdict}", "{month} {year}"):
            assert ARABIC.search(str(m.string)), f"not Arabic: {m.id!r} -> {m.string!r}"
        # the same placeholders, so .format() fills them all
        assert sorted(re.findall(r"\{\w+\}", str(m.id))) == sorted(
            re.findall(r"\{\w+\}", str(m.string))
        ), m.id
    header = (LOCALE_DIR / "ar" / "LC_MESSAGES" / f"{DOMAIN}.po").read_text(encoding="utf-8")
    assert "reviewed by a native" in header  # the project's own translations, said so


def test_each_mo_is_its_po_compiled() -> None:
    for lang in LANGUAGES[1:]:
        compiled = io.BytesIO()
        write_mo(compiled, _catalog(lang))
        mo = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
        assert mo.read_bytes() == compiled.getvalue(), f"run make i18n: {mo} is stale"


# --------------------------------------------------------------------------- place names


def test_arabic_place_names_from_the_ocha_boundaries() -> None:
    assert arabic_name("Idlib") == "إدلب"  # the gazetteer's alias of OCHA's Idleb (adm1)
    assert arabic_name("Idleb") == "إدلب" and arabic_name("SY07", pcode=True) == "إدلب"
    assert arabic_name("Idlib town") == "إدلب"  # UCDP's locality, its "town" set aside
    assert arabic_name("Aleppo Governorate") == "محافظة حلب"
    assert arabic_name("Jisr ash Shughur town") == "جسر الشغور"
    for unknown in ("Hamamiyat village", "Nowhere", HOSTILE, ""):
        assert arabic_name(unknown) == unknown  # never guessed
    # one name, two units of the same level with different Arabic names: ambiguous, kept
    table = name_table([(3, "Al Bab", "الباب"), (3, "Al-Bab", "باب"), (2, "Ariha", "أريحا")])
    assert "bab" not in table and table["ariha"] == "أريحا"
    assert words("en").place("Idlib") == "Idlib" and words("ar").place("Idlib") == "إدلب"


# ------------------------------------------------------------------------- both editions


def test_the_arabic_edition_reads_right_to_left(dashboard_demo_db: str) -> None:
    en = html(_report(dashboard_demo_db, *WEEK))
    r = _report(dashboard_demo_db, *WEEK, lang="ar")
    ar = html(r)
    assert '<html lang="ar" dir="rtl">' in ar and '<html lang="en">' in en
    assert "dir=" not in en.split("<head>")[0]
    assert "th, td { text-align: right; }" in ar
    headings = {t: _tags(ar, t) for t in ("h1", "h2", "h3", "th")}
    assert "الأرقام الرئيسية" in headings["h2"] and "المنهجية والتحفظات" in headings["h2"]
    assert headings["h1"][0].startswith("تقرير الوضع: ")
    english = {t: set(_tags(en, t)) for t in headings}
    for tag, texts in headings.items():
        for text in texts:
            if text in ("p",):  # the probability's symbol, the same in both
                continue
            assert text not in english[tag] or not re.search("[A-Za-z]", text), (tag, text)
            if tag != "h1":
                assert ARABIC.search(text), (tag, text)
    # dates in Arabic month names (Levantine), numbers in Western digits
    assert r["period"]["label"] == "الأسبوع من 8 تموز 2019 إلى 14 تموز 2019"
    month = _report(dashboard_demo_db, "sochi-2018", "month", dt.date(2019, 5, 1), lang="ar")
    assert month["period"]["label"] == "أيار 2019"
    assert month["period"]["previous_label"] == "نيسان 2019"
    axis = month["timeline"]["svg"]  # March to May 2019
    assert "أيار</text>" in axis and "آذار</text>" in axis and "May</text>" not in axis
    # text from the evidence stays as it is; the methods say so, in Arabic
    assert "تترجم هذه النسخة النص الثابت للتقرير فقط" in ar
    assert (
        r["incidents"][0]["reason"] == _report(dashboard_demo_db, *WEEK)["incidents"][0]["reason"]
    )
    md = markdown(r)
    assert md.startswith("# تقرير الوضع: ") and "## الأرقام الرئيسية" in md
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "sochi-2018-week-2019-07-08-ar.html").write_text(ar, encoding="utf-8")
    (ARTIFACTS / "sochi-2018-week-2019-07-08-ar.md").write_text(md, encoding="utf-8")


def test_place_names_are_arabic_in_the_arabic_edition(dashboard_demo_db: str) -> None:
    en = _report(dashboard_demo_db, *WEEK)
    ar = _report(dashboard_demo_db, *WEEK, lang="ar")
    pairs = zip(en["incidents"], ar["incidents"], strict=True)
    places = {(e["location"], a["location"]) for e, a in pairs}
    assert ("Jisr ash Shughur town", "جسر الشغور") in places
    assert ("Hamamiyat village", "Hamamiyat village") in places  # no Arabic form: as written
    assert "جسر الشغور" in html(ar) and "جسر الشغور" in ar["map"]["svg"]


@pytest.mark.parametrize(
    ("agreement", "unit", "day"),
    [
        WEEK,
        ("sochi-2018", "month", dt.date(2019, 5, 1)),
        ("moscow-2020", "month", dt.date(2020, 3, 1)),
    ],
)
def test_the_figures_and_links_are_the_same_in_both(
    dashboard_demo_db: str, agreement: str, unit: str, day: dt.date
) -> None:
    en = _report(dashboard_demo_db, agreement, unit, day)
    ar = _report(dashboard_demo_db, agreement, unit, day, lang="ar")
    for key in ("findings", "previous_findings", "filters", "by_party", "by_weapon"):
        assert en[key] == ar[key], key
    for key in ("headline", "by_zone", "incidents"):
        numbers = [{k: v for k, v in x.items() if k not in ("label", "name", "location")}
                   for x in en[key]]  # fmt: skip
        assert numbers == [
            {k: v for k, v in x.items() if k not in ("label", "name", "location")} for x in ar[key]
        ], key
    assert en["timeline"]["days"] == ar["timeline"]["days"]
    assert en["map"]["counts"] == ar["map"]["counts"]
    page_en, page_ar = html(en), html(ar)
    hrefs = re.compile(r'href="([^"]*)"')
    assert hrefs.findall(page_en) == hrefs.findall(page_ar) and hrefs.findall(page_en)
    cells = re.compile(r'<td class="num">(.*?)</td>', re.S)
    assert [c.translate(ISOLATES) for c in cells.findall(page_ar)] == cells.findall(page_en)
    figures = re.compile(r'data-figure="(\w+)" href="([^"]*)">([\d,]+)<')
    assert figures.findall(page_en) == figures.findall(page_ar)
    md_links = re.compile(r"\]\(([^)]*)\)")
    links_en, links_ar = (
        [u for u in md_links.findall(markdown(x)) if not u.startswith("data:")] for x in (en, ar)
    )
    assert links_en == links_ar and links_en


def test_both_editions_are_the_same_bytes_on_every_run(dashboard_demo_db: str) -> None:
    for lang in LANGUAGES:
        a = _report(dashboard_demo_db, *WEEK, lang=lang)
        b = _report(dashboard_demo_db, *WEEK, lang=lang)
        assert html(a).encode() == html(b).encode(), lang
        assert markdown(a).encode() == markdown(b).encode(), lang
    # English is the report as it was: the default, the same bytes
    assert html(_report(dashboard_demo_db, *WEEK)) == html(
        _report(dashboard_demo_db, *WEEK, lang="en")
    )


def test_hostile_text_stays_text_in_arabic(dashboard_demo_db: str) -> None:
    r = _report(dashboard_demo_db, *WEEK, lang="ar")
    r["agreement"]["title"] = HOSTILE
    r["incidents"][0].update(location=HOSTILE, reason=HOSTILE, party=HOSTILE)
    r["by_zone"][0]["name"] = HOSTILE
    r["methods"]["zones"][0].update(name=HOSTILE, note=HOSTILE)
    r["headline"][0]["key"] = HOSTILE
    page, md = html(r), markdown(r)
    assert "<script>alert(1)</script>" not in page and "<img src=x" not in page
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 8
    assert "<script>" not in md and "<img" not in md
    assert "&lt;script&gt;alert\\(1\\)&lt;/script&gt; \\| \\*x\\*" in md
    assert words("ar").place(HOSTILE) == HOSTILE and words("ar").word(HOSTILE) == HOSTILE
    svg = map_svg(
        [],
        pd.DataFrame({"longitude": [36.5], "latitude": [35.5], "verdict": ["violation"],
                      "fatalities": [4], "event_uid": ["e1"], "event_date": ["2019-07-10"],
                      "location": [HOSTILE]}),
        language=words("ar"),
    )  # fmt: skip
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "انتهاك، 4 قتيلًا" in svg


# --------------------------------------------------------------------------------- CLI, PDF


def test_the_cli_writes_the_arabic_edition(dashboard_demo_db: str, tmp_path: Path) -> None:
    args = ["report", "--agreement", "sochi-2018", "--period", "week", "--date", "2019-07-10"]
    out = tmp_path / "ar.html"
    runner = CliRunner()
    r = runner.invoke(cli, [*args, "--lang", "ar", "--out", str(out), "--db", dashboard_demo_db])
    assert r.exit_code == 0, r.output
    assert '<html lang="ar" dir="rtl">' in out.read_text(encoding="utf-8")
    bad = runner.invoke(cli, [*args, "--lang", "xx", "--out", str(out), "--db", dashboard_demo_db])
    assert bad.exit_code == 2 and "'xx' is not one of 'en', 'ar'" in bad.output


def test_the_arabic_pdf_reads_right_to_left(dashboard_demo_db: str, tmp_path: Path) -> None:
    for tool in ("pdftotext", "pdftoppm"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is missing: apt-get install poppler-utils (make test does)")
    out = tmp_path / "ar.pdf"
    r = CliRunner().invoke(
        cli,
        ["report", "--agreement", "sochi-2018", "--period", "week", "--date", "2019-07-10",
         "--lang", "ar", "--format", "pdf", "--out", str(out), "--db", dashboard_demo_db],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    text = subprocess.run(
        ["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout.translate(ISOLATES)
    assert len(ARABIC.findall(text)) > 2000  # the text extracts, in Arabic letters
    assert "تقرير الوضع" in text and "جسر الشغور" in text
    # right to left: a heading stands at the right edge of its line, the text before it blank
    lines = [line for line in text.splitlines() if line.strip() == "الخريطة"]
    assert lines and len(lines[0]) - len(lines[0].lstrip()) > 60, lines
    total = _report(dashboard_demo_db, *WEEK)["headline"][0]["current"]
    assert re.search(rf"(?<!\d){total}(?!\d)", text)  # the week's incidents, Western digits
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(out, ARTIFACTS / "sochi-2018-week-2019-07-08-ar.pdf")
