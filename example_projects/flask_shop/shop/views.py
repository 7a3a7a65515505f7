"""The shop's pages, and where the browser SDK reports its own errors.

Statsig shows up in views (``current_statsig``, ``@feature_gate``), in templates (the
``{% if_gate %}`` tag and the ``get_config`` / ``get_experiment`` / ``get_layer`` /
``statsig_bootstrap`` globals) and in the browser (the bootstrap embedded in every page).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from werkzeug.wrappers import Response

from shop import demo
from statsig_flask import current_statsig, feature_gate

logger = logging.getLogger("shop")
store = Blueprint("store", __name__)
sdk_errors = Blueprint("sdk_errors", __name__, url_prefix="/statsig")


def _item(sku: str | None) -> dict[str, Any]:
    item = demo.product(sku)
    if item is None:
        abort(404)
    return item


def _price(item: dict[str, Any]) -> dict[str, Any]:
    """The item's price for this visitor, from the ``pricing`` dynamic config."""
    pricing = current_statsig.get_config("pricing")
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


@store.get("/")
@store.get("/products/<sku>")
def product(sku: str | None = None) -> str:
    """A product page: headline experiment, pricing config, layer CTA, gated checkout link."""
    item = _item(sku)
    others = [other for other in demo.catalog() if other["sku"] != item["sku"]]
    return render_template("product.html", item=item, price=_price(item), others=others)


def classic_checkout(sku: str) -> str:
    """The checkout everyone gets while ``new_checkout`` is off for them."""
    item = _item(sku)
    return render_template("checkout_classic.html", item=item, price=_price(item))


@store.get("/checkout/<sku>")
@feature_gate("new_checkout", fallback=classic_checkout)
def checkout(sku: str) -> str:
    """The new one-page checkout, for visitors who pass ``new_checkout``."""
    item = _item(sku)
    return render_template("checkout_new.html", item=item, price=_price(item))


@store.post("/purchase")
def purchase() -> Response:
    """Record the order as a ``purchase`` custom event (value: what the visitor paid)."""
    item = _item(request.form.get("sku") or "")
    price = _price(item)
    flavor = "new" if request.form.get("checkout") == "new" else "classic"
    current_statsig.log_event(
        "purchase",
        price["total"],
        {"sku": item["sku"], "currency": price["currency"], "checkout": flavor},
    )
    return redirect(url_for("store.thanks", sku=item["sku"]))


@store.get("/thanks/<sku>")
def thanks(sku: str) -> str:
    item = _item(sku)
    return render_template("thanks.html", item=item, price=_price(item))


@store.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    """Pick a demo user (no passwords: this is a demo of targeting, not of auth)."""
    if request.method == "POST":
        demo.switch_user(request.form.get("handle", ""))
        return redirect(url_for("store.product"))
    return render_template("login.html")


@store.get("/assets/statsig-js-client.min.js")
def js_client() -> Response:
    """The official ``@statsig/js-client`` browser build, served from the npm install."""
    path = current_app.config["SHOP_JS_CLIENT_FILE"]
    if not path.is_file():
        abort(404, "@statsig/js-client is not installed: run `python3 dev.py flask`")
    return send_file(path, mimetype="text/javascript", max_age=3600)


# -- where the browser SDK reports its own errors (its events go to statsig_flask.endpoints) ---


@sdk_errors.post("/sdk_exception")
def sdk_exception() -> tuple[str, int]:
    """Where the browser SDK reports its own errors (instead of to Statsig): the server log."""
    report = request.stream.read(2000).decode("utf-8", "replace")
    logger.warning("browser SDK error report: %s", report)
    return "", 202
