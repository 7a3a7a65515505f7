"""Statsig feature gates, configs, experiments and layers for Flask: ``StatsigFlask(app)``.

Evaluation lives in :mod:`statsig_core`; this package reads Flask's request, config and
templates and hands them over.
"""

from __future__ import annotations

from statsig_flask.decorators import feature_gate, gate_blueprint
from statsig_flask.extension import StatsigFlask, current_statsig

__all__ = ["StatsigFlask", "current_statsig", "feature_gate", "gate_blueprint"]
