"""Labels kept per worker (browser_ui/labels.py): read once from the served build's store, never
from another store, and a new build starts with none."""

from __future__ import annotations

import pytest

from browser_ui import labels
from isoko.app import create_app
from isoko.config import Config
from loaders.build import build
from sparql_endpoint.engine import served
from sparql_endpoint.store import OxigraphStore

PASSPORT = "https://data.isoko.bi/id/procedure/passport"
POLICE = "https://data.isoko.bi/id/institution/police"


class Counting:
    """Counts the label queries that reach a store."""

    def __init__(self, monkeypatch):
        self.queries = 0
        original = labels._read_texts

        def counted(store, iris):
            self.queries += 1
            return original(store, iris)
        monkeypatch.setattr(labels, "_read_texts", counted)


def test_labels_of_the_served_build_are_read_once(built: Config, monkeypatch):
    counting = Counting(monkeypatch)
    app = create_app(built)
    with app.app_context():
        store = served().store
        first = labels.fetch_labels(store, {PASSPORT, POLICE}, "fr", built.languages)
    with app.app_context():  # another request: the same store, its labels kept
        again = labels.fetch_labels(store, {PASSPORT, POLICE}, "en", built.languages)
    assert counting.queries == 1
    assert first[PASSPORT].text == "Obtenir un passeport" and again[PASSPORT].text == "Get a passport"
    with app.app_context():  # one more IRI: only it is read
        labels.fetch_labels(store, {PASSPORT, "https://data.isoko.bi/id/institution/registry"}, "fr", built.languages)
    assert counting.queries == 2


def test_other_stores_are_always_read(built: Config, monkeypatch):
    counting = Counting(monkeypatch)
    written = OxigraphStore()  # e.g. a build's own store, still being written
    with create_app(built).app_context():
        for _ in range(2):
            labels.fetch_labels(written, {PASSPORT}, "fr", built.languages)
    assert counting.queries == 2


def test_a_new_build_starts_without_labels(built: Config, monkeypatch):
    app = create_app(built)
    with app.app_context():
        labels.fetch_labels(served().store, {PASSPORT}, "fr", built.languages)
    source = built.data_dir / "procedure" / "passport.yaml"
    source.write_text(source.read_text(encoding="utf-8").replace("Obtenir un passeport", "Nouveau passeport"),
                      encoding="utf-8")
    build(built)
    with app.app_context():
        assert labels.fetch_labels(served().store, {PASSPORT}, "fr", built.languages)[PASSPORT].text == \
            "Nouveau passeport"


def test_least_recently_used_labels_go_first():
    kept = labels.Kept(capacity=2)
    kept.put({"a": {}, "b": {}})
    assert kept.get({"a"}) == {"a": {}}  # now the most recently used
    kept.put({"c": {}})
    assert kept.get({"a", "b", "c"}).keys() == {"a", "c"}


@pytest.fixture(autouse=True)
def no_kept_labels():
    labels._kept.clear()


def test_prerequisite_chains_are_kept_per_served_build(built: Config, monkeypatch):
    from browser_ui import workbench
    from browser_ui.analysis import true_cost

    computed = []
    original = true_cost.of_procedure
    monkeypatch.setattr(true_cost, "of_procedure", lambda store, iri: computed.append(iri) or original(store, iri))
    app = create_app(built)
    for _ in range(2):
        with app.test_request_context("/"):
            first = workbench.prerequisites(PASSPORT)
    assert computed == [PASSPORT]  # the second request used the kept chain
    before = first.cost.totals["BIF"]  # the passport's own fee, the birth registration's 0
    source = built.data_dir / "procedure" / "birth-registration.yaml"
    source.write_text(source.read_text(encoding="utf-8").replace("amount: 0", "amount: 2000"), encoding="utf-8")
    build(built)
    with app.test_request_context("/"):  # a new build: its own chains, the new fee counted
        assert workbench.prerequisites(PASSPORT).cost.totals["BIF"] == before + 2000
    assert computed == [PASSPORT, PASSPORT]
