"""Statsig-compatible feature gates, dynamic configs, experiments and layers, evaluated locally."""

from __future__ import annotations

__version__ = "0.1.0"

from statsig_core.client import Statsig
from statsig_core.errors import SpecsFormatError, StatsigError, StatsigValueError
from statsig_core.options import StatsigOptions
from statsig_core.results import (
    DynamicConfig,
    EvaluationDetails,
    Experiment,
    FeatureGate,
    InitializeDetails,
    Layer,
)
from statsig_core.user import StatsigUser

__all__ = [
    "DynamicConfig",
    "EvaluationDetails",
    "Experiment",
    "FeatureGate",
    "InitializeDetails",
    "Layer",
    "SpecsFormatError",
    "Statsig",
    "StatsigError",
    "StatsigOptions",
    "StatsigUser",
    "StatsigValueError",
    "__version__",
]
