"""The ``flask`` suite: what a gated Flask page costs per request, with and without Statsig.

Each worker times the same requests (a seeded draw of the 2,000 benchmark users) against:

* ``plain``: the page with its flags hard-coded, no Statsig at all;
* ``gated``: the page behind one gate (a view decorator), with two more gates (one asked twice)
  and a dynamic config read in its Jinja template;
* ``bootstrap``: the gated page plus the visitor's bootstrap in a JSON data block.

For ``ours`` the gated pages use ``StatsigFlask`` (``@feature_gate``, ``{% if_gate %}``,
``check_gate()``, ``get_config()``, ``statsig_bootstrap()``, the stable-ID cookie, a user
loader). For the official SDKs they use the integration a team writes by hand without one: a
user built once per request, a decorator-like check and template globals calling the SDK (no
per-request memo), the bootstrap JSON escaped into a data block.

Requests go straight into ``app.wsgi_app`` with a prepared environ (no test client, no socket).
The user record is looked up from a header, as a session lookup would; every visitor is a
returning one whose stable ID arrives in the cookie. A worker fails rather than time a page that
did not answer 200.
"""

from __future__ import annotations

import hashlib
import io
import json
import random
import uuid
from collections.abc import Callable
from typing import Any

from benchmarks import _timing
from benchmarks._adapters import AdapterUnavailable, SpecsSource, user_kwargs
from benchmarks.specs_gen import USERS_PATH, V2_PATH

REQUESTS = (3_000, 300)  # (full, quick)
SEED = 4_242
#: From the generated specs: the view's gate passes for everyone after two targeting rules (so
#: every request renders the page), G1 has a ``pass_gate`` condition, G2 is keyed on stableID.
GATES = ("search_dark_mode", "checkout_promo", "dashboard_beta")
PAGE = (
    "<h1>Shop</h1>{% if_gate G1 %}<p>new banner</p>{% else %}<p>old banner</p>{% endif_gate %}"
    "<p>{{ 'fast' if check_gate(G2) else 'slow' }} checkout</p>"
    "<p>{{ 'again' if check_gate(G1) }}</p><p>{{ get_config(C).get('limit', 10) }}</p>"
)
BOOTSTRAP_PAGE = "<head>{{ statsig_bootstrap() }}</head>" + PAGE
Page = Callable[[dict[str, Any]], int]


def _without_tag(page: str, condition: str) -> str:
    """The page with ``{% if_gate G1 %}`` spelled as a plain ``{% if %}``."""
    return page.replace("{% if_gate G1 %}", f"{{% if {condition} %}}").replace(
        "endif_gate", "endif"
    )


def _config_name() -> str:
    specs = json.loads(V2_PATH.read_text(encoding="utf-8"))["dynamic_configs"]
    return sorted(n for n, s in specs.items() if s.get("entity") != "experiment")[0]


def _stable_id(record: dict[str, Any]) -> str:
    """The record's stable ID, or one as if minted on an earlier visit."""
    given = (record.get("customIDs") or {}).get("stableID")
    return given or str(uuid.UUID(bytes=hashlib.md5(record["_label"].encode()).digest(), version=4))


def _environ(record: dict[str, Any]) -> dict[str, Any]:
    from werkzeug.test import EnvironBuilder

    headers = {
        "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
        "Accept-Language": "en-GB,en;q=0.8",
        "X-User": record["_label"],
        "Cookie": f"statsig_stable_id={_stable_id(record)}",
    }
    builder = EnvironBuilder("/", headers=headers, environ_base={"REMOTE_ADDR": "198.51.100.7"})
    return builder.get_environ()


def _flask_app(page: str) -> Any:
    """A Flask app whose ``page.html`` is compiled once and cached, as file templates are."""
    from flask import Flask
    from jinja2 import DictLoader

    app = Flask(__name__)
    app.jinja_loader = DictLoader({"page.html": page})  # type: ignore[assignment]
    return app


def _statsig_app(records: dict[str, dict[str, Any]], page: str, config: str) -> Any:
    """``ours``: the page through StatsigFlask."""
    from flask import render_template, request

    from statsig_core import StatsigUser
    from statsig_flask import StatsigFlask, feature_gate

    app = _flask_app(page)
    app.config.update(STATSIG_SPECS_FILE=str(V2_PATH), STATSIG_ENVIRONMENT="production")
    statsig = StatsigFlask(app)

    @statsig.user_loader
    def load(default: StatsigUser) -> StatsigUser:
        record = records[request.headers["X-User"]]
        fields = user_kwargs({k: v for k, v in record.items() if k != "customIDs"})
        return default.with_changes(**fields)

    @app.get("/")
    @feature_gate(GATES[0])
    def index() -> str:
        return render_template("page.html", G1=GATES[1], G2=GATES[2], C=config)

    return app


def _escaped_json(payload: Any) -> str:
    text = payload if isinstance(payload, str) else json.dumps(payload)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _hand_written_app(
    adapter: Any, records: dict[str, dict[str, Any]], page: str, config: str
) -> Any:
    """The official SDKs: what a team writes by hand without an integration."""
    from flask import abort, g, render_template, request
    from markupsafe import Markup

    app = _flask_app(_without_tag(page, "check_gate(G1)"))

    def user() -> Any:
        if "statsig_user" not in g:
            record = {k: v for k, v in records[request.headers["X-User"]].items() if k != "_label"}
            record["customIDs"] = {"stableID": request.cookies["statsig_stable_id"]}
            record.update(ip=request.remote_addr, userAgent=request.headers.get("User-Agent"))
            g.statsig_user = adapter.make_user(record)
        return g.statsig_user

    def bootstrap() -> Markup:
        payload = _escaped_json(adapter.gcir(user()))
        return Markup(f'<script type="application/json" id="statsig-bootstrap">{payload}</script>')

    app.jinja_env.globals.update(
        check_gate=lambda name: adapter.check_gate(user(), name),
        get_config=lambda name: adapter.get_config(user(), name),
        statsig_bootstrap=bootstrap,
    )

    @app.get("/")
    def index() -> str:
        if not adapter.check_gate(user(), GATES[0]):
            abort(404)
        return render_template("page.html", G1=GATES[1], G2=GATES[2], C=config)

    return app


def _plain_app(config: str) -> Any:
    from flask import render_template

    app = _flask_app(_without_tag(PAGE, "True"))
    app.jinja_env.globals.update(check_gate=lambda name: True, get_config=lambda name: {})

    @app.get("/")
    def index() -> str:
        return render_template("page.html", G1=GATES[1], G2=GATES[2], C=config)

    return app


def _serve(app: Any) -> Page:
    """One request: a fresh copy of the environ through the WSGI app, body consumed."""
    wsgi = app.wsgi_app

    def start_response(status: str, headers: list[Any], exc_info: Any = None) -> None:
        if not status.startswith("200"):
            raise RuntimeError(f"the page answered {status}")

    def call(environ: dict[str, Any]) -> int:
        request_environ = dict(environ)
        request_environ["wsgi.input"] = io.BytesIO()
        body = wsgi(request_environ, start_response)
        size = sum(len(chunk) for chunk in body)
        getattr(body, "close", lambda: None)()
        return size

    return call


def _time(serve: Page, environs: list[dict[str, Any]]) -> dict[str, float]:
    plan = [(e,) for e in environs]
    _timing.run_batches(serve, _timing.chunk(plan[: max(10, len(plan) // 10)], _timing.BATCH))
    _timing.settle()
    batches = _timing.chunk(plan, _timing.BATCH)
    batch_ns = _timing.run_batches(serve, batches)
    return _timing.summarize(_timing.per_call_ns(batch_ns, [len(b) for b in batches]))


def flask_page_worker(ctx: Any) -> dict[str, Any]:
    """Median (p90) request time of the plain, gated and bootstrapped page, and the differences."""
    try:
        import flask  # noqa: F401
    except ImportError as exc:
        raise AdapterUnavailable(f"flask is not installed: {exc}") from exc
    users = json.loads(USERS_PATH.read_text(encoding="utf-8"))
    records = {u["_label"]: u for u in users}
    config = _config_name()
    rng = random.Random(SEED)
    n = REQUESTS[1 if ctx.quick else 0]
    environs = [_environ(users[rng.randrange(len(users))]) for _ in range(n)]

    if ctx.adapter_cls.key == "ours":
        apps = [_statsig_app(records, page, config) for page in (PAGE, BOOTSTRAP_PAGE)]
    else:
        adapter = ctx.adapter_cls(SpecsSource(V2_PATH))
        adapter.start()
        apps = [_hand_written_app(adapter, records, p, config) for p in (PAGE, BOOTSTRAP_PAGE)]
    plain = _time(_serve(_plain_app(config)), environs)
    gated, bootstrapped = (_time(_serve(app), environs) for app in apps)
    return {
        "rows": [
            {
                "key": "flask_plain",
                "label": "Flask page, flags hard-coded (no Statsig)",
                "unit": "µs",
                **plain,
            },
            {
                "key": "flask_gated",
                "label": "Flask page: view gate + 3 gate checks + 1 config",
                "unit": "µs",
                **gated,
            },
            {
                "key": "flask_bootstrap",
                "label": "Flask page: the same + bootstrap",
                "unit": "µs",
                **bootstrapped,
            },
            {
                "key": "flask_added",
                "label": "Flask page: added by the flags (median)",
                "unit": "µs",
                "value": gated["median"] - plain["median"],
            },
            {
                "key": "flask_added_bootstrap",
                "unit": "µs",
                "label": "Flask page: added by the flags + bootstrap (median)",
                "value": bootstrapped["median"] - plain["median"],
            },
        ],
        "info": {"requests": n, "gates": list(GATES), "config": config},
    }
