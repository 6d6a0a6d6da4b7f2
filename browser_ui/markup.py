"""The bits of HTML every page repeats, as template globals: a text marked with its language when
it is a fallback, a link to an entity, an external link, entities named by their links. Functions
rather than Jinja macros: a procedure page shows about a hundred of them, and a macro call costs
twice as much."""

from __future__ import annotations

from jinja2 import Environment, pass_environment
from jinja2.filters import do_truncate
from markupsafe import Markup, escape


def text(label, fallback_text: str = "") -> Markup:
    """A label's text, in a span with its language when it is not the page's; else `fallback_text`."""
    if label and label.fallback:
        return Markup(f'<span lang="{escape(label.language)}" class="fb">{escape(label.text)}</span>')
    return escape(label.text if label else fallback_text)


def link_to(link) -> Markup:
    """A link's label (or the end of its IRI), as a link when it has a page."""
    if link.href:
        return Markup(f'<a href="{escape(link.href)}">{text(link.label, link.iri.rsplit("/", 1)[-1])}</a>')
    return text(link.label, link.iri)


@pass_environment
def external(environment: Environment, url: str) -> Markup:
    """A web address, as a link when it is one (its text cut at 70 characters)."""
    if url.startswith(("https://", "http://")):
        return Markup(f'<a href="{escape(url)}" rel="external">{escape(do_truncate(environment, url, 70, True))}</a>')
    return escape(url)


def name_of(links: dict, iri: str) -> Markup:
    """An IRI by its link in `links` (the analyses' labelled entities), else by the end of the IRI."""
    link = links.get(iri)
    return link_to(link) if link else escape(iri.rsplit("/", 1)[-1])


def names(links: dict, iris, sep: str = ", ") -> Markup:
    """`name_of` each IRI, separated by `sep`."""
    return escape(sep).join(name_of(links, iri) for iri in iris)
