"""``{% load statsig %}``: gate blocks, config/experiment/layer values and the bootstrap.

Every tag uses the template's ``statsig`` variable (the context processor, or one passed in
for an email), else the request's ``request.statsig``, else an anonymous user; all of them are
memoized, so a name checked in ten places is evaluated and exposed once.

::

    {% if_gate "new_checkout" %}...{% else %}...{% endif_gate %}
    {% if_gate not gate_name %}...{% endif_gate %}      {# or "!new_checkout" #}
    {% get_config "pricing" "price" 9.99 as price %}
    {% experiment_param "checkout_copy" "headline" "Buy now" as headline %}
    {% experiment_group "checkout_copy" as group %}
    {% layer_param "checkout_layer" "button_color" "blue" as color %}
    {% statsig_bootstrap names="new_checkout,pricing" %}
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.base import FilterExpression, NodeList, Parser, Token
from django.template.context import Context
from django.utils.safestring import SafeString

from statsig_core.web import BoundStatsig
from statsig_django import bootstrap
from statsig_django.binding import bound_for_context

register = template.Library()


def _bound(context: Context) -> BoundStatsig:
    return bound_for_context(context.get, context.render_context)


class IfGateNode(template.Node):
    child_nodelists = ("nodelist_true", "nodelist_false")

    def __init__(
        self,
        name: FilterExpression,
        negate: bool,
        nodelist_true: NodeList,
        nodelist_false: NodeList,
    ) -> None:
        self.name = name
        self.negate = negate
        self.nodelist_true = nodelist_true
        self.nodelist_false = nodelist_false

    def render(self, context: Context) -> SafeString:
        name = str(self.name.resolve(context) or "")
        passed = bool(name) and _bound(context).gate_passes(name) != self.negate
        return (self.nodelist_true if passed else self.nodelist_false).render(context)


@register.tag("if_gate")
def do_if_gate(parser: Parser, token: Token) -> IfGateNode:
    """``{% if_gate [not] name %}...[{% else %}...]{% endif_gate %}``; a ``"!name"`` negates."""
    bits = token.split_contents()
    negate = len(bits) == 3 and bits[1] == "not"
    if len(bits) != 2 and not negate:
        raise template.TemplateSyntaxError(
            f"{bits[0]} takes one gate name, optionally after 'not': "
            '{% if_gate "new_checkout" %}'
        )
    name = parser.compile_filter(bits[-1])
    nodelist_true = parser.parse(("else", "endif_gate"))
    if parser.next_token().contents == "else":
        nodelist_false = parser.parse(("endif_gate",))
        parser.delete_first_token()
    else:
        nodelist_false = NodeList()
    return IfGateNode(name, negate, nodelist_true, nodelist_false)


@register.simple_tag(takes_context=True)
def check_gate(context: Context, name: str) -> bool:
    """``{% check_gate "name" as on %}``: the gate as a variable (``"!name"`` negates)."""
    return _bound(context).gate_passes(name)


@register.simple_tag(takes_context=True)
def get_config(context: Context, name: str, param: str | None = None, default: Any = None) -> Any:
    """A dynamic config's parameter (or its whole value without ``param``)."""
    config = _bound(context).get_config(name)
    return config.value if param is None else config.get(param, default)


@register.simple_tag(takes_context=True)
def experiment_param(context: Context, name: str, param: str, default: Any = None) -> Any:
    return _bound(context).get_experiment(name).get(param, default)


@register.simple_tag(takes_context=True)
def experiment_group(context: Context, name: str) -> str | None:
    """The user's group in the experiment (``None`` when not in it)."""
    return _bound(context).get_experiment(name).group_name


@register.simple_tag(takes_context=True)
def layer_param(context: Context, name: str, param: str, default: Any = None) -> Any:
    """A layer parameter; reading it logs the layer exposure for that parameter."""
    return _bound(context).get_layer(name).get(param, default)


@register.simple_tag(takes_context=True)
def statsig_bootstrap(
    context: Context,
    *,
    init: bool | None = None,
    client_key: str | None = None,
    nonce: str | None = None,
    hash: str | None = None,
    names: Any = None,
    element_id: str = "statsig-bootstrap",
) -> SafeString:
    """The visitor's bootstrap JSON block, plus the SDK initializer when a client key is set.

    The initializer's nonce is ``nonce=``, else the request's (django-csp or Django >= 6.0),
    else the template's ``csp_nonce`` variable.
    """
    request = context.get("request")
    return bootstrap.render(
        _bound(context),
        request,
        init=init,
        client_key=client_key,
        nonce=nonce,
        context_nonce=context.get("csp_nonce"),
        hash=hash,
        names=names,
        element_id=element_id,
    )
