"""A report (:func:`ceasefire.situation.build`) as HTML, Markdown or PDF.

HTML and Markdown come from Jinja2 templates beside this module. Autoescaping is on for HTML,
so text from articles, field reports and event data is text, never markup; the Markdown
template escapes it with :func:`md_text` (HTML and Markdown characters alike). The fixed
text is wrapped for gettext (``_()`` and ``{% trans %}``, with null translations for now).
Only literal text goes through ``_()`` in the templates (Jinja's newstyle gettext marks what
it returns safe, so data given to it would not be escaped, and a catalog cannot extract a
variable): the words of the closed vocabularies a report shows (its headline figures, weapon
classes, seen and heard) are translated here, from literal strings, by the ``term`` filter
(:func:`term`), and escaped like any other text.
The pictures are inline SVG in the HTML and ``data:`` images in the Markdown.

PDF is the HTML printed by Chromium (Debian's ``/usr/bin/chromium``, driven through
Playwright without downloading a browser), every request from the page refused: see
``docs/reports.md`` for why Chromium and not WeasyPrint.

>>> md_text("<b>*Turkey*</b> | [x]")
'&lt;b&gt;\\\\*Turkey\\\\*&lt;/b&gt; \\\\| \\\\[x\\\\]'
"""

from __future__ import annotations

import base64
import gettext
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from .._optional import import_optional
from ..errors import InputError

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
#: The report's translations (null for now): the templates' ``_()`` and :func:`term` use it.
_TRANSLATIONS: Final = gettext.NullTranslations()


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


def term(key: Any) -> str:
    """A closed vocabulary's key (a headline figure, a weapon class, ``seen``/``heard``) in
    words, translated; an unknown key is itself, as plain text (escaped where it is shown).

    >>> term("air_drone"), term("<b>")
    ('air and drone strikes', '<b>')
    """
    return _terms(_TRANSLATIONS.gettext).get(str(key), str(key))


def _md_term(key: Any) -> str:
    """:func:`term` for Markdown: our own words as they are (like the template's fixed text),
    anything else escaped (:func:`md_text`)."""
    words = _terms(_TRANSLATIONS.gettext)
    return words[str(key)] if str(key) in words else md_text(key)


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


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("ceasefire.situation", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.install_gettext_translations(_TRANSLATIONS, newstyle=True)  # type: ignore[attr-defined]
    env.filters["md"] = md_text
    env.filters["term"] = term
    env.filters["md_term"] = _md_term
    env.filters["svg_data"] = _svg_data
    env.filters["n"] = lambda x: f"{int(x):,}"
    env.filters["label"] = lambda v: str(v).replace("_", " ")
    return env


_ENV: Final = _environment()


def html(report: dict[str, Any]) -> str:
    """The report as one self-contained HTML page (styles and pictures inline)."""
    # the pictures are drawn by our own code (charts.py, patrols/chart.py), their text escaped
    patrols = report["patrols"]
    svgs = {
        "map_svg": Markup(report["map"]["svg"]),
        "timeline_svg": Markup(report["timeline"]["svg"]),
        "strip_svg": Markup(patrols["strip_svg"]) if patrols else "",
    }
    return _ENV.get_template("report.html").render(r=report, **svgs)


def markdown(report: dict[str, Any]) -> str:
    """The report as Markdown (pictures as ``data:`` SVG images)."""
    return _ENV.get_template("report.md").render(r=report)


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
