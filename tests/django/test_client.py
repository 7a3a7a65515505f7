"""The per-process client: built once, rebuilt after fork or a settings change."""

from __future__ import annotations

import logging
import os
import pickle
import select
import signal

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from statsig_core import StatsigUser
from statsig_django import client as client_module
from statsig_django.client import build_client, get_statsig, reset_statsig, statsig_or_none
from statsig_django.conf import get_settings


def _statsig(**changes):
    return override_settings(STATSIG={**settings.STATSIG, **changes})


def test_one_client_per_process():
    assert get_statsig() is get_statsig()


def test_client_is_built_from_the_settings():
    built = build_client(get_settings())
    try:
        assert built.local_mode and built.options.init_timeout == 3.0
        assert built.check_gate(StatsigUser(user_id="1"), "public_gate") is True
    finally:
        built.shutdown(timeout=0.5)


def test_first_class_keys_win_over_options():
    with _statsig(ENVIRONMENT="staging", INIT_TIMEOUT=0.25):
        built = build_client(get_settings())
    try:
        assert (built.options.environment, built.options.init_timeout) == ("staging", 0.25)
    finally:
        built.shutdown(timeout=0.5)


def test_changing_client_settings_builds_a_new_client_and_other_keys_do_not():
    before = get_statsig()
    with _statsig(TRUSTED_PROXY_COUNT=1):
        assert get_statsig() is before
    with _statsig(ENVIRONMENT="staging"):
        during = get_statsig()
        assert during is not before and during.options.environment == "staging"
    assert get_statsig() is not during


def test_a_broken_setting_is_reported_once_and_requests_get_none(caplog):
    caplog.set_level(logging.ERROR, logger="statsig_django")
    with _statsig(OPTIONS={"no_such_option": 1}):
        with pytest.raises(ImproperlyConfigured):
            get_statsig()
        with pytest.raises(ImproperlyConfigured):
            get_statsig()
        assert statsig_or_none() is None
    assert caplog.text.count("could not create the client") == 1
    assert get_statsig() is not None


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_builds_its_own_client():
    parent = get_statsig()
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report, then leave without running pytest's teardown
        try:
            child = get_statsig()
            result = (
                child is not parent,
                child.check_gate(StatsigUser(user_id="1"), "public_gate"),
            )
        except BaseException as exc:  # pragma: no cover - reported to the parent
            result = ("error", repr(exc))
        os.write(writer, pickle.dumps(result))
        os._exit(0)
    os.close(writer)
    with os.fdopen(reader, "rb") as pipe:
        ready, _, _ = select.select([pipe], [], [], 30)
        if not ready:  # never hang the suite on a stuck child
            os.kill(pid, signal.SIGKILL)
        data = pipe.read() if ready else b""
    os.waitpid(pid, 0)
    assert data, "the forked child did not answer"
    assert pickle.loads(data) == (True, True)
    assert get_statsig() is parent


def test_reset_flushes_and_forgets():
    first = get_statsig()
    reset_statsig()
    assert client_module._state == (None, None, None)
    assert get_statsig() is not first
