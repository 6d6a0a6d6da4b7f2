"""The page cache (browser_ui/page_cache.py): a hit is the miss it copies, the key separates what a
page depends on, the view counter still counts, and nothing stale outlives a build."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import sqlite3
import time
from pathlib import Path

import pytest

from browser_ui import page_cache, popularity
from browser_ui.page_cache import Entry, PageCache
from isoko.app import create_app
from isoko.config import Config
from loaders.build import build

from .conftest import FIXTURE

PROCEDURE = "/id/procedure/passport"
GZIP = {"Accept-Encoding": "gzip"}
CACHE = page_cache.HEADER


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Config:
    folder = tmp_path_factory.mktemp("page-cache")
    shutil.copytree(FIXTURE, folder / "data")
    config = Config.from_env(data_dir=folder / "data", var_dir=folder / "var", base_iri="https://data.isoko.bi/")
    build(config)
    return config


@pytest.fixture
def client(built: Config):
    """A fresh app (so an empty cache) over the built catalogue, without a cookie jar."""
    return create_app(dataclasses.replace(built, page_cache_mb=4)).test_client(use_cookies=False)


def same_response(first, second) -> None:
    assert second.status_code == first.status_code
    assert second.get_data() == first.get_data()
    kept = [(k, v) for k, v in first.headers.items() if k not in (CACHE, "Date")]
    assert [(k, v) for k, v in second.headers.items() if k not in (CACHE, "Date")] == kept


@pytest.mark.parametrize("path, headers", [
    (PROCEDURE, {}), (PROCEDURE, GZIP), (PROCEDURE, {"Accept": "text/turtle"}), (PROCEDURE + ".jsonld", GZIP),
    ("/id/institution/registry", {}), ("/search?q=passeport", GZIP), ("/search?q=passeport&format=json", {}),
    ("/", {}), ("/procedures", GZIP), ("/id/procedure/no-such-thing", {}),
])
def test_hit_is_the_miss(client, path: str, headers: dict):
    miss = client.get(path, headers=headers)
    hit = client.get(path, headers=headers)
    assert miss.headers[CACHE] == "miss" and hit.headers[CACHE] == "hit"
    same_response(miss, hit)
    assert "Content-Security-Policy" in hit.headers and "X-Frame-Options" in hit.headers
    if headers == GZIP and miss.status_code == 200:
        assert hit.headers["Content-Encoding"] == "gzip"


def test_head_is_served_from_the_cache(client):
    client.get(PROCEDURE)
    head = client.head(PROCEDURE)
    assert head.headers[CACHE] == "hit" and head.get_data() == b""


def test_languages_are_resolved_before_the_key(client):
    def language(response) -> str:
        return response.get_data(as_text=True).split('<html lang="', 1)[1].split('"', 1)[0]

    english = client.get(PROCEDURE, headers={"Accept-Language": "en"})
    assert language(english) == "en" and english.headers[CACHE] == "miss"
    french = client.get(PROCEDURE, headers={"Cookie": "lang=fr", "Accept-Language": "en"})
    assert language(french) == "fr" and french.headers[CACHE] == "miss"
    kirundi = client.get(PROCEDURE + "?lang=rn")  # sets the cookie: never kept
    assert language(kirundi) == "rn" and "Set-Cookie" in kirundi.headers
    assert client.get(PROCEDURE + "?lang=rn").headers[CACHE] == "miss"
    # the same resolved language from another header is the same page
    by_cookie = client.get(PROCEDURE, headers={"Cookie": "lang=en"})
    assert language(by_cookie) == "en" and by_cookie.headers[CACHE] == "hit"
    by_cookie = client.get(PROCEDURE, headers={"Cookie": "lang=rn; other=1"})
    assert language(by_cookie) == "rn" and by_cookie.headers[CACHE] == "miss"
    assert client.get(PROCEDURE, headers={"Accept-Language": "fr"}).headers[CACHE] == "hit"


def test_formats_are_separate(client):
    for _ in range(2):
        assert client.get(PROCEDURE, headers={"Accept": "text/html"}).mimetype == "text/html"
        assert client.get(PROCEDURE, headers={"Accept": "application/ld+json"}).mimetype == "application/ld+json"
        assert client.get(PROCEDURE, headers={"Accept": "text/turtle"}).mimetype == "text/turtle"
        assert client.get("/search?q=passeport", headers={"Accept": "application/json"}).mimetype == "application/json"
        assert client.get("/search?q=passeport").mimetype == "text/html"
    assert client.get(PROCEDURE, headers={"Accept": "text/turtle"}).headers[CACHE] == "hit"


def test_hosts_are_separate(client):
    client.get(PROCEDURE, base_url="http://one.example")
    assert client.get(PROCEDURE, base_url="http://two.example").headers[CACHE] == "miss"
    assert client.get(PROCEDURE, base_url="http://one.example").headers[CACHE] == "hit"


def test_conditional_request_on_a_hit(client):
    for headers in ({}, GZIP):
        first = client.get(PROCEDURE, headers=headers)
        etag = first.headers["ETag"]
        again = client.get(PROCEDURE, headers={**headers, "If-None-Match": etag})
        assert again.status_code == 304 and again.headers[CACHE] == "hit" and again.get_data() == b""
        assert again.headers["ETag"] == etag and "Content-Security-Policy" in again.headers
        other = client.get(PROCEDURE, headers={**headers, "If-None-Match": '"another"'})
        assert other.status_code == 200 and other.get_data() == first.get_data()


def views(config: Config) -> int:
    popularity.flush()
    with sqlite3.connect(config.var_dir / "views.sqlite") as connection:
        found = connection.execute("SELECT n FROM views WHERE iri = ?",
                                   (config.id_base + "procedure/passport",)).fetchone()
    return found[0] if found else 0


def test_view_counter_counts_hits(client, built: Config):
    before = views(built)
    responses = [client.get(PROCEDURE) for _ in range(3)]
    assert [r.headers[CACHE] for r in responses] == ["miss", "hit", "hit"]
    assert views(built) == before + 3
    client.get(PROCEDURE + ".ttl")
    client.get(PROCEDURE + ".ttl")  # the data twin is not a page view
    assert views(built) == before + 3


def test_home_page_expires(client, monkeypatch):
    assert client.get("/").headers[CACHE] == "miss"
    assert client.get("/").headers[CACHE] == "hit"
    later = time.monotonic() + 61
    monkeypatch.setattr(page_cache.time, "monotonic", lambda: later)
    assert client.get("/").headers[CACHE] == "miss"
    assert client.get(PROCEDURE).headers[CACHE] == "miss"
    assert client.get(PROCEDURE).headers[CACHE] == "hit"  # the others last as long as the build


def test_not_cached(client):
    for _ in range(2):
        assert CACHE not in client.get("/sparql?query=ASK%7B%7D").headers
        assert CACHE not in client.get("/static/style.css").headers
        assert CACHE not in client.post(PROCEDURE).headers
        assert client.get(PROCEDURE + "?lang=en").headers[CACHE] == "miss"


def test_new_build_is_served_at_once(tmp_path: Path):
    shutil.copytree(FIXTURE, tmp_path / "data")
    config = Config.from_env(data_dir=tmp_path / "data", var_dir=tmp_path / "var", base_iri="https://data.isoko.bi/")
    build(config)
    client = create_app(config).test_client(use_cookies=False)
    french = {"Accept-Language": "fr"}
    client.get(PROCEDURE, headers=french)
    assert client.get(PROCEDURE, headers=french).headers[CACHE] == "hit"
    source = config.data_dir / "procedure" / "passport.yaml"
    source.write_text(source.read_text(encoding="utf-8").replace("Obtenir un passeport", "Nouveau passeport"),
                      encoding="utf-8")
    build(config)
    after = client.get(PROCEDURE, headers=french)
    assert after.headers[CACHE] == "miss" and "Nouveau passeport" in after.get_data(as_text=True)
    assert len(client.application.extensions["isoko.page_cache"]) == 1  # the old build's pages were dropped


def test_disabled_at_zero(built: Config):
    app = create_app(dataclasses.replace(built, page_cache_mb=0))
    client = app.test_client(use_cookies=False)
    assert "isoko.page_cache" not in app.extensions
    assert all(CACHE not in client.get(PROCEDURE).headers for _ in range(2))
    assert Config.from_env().page_cache_mb == 32
    monkeypatch = pytest.MonkeyPatch()
    with monkeypatch.context() as patched:
        patched.setenv("ISOKO_PAGE_CACHE_MB", "0")
        assert Config.from_env().page_cache_mb == 0


def entry(size: int, expires: float | None = None) -> Entry:
    return Entry(200, (), b"", (), expires, size)


def test_least_recently_used_out_of_the_budget():
    cache = PageCache(1000)
    assert cache.get("b1", ("a",)) is None  # the first lookup sets the build
    for name in "abcd":
        cache.put("b1", (name,), entry(120))
    assert cache.get("b1", ("a",)) is not None  # now the most recently used
    for name in "efghijk":
        cache.put("b1", (name,), entry(120))
    assert cache.size <= 1000 and len(cache) == 8
    assert cache.get("b1", ("a",)) is not None and cache.get("b1", ("b",)) is None
    cache.put("b1", ("big",), entry(126))  # more than 1/8 of the budget: not kept
    assert cache.get("b1", ("big",)) is None
    cache.put("b0", ("old",), entry(10))  # made for a build no longer served: not kept
    assert cache.get("b1", ("old",)) is None
    assert cache.get("b2", ("a",)) is None and len(cache) == 0 and cache.size == 0
    cache.put("b2", ("gone",), entry(10, expires=time.monotonic() - 1))
    assert cache.get("b2", ("gone",)) is None and cache.size == 0


def test_views_are_written_in_batches(tmp_path: Path, monkeypatch):
    path, iri = tmp_path / "views.sqlite", "https://data.isoko.bi/id/procedure/x"
    monkeypatch.setattr(popularity, "_flushed", time.monotonic())
    for _ in range(3):
        popularity.count_view(path, iri)
    assert not path.exists()  # nothing written yet: no disk write per view
    assert popularity.most_viewed(path) == [(iri, 3)]  # a read writes what was counted first
    monkeypatch.setattr(popularity, "_flushed", time.monotonic() - popularity.FLUSH_SECONDS)
    popularity.count_view(path, iri)  # due: written at once
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT n FROM views").fetchone() == (4,)
    popularity.count_view(tmp_path / "missing" / "views.sqlite", iri)
    popularity.flush()  # cannot be written: logged, never raised


TOKEN = re.compile(r'name="token" value="[^"]+"')  # the feedback form's token is signed with the time


def fresh_catalogue(tmp_path: Path) -> Config:
    shutil.copytree(FIXTURE, tmp_path / "data")
    config = Config.from_env(data_dir=tmp_path / "data", var_dir=tmp_path / "var", base_iri="https://data.isoko.bi/")
    build(config)
    return config


def retitle_passport(config: Config, title: str) -> None:
    source = config.data_dir / "procedure" / "passport.yaml"
    source.write_text(source.read_text(encoding="utf-8").replace("Obtenir un passeport", title), encoding="utf-8")
    build(config)


SHOWING_PASSPORT = [PROCEDURE, "/id/institution/police", "/id/document/birth-certificate", "/procedures",
                    "/search?q=passeport", "/"]
NOT_SHOWING_PASSPORT = ["/id/procedure/birth-registration", "/id/institution/registry"]


def test_publish_drops_only_the_pages_it_changed(tmp_path: Path):
    config = fresh_catalogue(tmp_path)
    client = create_app(config).test_client(use_cookies=False)
    french = {"Accept-Language": "fr"}
    for path in SHOWING_PASSPORT + NOT_SHOWING_PASSPORT:
        assert "Obtenir un passeport" in client.get(path, headers=french).get_data(as_text=True) \
            or path in NOT_SHOWING_PASSPORT
        assert client.get(path, headers=french).headers[CACHE] == "hit"
    retitle_passport(config, "Nouveau passeport")
    for path in SHOWING_PASSPORT:  # the page itself, its institution, its document's referrers, the lists
        after = client.get(path, headers=french)
        assert after.headers[CACHE] == "miss", path
        assert "Nouveau passeport" in after.get_data(as_text=True), path
    new_build = create_app(config).test_client(use_cookies=False)  # an empty cache: renders the new build
    for path in NOT_SHOWING_PASSPORT:
        kept, rendered = client.get(path, headers=french), new_build.get(path, headers=french)
        assert kept.headers[CACHE] == "hit" and rendered.headers[CACHE] == "miss", path
        assert TOKEN.sub("", kept.get_data(as_text=True)) == TOKEN.sub("", rendered.get_data(as_text=True)), path


def test_a_new_issuer_drops_the_pages_of_the_chain(tmp_path: Path):
    """A procedure that starts issuing a document changes the pages that list who issues it, though
    neither they nor their own links changed."""
    config = fresh_catalogue(tmp_path)
    client = create_app(config).test_client(use_cookies=False)
    for path in (PROCEDURE, "/id/procedure/birth-registration"):
        client.get(path)
    procedures = config.data_dir / "procedure"
    (procedures / "birth-copy.yaml").write_text((procedures / "birth-registration.yaml").read_text(
        encoding="utf-8").replace("Déclarer une naissance", "Copie d'acte de naissance"), encoding="utf-8")
    build(config)
    passport = client.get(PROCEDURE)
    assert passport.headers[CACHE] == "miss" and "Copie d&#39;acte de naissance" in passport.get_data(as_text=True)
    assert client.get("/id/procedure/birth-registration").headers[CACHE] == "hit"  # it only produces the document


def test_without_history_a_publish_drops_everything(tmp_path: Path):
    config = fresh_catalogue(tmp_path)
    client = create_app(config).test_client(use_cookies=False)
    for path in NOT_SHOWING_PASSPORT:
        client.get(path)
    retitle_passport(dataclasses.replace(config, history=False), "Nouveau passeport")
    assert all(client.get(path).headers[CACHE] == "miss" for path in NOT_SHOWING_PASSPORT)


def test_switching_back_drops_everything(tmp_path: Path):
    """Back to an older build (a rollback): its history does not follow the newer one."""
    config = fresh_catalogue(tmp_path)
    first = Path(os.readlink(config.current_link))
    retitle_passport(config, "Nouveau passeport")
    client = create_app(config).test_client(use_cookies=False)
    for path in NOT_SHOWING_PASSPORT:
        client.get(path)
    link = config.current_link.with_name("current-back")
    link.symlink_to(first)
    link.replace(config.current_link)
    assert all(client.get(path).headers[CACHE] == "miss" for path in NOT_SHOWING_PASSPORT)


def test_an_ontology_change_drops_everything(tmp_path: Path):
    """The ontology has no versions (its labels name document types, currencies, properties): when
    its dump differs, no page is kept."""
    config = fresh_catalogue(tmp_path)
    first = Path(os.readlink(config.current_link))
    client = create_app(config).test_client(use_cookies=False)
    for path in NOT_SHOWING_PASSPORT:
        client.get(path)
    retitle_passport(config, "Nouveau passeport")
    dump = config.var_dir / first / "dumps" / "ontology.ttl.gz"  # as if built from another ontology/
    dump.write_bytes(dump.read_bytes() + b"\n")
    assert all(client.get(path).headers[CACHE] == "miss" for path in NOT_SHOWING_PASSPORT)
