"""STATSIG_* config: defaults by setdefault, validation in init_app with every problem named."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from statsig_core import StatsigUser, StatsigValueError
from statsig_core.events.transport import MemoryTransport
from statsig_flask import StatsigFlask
from statsig_flask.config import DEFAULTS, load_settings
from tests.flask.helpers import PAYLOAD


def local(**config: Any) -> dict[str, Any]:
    return {"STATSIG_OPTIONS": {"bootstrap_values": PAYLOAD}, **config}


def problems(config: dict[str, Any]) -> str:
    with pytest.raises(StatsigValueError) as raised:
        load_settings(config)
    return str(raised.value)


def build_user(default: StatsigUser) -> StatsigUser:
    return default.with_changes(user_id="from-dotted-path")


def test_every_key_is_set_with_its_default_and_user_values_are_kept():
    config = local(STATSIG_TRUSTED_PROXY_COUNT=2)
    load_settings(config)
    assert set(DEFAULTS) <= set(config)
    assert config["STATSIG_TRUSTED_PROXY_COUNT"] == 2
    assert config["STATSIG_STABLE_ID_COOKIE_NAME"] == "statsig_stable_id"


def test_every_key_is_documented_in_the_extension_docstring():
    doc = StatsigFlask.__doc__ or ""
    for key in DEFAULTS:
        short = key.replace("STATSIG_STABLE_ID_COOKIE_", "")
        assert key in doc or f"_{short}" in doc, key


def test_a_specs_file_selects_local_mode(tmp_path: Path):
    specs = tmp_path / "dcs.json"
    specs.write_text(json.dumps(PAYLOAD))
    settings = load_settings({"STATSIG_SPECS_FILE": str(specs), "STATSIG_ENVIRONMENT": "staging"})
    assert settings.options.specs_path == str(specs)
    assert settings.options.environment == "staging"
    assert settings.server_secret is None


def test_dedicated_keys_win_over_statsig_options():
    settings = load_settings(
        local(
            STATSIG_ENVIRONMENT="production",
            STATSIG_INIT_TIMEOUT=0.5,
            STATSIG_OPTIONS={
                "bootstrap_values": PAYLOAD,
                "environment": "dev",
                "exposure_dedupe_window": 5.0,
            },
        )
    )
    assert settings.options.environment == "production"
    assert settings.options.init_timeout == 0.5
    assert settings.options.exposure_dedupe_window == 5.0


def test_no_specs_source_is_refused():
    assert "no specs source" in problems({})


def test_a_missing_specs_file_is_refused(tmp_path: Path):
    assert "is not a file" in problems({"STATSIG_SPECS_FILE": str(tmp_path / "nope.json")})


def test_a_server_secret_as_the_client_key_is_refused():
    message = problems(local(STATSIG_CLIENT_KEY="secret-abc"))
    assert "STATSIG_CLIENT_KEY" in message
    assert "server secret" in message


def test_a_server_secret_must_look_like_one():
    assert "STATSIG_SERVER_SECRET" in problems({"STATSIG_SERVER_SECRET": "client-oops"})


def test_a_server_secret_alone_is_a_specs_source():
    settings = load_settings(
        {"STATSIG_SERVER_SECRET": "secret-x", "STATSIG_CLIENT_KEY": "client-y"}
    )
    assert settings.server_secret == "secret-x"
    assert settings.client_key == "client-y"


@pytest.mark.parametrize("transport", ["kafka", 42, object()])
def test_an_unknown_event_transport_is_refused(transport: object):
    assert "STATSIG_EVENT_TRANSPORT" in problems(local(STATSIG_EVENT_TRANSPORT=transport))


@pytest.mark.parametrize("transport", ["http", "celery", "local"])
def test_named_event_transports_are_accepted(transport: str):
    assert load_settings(local(STATSIG_EVENT_TRANSPORT=transport)).options.event_transport == (
        transport
    )


def test_a_transport_object_is_passed_through():
    sink = MemoryTransport()
    assert load_settings(local(STATSIG_EVENT_TRANSPORT=sink)).options.event_transport is sink


@pytest.mark.parametrize("count", [-1, "2", True, 1.5])
def test_a_bad_trusted_proxy_count_is_refused(count: object):
    assert "STATSIG_TRUSTED_PROXY_COUNT" in problems(local(STATSIG_TRUSTED_PROXY_COUNT=count))


@pytest.mark.parametrize(
    "loader",
    ["no_such_module.build", "tests.flask.test_config.missing", 42, lambda: None],
    ids=["module", "attribute", "not-callable", "no-argument"],
)
def test_a_bad_user_loader_is_refused(loader: object):
    assert "STATSIG_USER_LOADER" in problems(local(STATSIG_USER_LOADER=loader))


def test_a_user_loader_can_be_a_dotted_path():
    settings = load_settings(local(STATSIG_USER_LOADER=f"{__name__}.build_user"))
    assert settings.user_loader is build_user


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("STATSIG_STABLE_ID_COOKIE_NAME", "bad name;"),
        ("STATSIG_STABLE_ID_COOKIE_MAX_AGE", 0),
        ("STATSIG_STABLE_ID_COOKIE_DOMAIN", 7),
        ("STATSIG_STABLE_ID_COOKIE_ENABLED", "yes"),
        ("STATSIG_STABLE_ID_COOKIE_CONSENT", lambda request: True),
        ("STATSIG_STABLE_ID_COOKIE_CONSENT", "no_such_module.consent"),
        ("STATSIG_CLIENT_NAMES", "beta"),
        ("STATSIG_CLIENT_NAMES", ["beta", 3]),
        ("STATSIG_INIT_TIMEOUT", 0),
        ("STATSIG_BOOTSTRAP_HASH", "md5"),
        ("STATSIG_CLIENT_SCRIPT_URL", 3),
        ("STATSIG_ENVIRONMENT", ""),
        ("STATSIG_OPTIONS", ["not", "a", "dict"]),
        ("STATSIG_LOG_EVENT", "fast"),
        ("STATSIG_LOG_EVENT", {"MAX_BYTES": 0}),
        ("STATSIG_LOG_EVENT", {"BURST": 2.5}),
        ("STATSIG_LOG_EVENT", {"RATE": -1}),
        ("STATSIG_LOG_EVENT", {"ALLOW_CROSS_SITE": "yes"}),
        ("STATSIG_LOG_EVENT", {"MAX_BYTE": 10}),
        ("STATSIG_QA_ACCESS", "no_such_module.is_admin"),
        ("STATSIG_QA_ACCESS", lambda user: True),
    ],
)
def test_each_malformed_key_is_named(key: str, value: object):
    assert key in problems(local(**{key: value}))


def test_log_event_limits_reach_the_settings():
    settings = load_settings(local(STATSIG_LOG_EVENT={"RATE": 30, "ALLOW_CROSS_SITE": True}))
    limits = settings.log_event
    assert (limits.rate_per_minute, limits.allow_cross_site) == (30, True)
    assert (limits.max_bytes, limits.max_events, limits.burst) == (64 * 1024, 100, 60)


def test_qa_access_needs_a_secret_key_for_the_session():
    message = problems(local(STATSIG_QA_ACCESS=lambda: True))
    assert "STATSIG_QA_ACCESS: needs SECRET_KEY" in message
    assert load_settings(local(STATSIG_QA_ACCESS=lambda: True, SECRET_KEY="k")).qa_access


def test_unknown_statsig_options_fields_are_named():
    message = problems({"STATSIG_OPTIONS": {"bootstrap_values": PAYLOAD, "enviroment": "x"}})
    assert "enviroment" in message


def test_all_problems_are_reported_together():
    message = problems({"STATSIG_CLIENT_KEY": "secret-x", "STATSIG_TRUSTED_PROXY_COUNT": -1})
    assert message.count("\n  - ") == 3  # client key, proxy count, no specs source


def test_init_app_fails_fast_on_bad_config():
    app = Flask(__name__)
    app.config["STATSIG_CLIENT_KEY"] = "secret-leak"
    with pytest.raises(StatsigValueError, match="STATSIG_CLIENT_KEY"):
        StatsigFlask(app)
    assert "statsig" not in app.extensions
