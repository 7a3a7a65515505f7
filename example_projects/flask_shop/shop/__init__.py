"""Kiln & Co, the Flask example shop: ``flask --app shop run`` (or ``python3 dev.py flask``).

Everything runs locally by default: no Statsig account, no network. Specs come from
``example_projects/shop_specs.json``, events are appended to ``events.jsonl`` in this folder,
and the browser SDK is served by the app from the npm package that ``python3 dev.py flask``
installs. Environment variables (all optional): ``STATSIG_SERVER_SECRET`` /
``STATSIG_CLIENT_KEY`` to use your Statsig project, ``STATSIG_EVENT_TRANSPORT=celery`` with
``CELERY_BROKER_URL`` to send events through a Celery worker (``celery -A make_celery worker``),
``SHOP_EVENTS_FILE`` to move the events file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

from statsig_flask import StatsigFlask, endpoints

APP_DIR = Path(__file__).resolve().parent.parent
EXAMPLES_DIR = APP_DIR.parent
REPO_DIR = EXAMPLES_DIR.parent

statsig = StatsigFlask()


def _js_client_file() -> Path:
    """The official browser SDK's UMD build in the npm install the test-suite pins."""
    cache = os.environ.get("STATSIG_JSCLIENT_CACHE") or REPO_DIR / ".cache" / "jsclient"
    return Path(cache) / "node_modules/@statsig/js-client/build/statsig-js-client.min.js"


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The shop, configured from the environment (then ``config``, for tests)."""
    app = Flask(__name__, static_folder=str(EXAMPLES_DIR / "static"), static_url_path="/static")
    events_file = Path(os.environ.get("SHOP_EVENTS_FILE") or APP_DIR / "events.jsonl")
    app.config.from_mapping(
        SECRET_KEY=os.environ.get("SHOP_SECRET_KEY", "flask-insecure-kiln-example-only"),
        SHOP_CATALOG_FILE=EXAMPLES_DIR / "catalog.json",
        SHOP_DEMO_USERS_FILE=EXAMPLES_DIR / "demo_users.json",
        SHOP_EVENTS_FILE=events_file,
        SHOP_JS_CLIENT_FILE=_js_client_file(),
        STATSIG_SERVER_SECRET=os.environ.get("STATSIG_SERVER_SECRET") or None,
        STATSIG_CLIENT_KEY=os.environ.get("STATSIG_CLIENT_KEY") or "client-kiln-local-demo",
        STATSIG_SPECS_FILE=str(EXAMPLES_DIR / "shop_specs.json"),
        STATSIG_ENVIRONMENT="development",
        STATSIG_EVENT_TRANSPORT=os.environ.get("STATSIG_EVENT_TRANSPORT") or None,
        # statsig_bootstrap() loads the SDK from this app (views.js_client), not from a CDN,
        # and the SDK sends its exposures here (statsig_flask.endpoints) instead of to Statsig.
        STATSIG_CLIENT_SCRIPT_URL="/assets/statsig-js-client.min.js",
        STATSIG_CLIENT_OPTIONS={
            "networkConfig": {"api": "/statsig", "sdkExceptionUrl": "/statsig/sdk_exception"},
        },
        STATSIG_OPTIONS={
            "local_event_log": str(events_file),  # local mode: one JSON line per event
            "event_flush_interval": 1.0,  # so exposures show up in the file while you click
        },
        CELERY={
            "broker_url": os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0"),
            "task_ignore_result": True,
        },
    )
    app.config.update(config or {})

    from shop import demo, views

    statsig.init_app(app)
    statsig.user_loader(demo.load_user)
    if app.config["STATSIG_EVENT_TRANSPORT"] == "celery":
        from statsig_flask.celery import celery_init_app

        celery_init_app(app)
    app.before_request(demo.switch_from_query)
    app.context_processor(demo.shop_context)
    app.register_blueprint(views.store)
    # The browser SDK's initialize and rgstr (its events), from the library.
    app.register_blueprint(endpoints.blueprint, url_prefix="/statsig")
    app.register_blueprint(views.sdk_errors)
    return app
