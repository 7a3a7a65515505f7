"""The ``django`` suite: one gated Django page under statsig_django and under django-waffle.

Two configurations, one subprocess each (Django settings are per process):

* ``ours``: ``StatsigMiddleware``, ``@feature_gate`` on the view, ``{% if_gate %}`` three times
  on two gates in the template, and ``{% statsig_bootstrap %}`` (the visitor's values for the
  browser SDK). Local mode from the generated specs; a ``USER_BUILDER`` adds the visitor's
  record (email, country, plan...) as a session lookup would, and the stable ID comes from the
  cookie (a returning visitor: nothing to set).
* ``waffle``: django-waffle 5 the way its docs show it: ``WaffleMiddleware``, ``@waffle_flag``,
  ``{% flag %}`` three times on two flags and ``{% wafflejs %}``; the flags live in SQLite and
  are served from Django's local-memory cache after the first request (a cached flag), the
  percentage flag's decision comes from its cookie.

Each worker also times the same page without the bootstrap block and a page with the flags
hard-coded (middleware installed, nothing evaluated). Requests go straight into Django's
``WSGIHandler`` with a prepared environ: no test client, no socket.
"""

from __future__ import annotations

import hashlib
import io
import json
import random
import sys
import types
import uuid
from collections.abc import Callable
from typing import Any

from benchmarks import _timing
from benchmarks._adapters import AdapterUnavailable, user_kwargs
from benchmarks.specs_gen import USERS_PATH, V2_PATH

REQUESTS = (3_000, 300)  # (full, quick)
SEED = 5_151
#: From the generated specs: the view's gate passes for everyone after two targeting rules, the
#: first template gate has a ``pass_gate`` condition, the second is keyed on stableID.
GATES = ("search_dark_mode", "checkout_promo", "dashboard_beta")
WAFFLE_FLAGS = ("shop_open", "new_banner", "fast_checkout")

BODY = (
    "<h1>Shop</h1>{IF1}<p>new banner</p>{ELSE}<p>old banner</p>{END}"
    "{IF2}<p>fast checkout</p>{ELSE}<p>slow checkout</p>{END}{IF1}<p>again</p>{END}"
)


def _tags(open_tag: str, names: tuple[str, ...], end: str) -> dict[str, str]:
    return {"IF1": open_tag % names[1], "IF2": open_tag % names[2], "ELSE": "{% else %}",
            "END": end}  # fmt: skip


#: key -> (load tag, bootstrap block, template tags)
PAGES = {
    "ours": ("{% load statsig %}", "{% statsig_bootstrap %}",
             _tags('{%% if_gate "%s" %%}', GATES, "{% endif_gate %}")),
    "waffle": ("{% load waffle_tags %}", "<script>{% wafflejs %}</script>",
               _tags('{%% flag "%s" %%}', WAFFLE_FLAGS, "{% endflag %}")),
}  # fmt: skip
PLAIN = {"IF1": "{% if True %}", "IF2": "{% if True %}", "ELSE": "{% else %}", "END": "{% endif %}"}


def _templates(key: str) -> dict[str, str]:
    load, bootstrap, tags = PAGES[key]
    body = BODY.format(**tags)
    html = "<!doctype html><html><head>{head}</head><body>{body}</body></html>"
    return {
        "full.html": load + html.format(head=bootstrap, body=body),
        "lite.html": load + html.format(head="", body=body),
        "plain.html": html.format(head="", body=BODY.format(**PLAIN)),
    }


def _stable_id(record: dict[str, Any]) -> str:
    """The visitor's stable ID (one minted on an earlier visit for users without one)."""
    given = (record.get("customIDs") or {}).get("stableID")
    return given or str(uuid.UUID(bytes=hashlib.md5(record["_label"].encode()).digest(), version=4))


def _environ(record: dict[str, Any], path: str) -> dict[str, Any]:
    cookie = f"statsig_stable_id={_stable_id(record)}"
    cookie += f"; dwf_{WAFFLE_FLAGS[1]}={'True' if _stable_id(record) < '8' else 'False'}"
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "198.51.100.7",
        "HTTP_HOST": "testserver",
        "HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
        "HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.8",
        "HTTP_COOKIE": cookie,
        "HTTP_X_USER": record["_label"],
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
    }


def _configure(key: str, records: dict[str, dict[str, Any]]) -> None:
    import django
    from django.conf import settings
    from django.shortcuts import render
    from django.urls import path

    def render_page(name: str) -> Callable[..., Any]:
        return lambda request: render(request, name)

    if key == "ours":
        from statsig_core import StatsigUser
        from statsig_django.decorators import feature_gate

        def add_record(request: Any, user: StatsigUser) -> StatsigUser:
            record = records[request.META["HTTP_X_USER"]]
            fields = user_kwargs({k: v for k, v in record.items() if k != "customIDs"})
            return user.with_changes(**fields)

        app, middleware = "statsig_django", "statsig_django.middleware.StatsigMiddleware"
        gate = feature_gate(GATES[0])
    else:
        from waffle.decorators import waffle_flag

        app, middleware = "waffle", "waffle.middleware.WaffleMiddleware"
        gate = waffle_flag(WAFFLE_FLAGS[0])
    urls = types.ModuleType("benchmark_django_urls")
    urls.urlpatterns = [  # type: ignore[attr-defined]
        path("full/", gate(render_page("full.html"))),
        path("lite/", gate(render_page("lite.html"))),
        path("plain/", render_page("plain.html")),
    ]
    sys.modules[urls.__name__] = urls
    settings.configure(
        DEBUG=False,
        SECRET_KEY="benchmark",
        ALLOWED_HOSTS=["testserver"],
        ROOT_URLCONF=urls.__name__,
        INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth",
                        "django.contrib.sessions", app],
        MIDDLEWARE=["django.contrib.sessions.middleware.SessionMiddleware",
                    "django.contrib.auth.middleware.AuthenticationMiddleware", middleware],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
        TEMPLATES=[{
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "OPTIONS": {
                "context_processors": ["django.template.context_processors.request"],
                "loaders": [("django.template.loaders.cached.Loader", [
                    ("django.template.loaders.locmem.Loader", _templates(key)),
                    "django.template.loaders.app_directories.Loader"])],
            },
        }],
        STATSIG={
            "SPECS_FILE": str(V2_PATH),
            "ENVIRONMENT": "production",
            "CLIENT_KEY": "client-benchmark",
            "USER_BUILDER": add_record if key == "ours" else None,
            "OPTIONS": {"local_event_log": None},
        },
        USE_TZ=True,
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
    )  # fmt: skip
    django.setup()
    if key == "waffle":
        from django.core.management import call_command
        from waffle.models import Flag

        call_command("migrate", verbosity=0)
        Flag.objects.create(name=WAFFLE_FLAGS[0], everyone=True)
        Flag.objects.create(name=WAFFLE_FLAGS[1], percent=50)
        Flag.objects.create(name=WAFFLE_FLAGS[2], everyone=None, authenticated=True)


def _serve() -> tuple[Callable[[dict[str, Any]], int], list[str]]:
    from django.core.handlers.wsgi import WSGIHandler

    handler = WSGIHandler()
    statuses: list[str] = []

    def start_response(status: str, headers: list[Any], exc_info: Any = None) -> None:
        statuses.append(status)

    def call(environ: dict[str, Any]) -> int:
        request_environ = dict(environ)
        request_environ["wsgi.input"] = io.BytesIO()
        body = handler(request_environ, start_response)
        size = sum(len(chunk) for chunk in body)
        body.close()
        return size

    return call, statuses


def _time(serve: Callable[[dict[str, Any]], int], environs: list[dict[str, Any]]) -> dict[str, Any]:
    plan = [(environ,) for environ in environs]
    _timing.run_batches(serve, _timing.chunk(plan[: max(10, len(plan) // 10)], _timing.BATCH))
    _timing.settle()
    batches = _timing.chunk(plan, _timing.BATCH)
    batch_ns = _timing.run_batches(serve, batches)
    return _timing.summarize(_timing.per_call_ns(batch_ns, [len(b) for b in batches]))


def django_page_worker(ctx: Any) -> dict[str, Any]:
    """Median (p90) request time of the full, lite and plain pages for one configuration."""
    key = ctx.adapter_cls.key
    if key not in PAGES:
        raise AdapterUnavailable(f"the django suite compares ours with waffle, not {key}")
    try:
        import django  # noqa: F401

        if key == "waffle":
            import waffle  # noqa: F401
    except ImportError as exc:
        raise AdapterUnavailable(f"not installed: {exc}") from exc
    users = json.loads(USERS_PATH.read_text(encoding="utf-8"))
    _configure(key, {user["_label"]: user for user in users})
    rng = random.Random(SEED)
    n = REQUESTS[1 if ctx.quick else 0]
    chosen = [users[rng.randrange(len(users))] for _ in range(n)]
    serve, statuses = _serve()
    results = {page: _time(serve, [_environ(u, f"/{page}/") for u in chosen])
               for page in ("plain", "lite", "full")}  # fmt: skip
    rows = [
        {"key": "django_plain", "unit": "µs", **results["plain"],
         "label": "Django page, flags hard-coded (middleware installed)"},
        {"key": "django_lite", "unit": "µs", **results["lite"],
         "label": "Django page: view gate + 3 template checks (2 gates)"},
        {"key": "django_full", "unit": "µs", **results["full"],
         "label": "Django page: view gate + 3 template checks + bootstrap"},
        {"key": "django_added", "unit": "µs",
         "value": results["full"]["median"] - results["plain"]["median"],
         "label": "Django page: added by flags + bootstrap (median)"},
    ]  # fmt: skip
    if set(statuses) != {"200 OK"}:  # a failing page would be timed as a fast one
        raise RuntimeError(f"the pages did not all answer 200: {sorted(set(statuses))}")
    return {"rows": rows, "info": {"requests": n, "gates": GATES, "waffle_flags": WAFFLE_FLAGS}}
