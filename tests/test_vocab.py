"""The closed vocabularies are defined once (``ceasefire.vocab``) and each provision type has
exactly one model and one handler; nothing else branches on a provision type's text."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest

from ceasefire import agreements, findings, vocab
from ceasefire.compliance import HANDLERS, OBLIGATION_STATUSES, VERDICTS
from ceasefire.compliance.provisions import EventRule, handler
from ceasefire.errors import AgreementError
from ceasefire.sources import reader_for
from ceasefire.store import workspace
from ceasefire.vocab import ObligationStatus, ProvisionType, Role, SourceDataset, Verdict
from ceasefire.web import pages

SRC = Path(__file__).resolve().parents[1] / "src" / "ceasefire"


def _models() -> dict[str, type]:
    union = typing.get_args(typing.get_args(agreements.Provision)[0])
    return {typing.get_args(m.model_fields["type"].annotation)[0].value: m for m in union}


def test_every_provision_type_has_one_model_and_one_handler() -> None:
    models = _models()
    assert sorted(models) == sorted(t.value for t in ProvisionType)
    assert sorted(HANDLERS) == sorted(ProvisionType)
    for t in ProvisionType:
        h = HANDLERS[t]
        assert h.type is t
        # the model, the handler and the vocabulary agree on what is judged event by event
        assert models[t].event_checked is t.is_event_checked  # type: ignore[attr-defined]
        assert isinstance(h, EventRule) is t.is_event_checked
    assert {t for t in ProvisionType if t.is_event_checked} == agreements.EVENT_CHECKED_TYPES


def test_bundled_provisions_find_their_handlers() -> None:
    for agreement_id in agreements.bundled_ids():
        for p in agreements.load_bundled(agreement_id).provisions:
            assert handler(p).type == p.type
            assert (p.judged_zone(agreement_id) is not None) is p.event_checked
            assert (p.binds_from() is not None) is p.event_checked


def test_the_tuples_kept_for_convenience_are_the_enums() -> None:
    assert tuple(v.value for v in Verdict) == VERDICTS
    assert findings.BREACHES == ("violation", "possible_violation") == vocab.BREACHES
    assert pages.DEFAULT_VERDICTS == findings.BREACHES
    assert tuple(s.value for s in ObligationStatus) == OBLIGATION_STATUSES
    assert tuple(r.value for r in Role) == workspace.ROLES
    for name in ("ucdp", "acled", "gdelt"):
        assert reader_for(name).name in set(SourceDataset)


def test_an_unknown_provision_type_names_the_known_ones() -> None:
    text = agreements.bundled_text("moscow-2020").replace("type: deadline", "type: dedline")
    with pytest.raises(AgreementError) as e:
        agreements.parse_agreement(text, file="m.yaml")
    (problem,) = e.value.errors
    assert problem.field == "provisions.2.type"
    assert problem.value == "dedline"
    assert "known: ceasefire, security_corridor" in str(problem)


#: A value compared with a provision type's text: the branching the handlers replace.
_TYPES = "|".join(t.value for t in ProvisionType)
_BRANCH = re.compile(rf"(?:==|!=|\bin)\s*[(\[{{]?\s*\"(?:{_TYPES})\"|\"(?:{_TYPES})\"\s*(?:==|!=)")
#: Frozen history: a migration step judges rows as its version stored them.
_FROZEN = {Path("store/migrations.py")}


def test_no_module_branches_on_a_provision_type_text() -> None:
    found = [
        f"{path.relative_to(SRC)}:{n}: {line.strip()}"
        for path in SRC.rglob("*.py")
        if path.relative_to(SRC) not in _FROZEN
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if _BRANCH.search(line)
    ]
    assert found == []
    assert _BRANCH.search('if t == "ceasefire":') and _BRANCH.search('kind == "joint_patrol"')
