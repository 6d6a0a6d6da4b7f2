"""Atom feeds of the catalogue's changes, for people and feed readers (feedgen).

`/feed.atom` (everything), `/feed/institution/{slug}.atom` (what the institution is competent for,
and the institution itself), `/feed/theme/{slug}.atom` (procedures of a theme): one entry per
changed entity per build, newest first (`?since=2026-01-01`: only from then on), titled and summarised in the reader's language (`?lang=`,
the cookie or Accept-Language), linking to the entity's page and history.
"""

from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, Response, abort, current_app, request, url_for
from feedgen.feed import FeedGenerator

from isoko.namespaces import PREFIXES
from sparql_endpoint.changes import parse
from sparql_endpoint.engine import served
from sparql_endpoint.history import History, Version
from sparql_endpoint.ldes import served_history

from .change_text import _, describe
from .language import pick, preferred_language

blueprint = Blueprint("feeds", __name__)
ENTRIES = 50
TITLES = (PREFIXES["dct"] + "title", PREFIXES["skos"] + "prefLabel", PREFIXES["foaf"] + "name",
          PREFIXES["schema"] + "name", PREFIXES["rdfs"] + "label")


@blueprint.route("/feed.atom")
def catalogue() -> Response:
    return _feed(_("Isôko: changes of the catalogue"), {})


@blueprint.route("/feed/institution/<slug>.atom")
def institution(slug: str) -> Response:
    config = current_app.config["ISOKO"]
    iri = f"{config.id_base}institution/{slug}"
    return _feed(_("Isôko: changes for %(name)s", name=_title_of(iri) or slug),
                 {"graph": config.graph_iri(f"institution/{slug}"), "entity": iri}, must_exist=iri)


@blueprint.route("/feed/theme/<slug>.atom")
def theme(slug: str) -> Response:
    iri = f"{current_app.config['ISOKO'].id_base}theme/{slug}"
    return _feed(_("Isôko: changes in the theme %(name)s", name=_title_of(iri) or slug), {"theme": iri},
                 must_exist=iri)


def _title_of(iri: str) -> str | None:
    history = served_history()
    versions = [v for v in history.versions_of(iri) if v.packed]
    return _title(versions[-1].description, iri) if versions else None


def _title(description: bytes, iri: str) -> str | None:
    config = current_app.config["ISOKO"]
    own = [q for q in parse(description) if q.subject.value == iri]
    for predicate in TITLES:
        texts = {q.object.language or "": q.object.value for q in own if q.predicate.value == predicate}
        chosen = pick(texts, preferred_language(), config.languages)
        if chosen:
            return chosen[0]
    return None


def _feed(title: str, where: dict, must_exist: str | None = None) -> Response:
    history, language = served_history(), preferred_language()
    if must_exist and history.last_change(must_exist) is None:
        abort(404, f"{must_exist} is not in the catalogue's history")
    since = _since(request.args.get("since"))
    feed = FeedGenerator()
    feed.id(request.base_url)
    feed.title(title)
    feed.language(language)
    feed.link(href=request.url, rel="self")
    feed.link(href=request.url_root, rel="alternate")
    feed.updated(served().info.get("created") or "1970-01-01T00:00:00Z")
    for version in history.latest(ENTRIES, since=since, **where)[::-1]:  # feedgen puts the last added first
        _entry(feed, history, version, language)
    response = Response(feed.atom_str(pretty=True), mimetype="application/atom+xml")
    response.headers["Cache-Control"] = "public, max-age=300"
    response.vary.add("Accept-Language")
    response.vary.add("Cookie")
    response.set_etag(f"{served().id}-{language}-{request.full_path}")
    return response.make_conditional(request)


def _since(text: str | None) -> str | None:
    """`?since=2026-01-01` (or a date and time, with a zone or UTC): only changes from then on."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        abort(400, f"since={text!r} is not a date (YYYY-MM-DD) or a date and time (YYYY-MM-DDTHH:MM:SSZ)")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")[:23] + "Z"


def _entry(feed: FeedGenerator, history: History, version: Version, language: str) -> None:
    config = current_app.config["ISOKO"]
    previous = history.before(version)
    described = version.description or (previous.description if previous else b"")
    name = _title(described, version.entity) or version.entity.rsplit("/", 1)[-1]
    kind, slug = version.entity[len(config.id_base):].split("/", 1)
    if version.change == "changed":
        lines = describe(served().store, version.entity, previous.description if previous else b"",
                         version.description, language, config.languages)
        title, summary = _("Changed: %(name)s", name=name), "; ".join(lines) or _("Changed.")
    elif version.change == "created":
        title, summary = _("Added: %(name)s", name=name), _("Added to the catalogue.")
    else:
        title, summary = _("Removed: %(name)s", name=name), _("Removed from the catalogue.")
    entry = feed.add_entry()
    entry.id(version.iri)
    entry.title(title)
    entry.summary(summary)
    entry.updated(version.created)
    # one link: feedgen 1.0.0 writes an entry's links without their rel, so all read as alternate
    entry.link(href=url_for("ui.entity", kind=kind, slug=slug, lang=language, _external=True))
    entry.category(term=kind)
