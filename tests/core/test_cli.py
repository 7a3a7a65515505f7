"""statsig-core eval/explain on real files."""

from __future__ import annotations

import json

import pytest

from statsig_core.cli import main

from support.specs import cond, dcs, rule, spec

PAYLOAD = dcs(
    gates={"beta": spec(rule(cond("unit_id", "in_segment_list", "testers"), id="list-rule"))},
    configs={
        "exp": spec(
            rule(cond(), id="g1", groupName="Group 1", return_value={"a": 1}),
            kind="dynamic_config",
            entity="experiment",
        ),
        "cfg": spec(
            rule(
                cond("environment_field", "any", ["staging"], "tier"),
                id="stg",
                return_value={"b": 2},
            ),
            kind="dynamic_config",
        ),
    },
    layers={"lay": spec(rule(cond(), id="alloc", configDelegate="exp"), kind="layer")},
)


@pytest.fixture
def files(tmp_path):
    specs = tmp_path / "specs.json"
    specs.write_text(json.dumps(PAYLOAD))
    users = tmp_path / "users.json"
    users.write_text(
        json.dumps(
            [
                {"_label": "tester", "userID": "t1"},
                {"user_id": "other", "customIDs": {"stableID": "s"}},
            ]
        )
    )
    lists = tmp_path / "lists.json"
    lists.write_text(json.dumps({"testers": ["t1"]}))
    return specs, users, lists


def test_eval_prints_every_spec_for_every_user(files, capsys):
    specs, users, lists = files
    assert (
        main(
            [
                "eval",
                "--specs",
                str(specs),
                "--users",
                str(users),
                "--tier",
                "staging",
                "--id-lists",
                str(lists),
            ]
        )
        == 0
    )
    results = json.loads(capsys.readouterr().out)["results"]
    tester, other = results
    assert tester["label"] == "tester" and other["label"] == "1"
    assert tester["gates"]["beta"]["value"] is True and other["gates"]["beta"]["value"] is False
    assert tester["experiments"]["exp"] == {
        "value": {"a": 1},
        "rule_id": "g1",
        "group_name": "Group 1",
        "secondary_exposures": [],
    }
    assert tester["configs"]["cfg"]["rule_id"] == "stg"
    layer = tester["layers"]["lay"]
    assert (layer["allocated_experiment"], layer["rule_id"]) == ("exp", "g1")
    assert "client_initialize_response" in tester


def test_explain_names_the_deciding_rule_and_values(files, capsys):
    specs, _, _ = files
    assert (
        main(
            [
                "explain",
                "--specs",
                str(specs),
                "--tier",
                "production",
                "--user",
                '{"userID": "x"}',
                "config",
                "cfg",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "no rule matched" in out
    assert "[fail] environment_field tier = 'production' any ['staging']" in out


def test_explain_json(files, capsys):
    specs, _, lists = files
    assert (
        main(
            [
                "explain",
                "--specs",
                str(specs),
                "--id-lists",
                str(lists),
                "--json",
                "--user",
                '{"userID": "t1"}',
                "gate",
                "beta",
            ]
        )
        == 0
    )
    doc = json.loads(capsys.readouterr().out)
    assert doc["decided_by"] == "rule 'list-rule'" and doc["value"] is True


def test_bad_specs_file_exits_with_a_clear_message(tmp_path, files):
    _, users, _ = files
    bad = tmp_path / "bad.json"
    bad.write_text("[]")
    with pytest.raises(SystemExit, match="must be a JSON object"):
        main(["eval", "--specs", str(bad), "--users", str(users)])
