"""Full-text search: the build's search.sqlite, the safe query, ranking, languages, and /search."""

from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
from pathlib import Path

import pyoxigraph as ox
import pytest

from browser_ui import search as search_module
from browser_ui.search import SearchUnavailable, fts_query, search, words
from isoko.app import create_app
from isoko.config import Config
from loaders.build import build
from loaders.search_index import write_search_index
from sparql_endpoint.store import OxigraphStore

from .conftest import FIXTURE, write

BASE = "https://data.isoko.bi/id/"
DCT = "http://purl.org/dc/terms/"
REGISTRY = BASE + "institution/registry"
POLICE = BASE + "institution/police"
PASSPORT_PROCEDURE = BASE + "procedure/passport"
PASSPORT_DOCUMENT = BASE + "document/passport"

HOSTILE = [
    '"', '""', "'", "*", "**", "NEAR(", "NEAR(a b, 2)", "a OR", "OR", "AND", "NOT", "a AND NOT b", "-x",
    "+x", ") (", "(", ")", "^pass", "pass*", "title:passeport", "text:pass", "{text iri}: pass", "\\", "%",
    "_", "__", ":", ";", "--", "/* */", "' OR 1=1 --", "\x00", "\x02pass\x03", "\x7f",
    "passeport " * 1000, "a " * 5000, "x" * 10_000, "é" * 10_000,
    "🛂", "🛂 passeport 👍", "👨‍👩‍👧", "جواز السفر", "דרכון", "\u202epasseport\u202c", "\u200f\u200e",
    "pass\u200bport", "\u200b", "\ufeff", "\u00ad", "pa\u0301ss", "ﬁ", "²", " ", "\t\n", "",
]
SURROGATES = ["\ud800", "pass\udfffeport"]  # cannot come over HTTP, but can be passed to search()


def index_of(config: Config) -> Path:
    return Path(os.path.realpath(config.current_link)) / "search.sqlite"


def iris(hits) -> list[str]:
    return [hit.iri for hit in hits]


def fresh_config(tmp_path_factory) -> Config:
    folder = tmp_path_factory.mktemp("search")
    shutil.copytree(FIXTURE, folder / "data")
    return Config.from_env(data_dir=folder / "data", var_dir=folder / "var", base_iri="https://data.isoko.bi/")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Config:
    """The fixture catalogue, built once for the tests of this module that only read it."""
    config = fresh_config(tmp_path_factory)
    build(config)
    return config


@pytest.fixture(scope="module")
def rich(tmp_path_factory) -> Config:
    """The fixture catalogue with texts of every indexed field, and a ranking pair."""
    config = fresh_config(tmp_path_factory)
    write(config, "institution/tax-office.yaml", """\
name: {fr: Office des recettes, en: Revenue office}
acronym: OBRX
former_name: {fr: [Ancienne direction des impôts]}
place: [place/burundi]
source: [https://example.org/tax]
""")
    write(config, "term/tin.yaml", """\
name: {fr: NIF, en: TIN}
definition: {fr: Numéro d'identification fiscale attribué au contribuable., en: Taxpayer identification number.}
scheme: term/
concerns: [procedure/passport]
source: [https://example.org/glossary]
""")
    write(config, "faq/lost-passport.yaml", """\
question: {fr: "Que faire si j'ai perdu mon passeport ?", en: "What if I lost my passport?"}
answer: {text: {fr: Déclarez la perte au commissariat le plus proche., en: Report the loss to the nearest police station.}}
concerns: [procedure/passport]
source: [https://example.org/faq]
""")
    # ranking: "zorglub" in a long title of one document, in the one-word description of the other
    write(config, "document/zorglub-form.yaml", """\
title: {fr: Formulaire zorglub de demande d'autorisation préalable pour une activité réglementée, en: Zorglub form}
type: doctype:form
""")
    write(config, "document/other-form.yaml", """\
title: {fr: Autre formulaire, en: Other form}
description: {fr: Zorglub., en: Zorglub.}
type: doctype:form
""")
    write(config, "document/tricky.yaml", """\
title: {fr: Pièce <b>spéciale</b> & "rare", en: Special <i>piece</i>}
description: {fr: "Quickscan <script>alert(1)</script> & co", en: Other}
type: doctype:other
""")
    path = config.data_dir / "procedure" / "passport.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "keyword: {fr: [voyage, frontière], en: [travel]}\n",
                    encoding="utf-8")
    build(config)
    return config


# --- the index written by the build ----------------------------------------------------------

def test_build_writes_index_in_build_folder(built: Config):
    folder = Path(os.path.realpath(built.current_link))
    info = json.loads((folder / "build.json").read_text())
    assert (folder / "search.sqlite").is_file()
    assert not list(folder.glob(".search.sqlite*"))
    with sqlite3.connect(f"file:{folder / 'search.sqlite'}?mode=ro", uri=True) as connection:
        rows = connection.execute("SELECT COUNT(*) FROM search").fetchone()[0]
        entities = connection.execute("SELECT COUNT(*) FROM entity").fetchone()[0]
        kinds = {k for (k,) in connection.execute("SELECT DISTINCT kind FROM search")}
        sql = connection.execute("SELECT sql FROM sqlite_master WHERE name = 'search'").fetchone()[0]
    assert info["search_rows"] == rows > 0
    assert entities >= 7
    assert {"procedure", "document", "institution", "place", "theme", "event"} <= kinds
    assert "remove_diacritics 2" in sql and "prefix" in sql


def test_index_is_opened_read_only(built: Config):
    connection = sqlite3.connect(f"file:{index_of(built)}?mode=ro", uri=True)
    with pytest.raises(sqlite3.OperationalError):
        connection.execute("DELETE FROM entity")
    connection.close()


def test_every_field_is_indexed(rich: Config):
    with sqlite3.connect(index_of(rich)) as connection:
        fields = {(iri.rsplit("/id/", 1)[1], field) for iri, field in
                  connection.execute("SELECT iri, field FROM search")}
    assert {("institution/tax-office", "alt_name"), ("institution/tax-office", "former_name"),
            ("term/tin", "title"), ("term/tin", "definition"), ("faq/lost-passport", "question"),
            ("faq/lost-passport", "answer"), ("procedure/passport", "keyword"),
            ("procedure/passport", "description")} <= fields
    assert not any("#" in iri for iri, _ in fields)


# --- matching ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["etat civil", "ETAT CIVIL", "État Civil", "état", "Etat", "l'état civil"])
def test_accent_and_case_insensitive(built: Config, text: str):
    assert REGISTRY in iris(search(index_of(built), text, "fr"))


@pytest.mark.parametrize("text", ["passeport", "PASSEPORT", "Passéport"])
def test_finds_procedure_and_document(built: Config, text: str):
    found = iris(search(index_of(built), text, "fr"))
    assert PASSPORT_PROCEDURE in found and PASSPORT_DOCUMENT in found


@pytest.mark.parametrize("text", ["pass", "PASS", "pas", "passe", "passpo"])
def test_prefix_matching(built: Config, text: str):
    found = iris(search(index_of(built), text, "en"))
    assert PASSPORT_PROCEDURE in found and PASSPORT_DOCUMENT in found


def test_safe_query(built: Config):
    assert fts_query("pass etat") == '"pass" "etat"*'
    assert fts_query('title:"pass" OR NEAR(x*') == '"title" "pass" "OR" "NEAR" "x"'  # one letter: no prefix
    assert fts_query("pass etat", " OR ") == '"pass" OR "etat"*'
    assert iris(search(index_of(built), "passeport obten", "fr")) == [PASSPORT_PROCEDURE]


def test_all_words_in_one_text_first_else_any(built: Config):
    assert iris(search(index_of(built), "obtenir passeport", "fr")) == [PASSPORT_PROCEDURE]
    found = iris(search(index_of(built), "passeport frontières", "fr"))  # no text has both
    assert {PASSPORT_DOCUMENT, PASSPORT_PROCEDURE, POLICE} <= set(found)


def test_language_of_match(built: Config):
    hits = search(index_of(built), "passport", "fr")
    assert {h.iri for h in hits} == {PASSPORT_PROCEDURE, PASSPORT_DOCUMENT}
    assert all(h.match_language == "en" and h.match_languages == ("en",) for h in hits)
    rundi = search(index_of(built), "urupapuro", "fr")
    assert [(h.iri, h.match_language) for h in rundi] == [(PASSPORT_PROCEDURE, "rn")]


def test_one_hit_per_entity_with_all_languages(built: Config):
    hits = search(index_of(built), "pass", "fr")
    assert len(iris(hits)) == len(set(iris(hits)))
    procedure = next(h for h in hits if h.iri == PASSPORT_PROCEDURE)
    assert set(procedure.match_languages) == {"fr", "en"}
    assert procedure.match_language == "fr"  # the reader's language wins between equal texts


def test_title_in_reader_language_with_fallback(built: Config):
    def title(language):
        hit = next(h for h in search(index_of(built), "passport", language) if h.iri == PASSPORT_DOCUMENT)
        return hit.title, hit.title_language

    assert title("en") == ("Passport", "en")
    assert title("fr") == ("Passeport", "fr")
    assert title("rn") == ("Passeport", "fr")  # no Kirundi title: the next of rn, fr, en
    procedure = next(h for h in search(index_of(built), "passport", "rn") if h.iri == PASSPORT_PROCEDURE)
    assert (procedure.title, procedure.title_language) == ("Urupapuro rw'inzira", "rn")


def test_kind_filter(built: Config):
    assert iris(search(index_of(built), "passeport", "fr", kind="document")) == [PASSPORT_DOCUMENT]
    assert search(index_of(built), "passeport", "fr", kind="law") == []


def test_limit(built: Config):
    assert len(search(index_of(built), "pass", "fr", limit=1)) == 1
    assert search(index_of(built), "pass", "fr", limit=0) == []


def test_all_fields_found(rich: Config):
    db = index_of(rich)
    assert iris(search(db, "OBRX", "fr")) == [BASE + "institution/tax-office"]
    assert BASE + "institution/tax-office" in iris(search(db, "ancienne direction", "fr"))
    assert iris(search(db, "identification fiscale", "fr"))[0] == BASE + "term/tin"
    assert BASE + "faq/lost-passport" in iris(search(db, "perdu", "fr"))
    assert BASE + "faq/lost-passport" in iris(search(db, "commissariat", "fr"))
    assert PASSPORT_PROCEDURE in iris(search(db, "frontiere", "fr"))  # keyword "frontière"


def test_title_match_outranks_description_match(rich: Config):
    found = iris(search(index_of(rich), "zorglub", "fr"))
    assert found == [BASE + "document/zorglub-form", BASE + "document/other-form"]
    hits = search(index_of(rich), "zorglub", "fr")
    assert hits[0].field == "title" and hits[1].field == "description" and hits[0].score > hits[1].score


def test_titles_rank_before_faq_answers(rich: Config):
    found = iris(search(index_of(rich), "passeport", "fr"))
    assert found.index(PASSPORT_DOCUMENT) < found.index(BASE + "faq/lost-passport")


@pytest.fixture(scope="module")
def crowded(tmp_path_factory) -> Path:
    """An index where "permis" is in 60 descriptions of entities whose IRIs sort first, and in the
    titles of 3 entities whose IRIs sort last; "zq7" is in one description only, sorting last."""
    config = Config(base_iri="https://data.isoko.bi/")
    store = OxigraphStore()
    title, description = ox.NamedNode(DCT + "title"), ox.NamedNode(DCT + "description")
    quads = [ox.Quad(ox.NamedNode(f"{BASE}document/a-{n:02}"), description,
                     ox.Literal(f"Pièce jointe au permis numéro {n}", language="fr")) for n in range(60)]
    quads += [ox.Quad(ox.NamedNode(f"{BASE}procedure/z-{n}"), title,
                      ox.Literal(f"Permis de bâtir {n}", language="fr")) for n in range(3)]
    quads.append(ox.Quad(ox.NamedNode(f"{BASE}term/zz"), description,
                         ox.Literal("Code zq7 du registre", language="fr")))
    store.load(quads)
    path = tmp_path_factory.mktemp("crowded") / "search.sqlite"
    write_search_index(store, path, config)
    return path


def test_common_word_ranks_a_bounded_set_of_candidates_titles_first(crowded: Path, monkeypatch):
    monkeypatch.setattr(search_module, "CANDIDATES", 20)
    hits = search(crowded, "permis", "fr")
    assert len(hits) <= 20  # 63 entities match: only 20 texts were ranked
    assert iris(hits)[:3] == [f"{BASE}procedure/z-{n}" for n in range(3)]  # the titles were among them
    monkeypatch.setattr(search_module, "CANDIDATES", 500)
    assert len(search(crowded, "permis", "fr")) == 50  # unbounded: every match is ranked, up to the limit


def test_rare_word_is_ranked_past_a_common_words_bound(crowded: Path, monkeypatch):
    monkeypatch.setattr(search_module, "CANDIDATES", 20)
    hits = search(crowded, "permis zq7", "fr")  # no text has both: any word, and zq7 sorts last
    assert hits[0].iri == BASE + "term/zz" and "<mark>zq7</mark>" in hits[0].snippet


def test_snippet_escapes_everything_but_marks(rich: Config):
    hit = next(h for h in search(index_of(rich), "quickscan", "fr") if h.iri == BASE + "document/tricky")
    snippet = str(hit.snippet)
    assert "<mark>Quickscan</mark>" in snippet
    assert "<script>" not in snippet and "&lt;script&gt;" in snippet and "&amp;" in snippet
    snippet = str(search(index_of(rich), "speciale", "fr")[0].snippet)
    assert "<b>" not in snippet and "&lt;b&gt;<mark>spéciale</mark>&lt;/b&gt;" in snippet
    assert "&amp; &quot;rare&quot;" in snippet


# --- hostile input ----------------------------------------------------------------------------

@pytest.mark.parametrize("text", HOSTILE + SURROGATES)
def test_hostile_input_never_raises(built: Config, text: str):
    hits = search(index_of(built), text, "fr")
    assert isinstance(hits, list)


def test_random_input_never_raises(built: Config):
    generator = random.Random(6)
    alphabet = ('"*()^:+-_ \'\\{}[]%\u200b\u200d\u202e\ufeff\x00\x02\x03aeéPASSZ0129'
                "αβγжзاربעבר🛂😀\u0301\u0300ﬁ²")
    db = index_of(built)
    for _ in range(500):
        text = "".join(generator.choice(alphabet) for _ in range(generator.randint(0, 40)))
        assert isinstance(search(db, text, "fr"), list)
        for word in words(text):
            assert '"' not in word and "*" not in word


def test_empty_query_gives_no_results(built: Config):
    for text in ("", "   ", "\u200b", "🛂", "***", '"'):
        assert search(index_of(built), text, "fr") == []
        assert fts_query(text) == ""


def test_hostile_input_is_bounded(built: Config):
    assert len(words("a " * 5000)) <= 12
    assert all(len(w) <= 64 for w in words("x" * 10_000))
    assert words("pass\u200bport") == ["passport"]


def test_missing_index(tmp_path: Path):
    with pytest.raises(SearchUnavailable):
        search(tmp_path / "search.sqlite", "passeport", "fr")
    (tmp_path / "broken.sqlite").write_bytes(b"not a database" * 100)
    with pytest.raises(SearchUnavailable):
        search(tmp_path / "broken.sqlite", "passeport", "fr")


# --- the page ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def client(built: Config):
    return create_app(built).test_client(use_cookies=False)


def test_page_html(client):
    response = client.get("/search?q=passeport&lang=en")  # English UI strings; titles in English
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert '<label for="search-q"' in page and 'name="q"' in page and 'value="passeport"' in page
    assert 'href="/id/procedure/passport"' in page and 'href="/id/document/passport"' in page
    assert "<mark>" in page and "2 results" in page and "matched in:" in page
    assert 'type="application/json"' in page


def test_page_without_query_shows_the_form(client):
    response = client.get("/search")
    assert response.status_code == 200 and 'name="q"' in response.get_data(as_text=True)
    assert client.get("/search?q=&format=json").get_json()["results"] == []


def test_page_json_twin(client):
    by_format = client.get("/search?q=pass&format=json&lang=en")
    by_accept = client.get("/search?q=pass&lang=en", headers={"Accept": "application/json"})
    assert by_format.status_code == by_accept.status_code == 200
    assert by_format.mimetype == by_accept.mimetype == "application/json"
    body = by_format.get_json()
    assert body == by_accept.get_json()
    assert body["query"] == "pass" and body["count"] == len(body["results"]) == 2
    first = body["results"][0]
    assert {"iri", "kind", "title", "title_language", "snippet", "match_language", "match_languages",
            "score", "href"} <= set(first)
    html = client.get("/search?q=pass&lang=en").get_data(as_text=True)
    assert [r["href"] for r in body["results"]] == \
        [href for href in ("/id/document/passport", "/id/procedure/passport") if href in html]
    assert html.index(body["results"][0]["href"]) < html.index(body["results"][1]["href"])


def test_page_kind_filter(client):
    body = client.get("/search?q=passeport&kind=document&format=json").get_json()
    assert [r["iri"] for r in body["results"]] == [PASSPORT_DOCUMENT]
    assert client.get("/search?q=passeport&kind=nonsense").status_code == 400


@pytest.mark.parametrize("text", HOSTILE)
def test_page_hostile_input(client, text: str):
    assert client.get("/search", query_string={"q": text}).status_code == 200
    assert client.get("/search", query_string={"q": text, "format": "json"}).status_code == 200


@pytest.mark.parametrize("raw", ["%ED%A0%80", "%FF%FE", "%C3", "%00", "%E2%80%8B", "%", "%%22"])
def test_page_invalid_utf8(client, raw: str):
    assert client.get(f"/search?q={raw}").status_code == 200
    assert client.get(f"/search?q={raw}&format=json").status_code == 200


def test_page_escapes_the_query(client):
    page = client.get("/search", query_string={"q": '"><script>alert(1)</script>'}).get_data(as_text=True)
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page


def test_page_without_index_is_503(tmp_path_factory):
    config = fresh_config(tmp_path_factory)
    build(config)
    os.remove(index_of(config))
    app = create_app(config).test_client()
    response = app.get("/search?q=passeport")
    assert response.status_code == 503 and "search" in response.get_data(as_text=True).lower()
    response = app.get("/search?q=passeport&format=json")
    assert response.status_code == 503 and "error" in response.get_json()


def test_page_without_build_is_503(tmp_path_factory):
    assert create_app(fresh_config(tmp_path_factory)).test_client().get("/search?q=x").status_code == 503


def test_language_links_keep_the_query(client):
    page = client.get("/search?q=passeport&lang=fr").get_data(as_text=True)
    assert 'href="?q=passeport&amp;lang=en"' in page


def test_page_is_cacheable_per_build(client):
    for url in ("/search?q=passeport&lang=fr", "/search?q=passeport&lang=fr&format=json"):
        first = client.get(url)
        assert first.headers["ETag"] and first.headers["Cache-Control"].startswith("public")
        again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304
    other = client.get("/search?q=visa&lang=fr&format=json")
    assert other.headers["ETag"] != client.get("/search?q=passeport&lang=fr&format=json").headers["ETag"]
