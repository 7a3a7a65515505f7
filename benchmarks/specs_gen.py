"""Deterministic generator of the benchmark's specs files and users.

Why generated: the benchmark needs a project-sized, console-like mix of rules (the shape described
in the SDK notes §9) that every SDK reads from the same bytes. A fixed seed makes
``python -m benchmarks.specs_gen`` rewrite the committed files byte for byte, and ``--check``
proves that they still match the generator.

Files written to ``benchmarks/data/``:

* ``bench_dcs_v2.json``: DCS v2 (maps, ``condition_map``, ``experiment_to_layer``), read by the
  core and by statsig_core;
* ``bench_dcs_v1.json``: the same specs as DCS v1 (arrays, inline conditions, ``layers``), read
  by the pure-Python ``statsig`` SDK;
* ``bench_users.json``: 2,000 users in the official JSON field names, each with a ``_label``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import string
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

SEED = 20_240_611
LCUT = 1_718_000_000_000
DATA_DIR = Path(__file__).resolve().parent / "data"
V2_PATH = DATA_DIR / "bench_dcs_v2.json"
V1_PATH = DATA_DIR / "bench_dcs_v1.json"
USERS_PATH = DATA_DIR / "bench_users.json"

N_GATES = 50
N_CONFIGS = 10
N_LAYERS = 5
EXPERIMENTS_PER_LAYER = 3
N_STANDALONE_EXPERIMENTS = 5
N_USERS = 2_000

PASS_PERCENTAGES = (100, 100, 50, 25, 10, 0)
RULE_COUNT_WEIGHTS = (10, 20, 25, 25, 20)
GATE_RULES = 161
"""Total gate rules, as in the notes' benchmark; random 1..5 counts are nudged to this sum."""

AREAS = (
    "checkout",
    "search",
    "onboarding",
    "billing",
    "profile",
    "feed",
    "notifications",
    "settings",
    "dashboard",
    "mobile",
)
FEATURES = (
    "redesign",
    "v2",
    "beta",
    "dark_mode",
    "fast_path",
    "new_copy",
    "ai_assist",
    "rollout",
    "kill_switch",
    "promo",
)
COUNTRIES = ("US", "CA", "GB", "DE", "FR", "IN", "BR", "JP", "AU", "MX", "ES", "NL")
COUNTRY_WEIGHTS = (30, 6, 10, 8, 6, 12, 7, 5, 4, 4, 4, 4)
DOMAINS = (
    "gmail.com",
    "yahoo.com",
    "outlook.com",
    "acme.io",
    "statsig.com",
    "example.org",
    "corp.acme.io",
    "company.co.uk",
)
DOMAIN_WEIGHTS = (35, 10, 10, 15, 5, 10, 5, 10)
PLANS = ("free", "basic", "pro", "enterprise")
PLAN_WEIGHTS = (45, 25, 20, 10)
APP_VERSIONS = ("1.9.3", "2.0.0", "2.1.4", "2.3.0", "2.3.1-beta", "3.0.0", "3.1", "3.2.7.1")
VERSION_TARGETS = ("2.0.0", "2.3.0", "3.0.0", "3.1")
AGE_TARGETS = (18, 21, 30, 40)

LAYER_PARAMS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("checkout_layer", {"button_color": "blue", "button_text": "Buy now", "discount_pct": 0}),
    ("search_layer", {"ranker": "bm25", "page_size": 20, "show_filters": False}),
    ("onboarding_layer", {"steps": 5, "skip_allowed": True, "welcome_copy": "Hello"}),
    ("pricing_layer", {"price": 9.99, "trial_days": 14, "annual_discount": 0.1}),
    ("feed_layer", {"algo": "chrono", "ads_every": 8, "autoplay": False}),
)
CONFIG_NAMES = (
    "pricing",
    "feature_limits",
    "banner",
    "support_widget",
    "upload_limits",
    "rate_limits",
    "home_modules",
    "email_digest",
    "theme",
    "referral_program",
)
GROUP_NAMES = ("Control", "Test", "Test #2")

GateKind = Callable[["_Builder", int], list[str]]


class _Builder:
    """Holds the RNG and the interned condition map while the specs are built."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.condition_map: dict[str, dict[str, Any]] = {}
        self.gate_names: list[str] = []

    def salt(self) -> str:
        """A console-style UUID salt drawn from the seeded RNG (uuid4 would not be seeded)."""
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def rule_id(self) -> str:
        """A 22-character base62 id like the console's rule ids."""
        alphabet = string.ascii_letters + string.digits
        return "".join(self.rng.choice(alphabet) for _ in range(22))

    def condition(
        self,
        type_: str,
        operator: str | None = None,
        target: Any = None,
        field: str | None = None,
        salt: str | None = None,
        id_type: str = "userID",
    ) -> str:
        """Intern a condition and return its id; equal conditions share one id, as in real DCS."""
        condition = {
            "type": type_,
            "targetValue": target,
            "operator": operator,
            "field": field,
            "additionalValues": {"salt": salt} if salt is not None else {},
            "idType": id_type,
        }
        canonical = json.dumps(condition, sort_keys=True, separators=(",", ":"))
        condition_id = str(int(hashlib.sha256(canonical.encode()).hexdigest()[:8], 16))
        self.condition_map[condition_id] = condition
        return condition_id


# --- gate rule kinds: each returns the condition ids of one rule -------------------------------


def _email_contains(b: _Builder, _: int) -> list[str]:
    domains = b.rng.sample(DOMAINS, b.rng.randint(1, 2))
    return [b.condition("user_field", "str_contains_any", [f"@{d}" for d in domains], "email")]


def _email_ends(b: _Builder, _: int) -> list[str]:
    target = b.rng.choice(([".io"], [".co.uk", ".org"], ["@gmail.com"], ["acme.io"]))
    return [b.condition("user_field", "str_ends_with_any", target, "email")]


def _country(b: _Builder, _: int) -> list[str]:
    return [
        b.condition(
            "user_field", "any", sorted(b.rng.sample(COUNTRIES, b.rng.randint(2, 4))), "country"
        )
    ]


def _tier_and_plan(b: _Builder, _: int) -> list[str]:
    tiers = ["production"] if b.rng.random() < 0.8 else ["staging", "development"]
    plans = sorted(b.rng.sample(PLANS, b.rng.randint(1, 2)))
    return [
        b.condition("environment_field", "any", tiers, "tier"),
        b.condition("user_field", "any", plans, "plan"),
    ]


def _plan(b: _Builder, _: int) -> list[str]:
    return [
        b.condition("user_field", "any", sorted(b.rng.sample(PLANS, b.rng.randint(1, 3))), "plan")
    ]


def _version(b: _Builder, _: int) -> list[str]:
    return [b.condition("user_field", "version_gte", b.rng.choice(VERSION_TARGETS), "appVersion")]


def _age(b: _Builder, _: int) -> list[str]:
    return [b.condition("user_field", "gte", b.rng.choice(AGE_TARGETS), "age")]


def _pass_gate(b: _Builder, index: int) -> list[str]:
    if index == 0:
        return _country(b, index)
    return [b.condition("pass_gate", None, b.rng.choice(b.gate_names[:index]))]


def _public(b: _Builder, _: int) -> list[str]:
    return [b.condition("public")]


GATE_KINDS: tuple[tuple[GateKind, int], ...] = (
    (_email_contains, 12),
    (_email_ends, 8),
    (_country, 16),
    (_tier_and_plan, 10),
    (_plan, 14),
    (_version, 12),
    (_age, 10),
    (_pass_gate, 10),
    (_public, 8),
)


def _gate_names(rng: random.Random) -> list[str]:
    pairs = [f"{a}_{f}" for a in AREAS for f in FEATURES]
    return rng.sample(pairs, N_GATES)


def _rule_counts(rng: random.Random) -> list[int]:
    """1..5 rules per gate, adjusted one at a time until they add up to ``GATE_RULES``."""
    counts = rng.choices(range(1, 6), RULE_COUNT_WEIGHTS, k=N_GATES)
    while (total := sum(counts)) != GATE_RULES:
        step = 1 if total < GATE_RULES else -1
        candidates = [i for i, c in enumerate(counts) if 1 <= c + step <= 5]
        counts[rng.choice(candidates)] += step
    return counts


def _gates(b: _Builder) -> dict[str, dict[str, Any]]:
    kinds = [k for k, _ in GATE_KINDS]
    weights = [w for _, w in GATE_KINDS]
    gates: dict[str, dict[str, Any]] = {}
    counts = _rule_counts(b.rng)
    for index, name in enumerate(b.gate_names):
        id_type = "stableID" if b.rng.random() < 0.1 else "userID"
        rules = []
        n_rules = counts[index]
        for position in range(n_rules):
            last = position == n_rules - 1
            kind = _public if last and b.rng.random() < 0.3 else b.rng.choices(kinds, weights)[0]
            rule_id = b.rule_id()
            rules.append(
                {
                    "name": rule_id,
                    "passPercentage": b.rng.choice(PASS_PERCENTAGES),
                    "conditions": kind(b, index),
                    "returnValue": True,
                    "id": rule_id,
                    "salt": rule_id,
                    "idType": id_type,
                }
            )
        gates[name] = {
            "type": "feature_gate",
            "salt": b.salt(),
            "enabled": True,
            "defaultValue": False,
            "rules": rules,
            "idType": id_type,
            "entity": "feature_gate",
            "version": b.rng.randint(1, 40),
        }
    return gates


def _configs(b: _Builder) -> dict[str, dict[str, Any]]:
    configs: dict[str, dict[str, Any]] = {}
    for name in CONFIG_NAMES:
        default = {"enabled": True, "limit": 10, "label": f"{name}_default", "ratio": 0.5}
        rules = []
        for _ in range(b.rng.randint(1, 3)):
            kind = b.rng.choice((_country, _plan, _version, _email_contains, _age))
            rule_id = b.rule_id()
            value = dict(
                default,
                limit=b.rng.choice((5, 20, 50, 100)),
                label=f"{name}_{rule_id[:4].lower()}",
                ratio=round(b.rng.random(), 2),
            )
            rules.append(
                {
                    "name": rule_id,
                    "passPercentage": b.rng.choice((100, 100, 100, 50)),
                    "conditions": kind(b, 0),
                    "returnValue": value,
                    "id": rule_id,
                    "salt": rule_id,
                    "idType": "userID",
                }
            )
        configs[name] = {
            "type": "dynamic_config",
            "salt": b.salt(),
            "enabled": True,
            "defaultValue": default,
            "rules": rules,
            "idType": "userID",
            "entity": "dynamic_config",
            "version": b.rng.randint(1, 20),
        }
    return configs


def _variant(b: _Builder, params: dict[str, Any], group: int) -> dict[str, Any]:
    """A group's value: every parameter present, some changed, as the console writes them."""
    value = dict(params)
    if group == 0:
        return value
    for key, default in params.items():
        if isinstance(default, bool):
            value[key] = not default
        elif isinstance(default, int):
            value[key] = default + group * b.rng.randint(1, 5)
        elif isinstance(default, float):
            value[key] = round(default * (1 + group / 10), 2)
        else:
            value[key] = f"{default} ({GROUP_NAMES[group]})"
    return value


def _experiment(
    b: _Builder,
    name: str,
    params: dict[str, Any],
    layer_salt: str | None,
    buckets: list[int] | None,
    explicit: list[str] | None,
) -> dict[str, Any]:
    salt = b.salt()
    rules: list[dict[str, Any]] = []
    if b.rng.random() < 0.4:
        gate = b.rng.choice(b.gate_names)
        rules.append(
            {
                "name": "targetingGate",
                "passPercentage": 100,
                "conditions": [b.condition("fail_gate", None, gate)],
                "returnValue": dict(params),
                "id": "targetingGate",
                "salt": "",
                "idType": "userID",
            }
        )
    if layer_salt is not None and buckets is not None:
        rules.append(
            {
                "name": "layerAssignment",
                "passPercentage": 100,
                "conditions": [b.condition("user_bucket", "none", buckets, salt=layer_salt)],
                "returnValue": dict(params),
                "id": "layerAssignment",
                "salt": "",
                "idType": "userID",
            }
        )
    n_groups = b.rng.choice((2, 2, 3))
    allocation = b.rng.choice((100, 100, 50, 20)) * 10  # in buckets out of 1000
    for group in range(n_groups):
        rule_id = b.rule_id()
        bound = allocation * (group + 1) // n_groups
        rules.append(
            {
                "name": rule_id,
                "groupName": GROUP_NAMES[group],
                "passPercentage": 100,
                "conditions": [b.condition("user_bucket", "lt", bound, salt=salt)],
                "returnValue": _variant(b, params, group),
                "id": rule_id,
                "salt": rule_id,
                "idType": "userID",
                "isExperimentGroup": True,
            }
        )
    spec: dict[str, Any] = {
        "type": "dynamic_config",
        "salt": salt,
        "enabled": True,
        "defaultValue": dict(params),
        "rules": rules,
        "idType": "userID",
        "entity": "experiment",
        "version": b.rng.randint(1, 15),
        "isActive": True,
    }
    if explicit is not None:
        spec["hasSharedParams"] = True
        spec["explicitParameters"] = explicit
    return spec


def _experiments_and_layers(
    b: _Builder,
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]], dict[str, str]]:
    experiments: dict[str, dict[str, Any]] = {}
    layers: dict[str, dict[str, Any]] = {}
    experiment_to_layer: dict[str, str] = {}
    for layer_name, params in LAYER_PARAMS:
        layer_salt = b.salt()
        area = layer_name.removesuffix("_layer")
        start = 0
        layer_rules = []
        for n in range(EXPERIMENTS_PER_LAYER):
            size = b.rng.randint(200, 330)
            buckets = list(range(start, start + size))
            start += size
            exp_name = f"{area}_exp_{n + 1}"
            explicit = sorted(b.rng.sample(sorted(params), b.rng.randint(1, 2)))
            experiments[exp_name] = _experiment(b, exp_name, params, layer_salt, buckets, explicit)
            experiment_to_layer[exp_name] = layer_name
            layer_rules.append(
                {
                    "name": "experimentAssignment",
                    "passPercentage": 100,
                    "conditions": [b.condition("user_bucket", "any", buckets, salt=layer_salt)],
                    "returnValue": dict(params),
                    "id": "experimentAssignment",
                    "salt": "",
                    "idType": "userID",
                    "configDelegate": exp_name,
                }
            )
        layers[layer_name] = {
            "type": "dynamic_config",
            "salt": layer_salt,
            "enabled": True,
            "defaultValue": dict(params),
            "rules": layer_rules,
            "idType": "userID",
            "entity": "layer",
            "version": b.rng.randint(1, 10),
        }
    for n in range(N_STANDALONE_EXPERIMENTS):
        area = AREAS[(n * 3) % len(AREAS)]
        params = {"variant_text": f"{area} copy", "max_results": 10 + n, "highlight": False}
        exp_name = f"{area}_solo_exp"
        experiments[exp_name] = _experiment(b, exp_name, params, None, None, None)
    return experiments, layers, experiment_to_layer


def build_specs(seed: int = SEED) -> dict[str, Any]:
    """The v2 download_config_specs payload for ``seed``."""
    b = _Builder(random.Random(seed))
    b.gate_names = _gate_names(b.rng)
    gates = _gates(b)
    configs = _configs(b)
    experiments, layers, experiment_to_layer = _experiments_and_layers(b)
    return {
        "has_updates": True,
        "time": LCUT,
        "response_format": "dcs-v2",
        "feature_gates": gates,
        "dynamic_configs": {**configs, **experiments},
        "layer_configs": layers,
        "experiment_to_layer": experiment_to_layer,
        "condition_map": dict(sorted(b.condition_map.items())),
        "id_lists": {},
        "sdk_configs": {"sampling_mode": "none"},
    }


def build_users(seed: int = SEED, count: int = N_USERS) -> list[dict[str, Any]]:
    """``count`` users in the official JSON field names (``userID``, ``customIDs``, ...)."""
    rng = random.Random(seed + 1)
    user_ids = rng.sample(range(10**6, 10**9), count)
    users: list[dict[str, Any]] = []
    for i, numeric_id in enumerate(user_ids):
        stable_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        if rng.random() < 0.04:
            users.append({"_label": f"anonymous_{i:04d}", "customIDs": {"stableID": stable_id}})
            continue
        user: dict[str, Any] = {"_label": f"user_{i:04d}", "userID": str(numeric_id)}
        if rng.random() < 0.9:
            user["email"] = f"user{numeric_id}@{rng.choices(DOMAINS, DOMAIN_WEIGHTS)[0]}"
        if rng.random() < 0.85:
            user["country"] = rng.choices(COUNTRIES, COUNTRY_WEIGHTS)[0]
        if rng.random() < 0.8:
            user["appVersion"] = rng.choice(APP_VERSIONS)
        custom: dict[str, Any] = {}
        if rng.random() < 0.85:
            custom["plan"] = rng.choices(PLANS, PLAN_WEIGHTS)[0]
        if rng.random() < 0.7:
            custom["age"] = rng.randint(13, 70)
        if custom:
            user["custom"] = custom
        if rng.random() < 0.3:
            user["customIDs"] = {"stableID": stable_id}
        users.append(user)
    return users


def convert_to_v1(v2: dict[str, Any]) -> dict[str, Any]:
    """v2 -> v1 with statsig_core's converter when it exists, else the benchmark's own."""
    try:
        from statsig_core.specs.convert import to_v1  # type: ignore[import-not-found]
    except ImportError:
        from benchmarks._convert import to_v1
    return to_v1(v2)


def render_specs(specs: dict[str, Any]) -> str:
    """Compact, key-sorted JSON: small, deterministic, like a real DCS response."""
    return json.dumps(specs, sort_keys=True, separators=(",", ":")) + "\n"


def render_users(users: list[dict[str, Any]]) -> str:
    """One user per line so a regenerated file diffs readably."""
    lines = ",\n".join(" " + json.dumps(u, separators=(",", ":")) for u in users)
    return "[\n" + lines + "\n]\n"


def render_all(seed: int = SEED) -> dict[Path, str]:
    """Every data file's path and content."""
    v2 = build_specs(seed)
    return {
        V2_PATH: render_specs(v2),
        V1_PATH: render_specs(convert_to_v1(v2)),
        USERS_PATH: render_users(build_users(seed)),
    }


def summary(specs: dict[str, Any]) -> str:
    """A one-line census of a v2 payload, to compare with the notes' §9 description."""
    gates = specs["feature_gates"]
    configs = specs["dynamic_configs"]
    n_rules = sum(len(g["rules"]) for g in gates.values())
    n_exp = sum(1 for c in configs.values() if c.get("entity") == "experiment")
    return (
        f"{len(gates)} gates ({n_rules} rules), {len(configs) - n_exp} configs, "
        f"{n_exp} experiments ({len(specs['experiment_to_layer'])} in layers), "
        f"{len(specs['layer_configs'])} layers, {len(specs['condition_map'])} conditions"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit 1 if the committed files differ from a fresh generation",
    )
    args = parser.parse_args(argv)
    files = render_all()
    if args.check:
        stale = [
            p.name
            for p, text in files.items()
            if not p.exists() or p.read_text(encoding="utf-8") != text
        ]
        print("stale: " + ", ".join(stale) if stale else "data files are up to date")
        return 1 if stale else 0
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(DATA_DIR.parent.parent)} ({len(text):,} bytes)")
    print(summary(json.loads(files[V2_PATH])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
