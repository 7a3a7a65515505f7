"""``statsig-core``: evaluate a specs file for users from the command line.

``eval`` prints, for every user, every gate, config, experiment and layer plus the user's
bootstrap; ``explain`` shows which rule and condition decided one check. Nothing is logged and
nothing touches the network.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson

from statsig_core.bootstrap import HASH_ALGORITHMS
from statsig_core.client import Statsig
from statsig_core.errors import SpecsFormatError
from statsig_core.introspection import KINDS, evaluate_all, explain
from statsig_core.options import StatsigOptions
from statsig_core.user import StatsigUser

__all__ = ["main"]


def _read_json(path: str, what: str) -> Any:
    try:
        return orjson.loads(Path(path).read_bytes())
    except OSError as exc:
        raise SystemExit(
            f"statsig-core: cannot read {what} {path}: {exc.strerror or exc}"
        ) from None
    except orjson.JSONDecodeError as exc:
        raise SystemExit(f"statsig-core: {what} {path} is not valid JSON: {exc}") from None


def _client(args: argparse.Namespace) -> Statsig:
    id_lists = _read_json(args.id_lists, "ID lists file") if args.id_lists else None
    options = StatsigOptions(
        environment=args.tier,
        id_lists=id_lists,
        disable_all_logging=True,
        local_mode=True,
    )
    statsig = Statsig(None, options)
    try:
        statsig.load_specs(Path(args.specs).read_bytes(), source="File")
    except OSError as exc:
        raise SystemExit(
            f"statsig-core: cannot read specs {args.specs}: {exc.strerror or exc}"
        ) from None
    except SpecsFormatError as exc:
        raise SystemExit(f"statsig-core: specs {args.specs}: {exc}") from None
    statsig.initialize()
    return statsig


def _users(raw: Any, source: str) -> list[tuple[str, StatsigUser]]:
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list):
        raise SystemExit(f"statsig-core: {source} must hold a JSON list of users")
    users = []
    for index, entry in enumerate(raw):
        if not isinstance(entry, dict):
            raise SystemExit(f"statsig-core: user #{index} in {source} is not an object")
        try:
            users.append((str(entry.get("_label", index)), StatsigUser.from_dict(entry)))
        except (TypeError, ValueError) as exc:
            raise SystemExit(f"statsig-core: user #{index} in {source}: {exc}") from None
    return users


def _bootstrap(statsig: Statsig, user: StatsigUser, args: argparse.Namespace) -> Any:
    build = getattr(statsig, "get_client_initialize_response", None)
    if build is None:
        return None
    return build(user, hash=args.hash, client_sdk_key=args.client_sdk_key)


def _cmd_eval(args: argparse.Namespace) -> int:
    statsig = _client(args)
    results = []
    for label, user in _users(_read_json(args.users, "users file"), args.users):
        entry: dict[str, Any] = {"label": label, **evaluate_all(statsig, user)}
        entry["client_initialize_response"] = _bootstrap(statsig, user, args)
        results.append(entry)
    _write({"results": results}, args.pretty)
    return 0


def _cmd_explain(args: argparse.Namespace) -> int:
    statsig = _client(args)
    raw = orjson.loads(args.user) if args.user.lstrip().startswith("{") else None
    if raw is None:
        raw = _read_json(args.user, "user file")
    (_label, user), *_ = _users(raw, "--user")
    explanation = explain(statsig, user, args.kind, args.name)
    if args.json:
        _write(explanation.to_dict(), True)
        return 0
    out = [
        f"{args.kind} {args.name!r} -> {explanation.value!r}",
        f"  rule_id: {explanation.rule_id!r}  group: {explanation.group_name!r}  "
        f"reason: {explanation.reason}",
        f"  decided by {explanation.decided_by}",
    ]
    for rule in explanation.rules:
        verdict = "matched" if rule.matched else "did not match"
        out.append(f"  rule {rule.rule_id!r} {verdict} (pass {rule.pass_percentage}%)")
        for cond in rule.conditions:
            mark = {True: "pass", False: "fail", None: "????"}[cond.passed]
            compared = (
                ""
                if cond.operator is None
                else (f" {cond.field or ''} = {cond.value!r} {cond.operator} {cond.target!r}")
            )
            out.append(f"    [{mark}] {cond.type}{compared}{' ' + cond.note if cond.note else ''}")
    sys.stdout.write("\n".join(out) + "\n")
    return 0


def _write(document: Any, pretty: bool) -> None:
    option = orjson.OPT_INDENT_2 if pretty else 0
    sys.stdout.buffer.write(orjson.dumps(document, option=option | orjson.OPT_NON_STR_KEYS) + b"\n")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="statsig-core", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    def common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--specs", required=True, help="download_config_specs JSON (v1 or v2)")
        sub.add_argument("--tier", help="environment tier, e.g. production")
        sub.add_argument("--id-lists", help='JSON file {"list_name": ["raw id", ...]}')

    run = commands.add_parser("eval", help="evaluate everything for every user")
    common(run)
    run.add_argument("--users", required=True, help="JSON list of users (official field names)")
    run.add_argument("--hash", default="djb2", choices=HASH_ALGORITHMS)
    run.add_argument("--client-sdk-key", help="client key, for target-app filtering")
    run.add_argument("--pretty", action="store_true", help="indent the JSON output")
    run.set_defaults(handler=_cmd_eval)

    why = commands.add_parser("explain", help="show which rule and condition decided one check")
    common(why)
    why.add_argument("--user", required=True, help="a user as inline JSON or a JSON file")
    why.add_argument("kind", choices=KINDS)
    why.add_argument("name")
    why.add_argument("--json", action="store_true", help="print the explanation as JSON")
    why.set_defaults(handler=_cmd_explain)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    raise SystemExit(main())
