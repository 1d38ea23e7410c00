"""Agreement terms in news text, as a draft agreement in the project's YAML format (issue 3,
item 6).

Sentences that create or describe an agreement become draft provisions, value by value; every
value keeps the sentence and the character span it came from and is marked for review. The
rules are regular expressions and small word lists over sentences:

==================  ============================================================================
provision           recognised from
==================  ============================================================================
security_corridor   "a 12-kilometer-wide security corridor" (``width_each_side_km`` = half),
                    "6 km deep to the north and 6 km deep to the south of", "six kilometers on
                    each side"; ``route`` ``m4-trumba-ain-al-havr`` when the M4 is named
joint_patrol        "joint (Russian-Turkish) patrols" with the demonyms as ``parties``, ``start``
                    from the date after it ("from March 15"), ``route`` from an M4 in the sentence
ceasefire           "cease-fire / ceasefire / truce" + "takes effect / will begin / comes into
                    force / starts" + a date ("at midnight Thursday", "at 00:01 on March 6");
                    ``zone`` ``idlib-de-escalation-area`` when Idlib is named
demilitarised_zone  "demilitarized zone 15-20 km deep" (``depth_km``); ``zone`` ``sochi-dmz`` when
                    Sochi or 2018 is named in the sentence or the one before
weapons_withdrawal  "withdraw heavy weapons (tanks, rocket launchers, artillery, mortars) ... by
                    <date>" (``deadline``: the end of that day)
deadline            "within 7 days" (``due``: the end of the window)
==================  ============================================================================

Besides: the agreement it supplements ("a supplement to a deal first agreed in 2018", "an
addition to the Sochi memorandum" -> ``sochi-2018``), the parties ("Russia and Turkey agreed",
"Putin and Erdogan"), the signing day and place ("agreed on Thursday ... in Moscow").

Dates come from :func:`ceasefire.news.dates.resolve_dates` (news conventions: "midnight
Thursday" is the end of Thursday); a bare month and day in a sentence that names another year
("by October 10" next to "September 2018") takes that year. Terms the article describes for an
earlier agreement (the Sochi zone and its withdrawal deadline) are flagged ``earlier``. Where the
signing place lies in another time zone than ``timezone``, its zone is added to times as an
alternative reading (the text rarely says which clock it means).

:func:`draft_yaml` writes the draft: fields that news cannot give (the route's end points, a
start the article does not state, ...) are ``TODO`` placeholders, and it validates with
:func:`ceasefire.agreements.parse_agreement` once they are filled.
"""

from __future__ import annotations

import datetime as dt

from .agreement_yaml import draft_yaml
from .dates import resolve_dates, timezone_for_place
from .provision_rules import (
    _ceasefire,
    _corridor,
    _Ctx,
    _deadlines,
    _dmz,
    _merge,
    _parties,
    _patrol,
    _signing,
    _supplements,
    _withdrawal,
)
from .sentences import split_sentences
from .term_drafts import DraftAgreement, DraftProvision, TermValue

__all__ = ["DraftAgreement", "DraftProvision", "TermValue", "draft_yaml", "extract_terms"]


def extract_terms(
    text: str, published: dt.date, *, timezone: str = "Asia/Damascus"
) -> DraftAgreement:
    """The agreement terms an article states, as a draft (see the module docstring).

    >>> d = extract_terms("The truce takes effect at midnight Thursday in Idlib.",
    ...                   dt.date(2020, 3, 5))
    >>> [(v.key, v.text) for v in d.provisions[0].values]
    [('effective_from', 'midnight Thursday'), ('zone', 'Idlib')]
    >>> d.provisions[0].get("effective_from").value.label()
    '2020-03-05'
    """
    sentences = split_sentences(text)
    ctx = _Ctx(
        text, published, timezone, sentences, resolve_dates(text, published, timezone=timezone), []
    )
    parties = _parties(ctx)
    signed_date, signed_place = _signing(ctx)
    if signed_place is not None:
        zone = timezone_for_place(str(signed_place.value))
        if zone and zone != timezone:
            ctx.alternatives = [zone]
    provisions: list[DraftProvision] = []
    for i, s in enumerate(sentences):
        previous = sentences[i - 1] if i else None
        found = [
            *_ceasefire(ctx, s),
            *_corridor(ctx, s),
            *_patrol(ctx, s),
            *_dmz(ctx, s, previous),
            *_withdrawal(ctx, s, previous),
            *_deadlines(ctx, s),
        ]
        for p in found:
            provisions = _merge(provisions, p)
    # parties named only by the patrols still need to be parties
    have = {p.value for p in parties}
    for prov in provisions:
        for v in prov.all("parties"):
            for pid in v.value if isinstance(v.value, list) else []:
                if pid not in have:
                    have.add(pid)
                    parties.append(ctx.value("party", pid, v.start, v.end))
    return DraftAgreement(
        tuple(provisions), _supplements(ctx), tuple(parties), signed_date, signed_place
    )
