"""How a user value or a target value reads as a string, a number or a timestamp.

The official core keeps typed views of every JSON value and each operator reads the view it
needs. Measured against ``statsig-python-core`` (see docs/deviations.md for the method):

* user values: strings as-is, bools ``true``/``false``, integers in decimal, floats as Rust
  prints them (``1.0 -> "1"``, never an exponent), lists as compact JSON, objects have no string;
* target list items: floats as JSON prints them (``1.0 -> "1.0"``, ``1e21``);
* numbers parse strictly (``" 30"`` and ``"1_000"`` are not numbers, bools are not numbers);
* a user timestamp below 10^10 is in seconds and is scaled to milliseconds; targets never are.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import orjson

__all__ = [
    "as_float",
    "as_int",
    "as_string",
    "as_timestamp_ms",
    "float_text",
    "json_float_text",
    "parse_float",
    "target_string",
    "target_timestamp_ms",
]

# Rust's f64::from_str grammar: optional sign, digits with an optional point, optional exponent,
# or inf/infinity/nan; no surrounding whitespace, no underscores, no hex.
_FLOAT_RE = re.compile(
    r"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf|infinity|nan)\Z", re.IGNORECASE
)
_INT_RE = re.compile(r"[+-]?\d+\Z")
_I64_MIN, _I64_MAX = -(2**63), 2**63 - 1
# The only date-time shapes the core accepts: a UTC "Z" time (T or space) or a naive
# "YYYY-MM-DD HH:MM:SS" (no fractions, no offsets).
_DATETIME_RE = re.compile(
    r"(\d{4}-\d{2}-\d{2})(?:[Tt ](\d{2}:\d{2}:\d{2})[Zz]| (\d{2}:\d{2}:\d{2}))\Z"
)
_SECONDS_BELOW = 10_000_000_000


def float_text(value: float) -> str:
    """A float as Rust's ``Display`` prints it: shortest digits, no exponent, ``1.0 -> 1``."""
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "inf" if value > 0 else "-inf"
    text = format(Decimal(repr(value)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def json_float_text(value: float) -> str:
    """A float as serde_json (ryu) writes it: ``1.0``, ``0.00001``, ``1e16``, ``1.5e-7``."""
    if value != value or value in (float("inf"), float("-inf")):
        return "null"
    sign, digit_tuple, exponent = Decimal(repr(value)).as_tuple()
    digits = "".join(map(str, digit_tuple)).rstrip("0") or "0"
    exponent = int(exponent) + len(digit_tuple) - len(digits)
    point = len(digits) + exponent  # where the decimal point falls within the digits
    prefix = "-" if sign else ""
    if digits == "0":
        return prefix + "0.0"
    if exponent >= 0 and point <= 16:
        return f"{prefix}{digits}{'0' * exponent}.0"
    if 0 < point <= 16:
        return f"{prefix}{digits[:point]}.{digits[point:]}"
    if -5 < point <= 0:
        return f"{prefix}0.{'0' * -point}{digits}"
    mantissa = digits if len(digits) == 1 else f"{digits[0]}.{digits[1:]}"
    return f"{prefix}{mantissa}e{point - 1}"


def _json_text(value: Any) -> str:
    """Compact JSON with serde's number formatting (how the core stringifies a user list)."""
    if isinstance(value, list):
        return "[" + ",".join(_json_text(item) for item in value) + "]"
    if isinstance(value, dict):
        items = (f"{orjson.dumps(str(k)).decode()}:{_json_text(v)}" for k, v in value.items())
        return "{" + ",".join(items) + "}"
    if type(value) is float:
        return json_float_text(value)
    return orjson.dumps(value).decode()


def as_string(value: Any) -> str | None:
    """A user value's string view (``None`` for objects and missing values)."""
    kind = type(value)
    if kind is str:
        return value  # type: ignore[no-any-return]
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if kind is float:
        return float_text(value)
    if kind is list:
        return _json_text(value)
    if isinstance(value, str):
        return str(value)
    return None


def target_string(item: Any) -> str | None:
    """A target list item's string view (floats as JSON writes them)."""
    kind = type(item)
    if kind is str:
        return item  # type: ignore[no-any-return]
    if kind is bool:
        return "true" if item else "false"
    if kind is int:
        return str(item)
    if kind is float:
        return json_float_text(item)
    return None


def parse_float(text: str) -> float | None:
    """Parse a number the strict way the core does (``" 30"`` and ``"1_000"`` are not numbers)."""
    if _FLOAT_RE.match(text) is None:
        return None
    return float(text)


def as_float(value: Any) -> float | None:
    """The numeric view: numbers, and strings that parse strictly; bools and others have none."""
    kind = type(value)
    if kind is int or kind is float:
        return float(value)
    if kind is str:
        if _FLOAT_RE.match(value) is None:
            return None
        return float(value)
    return None


def as_int(value: Any) -> int | None:
    """The 64-bit integer view (integral JSON numbers and integer strings only)."""
    kind = type(value)
    if kind is int:
        return value if _I64_MIN <= value <= _I64_MAX else None
    if kind is float and value.is_integer() and _I64_MIN <= value <= _I64_MAX:
        return int(value)
    if kind is str and _INT_RE.match(value):
        number = int(value)
        return number if _I64_MIN <= number <= _I64_MAX else None
    return None


def _datetime_ms(text: str) -> int | None:
    match = _DATETIME_RE.match(text)
    if match is None:
        return None
    date, zulu_time, naive_time = match.groups()
    try:
        parsed = datetime.fromisoformat(f"{date}T{zulu_time or naive_time}").replace(tzinfo=UTC)
    except ValueError:
        return None
    return int(parsed.timestamp()) * 1000


def as_timestamp_ms(value: Any) -> int | None:
    """A user value as milliseconds: integers (seconds below 10^10) or supported date strings."""
    if type(value) is bool:
        return None
    number = as_int(value)
    if number is not None:
        return number * 1000 if number < _SECONDS_BELOW else number
    return _datetime_ms(value) if type(value) is str else None


def target_timestamp_ms(value: Any) -> int | None:
    """A target as milliseconds: numbers are taken as milliseconds as they are."""
    kind = type(value)
    if kind is int:
        return value  # type: ignore[no-any-return]
    if kind is float:
        return int(value) if value == value and abs(value) != float("inf") else None
    if kind is not str:
        return None
    number = as_int(value)
    if number is not None:
        return number
    decimal = parse_float(value)  # target strings may be decimals ("1.5" -> 1 ms); user ones not
    if decimal is not None and decimal == decimal and abs(decimal) != float("inf"):
        return int(decimal)
    return _datetime_ms(value)
