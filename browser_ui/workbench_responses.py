"""What the workbench's views (browser_ui/workbench.py) share: names in the reader's language, the
CSV downloads and links to the query behind a page."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import date
from typing import TYPE_CHECKING, Callable, Iterable

from flask import Response, current_app, request, url_for

from sparql_endpoint.protocol import served

from .analysis.common import query_text
from .labels import fetch_labels, local_name
from .language import preferred_language
from .procedure import Link
from .views import local_href

if TYPE_CHECKING:
    from isoko.config import Config


def config() -> Config:
    """The app's configuration."""
    return current_app.config["ISOKO"]


def labels(iris: Iterable[str]) -> dict[str, Link]:
    """Links with labels in the reader's language, for these IRIs (one query)."""
    iris = {i for i in iris if i}
    found = fetch_labels(served().store, iris, preferred_language(), config().languages)
    return {i: Link(local_href(i), found.get(i), i) for i in iris}


def _name(link: Link | None, iri: str) -> str:
    return link.label.text if link and link.label else local_name(iri)


def titles(links: dict[str, Link]) -> Callable[[str], str]:
    """An IRI's name in the reader's language, for the CSV columns of titles."""
    return lambda iri: _name(links.get(iri), iri)


def wants_csv() -> bool:
    return (request.args.get("format") or "").lower() == "csv"


def csv_response(filename: str, header: list[str], rows: list[list], day: date | None = None) -> Response:
    """A CSV download, cached like the pages (its ETag: the build, the day if given, the language)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    response = Response(buffer.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    digest = hashlib.sha256(request.full_path.encode()).hexdigest()[:12]
    response.set_etag(f"{served().id}-{day or ''}-{preferred_language()}-csv-{digest}")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response.make_conditional(request)


def query_href(name: str) -> str:
    """The /sparql form filled with the documented query behind a page."""
    return url_for("sparql.sparql", example_query=query_text(name))
