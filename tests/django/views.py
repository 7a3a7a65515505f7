"""Views the Django tests request: sync and async twins of every integration point."""

from __future__ import annotations

import os
import time
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views import View
from rest_framework.response import Response
from rest_framework.views import APIView

from statsig_core.results import Experiment
from statsig_django.decorators import experiment, feature_gate
from statsig_django.mixins import FeatureGateRequiredMixin
from statsig_django.permissions import gate_permission


def home(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return HttpResponse(f"home {kwargs}" if kwargs else "home")


def whoami(request: HttpRequest) -> JsonResponse:
    return JsonResponse(request.statsig.user.to_dict())  # type: ignore[attr-defined]


async def awhoami(request: HttpRequest) -> JsonResponse:
    return JsonResponse(request.statsig.user.to_dict())  # type: ignore[attr-defined]


def worker(request: HttpRequest) -> JsonResponse:
    """Which process served the request, and what ``public_gate`` is there (``?sleep=`` holds
    the worker so that concurrent requests spread over a server's workers)."""
    time.sleep(float(request.GET.get("sleep", 0)))
    return JsonResponse(
        {"pid": os.getpid(), "gate": request.statsig.check_gate("public_gate")}  # type: ignore[attr-defined]
    )


def check(request: HttpRequest, name: str) -> HttpResponse:
    """Checks ``name`` as often as ``?times=`` says, to prove memoization."""
    results = {request.statsig.check_gate(name) for _ in range(int(request.GET.get("times", 1)))}  # type: ignore[attr-defined]
    return HttpResponse(str(results.pop()))


def nothing(request: HttpRequest) -> HttpResponse:
    """Never evaluates anything: must get no cookie and no Vary."""
    return HttpResponse("plain")


def template_page(request: HttpRequest, name: str) -> HttpResponse:
    return render(request, f"tests/{name}.html", {"gate_name": "public_gate"})


def jinja_page(request: HttpRequest, name: str) -> HttpResponse:
    return render(request, f"{name}.jinja", {"gate_name": "public_gate"}, using="jinja2")


def fallback(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return HttpResponse(f"fallback {kwargs}", status=203)


async def afallback(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return HttpResponse(f"async fallback {kwargs}", status=203)


@feature_gate("public_gate")
def on(request: HttpRequest) -> HttpResponse:
    return HttpResponse("on")


@feature_gate("public_gate")
async def aon(request: HttpRequest) -> HttpResponse:
    return HttpResponse("async on")


@feature_gate("off_gate")
def off(request: HttpRequest) -> HttpResponse:
    return HttpResponse("never")


@feature_gate("off_gate")
async def aoff(request: HttpRequest) -> HttpResponse:
    return HttpResponse("never")


@feature_gate("!off_gate")
def negated(request: HttpRequest) -> HttpResponse:
    return HttpResponse("negated")


@feature_gate("off_gate", redirect_to="home")
def redirect_by_name(request: HttpRequest) -> HttpResponse:
    return HttpResponse("never")


@feature_gate("off_gate", redirect_to="/somewhere/else/")
async def aredirect_by_path(request: HttpRequest) -> HttpResponse:
    return HttpResponse("never")


@feature_gate("off_gate", fallback=fallback)
def with_fallback(request: HttpRequest, slug: str) -> HttpResponse:
    return HttpResponse("never")


@feature_gate("off_gate", fallback=fallback)
async def async_with_sync_fallback(request: HttpRequest, slug: str) -> HttpResponse:
    return HttpResponse("never")


@feature_gate("off_gate", fallback=afallback)
def sync_with_async_fallback(request: HttpRequest, slug: str) -> HttpResponse:
    return HttpResponse("never")


@feature_gate("signed_in")
async def members_only(request: HttpRequest) -> HttpResponse:
    return HttpResponse("member")


@experiment("checkout_copy")
def experiment_object(request: HttpRequest, experiment: Experiment) -> HttpResponse:
    return HttpResponse(f"{experiment.group_name}:{experiment.get('headline')}")


@experiment("checkout_copy", "headline", "Buy")
async def experiment_param(request: HttpRequest, headline: str) -> HttpResponse:
    return HttpResponse(headline)


@experiment("checkout_copy", "missing", "default text", kwarg="text")
def experiment_default(request: HttpRequest, text: str) -> HttpResponse:
    return HttpResponse(text)


class OnView(FeatureGateRequiredMixin, View):
    feature_gate = "public_gate"

    def get(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse("cbv on")


class OffView(FeatureGateRequiredMixin, View):
    feature_gate = "off_gate"

    def get(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse("never")


class AsyncOnView(FeatureGateRequiredMixin, View):
    feature_gate = "!off_gate"

    async def get(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse("async cbv on")


class AsyncOffView(FeatureGateRequiredMixin, View):
    feature_gate = "off_gate"

    async def get(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse("never")


class CustomFailureView(FeatureGateRequiredMixin, View):
    feature_gate = "off_gate"

    def handle_gate_failure(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return HttpResponse("custom failure", status=451)

    def get(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse("never")


class AsyncCustomFailureView(CustomFailureView):
    async def get(self, request: HttpRequest) -> HttpResponse:  # type: ignore[override]
        return HttpResponse("never")


class RedirectingView(FeatureGateRequiredMixin, View):
    feature_gate = "off_gate"
    feature_gate_redirect_to = "home"

    def get(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse("never")


class BetaApi(APIView):
    permission_classes = [gate_permission("public_gate")]

    def get(self, request: Any) -> Response:
        return Response({"beta": True})


class HiddenApi(APIView):
    permission_classes = [gate_permission("off_gate")]

    def get(self, request: Any) -> Response:
        return Response({"hidden": True})


class ForbiddenApi(APIView):
    permission_classes = [gate_permission("off_gate", status=403)]

    def get(self, request: Any) -> Response:
        return Response({"forbidden": True})


class MembersApi(APIView):
    """Targets the DRF-authenticated user (``signed_in`` passes only with a user id)."""

    permission_classes = [gate_permission("signed_in")]

    def get(self, request: Any) -> Response:
        return Response({"user": request.statsig.user.user_id})


def bootstrap_page(request: HttpRequest, name: str) -> HttpResponse:
    """Renders a bootstrap template; ``?nonce=`` plays django-csp's ``request.csp_nonce``."""
    if "nonce" in request.GET:
        request.csp_nonce = request.GET["nonce"]  # type: ignore[attr-defined]
    engine = "jinja2" if name.endswith(".jinja") else "django"
    template = name if engine == "jinja2" else f"tests/{name}.html"
    return render(request, template, using=engine)
