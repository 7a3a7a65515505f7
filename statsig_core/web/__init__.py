"""Framework-agnostic request helpers shared by ``statsig_django`` and ``statsig_flask``."""

from statsig_core.web.bound import BoundStatsig, EvaluationRecord
from statsig_core.web.request_user import (
    StableIdChoice,
    StableIdCookie,
    choose_stable_id,
    client_ip,
    customized_user,
    is_valid_cookie_name,
    is_valid_stable_id,
    new_stable_id,
    preferred_locale,
)

__all__ = [
    "BoundStatsig",
    "EvaluationRecord",
    "StableIdChoice",
    "StableIdCookie",
    "choose_stable_id",
    "client_ip",
    "customized_user",
    "is_valid_cookie_name",
    "is_valid_stable_id",
    "new_stable_id",
    "preferred_locale",
]
