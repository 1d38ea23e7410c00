"""The draft agreement read from an article: its provisions and values, each value with the
sentence and character span it came from, always marked for review.

>>> v = TermValue("zone", "idlib", (0, 11, "Truce in Idlib."), 9, 14)
>>> v.text, v.review
('Idlib', True)
"""

from __future__ import annotations

from dataclasses import dataclass

from .sentences import Sentence

__all__ = ["DraftAgreement", "DraftProvision", "TermValue"]


@dataclass(frozen=True)
class TermValue:
    """One value of a draft term and where it came from: ``start``/``end`` are offsets into the
    article; ``sentence`` is (start, end, text) of its sentence. Always to be reviewed."""

    key: str
    value: object
    sentence: Sentence
    start: int
    end: int
    review: bool = True

    @property
    def text(self) -> str:
        """The words the value was read from."""
        s0 = self.sentence[0]
        return self.sentence[2][self.start - s0 : self.end - s0]


@dataclass(frozen=True)
class DraftProvision:
    """A provision of the draft: its type and values (a key may have several readings, the first
    one is used). ``earlier``: the article describes it as a term of an earlier agreement."""

    type: str
    values: tuple[TermValue, ...]
    earlier: bool = False

    def get(self, key: str) -> TermValue | None:
        return next((v for v in self.values if v.key == key), None)

    def all(self, key: str) -> list[TermValue]:
        return [v for v in self.values if v.key == key]


@dataclass(frozen=True)
class DraftAgreement:
    """What an article says about an agreement."""

    provisions: tuple[DraftProvision, ...]
    supplements_hint: TermValue | None
    parties: tuple[TermValue, ...]
    signed_date: TermValue | None = None
    signed_place: TermValue | None = None

    def of_type(self, type_: str) -> list[DraftProvision]:
        return [p for p in self.provisions if p.type == type_]
