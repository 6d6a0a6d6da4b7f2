"""Property-based fuzzing (Hypothesis) of sources and HTTP: clear problems or 4xx, never a crash."""

from __future__ import annotations

import shutil

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from isoko.app import create_app
from isoko.config import Config
from loaders.build import build, check_sources, current_build
from loaders.problems import Problem, ProblemsFound
from tests.conftest import FIXTURE

FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                        HealthCheck.too_slow])
ODD = st.sampled_from(["\u200b", "\u202e", "\u0301", "e\u0301", "\ufeff", "\x00", "𝔸", "ß", "İ", "\u2028",
                       "'", '"', ":", "#", "{", "[", "- ", "&a", "*a", "!!python/object:os.system", "%", "@", "`"])
TEXT = st.text(min_size=0, max_size=30) | st.lists(ODD, max_size=6).map("".join)
KEYS = st.sampled_from(["title", "description", "authority", "requires", "produces", "fee", "amount", "currency",
                        "processing_time", "source", "checked", "theme", "bogus", "fr", "en"]) | TEXT
VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | TEXT,
                      lambda children: st.lists(children, max_size=3) | st.dictionaries(KEYS, children, max_size=4),
                      max_leaves=12)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz")
    shutil.copytree(FIXTURE, root / "data")
    config = Config.from_env(data_dir=root / "data", var_dir=root / "var", base_iri="https://data.isoko.bi/")
    build(config)
    return config


def _check(config: Config, text: str) -> list[Problem]:
    path = config.data_dir / "procedure" / "fuzzed.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        return check_sources(config)
    finally:
        path.unlink()


@FUZZ
@given(record=st.dictionaries(KEYS, VALUES, max_size=6))
def test_random_records_give_problems_with_file_and_line(site, record):
    problems = _check(site, yaml.safe_dump(record, allow_unicode=True))
    for problem in problems:
        assert isinstance(problem, Problem) and problem.file and isinstance(problem.line, int)
        assert "Traceback" not in str(problem)


@FUZZ
@given(text=st.text(max_size=300) | st.lists(ODD | st.sampled_from(["\n", "  ", "title:", "- "]), max_size=40).map("".join))
def test_random_text_gives_problems_not_crashes(site, text):
    for problem in _check(site, text):
        assert problem.file.endswith("fuzzed.yaml") or problem.file
        assert isinstance(problem.line, int)


def test_a_failing_build_on_fuzzed_input_keeps_the_served_build(site):
    before = current_build(site)
    path = site.data_dir / "procedure" / "fuzzed.yaml"
    path.write_text("title: {fr: [\n\u202e\x00", encoding="utf-8")
    try:
        with pytest.raises(ProblemsFound):
            build(site)
    finally:
        path.unlink()
    assert current_build(site) == before


HEADERS = st.sampled_from(["text/html", "*/*", "", "application/json;q=abc", "text/*;q=0.5, */*;q=0.1",
                           "application/sparql-results+json", "text/turtle", "image/png", ";;;", "a/b/c",
                           "text/csv;q=1.5", "application/ld+json", "\u00e9/\u00e9"])
PATHS = st.sampled_from(["/", "/sparql", "/id/procedure/passport", "/id/procedure/passport.ttl",
                         "/id/procedure/passport/checklist", "/id/x/y", "/id/procedure/../../etc/passwd",
                         "/dumps/../build.json", "/dumps/catalogue.nq.gz", "/catalog", "/.well-known/void",
                         "/institutions", "/faq", "/glossary", "/places", "/procedures", "/search",
                         "/id/procedure/%00", "/id/procedure/" + "a" * 3000, "/static/../../pyproject.toml"])
QUERIES = st.sampled_from(["SELECT * WHERE { ?s ?p ?o } LIMIT 3", "ASK {}", "SELECT", "{{{{", "DESCRIBE <x:y>",
                           "SELECT * WHERE { " + "{ " * 200 + "}" * 200 + " }", "CONSTRUCT WHERE { ?s ?p ?o }",
                           'SELECT * WHERE { BIND("' + "x" * 100000 + '" AS ?x) }', "INSERT DATA { <a:b> <a:c> 1 }",
                           "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"]) | st.text(max_size=60)


@FUZZ
@given(path=PATHS, accept=HEADERS, lang=TEXT, fmt=TEXT | st.sampled_from(["json", "csv", "ttl", "html"]),
       query=QUERIES, method=st.sampled_from(["GET", "POST", "HEAD"]))
def test_http_never_answers_500(site, path, accept, lang, fmt, query, method):
    client = _client(site)
    params = {"lang": lang, "format": fmt, "q": query}
    if path == "/sparql":
        params["query"] = query
    # Header values with control characters never reach a server (clients refuse to send them).
    printable = "".join(c for c in lang.encode("ascii", "ignore").decode() if c.isprintable())
    headers = {"Accept": accept, "Accept-Language": printable or "xx"}
    if method == "POST":
        response = client.post(path, data=params, headers=headers)
    else:
        response = client.open(path, method=method, query_string=params, headers=headers)
    assert response.status_code < 500 or response.status_code == 503, (path, response.status_code)
    assert b"Traceback" not in response.data


_CLIENTS: dict[str, object] = {}


def _client(config: Config):
    key = str(config.var_dir)
    if key not in _CLIENTS:
        _CLIENTS[key] = create_app(config).test_client()
    return _CLIENTS[key]
