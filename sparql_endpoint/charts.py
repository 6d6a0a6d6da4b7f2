"""Charts as inline SVG, rendered on the server from Vega-Lite specs (issue 18, part 4).

`vl-convert-python` runs Vega-Lite in an embedded JavaScript engine, so the pages show charts
without any JavaScript in the browser, and they print. The first render in a process starts that
engine (about a second); later renders of new specs take tens of milliseconds, and a spec already
rendered is answered from a bounded in-memory cache keyed by the hash of its canonical JSON.

The SVG is made self-contained and accessible: one `role="img"` with a `<title>` (the spec's title)
and an `aria-label` (its description or title) on the root, the marks' own ARIA roles removed
(children of an image are presentational), element ids made unique per chart so several charts can
share a page, and no reference to anything outside the document (checked on every render).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import OrderedDict
from html import escape
from threading import Lock

import vl_convert

CACHE_SIZE = 256  # rendered charts kept per process
MAX_BAR_ROWS = 100  # a SPARQL result with more rows is not drawn (a table reads better)
MAX_PIE_ROWS = 12
LABEL_LIMIT = 260  # pixels of a category label before it is cut with an ellipsis
KINDS = ("bar", "line", "pie")
BAR_COLOR, BEHIND_COLOR = "#1f5f8b", "#a9cbe3"

_cache: OrderedDict[str, str] = OrderedDict()
_cache_lock = Lock()


class ChartError(ValueError):
    """A spec that cannot be rendered, or whose SVG would reference something outside the page."""


def spec_key(spec: dict) -> str:
    """The hash of a spec's canonical JSON: the same chart has the same key in every process."""
    canonical = json.dumps(spec, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def render_svg(spec: dict, *, locale: str | None = None) -> str:
    """The spec as an accessible, self-contained `<svg>` element (cached; `locale` e.g. "fr-FR" for numbers)."""
    key = spec_key({"spec": spec, "locale": locale})
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    try:
        raw = vl_convert.vegalite_to_svg(spec, format_locale=locale, allowed_base_urls=[])
    except ValueError as err:
        raise ChartError(f"this chart cannot be drawn: {err}") from err
    svg = _accessible(raw, key[:10], _text(spec.get("title")), spec.get("description"))
    with _cache_lock:
        _cache[key] = svg
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return svg


def cache_clear() -> None:
    """Forget every rendered chart (tests; a new build needs none: its data makes new keys)."""
    with _cache_lock:
        _cache.clear()


def _text(title) -> str:
    if isinstance(title, dict):
        title = title.get("text", "")
    if isinstance(title, list):
        title = " ".join(title)
    return str(title or "")


def _accessible(svg: str, prefix: str, title: str, description: str | None) -> str:
    body = re.sub(r'\s(?:role|aria-[a-z]+)="[^"]*"', "", svg)
    # Unique ids per chart: vega numbers its clip paths and gradients from 1 in every render.
    body = re.sub(r'\sid="([^"]+)"', lambda m: f' id="{prefix}-{m.group(1)}"', body)
    body = re.sub(r'url\(#([^)]+)\)', lambda m: f"url(#{prefix}-{m.group(1)})", body)
    body = re.sub(r'href="#([^"]+)"', lambda m: f'href="#{prefix}-{m.group(1)}"', body)
    # Only what a browser would load counts: IRIs in labels and titles are text.
    outside = re.findall(r'url\((?!#)[^)]*\)|(?:href|src)="(?!#)[^"]*"|@import|@font-face', body)
    if outside:
        raise ChartError(f"the chart refers to something outside the page: {outside[0]}")
    label = escape(description or title or "chart", quote=True)
    body = body.replace("<svg", f'<svg role="img" aria-label="{label}"', 1).replace('class="marks"', 'class="chart"', 1)
    if title:
        body = re.sub(r"(<svg[^>]*>)", lambda m: f"{m.group(1)}<title>{escape(title)}</title>", body, count=1)
    return body


def field(name: str) -> str:
    """A data field as Vega-Lite reads it: dots, brackets, quotes and backslashes escaped (our field
    names are the reader's words: "Procédures qui l'exigent")."""
    return re.sub(r"([\\.\[\]'\"])", r"\\\1", name)


def bar_spec(rows: list[dict], category: str, value: str, *, title: str, color: str | None = None,
             horizontal: bool = True, description: str | None = None, stack: bool = False,
             facet: str | None = None, category_title: str | None = None,
             value_title: str | None = None, sort: bool = True, behind: str | None = None,
             color_order: list[str] | None = None) -> dict:
    """A bar chart of `value` per `category`, largest first (`sort`); optionally coloured by a `color` field.

    Coloured bars are grouped side by side unless `stack`, their colours in `color_order` if given. `behind` names a second value drawn as a
    lighter bar behind the first (the highest fee behind the lowest: a range that stays visible when
    both are equal). With `facet`, one panel per value of that field, each with its own scales: the
    way to show amounts in several currencies without ever adding or comparing them.
    """
    value_axis, category_axis = ("x", "y") if horizontal else ("y", "x")
    category_encoding = {"field": field(category), "type": "nominal", "title": category_title or category,
                         "axis": {"labelLimit": LABEL_LIMIT}}
    if sort:
        category_encoding["sort"] = {"field": field(behind or value), "op": "max", "order": "descending"}
    amount = "amount" if behind else value
    encoding: dict = {category_axis: category_encoding,
                      value_axis: {"field": field(amount), "type": "quantitative", "title": value_title or value}}
    if all(isinstance(row.get(value), int) for row in rows):  # counts: no ticks at 0.5
        encoding[value_axis]["axis"] = {"tickMinStep": 1, "format": ",d"}
    spec: dict = {"data": {"values": rows}, "mark": "bar"}
    if behind:
        # folded into one bar per value; the row order draws `value` last, on top of `behind`
        spec["transform"] = [{"fold": [field(behind), field(value)], "as": ["measure", amount]}]
        encoding["color"] = {"field": "measure", "type": "nominal", "title": None,
                             "scale": {"domain": [value, behind], "range": [BAR_COLOR, BEHIND_COLOR]}}
    elif color:
        encoding["color"] = {"field": field(color), "type": "nominal", "title": color}
        if color_order:
            encoding["color"]["scale"] = {"domain": color_order}
            encoding["color"]["sort"] = color_order
        if not stack:
            encoding[f"{category_axis}Offset"] = {"field": field(color)}
    else:
        encoding["color"] = {"value": BAR_COLOR}
    if not stack:
        encoding[value_axis]["stack"] = None
    band = "height" if horizontal else "width"
    if facet:
        header = {"labelAngle": 0, "labelAlign": "left", "labelFontWeight": "bold"}
        spec = {"data": spec.pop("data"),
                "facet": {"row" if horizontal else "column": {"field": field(facet), "type": "nominal", "title": None,
                                                              "header": header}},
                "spec": {**spec, "encoding": encoding, band: {"step": 16}},
                "resolve": {"scale": {value_axis: "independent", category_axis: "independent"}}}
    else:
        spec.update(encoding=encoding)
        spec[band] = {"step": 18}
    spec.update(title=title, description=description or title)
    return _with_defaults(spec)


def heatmap_spec(rows: list[dict], x: str, y: str, value: str, *, title: str, description: str | None = None,
                 x_title: str | None = None, y_title: str | None = None) -> dict:
    """A grid of `x` by `y`, each cell shaded by `value` and labelled with it (cells without a row stay blank)."""
    position = {"x": {"field": field(x), "type": "nominal", "title": x_title or x, "sort": None,
                      "axis": {"orient": "top", "labelAngle": -40, "labelLimit": LABEL_LIMIT}},
                "y": {"field": field(y), "type": "nominal", "title": y_title or y, "sort": None,
                      "axis": {"labelLimit": LABEL_LIMIT}}}
    return _with_defaults({
        "data": {"values": rows}, "title": title, "description": description or title,
        "width": {"step": 28}, "height": {"step": 22}, "encoding": position,
        "layer": [
            {"mark": "rect", "encoding": {"color": {"field": field(value), "type": "quantitative", "title": value,
                                                    "scale": {"scheme": "greens"}, "legend": None}}},
            {"mark": {"type": "text", "fontSize": 11}, "encoding": {
                "text": {"field": field(value), "type": "quantitative"},
                "color": {"condition": {"test": {"field": field(value), "gt": _dark_from(rows, value)},
                                        "value": "white"}, "value": "black"}}},
        ]})


def _dark_from(rows: list[dict], value: str) -> float:
    """The value above which a cell is dark enough for white text (half the largest)."""
    return max((float(r[value]) for r in rows), default=0) / 2


def _with_defaults(spec: dict) -> dict:
    spec.setdefault("config", {"font": "sans-serif", "view": {"stroke": None},
                               "axis": {"labelFontSize": 11, "titleFontSize": 11}})
    return spec


def _plain(value) -> str | None:
    """A result cell's text: plain values, `Cell`-like objects (`.text`) or SPARQL JSON bindings."""
    if value is None:
        return None
    if isinstance(value, dict):
        return value.get("value")
    return str(getattr(value, "text", value))


def _number(text: str | None) -> float | None:
    try:
        number = float(text) if text is not None else None
    except ValueError:
        return None
    return number if number is not None and number == number and abs(number) != float("inf") else None


def results_chart_spec(variables: list[str], rows: list[list], kind: str = "bar") -> dict | None:
    """A chart of a two-column SPARQL result (one textual column, one numeric), or None when it does not fit.

    It does not fit when the result has another number of columns, no rows, too many rows for the
    kind (`MAX_BAR_ROWS`, `MAX_PIE_ROWS`), a numeric column with blanks or non-numbers, or two
    numeric columns. A pie needs non-negative values.
    """
    if kind not in KINDS:
        raise ChartError(f"unknown chart kind {kind!r}: one of {', '.join(KINDS)}")
    limit = MAX_PIE_ROWS if kind == "pie" else MAX_BAR_ROWS
    if len(variables) != 2 or not rows or len(rows) > limit or any(len(row) != 2 for row in rows):
        return None
    columns = [[_plain(row[i]) for row in rows] for i in (0, 1)]
    numeric = [all(_number(text) is not None for text in column) for column in columns]
    if numeric.count(True) != 1:
        return None
    value_index = numeric.index(True)
    label_index = 1 - value_index
    label, value = variables[label_index], variables[value_index]
    values = [{label: columns[label_index][i] or "", value: _number(columns[value_index][i])}
              for i in range(len(rows))]
    title = f"{value} / {label}"
    if kind == "bar":
        return bar_spec(values, label, value, title=title)
    if kind == "pie":
        if any(row[value] < 0 for row in values):
            return None
        return _with_defaults({"data": {"values": values}, "mark": {"type": "arc"}, "title": title,
                               "description": title, "encoding": {
                                   "theta": {"field": field(value), "type": "quantitative"},
                                   "color": {"field": field(label), "type": "nominal", "title": label}}})
    return _with_defaults({"data": {"values": values}, "mark": {"type": "line", "point": True}, "title": title,
                           "description": title, "encoding": {
                               "x": {"field": field(label), "type": "ordinal", "sort": None, "title": label,
                                     "axis": {"labelLimit": LABEL_LIMIT}},
                               "y": {"field": field(value), "type": "quantitative", "title": value}}})
