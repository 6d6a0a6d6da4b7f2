"""The once-only report (browser_ui/analysis/once_only.py): documents carried between institutions."""

from __future__ import annotations

from browser_ui.analysis import common, once_only as oo
from tests.analysis_catalogue import D, I
from tests.analysis_catalogue import chains, store  # noqa: F401 (fixtures)


def test_once_only_counts(store):
    carried = oo.once_only(common.plain(store.select(common.query_text(oo.ONCE_ONLY_QUERY))))
    assert [(c.document.removeprefix(D), len(c.procedures), [i.removeprefix(I) for i in c.issuers],
             [i.removeprefix(I) for i in c.requirers]) for c in carried] == [
        ("birth-certificate", 3, ["registry"], ["police", "trade-ministry"]),
        ("company-statutes", 1, ["notaries"], ["trade-ministry"]),  # trade-ministry's own issuer left out
        ("passport", 1, ["police"], ["tax-office"]),
        ("residence-card", 1, ["police"], ["labour"]),
        ("tax-certificate", 1, ["tax-office"], ["trade-ministry"]),
        ("work-permit", 1, ["labour"], ["police"]),
    ]
