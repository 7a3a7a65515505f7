"""Condition operators, each prepared once per specs update from its target value.

``make_test(operator, target)`` returns a one-argument predicate over the user value with the
target already parsed (sets for ``any``, floats for ``gt``, compiled regexes, version tuples), or
``None`` when the operator is unknown. Segment operators need the ID lists and are built by the
condition compiler instead.
"""

from __future__ import annotations

import operator as operator_module
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from statsig_core.evaluation.values import (
    as_float,
    as_string,
    as_timestamp_ms,
    target_string,
    target_timestamp_ms,
)

__all__ = [
    "SEGMENT_OPERATORS",
    "Test",
    "make_test",
    "membership",
    "membership_test",
    "parse_version",
]

Test = Callable[[Any], bool]
SEGMENT_OPERATORS = frozenset({"in_segment_list", "not_in_segment_list"})
_DAY_MS = 86_400_000
_VERSION_PART = re.compile(r"[+-]?\d+\Z")


def _never(_value: Any) -> bool:
    return False


def _strings(target: Any, *, lower: bool) -> list[str]:
    """String views of a target list's items (items without one are skipped).

    DCS v2 may send a large list as an object used as a set (``{"0": true, "1": true}``): its
    keys are the items.
    """
    if isinstance(target, dict):
        target = list(target)
    elif not isinstance(target, list):
        return []
    out = []
    for item in target:
        text = target_string(item)
        if text is not None:
            out.append(text.lower() if lower else text)
    return out


NUMERIC_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "gt": operator_module.gt,
    "gte": operator_module.ge,
    "lt": operator_module.lt,
    "lte": operator_module.le,
}


def numeric_bound(operator: str, target: Any) -> float | None:
    """The parsed bound of a ``gt``/``gte``/``lt``/``lte`` condition (None: never true)."""
    return as_float(target) if operator in NUMERIC_COMPARE else None


def _numeric(operator: str, target: Any) -> Test:
    bound = numeric_bound(operator, target)
    if bound is None:
        return _never
    compare = NUMERIC_COMPARE[operator]

    def test(value: Any) -> bool:
        kind = type(value)
        if kind is int or kind is float:  # as f64, like the core (2**53 + 1 equals 2**53)
            return compare(float(value), bound)
        number = as_float(value)
        return number is not None and compare(number, bound)

    return test


@lru_cache(maxsize=4096)
def _version_parts(text: str) -> tuple[int, ...] | None:
    """Text before the first ``-``, split on dots, each a trimmed integer; trailing zeros dropped.

    Comparing zero-stripped tuples is the same as comparing zero-padded ones, and user values
    repeat across checks, so parsing each distinct string once pays off.
    """
    dash = text.find("-")
    if dash >= 0:
        text = text[:dash]
    parts = []
    for part in text.split("."):
        part = part.strip()  # the core trims each part ("1. 2" is 1.2)
        if _VERSION_PART.match(part) is None:
            return None
        parts.append(int(part))
    while parts and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def parse_version(value: Any) -> tuple[int, ...] | None:
    """A version's numeric parts (``"1.2.0-beta"`` -> ``(1, 2)``), or None if not a version."""
    text = value if type(value) is str else as_string(value)
    return None if text is None else _version_parts(text)


_VERSION_COMPARE: dict[str, Callable[[tuple[int, ...], tuple[int, ...]], bool]] = {
    "version_gt": tuple.__gt__,
    "version_gte": tuple.__ge__,
    "version_lt": tuple.__lt__,
    "version_lte": tuple.__le__,
    "version_eq": tuple.__eq__,
    "version_neq": tuple.__ne__,
}


def _version(operator: str, target: Any) -> Test:
    bound = parse_version(target) if type(target) is str else None  # numbers never match
    if bound is None:
        return _never
    compare = _VERSION_COMPARE[operator]

    def test(value: Any) -> bool:
        parsed = parse_version(value)
        return parsed is not None and compare(parsed, bound)

    return test


def membership(operator: str, target: Any) -> tuple[frozenset[str], bool, bool] | None:
    """``any``/``none`` and their case-sensitive forms as (members, case_sensitive, negate),
    so a condition can test a plain string inline; None for other operators."""
    if operator not in ("any", "none", "any_case_sensitive", "none_case_sensitive"):
        return None
    case_sensitive = operator.endswith("_case_sensitive")
    return (
        frozenset(_strings(target, lower=not case_sensitive)),
        case_sensitive,
        operator.startswith("none"),
    )


def membership_test(prepared: tuple[frozenset[str], bool, bool]) -> Test:
    """The predicate for a prepared :func:`membership` (members, case_sensitive, negate)."""
    members, case_sensitive, negate = prepared

    # A missing value (or an object, which has no string) reads as "" here, as in the core.
    if case_sensitive:

        def contains(value: Any) -> bool:
            if type(value) is str:
                return value in members
            return ("" if value is None else (as_string(value) or "")) in members

    else:

        def contains(value: Any) -> bool:
            if type(value) is str:
                return value.lower() in members
            return _text(value) in members

    if not negate:
        return contains
    return lambda value: not contains(value)


def _text(value: Any) -> str:
    """The lower-cased string view, "" for a missing value (the string-list operators' rule)."""
    if type(value) is str:
        return value.lower()
    return "" if value is None else (as_string(value) or "").lower()


def _string_search(operator: str, target: Any) -> Test:
    needles = tuple(_strings(target, lower=True))
    if operator == "str_starts_with_any":
        return lambda value: _text(value).startswith(needles)
    if operator == "str_ends_with_any":
        return lambda value: _text(value).endswith(needles)
    if len(needles) == 1:
        (needle,) = needles
        if operator == "str_contains_any":
            return lambda value: needle in _text(value)
        return lambda value: needle not in _text(value)
    negate = operator == "str_contains_none"

    def test(value: Any) -> bool:
        text = _text(value)
        for item in needles:
            if item in text:
                return not negate
        return negate

    return test


def _regex(target: Any) -> Test:
    if type(target) is not str:  # the core reads only string patterns
        return _never
    pattern = target
    try:
        search = re.compile(pattern).search
    except (re.error, OverflowError):
        return _never

    def test(value: Any) -> bool:
        text = value if type(value) is str else as_string(value)
        return text is not None and search(text) is not None

    return test


def _equality(operator: str, target: Any) -> Test:
    """``eq``/``neq`` compare in the target's type: a number numerically, a string with the
    value's string view, a bool only with a bool, null only with a missing value."""
    if target is None:

        def equal(value: Any) -> bool:
            return value is None

    elif type(target) is bool:

        def equal(value: Any) -> bool:
            return type(value) is bool and value is target

    elif type(target) is int or type(target) is float:
        number = float(target)

        def equal(value: Any) -> bool:
            return as_float(value) == number

    elif type(target) is str:

        def equal(value: Any) -> bool:
            return (value if type(value) is str else as_string(value)) == target

    else:

        def equal(value: Any) -> bool:
            return bool(value == target)

    if operator == "eq":
        return equal
    return lambda value: not equal(value)


def _time(operator: str, target: Any) -> Test:
    bound = target_timestamp_ms(target)
    if bound is None:
        return _never
    if operator == "before":
        check: Callable[[int], bool] = bound.__gt__
    elif operator == "after":
        check = bound.__lt__
    else:
        day = bound // _DAY_MS

        def check(stamp: int) -> bool:
            return stamp // _DAY_MS == day

    def test(value: Any) -> bool:
        stamp = as_timestamp_ms(value)
        return stamp is not None and check(stamp)

    return test


def _arrays(operator: str, target: Any) -> Test:
    wanted = _strings(target, lower=False)

    def present(value: list[Any]) -> set[str]:
        return {text for text in map(as_string, value) if text is not None}

    if operator == "array_contains_any":
        return lambda value: isinstance(value, list) and not present(value).isdisjoint(wanted)
    if operator == "array_contains_none":
        return lambda value: isinstance(value, list) and present(value).isdisjoint(wanted)
    if operator == "array_contains_all":
        return lambda value: isinstance(value, list) and present(value).issuperset(wanted)
    return lambda value: isinstance(value, list) and not present(value).issuperset(wanted)


_FACTORIES: dict[str, Callable[[str, Any], Test]] = {
    **dict.fromkeys(("gt", "gte", "lt", "lte"), _numeric),
    **dict.fromkeys(
        (
            "version_gt",
            "version_gte",
            "version_lt",
            "version_lte",
            "version_eq",
            "version_neq",
        ),
        _version,
    ),
    **dict.fromkeys(
        ("any", "none", "any_case_sensitive", "none_case_sensitive"),
        lambda op, target: membership_test(membership(op, target)),  # type: ignore[arg-type]
    ),
    **dict.fromkeys(
        ("str_starts_with_any", "str_ends_with_any", "str_contains_any", "str_contains_none"),
        _string_search,
    ),
    "str_matches": lambda _op, target: _regex(target),
    **dict.fromkeys(("eq", "neq"), _equality),
    **dict.fromkeys(("before", "after", "on"), _time),
    **dict.fromkeys(
        (
            "array_contains_any",
            "array_contains_none",
            "array_contains_all",
            "not_array_contains_all",
        ),
        _arrays,
    ),
}


def make_test(operator: str, target: Any) -> Test | None:
    """The prepared predicate for ``operator`` against ``target``; ``None`` if unknown."""
    factory = _FACTORIES.get(operator)
    if factory is None:
        return None
    return factory(operator, target)
