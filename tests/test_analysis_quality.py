"""The data-quality dashboard's computations (browser_ui/analysis/quality.py): percentages, warnings,
sorting, recency, and the documented aggregate query agreeing with the sums."""

from __future__ import annotations

import json
from datetime import date

import pytest

from browser_ui.analysis import common, quality as qa
from loaders.build import current_build
from tests.analysis_catalogue import I, P, TODAY
from tests.analysis_catalogue import chains, store  # noqa: F401 (fixtures)


def test_quality_percentages_and_warnings(chains, store):
    report = json.loads((current_build(chains) / "quality.json").read_text())
    assert report["violations"] == 0 and report["shapes"] == ["shapes/quality/warnings.ttl"]
    assert report["counts"] == {"fee": 3, "legal_basis": 7, "office": 7, "time": 1, "title_rn": 6}
    assert {(w["focus"].removeprefix(P), w["fact"]) for w in report["warnings"] if "tax-number" in w["focus"]} == {
        ("tax-number", "fee")}
    assert all(w["file"].endswith(f"procedure/{w['focus'].removeprefix(P)}.yaml") for w in report["warnings"])
    rows = common.plain(store.select(qa.with_since(common.query_text(qa.COMPLETENESS_QUERY), qa.year_before(TODAY))))
    table = qa.quality_table(rows, report["warnings"])
    summary = {e.institution.removeprefix(I): ([round(e.percent(f)) for f in qa.FACTS], e.score, e.warnings)
               for e in table}
    #                  fee time law office fr  en  rn checked
    assert summary == {
        "registry": ([100, 0, 0, 0, 100, 100, 0, 100], 50.0, 4),
        "police": ([50, 100, 0, 0, 100, 100, 50, 100], 62.5, 6),
        "tax-office": ([0, 100, 100, 100, 100, 100, 100, 100], 87.5, 1),
        "trade-ministry": ([50, 100, 0, 0, 100, 100, 0, 50], 50.0, 7),
        "notaries": ([100, 100, 0, 0, 100, 100, 0, 100], 62.5, 3),
        "labour": ([100, 100, 0, 0, 100, 100, 0, 100], 62.5, 3),
    }
    assert [e.institution.removeprefix(I) for e in table] == [  # weakest first; ties: more procedures first
        "trade-ministry", "registry", "police", "labour", "notaries", "tax-office"]
    trade = next(e for e in table if e.institution == I + "trade-ministry")
    assert trade.missing["fee"] == trade.missing["recently_checked"] == [P + "statutes-filing"]
    by_fee = qa.sort_quality(table, "fee", "desc")
    assert [e.institution.removeprefix(I) for e in by_fee][:3] == ["labour", "notaries", "registry"]
    # the documented aggregate query gives the same percentages as the page's sums
    aggregate = common.plain(store.select(qa.with_since(common.query_text(qa.QUALITY_QUERY), qa.year_before(TODAY))))
    for row in aggregate:
        entry = next(e for e in table if e.institution == row["institution"])
        assert float(row["score"]) == pytest.approx(entry.score)
        assert all(float(row[f]) == pytest.approx(entry.percent(f)) for f in qa.FACTS)


def test_checked_long_ago_counts_against_recency(store):
    rows = common.plain(store.select(qa.with_since(common.query_text(qa.COMPLETENESS_QUERY), date(2026, 11, 27))))
    assert {r["procedure"] for r in rows if r["recently_checked"] == "true"} == set()
    rows = common.plain(store.select(qa.with_since(common.query_text(qa.COMPLETENESS_QUERY), date(2019, 1, 1))))
    assert all(r["recently_checked"] == "true" for r in rows)
