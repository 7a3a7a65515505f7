"""Turn a condition's JSON into a prepared check, once per specs update.

Each check is a closure ``(user, evaluator, exposures) -> bool`` with its field name, salts and
target already prepared, so evaluation does no parsing, no dictionary walking over the condition
and no string building beyond what hashing needs.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from statsig_core.evaluation import country, ua
from statsig_core.evaluation.hashing import first_u64, id_list_hash
from statsig_core.evaluation.operators import (
    NUMERIC_COMPARE,
    SEGMENT_OPERATORS,
    make_test,
    membership,
    membership_test,
    numeric_bound,
)
from statsig_core.evaluation.values import as_string
from statsig_core.specs.model import CompiledCondition, Condition

if TYPE_CHECKING:
    from statsig_core.evaluation.evaluator import Evaluator
    from statsig_core.user import StatsigUser

__all__ = ["UnsupportedCondition", "compile_condition", "unit_id"]

ValueReader = Callable[["StatsigUser", "Evaluator"], Any]

# Lower-cased field name -> the StatsigUser attribute it names (the core's aliases).
_TOP_LEVEL = {
    "userid": "user_id",
    "email": "email",
    "ip": "ip",
    "country": "country",
    "locale": "locale",
    "appversion": "app_version",
    "useragent": "user_agent",
}
# Snake-case names the core also resolves, but only after custom and private attributes.
_LATE_ALIASES = {"user_id": "user_id", "app_version": "app_version", "user_agent": "user_agent"}
_last_bucket: dict[str, list[tuple[str, int]]] = {}
_sha256 = hashlib.sha256
_DATE_OPERATORS = frozenset({"before", "after", "on"})
_GATE_TYPES = frozenset({"pass_gate", "fail_gate", "multi_pass_gate", "multi_fail_gate"})


class UnsupportedCondition(Exception):
    """Raised by a condition this SDK cannot evaluate; the whole check reports Unsupported."""


def unit_id(user: StatsigUser, id_type: str, id_type_lower: str) -> str | None:
    """The id a rule buckets on: ``userID``, else the custom id of that type (exact, then lower)."""
    if id_type_lower == "userid":
        return user.user_id
    ids = user.custom_ids
    if ids is None:
        return None
    found = ids.get(id_type)
    return ids.get(id_type_lower) if found is None else found


def _lookup_in(mapping: Mapping[str, Any] | None, field: str, lowered: str) -> tuple[bool, Any]:
    if mapping:
        if field in mapping:
            return True, mapping[field]
        if lowered in mapping:
            return True, mapping[lowered]
    return False, None


def field_reader(field: str) -> ValueReader:
    """Read a user field: the top-level attribute if non-empty, else custom, else private."""
    lowered = field.lower()
    attribute = _TOP_LEVEL.get(lowered)
    get_top = attrgetter(attribute) if attribute else None
    alias = _LATE_ALIASES.get(lowered)
    late_alias = attrgetter(alias) if alias else None

    def read(user: StatsigUser, ev: Evaluator) -> Any:
        if get_top is not None:
            value = get_top(user)
            if value:
                return value
        custom = user.custom
        if custom:
            if field in custom:
                return custom[field]
            if lowered in custom:
                return custom[lowered]
        extra = ev.global_custom_fields
        if extra:
            found, value = _lookup_in(extra, field, lowered)
            if found:
                return value
        private = user.private_attributes
        if private:
            if field in private:
                return private[field]
            if lowered in private:
                return private[lowered]
        if late_alias is not None:
            return late_alias(user) or None
        return None

    return read


def _ip_reader(field: str) -> ValueReader:
    read_field = field_reader(field)
    read_ip = field_reader("ip")
    wants_country = field == "country"

    def read(user: StatsigUser, ev: Evaluator) -> Any:
        value = read_field(user, ev)
        if value is None and wants_country and not ev.disable_country_lookup:
            ip = read_ip(user, ev)
            if isinstance(ip, str) and ip:
                return country.country_of(ip)
        return value

    return read


def _ua_reader(field: str) -> ValueReader:
    read_field = field_reader(field)
    parsed_field = ua.UA_FIELDS.get(field.lower())
    read_agent = field_reader("userAgent")

    def read(user: StatsigUser, ev: Evaluator) -> Any:
        value = read_field(user, ev)
        if value is None and parsed_field is not None and not ev.disable_ua_parser:
            agent = read_agent(user, ev)
            if isinstance(agent, str):
                return ua.ua_field(agent, parsed_field)
        return value

    return read


def _environment_reader(field: str) -> ValueReader:
    """The user's own environment by exact key, else the SDK tier, else the specs' default tier."""
    is_tier = field.lower() == "tier"

    def read(user: StatsigUser, ev: Evaluator) -> Any:
        own = user.statsig_environment
        if own and field in own:
            return own[field]
        if is_tier:
            tier = ev.environment.get("tier") if ev.environment else None
            return tier if tier is not None else ev.snapshot.default_environment
        return None

    return read


def _unit_id_reader(id_type: str) -> ValueReader:
    lowered = id_type.lower()
    return lambda user, _ev: unit_id(user, id_type, lowered)


def _bucket_reader(raw: Mapping[str, Any], id_type: str) -> ValueReader:
    extra = raw.get("additionalValues") or {}
    salt = as_string(extra.get("salt")) or ""
    prefix = f"{salt}."
    lowered = id_type.lower()
    # An experiment's group rules all bucket on its salt: remember the last unit hashed with
    # this salt so one evaluation hashes it once. A single (unit, bucket) pair is swapped in
    # atomically, so threads never see a bucket paired with another unit.
    last = _last_bucket.setdefault(salt, [("", -1)])

    def read(user: StatsigUser, _ev: Evaluator) -> int:
        unit = unit_id(user, id_type, lowered) or ""
        seen_unit, bucket = last[0]
        if seen_unit == unit and bucket >= 0:
            return bucket
        bucket = first_u64(_sha256((prefix + unit).encode()).digest())[0] % 1000  # sha256_u64
        last[0] = (unit, bucket)
        return bucket

    return read


def _now_ms(_user: StatsigUser, _ev: Evaluator) -> int:
    return time.time_ns() // 1_000_000


def _missing(_user: StatsigUser, _ev: Evaluator) -> Any:
    return None


def _target_app(_user: StatsigUser, ev: Evaluator) -> Any:
    return ev.app_id


def _value_reader(kind: str, raw: Mapping[str, Any]) -> ValueReader | None:
    field = raw.get("field")
    field = "" if field is None else str(field)
    id_type = str(raw.get("idType") or "userID")
    if kind == "user_field":
        return field_reader(field)
    if kind == "ip_based":
        return _ip_reader(field)
    if kind == "ua_based":
        return _ua_reader(field)
    if kind == "environment_field":
        return _environment_reader(field)
    if kind == "current_time":
        # The core's "now" has only a timestamp: other operators see a missing value.
        return _now_ms if raw.get("operator") in _DATE_OPERATORS else _missing
    if kind == "user_bucket":
        return _bucket_reader(raw, id_type)
    if kind == "unit_id":
        return _unit_id_reader(id_type)
    if kind == "target_app":
        return _target_app
    return None


def _segment_test(
    operator: str, target: Any, missing_as_empty: bool
) -> Callable[[Any, Evaluator], bool]:
    """ID-list membership; a missing unit id is looked up as "" (a missing field is not)."""
    list_name = target if type(target) is str else None
    negate = operator == "not_in_segment_list"

    def test(value: Any, ev: Evaluator) -> bool:
        id_list = ev.id_lists.get(list_name) if list_name is not None else None
        text = as_string(value)
        if text is None and missing_as_empty:
            text = ""
        member = id_list is not None and text is not None and id_list_hash(text) in id_list.hashes
        return member is not negate

    return test


def _unsupported(raw: Mapping[str, Any], reason: str) -> CompiledCondition:
    def check(_user: StatsigUser, _ev: Evaluator, _exposures: list[dict[str, str]]) -> bool:
        raise UnsupportedCondition(reason)

    return CompiledCondition(raw=raw, check=check, read_value=None, has_side_effects=True)


def _gate_condition(kind: str, raw: Mapping[str, Any]) -> CompiledCondition:
    target = raw.get("targetValue")
    if kind in ("pass_gate", "fail_gate"):
        name = as_string(target) or ""
        if kind == "pass_gate":

            def check(user: StatsigUser, ev: Evaluator, exposures: list[dict[str, str]]) -> bool:
                return ev.nested_gate(name, user, exposures)

        else:

            def check(user: StatsigUser, ev: Evaluator, exposures: list[dict[str, str]]) -> bool:
                return not ev.nested_gate(name, user, exposures)

        return CompiledCondition(raw=raw, check=check, read_value=None, has_side_effects=True)

    names = [as_string(item) or "" for item in target] if isinstance(target, list) else []
    gates = [(name, {"gate": name, "gateValue": "false", "ruleID": ""}) for name in names]
    want = kind == "multi_pass_gate"

    def check_many(user: StatsigUser, ev: Evaluator, exposures: list[dict[str, str]]) -> bool:
        return ev.multi_gate(gates, want, user, exposures)

    return CompiledCondition(raw=raw, check=check_many, read_value=None, has_side_effects=True)


def _always_true(_user: StatsigUser, _ev: Evaluator, _exposures: list[dict[str, str]]) -> bool:
    return True


def compile_condition(raw: Mapping[str, Any]) -> CompiledCondition:
    """Prepare one condition; an unknown type or operator gives a check reporting Unsupported."""
    if not isinstance(raw, Mapping):
        return _unsupported({}, f"condition is not an object: {raw!r}")
    kind = str(raw.get("type", ""))  # matched exactly, as the core does
    if kind == "public":
        return CompiledCondition(
            raw=raw, check=_always_true, read_value=None, has_side_effects=False
        )
    if kind in _GATE_TYPES:
        return _gate_condition(kind, raw)
    reader = _value_reader(kind, raw)
    if reader is None:
        return _unsupported(raw, f"unknown condition type {raw.get('type')!r}")
    operator = raw.get("operator")
    target = raw.get("targetValue")
    if operator in SEGMENT_OPERATORS:
        segment_test = _segment_test(str(operator), target, missing_as_empty=kind == "unit_id")

        def check_segment(
            user: StatsigUser, ev: Evaluator, _exposures: list[dict[str, str]]
        ) -> bool:
            return segment_test(reader(user, ev), ev)

        return CompiledCondition(
            raw=raw, check=check_segment, read_value=reader, has_side_effects=False
        )
    if not isinstance(operator, str):
        return _unsupported(raw, f"unknown operator {operator!r}")
    inline = membership(operator, target)  # the target set is prepared once, used twice
    test = membership_test(inline) if inline is not None else make_test(operator, target)
    if test is None:
        return _unsupported(raw, f"unknown operator {operator!r}")
    if kind == "user_field":
        check = _field_check(str(raw.get("field") or ""), test, inline)
    elif kind == "user_bucket" and inline is not None:
        check = _bucket_membership(reader, inline)
    elif kind == "user_bucket" and operator in NUMERIC_COMPARE:
        check = _bucket_compare(reader, operator, target)
    else:
        check = _read_and_test(reader, test, inline)

    return CompiledCondition(raw=raw, check=check, read_value=reader, has_side_effects=False)


def _bucket_compare(read: ValueReader, operator: str, target: Any) -> Condition:
    """``user_bucket lt N`` and friends (every experiment group rule): compared inline; buckets
    are below 1000, so comparing the int with the float bound is exact."""
    bound = numeric_bound(operator, target)
    if bound is None:
        return _never_true
    compare = NUMERIC_COMPARE[operator]

    def check(user: StatsigUser, ev: Evaluator, _exposures: list[Any]) -> bool:
        return compare(read(user, ev), bound)

    return check


def _never_true(_user: StatsigUser, _ev: Evaluator, _exposures: list[Any]) -> bool:
    return False


def _bucket_membership(read: ValueReader, inline: tuple[frozenset[str], bool, bool]) -> Condition:
    """``user_bucket any/none``: the bucket is an int, so test it against the integer members
    (a member written ``"07"`` is not the bucket 7, as its string form says)."""
    members, _case_sensitive, negate = inline
    # One byte per bucket (0-999): a thousand bytes instead of a set of hundreds of ints.
    # A member only names a bucket in its canonical form ("7", not "07" or "7.0").
    table = bytearray(1000)
    for member in members:
        if member.isdigit() and len(member) <= 3 and str(int(member)) == member:
            table[int(member)] = 1

    def check(user: StatsigUser, ev: Evaluator, _exposures: list[Any]) -> bool:
        return bool(table[read(user, ev)]) is not negate

    return check


def _read_and_test(
    read: ValueReader,
    test: Callable[[Any], bool],
    inline: tuple[frozenset[str], bool, bool] | None,
) -> Condition:
    """Any other condition type: read the value, test it (string membership inline)."""
    if inline is None:

        def check(user: StatsigUser, ev: Evaluator, _exposures: list[Any]) -> bool:
            return test(read(user, ev))

        return check
    members, case_sensitive, negate = inline

    def check_member(user: StatsigUser, ev: Evaluator, _exposures: list[Any]) -> bool:
        value = read(user, ev)
        if type(value) is str:
            return ((value if case_sensitive else value.lower()) in members) is not negate
        return test(value)

    return check_member


def _field_check(
    field: str,
    test: Callable[[Any], bool],
    inline: tuple[frozenset[str], bool, bool] | None,
) -> Condition:
    """``user_field`` with the common lookups inlined; anything unusual takes the full path.

    For ``any``/``none`` a plain string value is looked up in the prepared set right here, the
    commonest condition there is, saving the call into the operator.
    """
    full = field_reader(field)
    attribute = _TOP_LEVEL.get(field.lower())
    if attribute is not None:
        get_top = attrgetter(attribute)
        if inline is None:

            def check_top(user: StatsigUser, ev: Evaluator, _exposures: list[Any]) -> bool:
                value = get_top(user)
                return test(value if value else full(user, ev))

            return check_top
        members, case_sensitive, negate = inline

        def check_top_member(user: StatsigUser, ev: Evaluator, _exposures: list[Any]) -> bool:
            value = get_top(user)
            if value and type(value) is str:
                return ((value if case_sensitive else value.lower()) in members) is not negate
            return test(value if value else full(user, ev))

        return check_top_member

    if inline is None:

        def check_custom(user: StatsigUser, ev: Evaluator, _exposures: list[Any]) -> bool:
            custom = user.custom
            if custom is not None:
                value = custom.get(field)
                if value is not None:
                    return test(value)
            return test(full(user, ev))

        return check_custom
    members, case_sensitive, negate = inline

    def check_custom_member(user: StatsigUser, ev: Evaluator, _exposures: list[Any]) -> bool:
        custom = user.custom
        if custom is not None:
            value = custom.get(field)
            if type(value) is str:
                return ((value if case_sensitive else value.lower()) in members) is not negate
            if value is not None:
                return test(value)
        return test(full(user, ev))

    return check_custom_member
