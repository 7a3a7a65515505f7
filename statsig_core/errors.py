"""Exceptions the library raises. Checks themselves never raise; these come from setup calls."""

from __future__ import annotations

__all__ = ["SpecsFormatError", "StatsigError", "StatsigValueError"]


class StatsigError(Exception):
    """Base class for errors raised by statsig-web."""


class StatsigValueError(StatsigError, ValueError):
    """An argument is invalid (for example a server secret where a client key belongs)."""


class SpecsFormatError(StatsigError, ValueError):
    """A specs payload is not valid download_config_specs JSON; the message names the problem."""
