"""The /sparql result cache (sparql_endpoint/result_cache.py): invisible in answers, keyed by build,
shared by the processes of one var/, successes only, bounded, and off with ISOKO_RESULT_CACHE_MB=0."""

from __future__ import annotations

import dataclasses
import sqlite3
import urllib.parse

import pytest

from isoko.app import create_app
from sparql_endpoint import engine
from sparql_endpoint.examples import examples
from sparql_endpoint.executor import Answer
from sparql_endpoint.result_cache import FILE_NAME, Request, ResultCache

from .conftest import rebuild, write

SELECT = "SELECT ?s ?title WHERE { ?s <http://purl.org/dc/terms/title> ?title } ORDER BY ?s ?title"
CONSTRUCT = ("CONSTRUCT { ?s <http://purl.org/dc/terms/title> ?title } WHERE "
             "{ ?s <http://purl.org/dc/terms/title> ?title }")
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s a <http://purl.org/vocab/cpsv#PublicService> }"
FORMATS = [(SELECT, name) for name in ("json", "xml", "csv", "tsv")] + \
          [(CONSTRUCT, name) for name in ("ttl", "nt", "jsonld")]
PER_REQUEST = ("Date", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After")


@pytest.fixture
def evaluations(monkeypatch) -> list[str]:
    """The query texts the engine evaluated (not answered from the cache)."""
    seen: list[str] = []
    evaluate = engine.evaluate

    def counting(app, build, asked, budget=None):
        seen.append(asked.query)
        return evaluate(app, build, asked, budget)

    monkeypatch.setattr(engine, "evaluate", counting)
    return seen


def _apps(config):
    config = dataclasses.replace(config, sparql_rate="1000 per second")  # the tests send many at once
    cached = create_app(config)
    uncached = create_app(dataclasses.replace(config, result_cache_mb=0))
    return cached.test_client(), uncached.test_client()


def _same(first, second) -> None:
    assert first.status_code == second.status_code == 200, (first.data[:300], second.data[:300])
    assert first.data == second.data
    kept = lambda response: sorted((k, v) for k, v in response.headers.items() if k not in PER_REQUEST)  # noqa: E731
    assert kept(first) == kept(second)


def _get(client, query: str, *, environ: dict | None = None, **parameters: str):
    url = "/sparql?" + urllib.parse.urlencode({"query": query, **parameters})
    return client.get(url, headers={"Accept-Encoding": "identity"}, environ_overrides=environ or {})


@pytest.mark.parametrize("query,name", FORMATS, ids=[name for _, name in FORMATS])
def test_cached_answers_are_the_uncached_ones_byte_for_byte(built, evaluations, query, name):
    cached, uncached = _apps(built)
    miss = _get(cached, query, format=name)
    hit = _get(cached, query, format=name)
    fresh = _get(uncached, query, format=name)
    assert evaluations == [f"{query}", f"{query}"]  # the cached app evaluated it once, the other once
    _same(miss, hit)
    _same(hit, fresh)
    assert hit.data  # something was compared


def test_every_example_query_is_answered_alike_from_the_cache(built, evaluations):
    cached, uncached = _apps(built)
    for example in examples():
        miss, hit, fresh = (_get(client, example.body) for client in (cached, cached, uncached))
        _same(miss, hit)
        _same(hit, fresh)
    assert len(evaluations) == 2 * len(examples())


def test_accept_and_conditional_requests_are_unchanged(built, evaluations):
    cached, uncached = _apps(built)
    for client in (cached, cached, uncached):
        response = client.get("/sparql?query=" + urllib.parse.quote(SELECT), headers={"Accept": "text/csv"})
        assert response.mimetype == "text/csv"
        again = client.get("/sparql?query=" + urllib.parse.quote(SELECT),
                           headers={"Accept": "text/csv", "If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304
    other = cached.get("/sparql?query=" + urllib.parse.quote(SELECT), headers={"Accept": "text/tab-separated-values"})
    assert other.mimetype == "text/tab-separated-values"  # another Accept: another entry
    assert len(evaluations) == 4  # the cached app: text/csv once, TSV once; the uncached app: both csv requests


def test_a_build_switch_answers_the_new_builds_results(built, evaluations):
    cached, uncached = _apps(built)
    before = _get(cached, COUNT, format="csv")
    assert _get(cached, COUNT, format="csv").data == before.data
    write(built, "procedure/an-extra-procedure.yaml",
          (built.data_dir / "procedure" / "birth-registration.yaml").read_text(encoding="utf-8"))
    rebuild(built)
    after = _get(cached, COUNT, format="csv")
    assert after.data != before.data
    _same(after, _get(uncached, COUNT, format="csv"))
    assert evaluations.count(COUNT) == 3  # before, after the switch, and the uncached app
    with sqlite3.connect(built.run_dir / FILE_NAME) as db:  # the old build's entries are purged
        assert {build for (build,) in db.execute("SELECT DISTINCT build FROM answers")} == {
            cached.application.extensions["isoko.current"].get().id}


def test_processes_of_one_var_share_the_answers(built, evaluations):
    first, second = create_app(built).test_client(), create_app(built).test_client()
    answered = _get(first, SELECT, format="json")
    _same(answered, _get(second, SELECT, format="json"))
    assert evaluations == [SELECT]  # the second app found it in the shared file


def test_errors_are_not_cached(built, evaluations):
    client = create_app(built).test_client()
    for _ in range(2):
        assert _get(client, "SELECT * WHERE { ?s ?p }").status_code == 400
        assert _get(client, SELECT, format="nonsense").status_code == 406
    assert len(evaluations) == 4
    with sqlite3.connect(built.run_dir / FILE_NAME) as db:
        assert db.execute("SELECT COUNT(*) FROM answers").fetchone() == (0,)


def test_cache_off_evaluates_every_time(built, evaluations):
    app = create_app(dataclasses.replace(built, result_cache_mb=0))
    client = app.test_client()
    assert engine.result_cache(app) is None
    _same(_get(client, SELECT), _get(client, SELECT))
    assert evaluations == [SELECT, SELECT]
    assert not (built.run_dir / FILE_NAME).exists()


def test_the_budget_bounds_both_tiers(tmp_path):
    cache = ResultCache(tmp_path, budget=64 * 1024)
    bodies = [bytes([n]) * 6000 for n in range(40)]
    for number, body in enumerate(bodies):
        cache.put("build-1", Request(f"q{number}", (), (), "", "", "http://x/sparql"), Answer(200, "text/csv", body))
    with sqlite3.connect(tmp_path / FILE_NAME) as db:
        (total,) = db.execute("SELECT size FROM total").fetchone()
        (count,) = db.execute("SELECT COUNT(*) FROM answers").fetchone()
        assert total == db.execute("SELECT SUM(size) FROM answers").fetchone()[0]
    assert total <= 64 * 1024 and 0 < count < len(bodies)
    assert cache.memory.size <= 16 * 1024
    newest = Request("q39", (), (), "", "", "http://x/sparql")
    assert cache.get("build-1", newest).body == bodies[39]  # the newest stays, the oldest went first
    assert cache.get("build-1", Request("q0", (), (), "", "", "http://x/sparql")) is None
    assert cache.get("build-2", newest) is None  # another build: another key
    too_large = Request("big", (), (), "", "", "http://x/sparql")
    cache.put("build-1", too_large, Answer(200, "text/csv", b"x" * 64 * 1024))
    assert cache.get("build-1", too_large) is None


def test_a_large_answer_is_kept_in_the_file_not_in_each_process(tmp_path):
    # the default budget: each process's memory tier stays at 16 MB, an answer of 10 MB (what some
    # example queries answer on a 1M-triple catalogue) is kept in the shared file only
    cache = ResultCache(tmp_path, budget=256 * 2**20)
    assert cache.memory.budget == 16 * 2**20
    asked, body = Request("heavy", (), (), "", "", "http://x/sparql"), b"r" * 10 * 2**20
    cache.put("build-1", asked, Answer(200, "application/sparql-results+json", body))
    assert cache.memory.size == 0
    other_process = ResultCache(tmp_path, budget=256 * 2**20)
    assert other_process.get("build-1", asked).body == body
    assert other_process.memory.size == 0  # read from the file each time, not copied into memory
