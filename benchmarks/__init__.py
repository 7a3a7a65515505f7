"""Side-by-side benchmarks of statsig_core against the official Statsig Python SDKs.

Run ``python -m benchmarks.run`` from the repository root; see ``benchmarks/README.md``.
"""
