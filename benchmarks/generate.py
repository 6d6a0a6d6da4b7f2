"""A synthetic catalogue shaped like data/, at a chosen size in triples, deterministic from a seed.

    .venv/bin/python benchmarks/generate.py --size 1M --seed 1 --out var/bench/data-1M

It writes source YAML (one file per entity, the format of data/README.md), so that a benchmark
builds it through the real pipeline: reading with line numbers, JSON-LD, entailment, both shape
sets, store, search index, dumps. Nothing here goes in data/.

Shape of what is generated, per "block" of 60 procedures (the unit that is repeated):
- institutions in a hierarchy (ministries, their directorates and agencies), each with an acronym,
  address, place, website and one or two contact points; offices owned by them;
- provinces and communes (`within`), a country;
- procedures with three-language titles and descriptions, a competent authority, 1-3 documents
  produced by procedures of the previous chain level (usually of another institution) plus base
  documents (photo, form, identity card), the document they produce, fees in BIF or USD,
  processing times, conditions, legal bases, channels, themes, events, keywords, sources;
  levels 0-4, so `requires`/`produces` chains are up to five procedures deep;
- laws, glossary terms and FAQ entries that concern procedures.
The size is reached by repeating blocks; the triple count after entailment is within a few
per cent of the target (`isoko build` reports the exact figure).
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
from pathlib import Path

# Triples (after entailment, ontology included) per procedure of the generated mix, measured on
# a 100k build of this generator; used only to choose how many procedures to write.
TRIPLES_PER_PROCEDURE = 59.1
ONTOLOGY_TRIPLES = 2466
LEVELS = 5
THEMES = ("business", "civil-status", "driving-and-transport", "foreigners", "health",
          "identity-and-nationality", "investment", "justice", "land-and-building", "licences", "tax",
          "trade", "travel", "work-and-social-security")
EVENTS = ("buying-land-or-building", "coming-of-age", "death-of-a-relative", "getting-married",
          "going-to-court", "having-a-baby", "importing-and-exporting", "investing", "learning-to-drive",
          "looking-for-work", "moving-to-burundi", "running-a-regulated-activity", "starting-a-business",
          "travelling-abroad")
DOCTYPES = ("civil-status", "identity", "travel", "permit", "certificate", "registration", "judgment",
            "company-document", "payment-proof", "form", "photo", "other")
AUDIENCES = ("audience:citizens", "audience:businesses", "audience:foreigners")
PROVINCES = ("bujumbura", "buhumuza", "burunga", "butanyerera", "gitega")
# (fr, en, rn) words that titles are made of.
ACTIONS = (("Obtenir", "Get", "Kuronka"), ("Renouveler", "Renew", "Gusubiramwo"),
           ("Demander", "Apply for", "Gusaba"), ("Enregistrer", "Register", "Kwandikisha"),
           ("Faire légaliser", "Have legalised", "Kwemeza"))
THINGS = (("un passeport", "a passport", "urupapuro rw'inzira"),
          ("un permis", "a permit", "uruhushya"),
          ("un certificat", "a certificate", "icemezo"),
          ("une licence", "a licence", "uruhushya rw'akazi"),
          ("une attestation", "an attestation", "icemezo"),
          ("une carte", "a card", "ikarata"),
          ("un agrément", "an approval", "icemezo c'ukwemerwa"),
          ("une autorisation", "an authorisation", "uruhushya"))
DOMAINS = (("de commerce", "for trade", "c'ubudandaji"), ("de voyage", "for travel", "c'urugendo"),
           ("de construction", "for building", "c'inyubakwa"), ("de santé", "for health", "c'amagara"),
           ("d'importation", "for imports", "c'ukwinjiza"), ("de transport", "for transport", "c'ingendo"),
           ("foncier", "for land", "c'itongo"), ("d'état civil", "for civil status", "c'irangamimerere"))
BODIES = (("Direction", "Directorate", "Ubuyobozi"), ("Agence", "Agency", "Ikigo"),
          ("Office", "Office", "Ibiro"), ("Service", "Service", "Igisata"),
          ("Commission", "Commission", "Komisiyo"))
FIELDS = (("des migrations", "of Migration", "bw'abimukira"), ("des recettes", "of Revenue", "bw'amakori"),
          ("de l'urbanisme", "of Urban Planning", "bw'imigambi y'ibibanza"),
          ("de la santé", "of Health", "bw'amagara"), ("du commerce", "of Trade", "bw'ubudandaji"),
          ("des transports", "of Transport", "bw'ingendo"), ("de la justice", "of Justice", "bw'ubutungane"),
          ("de l'état civil", "of Civil Status", "bw'irangamimerere"))


def parse_size(text: str) -> int:
    """'10k' -> 10_000, '1M' -> 1_000_000, '2500' -> 2500."""
    text = text.strip()
    factor = {"k": 1_000, "K": 1_000, "m": 1_000_000, "M": 1_000_000}.get(text[-1:], 1)
    number = text[:-1] if factor != 1 else text
    return int(float(number) * factor)


def procedures_for(triples: int) -> int:
    return max(12, round((triples - ONTOLOGY_TRIPLES) / TRIPLES_PER_PROCEDURE))


def _q(text: str) -> str:
    """A YAML double-quoted scalar."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _lang_block(key: str, texts: dict[str, str], indent: str = "") -> str:
    lines = [f"{indent}{key}:"]
    lines += [f"{indent}  {lang}: {_q(text)}" for lang, text in texts.items()]
    return "\n".join(lines) + "\n"


def _list(key: str, items: list[str], indent: str = "") -> str:
    return f"{indent}{key}: [{', '.join(items)}]\n"


class Generator:
    def __init__(self, procedures: int, seed: int):
        self.rng = random.Random(seed)
        self.n = procedures
        self.files: dict[str, str] = {}  # "kind/slug" -> YAML text

    # -- directory -------------------------------------------------------------------------
    def places(self) -> list[str]:
        self.files["place/burundi"] = (
            _lang_block("name", {"fr": "Burundi", "en": "Burundi", "rn": "Uburundi"})
            + "type: placetype:country\nscheme: place/\nsource: [https://example.org/places]\n")
        places = ["place/burundi"]
        for province in PROVINCES:
            title = province.capitalize()
            self.files[f"place/{province}"] = (
                _lang_block("name", {"fr": f"Province de {title}", "en": f"{title} Province",
                                     "rn": f"Intara ya {title}"})
                + "type: placetype:province\nwithin: place/burundi\nscheme: place/\n"
                  "source: [https://example.org/places]\n")
            places.append(f"place/{province}")
        for number in range(1, max(2, self.n // 20) + 1):
            province = PROVINCES[number % len(PROVINCES)]
            slug = f"commune-{number}"
            self.files[f"place/{slug}"] = (
                _lang_block("name", {"fr": f"Commune {number}", "en": f"Commune {number}",
                                     "rn": f"Komine {number}"})
                + f"type: placetype:commune\nwithin: place/{province}\nscheme: place/\n")
            places.append(f"place/{slug}")
        return places

    def institutions(self, places: list[str]) -> list[str]:
        rng, count = self.rng, max(3, self.n // 12)
        slugs: list[str] = []
        for number in range(1, count + 1):
            slug = f"inst-{number}"
            body, field = rng.choice(BODIES), rng.choice(FIELDS)
            acronym = "".join(w[0] for w in f"{body[0]} {field[0]}".split() if w[0].isalpha()).upper() + str(number)
            text = _lang_block("name", {"fr": f"{body[0]} {field[0]} {number}", "en": f"{body[1]} {field[1]} {number}",
                                        "rn": f"{body[2]} {field[2]} {number}"})
            text += f"acronym: {acronym}\n"
            if number > 3:  # the first three are ministries; the others hang below an earlier one
                text += f"parent: institution/{rng.choice(slugs[: max(3, number // 4)])}\n"
            text += f"website: https://www.{acronym.lower()}.example.bi\n"
            text += _list("place", [rng.choice(places)])
            text += "address:\n" + _lang_block("full", {"fr": f"Avenue {number}, Bujumbura"}, "  ")
            text += "contact:\n"
            for contact in range(1, rng.choice((1, 1, 2)) + 1):
                text += (f"  - email: info{contact}@{acronym.lower()}.example.bi\n"
                         f"    telephone: \"+257 22 {number % 100:02d} {contact:02d} {rng.randrange(100):02d}\"\n"
                         f"    contact_page: https://www.{acronym.lower()}.example.bi/contact\n")
            text += f"source: [https://example.org/institution/{number}]\n"
            self.files[f"institution/{slug}"] = text
            slugs.append(slug)
        return slugs

    def offices(self, institutions: list[str], places: list[str]) -> dict[str, list[str]]:
        rng, by_owner = self.rng, {}
        for number in range(1, max(2, self.n // 10) + 1):
            owner = rng.choice(institutions)
            slug = f"office-{number}"
            text = _lang_block("name", {"fr": f"Guichet {number}", "en": f"Counter {number}",
                                        "rn": f"Ibiro {number}"})
            text += f"type: channeltype:{rng.choice(('in-person', 'in-person', 'online', 'embassy', 'border-post'))}\n"
            text += _list("owner", [f"institution/{owner}"])
            text += "address:\n" + _lang_block("full", {"fr": f"Quartier {number}"}, "  ")
            text += _lang_block("hours", {"fr": "Lundi-vendredi, 8h-17h", "en": "Monday-Friday, 8am-5pm"})
            text += _list("place", [rng.choice(places)])
            text += f"source: [https://example.org/office/{number}]\n"
            self.files[f"office/{slug}"] = text
            by_owner.setdefault(owner, []).append(slug)
        return by_owner

    # -- reference -------------------------------------------------------------------------
    def laws(self) -> list[str]:
        rng, slugs = self.rng, []
        for number in range(1, max(2, self.n // 8) + 1):
            year = 1990 + number % 35
            slug = f"law-{number}"
            text = _lang_block("title", {"fr": f"Loi n°1/{number:02d} du {1 + number % 28} mars {year}",
                                         "en": f"Law n°1/{number:02d} of {1 + number % 28} March {year}"})
            text += f"date: {year}-03-{1 + number % 28:02d}\n"
            text += f"page: [https://example.org/law/{number}.pdf]\n"
            text += f"source: [https://example.org/law/{number}]\n"
            self.files[f"law/{slug}"] = text
            slugs.append(slug)
        return slugs

    def base_documents(self) -> list[str]:
        slugs = []
        for number in range(1, max(4, self.n // 10) + 1):
            kind = DOCTYPES[number % len(DOCTYPES)]
            slug = f"base-document-{number}"
            text = _lang_block("title", {"fr": f"Pièce justificative {number}", "en": f"Supporting document {number}",
                                         "rn": f"Urupapuro {number}"})
            text += f"type: doctype:{kind}\n"
            if kind == "form":
                text += f"page: [https://example.org/forms/{number}.pdf]\n"
            text += "language: [lang:FRA]\n"
            self.files[f"document/{slug}"] = text
            slugs.append(slug)
        return slugs

    # -- procedures ------------------------------------------------------------------------
    def procedures(self, institutions: list[str], offices: dict[str, list[str]], laws: list[str],
                   base_documents: list[str]) -> list[str]:
        rng = self.rng
        levels: list[list[tuple[str, str]]] = [[] for _ in range(LEVELS)]  # (procedure, document produced)
        slugs = []
        for number in range(1, self.n + 1):
            level = min(LEVELS - 1, int(LEVELS * number / (self.n + 1)))  # earlier procedures are lower
            slug = f"procedure-{number}"
            authority = rng.choice(institutions)
            action, thing, domain = rng.choice(ACTIONS), rng.choice(THINGS), rng.choice(DOMAINS)
            titles = {"fr": f"{action[0]} {thing[0]} {domain[0]} n°{number}",
                      "en": f"{action[1]} {thing[1]} {domain[1]} no. {number}",
                      "rn": f"{action[2]} {thing[2]} {domain[2]} {number}"}
            text = _lang_block("title", titles)
            text += _lang_block("description", {
                "fr": f"{titles['fr']} : la demande se fait en personne auprès de l'institution compétente, "
                      f"avec les pièces listées ; le délai annoncé est indicatif.",
                "en": f"{titles['en']}: apply in person to the competent institution with the documents "
                      f"listed; the stated time is indicative.",
                "rn": f"{titles['rn']}: usaba ubwawe ku biro bibishinzwe."})
            text += _list("authority", [f"institution/{authority}"])
            requires = [f"document/{d}" for d in rng.sample(base_documents, min(2, len(base_documents)))]
            if level > 0 and levels[level - 1]:
                previous = levels[level - 1]
                requires += [f"document/{doc}" for _, doc in rng.sample(previous, min(rng.randint(1, 3), len(previous)))]
            text += _list("requires", sorted(set(requires)))
            produced = f"{slug}-output"
            text += _list("produces", [f"document/{produced}"])
            text += "conditions:\n  - title:\n      fr: \"Être majeur\"\n      en: \"Be of age\"\n"
            text += "fee:\n"
            for fee in range(1, rng.choice((1, 1, 2)) + 1):
                currency = "USD" if rng.random() < 0.15 else "BIF"
                amount = rng.randrange(1, 500) * (10 if currency == "USD" else 1000)
                text += f"  - amount: {amount}\n    currency: {currency}\n"
                text += _lang_block("description", {"fr": f"Frais {fee}", "en": f"Fee {fee}"}, "    ")
                if rng.random() < 0.5:
                    text += f"    date: 20{10 + number % 15}-0{1 + number % 9}-15\n"
            text += f"processing_time: P{rng.randint(1, 60)}D\n"
            years = rng.randint(1, 10)
            text += _lang_block("validity", {"fr": f"{years} ans", "en": f"{years} years"})
            text += _list("legal_basis", [f"law/{law}" for law in rng.sample(laws, min(rng.randint(1, 2), len(laws)))])
            channels = offices.get(authority) or [rng.choice(sorted(s for v in offices.values() for s in v))]
            text += _list("channel", [f"office/{o}" for o in channels[:2]])
            text += _list("theme", [f"theme/{rng.choice(THEMES)}"])
            text += _list("event", [f"event/{rng.choice(EVENTS)}"])
            text += _list("for", [f"'{rng.choice(AUDIENCES)}'"])
            if slugs and rng.random() < 0.4:
                text += _list("related", [f"procedure/{rng.choice(slugs)}"])
            text += "keyword:\n" + f"  fr: [{thing[0].split()[-1]}, {domain[0].split()[-1]}]\n" \
                                   f"  en: [{thing[1].split()[-1]}]\n"
            text += "needs_review: [rn]\n"
            text += f"source: [https://example.org/procedure/{number}]\n"
            text += f"checked: 2026-{1 + number % 12:02d}-{1 + number % 28:02d}\n"
            self.files[f"procedure/{slug}"] = text
            self.files[f"document/{produced}"] = (
                _lang_block("title", {"fr": f"{thing[0].split(' ', 1)[1].capitalize()} {domain[0]} n°{number}",
                                      "en": f"{thing[1].split(' ', 1)[1].capitalize()} {domain[1]} no. {number}",
                                      "rn": f"{thing[2].capitalize()} {number}"})
                + f"type: doctype:{rng.choice(('permit', 'certificate', 'identity', 'registration', 'travel'))}\n")
            levels[level].append((slug, produced))
            slugs.append(slug)
        return slugs

    def glossary_and_faq(self, procedures: list[str]) -> None:
        rng = self.rng
        for number in range(1, max(2, self.n // 20) + 1):
            concerns = rng.sample(procedures, min(2, len(procedures)))
            self.files[f"term/term-{number}"] = (
                _lang_block("name", {"fr": f"Terme {number}", "en": f"Term {number}"})
                + _lang_block("definition", {"fr": f"Définition du terme {number}.",
                                             "en": f"Definition of term {number}."})
                + "scheme: term/\n" + _list("concerns", [f"procedure/{p}" for p in concerns])
                + f"source: [https://example.org/term/{number}]\n")
            self.files[f"faq/faq-{number}"] = (
                _lang_block("question", {"fr": f"Question fréquente {number} ?", "en": f"Frequent question {number}?"})
                + "answer:\n" + _lang_block("text", {"fr": f"Réponse {number}.", "en": f"Answer {number}."}, "  ")
                + _list("concerns", [f"procedure/{concerns[0]}"])
                + f"source: [https://example.org/faq/{number}]\n")

    def run(self) -> dict[str, str]:
        places = self.places()
        institutions = self.institutions(places)
        offices = self.offices(institutions, places)
        laws = self.laws()
        base = self.base_documents()
        procedures = self.procedures(institutions, offices, laws, base)
        self.glossary_and_faq(procedures)
        return self.files


def generate(out: Path, triples: int, seed: int = 1) -> int:
    """Write a catalogue of about `triples` triples into `out` (replaced); the number of files."""
    files = Generator(procedures_for(triples), seed).run()
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    for folder in {ref.split("/")[0] for ref in files}:
        (out / folder).mkdir(parents=True)
    for ref, text in files.items():
        (out / f"{ref}.yaml").write_text(text, encoding="utf-8")
    return len(files)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="10k", help="target triples: 10k, 100k, 1M, 5M or a number")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    count = generate(args.out, parse_size(args.size), args.seed)
    print(f"wrote {count} files for ~{parse_size(args.size)} triples to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
