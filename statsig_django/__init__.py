"""Statsig feature gates, configs, experiments and layers for Django.

``INSTALLED_APPS += ["statsig_django"]``, ``MIDDLEWARE += ["statsig_django.middleware.
StatsigMiddleware"]`` (after ``AuthenticationMiddleware``) and a ``STATSIG`` settings dict
(every key is described in :mod:`statsig_django.conf`). Then ``request.statsig`` in views,
``@feature_gate`` / ``FeatureGateRequiredMixin`` / ``gated_path`` / ``gate_permission`` for
access, ``{% load statsig %}`` in templates and ``statsig_django.testing`` in tests.
"""
