"""Subprocess entry point: run one suite variant for one SDK configuration.

Why a process each: SDK imports, background threads (event flushers, pollers, Rust runtimes) and
allocator state would otherwise leak from one measurement into the next. The result goes to the
``--out`` JSON file, never to stdout, because the official SDKs print to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from benchmarks._adapters import ADAPTERS, AdapterUnavailable
from benchmarks.suites import SUITES, WorkerContext

EXIT_SKIPPED = 3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--suite", required=True, choices=sorted(SUITES))
    parser.add_argument("--sdk", required=True, choices=sorted(ADAPTERS))
    parser.add_argument("--variant", default="default")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args(argv)

    adapter_cls = ADAPTERS[args.sdk]
    ctx = WorkerContext(
        adapter_cls=adapter_cls, variant=args.variant, quick=args.quick, workdir=args.out.parent
    )
    started = time.perf_counter()
    result: dict[str, Any] = {"suite": args.suite, "sdk": args.sdk, "variant": args.variant}
    code = 0
    try:
        result.update(SUITES[args.suite].worker(ctx))
        result["status"] = "ok"
        result["sdk_version"] = adapter_cls.version()
    except AdapterUnavailable as exc:
        result.update(status="skipped", message=str(exc))
        code = EXIT_SKIPPED
    except Exception as exc:
        result.update(
            status="error", message=f"{type(exc).__name__}: {exc}", traceback=traceback.format_exc()
        )
        code = 1
    result["seconds"] = time.perf_counter() - started
    result["python"] = platform.python_version()
    args.out.write_text(json.dumps(result), encoding="utf-8")
    sys.stdout.flush()
    sys.stderr.flush()
    # SDK threads (retrying event posts, pollers) must not keep the process alive.
    os._exit(code)


if __name__ == "__main__":
    main()
