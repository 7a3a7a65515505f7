"""The shop's pages. Statsig shows up in three ways:

* in views, through ``request.statsig`` (the request's memoized checks) and ``@feature_gate``;
* in templates, through ``{% load statsig %}`` tags (see ``templates/store/``);
* in the browser, through the bootstrap that ``{% statsig_bootstrap %}`` embeds.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from statsig_core.web import BoundStatsig
from statsig_django.decorators import feature_gate
from store import demo

logger = logging.getLogger("store")


def _statsig(request: HttpRequest) -> BoundStatsig:
    return request.statsig  # type: ignore[attr-defined, no-any-return]


def _price(request: HttpRequest, item: dict[str, Any]) -> dict[str, Any]:
    """The item's price for this visitor, from the ``pricing`` dynamic config."""
    pricing = _statsig(request).get_config("pricing")
    listed = round(item["price"] * float(pricing.get("price_multiplier", 1.0)), 2)
    discount = float(pricing.get("discount_percent", 0))
    return {
        "symbol": pricing.get("symbol", "$"),
        "currency": pricing.get("currency", "USD"),
        "listed": listed,
        "total": round(listed * (1 - discount / 100), 2),
        "discount": discount,
        "shipping": pricing.get("shipping", 4.99),
        "free_shipping_over": pricing.get("free_shipping_over", 50),
    }


def _item(sku: str | None) -> dict[str, Any]:
    item = demo.product(sku)
    if item is None:
        raise Http404(f"no product {sku!r}")
    return item


def product(request: HttpRequest, sku: str | None = None) -> HttpResponse:
    """A product page: headline experiment, pricing config, layer CTA, gated checkout link."""
    item = _item(sku)
    others = [other for other in demo.catalog() if other["sku"] != item["sku"]]
    context = {"item": item, "price": _price(request, item), "others": others}
    return render(request, "store/product.html", context)


def classic_checkout(request: HttpRequest, sku: str) -> HttpResponse:
    """The checkout everyone gets while ``new_checkout`` is off for them."""
    item = _item(sku)
    context = {"item": item, "price": _price(request, item), "flavor": "classic"}
    return render(request, "store/checkout_classic.html", context)


@feature_gate("new_checkout", fallback=classic_checkout)
def checkout(request: HttpRequest, sku: str) -> HttpResponse:
    """The new one-page checkout, for visitors who pass ``new_checkout``."""
    item = _item(sku)
    context = {"item": item, "price": _price(request, item), "flavor": "new"}
    return render(request, "store/checkout_new.html", context)


@require_POST
def purchase(request: HttpRequest) -> HttpResponse:
    """Record the order as a ``purchase`` custom event (value: what the visitor paid)."""
    item = _item(request.POST.get("sku") or "")
    price = _price(request, item)
    flavor = "new" if request.POST.get("checkout") == "new" else "classic"
    _statsig(request).log_event(
        "purchase",
        price["total"],
        {"sku": item["sku"], "currency": price["currency"], "checkout": flavor},
    )
    return HttpResponseRedirect(reverse("store:thanks", args=[item["sku"]]))


def thanks(request: HttpRequest, sku: str) -> HttpResponse:
    item = _item(sku)
    return render(request, "store/thanks.html", {"item": item, "price": _price(request, item)})


def login(request: HttpRequest) -> HttpResponse:
    """Pick a demo user (no passwords: this is a demo of targeting, not of auth)."""
    if request.method == "POST":
        demo.switch_user(request, request.POST.get("handle", ""))
        return HttpResponseRedirect(reverse("store:home"))
    return render(request, "store/login.html")


def js_client(request: HttpRequest) -> HttpResponse:
    """The official ``@statsig/js-client`` browser build, served from the npm install."""
    path = settings.SHOP_JS_CLIENT_FILE
    if not path.is_file():
        raise Http404("@statsig/js-client is not installed: run `python3 dev.py django`")
    response = FileResponse(path.open("rb"), content_type="text/javascript")
    response["Cache-Control"] = "public, max-age=3600"
    return response


@csrf_exempt
@require_POST
def sdk_exception(request: HttpRequest) -> HttpResponse:
    """Where the browser SDK reports its own errors (instead of to Statsig): the server log."""
    logger.warning("browser SDK error report: %s", request.body[:2000].decode("utf-8", "replace"))
    return HttpResponse(status=202)
