"""Run the example shops as real servers for the browser tests, and say what they should show.

Each shop runs exactly as ``python3 dev.py django`` / ``flask`` runs it (``manage.py migrate``
then ``runserver``; ``flask --app shop run``), on a free loopback port, with its database and
events file in a temporary folder and nothing from the caller's environment that would make it
talk to Statsig.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from statsig_core import Statsig, StatsigOptions, StatsigUser

from support.net import free_port, wait_until_serving

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "example_projects"
SPECS_FILE = EXAMPLES / "shop_specs.json"
DEMO_USERS: dict[str, dict[str, Any]] = json.loads(
    (EXAMPLES / "demo_users.json").read_text(encoding="utf-8")
)
SHOPS = ("django", "flask")
STABLE_ID_COOKIE = "statsig_stable_id"
START_TIMEOUT = 40.0
# What would send a server to Statsig instead of the local specs file and events file.
_SCRUBBED = (
    "STATSIG_SERVER_SECRET",
    "STATSIG_CLIENT_KEY",
    "STATSIG_EVENT_TRANSPORT",
    "DJANGO_SETTINGS_MODULE",
    "FLASK_APP",
    "FLASK_DEBUG",
)


@dataclass(frozen=True)
class Shop:
    """A running example shop."""

    kind: str
    base_url: str
    events_file: Path
    log_file: Path

    def log_tail(self, lines: int = 40) -> str:
        """The end of the server's output, for failure messages."""
        try:
            text = self.log_file.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no server log)"
        return "\n".join(text.splitlines()[-lines:])

    def events(self) -> list[dict[str, Any]]:
        """Every event the shop has written to its local events file so far."""
        try:
            lines = self.events_file.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        return [json.loads(line) for line in lines if line.strip()]


def _commands(kind: str, port: int) -> tuple[Path, list[list[str]]]:
    """(working folder, commands): setup steps first, the server last."""
    if kind == "django":
        folder = EXAMPLES / "django_shop"
        return folder, [
            [sys.executable, "manage.py", "migrate", "--noinput"],
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        ]
    folder = EXAMPLES / "flask_shop"
    return folder, [[sys.executable, "-m", "flask", "--app", "shop", "run", "--port", str(port)]]


@contextlib.contextmanager
def run_shop(kind: str, folder: Path, js_client_cache: Path) -> Iterator[Shop]:
    """Start the ``kind`` shop (state under ``folder``), yield it, stop it."""
    port = free_port()
    workdir, commands = _commands(kind, port)
    env = {key: value for key, value in os.environ.items() if key not in _SCRUBBED}
    env.update(
        STATSIG_JSCLIENT_CACHE=str(js_client_cache),
        SHOP_EVENTS_FILE=str(folder / "events.jsonl"),
        SHOP_DATABASE=str(folder / "db.sqlite3"),
        PYTHONUNBUFFERED="1",
    )
    log = folder / "server.log"
    with open(log, "ab") as out:
        for setup in commands[:-1]:
            subprocess.run(setup, cwd=workdir, env=env, stdout=out, stderr=out, check=True)
        process = subprocess.Popen(commands[-1], cwd=workdir, env=env, stdout=out, stderr=out)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base_url + "/", process, log, START_TIMEOUT)
        yield Shop(kind, base_url, folder / "events.jsonl", log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def statsig_user(handle: str, stable_id: str) -> StatsigUser:
    """The user the shops build for a demo handle (``anonymous``: the stable ID only)."""
    profile = DEMO_USERS.get(handle)
    if profile is None:
        return StatsigUser(custom_ids={"stableID": stable_id})
    return StatsigUser(
        user_id=profile["user_id"],
        email=profile["email"],
        country=profile["country"],
        custom=profile["custom"],
        custom_ids={"stableID": stable_id},
    )


@dataclass(frozen=True)
class Expected:
    """What the specs file says one visitor gets, evaluated here, independently of the shops."""

    new_checkout: bool
    new_checkout_rule: str
    promo_banner: bool
    promo_banner_rule: str
    headline_group: str | None
    headline: str
    headline_rule: str
    currency: str
    pricing_rule: str
    button_text: str
    layer_rule: str


def expected_for(oracle: Statsig, user: StatsigUser) -> Expected:
    checkout = oracle.get_feature_gate(user, "new_checkout")
    banner = oracle.get_feature_gate(user, "promo_banner")
    headline = oracle.get_experiment(user, "product_headline")
    pricing = oracle.get_config(user, "pricing")
    layer = oracle.get_layer(user, "checkout_layer")
    return Expected(
        new_checkout=checkout.value,
        new_checkout_rule=checkout.rule_id,
        promo_banner=banner.value,
        promo_banner_rule=banner.rule_id,
        headline_group=headline.group_name,
        headline=headline.get("headline", ""),
        headline_rule=headline.rule_id,
        currency=pricing.get("currency", ""),
        pricing_rule=pricing.rule_id,
        button_text=layer.get("button_text", ""),
        layer_rule=layer.rule_id,
    )


def make_oracle() -> Statsig:
    """A local-mode client on the shops' specs file that keeps no events."""
    client = Statsig(None, StatsigOptions(specs_path=str(SPECS_FILE), local_event_log=None))
    details = client.initialize()
    if not details.init_success:
        raise RuntimeError(f"cannot load {SPECS_FILE}: {details.error}")
    return client
