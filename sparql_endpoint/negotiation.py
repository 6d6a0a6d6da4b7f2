"""Pick a media type from a `format=` parameter or the Accept header (q-values honoured)."""

from __future__ import annotations

from werkzeug.datastructures import MIMEAccept

SHORT_NAMES = {
    "json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
    "csv": "text/csv", "tsv": "text/tab-separated-values",
    "ttl": "text/turtle", "turtle": "text/turtle", "nt": "application/n-triples",
    "ntriples": "application/n-triples", "jsonld": "application/ld+json", "rdfxml": "application/rdf+xml",
    "html": "text/html", "trig": "application/trig", "nq": "application/n-quads", "nquads": "application/n-quads",
}
ALIASES = {"application/json": "application/sparql-results+json", "application/xml": "application/sparql-results+xml",
           "text/plain": "application/n-triples", "application/x-turtle": "text/turtle"}


def choose(offered: list[str], accept: MIMEAccept, format_param: str | None) -> str | None:
    """The best offered media type, the first offered when the client states no preference,
    or None when the client accepts none of them."""
    if format_param:
        name = format_param.lower()
        wanted = SHORT_NAMES.get(name, name)
        # `json` names SPARQL results where they are offered, plain JSON (a page's twin) elsewhere
        candidates = (ALIASES.get(wanted, wanted), f"application/{name}")
        return next((c for c in candidates if c in offered), None)
    if not accept:
        return offered[0]
    candidates = offered + [alias for alias, target in ALIASES.items() if target in offered]
    best = accept.best_match(candidates)
    if best is None:
        return None
    return ALIASES.get(best, best)
