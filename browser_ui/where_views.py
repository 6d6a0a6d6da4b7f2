"""The "where do I go, from where I live" pages (issue 17): `/id/procedure/<slug>/where?q=` lists
the communes, zones and collines matching the reader's text, `?place=<slug>` the procedure's offices
grouped by distance from that place; `/id/place/<slug>/offices` the offices near a place with the
procedures they serve. HTML without JavaScript, and a JSON twin (`?format=json` or Accept)."""

from __future__ import annotations

import hashlib
from dataclasses import asdict

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request, url_for
from flask_babel import gettext as _

from loaders.kinds import SLUG
from sparql_endpoint.engine import served
from sparql_endpoint.negotiation import choose

from .language import preferred_language
from .resources import load
from .views import _page, local_href
from .where import find_places, offices_for, offices_in

blueprint = Blueprint("where", __name__, template_folder="templates")
OFFERED = ["text/html", "application/json"]
MAX_QUERY = 100


def _wants_json() -> bool:
    return choose(OFFERED, request.accept_mimetypes, request.args.get("format")) == "application/json"


def _iri(kind: str, slug: str) -> str:
    if not SLUG.match(slug):
        abort(404)
    return f"{current_app.config['ISOKO'].id_base}{kind}/{slug}"


def _answer(data: dict, status: int = 200, **page) -> Response:
    """The page (where.html) or its JSON twin; a 200 cacheable until the next build."""
    if _wants_json():
        response = jsonify(data)
        response.status_code = status
        response.vary.update(("Accept", "Accept-Language", "Cookie"))
        if status != 200:
            return response
        digest = hashlib.sha256(request.full_path.encode("utf-8", "replace")).hexdigest()[:12]
        response.set_etag(f"{served().id}-{preferred_language()}-json-{digest}")
        response.headers["Cache-Control"] = "public, max-age=300"
        return response.make_conditional(request)
    if status == 200:  # _page adds the language cookie, Vary, Cache-Control and a build-bound ETag
        return _page("where.html", href=local_href, **page)
    response = Response(render_template("where.html", lang=preferred_language(), href=local_href, **page),
                        status=status, mimetype="text/html")
    response.vary.update(("Accept", "Accept-Language", "Cookie"))
    return response


def _offices_json(result: dict) -> dict:
    return {"place": asdict(result["place"]),
            "groups": {group: [asdict(o) for o in offices] for group, offices in result["groups"].items()}}


@blueprint.route("/id/procedure/<slug>/where")
def procedure_where(slug: str) -> Response:
    config, build = current_app.config["ISOKO"], served()
    procedure_iri, language = _iri("procedure", slug), preferred_language()
    order = (language, *config.languages)
    procedure = load(build.store, [procedure_iri], language, config.languages).get(procedure_iri)
    if procedure is None or not procedure.has_type("cpsv:PublicService"):
        abort(404)
    title = procedure.text("dct:title")
    page = {"slug": slug, "title": title, "procedure_iri": procedure_iri}
    if request.args.get("place") is not None:
        result = offices_for(build.store, procedure_iri, _iri("place", request.args["place"]), language,
                             config.languages, build=build.id)
        if result is None:
            abort(404)
        return _answer({"procedure": procedure_iri, **_offices_json(result)}, **page, **result)
    query = request.args.get("q", "").strip()
    error = (_("Type the name of your commune, zone or colline.") if not query else
             _("Type at most %(count)d characters.", count=MAX_QUERY) if len(query) > MAX_QUERY else None)
    if error:
        return _answer({"procedure": procedure_iri, "query": query, "error": error}, 400, query=query,
                       error=error, **page)
    places = [(p, url_for("where.procedure_where", slug=slug, place=p.slug))
              for p in find_places(build.store, query, order, build=build.id)]
    return _answer({"procedure": procedure_iri, "query": query,
                    "places": [dict(asdict(p), href=href) for p, href in places]},
                   query=query, places=places, **page)


@blueprint.route("/id/place/<slug>/offices")
def place_offices(slug: str) -> Response:
    config, build = current_app.config["ISOKO"], served()
    result = offices_in(build.store, _iri("place", slug), preferred_language(), config.languages, build=build.id)
    if result is None:
        abort(404)
    return _answer(_offices_json(result), place_slug=slug, **result)
