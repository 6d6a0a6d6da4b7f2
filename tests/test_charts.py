"""Server-side charts (sparql_endpoint/charts.py): Vega-Lite specs rendered to accessible, self-contained SVG."""

import re

import pytest

from sparql_endpoint import charts

ROWS = [{"institution": "Office Burundais des Recettes", "fee": 30000, "currency": "BIF"},
        {"institution": "Ministère de l'Intérieur", "fee": 5000, "currency": "BIF"},
        {"institution": "Office Burundais des Recettes", "fee": 120, "currency": "USD"}]


def _texts(svg: str) -> list[str]:
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg)


def test_bar_chart_is_an_accessible_svg_with_its_title_and_data():
    svg = charts.render_svg(charts.bar_spec(ROWS[:2], "institution", "fee", title="Fees by institution",
                                            description="Fees in francs, largest first"))
    assert svg.startswith('<svg role="img" aria-label="Fees in francs, largest first"')
    assert "<title>Fees by institution</title>" in svg
    texts = _texts(svg)
    assert "Office Burundais des Recettes" in texts and "30,000" in texts
    assert " role=" not in svg[svg.index(">"):]  # the marks' own roles are gone: an image's parts are presentational


def test_french_numbers_and_no_reference_outside_the_page():
    svg = charts.render_svg(charts.bar_spec(ROWS[:2], "institution", "fee", title="Frais"), locale="fr-FR")
    assert "30\u00a0000" in _texts(svg)
    urls = set(re.findall(r"https?://[^\"\s<>)]+", svg))
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
    assert "@font-face" not in svg and "url(http" not in svg


def test_currencies_are_separate_panels_never_added():
    svg = charts.render_svg(charts.bar_spec(ROWS, "institution", "fee", title="Fees", facet="currency"))
    texts = _texts(svg)
    assert {"BIF", "USD"} <= set(texts)
    assert "30,120" not in texts and "30,000" in texts  # BIF and USD never summed on one axis


def test_ids_are_unique_per_chart():
    first = charts.render_svg(charts.bar_spec(ROWS[:2], "institution", "fee", title="A"))
    second = charts.render_svg(charts.bar_spec(ROWS[1:], "institution", "fee", title="B"))
    ids = re.findall(r'\sid="([^"]+)"', first) + re.findall(r'\sid="([^"]+)"', second)
    assert len(ids) == len(set(ids))


def test_cache_hit_returns_the_same_string():
    spec = charts.bar_spec(ROWS, "institution", "fee", title="Cached", color="currency")
    first = charts.render_svg(spec)
    assert charts.render_svg(dict(reversed(list(spec.items())))) is first  # same canonical JSON, same entry
    charts.cache_clear()
    again = charts.render_svg(spec)
    assert again == first and again is not first


def test_cache_is_bounded(monkeypatch):
    monkeypatch.setattr(charts, "CACHE_SIZE", 2)
    charts.cache_clear()
    for title in "abc":
        charts.render_svg(charts.bar_spec(ROWS[:1], "institution", "fee", title=title))
    assert len(charts._cache) == 2


@pytest.mark.parametrize("kind", charts.KINDS)
def test_two_column_result_makes_a_chart(kind):
    spec = charts.results_chart_spec(["theme", "n"], [["Santé", "12"], ["Justice", {"value": "7"}]], kind)
    svg = charts.render_svg(spec)
    assert "<title>n / theme</title>" in svg and 'role="img"' in svg
    if kind != "pie":
        assert {"Santé", "Justice"} <= set(_texts(svg))


@pytest.mark.parametrize("variables, rows, kind", [
    (["a", "b", "c"], [["x", "1", "2"]], "bar"),  # three columns
    (["a", "b"], [], "bar"),  # no rows
    (["a", "b"], [["x", "y"]], "bar"),  # no numeric column
    (["a", "b"], [["1", "2"]], "bar"),  # two numeric columns
    (["a", "b"], [["x", "1"], ["y", None]], "bar"),  # a blank number
    (["a", "b"], [["x", "-1"], ["y", "2"]], "pie"),  # a negative share
    (["a", "b"], [[str(i), "x"] for i in range(charts.MAX_BAR_ROWS + 1)], "bar"),  # too many bars
])
def test_results_that_do_not_fit_a_chart(variables, rows, kind):
    assert charts.results_chart_spec(variables, rows, kind) is None


def test_unknown_kind_is_a_clear_error():
    with pytest.raises(charts.ChartError, match="unknown chart kind"):
        charts.results_chart_spec(["a", "b"], [["x", "1"]], "donut")


def test_spec_that_cannot_render_is_a_clear_error():
    with pytest.raises(charts.ChartError, match="cannot be drawn"):
        charts.render_svg({"mark": "nonsense"})


def test_field_names_with_quotes_dots_and_brackets_draw():
    rows = [{"Procédures qui l'exigent": 3, "Doc. [a]": "Acte de naissance"},
            {"Procédures qui l'exigent": 1, "Doc. [a]": "Passeport"}]
    svg = charts.render_svg(charts.bar_spec(rows, "Doc. [a]", "Procédures qui l'exigent", title="Documents"))
    assert {"Acte de naissance", "Passeport", "Procédures qui l'exigent"} <= set(_texts(svg))
    heat = charts.render_svg(charts.heatmap_spec([{"l'un": "A", "l'autre": "B", "n.b": 4}], "l'un", "l'autre", "n.b",
                                                 title="Grille"))
    assert "4" in _texts(heat) and "<title>Grille</title>" in heat


def test_iris_as_labels_are_text_not_references():
    # SPARQL results often label by IRI: they are drawn, and only what a browser would load is refused
    rows = [["https://data.isoko.bi/id/institution/obr", 3], ["https://data.isoko.bi/id/institution/mininter", 1]]
    spec = charts.results_chart_spec(["institution", "n"], rows)
    svg = charts.render_svg(spec)
    assert "https://data.isoko.bi/id/institution/obr" in " ".join(_texts(svg)) + svg
    assert 'href="http' not in svg and "url(http" not in svg
