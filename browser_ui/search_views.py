"""The search page `/search?q=...&kind=...`, in HTML and (`?format=json` or Accept) as JSON.

It reads the served build's `search.sqlite` (written at build time), never the store.
"""

from __future__ import annotations

import hashlib

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from flask_babel import lazy_gettext

from loaders.kinds import KINDS
from sparql_endpoint.engine import served

from .labels import Label
from .language import preferred_language
from .search import SearchUnavailable, index_path, search as run_search
from .views import _page

blueprint = Blueprint("search", __name__, template_folder="templates")
OFFERED = ["text/html", "application/json"]
LIMIT = 50
KIND_NAMES = {
    "procedure": lazy_gettext("Procedure"), "institution": lazy_gettext("Institution"),
    "office": lazy_gettext("Office"), "place": lazy_gettext("Place"), "document": lazy_gettext("Document"),
    "law": lazy_gettext("Law"), "term": lazy_gettext("Glossary term"), "faq": lazy_gettext("Question"),
    "theme": lazy_gettext("Theme"), "event": lazy_gettext("Life or business event"),
}


def _media_type() -> str | None:
    wanted = (request.args.get("format") or "").lower()
    if wanted:
        return {"json": "application/json", "html": "text/html"}.get(wanted)
    if not request.accept_mimetypes:
        return "text/html"
    return request.accept_mimetypes.best_match(OFFERED)


@blueprint.route("/search")
def search() -> Response:
    media_type = _media_type()
    if media_type is None:
        return Response("Available: " + ", ".join(OFFERED) + " (or ?format=html|json)\n", status=406,
                        mimetype="text/plain")
    query = request.args.get("q", "")
    kind = request.args.get("kind") or None
    if kind is not None and kind not in KINDS:
        return _error(media_type, 400, f"unknown kind {kind!r}; one of: {', '.join(KINDS)}")
    config = current_app.config["ISOKO"]
    build = served()  # 503 through the app's NoBuild handler when nothing is built
    language = preferred_language()
    try:
        hits = run_search(index_path(config, build.id), query, language, limit=LIMIT, kind=kind,
                          order=config.languages)
    except SearchUnavailable as error:
        return _error(media_type, 503, f"Search is unavailable: {error}")
    results = [(hit, url_for("ui.entity", kind=hit.kind, slug=hit.slug)) for hit in hits if hit.slug]
    if media_type == "text/html":  # _page adds the cookie, Vary, Cache-Control and a build-bound ETag
        shown = [(hit, href, Label(hit.title, hit.title_language,
                                   bool(hit.title_language) and hit.title_language != language))
                 for hit, href in results]
        kinds = {code: str(name) for code, name in KIND_NAMES.items()}  # translated once, not per result
        return _page("search.html", query=query, kind=kind, kinds=kinds, results=shown,
                     limit=LIMIT, json_href=url_for("search.search", q=query, kind=kind, format="json"))
    response = jsonify({
        "query": query, "kind": kind, "language": language, "build": build.id, "limit": LIMIT,
        "count": len(results),
        "results": [dict(hit.as_json(), href=href) for hit, href in results],
    })
    response.vary.update(("Accept", "Accept-Language", "Cookie"))
    digest = hashlib.sha256(request.full_path.encode("utf-8", "replace")).hexdigest()[:12]
    response.set_etag(f"{build.id}-{language}-json-{digest}")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response.make_conditional(request)


def _error(media_type: str, status: int, message: str) -> Response:
    if media_type == "application/json":
        response = jsonify({"error": message})
        response.status_code = status
        return response
    return Response(message + "\n", status=status, mimetype="text/plain")
