"""Clauses of a news sentence: where one reported act ends and another begins (no parser).

A wire sentence often reports two acts: "Turkey unleashed a barrage from killer drones against
Assad's army after an airstrike killed 33 Turkish soldiers". :func:`split_clauses` cuts a
sentence at the words that join clauses, and says how each clause is joined to the one before:

* ``sequence``: "after", "before", "since", "because", "until", "following", "amid" and
  "in retaliation for" start a clause about *another* act ("... after an airstrike killed
  ..."); only when a verb follows (a finite verb or a past form: "after an airstrike killed
  33", "after 33 soldiers were killed"); "after an airstrike on the town" is a phrase of the
  same clause;
* ``simultaneous``: "when", "as", "while", "whereas" join a clause about the *same* moment ("33
  soldiers were killed when jets struck their convoy": one act told in two clauses), again only
  before a verb;
* ``coordinate``: ", and" / ", but" / ", while" before a clause with its own verb ("Russian jets
  bombed Ariha, and rebels shelled Saraqib");
* ``break``: a semicolon, a colon, or a dash between spaces, before a verb; and a headline's
  label ("Syria: ...", "SOHR: ...": a colon after at most three words).

Each clause is ``(start, end, link)`` in the sentence's own offsets; the first has link ``""``.

>>> s = "Turkey hit Assad's army after an airstrike killed 33 Turkish soldiers on Feb. 27."
>>> [(s[a:b], link) for a, b, link in split_clauses(s)]
[("Turkey hit Assad's army", ''), ('after an airstrike killed 33 Turkish soldiers on Feb. 27.', \
'sequence')]
>>> [link for _, _, link in split_clauses("Five died after an airstrike on the town.")]
['']
"""

from __future__ import annotations

import re

from .tense import has_verb

__all__ = ["Clause", "split_clauses"]

Clause = tuple[int, int, str]
"""``(start, end, link)`` of a clause in its sentence; ``link`` is how it joins the one before."""

_SEQUENCE = r"after|before|since|because|until|following|amid|in\s+retaliation\s+for"
_SIMULTANEOUS = r"when|as|while|whereas"
_BOUNDARY_RE = re.compile(
    r"(?P<brk>\s*;\s+|\s*:\s+|\s+[—–]\s+|\s+--\s+|[—–])"
    r"|,\s+(?P<co>and|but|while)\s+"
    rf"|,?\s+(?P<seq>{_SEQUENCE})\s+"
    rf"|,?\s+(?P<sim>{_SIMULTANEOUS})\s+"
)
# "as" that is no conjunction: "as many as", "such as", "as well as", "known as"
_NOT_AS_BEFORE_RE = re.compile(r"(?i)\b(?:many|much|such|well|known|same|so|just|far|long)\s*$")
_NOT_AS_AFTER_RE = re.compile(
    r"(?i)(?:many|much|well|part|a\s+result|of|if|soon|far|long|an?\s+\w+\s+(?:for|of|to))\b"
)
_NEXT_VERB_WINDOW = 80
_COUNTED_ITEM_RE = re.compile(
    r"(?i)\s*(?:at\s+least\s+|about\s+|some\s+)?(?:\d[\d,]*|one|two|three|four|five|six|seven"
    r"|eight|nine|ten|eleven|twelve|dozens|hundreds|several)\s+\w+"
)


def split_clauses(sentence: str) -> list[Clause]:
    """The clauses of one sentence (see the module docstring), covering it without gaps."""
    cuts: list[tuple[int, int, str]] = []  # (boundary start, clause start, link)
    for m in _BOUNDARY_RE.finditer(sentence):
        if m.start() == 0:
            continue
        nxt = sentence[m.end() : m.end() + _NEXT_VERB_WINDOW]
        nxt = re.split(r"[,;:.]", nxt, maxsplit=1)[0]
        if m.group("brk") is not None:
            link = "break"
            label = ":" in m.group("brk") and len(sentence[: m.start()].split()) <= 3
            if not has_verb(nxt) and not label:
                continue  # "Idlib — the last rebel enclave": an apposition
        elif m.group("co") is not None:
            link = "coordinate"
            if not has_verb(nxt):
                continue
            if _COUNTED_ITEM_RE.match(sentence[: m.start()].rsplit(",", 1)[-1]):
                continue  # "24 civilians, 24 fighters, and 25 militiamen were killed": a list
        elif m.group("seq") is not None:
            link = "sequence"
            if not has_verb(nxt):
                continue  # "after an airstrike on the town": a phrase of this clause
        else:
            word = m.group("sim").lower()
            if word == "as" and (
                _NOT_AS_BEFORE_RE.search(sentence[: m.start()])
                or _NOT_AS_AFTER_RE.match(sentence, m.end())
            ):
                continue
            link = "simultaneous"
            if not has_verb(nxt):
                continue
        if link == "break":
            cuts.append((m.start(), m.end(), link))
        else:
            lead = len(m.group(0)) - len(m.group(0).lstrip(" ,"))
            cuts.append((m.start(), m.start() + lead, link))
    out: list[Clause] = []
    begin, link = 0, ""
    for b_start, c_start, next_link in cuts:
        if b_start > begin:
            out.append((begin, b_start, link))
            begin, link = c_start, next_link
    out.append((begin, len(sentence), link))
    return out
