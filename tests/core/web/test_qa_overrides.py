"""The framework-free half of the QA override page: session tables, form changes, page rows."""

from __future__ import annotations

import pytest

from statsig_core import Statsig, StatsigOptions, StatsigUser
from statsig_core.web import BoundStatsig
from statsig_core.web.qa_overrides import (
    OverrideError,
    apply_to_session,
    clean_table,
    form_changes,
    known_names,
    sections,
    with_change,
)

from support.specs import cond, dcs, rule, spec

SPECS = dcs(
    gates={"beta": spec(rule(cond(), id="all"))},
    configs={
        "pricing": spec(rule(cond(), id="p", return_value={"price": 5}), kind="dynamic_config"),
        "copy": spec(kind="dynamic_config", entity="experiment", default={"headline": "Hi"}),
    },
    layers={"layout": spec(kind="layer", default={"color": "blue"})},
)


@pytest.fixture
def statsig():
    client = Statsig(None, StatsigOptions(bootstrap_values=SPECS, disable_all_logging=True))
    client.initialize()
    yield client
    client.shutdown()


def test_only_well_formed_entries_survive_from_a_session():
    raw = {"gate": {"a": True, "b": "yes"}, "config": {"c": {"x": 1}, "d": 3}, "junk": {"e": 1}}
    assert clean_table(raw) == {"gate": {"a": True}, "config": {"c": {"x": 1}}}
    assert clean_table(["not", "a", "table"]) == {}


def test_changes_make_new_tables_and_clearing_nothing_is_no_change():
    table = {"gate": {"a": True}}
    assert with_change(table, "config", "c", {"x": 1}) == {
        "gate": {"a": True},
        "config": {"c": {"x": 1}},
    }
    assert table == {"gate": {"a": True}}  # not edited in place
    assert with_change(table, "gate", "a", None) == {}
    assert with_change(table, "gate", "missing", None) is None


def test_experiments_are_told_apart_from_configs(statsig: Statsig):
    assert known_names(statsig) == {
        "gate": {"beta"},
        "config": {"pricing"},
        "experiment": {"copy"},
        "layer": {"layout"},
    }
    assert known_names(None) == {
        "gate": set(),
        "config": set(),
        "experiment": set(),
        "layer": set(),
    }


def test_forms_become_changes(statsig: Statsig):
    current = {"gate": {"beta": False}, "layer": {"layout": {"color": "red"}}}
    form = {"action": "set", "kind": "experiment", "name": "copy", "value": '{"headline": "QA"}'}
    assert form_changes(form, current, statsig) == [("experiment", "copy", {"headline": "QA"})]
    clear = {"action": "clear", "kind": "gate", "name": "beta"}
    assert form_changes(clear, current, statsig) == [("gate", "beta", None)]
    assert form_changes({"action": "clear_all"}, current, statsig) == [
        ("gate", "beta", None),
        ("layer", "layout", None),
    ]
    with pytest.raises(OverrideError, match="no config 'copy'"):
        form_changes(
            {"action": "set", "kind": "config", "name": "copy", "value": "{}"}, {}, statsig
        )


def test_rows_show_the_value_now_with_the_override_and_stale_names(statsig: Statsig):
    overrides = {"gate": {"beta": False, "gone": True}}
    bound = BoundStatsig(statsig, StatsigUser(user_id="u"), overrides)
    listed = {
        s.kind: {r.name: (r.value, r.rule_id, r.forced, r.known) for r in s.rows}
        for s in sections(bound)
    }
    assert listed["gate"]["beta"] == ("false", "override", "false", True)
    assert listed["gate"]["gone"][2:] == ("true", False)
    assert listed["config"]["pricing"] == ('{"price":5}', "p", None, True)
    assert [s.title for s in sections(bound)] == [
        "Feature gates",
        "Dynamic configs",
        "Experiments",
        "Layers",
    ]


def test_a_form_updates_the_session_table_and_audits_only_real_changes(statsig: Statsig):
    session: dict[str, object] = {"other": 1}
    audited: list[tuple[str, str, object]] = []

    def audit(kind: str, name: str, value: object) -> None:
        audited.append((kind, name, value))

    set_beta = {"action": "set", "kind": "gate", "name": "beta", "value": "false"}
    apply_to_session(set_beta, session, "qa", statsig, audit)
    assert session == {"other": 1, "qa": {"gate": {"beta": False}}}
    apply_to_session(
        {"action": "clear", "kind": "layer", "name": "layout"}, session, "qa", statsig, audit
    )
    apply_to_session({"action": "clear_all"}, session, "qa", statsig, audit)
    assert session == {"other": 1}  # the emptied table is dropped, nothing else touched
    assert audited == [("gate", "beta", False), ("gate", "beta", None)]
    with pytest.raises(OverrideError):
        apply_to_session(
            {"action": "set", "kind": "gate", "name": "nope"}, session, "qa", statsig, audit
        )
    assert session == {"other": 1}
