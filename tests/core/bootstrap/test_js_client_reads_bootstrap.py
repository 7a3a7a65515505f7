"""The official ``@statsig/js-client`` reads our bootstrap and reports what our server decided.

For every spec of each corpus and many users, the browser client (3.33.5, offline in Node) is
given our payload and asked for every gate, config, experiment and layer. Each value, rule id,
group name, id type and secondary exposure it reports must equal our own server-side check, with
the reason ``Bootstrap:Recognized``: no partial user match, no stable-ID mismatch (the stable ID
is in ``customIDs`` on both sides, and the client runs in the server's environment tier).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from statsig_core import Statsig, StatsigUser
from statsig_core.bootstrap import render_bootstrap
from statsig_core.evaluation.hashing import djb2, hash_name

from support.spec_users import users_for_specs
from support.specs import cond, dcs, rule, spec

REPO = Path(__file__).resolve().parents[3]
CORPUS = REPO / "tests" / "conformance" / "corpus"
RECOGNIZED = "Bootstrap:Recognized"
HIDDEN = ("segment", "holdout")


def _with_stable_id(raw: dict[str, Any], index: int) -> dict[str, Any]:
    user = dict(raw)
    ids = dict(user.get("customIDs") or user.get("custom_ids") or {})
    ids.setdefault("stableID", f"stable-{index}")
    user.pop("custom_ids", None)
    user["customIDs"] = ids
    return user


def _edge_cases(_shared: Callable[[], Path]) -> dict[str, Any]:
    specs_file = CORPUS / "edge_cases_v2.json"
    if not specs_file.is_file():
        pytest.skip("the conformance corpus (edge_cases_v2.json) is not written yet")
    specs = json.loads(specs_file.read_text())
    users = json.loads((CORPUS / "edge_case_users.json").read_text())
    return {
        "specs": specs,
        "users": users + users_for_specs(specs, 60),
        "id_lists": json.loads((CORPUS / "id_lists.json").read_text()),
        "tier": None,
    }


def _eval_proj(shared: Callable[[], Path]) -> dict[str, Any]:
    specs = json.loads((shared() / "eval_proj_dcs.json").read_text())
    return {"specs": specs, "users": users_for_specs(specs, 100), "tier": "production"}


def _bench(_shared: Callable[[], Path]) -> dict[str, Any]:
    data = REPO / "benchmarks" / "data"
    users = json.loads((data / "bench_users.json").read_text())[:150]
    return {
        "specs": json.loads((data / "bench_dcs_v2.json").read_text()),
        "users": users,
        "tier": "staging",
    }


CORPORA = {"edge_cases": _edge_cases, "eval_proj": _eval_proj, "bench": _bench}


def _layer_params(specs: dict[str, Any], layer: dict[str, Any]) -> list[str]:
    """Every parameter the layer or one of its experiments can hand out."""
    params = set(layer.get("defaultValue") or {})
    for layer_rule in layer.get("rules") or []:
        experiment = specs["dynamic_configs"].get(layer_rule.get("configDelegate") or "")
        for source in [experiment or {}, *((experiment or {}).get("rules") or [])]:
            value = source.get("defaultValue", source.get("returnValue"))
            params.update(value if isinstance(value, dict) else {})
    return sorted(params)


def _names(specs: dict[str, Any]) -> dict[str, Any]:
    gates = [n for n, s in specs["feature_gates"].items() if s.get("entity") not in HIDDEN]
    hidden = [n for n, s in specs["feature_gates"].items() if s.get("entity") in HIDDEN]
    configs = specs["dynamic_configs"]
    return {
        "gates": gates,
        "hidden": hidden,
        "configs": [n for n, s in configs.items() if s.get("entity") != "experiment"],
        "experiments": [n for n, s in configs.items() if s.get("entity") == "experiment"],
        "layers": {n: _layer_params(specs, s) for n, s in specs["layer_configs"].items()},
    }


def _hashed(exposures: list[dict[str, str]], algorithm: str) -> list[dict[str, str]]:
    """The server's exposures as a bootstrap lists them: hashed, each one once."""
    unique = {(e["gate"], e["gateValue"], e["ruleID"]): e for e in reversed(exposures)}
    firsts = [e for e in exposures if unique.get((e["gate"], e["gateValue"], e["ruleID"])) is e]
    return [{**e, "gate": hash_name(e["gate"], algorithm)} for e in firsts]


def _expected(
    statsig: Statsig,
    user: StatsigUser,
    names: dict[str, Any],
    specs: dict[str, Any],
    algorithm: str,
) -> dict[str, Any]:
    """What the client must report: our server's own checks, in the harness's result shape."""
    out: dict[str, Any] = {"gates": {}, "configs": {}, "experiments": {}, "layers": {}}
    for name in names["gates"]:
        gate = statsig.get_feature_gate(user, name, log_exposure=False)
        out["gates"][name] = {
            "value": gate.value,
            "ruleID": gate.rule_id,
            "idType": gate.id_type,
            "secondaryExposures": _hashed(gate.secondary_exposures, algorithm),
        }
    for section in ("configs", "experiments"):
        for name in names[section]:
            config = statsig.get_experiment(user, name, log_exposure=False)
            plain = specs["dynamic_configs"][name].get("entity") == "dynamic_config"
            out[section][name] = {
                "value": config.value,
                "ruleID": config.rule_id,
                "groupName": None if plain else config.group_name,
                "secondaryExposures": _hashed(config.secondary_exposures, algorithm),
            }
    for name, params in names["layers"].items():
        layer = statsig.get_layer(user, name, log_exposure=False)
        allocated = layer.allocated_experiment_name
        out["layers"][name] = {
            "ruleID": layer.rule_id,
            "groupName": layer.group_name,
            "allocatedExperimentName": hash_name(allocated, algorithm) if allocated else None,
            "params": {p: layer.get(p) for p in params},
        }
    return out


def _reported(result: dict[str, Any], section: str, name: str, fields: list[str]) -> dict:
    entry = result[section][name]
    picked = {field: entry.get(field) for field in fields if field != "secondaryExposures"}
    if "secondaryExposures" in fields:
        picked["secondaryExposures"] = entry["exposure"]["secondaryExposures"]
    return picked


@pytest.mark.services
@pytest.mark.parametrize(
    ("corpus", "algorithm"),
    [("edge_cases", "djb2"), ("edge_cases", "none"), ("eval_proj", "djb2"), ("bench", "djb2")],
)
def test_js_client_reports_exactly_our_server_evaluation(
    js_client, make_statsig, request, corpus, algorithm
):
    data = CORPORA[corpus](lambda: request.getfixturevalue("shared_fixtures"))
    specs, tier = data["specs"], data["tier"]
    statsig = make_statsig(specs, environment=tier, id_lists=data.get("id_lists"))
    default_tier = tier or specs.get("default_environment")
    names = _names(specs)
    cases, expected = [], []
    for index, raw in enumerate(data["users"]):
        user = StatsigUser.from_dict(_with_stable_id(raw, index))
        payload = statsig.get_client_initialize_response(user, hash=algorithm)
        env = user.statsig_environment or ({"tier": default_tier} if default_tier else None)
        cases.append(
            {
                "id": f"{corpus}-{index}",
                "client_key": "client-bootstrap-test",
                "bootstrap": payload,
                "user": user.to_dict(include_private=True),
                "options": {"environment": env} if env else {},
                "exposures": True,
                "gates": names["gates"] + names["hidden"],
                "configs": names["configs"],
                "experiments": names["experiments"],
                "layers": names["layers"],
            }
        )
        expected.append(_expected(statsig, user, names, specs, algorithm))

    results = js_client.run(cases, timeout=900)

    wrong: list[str] = []
    checks = 0
    for case, result, want in zip(cases, results, expected, strict=True):
        assert result["error"] is None, result["error"]
        for section, entries in want.items():
            for name, fields in entries.items():
                checks += 1
                got = _reported(result, section, name, list(fields))
                reason = result[section][name]["reason"]
                if got != fields or reason != RECOGNIZED:
                    wrong.append(f"{case['id']} {section} {name!r}: {reason} {got} != {fields}")
        for name in names["hidden"]:
            if result["gates"][name]["reason"] != "Bootstrap:Unrecognized":
                wrong.append(f"{case['id']} hidden gate {name!r} reached the client")
    assert not wrong, f"{len(wrong)} of {checks} checks differ:\n" + "\n".join(wrong[:20])
    assert checks >= len(cases) * 5


def _script_texts(page: str) -> list[str]:
    texts: list[str] = []

    class Scripts(HTMLParser):
        inside = False

        def handle_starttag(self, tag: str, attrs: Any) -> None:
            if tag == "script":
                self.inside = True
                texts.append("")

        def handle_endtag(self, tag: str) -> None:
            self.inside = self.inside and tag != "script"

        def handle_data(self, data: str) -> None:
            if self.inside:
                texts[-1] += data

    Scripts().feed(page)
    return texts


INITIALISER_RUNNER = r"""
const vm = require('vm'); const fs = require('fs'); const util = require('util');
const [umdPath, inputPath] = process.argv.slice(2);
const input = JSON.parse(fs.readFileSync(inputPath, 'utf8'));
const logs = []; const fetches = [];
const text = (x) => typeof x === 'string' ? x : util.inspect(x);
const log = (...a) => logs.push(a.map(text).join(' '));
const noop = () => {};
const elements = {[input.id]: {textContent: input.data}};
const page = {
  console: {log, info: log, warn: log, error: log, debug: noop},
  setTimeout, clearTimeout, setInterval, clearInterval, Promise, URL, TextEncoder, TextDecoder,
  performance, crypto: globalThis.crypto, AbortController, Blob,
  addEventListener: noop, removeEventListener: noop,
  document: {getElementById: (id) => elements[id] || null, addEventListener: noop,
             removeEventListener: noop, visibilityState: 'visible'},
  fetch: (url) => { fetches.push(String(url)); return Promise.reject(new Error('offline')); },
  location: {href: 'https://example.test/'}, navigator: {userAgent: 'node'},
};
page.window = page; page.self = page;
vm.createContext(page);
vm.runInContext(fs.readFileSync(umdPath, 'utf8'), page);  // what <script src=...> loads
vm.runInContext(input.init, page);                          // the inline initialiser
const client = page[input.global];
const out = {logs, gates: {}, configs: {}};
for (const name of input.gates) {
  const gate = client.getFeatureGate(name);
  out.gates[name] = {value: gate.value, ruleID: gate.ruleID, reason: gate.details.reason};
}
for (const name of input.configs) {
  const config = client.getDynamicConfig(name);
  out.configs[name] = {value: config.value, reason: config.details.reason};
}
process.stdout.write(JSON.stringify(out));
process.exit(0);
"""


@pytest.mark.services
def test_rendered_initialiser_starts_the_real_client_from_the_page(
    js_client, make_statsig, tmp_path
):
    """The UMD build and our inline initialiser, run as a page would run them."""
    hostile = "</script><!--\u2028"
    specs = dcs(
        gates={
            "open": spec(rule(cond(), id="o")),
            f"us_only{hostile}": spec(rule(cond("user_field", "any", ["US"], "country"), id="us")),
        },
        configs={
            "copy": spec(rule(cond(), id="c", return_value={"t": hostile}), kind="dynamic_config")
        },
    )
    statsig = make_statsig(specs, environment="staging")
    user = StatsigUser(
        "u1", country="US", custom_ids={"stableID": "s1"}, private_attributes={"p": hostile}
    )
    page = render_bootstrap(
        statsig.get_client_initialize_response(user), client_key="client-page", nonce="n"
    )

    data_text, _loader, init = _script_texts(page)
    runner = tmp_path / "run.cjs"
    runner.write_text(INITIALISER_RUNNER)
    job = tmp_path / "input.json"
    names = {"gates": ["open", f"us_only{hostile}", "missing"], "configs": ["copy"]}
    job.write_text(
        json.dumps(
            {
                "id": "statsig-bootstrap",
                "data": data_text,
                "init": init,
                "global": "statsigClient",
                **names,
            }
        )
    )
    umd = js_client.modules / "@statsig" / "js-client" / "build" / "statsig-js-client.min.js"
    done = subprocess.run(
        ["node", str(runner), str(umd), str(job)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["logs"] == []
    assert out["gates"]["open"] == {"value": True, "ruleID": "o", "reason": RECOGNIZED}
    assert out["gates"][f"us_only{hostile}"] == {
        "value": True,
        "ruleID": "us",
        "reason": RECOGNIZED,
    }
    assert out["gates"]["missing"]["reason"] == "Bootstrap:Unrecognized"
    assert out["configs"]["copy"] == {"value": {"t": hostile}, "reason": RECOGNIZED}


@pytest.mark.services
def test_a_client_key_gives_the_browser_only_its_apps_specs(js_client, make_statsig):
    specs = dcs(
        gates={
            "web": spec(
                rule(cond("target_app", "any", ["app_web"]), id="w"), targetAppIDs=["app_web"]
            ),
            "mobile": spec(rule(cond(), id="m"), targetAppIDs=["app_mobile"]),
        },
        app_id="app_server",
        hashed_sdk_keys_to_app_ids={djb2("client-web"): "app_web"},
    )
    statsig = make_statsig(specs)
    user = StatsigUser("u", custom_ids={"stableID": "s"})
    result = js_client.run_one(
        {
            "id": "web",
            "client_key": "client-web",
            "bootstrap": statsig.get_client_initialize_response(user, client_sdk_key="client-web"),
            "user": user.to_dict(),
            "gates": ["web", "mobile"],
        }
    )
    assert result["gates"]["web"] == {
        "value": True,
        "ruleID": "w",
        "reason": RECOGNIZED,
        "idType": "userID",
    }
    assert result["gates"]["mobile"]["reason"] == "Bootstrap:Unrecognized"
