"""The analyses' shared pieces (browser_ui/analysis/common.py): durations in days, and the parameters
set in the documented queries."""

from __future__ import annotations

from datetime import date

import pytest

from browser_ui.analysis import common, dependency_map as dm, prerequisites as pq, quality as qa
from browser_ui.analysis.common import duration_days
from tests.analysis_catalogue import P


def test_durations_in_days():
    assert duration_days("P3D") == 3 and duration_days("P2M") == 60 and duration_days("P1Y") == 365
    assert duration_days("PT48H") == 2 and duration_days("P1W") == 7 and duration_days("PT36H") == 1.5
    assert duration_days("P1Y2M3DT12H") == 365 + 60 + 3 + 0.5
    assert duration_days("P") is None and duration_days("3 days") is None


def test_query_parameters_are_set_in_the_documented_queries():
    tree = common.with_roots(common.query_text(pq.TREE_QUERY), [P + "a", P + "b"])
    assert f"VALUES ?root {{ <{P}a> <{P}b> }}" in tree and "petroleum" not in tree
    assert 'VALUES ?level { "top" }' in dm.with_level(common.query_text(dm.MAP_QUERY), "top")
    since = qa.with_since(common.query_text(qa.COMPLETENESS_QUERY), date(2025, 12, 1))
    assert 'BIND("2025-12-01"^^xsd:date AS ?since)' in since and "NOW()" not in since
    assert qa.year_before(date(2028, 2, 29)) == date(2027, 2, 28)
    with pytest.raises(ValueError):
        dm.with_level(common.query_text(dm.MAP_QUERY), "ministry")
