"""schema.org JSON-LD for page heads (GovernmentService, GovernmentOrganization), for search engines."""

from __future__ import annotations


def _text(label) -> str | None:
    return label.text if label else None


def schema_org(kind: str, page, iri: str, url: str) -> dict:
    if kind == "procedure":
        resource = page.resource
        data = {
            "@context": "https://schema.org", "@type": "GovernmentService", "@id": iri,
            "name": _text(resource.text("dct:title")), "description": _text(resource.text("dct:description")),
            "url": url,
            "areaServed": {"@type": "Country", "name": "Burundi"},
            "provider": [{"@type": "GovernmentOrganization", "@id": link.iri, "name": _text(link.label)}
                         for link, _ in page.authorities],
        }
        if page.fees:
            data["offers"] = [{"@type": "Offer", "price": fee.amount.replace("\u202f", "").replace("\xa0", ""),
                               "priceCurrency": fee.currency} for fee in page.fees]
        return {k: v for k, v in data.items() if v}
    if kind == "institution":
        resource = page.resource
        data = {"@context": "https://schema.org", "@type": "GovernmentOrganization", "@id": iri,
                "name": _text(resource.text("skos:prefLabel")),
                "url": (resource.links("foaf:homepage") or [None])[0],
                "parentOrganization": {"@type": "GovernmentOrganization", "@id": page.parent.iri,
                                       "name": _text(page.parent.label)} if page.parent else None,
                "telephone": [t.value for c in resource.node_list("cv:contactPoint") for t in c.terms("cv:telephone")],
                "email": [t.value for c in resource.node_list("cv:contactPoint") for t in c.terms("cv:email")]}
        return {k: v for k, v in data.items() if v}
    return {"@context": "https://schema.org", "@type": "Thing", "@id": iri}
