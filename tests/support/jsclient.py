"""Install and drive the official ``@statsig/js-client`` so tests can check our bootstrap JSON.

The browser client is the judge of whether a bootstrap works, so the tests feed it the real thing
rather than a re-implementation of its lookup rules. The pinned version lives in
``tests/support/jsclient/package.json`` (+ lock); it is installed with ``npm ci`` into
``<repo>/.cache/jsclient`` (never committed) and reinstalled only when the pin or lock changes.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

HARNESS_DIR = Path(__file__).resolve().with_name("jsclient")
REPO_ROOT = Path(__file__).resolve().parents[2]
CACHE_ENV = "STATSIG_JSCLIENT_CACHE"
"""Environment variable that moves the install somewhere else (e.g. a CI cache volume)."""

PACKAGE = "@statsig/js-client"
MIN_NODE_MAJOR = 18
INSTALL_TIMEOUT = 600.0
_STAMP_NAME = ".installed-lock.json"


class JsClientUnavailable(RuntimeError):
    """Node, npm or the install is missing; the message says which."""


class JsClientError(RuntimeError):
    """The harness ran but did something it must never do (crash, touch the network, ...)."""


@dataclass(frozen=True)
class JsClientSetup:
    """Outcome of preparing the client: where it is, or why it is not there."""

    modules: Path | None
    reason: str | None = None
    version: str | None = None
    installed_now: bool = False
    install_seconds: float = 0.0


def cache_dir() -> Path:
    """Folder that holds ``node_modules`` for the harness (``<repo>/.cache/jsclient``)."""
    override = os.environ.get(CACHE_ENV)
    return Path(override).resolve() if override else REPO_ROOT / ".cache" / "jsclient"


def pinned_version() -> str:
    """The exact client version the tests expect, read from the harness package.json."""
    manifest = json.loads((HARNESS_DIR / "package.json").read_text(encoding="utf-8"))
    return str(manifest["dependencies"][PACKAGE])


def lock_stamp() -> str:
    """Fingerprint of package.json + lock; a change means the cache must be reinstalled."""
    digest = hashlib.sha256()
    for name in ("package.json", "package-lock.json"):
        digest.update(name.encode())
        digest.update(b"\0")
        digest.update((HARNESS_DIR / name).read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def _installed_version(modules: Path) -> str | None:
    manifest = modules / "@statsig" / "js-client" / "package.json"
    try:
        return str(json.loads(manifest.read_text(encoding="utf-8"))["version"])
    except (OSError, ValueError, KeyError):
        return None


def _install_is_current(root: Path) -> bool:
    """True when the cache was installed from this exact lock and still has the package."""
    try:
        stamp = json.loads((root / _STAMP_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if stamp.get("lock") != lock_stamp():
        return False
    return _installed_version(root / "node_modules") == pinned_version()


def _node_problem(node: str) -> str | None:
    """Why this node cannot run the harness, or None when it can."""
    try:
        out = subprocess.run(
            [node, "--version"], capture_output=True, text=True, timeout=30, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        return f"`node --version` failed: {exc}"
    match = re.match(r"v(\d+)\.", out.strip())
    if not match:
        return f"cannot read the node version from {out.strip()!r}"
    if int(match.group(1)) < MIN_NODE_MAJOR:
        return f"node {out.strip()} is too old (need >= {MIN_NODE_MAJOR})"
    return None


@contextlib.contextmanager
def _install_lock(root: Path) -> Iterator[None]:
    """Serialise installs across processes (pytest-xdist workers share one cache)."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".install.lock", "a+b") as handle:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: no cross-process lock, still works
            yield
            return
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _npm_ci(npm: str, root: Path) -> str | None:
    """Run ``npm ci`` in the cache folder; return an error message or None on success."""
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(HARNESS_DIR / name, root / name)
    env = dict(os.environ, npm_config_update_notifier="false", npm_config_fund="false")
    command = [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"]
    try:
        proc = subprocess.run(
            command, cwd=root, env=env, capture_output=True, text=True, timeout=INSTALL_TIMEOUT
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return f"`npm ci` could not run: {exc}"
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-15:])
        return f"`npm ci` failed with exit code {proc.returncode}:\n{tail}"
    return None


def _prepare(root: Path) -> JsClientSetup:
    node = shutil.which("node")
    if node is None:
        return JsClientSetup(None, "node is not installed (not found on PATH)")
    problem = _node_problem(node)
    if problem:
        return JsClientSetup(None, problem)
    modules = root / "node_modules"
    if _install_is_current(root):
        return JsClientSetup(modules, version=_installed_version(modules))
    npm = shutil.which("npm")
    if npm is None:
        return JsClientSetup(None, "npm is not installed (not found on PATH)")
    with _install_lock(root):
        if _install_is_current(root):  # another process installed it while we waited
            return JsClientSetup(modules, version=_installed_version(modules))
        (root / _STAMP_NAME).unlink(missing_ok=True)
        started = time.perf_counter()
        error = _npm_ci(npm, root)
        seconds = time.perf_counter() - started
        if error:
            return JsClientSetup(None, error, install_seconds=seconds)
        version = _installed_version(modules)
        if version != pinned_version():
            return JsClientSetup(
                None, f"npm installed {PACKAGE} {version}, expected {pinned_version()}"
            )
        stamp = {"lock": lock_stamp(), "version": version}
        tmp = root / (_STAMP_NAME + ".tmp")
        tmp.write_text(json.dumps(stamp), encoding="utf-8")
        tmp.replace(root / _STAMP_NAME)
    return JsClientSetup(modules, version=version, installed_now=True, install_seconds=seconds)


_setup_lock = threading.Lock()
_setup: JsClientSetup | None = None


def prepare_js_client(*, refresh: bool = False) -> JsClientSetup:
    """Install the pinned client if needed (once per process) and say how it went."""
    global _setup
    with _setup_lock:
        if _setup is None or refresh:
            _setup = _prepare(cache_dir())
        return _setup


def ensure_js_client() -> Path | None:
    """The ``node_modules`` folder holding the client, or None (js_client_unavailable_reason())."""
    return prepare_js_client().modules


def js_client_unavailable_reason() -> str | None:
    """Why ensure_js_client() returned None; None when the client is available."""
    return prepare_js_client().reason


def _check_no_network(document: dict[str, Any]) -> None:
    attempts = list(document.get("stray_network_attempts") or [])
    for result in document.get("results", []):
        attempts.extend(result.get("network_attempts") or [])
    if attempts:
        raise JsClientError(f"the js-client tried to reach the network: {attempts[:5]}")


def pack_cases(cases: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Build the input document, sending each bootstrap shared by several cases only once.

    Cases that hold the *same* bootstrap object (identity, not equality: cheap and exact) refer
    to one entry of a top-level ``bootstraps`` table through ``bootstrap_ref``.
    """
    uses = Counter(
        id(case["bootstrap"]) for case in cases if isinstance(case.get("bootstrap"), dict | str)
    )
    refs: dict[int, str] = {}
    table: dict[str, Any] = {}
    packed = []
    for case in cases:
        bootstrap = case.get("bootstrap")
        if isinstance(bootstrap, dict | str) and uses[id(bootstrap)] > 1:
            ref = refs.setdefault(id(bootstrap), f"b{len(refs)}")
            table[ref] = bootstrap
            case = {key: value for key, value in case.items() if key != "bootstrap"}
            case["bootstrap_ref"] = ref
        packed.append(case)
    return {"bootstraps": table, "cases": packed}


def run_js_client_document(cases: Sequence[dict[str, Any]], timeout: float = 120) -> dict[str, Any]:
    """Run cases through the client and return the whole output document (with timings)."""
    setup = prepare_js_client()
    if setup.modules is None:
        raise JsClientUnavailable(setup.reason or "the js-client is unavailable")
    node = shutil.which("node")
    if node is None:  # pragma: no cover - removed from PATH after setup
        raise JsClientUnavailable("node is not installed (not found on PATH)")
    payload = orjson.dumps(pack_cases(cases))
    command = [node, str(HARNESS_DIR / "evaluate.mjs"), "--modules", str(setup.modules)]
    try:
        proc = subprocess.run(command, input=payload, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise JsClientError(f"evaluate.mjs took longer than {timeout}s") from exc
    stderr = proc.stderr.decode("utf-8", "replace").strip()
    if proc.returncode != 0:
        raise JsClientError(f"evaluate.mjs exited with {proc.returncode}: {stderr}")
    try:
        document: dict[str, Any] = orjson.loads(proc.stdout)
    except orjson.JSONDecodeError as exc:
        raise JsClientError(f"evaluate.mjs printed invalid JSON ({exc}); stderr: {stderr}") from exc
    if document.get("client_version") != pinned_version():
        raise JsClientError(
            f"loaded {PACKAGE} {document.get('client_version')}, pinned {pinned_version()}"
        )
    results = document.get("results", [])
    if [r.get("id") for r in results] != [c.get("id") for c in cases]:
        raise JsClientError("evaluate.mjs returned results that do not line up with the cases")
    _check_no_network(document)
    return document


def run_js_client(cases: Sequence[dict[str, Any]], timeout: float = 120) -> list[dict[str, Any]]:
    """Feed each case's bootstrap to a fresh offline client; one result per case, same order.

    A case is ``{"id", "client_key", "bootstrap" (dict or JSON string), "user" (JS shape),
    "disable_stable_id", "gates", "configs", "experiments", "layers": {name: [params]}}``;
    optional ``"options"`` (extra StatsigOptions) and ``"exposures": true`` (also report the
    exposure events the client would log). Raises JsClientUnavailable / JsClientError.
    """
    return list(run_js_client_document(cases, timeout)["results"])


@dataclass(frozen=True)
class JsClient:
    """What the ``js_client`` fixture hands to tests: a ready client install and a runner."""

    modules: Path
    version: str

    def run(self, cases: Sequence[dict[str, Any]], timeout: float = 120) -> list[dict[str, Any]]:
        """Same as run_js_client()."""
        return run_js_client(cases, timeout)

    def run_one(self, case: dict[str, Any], timeout: float = 120) -> dict[str, Any]:
        """Run a single case and return its result."""
        return run_js_client([case], timeout)[0]
