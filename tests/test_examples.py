"""Every example query parses, has a title and a description, and answers on the real catalogue."""

import pytest

from loaders.build import build
from sparql_endpoint.current import CurrentBuild
from sparql_endpoint.examples import examples

EXAMPLES = examples()


@pytest.fixture(scope="module")
def real_store(tmp_path_factory):
    from isoko.config import ROOT, Config
    config = Config.from_env(data_dir=ROOT / "data", var_dir=tmp_path_factory.mktemp("real") / "var")
    build(config)
    return CurrentBuild(config).get().store


def test_there_are_examples_for_the_users_questions():
    names = {e.name for e in EXAMPLES}
    assert {"procedures-of-an-institution", "what-a-procedure-requires", "who-issues-a-document",
            "fees-by-currency", "procedures-per-life-event"} <= names


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.name)
def test_example_is_explained_in_french_and_english(example):
    assert example.title and example.description and example.title_fr and example.description_fr
    assert example.title_in("fr") == example.title_in("rn") == example.title_fr != example.title_in("en")


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.name)
def test_example_answers_on_the_real_catalogue(example, real_store):
    assert example.title and example.description
    rows = real_store.select(example.query)
    assert rows, f"{example.name} returned no rows on the real catalogue"


@pytest.fixture
def client(built):
    from isoko.app import create_app
    app = create_app(built)
    yield app.test_client()
    app.extensions.get("isoko.executor") and app.extensions["isoko.executor"].close()


def test_the_query_page_links_every_example_by_name(client):
    from html import unescape
    page = client.get("/sparql?lang=en", headers={"Accept": "text/html"}).get_data(as_text=True)
    for example in EXAMPLES:
        link = f"/sparql?example={example.name}"
        assert f'href="{link}"' in page and f'href="{link}&amp;format=html"' in page, example.name
        assert example.title in unescape(page)
    assert "SELECT" not in page.split("<dl>", 1)[1]  # the list carries names, not query texts


def test_an_example_link_loads_the_form_or_answers_as_its_query(client):
    from html import unescape
    example = next(e for e in EXAMPLES if e.name == "fees-by-currency")
    form = client.get(f"/sparql?example={example.name}&lang=en").get_data(as_text=True)
    assert unescape(form).count(example.body) == 1 and "<textarea" in form
    for name in ("csv", "json", "html"):
        by_name = client.get(f"/sparql?example={example.name}&format={name}&lang=en")
        by_text = client.get("/sparql", query_string={"query": example.body, "format": name, "lang": "en"})
        assert by_name.status_code == by_text.status_code == 200, name
        assert by_name.mimetype == by_text.mimetype and by_name.data == by_text.data, name
    unknown = client.get("/sparql?example=no-such-example&format=csv")
    assert unknown.status_code == 404 and b"no example query named 'no-such-example'" in unknown.data
