"""One news article, read from an HTML page or scraped text: cleaned body and metadata.

:func:`read_article` reads a file (HTML or plain text, detected), :func:`parse_html` a page's
markup and :func:`clean_text` scraped plain text. All three return an :class:`Article`: the body
with the headline once at the top and the debris gone, metadata (headline, publication date,
authors, assisting reporters, publisher, year, dateline place, URL) with character offsets into
that text, and the list of removed lines with the rule that removed each one.

How it works
------------
* **HTML** goes through trafilatura (the optional extra ``[nlp]``) for the main text and the
  page's metadata: title -> headline, date, author(s), sitename -> publisher, URL. trafilatura
  drops navigation, footers, scripts and styles; what it drops is not itemised in ``removed``.
  Its main text then goes through the same debris rules as scraped text.
* **Scraped text**: every line is tried against the named rules of
  :data:`ceasefire.news.debris.RULES` (advertisements, photo captions, contact lines, assistance
  lines, copyright lines, timestamps, bylines, share/subscribe/follow/read-more prompts, ...);
  removed lines are recorded as ``(rule, line)`` and their metadata harvested. Two rules need the
  whole document and live here: ``headline-repeat`` (every later copy of the headline goes; the
  headline is the first line when it looks like one, or the page title) and continuation lines
  of a contact block ("To contact the reporters on this story:" followed by one line per
  reporter). ``<script>``/``<style>`` blocks in text are dropped as ``markup``.
* **Paragraphs**: when the text has blank lines, paragraphs are runs of non-blank lines (kept
  joined by ``\\n``); when it has none, every line is a paragraph. A removed line ends a
  paragraph. Paragraphs are joined by one blank line; blank lines are not recorded.
* **Encoding**: UTF-8 (a BOM is dropped; UTF-16 with a BOM is accepted). Pages may declare
  another charset in a ``<meta>`` tag, which is used. Anything else that is not valid UTF-8 is
  decoded as cp1252 (what Windows tools write), recorded in ``removed`` as
  ``("encoding", "not valid UTF-8 (...); decoded as cp1252")`` so the guess stays visible.
* **Precedence**: what the caller passes (``published``, ``source``, ``url``) beats what the
  file says. Publisher: ``source``, then the copyright line, then trafilatura's sitename, then
  the agency of the dateline ("(Reuters)"). ``year`` is the publication year when the date is
  known, else the copyright year.
* **Refused** with an :class:`ArticleError` naming the file: empty files, binary files (NUL
  bytes or over 10% control bytes), files over :data:`MAX_BYTES` (an :class:`ArticleSizeError`,
  refused by the file's size before reading it, and never read past the limit), pages with no
  main text left (fewer than :data:`MIN_WORDS` words in paragraphs of six words or more), pages
  whose text lies deeper than the HTML parser reads (:data:`HTML_PARSER_DEPTH` nested
  elements), and text that is not English by a cheap heuristic: under half of the letters in
  Latin script, or under 8% of the words among 30 very common English function words (checked
  from 40 words up).

>>> a = clean_text("Truce Holds in Idlib\\n\\nADVERTISEMENT\\n\\nMOSCOW (Reuters) - The truce "
...     "agreed by Russia and Turkey held on Friday, with no air strikes reported overnight in "
...     "the province and its surroundings.\\n\\n(c)2020 Example News Ltd.")
>>> a.text.splitlines()[0], a.dateline.text, a.publisher, a.year
('Truce Holds in Idlib', 'MOSCOW', 'Example News Ltd.', 2020)
>>> a.removed
(('advertisement', 'ADVERTISEMENT'), ('copyright', '(c)2020 Example News Ltd.'))
"""

from __future__ import annotations

import codecs
import contextlib
import hashlib
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from .._optional import import_optional
from ..errors import InputError, LimitError
from ..limits import MAX_TEXT_BYTES
from .debris import Harvest, looks_like_name, match_rule, split_names

__all__ = [
    "HTML_PARSER_DEPTH",
    "MAX_BYTES",
    "MIN_WORDS",
    "Article",
    "ArticleError",
    "ArticleSizeError",
    "Span",
    "clean_text",
    "parse_html",
    "read_article",
]

#: Files (and strings) over this many bytes are refused (:data:`ceasefire.limits.MAX_TEXT_BYTES`).
MAX_BYTES = MAX_TEXT_BYTES
#: An article needs at least this many words in prose paragraphs (six words or more).
MIN_WORDS = 25
#: How deep the HTML parser (libxml2, through lxml and trafilatura) nests elements: markup
#: below that depth is not read (libxml2's own limit, without its ``XML_PARSE_HUGE`` option).
HTML_PARSER_DEPTH = 256


class ArticleError(InputError):
    """A news article that cannot be read: empty, binary, too big, all boilerplate, not English."""


class ArticleSizeError(ArticleError, LimitError):
    """An article over a size limit: its bytes (:data:`MAX_BYTES`), or its cleaned text for the
    language model.

    >>> str(ArticleSizeError("bytes, more than", limit=MAX_BYTES, file="a.html"))
    'a.html: bytes, more than 10,000,000 (the limit)'
    """


@dataclass(frozen=True)
class Span:
    """A stretch of :attr:`Article.text`: ``text == article.text[start:end]``."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Article:
    """One cleaned article and its metadata; every span is an offset into :attr:`text`."""

    text: str
    headline: Span | None
    published: date | None
    authors: tuple[str, ...]
    assisting: tuple[str, ...]
    publisher: str | None
    year: int | None
    dateline: Span | None
    url: str | None
    source_file: str | None
    content_hash: str
    removed: tuple[tuple[str, str], ...]


# ---------------------------------------------------------------------------------------------
# reading files


def read_article(
    path: str | Path,
    *,
    published: date | None = None,
    source: str | None = None,
    url: str | None = None,
) -> Article:
    """Read one article file, HTML or scraped text (detected), refusing bad files by name."""
    path = Path(path)
    file = str(path)
    try:
        _check_size(path.stat().st_size, file)  # refused by its size, before reading
        with path.open("rb") as fh:
            raw = fh.read(MAX_BYTES + 1)  # never more: a pipe or a growing file has no size
    except OSError as e:
        raise ArticleError(f"cannot read the file: {e.strerror or e}", file=file) from None
    _check_size(len(raw), file)
    if not raw.strip():
        raise ArticleError("empty file", file=file)
    text, notes = _decode(raw, file)
    kw: dict[str, Any] = dict(published=published, source=source, url=url, file=file)
    digest = hashlib.sha256(raw).hexdigest()
    if _looks_like_html(text):
        return _from_html(text, digest=digest, notes=notes, **kw)
    return _from_text(text, digest=digest, notes=notes, **kw)


def parse_html(
    html: str,
    *,
    published: date | None = None,
    source: str | None = None,
    url: str | None = None,
) -> Article:
    """An article from a page's HTML: trafilatura's main text and metadata, then the rules."""
    return _from_string(_from_html, html, published=published, source=source, url=url)


def clean_text(
    text: str,
    *,
    published: date | None = None,
    source: str | None = None,
    url: str | None = None,
) -> Article:
    """An article from scraped plain text: debris removed, metadata harvested from it."""
    return _from_string(_from_text, text, published=published, source=source, url=url)


class _Builder(Protocol):
    """``_from_html`` or ``_from_text``: an article from its content and what is known of it."""

    def __call__(
        self,
        content: str,
        /,
        *,
        published: date | None,
        source: str | None,
        url: str | None,
        file: str | None,
        digest: str,
        notes: list[tuple[str, str]],
    ) -> Article: ...


def _from_string(
    build: _Builder,
    content: str,
    *,
    published: date | None,
    source: str | None,
    url: str | None,
) -> Article:
    """An article from content held in memory (no file): size checked, digest of its UTF-8."""
    _check_size(len(content), None)  # at least as many bytes as characters: refuse before encoding
    data = content.encode("utf-8", "surrogatepass")
    _check_size(len(data), None)
    digest = hashlib.sha256(data).hexdigest()
    return build(
        content, published=published, source=source, url=url, file=None, digest=digest, notes=[]
    )


def _check_size(size: int, file: str | None) -> None:
    if size > MAX_BYTES:
        raise ArticleSizeError(f"{size:,} bytes, more than", limit=MAX_BYTES, file=file, value=size)


_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?([A-Za-z0-9_-]+)""", re.I)


def _decode(raw: bytes, file: str) -> tuple[str, list[tuple[str, str]]]:
    """Bytes -> text, refusing binary data; returns notes for ``removed`` about any guess."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16"), []
        except UnicodeDecodeError:
            pass
    head = raw[:65536]
    if b"\x00" in head:
        raise ArticleError("binary file (contains NUL bytes), not an article", file=file)
    control = sum(1 for b in head if b < 32 and b not in b"\t\n\r\f\v")
    if control > 0.1 * len(head):
        raise ArticleError(
            f"binary file ({control / len(head):.0%} control bytes), not an article", file=file
        )
    declared = _CHARSET.search(raw[:4096])
    if declared:
        try:
            name = codecs.lookup(declared[1].decode("ascii")).name
        except LookupError:
            name = "utf-8"
        if name not in ("utf-8", "ascii"):
            try:
                return raw.decode(name), []
            except UnicodeDecodeError:
                pass
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as e:
        bad = f"byte 0x{raw[e.start]:02x} at offset {e.start}"
    text = raw.decode("cp1252", errors="replace")
    return text, [("encoding", f"not valid UTF-8 ({bad}); decoded as cp1252")]


_TAG = re.compile(r"</?[A-Za-z][^<>]{0,1000}>")


def _looks_like_html(text: str) -> bool:
    """A leading ``<!doctype``/``<html``/``<?xml``; else five tags or more that start the text or
    make up over 5% of it."""
    sample = text[:200_000].lstrip("\ufeff \t\r\n")
    if sample[:20].lower().startswith(("<!doctype html", "<html", "<?xml")):
        return True
    tags = _TAG.findall(sample)
    return len(tags) >= 5 and (
        _TAG.match(sample) is not None or sum(map(len, tags)) > 0.05 * len(sample)
    )


# ---------------------------------------------------------------------------------------------
# HTML


def _from_html(
    html: str,
    *,
    published: date | None,
    source: str | None,
    url: str | None,
    file: str | None,
    digest: str,
    notes: list[tuple[str, str]],
) -> Article:
    trafilatura = import_optional("trafilatura")
    doc = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        include_links=False,
    )
    body = getattr(doc, "text", None) if doc is not None else None
    if not body or not body.strip():
        if _deeper_than_the_parser(html):
            raise ArticleError(
                f"no main text found: the markup nests elements deeper than "
                f"{HTML_PARSER_DEPTH} (the HTML parser's limit), and what lies below is not read",
                file=file,
            )
        raise ArticleError(
            "no main text found: the page is all boilerplate (navigation, footer, ads)", file=file
        )
    meta_date = _iso_date(getattr(doc, "date", None))
    author = getattr(doc, "author", None) or ""
    authors = [a.strip() for a in re.split(r"\s*;\s*", author) if looks_like_name(a.strip())]
    title = (getattr(doc, "title", None) or "").strip() or None
    return _from_text(
        body,
        published=published or meta_date,
        source=source,
        url=url or getattr(doc, "url", None),
        file=file,
        digest=digest,
        notes=notes,
        headline=title,
        authors=authors,
        sitename=getattr(doc, "sitename", None),
        lines_are_paragraphs=True,
    )


def _deeper_than_the_parser(html: str) -> bool:
    """Whether the HTML parser stopped at its depth limit on ``html`` (libxml2 cuts the tree
    there, with an error it logs instead of raising).

    >>> _deeper_than_the_parser("<div>" * 300), _deeper_than_the_parser("<div>" * 30)
    (True, False)
    """
    lxml_html = import_optional("lxml.html")
    parser = lxml_html.HTMLParser(collect_ids=False, encoding="utf-8")
    with contextlib.suppress(ValueError, lxml_html.etree.LxmlError):  # nothing to parse
        lxml_html.document_fromstring(html.encode("utf-8", "surrogatepass"), parser=parser)
    return any(
        e.type_name == "ERR_RESOURCE_LIMIT" and "depth" in e.message.lower()
        for e in parser.error_log
    )


def _iso_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------------
# text

_GAP = "\ue000"
_MARKUP = re.compile(r"<(script|style|noscript)\b[^>]*>.*?</\1\s*>", re.I | re.S)
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_DATELINE = re.compile(
    r"^(?P<place>[A-Z][A-Z'’.-]+(?: [A-Z][A-Z'’.-]+){0,3}"  # ANKARA, SAN FRANCISCO
    r"(?:, [A-Z][\w'’.-]+(?: [A-Z][\w'’.-]+)*)?)?"  # , Turkey
    r"(?:,? (?:[A-Z][a-z]{2,8}\.? \d{1,2}))?"
    r"\s*(?:\((?P<agency>[A-Z][\w .&-]{0,40})\)\s*)?(?:—|–|--?)\s"
)


def _from_text(
    text: str,
    *,
    published: date | None,
    source: str | None,
    url: str | None,
    file: str | None,
    digest: str,
    notes: list[tuple[str, str]],
    headline: str | None = None,
    authors: list[str] | None = None,
    sitename: str | None = None,
    lines_are_paragraphs: bool = False,
) -> Article:
    removed = list(notes)
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_INVISIBLE)
    text = text.replace("\u00a0", " ")

    def markup(m: re.Match[str]) -> str:
        removed.append(("markup", m[0].splitlines()[0][:80]))
        return _GAP  # a removed line, not a blank one

    text = _MARKUP.sub(markup, text)
    if not text.strip():
        raise ArticleError("empty file" if file else "empty text", file=file)
    lines = [unicodedata.normalize("NFC", line.strip()) for line in text.split("\n")]
    harvest = Harvest(authors=list(authors or []))

    # 1. the line-by-line rules; None = blank line, str = rule name, "" = content
    kinds: list[str | None] = []
    for line in lines:
        if _GAP in line:
            line = line.replace(_GAP, "").strip()
            lines[len(kinds)] = line
            if not line:
                kinds.append("gap")  # a dropped markup block, already recorded
                continue
        if not line:
            kinds.append(None)
            continue
        rule = match_rule(line, harvest) or _contact_continuation(line, harvest)
        if not rule:
            harvest.contact = None
        kinds.append(rule or "")

    # 2. the headline: given (page title), or the first content line when it looks like one
    content = [i for i, k in enumerate(kinds) if k == ""]
    key = _key(headline) if headline else None
    if key is None and content:
        first = lines[content[0]]
        repeated = any(_key(lines[i]) == _key(first) for i in content[1:])
        if repeated or _looks_like_headline(first):
            headline, key = first, _key(first)
    for n, i in enumerate(content):
        if key is not None and _key(lines[i]) == key:
            kinds[i] = "headline" if n == 0 else "headline-repeat"

    # 3. paragraphs; a removed line ends a paragraph
    blank_mode = (
        bool(content) and not lines_are_paragraphs and None in kinds[content[0] : content[-1]]
    )
    paragraphs: list[list[str]] = []
    current: list[str] = []
    for line, kind in zip(lines, kinds, strict=True):
        if kind == "":
            current.append(line)
            if blank_mode:
                continue
        elif kind not in (None, "headline", "gap"):
            removed.append((kind, line))
        if current:
            paragraphs.append(current)
            current = []
    if current:
        paragraphs.append(current)
    body = ["\n".join(p) for p in paragraphs]

    prose = sum(len(p.split()) for p in body if len(p.split()) >= 6)
    if prose < MIN_WORDS:
        raise ArticleError(
            f"no main text left ({prose} words of prose after removing boilerplate; "
            f"an article needs {MIN_WORDS})",
            file=file,
        )
    _check_english(" ".join(body), file)

    # 4. assemble the text and its spans
    head = f"{headline}\n\n" if headline else ""
    out = head + "\n\n".join(body)
    headline_span = Span(0, len(headline), headline) if headline else None
    dateline_span, agency = None, None
    offset = len(head)
    for para in body[:2]:
        m = _DATELINE.match(para)
        if m and (m["place"] or m["agency"]):
            agency = m["agency"]
            if m["place"]:
                s = offset + m.start("place")
                dateline_span = Span(s, offset + m.end("place"), m["place"])
            break
        offset += len(para) + 2

    when = published or harvest.published
    photographers = {p.casefold() for p in harvest.photographers}
    assisting = _unique(harvest.assisting)
    names = [a for a in _unique(harvest.authors) if a.casefold() not in photographers]
    return Article(
        text=out,
        headline=headline_span,
        published=when,
        authors=tuple(names),
        assisting=tuple(a for a in assisting if a not in names),
        publisher=source or harvest.publisher or (sitename or None) or agency,
        year=when.year if when else harvest.year,
        dateline=dateline_span,
        url=url,
        source_file=file,
        content_hash=digest,
        removed=tuple(removed),
    )


_CONTINUATION = re.compile(r"^(.+?)\s+(?:in\s+[\w .'’-]+?\s+)?at\s+\S+@\S+?[;,.]?$")


def _contact_continuation(line: str, harvest: Harvest) -> str | None:
    """Inside a contact block: "NAME in CITY at EMAIL" lines, or a bare list of names."""
    if harvest.contact is None or len(line) > 200:
        return None
    m = _CONTINUATION.match(line)
    names = [m[1].strip()] if m and looks_like_name(m[1].strip()) else split_names(line)
    if not names or (m is None and ", ".join(names) != line.rstrip(".;").replace(" and ", ", ")):
        return None
    (harvest.authors if harvest.contact == "contact-reporters" else harvest.editors).extend(names)
    return harvest.contact


def _key(line: str) -> str:
    """A headline's comparison key: case, quotes, punctuation and a " | Site" suffix ignored."""
    line = re.sub(r"\s+[|–—-]\s+[^|–—-]{1,40}$", "", line) if " | " in line else line
    return " ".join(re.sub(r"[^\w]+", " ", line.casefold()).split())


def _looks_like_headline(line: str) -> bool:
    bare = line.rstrip("\"'”’ ")
    return (
        len(line) <= 200
        and len(line.split()) <= 30
        and not bare.endswith((".", ",", ";", ":"))
        and not line.startswith("(")
        and _DATELINE.match(line) is None
    )


def _unique(names: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for n in names:
        if n.casefold() not in seen:
            seen.add(n.casefold())
            out.append(n)
    return out


_ENGLISH = frozenset(
    [
        "the",
        "of",
        "and",
        "to",
        "in",
        "is",
        "was",
        "that",
        "for",
        "with",
        "said",
        "on",
        "as",
        "by",
        "at",
        "from",
        "it",
        "he",
        "his",
        "have",
        "has",
        "are",
        "were",
        "be",
        "will",
        "which",
        "an",
        "this",
        "after",
        "its",
        "their",
    ]
)


def _check_english(body: str, file: str | None) -> None:
    """Refuse text that is clearly not English (a cheap heuristic, see the module docstring)."""
    letters = [c for c in body if c.isalpha()]
    if len(letters) >= 20:
        latin = sum(1 for c in letters if ord(c) < 0x250 or 0x1E00 <= ord(c) < 0x1F00)
        if latin < 0.5 * len(letters):
            scripts = Counter(
                unicodedata.name(c, "UNKNOWN").split()[0]
                for c in letters
                if not (ord(c) < 0x250 or 0x1E00 <= ord(c) < 0x1F00)
            )
            script = scripts.most_common(1)[0][0].title()
            share = 1 - latin / len(letters)
            raise ArticleError(
                f"not English: {share:.0%} of the letters are not Latin script "
                f"(mostly {script}); only English articles are read",
                file=file,
            )
    words = re.findall(r"[^\W\d_]+", body.casefold())
    if len(words) >= 40:
        common = sum(1 for w in words if w in _ENGLISH)
        if common < 0.08 * len(words):
            raise ArticleError(
                f"not English: only {common} of {len(words)} words are common English words; "
                "only English articles are read",
                file=file,
            )
