"""The template globals of browser_ui/markup.py write the same HTML as the Jinja macros they replaced
(_text.html and analysis_macros.html's name_of and names, kept here as they were): escaped texts,
fallbacks marked with their language, links, long web addresses cut."""

from __future__ import annotations

import pytest
from jinja2 import DictLoader, Environment

from browser_ui import markup
from browser_ui.labels import Label
from browser_ui.procedure import Link

MACROS = """
{%- macro text(label, fallback_text) -%}
{%- if label and label.fallback -%}
<span lang="{{ label.language }}" class="fb">{{ label.text }}</span>
{%- elif label -%}{{ label.text }}
{%- else -%}{{ fallback_text }}{%- endif -%}
{%- endmacro -%}

{%- macro link_to(link) -%}
{%- if link.href -%}<a href="{{ link.href }}">{{ text(link.label, link.iri.rsplit('/', 1)[-1]) }}</a>
{%- else -%}{{ text(link.label, link.iri) }}{%- endif -%}
{%- endmacro -%}

{%- macro external(url) -%}
{%- if url.startswith(('https://', 'http://')) -%}<a href="{{ url }}" rel="external">{{ url|truncate(70, True) }}</a>
{%- else -%}{{ url }}{%- endif -%}
{%- endmacro -%}

{%- macro name_of(links, iri) -%}
{%- if links[iri] %}{{ link_to(links[iri]) }}{% else %}{{ iri.rsplit('/', 1)[-1] }}{% endif -%}
{%- endmacro -%}

{%- macro names(links, iris, sep=', ') -%}
{%- for iri in iris %}{{ name_of(links, iri) }}{% if not loop.last %}{{ sep }}{% endif %}{% endfor -%}
{%- endmacro -%}
"""
CALLS = "{{ text(label, fallback) }}|{{ link_to(link) }}|{{ external(url) }}|{{ names(links, iris, sep) }}"
LABELS = [None, Label("Agence & <Co>", "fr", True), Label("Ikigo \"c'est\"", "rn", False), Label("", "en", True)]
URLS = ["https://example.org/a?b=1&c=<2>", "http://x.bi/" + "é" * 80, "https://x.bi/" + "a" * 60, "voir l'office"]


def environment(functions: bool) -> Environment:
    environment = Environment(loader=DictLoader({"macros.html": MACROS, "page.html": CALLS}), autoescape=True,
                              trim_blocks=True, lstrip_blocks=True)
    if functions:
        environment.globals.update(text=markup.text, link_to=markup.link_to, external=markup.external,
                                   name_of=markup.name_of, names=markup.names)
    else:
        environment.globals.update(environment.get_template("macros.html").module.__dict__)
    return environment


@pytest.mark.parametrize("label", LABELS)
@pytest.mark.parametrize("url", URLS)
def test_the_same_html_as_the_macros(label, url):
    links = {"https://data.isoko.bi/id/procedure/p": Link("/id/procedure/p", label, "https://data.isoko.bi/id/procedure/p"),
             "https://data.isoko.bi/id/document/d": Link(None, label, "https://data.isoko.bi/id/document/d")}
    values = {"label": label, "fallback": "a<b>&c", "url": url, "links": links, "sep": " → <",
              "link": Link("/id/institution/x", label, "https://data.isoko.bi/id/institution/x&y"),
              "iris": [*links, "https://data.isoko.bi/id/law/l<1>"]}
    macros, functions = (environment(f).get_template("page.html").render(values) for f in (False, True))
    assert functions == macros
    assert "<b>" not in functions and "<Co>" not in functions  # escaped


def test_a_long_address_is_cut():
    assert markup.external(Environment(), "https://x.bi/" + "a" * 80) == (
        f'<a href="https://x.bi/{"a" * 80}" rel="external">https://x.bi/{"a" * 54}...</a>')
