"""The ``StatsigFlask`` extension: one object serving any number of apps (app-factory friendly).

Per-app state lives in ``app.extensions["statsig"]``, never on the extension object, so one
``statsig = StatsigFlask()`` at module level can be ``init_app``-ed onto several apps with
different configs. Each app gets its own ``Statsig`` client, created on first use in each process,
so ``gunicorn --preload`` forks a master that has started no threads.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import weakref
from typing import cast

from flask import Flask, Response, current_app, g
from werkzeug.local import LocalProxy

from statsig_core import Statsig, StatsigUser
from statsig_core.web import BoundStatsig, customized_user
from statsig_flask.config import Settings, UserLoader, load_settings, resolve_user_loader
from statsig_flask.qa_overrides import session_overrides
from statsig_flask.users import default_user, finish_response, vary_on_cookie

__all__ = [
    "StatsigFlask",
    "StatsigState",
    "current_statsig",
    "gate_passes",
    "get_state",
    "mark_bootstrapped",
    "request_statsig",
]

logger = logging.getLogger("statsig_flask")

_BOUND = "_statsig_bound"
_BOOTSTRAPPED = "_statsig_bootstrapped"
_live: weakref.WeakSet[StatsigState] = weakref.WeakSet()


class StatsigState:
    """One app's settings and lazily created client: the ``app.extensions["statsig"]`` entry."""

    def __init__(self, extension: StatsigFlask, settings: Settings) -> None:
        self.extension = extension
        self.settings = settings
        self._client: Statsig | None = None
        self._lock = threading.Lock()
        _live.add(self)

    @property
    def client(self) -> Statsig:
        """This process's client, created and initialized on first use."""
        client = self._client
        if client is not None:
            return client
        with self._lock:
            if self._client is None:
                settings = self.settings
                client = Statsig(settings.server_secret, settings.options)
                details = client.initialize(timeout=settings.options.init_timeout)
                if not details.init_success:
                    logger.warning(
                        "statsig: no specs loaded (%s); checks return defaults", details.error
                    )
                self._client = client
            return self._client

    @property
    def has_client(self) -> bool:
        """Whether this process has created its client yet (nothing is started before that)."""
        return self._client is not None

    def client_or_none(self) -> Statsig | None:
        """The client, or None if it cannot be created: requests then get defaults, not errors."""
        try:
            return self.client
        except Exception:
            logger.exception("statsig: creating the Statsig client failed; checks return defaults")
            return None

    def build_user(self) -> StatsigUser:
        """The default user, passed through the app's user loader when there is one."""
        user = default_user(self.settings)
        loader = self.settings.user_loader or self.extension._user_loader
        if loader is None:
            return user
        return customized_user(user, lambda: loader(user), "the user loader", logger)

    def after_request(self, response: Response) -> Response:
        finish_response(response, self.settings)
        if g.get(_BOOTSTRAPPED):
            # The page carries this visitor's evaluations: no shared cache may keep it.
            response.cache_control.public = False
            response.cache_control.private = True
            vary_on_cookie(response)
        return response

    def shutdown(self, timeout: float = 5.0) -> None:
        """Flush and stop this process's client; a later check creates a fresh one."""
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.shutdown(timeout)

    def _after_fork(self) -> None:
        # The parent's client (and a lock it may have held) belong to the parent.
        self._lock = threading.Lock()
        self._client = None


class StatsigFlask:
    """Statsig feature gates, configs, experiments and layers for Flask apps.

    ``statsig = StatsigFlask(app)``, or ``statsig = StatsigFlask()`` then ``statsig.init_app(app)``
    in an app factory. Config keys, read with ``app.config.setdefault`` and validated by
    ``init_app`` (every problem is reported in one ``StatsigValueError``):

    ``STATSIG_SERVER_SECRET``
        ``secret-...``: talk to Statsig's API. Default ``None`` (local mode).
    ``STATSIG_CLIENT_KEY``
        ``client-...``: embedded in bootstraps for the browser SDK. A server secret is refused.
    ``STATSIG_SPECS_FILE``
        A download_config_specs JSON file (v1 or v2). Required without a server secret (unless
        ``STATSIG_OPTIONS`` gives ``specs_path``, ``bootstrap_values`` or ``data_store``).
    ``STATSIG_ENVIRONMENT``
        Environment tier (``production``, ``staging``, ...). Default ``None``.
    ``STATSIG_EVENT_TRANSPORT``
        ``"http"``, ``"celery"``, ``"local"`` or an ``EventTransport`` object. Default ``None``:
        ``http`` with a secret, ``local`` without.
    ``STATSIG_TRUSTED_PROXY_COUNT``
        How many proxies in front of the app append to ``X-Forwarded-For``. Default ``0``: the
        header is ignored (a visitor could otherwise choose the IP targeting sees). Leave it at 0
        when werkzeug's ``ProxyFix`` already rewrites ``remote_addr``.
    ``STATSIG_STABLE_ID_COOKIE_ENABLED``
        Whether anonymous visitors get a stable-ID cookie at all. Default ``True``.
    ``STATSIG_STABLE_ID_COOKIE_CONSENT``
        A callable (or dotted path) ``() -> bool`` asked within the request (it reads
        ``flask.request``). False: no stable ID is read, minted or set, and an existing cookie is
        deleted (consent withdrawn). Default ``None``: no consent needed.
    ``STATSIG_STABLE_ID_COOKIE_NAME`` / ``_MAX_AGE`` / ``_DOMAIN``
        Default ``"statsig_stable_id"``, one year, host-only. The cookie is a server-minted uuid4,
        ``HttpOnly``, ``SameSite=Lax``, and ``Secure`` on HTTPS requests.
    ``STATSIG_USER_LOADER``
        A callable (or dotted path) ``(default_user) -> StatsigUser``; wins over
        :meth:`user_loader`. Default ``None``.
    ``STATSIG_INIT_TIMEOUT``
        Seconds the first check in a process waits for specs. Default ``None`` (the core's 3 s).
    ``STATSIG_BOOTSTRAP_HASH``
        ``"djb2"`` (default; what the JS client reads), ``"none"`` or ``"sha256"``.
    ``STATSIG_CLIENT_NAMES``
        Names of the gates, configs, experiments and layers the browser may see in
        ``statsig_bootstrap()``. Default ``None``: all of them.
    ``STATSIG_CLIENT_SCRIPT_URL``
        Where ``statsig_bootstrap()`` loads the browser SDK from. Default ``None``: the core's
        pinned CDN URL (with subresource integrity); ``""``: the page loads it itself.
    ``STATSIG_CLIENT_OPTIONS``
        Extra JSON ``StatsigOptions`` for that browser SDK, e.g. ``{"networkConfig": {"api":
        "/statsig"}}`` to send its events to your own endpoint. Default ``None``.
    ``STATSIG_OPTIONS``
        A dict of further ``StatsigOptions`` fields, passed through. The keys above win over it.
    ``STATSIG_LOG_EVENT``
        Limits of the browser event endpoint in :mod:`statsig_flask.endpoints`: ``MAX_BYTES``
        (64 KiB), ``MAX_EVENTS`` (100) per post, ``RATE`` (120 per minute) and ``BURST`` (60)
        per visitor, and ``ALLOW_CROSS_SITE`` (False). Default ``None``: those defaults.
    ``STATSIG_QA_ACCESS``
        A callable (or dotted path) ``() -> bool`` saying whether the current request's user may
        use the QA override page and per-session overrides (:mod:`statsig_flask.qa_overrides`),
        e.g. ``lambda: current_user.is_authenticated and current_user.is_admin``. Needs
        ``SECRET_KEY``. Default ``None``: nobody; the page is a 404 and sessions are not read.
    """

    def __init__(self, app: Flask | None = None) -> None:
        self._user_loader: UserLoader | None = None
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Validate the app's config and register the hooks, template helpers and CLI."""
        if "statsig" in app.extensions:
            raise RuntimeError(
                "A 'StatsigFlask' instance has already been registered on this Flask app."
                " Import and use that instance instead."
            )
        from statsig_flask.cli import statsig_cli
        from statsig_flask.jinja import install_jinja

        state = StatsigState(self, load_settings(app.config))
        app.extensions["statsig"] = state
        if "celery" in app.extensions:  # Celery set up first: publish batches through it
            from statsig_flask.celery import connect_statsig

            connect_statsig(state, app.extensions["celery"])
        app.after_request(state.after_request)
        install_jinja(app)
        app.cli.add_command(statsig_cli)

    def user_loader(self, loader: UserLoader) -> UserLoader:
        """Decorator: ``loader(default_user) -> StatsigUser`` customises every request's user."""
        try:
            self._user_loader = resolve_user_loader(loader)
        except ValueError as exc:
            raise TypeError(f"user_loader: {exc}") from None
        return loader

    def get_client(self, app: Flask | None = None) -> Statsig:
        """The app's ``Statsig`` client (the current app by default)."""
        return get_state(app).client

    def for_user(self, user: StatsigUser, app: Flask | None = None) -> BoundStatsig:
        """Memoized checks for an explicit user: background jobs, CLI commands, scripts."""
        return BoundStatsig(get_state(app).client_or_none(), user)

    def shutdown(self, app: Flask | None = None, timeout: float = 5.0) -> None:
        """Flush the app's events and stop its client (also done at interpreter exit)."""
        get_state(app).shutdown(timeout)


def get_state(app: Flask | None = None) -> StatsigState:
    """The ``app.extensions["statsig"]`` entry, with a clear error when it is missing."""
    target = app if app is not None else current_app
    state = target.extensions.get("statsig")
    if state is None:
        raise RuntimeError(
            "This Flask app is not registered with StatsigFlask; call statsig.init_app(app)."
        )
    return cast(StatsigState, state)


def request_statsig() -> BoundStatsig:
    """The current request's ``BoundStatsig`` (made on first use): what ``current_statsig``
    proxies, without the proxy's cost on hot paths."""
    bound: BoundStatsig | None = g.get(_BOUND)
    if bound is None:
        state = get_state()
        access = state.settings.qa_access
        overrides = None if access is None else (lambda: session_overrides(access))
        bound = BoundStatsig(state.client_or_none(), state.build_user, overrides)
        setattr(g, _BOUND, bound)
    return bound


#: The current request's memoized checks (``current_statsig.check_gate("name")``); within an app
#: context without a request it checks for an empty user.
current_statsig: BoundStatsig = cast(BoundStatsig, LocalProxy(request_statsig))


def gate_passes(name: str) -> bool:
    """``check_gate`` for the current request, where ``"!name"`` means the gate is off."""
    return request_statsig().gate_passes(name)


def mark_bootstrapped() -> None:
    """Remember that this response embeds per-visitor data (see ``after_request``)."""
    setattr(g, _BOOTSTRAPPED, True)


def _shutdown_all() -> None:
    for state in list(_live):
        try:
            state.shutdown(timeout=2.0)
        except Exception:
            logger.exception("statsig: shutdown at exit failed")


def _after_fork_in_child() -> None:
    for state in list(_live):
        state._after_fork()


atexit.register(_shutdown_all)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
