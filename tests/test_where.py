"""Where to go from where one lives (issue 17, part 2), on the real catalogue built once for the
module: the whole administrative map in the store with its chains, offices located in their commune,
place search, the where pages (HTML and JSON twin), escaping, 400 and 404."""

from __future__ import annotations

import pytest
import yaml
from tburundigeo.data import communes, provinces, quartiers, zones

from isoko.app import create_app
from isoko.config import ROOT, Config
from loaders.build import build
from sparql_endpoint.current import CurrentBuild
from browser_ui.where import ancestors, find_places, offices_for, offices_in, place_index

ID = "https://data.isoko.bi/id/"
PLACE_TYPE = "https://data.isoko.bi/def/place-type/"
BURUNDI = ID + "place/burundi"


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    config = Config.from_env(data_dir=ROOT / "data", var_dir=tmp_path_factory.mktemp("where") / "var")
    build(config)
    served = CurrentBuild(config).get()
    return served.store, served.id, create_app(config).test_client()


def count(store, kind: str) -> int:
    rows = store.select(f"SELECT (COUNT(?p) AS ?n) WHERE {{ ?p <http://purl.org/dc/terms/type> <{PLACE_TYPE}{kind}> }}")
    return int(rows[0]["n"].value)


def by_code(store, kind: str) -> dict[str, str]:
    rows = store.select(f"""SELECT ?p ?code WHERE {{ ?p <http://purl.org/dc/terms/type> <{PLACE_TYPE}{kind}> ;
        <http://www.w3.org/2004/02/skos/core#notation> ?code }}""")
    return {r["code"].value: r["p"].value for r in rows}


def test_the_whole_map_is_in_the_store_with_each_chain_up_to_burundi(real):
    store, build_id, _ = real
    assert (count(store, "colline"), count(store, "zone")) == (3044, 451)
    province_iris, commune_iris = by_code(store, "province"), by_code(store, "commune")
    assert set(province_iris) == {p["code"] for p in provinces.data}
    assert set(commune_iris) == {c["code"] for c in communes.data}
    zone_commune = {z["code"]: z["commune_code"] for z in zones.data}
    commune_province = {c["code"]: c["province_code"] for c in communes.data}
    for commune in communes.data:
        assert ancestors(store, commune_iris[commune["code"]], build_id) == [
            commune_iris[commune["code"]], province_iris[commune["province_code"]], BURUNDI]
    for colline in quartiers.data:
        zone = colline["zone_code"]
        commune = zone_commune[zone]
        assert ancestors(store, ID + "place/" + colline["code"].lower(), build_id) == [
            ID + "place/" + colline["code"].lower(), ID + "place/" + zone.lower(), commune_iris[commune],
            province_iris[commune_province[commune]], BURUNDI], colline


def test_offices_are_located_in_the_commune_their_slug_names():
    communes_of_data = {p.stem for p in (ROOT / "data" / "place").glob("*.yaml")
                        if "placetype:commune" in p.read_text(encoding="utf-8")}
    for path in (ROOT / "data" / "office").glob("*.yaml"):
        named = [c for c in communes_of_data if path.stem.endswith("-" + c)]
        if named:
            assert yaml.safe_load(path.read_text(encoding="utf-8"))["place"] == [f"place/{named[0]}"], path


def first_colline(commune_name: str) -> str:
    """The slug of the first colline (by code) of a commune of the package."""
    code = next(c["code"] for c in communes.data if c["name"] == commune_name)
    zones_of = {z["code"] for z in zones.data if z["commune_code"] == code}
    return min(q["code"] for q in quartiers.data if q["zone_code"] in zones_of).lower()


# (commune, procedure naming the office as a channel, the office, what lies in the province besides)
IN_COMMUNE = [
    ("Gitega", "vehicle-technical-inspection", "otraco-gitega", set()),
    ("Rumonge", "inss-old-age-pension", "inss-rumonge", {"inss-bururi"}),
    ("Cibitoke", "civil-service-health-insurance-card", "mfp-cibitoke", {"mfp-bujumbura"}),
    ("Mukaza", "patent-application", "propriete-industrielle-bujumbura", set()),
    ("Mwaro", "inss-old-age-pension", "inss-mwaro", {"inss-gitega"}),
]


def slugs(offices: list[dict]) -> set[str]:
    return {o["iri"].rsplit("/", 1)[-1] for o in offices}


@pytest.mark.parametrize("commune, procedure, office, province", IN_COMMUNE, ids=[c[0] for c in IN_COMMUNE])
def test_the_where_page_lists_the_office_in_your_commune(real, commune, procedure, office, province):
    colline = first_colline(commune)
    answer = real[2].get(f"/id/procedure/{procedure}/where?place={colline}&format=json")
    assert answer.status_code == 200
    groups = answer.get_json()["groups"]
    assert slugs(groups["commune"]) == {office}
    assert slugs(groups["province"]) == province
    assert office not in slugs(groups["elsewhere"])
    assert answer.get_json()["place"]["chain"][1]["name"]["text"] == commune
    page = real[2].get(f"/id/procedure/{procedure}/where?place={colline}&lang=en").data.decode()
    assert page.index("In your commune") < page.index(f'href="/id/office/{office}"') < page.index("In your province")


# The passport in each of the 5 provinces: CGM's one-stop counters (data/office/cgm-*) serve its
# applicants in their province since 2022 (reference/burundi-institutions.yaml, cgm.offices).
PASSPORT = [("Muyinga", "cgm-muyinga", set()), ("Kayanza", "cgm-kayanza", set()),
            ("Gitega", "cgm-gitega", {"cgm-mwaro"}), ("Bururi", "cgm-bururi", {"cgm-makamba", "cgm-rutana"}),
            ("Cibitoke", "cgm-cibitoke", {"cgm-bubanza", "pafe-bujumbura"})]


@pytest.mark.parametrize("commune, office, province", PASSPORT, ids=[p[0] for p in PASSPORT])
def test_the_passport_office_of_your_commune_in_each_province(real, commune, office, province):
    groups = real[2].get(f"/id/procedure/ordinary-passport/where?place={first_colline(commune)}&format=json"
                         ).get_json()["groups"]
    assert (slugs(groups["commune"]), slugs(groups["province"])) == ({office}, province)
    assert "cgm-online" in slugs(groups["elsewhere"])


def test_the_passport_communes_are_in_five_provinces():
    in_province = {c["name"]: c["province_code"] for c in communes.data}
    assert len({in_province[commune] for commune, _, _ in PASSPORT}) == 5


# One colline in each of the 5 provinces, with the offices recorded in its commune.
NEAR = [("Gitega", {"cgm-gitega", "dtf-gitega", "inss-gitega", "mfp-gitega", "onpr-gitega", "otraco-gitega"}),
        ("Rumonge", {"inss-rumonge"}), ("Cibitoke", {"cgm-cibitoke", "inss-cibitoke", "mfp-cibitoke"}),
        ("Muyinga", {"cgm-muyinga", "obr-muyinga"}), ("Kayanza", {"cgm-kayanza"})]


@pytest.mark.parametrize("commune, offices", NEAR, ids=[n[0] for n in NEAR])
def test_offices_near_a_colline_in_each_province(real, commune, offices):
    answer = real[2].get(f"/id/place/{first_colline(commune)}/offices?format=json").get_json()
    assert slugs(answer["groups"]["commune"]) == offices
    assert answer["place"]["chain"][-1]["type"] == "province"
    with_procedures = [o for o in answer["groups"]["commune"] if o["procedures"]]
    assert all(p["iri"].startswith(ID + "procedure/") for o in with_procedures for p in o["procedures"])


def test_the_five_collines_are_in_five_provinces():
    in_province = {c["name"]: c["province_code"] for c in communes.data}
    assert len({in_province[commune] for commune, _ in NEAR}) == len(provinces.data) == 5


@pytest.mark.parametrize("text", ["Bisinde", "bisinde", "BISINDE", "Bisindé", " bïsinde! ", "bisin", "bisinde butag"])
def test_search_finds_bisinde_accent_and_case_insensitively(real, text):
    store, build_id, _ = real
    found = {p.slug: p for p in find_places(store, text, ("fr", "en", "rn"), build=build_id)}
    assert {"bi-qt-01-01-01-01", "bi-zo-01-01-01"} <= set(found)
    colline = found["bi-qt-01-01-01-01"]
    assert [(p.type, p.name.text) for p in colline.chain] == [
        ("zone", "Bisinde"), ("commune", "Butaganzwa"), ("province", "Province de Buhumuza")]


def test_search_page_links_each_place_with_its_chain(real):
    page = real[2].get("/id/procedure/ordinary-passport/where?q=bisinde&lang=en").data.decode()
    assert ('href="/id/procedure/ordinary-passport/where?place=bi-qt-01-01-01-01">'
            "Bisinde, zone Bisinde, commune Butaganzwa, Buhumuza Province</a>") in page
    assert len(find_places(real[0], "b", ("en",), build=real[1])) == 20
    assert [p.type for p in find_places(real[0], "mpinga-kayové", ("en",), build=real[1])] == ["commune"]
    french = real[2].get("/id/procedure/ordinary-passport/where?q=bisinde&lang=fr").data.decode()
    assert "2 lieux correspondent" in french


def test_the_place_index_is_loaded_once_per_build(real):
    store, build_id, _ = real
    assert place_index(store, build_id) is place_index(store, build_id)
    assert place_index(store) is not place_index(store, build_id)  # no build id: read afresh


@pytest.mark.parametrize("query", ['<script>alert("x")</script>', "\"><img src=x onerror=alert(1)>", "a&b'c"])
def test_hostile_text_is_escaped(real, query):
    answer = real[2].get("/id/procedure/ordinary-passport/where", query_string={"q": query, "lang": "en"})
    body = answer.data.decode()
    assert answer.status_code == 200
    assert query not in body and "<script>alert" not in body and "<img src=x" not in body
    assert real[2].get("/id/procedure/ordinary-passport/where",
                       query_string={"q": query, "format": "json"}).get_json()["query"] == query


@pytest.mark.parametrize("query", ["", "   ", "x" * 101])
def test_an_empty_or_too_long_query_is_a_400_with_a_message(real, query):
    client = real[2]
    page = client.get("/id/procedure/ordinary-passport/where", query_string={"q": query, "lang": "en"})
    assert page.status_code == 400 and 'role="alert"' in page.data.decode()
    assert 'name="q"' in page.data.decode()  # the form, to try again
    answer = client.get("/id/procedure/ordinary-passport/where", query_string={"q": query, "format": "json"})
    assert answer.status_code == 400 and answer.get_json()["error"]
    assert client.get("/id/procedure/ordinary-passport/where", query_string={"q": "x" * 100}).status_code == 200


@pytest.mark.parametrize("url", ["/id/procedure/no-such-procedure/where?q=gitega",
                                 "/id/procedure/no-such-procedure/where?place=gitega",
                                 "/id/procedure/ordinary-passport/where?place=no-such-place",
                                 "/id/procedure/ordinary-passport/where?place=..%2Fetc",
                                 "/id/institution/obr/where?q=gitega",
                                 "/id/procedure/cgm/where?q=gitega",
                                 "/id/place/no-such-place/offices", "/id/place/Gitega/offices"])
def test_unknown_procedure_or_place_is_a_404(real, url):
    assert real[2].get(url).status_code == 404
    assert real[2].get(url + ("&" if "?" in url else "?") + "format=json").status_code == 404


def test_the_functions_answer_none_for_the_unknown(real):
    store, build_id, _ = real
    assert ancestors(store, ID + "place/no-such-place", build_id) == []
    assert offices_for(store, ID + "procedure/no-such", ID + "place/gitega", "en", ("rn", "fr", "en"), build_id) is None
    assert offices_for(store, ID + "procedure/ordinary-passport", ID + "place/nope", "en", ("en",), build_id) is None
    assert offices_in(store, ID + "place/nope", "en", ("en",), build_id) is None


def test_procedure_page_has_the_form_and_the_where_pages_are_cached(real):
    client = real[2]
    page = client.get("/id/procedure/ordinary-passport?lang=en").data.decode()
    assert 'action="/id/procedure/ordinary-passport/where"' in page and 'name="q"' in page
    assert "<script" not in page.split('<section aria-labelledby="where-from">')[1].split("</section>")[0]
    url, french = "/id/procedure/ordinary-passport/where?place=bi-qt-01-01-01-01", {"Accept-Language": "fr"}
    fresh = client.application.test_client()  # no language cookie: `?lang=` answers set one, never cached
    first, second = fresh.get(url, headers=french), fresh.get(url, headers=french)
    assert (first.headers["X-Isoko-Cache"], second.headers["X-Isoko-Cache"]) == ("miss", "hit")
    assert "Dans votre commune" in second.data.decode()
    groups = client.get(url + "&format=json").get_json()["groups"]
    assert not groups["commune"] and slugs(groups["province"]) == {"cgm-muyinga"}  # Butaganzwa: Buhumuza
    assert {"pafe-bujumbura", "cgm-online", "cgm-gitega"} <= slugs(groups["elsewhere"])
    assert "cgm-muyinga" not in slugs(groups["elsewhere"])
