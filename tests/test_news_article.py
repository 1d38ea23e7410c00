"""Reading one news article: debris removal, harvested metadata, offsets, bad files (issue 3)."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest

from ceasefire.errors import InputError, LimitError, MissingDependencyError
from ceasefire.limits import MAX_TEXT_BYTES
from ceasefire.news import article as article_mod
from ceasefire.news.article import (
    MAX_BYTES,
    Article,
    ArticleError,
    Span,
    clean_text,
    parse_html,
    read_article,
)
from ceasefire.news.debris import RULES, Harvest, match_rule

DATA = Path(__file__).parent / "data" / "news"
BLOOMBERG = DATA / "bloomberg_putin_erdogan_2020-03-05.txt"
HTML = DATA / "idlib_truce_ap_style.html"
MORE = "The patrols will cover a corridor six kilometers deep on each side of the road, they said."
HEADLINE = "Putin and Erdogan Agree on Idlib Truce After Marathon Kremlin Talks"


@pytest.fixture(scope="module")
def bloomberg() -> Article:
    return read_article(BLOOMBERG)


@pytest.fixture(scope="module")
def page() -> Article:
    return read_article(HTML)


def _span_ok(a: Article, span: Span | None) -> bool:
    return span is not None and a.text[span.start : span.end] == span.text


# --- scraped text ------------------------------------------------------------------------------


def test_headline_once_at_the_top(bloomberg: Article) -> None:
    assert BLOOMBERG.read_text(encoding="utf-8").count(HEADLINE) == 4
    assert bloomberg.text.count(HEADLINE) == 1
    assert bloomberg.text.startswith(HEADLINE + "\n\n(Bloomberg) -- Russia and Turkey agreed")
    assert bloomberg.headline == Span(0, len(HEADLINE), HEADLINE)
    assert [k for k, _ in bloomberg.removed].count("headline-repeat") == 3


def test_every_debris_kind_gone_and_recorded(bloomberg: Article) -> None:
    kinds = {k for k, _ in bloomberg.removed}
    assert kinds == {
        "timestamp", "share-prompt", "advertisement", "headline-repeat", "photo-caption",
        "read-more", "subscribe-prompt", "follow-prompt", "with-assistance",
        "contact-reporters", "contact-editors", "site-furniture", "copyright",
    }  # fmt: skip
    for kind, line in bloomberg.removed:
        if kind != "headline-repeat":
            assert line not in bloomberg.text, (kind, line)
    for debris in (
        "ADVERTISEMENT", "Photographer", "To contact", "With assistance", "(c)2020",
        "Share this", "Subscribe", "Follow us", "Read more", "@example.com", "bloomberg.com",
    ):  # fmt: skip
        assert debris not in bloomberg.text, debris
    assert [k for k, _ in bloomberg.removed].count("advertisement") == 2
    assert "\n\n\n" not in bloomberg.text and bloomberg.text == bloomberg.text.strip()


def test_story_paragraphs_survive(bloomberg: Article) -> None:
    paragraphs = bloomberg.text.split("\n\n")
    assert len(paragraphs) == 8  # headline + 7 paragraphs
    assert paragraphs[-1].startswith("Analysts said the truce may not last.")
    assert "At least 34 Turkish soldiers were killed" in bloomberg.text
    assert "supplement to an agreement" in bloomberg.text


def test_harvested_metadata(bloomberg: Article) -> None:
    a = bloomberg
    assert a.authors == ("Irina Petrova", "Selim Kaya")
    assert a.assisting == ("Firat Demir", "Henry Morgan")
    assert "Alex Stone" not in a.authors and "Maria Lopez" not in a.authors  # editors
    assert "Anna Volkova" not in a.authors  # the photographer
    assert (a.publisher, a.year, a.published) == ("Bloomberg L.P.", 2020, date(2020, 3, 5))
    assert a.dateline is None  # "(Bloomberg) --" names no place
    assert a.source_file == str(BLOOMBERG) and a.url is None
    assert a.content_hash == hashlib.sha256(BLOOMBERG.read_bytes()).hexdigest()


def test_year_from_copyright_when_no_date_is_known() -> None:
    text = BLOOMBERG.read_text(encoding="utf-8").replace("March 5, 2020, 7:41 PM GMT+3\n", "")
    a = clean_text(text)
    assert (a.published, a.year, a.source_file) == (None, 2020, None)
    assert a.content_hash == hashlib.sha256(text.encode()).hexdigest()


def test_user_values_override_the_file(bloomberg: Article) -> None:
    a = read_article(
        BLOOMBERG, published=date(2020, 3, 6), source="Bloomberg", url="https://x.test/a"
    )
    assert (a.published, a.publisher, a.url, a.year) == (
        date(2020, 3, 6), "Bloomberg", "https://x.test/a", 2020,
    )  # fmt: skip
    assert a.text == bloomberg.text


def test_datelines_and_their_offsets() -> None:
    body = (
        "Turkey and Russia hold first joint patrol on the M4 highway in Idlib province after the "
        "Moscow deal, officials said."
    )
    for lead, place in [
        ("ANKARA, Turkey (AP) — ", "ANKARA, Turkey"),
        ("MOSCOW (Reuters) - ", "MOSCOW"),
        ("MOSCOW, March 5 (Reuters) - ", "MOSCOW"),
        ("BEIRUT — ", "BEIRUT"),
    ]:
        a = clean_text(f"Patrols Begin on the M4\n\n{lead}{body}\n\n{MORE}")
        assert a.dateline is not None and a.dateline.text == place, lead
        assert _span_ok(a, a.dateline) and _span_ok(a, a.headline)
    a = clean_text(f"Patrols Begin on the M4\n\n(Reuters) - {body}\n\n{MORE}")
    assert a.dateline is None and a.publisher == "Reuters"  # the agency, as a last resort
    assert clean_text(f"Patrols Begin\n\n{body}\n\n{MORE}").dateline is None


def test_contact_block_over_several_lines() -> None:
    text = (
        "Idlib Truce Holds\n\nThe truce agreed in Moscow held overnight, with no Russian air "
        "strikes reported, monitors in the province said on Friday.\n\n" + MORE + "\n\n"
        "To contact the reporters on this story:\n"
        "Irina Petrova in Moscow at ipetrova@example.com\n"
        "Selim Kaya in Ankara at skaya@example.com\n"
        "To contact the editors responsible for this story:\n"
        "Alex Stone at astone@example.com\n"
        "Maria Lopez\n"
    )
    a = clean_text(text)
    assert a.authors == ("Irina Petrova", "Selim Kaya")
    assert [k for k, _ in a.removed] == ["contact-reporters"] * 3 + ["contact-editors"] * 3
    assert "@" not in a.text and "Maria" not in a.text


def test_bylines_lines_without_blank_lines_and_script_in_text() -> None:
    text = (
        "Turkey Says Truce Violated\n"
        "By Selim Kaya and Irina Petrova\n"
        "<script>track('SCRIPTLEAK')</script>\n"
        "Turkey said Syrian forces violated the cease-fire twice overnight near Saraqeb.\n"
        "The Russian military denied any breach and said its aircraft had not flown.\n"
        "By Thursday evening the front line near Saraqeb was quiet, residents said by phone."
    )
    a = clean_text(text)
    assert a.authors == ("Selim Kaya", "Irina Petrova")
    assert (
        "SCRIPTLEAK" not in a.text
        and ("markup", "<script>track('SCRIPTLEAK')</script>") in a.removed
    )
    paragraphs = a.text.split("\n\n")
    assert len(paragraphs) == 4 and paragraphs[3].startswith("By Thursday evening")  # not a byline


def test_first_line_that_is_a_sentence_is_not_a_headline() -> None:
    text = (
        "Russia and Turkey agreed on a cease-fire in Idlib on Thursday after talks in Moscow.\n\n"
        "The truce takes effect at midnight and joint patrols on the M4 start on March 15."
    )
    a = clean_text(text)
    assert a.headline is None and a.text.startswith("Russia and Turkey agreed")


@pytest.mark.parametrize(
    ("line", "rule"),
    [
        ("ADVERTISEMENT", "advertisement"),
        ("Story continues below advertisement", "advertisement"),
        ("Rescuers in Idlib on March 4. (Photographer: Anna Volkova/Bloomberg)", "photo-caption"),
        ("Photographer: Anna Volkova/Bloomberg", "photo-caption"),
        (
            "To contact the reporter on this story: Selim Kaya in Ankara at s@x.test",
            "contact-reporters",
        ),
        ("To contact the editors responsible for this story: Alex Stone", "contact-editors"),
        ("--With assistance from Firat Demir.", "with-assistance"),
        ("(c)2020 Bloomberg L.P.", "copyright"),
        ("© 2019-2020 Example Wire. All rights reserved.", "copyright"),
        ("Updated on March 6, 2020, 9:02 AM GMT+3", "timestamp"),
        ("Thursday, 5 March 2020 17:52 GMT", "timestamp"),
        ("By Dana Whitfield | Example Wire", "byline"),
        ("(Updates with Erdogan comments in fifth paragraph.)", "update-note"),
        ("Share this article", "share-prompt"),
        ("Sign up for our Middle East newsletter", "subscribe-prompt"),
        ("Subscribe to Example Wire", "subscribe-prompt"),
        ("Follow us on Twitter", "follow-prompt"),
        ("Click here to read the full text of the protocol", "click-here"),
        ("Read more: Turkey Loses 33 Soldiers", "read-more"),
        ("Related: What the M4 highway means for Idlib", "read-more"),
        ("We use cookies to improve your experience.", "cookie-notice"),
        ("Most Read from Bloomberg", "site-furniture"),
    ],
)
def test_each_rule_on_an_example(line: str, rule: str) -> None:
    assert match_rule(line, Harvest()) == rule


def test_rules_are_named_data_and_each_is_exercised() -> None:
    names = [r.name for r in RULES]
    assert len(names) == len(set(names))
    examples = test_each_rule_on_an_example.pytestmark[0].args[1]  # type: ignore[attr-defined]
    assert {rule for _, rule in examples} == set(names)


@pytest.mark.parametrize(
    "line",
    [
        "Russia and Turkey agreed on a cease-fire in Idlib on Thursday.",
        "By Thursday, the truce had largely held, residents said.",
        "Subscribers to the theory of a lasting peace were few, analysts said, citing past deals.",
        "Related talks in Ankara on Friday focused on the M4 highway and the patrols.",
    ],
)
def test_story_sentences_are_not_debris(line: str) -> None:
    assert match_rule(line, Harvest()) is None


def test_harvest_details() -> None:
    h = Harvest()
    match_rule("© 2019-2020 The Associated Press. All rights reserved. Not for redistribution.", h)
    assert (h.publisher, h.year) == ("The Associated Press", 2020)
    h = Harvest()
    match_rule("Updated on March 6, 2020, 9:02 AM GMT+3", h)
    assert h.published is None  # an update time is not the publication date
    match_rule("Published: 5 March 2020", h)
    assert h.published == date(2020, 3, 5)


# --- HTML ----------------------------------------------------------------------------------------


def test_html_main_text_and_metadata(page: Article) -> None:
    headline = "Russia, Turkey agree on cease-fire in Syria's Idlib"
    assert page.headline == Span(0, len(headline), headline) and page.text.count(headline) == 1
    assert page.text.split("\n\n")[1].startswith("MOSCOW (AP) — The leaders of Russia and Turkey")
    assert page.text.rstrip().endswith("including 33 in a single air strike last Thursday.")
    assert (page.published, page.year, page.authors) == (
        date(2020, 3, 5),
        2020,
        ("Dana Whitfield",),
    )
    assert page.publisher == "Example Wire"
    assert page.url == "https://news.example.org/world/idlib-ceasefire-2020-03-05"
    assert (
        page.dateline is not None
        and page.dateline.text == "MOSCOW"
        and _span_ok(page, page.dateline)
    )
    assert ("read-more", "Read more: What is at stake in Idlib") in page.removed


def test_html_script_style_nav_footer_never_leak(page: Article) -> None:
    for leak in (
        "SCRIPTLEAK", "STYLELEAK", "dataLayer", "font-family", "googletag", "Privacy policy",
        "Most popular", "Copyright", "Subscribe", "ADVERTISEMENT", "Politics", "Photographer",
    ):  # fmt: skip
        assert leak not in page.text, leak


def test_parse_html_with_overrides() -> None:
    html = HTML.read_text(encoding="utf-8")
    a = parse_html(html, published=date(2020, 3, 6), source="AP", url="https://x.test/b")
    assert (a.published, a.publisher, a.url, a.source_file) == (
        date(2020, 3, 6), "AP", "https://x.test/b", None,
    )  # fmt: skip
    assert a.content_hash == hashlib.sha256(html.encode()).hexdigest()


def test_html_fragment_is_detected_as_html(tmp_path: Path) -> None:
    para = (
        "<p>Russian and Turkish troops began joint patrols on the M4 highway on Sunday, the "
        "first test of the cease-fire agreed in Moscow ten days earlier, officials said.</p>"
    )
    f = tmp_path / "fragment.txt"
    f.write_text(
        "<div><h1>First joint patrol on the M4</h1>" + para * 3 + "</div>", encoding="utf-8"
    )
    a = read_article(f)
    assert "<p>" not in a.text and a.text.startswith("First joint patrol on the M4\n\n")


def test_trafilatura_missing_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(module: str, *, extra: str = "nlp") -> None:
        raise MissingDependencyError(f"{module} is needed here: pip install 'ceasefire[{extra}]'")

    monkeypatch.setattr(article_mod, "import_optional", missing)
    with pytest.raises(MissingDependencyError, match=r"ceasefire\[nlp\]"):
        read_article(HTML)


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("empty.txt", "empty file"),
        ("binary_image.png", r"binary file \(contains NUL bytes\)"),
        ("boilerplate.html", r"no main text left \(0 words of prose"),
        (
            "arabic_agency_report.txt",
            r"not English: \d+% of the letters are not Latin script \(mostly Arabic\)",
        ),
    ],
)
def test_bad_files_are_refused_by_name(name: str, problem: str) -> None:
    path = DATA / name
    with pytest.raises(ArticleError, match=problem) as info:
        read_article(path)
    assert str(info.value).startswith(f"{path}: ") and info.value.file == str(path)
    assert isinstance(info.value, InputError)


def test_too_big_is_refused_with_its_size(tmp_path: Path) -> None:
    big = tmp_path / "huge_page.html"
    with big.open("wb") as f:
        f.truncate(MAX_BYTES + 1)  # sparse: nothing is written, the size alone is refused
    with pytest.raises(
        ArticleError, match=r"10,000,001 bytes, more than 10,000,000 \(the limit\)"
    ) as info:
        read_article(big)
    assert str(big) in str(info.value) and info.value.value == MAX_BYTES + 1
    assert isinstance(info.value, LimitError) and info.value.limit == MAX_TEXT_BYTES


def test_whitespace_only_and_control_bytes(tmp_path: Path) -> None:
    blank = tmp_path / "blank.txt"
    blank.write_text(" \n\n \t\n", encoding="utf-8")
    with pytest.raises(ArticleError, match=r"blank\.txt: empty file"):
        read_article(blank)
    noise = tmp_path / "noise.dat"
    noise.write_bytes(bytes(range(1, 32)) * 20)
    with pytest.raises(ArticleError, match=r"noise\.dat: binary file \(\d+% control bytes\)"):
        read_article(noise)
    with pytest.raises(ArticleError, match=r"missing\.txt: cannot read the file"):
        read_article(tmp_path / "missing.txt")
    with pytest.raises(ArticleError, match=r"cannot read the file: Is a directory"):
        read_article(tmp_path)


def test_cp1252_is_decoded_and_the_guess_recorded() -> None:
    path = DATA / "cp1252_windows_export.txt"
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    a = read_article(path)
    assert "Turkey’s defense ministry" in a.text and "“isolated violations”" in a.text
    assert "cafés" in a.text and "aid groups – wary" in a.text
    assert a.removed[0] == (
        "encoding",
        "not valid UTF-8 (byte 0x97 at offset 70); decoded as cp1252",
    )
    assert (a.publisher, a.year) == ("Example Wire", 2020)
    assert (
        a.dateline is not None and a.dateline.text == "ANKARA, Turkey" and _span_ok(a, a.dateline)
    )


def test_latin_script_but_not_english() -> None:
    french = (
        "La Russie et la Turquie ont conclu jeudi un accord de cessez-le-feu dans la province "
        "syrienne d'Idleb, après plus de six heures de discussions au Kremlin. Les deux "
        "présidents ont annoncé des patrouilles conjointes le long de l'autoroute M4 à partir "
        "du 15 mars, ainsi qu'un corridor de sécurité de six kilomètres de chaque côté de la "
        "route. Les analystes doutent que la trêve dure longtemps."
    )
    with pytest.raises(ArticleError, match=r"not English: only \d+ of \d+ words"):
        clean_text(f"Accord sur Idleb\n\n{french}")


def test_all_debris_text_is_refused() -> None:
    with pytest.raises(ArticleError, match="no main text left"):
        clean_text("ADVERTISEMENT\n\nShare this article\n\n(c)2020 Bloomberg L.P.\n")


STORY = (
    "Turkish and Russian officials met in Ankara on Monday to discuss the ceasefire in Idlib "
    "province, where government forces and rebels have traded fire along the front line for "
    "weeks. The talks ended without a statement, and both sides said they would meet again."
)


def test_utf16_with_a_byte_order_mark_is_decoded(tmp_path: Path) -> None:
    path = tmp_path / "exported_utf16.txt"
    path.write_bytes(f"Talks in Ankara — café diplomacy\n\n{STORY}\n".encode("utf-16"))
    a = read_article(path, published=date(2020, 3, 2))
    assert a.headline is not None and "café diplomacy" in a.headline.text
    assert "Turkish and Russian officials" in a.text


def test_declared_html_charset_wins_over_utf8(tmp_path: Path) -> None:
    page = (
        '<html><head><meta charset="iso-8859-1"><title>Talks in Ankara</title></head><body>'
        f"<article><h1>Talks in Ankara</h1><p>Caf\xe9 owners watched. {STORY}</p>"
        f"<p>{STORY}</p></article></body></html>"
    )
    path = tmp_path / "latin1_page.html"
    path.write_bytes(page.encode("latin-1"))
    a = read_article(path, published=date(2020, 3, 2))
    assert "Café owners watched" in a.text and "\ufffd" not in a.text


def test_a_page_of_only_script_and_style_is_refused_by_name(tmp_path: Path) -> None:
    page = (
        "<!doctype html><html><head><style>body { color: red } .ad { display: none }</style>"
        "<script>var story = 'Turkish and Russian officials met in Ankara on Monday';"
        " window.track(story);</script></head><body><script>document.write('ads')</script>"
        "</body></html>"
    )
    path = tmp_path / "scripts_only.html"
    path.write_text(page, encoding="utf-8")
    with pytest.raises(ArticleError, match=r"scripts_only\.html: no main text"):
        read_article(path)


def test_wrong_encoding_never_raises_a_decode_error(tmp_path: Path) -> None:
    path = tmp_path / "mixed_bytes.txt"
    path.write_bytes(f"Talks in Ankara\n\n{STORY}\n".encode() + b"Ends \xff\xfe here.\n")
    a = read_article(path, published=date(2020, 3, 2))
    assert a.removed[0][0] == "encoding" and "decoded as cp1252" in a.removed[0][1]
    assert "Turkish and Russian officials" in a.text
