"""The ``{% if_gate %}`` Jinja tag, parsed one way for Django's Jinja2 backend and for Flask.

Needs Jinja2, which both frameworks' integrations already depend on; nothing in the core
imports this module.
"""

from __future__ import annotations

from typing import Any

from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.parser import Parser
from jinja2.runtime import Context

from statsig_core.web.bound import BoundStatsig

__all__ = ["IfGateExtension"]


class IfGateExtension(Extension):
    """``{% if_gate "name" %}...{% else %}...{% endif_gate %}``; ``"!name"`` or ``not`` negates.

    Subclasses say which checks a template uses (:meth:`bound`).
    """

    tags = {"if_gate"}

    def parse(self, parser: Parser) -> nodes.Node:
        lineno = next(parser.stream).lineno
        negate = parser.stream.skip_if("name:not")
        name = parser.parse_expression()
        body = parser.parse_statements(("name:else", "name:endif_gate"))
        otherwise: list[nodes.Node] = []
        if next(parser.stream).value == "else":
            otherwise = parser.parse_statements(("name:endif_gate",), drop_needle=True)
        test = self.call_method(
            "_passes", [nodes.ContextReference(), name, nodes.Const(negate)], lineno=lineno
        )
        return nodes.If(test, body, [], otherwise, lineno=lineno)

    def _passes(self, context: Context, name: Any, negate: bool) -> bool:
        return bool(name) and self.bound(context).gate_passes(str(name)) != negate

    def bound(self, context: Context) -> BoundStatsig:
        """The checks of the template being rendered."""
        raise NotImplementedError
