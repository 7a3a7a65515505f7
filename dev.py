#!/usr/bin/env python3
"""Project commands that need nothing but Python 3.11 and the package registries.

    python3 dev.py test [pytest args]   set everything up, run the full test suite
    python3 dev.py django               set up, run the Django example on 127.0.0.1:8000
    python3 dev.py flask                set up, run the Flask example on 127.0.0.1:5000
                                        (both also install the browser SDK the pages load,
                                        when Node.js and npm are there; see example_projects/)
    python3 dev.py bench [--quick]      side-by-side benchmarks against the official SDKs
    python3 dev.py lint                 ruff (lint and format) and mypy
    python3 dev.py setup                only create .venv and install the project

Everything is installed into ./.venv (re-done only when pyproject.toml changes).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / "python"
STAMP = VENV / ".statsig-web-installed"


def _run(*cmd: str | Path, env: dict[str, str] | None = None, cwd: Path = ROOT) -> int:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.call([str(c) for c in cmd], cwd=cwd, env=env)


def setup() -> None:
    """Create .venv and install the project with its dev extras, once per pyproject change."""
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py runs on any python3 and says why
        sys.exit(f"statsig-web needs Python 3.11 or newer (this is {sys.version.split()[0]})")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted and PYTHON.exists():
        return
    if not PYTHON.exists():
        print(f"+ creating {VENV}", flush=True)
        venv.create(VENV, with_pip=True)
    steps = [
        (PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip"),
        (PYTHON, "-m", "pip", "install", "--quiet", "-e", ".[dev]"),
    ]
    for step in steps:
        if _run(*step) != 0:
            sys.exit("installing the project failed (see the pip output above)")
    STAMP.write_text(wanted)


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra)
    return env


def test(args: list[str]) -> int:
    setup()
    return _run(PYTHON, "-m", "pytest", *args, env=_env())


# Runs in .venv: the installer the test-suite uses (tests/support/jsclient.py, with the pinned
# version and lock in tests/support/jsclient/), so the examples serve the same client build.
_JS_CLIENT_SETUP = """
import sys
sys.path.insert(0, "tests")
from support.jsclient import prepare_js_client
found = prepare_js_client()
if found.modules is None:
    print(f"note: the example pages will render without the browser SDK: {found.reason}")
else:
    print(f"+ @statsig/js-client {found.version} ready in {found.modules}")
"""


def js_client() -> None:
    """Install the pinned ``@statsig/js-client`` that the example pages serve (needs npm).

    Without Node.js/npm the examples still run: every page is rendered by the server, and
    says that its client-side part is missing.
    """
    print("+ checking the browser SDK (@statsig/js-client, npm)", flush=True)
    subprocess.call([str(PYTHON), "-c", _JS_CLIENT_SETUP], cwd=ROOT, env=_env())


def example(name: str) -> int:
    setup()
    js_client()
    project = ROOT / "example_projects" / name
    if name == "django_shop":
        if _run(PYTHON, "manage.py", "migrate", "--noinput", env=_env(), cwd=project) != 0:
            return 1
        print("\n  Kiln & Co (Django): http://127.0.0.1:8000/  (try ?as=alice, ?as=bob)\n")
        return _run(PYTHON, "manage.py", "runserver", "127.0.0.1:8000", env=_env(), cwd=project)
    print("\n  Kiln & Co (Flask): http://127.0.0.1:5000/  (try ?as=alice, ?as=bob)\n")
    return _run(
        PYTHON, "-m", "flask", "--app", "shop", "run", "--port", "5000", env=_env(), cwd=project
    )


def main(argv: list[str]) -> int:
    command, rest = (argv[0], argv[1:]) if argv else ("help", [])
    if command == "setup":
        setup()
        return 0
    if command == "test":
        return test(rest)
    if command == "django":
        return example("django_shop")
    if command == "flask":
        return example("flask_shop")
    if command == "bench":
        setup()
        return _run(PYTHON, "-m", "benchmarks.run", *rest, env=_env())
    if command == "lint":
        setup()
        checks = [("ruff", "check", "."), ("ruff", "format", "--check", "."), ("mypy",)]
        return max(_run(PYTHON, "-m", *check, env=_env()) for check in checks)
    print(__doc__)
    return 0 if command == "help" else 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
