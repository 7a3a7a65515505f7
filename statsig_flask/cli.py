"""``flask statsig ...``: list, evaluate and explain checks, print a bootstrap, flush, status.

Every command runs in the app context with the app's own client and config. Evaluation commands
log no exposures: they are read-only looks at what the evaluator decides (``statsig_core``'s
introspection), so poking at production specs from a shell does not skew experiments.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click
import orjson
from flask.cli import AppGroup

from statsig_core import StatsigUser
from statsig_core.introspection import KINDS, evaluate_all, explain
from statsig_flask.extension import get_state

__all__ = ["statsig_cli"]

F = TypeVar("F", bound=Callable[..., Any])
_TABLES = {"gate": "gates", "config": "configs", "experiment": "experiments", "layer": "layers"}

statsig_cli = AppGroup("statsig", help="Inspect this app's Statsig gates, configs and events.")


def _echo_json(data: Any) -> None:
    click.echo(orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode())


def _user_options(command: F) -> F:
    """``--user JSON`` (official field names) plus shortcuts for the common ids."""
    command = click.option("--email", help="The user's email.")(command)
    command = click.option("--user-id", help="The user's userID.")(command)
    return click.option(
        "--user", "user_json", metavar="JSON", help='A user object, e.g. \'{"userID": "42"}\'.'
    )(command)


def _user(user_json: str | None, user_id: str | None, email: str | None) -> StatsigUser:
    data: dict[str, Any] = {}
    if user_json:
        try:
            data = orjson.loads(user_json)
        except orjson.JSONDecodeError as exc:
            raise click.BadParameter(f"not valid JSON: {exc}", param_hint="--user") from None
        if not isinstance(data, dict):
            raise click.BadParameter("must be a JSON object", param_hint="--user")
    if user_id is not None:
        data["userID"] = user_id
    if email is not None:
        data["email"] = email
    try:
        return StatsigUser.from_dict(data)
    except (TypeError, ValueError) as exc:
        raise click.BadParameter(str(exc), param_hint="--user") from None


@statsig_cli.command("list")
@click.option("--kind", type=click.Choice(KINDS), help="Only this kind of spec.")
def list_command(kind: str | None) -> None:
    """List the names of the gates, configs, experiments and layers in the loaded specs."""
    evaluator = get_state().client.evaluator
    names: dict[str, list[str]] = {
        "gates": sorted(evaluator.gates),
        "configs": sorted(n for n, s in evaluator.configs.items() if s.entity != "experiment"),
        "experiments": sorted(n for n, s in evaluator.configs.items() if s.entity == "experiment"),
        "layers": sorted(evaluator.layers),
    }
    for table, entries in names.items():
        if kind is not None and table != _TABLES[kind]:
            continue
        click.secho(f"{table} ({len(entries)})", bold=True)
        for name in entries:
            click.echo(f"  {name}")


@statsig_cli.command("eval")
@_user_options
@click.argument("names", nargs=-1)
def eval_command(
    names: tuple[str, ...], user_json: str | None, user_id: str | None, email: str | None
) -> None:
    """Evaluate everything (or only NAMES) for a user, as JSON. Logs no exposures."""
    results = evaluate_all(get_state().client, _user(user_json, user_id, email))
    if names:
        wanted = set(names)
        results = {
            table: {n: v for n, v in entries.items() if n in wanted}
            for table, entries in results.items()
        }
        missing = wanted - {n for entries in results.values() for n in entries}
        if missing:
            raise click.ClickException(f"not in the specs: {', '.join(sorted(missing))}")
    _echo_json(results)


@statsig_cli.command("explain")
@_user_options
@click.argument("kind", type=click.Choice(KINDS))
@click.argument("name")
def explain_command(
    kind: str, name: str, user_json: str | None, user_id: str | None, email: str | None
) -> None:
    """Show which rule and condition decided one check for a user."""
    explanation = explain(get_state().client, _user(user_json, user_id, email), kind, name)
    _echo_json(explanation.to_dict())


@statsig_cli.command("bootstrap")
@_user_options
@click.option("--html", is_flag=True, help="Print the HTML snippet rather than the JSON.")
def bootstrap_command(
    html: bool, user_json: str | None, user_id: str | None, email: str | None
) -> None:
    """Print a user's bootstrap for the browser SDK (the app's hash and client key)."""
    state = get_state()
    settings = state.settings
    payload = state.client.get_client_initialize_response(
        _user(user_json, user_id, email),
        hash=settings.bootstrap_hash,
        client_sdk_key=settings.client_key,
    )
    if payload is None:
        raise click.ClickException("no bootstrap: the client has no specs")
    if not html:
        _echo_json(payload)
        return
    from statsig_core.bootstrap.html import initializer_options, render_bootstrap

    options = initializer_options(
        settings.client_key, None, settings.client_script_url, settings.client_options
    )
    click.echo(render_bootstrap(payload, **options))


@statsig_cli.command("flush")
@click.option("--test-event", metavar="NAME", help="Log a custom event first (a smoke test).")
def flush_command(test_event: str | None) -> None:
    """Deliver this process's queued events through the app's transport; exit 1 on failure.

    With ``--test-event`` it proves the configured pipeline (HTTP, Celery, local sink) end to end.
    """
    client = get_state().client
    if test_event:
        client.log_event(StatsigUser(user_id="statsig-cli"), test_event)
    ok = client.flush()
    _echo_json({"delivered": ok, "events": client.health()["events"]})
    if not ok:
        raise SystemExit(1)


@statsig_cli.command("status")
def status_command() -> None:
    """Where specs came from, how old they are, and the event pipeline's counts."""
    state = get_state()
    settings = state.settings
    secret = settings.server_secret
    health = state.client.health()
    transport = state.client.event_logger.transport if state.client.event_logger else None
    _echo_json(
        {
            "mode": "local" if state.client.local_mode else "api",
            "server_secret": f"secret-...{secret[-4:]}" if secret else None,
            "client_key": settings.client_key,
            "environment": settings.options.environment,
            "event_transport": type(transport).__name__ if transport else None,
            **health,
        }
    )
