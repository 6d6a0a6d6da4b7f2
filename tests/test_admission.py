"""Bounds on concurrent /sparql evaluations (sparql_endpoint/admission.py), and the time bound of
searches evaluated in the serving process."""

from __future__ import annotations

from contextlib import ExitStack

import pytest

from browser_ui import search as search_module
from sparql_endpoint.admission import LIGHT_SECONDS, Admission, Busy


@pytest.fixture
def gate(tmp_path):
    return Admission(tmp_path / "slots", per_client=2, per_process=2, overall=3)


def test_one_client_holds_at_most_its_share(gate):
    with ExitStack() as held:
        assert held.enter_context(gate.slot("10.0.0.1")) == LIGHT_SECONDS
        assert held.enter_context(gate.slot("10.0.0.1")) is None  # one light slot per client
        with pytest.raises(Busy) as refused:
            held.enter_context(gate.slot("10.0.0.1"))
        assert refused.value.status == 429
        assert held.enter_context(gate.slot("10.0.0.2")) == LIGHT_SECONDS
        # both light slots taken, for longer than a query waits for one: the heavy lane
        assert held.enter_context(gate.slot("10.0.0.3")) is None
    assert gate.slot("10.0.0.1").__enter__() == LIGHT_SECONDS  # all released


def test_heavy_clients_skip_the_light_lane_and_the_heavy_lane_is_bounded(gate):
    gate.mark_heavy("10.0.0.1")
    with ExitStack() as held:
        assert held.enter_context(gate.slot("10.0.0.1")) is None
        assert held.enter_context(gate.slot("10.0.0.2", heavy=True)) is None
        with pytest.raises(Busy) as refused:
            held.enter_context(gate.slot("10.0.0.3", heavy=True))
        assert refused.value.status == 503
        assert held.enter_context(gate.slot("10.0.0.3")) == LIGHT_SECONDS  # lookups still run


def test_slots_are_shared_by_processes_through_lock_files(tmp_path):
    one = Admission(tmp_path / "slots", per_client=1, per_process=4, overall=4)
    other = Admission(tmp_path / "slots", per_client=1, per_process=4, overall=4)  # another process's
    with one.slot("10.0.0.1"):
        with pytest.raises(Busy):
            other.slot("10.0.0.1").__enter__()


def test_a_search_that_runs_too_long_is_stopped(built, monkeypatch, caplog):
    from sparql_endpoint.current import CurrentBuild

    build = CurrentBuild(built).get()
    index = search_module.index_path(built, build.id)
    assert search_module.search(index, "passport", "en")
    monkeypatch.setattr(search_module, "SEARCH_SECONDS", -1.0)
    monkeypatch.setattr(search_module, "SEARCH_CHECK_EVERY", 1)
    assert search_module.search(index, "passport", "en") == []
    assert "failed" in caplog.text  # interrupted by the progress handler
