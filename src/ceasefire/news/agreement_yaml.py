"""The draft agreement as YAML in the project's agreement format (:func:`draft_yaml`): every
value with a comment quoting its sentence and a REVIEW mark; what news cannot give (a route's
end points, an unstated start) a ``TODO`` placeholder. Once they are filled the file validates
with :func:`ceasefire.agreements.parse_agreement`.
"""

from __future__ import annotations

import datetime as dt
import json
import re

from ..vocab import ProvisionType
from .sentences import Sentence
from .term_drafts import DraftAgreement, DraftProvision, TermValue

__all__ = ["draft_yaml"]

_PARTY_LABELS = {
    "russia": ("Russian Federation", "Russia"),
    "turkey": ("Republic of Turkey", "Turkey"),
    "syria": ("Syrian Arab Republic", "Syria"),
    "iran": ("Islamic Republic of Iran", "Iran"),
    "united-states": ("United States of America", "United States"),
}
_ROUTES = {"m4-trumba-ain-al-havr": ("Trumba", "Ain al-Havr")}

_REQUIRED: dict[str, tuple[str, ...]] = {
    ProvisionType.CEASEFIRE: ("zone", "effective_from"),
    ProvisionType.SECURITY_CORRIDOR: (
        "route",
        "route_label",
        "width_each_side_km",
        "from_place",
        "to_place",
        "effective_from",
    ),
    ProvisionType.DEMILITARISED_ZONE: ("zone", "depth_km", "effective_from"),
    ProvisionType.WEAPONS_WITHDRAWAL: ("zone", "weapon_classes", "deadline"),
    ProvisionType.JOINT_PATROL: ("route", "from_place", "to_place", "start", "parties"),
    ProvisionType.DEADLINE: ("due",),
}
_OPTIONAL = frozenset({"route_label", "depth_km"})
_TIME_KEYS = frozenset({"effective_from", "start", "deadline", "due"})


def _excerpt(v: TermValue, width: int = 70) -> str:
    s0, _, sentence = v.sentence
    a, b = v.start - s0, v.end - s0
    pad = max(0, (width - (b - a)) // 2)
    lo, hi = max(0, a - pad), min(len(sentence), b + pad)
    out = re.sub(r"\s+", " ", sentence[lo:hi]).strip()
    return ("..." if lo > 0 else "") + out + ("..." if hi < len(sentence) else "")


def _comment(v: TermValue) -> str:
    mark = " REVIEW" if v.review else ""
    return f"# from: '{_excerpt(v)}' [chars {v.start}-{v.end}]{mark}"


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="minutes" if value.second == 0 else "seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_scalar(x) for x in value) + "]"
    text = str(value)
    if re.fullmatch(r"[A-Za-z][\w/ -]*", text) and text.lower() not in (
        "yes",
        "no",
        "true",
        "false",
        "null",
        "on",
        "off",
    ):
        return text
    return json.dumps(text, ensure_ascii=False)


def _value_lines(key: str, v: TermValue, indent: str) -> list[str]:
    value = v.value
    if hasattr(value, "model_dump"):  # a TimeSpec
        data = value.model_dump()
        lines = [
            f"{indent}{key}:  {_comment(v)}",
            f"{indent}  at: {_scalar(data['at'])}",
            f"{indent}  timezone: {data['timezone']}",
        ]
        if data["alternative_timezones"]:
            lines.append(
                f"{indent}  alternative_timezones: {_scalar(data['alternative_timezones'])}"
            )
        if data["end_of_day"]:
            lines.append(f"{indent}  end_of_day: true")
        return lines
    return [f"{indent}{key}: {_scalar(value)}  {_comment(v)}"]


def _todo(key: str, indent: str, hint: str) -> list[str]:
    if key in _TIME_KEYS:
        return [f"{indent}{key}:  # TODO: {hint}", f"{indent}  at: TODO"]
    return [f"{indent}{key}: TODO  # TODO: {hint}"]


def _hint(prov: DraftProvision, key: str) -> str:
    route = prov.get("route")
    if key in ("from_place", "to_place") and route is not None and route.value in _ROUTES:
        ends = _ROUTES[str(route.value)]
        return f"the article does not say; route {route.value} runs from {ends[0]} to {ends[1]}"
    return "the article does not say"


def draft_yaml(
    draft: DraftAgreement, *, agreement_id: str = "draft", title: str = "Draft from news"
) -> str:
    """The draft in the agreement format (see ``docs/agreements.md``), every value followed by
    the sentence it came from, its character span and ``REVIEW``; ``TODO`` where the article
    does not give a required field.

    >>> from ceasefire.news.terms import extract_terms
    >>> d = extract_terms("The truce takes effect at midnight Thursday in Idlib.",
    ...                   dt.date(2020, 3, 5))
    >>> text = draft_yaml(d)
    >>> print(text[text.index("  - id: ceasefire"):])  # doctest: +ELLIPSIS
      - id: ceasefire
        type: ceasefire
        text: "The truce takes effect at midnight Thursday in Idlib."  # from: sentence [chars 0-53]
        zone: idlib-de-escalation-area  # from: '...Idlib.' [chars 47-52] REVIEW
        effective_from:  # from: '...' [chars 26-43] REVIEW
          at: 2020-03-05
          timezone: Asia/Damascus
          end_of_day: true
    <BLANKLINE>
    """
    lines = [
        "# Draft agreement read from a news article by ceasefire.news.terms.",
        "# Every value names the sentence and characters it came from and is to be REVIEWed;",
        "# fill every TODO, then check it with `ceasefire agreements validate`.",
        f"id: {_scalar(agreement_id)}",
        f"title: {json.dumps(title, ensure_ascii=False)}",
        "signed:",
    ]
    if draft.signed_date is not None:
        lines += _value_lines("date", draft.signed_date, "  ")
    else:
        lines += _todo("date", "  ", "the day it was signed")
    if draft.signed_place is not None:
        lines += _value_lines("place", draft.signed_place, "  ")
    else:
        lines += _todo("place", "  ", "where it was signed")
    hint = draft.supplements_hint
    if hint is not None and hint.value is not None:
        lines += _value_lines("supplements", hint, "")
    elif hint is not None:
        lines.append(f"supplements: TODO  # TODO: which agreement? {_comment(hint)}")
    lines.append("parties:")
    if not draft.parties:
        lines += ["  - id: TODO  # TODO: the parties", "    name: TODO"]
    for p in draft.parties:
        pid = str(p.value)
        name, short = _PARTY_LABELS.get(pid, (pid.title(), pid.title()))
        lines += _value_lines("- id", p, "  ")
        lines += [f"    name: {_scalar(name)}", f"    short_name: {_scalar(short)}"]
    lines.append("provisions:")
    if not draft.provisions:
        lines += ["  # TODO: no provision found in the article"]
    used: dict[str, int] = {}
    for prov in draft.provisions:
        base = prov.type.replace("_", "-")
        used[base] = used.get(base, 0) + 1
        pid = base if used[base] == 1 else f"{base}-{used[base]}"
        lines += [f"  - id: {pid}", f"    type: {prov.type}"]
        sents: list[Sentence] = []
        for v in prov.values:
            if v.sentence not in sents:
                sents.append(v.sentence)
        sents.sort()
        words = " ".join(re.sub(r"\s+", " ", s[2]) for s in sents)
        spans = ", ".join(f"{s[0]}-{s[1]}" for s in sents)
        lines.append(
            f"    text: {json.dumps(words, ensure_ascii=False)}  # from: sentence [chars {spans}]"
        )
        if prov.earlier:
            lines.append(
                "    notes: the article describes this as a term of an earlier agreement  "
                "# REVIEW: drop it if the draft supplements that agreement"
            )
        keys = _keys(prov)
        for key in keys:
            found = prov.all(key)
            if found:
                lines += _value_lines(key, found[0], "    ")
                for other in found[1:]:
                    lines.append(
                        f"    # also {key}: {_scalar(_plain(other.value))}  {_comment(other)}"
                    )
            elif key not in _OPTIONAL:
                lines += _todo(key, "    ", _hint(prov, key))
    return "\n".join(lines) + "\n"


def _keys(prov: DraftProvision) -> list[str]:
    keys = list(_REQUIRED.get(prov.type, ()))
    for v in prov.values:
        if v.key not in keys:
            keys.append(v.key)
    return keys


def _plain(value: object) -> object:
    label = getattr(value, "label", None)
    return label() if callable(label) else value
