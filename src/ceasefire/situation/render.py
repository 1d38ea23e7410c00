"""A report (:func:`ceasefire.situation.build`) as HTML, Markdown or PDF.

HTML and Markdown come from Jinja2 templates beside this module. Autoescaping is on for HTML,
so text from articles, field reports and event data is text, never markup; the Markdown
template escapes it with :func:`md_text` (HTML and Markdown characters alike). The fixed
text is wrapped for gettext (``_()``), translated by the catalog of the report's language
(``report["lang"]``, :mod:`ceasefire.situation.i18n`: English is the source, with null
translations); each language has its own Jinja2 environment, built once.
Only literal text goes through ``_()`` in the templates (Jinja's newstyle gettext marks what
it returns safe, so data given to it would not be escaped, and a catalog cannot extract a
variable): the words of the closed vocabularies a report shows (its headline figures, weapon
classes, seen and heard) are translated here, from literal strings, by the ``term`` filter
(:func:`term`), and escaped like any other text; so are verdicts, statuses and kinds (the
``label`` and ``word`` filters, :meth:`~ceasefire.situation.i18n.Words.label`). A language
written right to left gets ``dir="rtl"`` and the template's right-to-left rules.
The pictures are inline SVG in the HTML and ``data:`` images in the Markdown.

PDF is the HTML printed by Chromium (Debian's ``/usr/bin/chromium``, driven through
Playwright without downloading a browser), every request from the page refused: see
``docs/reports.md`` for why Chromium and not WeasyPrint.

>>> md_text("<b>*Turkey*</b> | [x]")
'&lt;b&gt;\\\\*Turkey\\\\*&lt;/b&gt; \\\\| \\\\[x\\\\]'
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, Final

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from .._optional import import_optional
from ..errors import InputError
from .i18n import SOURCE_LANGUAGE, words

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "FORMATS", "html", "markdown", "md_text", "pdf", "term"]

#: The formats a report is written in.
FORMATS: Final = ("html", "md", "pdf")
#: The browser that prints PDFs (Debian's package; see the Makefile).
CHROMIUM: Final = "/usr/bin/chromium"
#: How it is started: headless, offline, no sandbox (what it prints is our own escaped HTML
#: under a CSP without scripts; the browser tests start it the same way).
CHROMIUM_ARGS: Final = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
#: Page numbers at the foot of each PDF page (Chromium fills the classes in).
_FOOTER: Final = (
    '<div style="font-size:8px;width:100%;text-align:center;color:#666">'
    '<span class="pageNumber"></span> / <span class="totalPages"></span></div>'
)
#: Markdown's own characters, and ``:`` and ``@``: GFM links ``https://...`` and ``a@b.org``
#: in running text by itself (an article's or a claim's URL would become a live link).
_MD_SPECIAL: Final = re.compile(r"([\\`*_{}\[\]()#+!|~:@])")
#: GFM's other bare links: ``www.`` (its dot escaped).
_MD_WWW: Final = re.compile(r"(?i)\b(www)\.")


def _terms(_: Callable[[str], str]) -> dict[str, str]:
    """The words of the closed vocabularies a report shows, by key, translated by ``_``:
    literal strings, for a catalog to extract."""
    return {
        # headline figures (ceasefire.situation.model._headline)
        "incidents": _("Incidents (violations and possible violations)"),
        "violations": _("Violations"),
        "possible_violations": _("Possible violations"),
        "deaths": _("Deaths in these incidents"),
        "deaths_violations": _("Deaths in violations"),
        # weapon classes (ceasefire.weapons.WEAPON_LABELS)
        "shelling_artillery": _("shelling, artillery and missiles"),
        "air_drone": _("air and drone strikes"),
        "small_arms": _("small arms (armed clashes)"),
        "ied": _("explosive devices (IEDs, landmines, suicide bombs)"),
        "other_unknown": _("other or unknown"),
        # what a monitor did (field reports)
        "seen": _("seen"),
        "heard": _("heard"),
    }


def term(key: Any, lang: str = SOURCE_LANGUAGE) -> str:
    """A closed vocabulary's key (a headline figure, a weapon class, ``seen``/``heard``) in
    words, translated into ``lang``; an unknown key is itself, as plain text (escaped where it
    is shown).

    >>> term("air_drone"), term("<b>"), term("heard", "ar")
    ('air and drone strikes', '<b>', 'سُمع')
    """
    return _terms(words(lang).gettext).get(str(key), str(key))


def _md_term(key: Any, lang: str = SOURCE_LANGUAGE) -> str:
    """:func:`term` for Markdown: our own words as they are (like the template's fixed text),
    anything else escaped (:func:`md_text`)."""
    mine = _terms(words(lang).gettext)
    return mine[str(key)] if str(key) in mine else md_text(key)


def md_text(value: Any) -> str:
    """Text for Markdown: HTML characters as entities, Markdown's own backslash-escaped, GFM's
    bare links broken (``:``, ``@`` and ``www.`` escaped), one line (a newline would end a
    table row).

    >>> md_text("see https://x.example or www.x.example")
    'see https\\\\://x.example or www\\\\.x.example'
    """
    text = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_WWW.sub(r"\1\\.", _MD_SPECIAL.sub(r"\\\1", text))
    return " ".join(text.split())


def _svg_data(svg: str) -> str:
    """An SVG as a ``data:`` URL for a Markdown image."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


@cache
def _environment(lang: str = SOURCE_LANGUAGE) -> Environment:
    """The templates' environment for ``lang``: its catalog installed, its filters."""
    w = words(lang)
    env = Environment(
        loader=PackageLoader("ceasefire.situation", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.install_gettext_translations(w.translations, newstyle=True)  # type: ignore[attr-defined]
    env.filters["md"] = md_text
    env.filters["term"] = lambda key: term(key, lang)
    env.filters["md_term"] = lambda key: _md_term(key, lang)
    env.filters["svg_data"] = _svg_data
    env.filters["n"] = lambda x: f"{int(x):,}"
    env.filters["label"] = w.label
    env.filters["word"] = w.word
    env.filters["ltr"] = _isolate if w.direction == "rtl" else _as_is
    return env


def _as_is(value: Any) -> Any:
    """A value as it is (the ``ltr`` filter of a left-to-right language)."""
    return value


def _isolate(value: Any) -> str:
    """Left-to-right text (an ISO date, a signed change) isolated in a right-to-left page, so
    the bidirectional algorithm does not reorder its parts: between U+2066 (LEFT-TO-RIGHT
    ISOLATE) and U+2069 (POP DIRECTIONAL ISOLATE), in HTML and Markdown alike. Plain text,
    escaped where it is shown."""
    return f"\u2066{value}\u2069"


def _language(report: dict[str, Any]) -> dict[str, str]:
    """The report's language and direction (English, left to right, for a report without)."""
    lang = str(report.get("lang", SOURCE_LANGUAGE))
    return {"lang": lang, "dir": words(lang).direction}


def html(report: dict[str, Any]) -> str:
    """The report as one self-contained HTML page (styles and pictures inline)."""
    # the pictures are drawn by our own code (charts.py, patrols/chart.py), their text escaped
    patrols = report["patrols"]
    svgs = {
        "map_svg": Markup(report["map"]["svg"]),
        "timeline_svg": Markup(report["timeline"]["svg"]),
        "strip_svg": Markup(patrols["strip_svg"]) if patrols else "",
    }
    how = _language(report)
    return _environment(how["lang"]).get_template("report.html").render(r=report, **svgs, **how)


def markdown(report: dict[str, Any]) -> str:
    """The report as Markdown (pictures as ``data:`` SVG images)."""
    how = _language(report)
    return _environment(how["lang"]).get_template("report.md").render(r=report, **how)


def pdf(page: str, out: Path, *, executable: str = CHROMIUM) -> None:
    """Print the HTML ``page`` to a PDF at ``out`` (A4) with headless Chromium; nothing is
    fetched (every request the page would make is refused)."""
    if not Path(executable).exists():
        raise InputError(
            f"PDF needs Chromium at {executable} (Debian: apt-get install chromium); "
            "or write --format html and print it from a browser"
        )
    sync_api = import_optional("playwright.sync_api", extra="pdf")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=list(CHROMIUM_ARGS))
        try:
            tab = browser.new_page()
            tab.route("**/*", lambda route: route.abort())
            tab.set_content(page, wait_until="load")
            tab.pdf(
                path=str(out),
                format="A4",
                print_background=True,
                margin={"top": "14mm", "bottom": "16mm", "left": "12mm", "right": "12mm"},
                display_header_footer=True,
                header_template="<span></span>",  # Chromium's default header has the date
                footer_template=_FOOTER,
            )
        finally:
            browser.close()
