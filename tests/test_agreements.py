"""The agreement format: bundled agreements, validation with line numbers, schema, chains."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from ceasefire.agreements import (
    Registry,
    TimeSpec,
    agreement_json_schema,
    bundled_ids,
    bundled_text,
    chain,
    load_agreement,
    load_bundled,
    parse_agreement,
)
from ceasefire.errors import AgreementError, InputError, UnknownIdError


def test_bundled_agreements_carry_every_term_of_the_mission():
    sochi, moscow = load_bundled("sochi-2018"), load_bundled("moscow-2020")
    assert (sochi.pax_id, moscow.pax_id) == (2169, 2273)
    assert moscow.supplements == "sochi-2018"
    assert str(sochi.signed.date) == "2018-09-17" and str(moscow.signed.date) == "2020-03-05"
    types = {p.type for a in (sochi, moscow) for p in a.provisions}
    assert types == {
        "ceasefire",
        "security_corridor",
        "demilitarised_zone",
        "weapons_withdrawal",
        "joint_patrol",
        "deadline",
        "humanitarian_access",
        "return_of_displaced",
    }
    corridor = moscow.provision("m4-security-corridor")
    assert (corridor.width_each_side_km, corridor.ends) == (6, "flat")
    assert (corridor.from_place, corridor.to_place) == ("Trumba", "Ain al-Havr")
    patrol = moscow.provision("m4-joint-patrols")
    assert str(patrol.start.at) == "2020-03-15" and patrol.parties == ["russia", "turkey"]
    assert moscow.provision("corridor-parameters").due.label() == "2020-03-12"
    weapons = sochi.provision("heavy-weapons-withdrawal")
    assert set(weapons.weapon_classes) == {
        "tanks",
        "multiple_rocket_launchers",
        "artillery",
        "mortars",
    }
    assert weapons.deadline.label() == "2018-10-10"
    assert sochi.provision("dmz").depth_km == (15, 20)
    assert sochi.provision("m4-m5-transit").due.label() == "2018-12-31"


def test_moscow_start_is_a_window_over_time_zones():
    spec = load_bundled("moscow-2020").provision("ceasefire").effective_from
    lo, hi = spec.utc_window()
    assert lo.isoformat() == "2020-03-05T21:01:00+00:00"  # 00:01 Moscow (UTC+3)
    assert hi.isoformat() == "2020-03-05T22:01:00+00:00"  # 00:01 Damascus (UTC+2 then)


def test_end_of_day_deadline_and_summer_time():
    spec = TimeSpec(at="2018-10-15", end_of_day=True)
    # Damascus kept summer time (UTC+3) until late October 2018
    assert spec.utc_window()[0].isoformat() == "2018-10-15T21:00:00+00:00"


def test_party_actor_patterns():
    moscow = load_bundled("moscow-2020")
    russia, turkey = moscow.party("russia"), moscow.party("turkey")
    assert russia.regex.search("Military Forces of Syria (2000-)")
    assert russia.regex.search("Government of Syria")
    assert turkey.regex.search("Military Forces of Turkey (2016-)")
    assert turkey.regex.search("National Front for Liberation, SNA")
    assert not turkey.regex.search("Government of Syria")
    exempt = moscow.exempt_actors
    islamic_state = next(g for g in exempt if g.name == "Islamic State")
    assert islamic_state.regex.search("IS")
    assert not islamic_state.regex.search("this is a test")  # 'IS' only as a name
    hts = exempt[0]
    assert hts.regex.search("Hayat Tahrir al-Sham") and hts.regex.search("HTS, Southern Front")


def test_chain_and_registry():
    moscow = load_bundled("moscow-2020")
    assert [a.id for a in chain(moscow)] == ["moscow-2020", "sochi-2018"]
    orphan = parse_agreement(
        bundled_text("moscow-2020").replace("supplements: sochi-2018", "supplements: nowhere")
    )
    with pytest.raises(UnknownIdError, match="nowhere"):
        chain(orphan)
    a = parse_agreement(
        bundled_text("sochi-2018").replace("id: sochi-2018", "id: loop-a", 1)
        + "supplements: loop-b\n"
    )
    b = parse_agreement(
        bundled_text("sochi-2018").replace("id: sochi-2018", "id: loop-b", 1)
        + "supplements: loop-a\n"
    )
    with pytest.raises(InputError, match="loops"):
        chain(a, Registry.of([a, b]))


def _errors_for(text: str) -> list[str]:
    with pytest.raises(AgreementError) as info:
        parse_agreement(text, file="x.yaml")
    return [str(e) for e in info.value.errors]


def test_unknown_keys_are_errors_with_line_numbers():
    text = bundled_text("moscow-2020").replace(
        "    width_each_side_km: 6\n", "    width_each_side_km: 6\n    widht_km: 6\n"
    )
    line = text.splitlines().index("    widht_km: 6") + 1
    errors = _errors_for(text)
    assert errors == [f"x.yaml:{line}: provisions.1.widht_km: unknown key ('widht_km')"]


def test_bad_values_name_file_line_field_and_value():
    text = bundled_text("moscow-2020")
    text = text.replace("date: 2020-03-05", "date: 2020-02-30")
    text = text.replace(
        "timezone: Asia/Damascus\n      # The", "timezone: Asia/Dimashq\n      # The"
    )
    text = text.replace("width_each_side_km: 6", "width_each_side_km: -6")
    errors = "\n".join(_errors_for(text))
    lines = text.splitlines()
    assert f"x.yaml:{lines.index('  date: 2020-02-30') + 1}: signed.date:" in errors
    assert "'2020-02-30'" in errors
    assert "unknown time zone 'Asia/Dimashq'" in errors
    assert (
        f"x.yaml:{lines.index('    width_each_side_km: -6') + 1}: provisions.1.width_each_side_km"
        in errors
    )


def test_unknown_provision_type_and_party():
    text = bundled_text("moscow-2020").replace("type: return_of_displaced", "type: teleport")
    assert any("teleport" in e for e in _errors_for(text))
    text = bundled_text("moscow-2020").replace(
        "parties: [russia, turkey]", "parties: [russia, france]"
    )
    assert any("unknown party" in e and "'france'" in e for e in _errors_for(text))


def test_not_yaml_and_missing_file(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: [unclosed\n")
    with pytest.raises(AgreementError, match=r"bad\.yaml:\d+: not valid YAML"):
        load_agreement(bad)
    with pytest.raises(AgreementError, match="no such file"):
        load_agreement(tmp_path / "nope.yaml")


def test_json_schema_validates_bundled_files_and_rejects_bad_ones():
    schema = agreement_json_schema()
    for agreement_id in bundled_ids():
        data = yaml.safe_load(bundled_text(agreement_id))
        # JSON Schema sees JSON types: dates as strings
        jsonschema.validate(json.loads(json.dumps(data, default=str)), schema)
    bad = json.loads(json.dumps(yaml.safe_load(bundled_text("moscow-2020")), default=str))
    bad["colour"] = "red"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)


def test_published_schema_file_is_current():
    published = Path(__file__).parents[1] / "docs" / "agreement.schema.json"
    assert json.loads(published.read_text()) == agreement_json_schema(), (
        "regenerate with: ceasefire agreements schema > docs/agreement.schema.json"
    )


def test_reference_errors_are_all_reported_each_at_its_line():
    text = bundled_text("sochi-2018")
    text = text.replace(
        "excluded_actors_responsible: turkey", "excluded_actors_responsible: turkye"
    )
    text = text.replace("parties: [russia, turkey]", "parties: [russia, iran]")
    text = text.replace("  - id: m4-m5-transit", "  - id: dmz")
    lines = text.splitlines()
    errors = _errors_for(text)
    assert len(errors) == 3, errors
    turkye = lines.index("    excluded_actors_responsible: turkye") + 1
    assert f"x.yaml:{turkye}: provisions.1.excluded_actors_responsible: unknown party" in errors[0]
    assert any("'iran'" in e and "provisions.3.parties.1" in e for e in errors)
    assert any("duplicate id" in e and "'dmz'" in e for e in errors)


def test_duplicate_keys_are_errors():
    text = bundled_text("moscow-2020") + "pax_id: 9999\n"
    (error,) = _errors_for(text)
    assert "duplicate key 'pax_id'" in error
    assert error.startswith(f"x.yaml:{len(text.splitlines())}:")


def test_offsets_in_times_are_refused_and_until_must_follow_start():
    text = bundled_text("moscow-2020").replace(
        "at: 2020-03-06T00:01\n", "at: 2020-03-06T00:01+05:00\n", 1
    )
    assert any("without a UTC offset" in e for e in _errors_for(text))
    text = bundled_text("sochi-2018").replace(
        "    effective_from: {at: 2018-09-17}\n",
        "    effective_from: {at: 2018-09-17}\n    until: {at: 2018-01-01}\n",
    )
    assert any("ends before it starts" in e for e in _errors_for(text))


def test_supersedes_must_name_a_real_provision():
    text = bundled_text("moscow-2020").replace(
        "supplements: sochi-2018\n",
        "supplements: sochi-2018\nsupersedes: [sochi-2018/ceasefire-regme]\n",
    )
    newer = parse_agreement(text)
    with pytest.raises(InputError, match="ceasefire-regme"):
        chain(newer, Registry.of([newer, load_bundled("sochi-2018")]))


def test_ambiguous_time_zone_gives_equally_likely_readings():
    spec = load_bundled("moscow-2020").provision("ceasefire").effective_from
    assert [t.isoformat() for t in spec.utc_readings()] == [
        "2020-03-05T22:01:00+00:00",
        "2020-03-05T21:01:00+00:00",
    ]
