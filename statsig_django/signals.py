"""Signals: hooks for auditing what staff do with Statsig."""

from __future__ import annotations

from django.dispatch import Signal

__all__ = ["override_changed"]

#: A staff member set or cleared a per-session override on the overrides page. Sent with
#: ``sender`` (the user's class, as ``user_logged_in`` is), ``request``, ``user``, ``kind``
#: (``"gate"``, ``"config"``, ``"experiment"`` or ``"layer"``), ``name`` and ``value`` (the
#: forced value, or ``None`` when it was cleared).
override_changed = Signal()
