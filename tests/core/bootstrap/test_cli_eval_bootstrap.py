"""``statsig-core eval`` prints each user's bootstrap next to the server's own results."""

from __future__ import annotations

import json

from statsig_core.cli import main
from statsig_core.evaluation.hashing import djb2

from support.specs import cond, dcs, rule, spec

SPECS = dcs(
    gates={
        "web_gate": spec(
            rule(cond("user_field", "any", ["pro"], "plan"), id="pro"), targetAppIDs=["web"]
        ),
        "mobile_gate": spec(rule(cond(), id="all"), targetAppIDs=["mobile"]),
    },
    configs={
        "cfg": spec(
            rule(cond(), id="c", return_value={"a": 1}), kind="dynamic_config", targetAppIDs=["web"]
        )
    },
    sdk_keys_to_app_ids={"client-web": "web"},
)


def _eval(tmp_path, capsys, *extra: str) -> list[dict]:
    specs = tmp_path / "specs.json"
    specs.write_text(json.dumps(SPECS))
    users = tmp_path / "users.json"
    users.write_text(
        json.dumps(
            [
                {"_label": "pro", "userID": "p", "custom": {"plan": "pro"}},
                {"customIDs": {"stableID": "s"}},
            ]
        )
    )
    assert main(["eval", "--specs", str(specs), "--users", str(users), *extra]) == 0
    return json.loads(capsys.readouterr().out)["results"]


def test_eval_fills_each_users_bootstrap_with_the_default_djb2_names(tmp_path, capsys):
    pro, anonymous = _eval(tmp_path, capsys, "--tier", "staging")
    boot = pro["client_initialize_response"]
    assert boot["hash_used"] == "djb2" and boot["has_updates"] is True
    assert boot["feature_gates"][djb2("web_gate")]["value"] is pro["gates"]["web_gate"]["value"]
    assert boot["user"] == {
        "userID": "p",
        "custom": {"plan": "pro"},
        "statsigEnvironment": {"tier": "staging"},
    }
    assert anonymous["client_initialize_response"]["user"] == {
        "customIDs": {"stableID": "s"},
        "statsigEnvironment": {"tier": "staging"},
    }


def test_eval_passes_hash_and_client_key_through(tmp_path, capsys):
    pro, _ = _eval(tmp_path, capsys, "--hash", "none", "--client-sdk-key", "client-web")
    boot = pro["client_initialize_response"]
    assert boot["hash_used"] == "none"
    assert set(boot["feature_gates"]) == {"web_gate"}  # mobile_gate targets another app
    assert boot["dynamic_configs"]["cfg"]["value"] == {"a": 1}
    assert pro["gates"]["mobile_gate"]["value"] is True  # the server still evaluates it
