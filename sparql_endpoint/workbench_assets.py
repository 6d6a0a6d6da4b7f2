"""The SPARQL workbench's browser side (YASGUI on /sparql, the network view of /analysis/dependencies):
its bundles, what it reads, and the pages' Content-Security-Policy.

The bundles are built by `make workbench` (tools/workbench: npm ci, then esbuild) into
sparql_endpoint/static/dist/ under hashed names listed in its manifest.json; they are served here,
gzip-compressed at build time, cached for a year as immutable. `asset_url('workbench.js')` gives a
bundle's URL in templates, or None when nothing is built: the page then has no script and works
as before (form and server-rendered table).

`/sparql/workbench.json?lang=`: the example queries (sparql_endpoint/queries/) and the script's
interface strings in the reader's language; `/sparql/vocabulary.json`: prefixes, classes and
properties for autocompletion (vocabulary.py). Both are kept out of the page to keep it light.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from flask import Blueprint, Flask, Response, abort, request, send_from_directory, url_for
from flask_babel import gettext as _

from browser_ui.language import preferred_language

from .engine import served
from .examples import examples
from .vocabulary import vocabulary

DIST = Path(__file__).parent / "static" / "dist"
IMMUTABLE = "public, max-age=31536000, immutable"
MEDIA_TYPES = {".js": "text/javascript", ".css": "text/css"}  # else text/plain: the licence notices
# As the site's (isoko/http.py), plus what the workbench needs: fetch() to our own endpoint
# (connect-src), and inline styles: CodeMirror, DataTables, Vega and Cytoscape set style
# attributes on the elements they draw.
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                           "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
                           "form-action 'self'; frame-ancestors 'none'")
SCRIPTED_PAGES = frozenset({"sparql.sparql", "workbench.dependencies"})

blueprint = Blueprint("workbench_assets", __name__)
_manifest: tuple[float, dict[str, str]] = (-1.0, {})


def manifest() -> dict[str, str]:
    """Logical name (`workbench.js`) -> hashed file name; empty when the bundle is not built.
    Read again when the file changes (a rebuild while serving)."""
    global _manifest
    path = DIST / "manifest.json"
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        return {}
    if mtime != _manifest[0]:
        _manifest = (mtime, json.loads(path.read_text(encoding="utf-8")))
    return _manifest[1]


def asset_url(name: str) -> str | None:
    """The URL of a built bundle by its logical name, or None when it is not built."""
    hashed = manifest().get(name)
    return url_for("workbench_assets.asset", name=hashed) if hashed else None


@blueprint.route("/static/dist/<name>")
def asset(name: str) -> Response:
    if name not in manifest().values():
        abort(404)
    compressed = (DIST / f"{name}.gz").is_file() and "gzip" in request.accept_encodings
    response = send_from_directory(DIST, f"{name}.gz" if compressed else name, conditional=True,
                                   mimetype=MEDIA_TYPES.get(Path(name).suffix, "text/plain"))
    if compressed:
        response.headers["Content-Encoding"] = "gzip"  # flask-compress leaves an encoded response alone
    response.vary.add("Accept-Encoding")
    response.headers["Cache-Control"] = IMMUTABLE
    return response


@blueprint.route("/sparql/workbench.json")
def workbench_json() -> Response:
    """The examples (name, title, description, the language of these, query) and the script's
    strings in `?lang=`."""
    language = preferred_language()
    written_in = "en" if language == "en" else "fr"  # examples are explained in French and English only
    body = {
        "examples": [{"name": e.name, "title": e.title_in(language), "description": e.description_in(language),
                      "lang": written_in, "query": e.body} for e in examples()],
        "messages": _messages(),
    }
    response = _json(body)
    if "lang" not in request.args:
        response.vary.update(("Cookie", "Accept-Language"))
    return response


@blueprint.route("/sparql/vocabulary.json")
def vocabulary_json() -> Response:
    build = served()
    return _json(vocabulary(build), etag=build.id)


def _json(body: dict, etag: str | None = None) -> Response:
    """Compact JSON, cached an hour by browsers and proxies, answered 304 when unchanged."""
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    response = Response(text, mimetype="application/json")
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.set_etag(etag or hashlib.sha256(text.encode()).hexdigest()[:16])
    return response.make_conditional(request)


def _messages() -> dict[str, str]:
    return {
        "examples": _("Example queries"),
        "choose": _("Choose an example"),
        "open": _("Open and run"),
        "editor": _("Query editor"),
        "response": _("Response of the endpoint"),
        "pageSize": _("Rows per page"),
        "chart": _("Chart"),
        "network": _("Network"),
        "mark": _("Chart type"),
        "bar": _("Bars"),
        "line": _("Line"),
        "pie": _("Pie"),
        "category": _("Categories"),
        "value": _("Values"),
        "download": _("Download the results:"),
        "nodes": _("%(count)s nodes", count="{count}"),
        "edges": _("%(count)s links", count="{count}"),
    }


def _content_security_policy(response: Response) -> Response:
    if request.endpoint in SCRIPTED_PAGES and response.mimetype == "text/html":
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response


def install(app: Flask) -> None:
    """Register the routes, the `asset_url` template helper and the workbench pages' CSP."""
    app.register_blueprint(blueprint)
    app.jinja_env.globals["asset_url"] = asset_url
    app.after_request(_content_security_policy)
