"""A Flask app with ``StatsigFlask`` as a WSGI app for gunicorn (see test_gunicorn.py): specs and
events go to the fake Statsig API at ``STATSIG_TEST_API``."""

from __future__ import annotations

import os
import time

from flask import Flask, jsonify, request
from flask.typing import ResponseReturnValue

from statsig_flask import StatsigFlask, current_statsig

statsig = StatsigFlask()


def create_app() -> Flask:
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY="gunicorn-test",
        STATSIG_SERVER_SECRET="secret-gunicorn-flask-test",
        STATSIG_EVENT_TRANSPORT="http",
        # Events wait for the worker's exit, so what arrives proves each worker's shutdown flush.
        STATSIG_OPTIONS={"api": os.environ["STATSIG_TEST_API"], "event_flush_interval": 600},
    )
    statsig.init_app(app)

    @app.get("/nothing/")
    def nothing() -> str:
        return "plain"

    @app.get("/worker/")
    def worker() -> ResponseReturnValue:
        time.sleep(float(request.args.get("sleep", 0)))
        return jsonify(pid=os.getpid(), gate=current_statsig.check_gate("beta"))

    return app


application = create_app()
