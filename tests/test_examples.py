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
