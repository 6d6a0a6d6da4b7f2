"""The complete 2025 administrative map (5 provinces, 42 communes, 451 zones, 3,044 collines or
quartiers) from the PyPI package tburundigeo, read at build time, and its disagreements with data/.

`data/place-map.yaml` turns it on and pins the package's version (and its source and check date);
without the file (the test fixture) the map is not read. Provinces and communes of data/place/
(written from cited sources) are matched by name: they keep their IRIs, files and facts, and gain the
package's code and chef-lieu. A unit of the package that data/ lacks is published from the package
(as a place record like those of data/place/, validated by the same shapes); one of data/ that the
package lacks is kept. Every difference (missing on either side, another province, another spelling)
is a disagreement in the quality report, saying which one is published and why.
"""

from __future__ import annotations

import difflib
import importlib.metadata
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

from isoko.config import Config

from .kinds import slugify
from .problems import Problem
from .yaml_source import LineDict, LineList

MAP_FILE = "place-map.yaml"
PACKAGE = "tburundigeo"


@dataclass(frozen=True)
class Disagreement:
    unit: str  # province, commune
    name: str
    package: str  # what the package says ("" when it lacks the unit)
    ours: str  # what data/ says
    published: str
    why: str


def _record(values: dict) -> LineDict:
    record = LineDict()
    for key, value in values.items():
        record[key] = LineList(value) if isinstance(value, list) else value
        if isinstance(value, list):
            record[key].line, record[key].item_lines = 0, [0] * len(value)
    record.line, record.key_lines = 0, {key: 0 for key in values}
    return record


def _names(name: str) -> dict:
    return {"fr": name, "en": name, "rn": name}  # a proper name is spelt alike in the three languages


def map_records(config: Config) -> tuple[list[tuple[str, LineDict]], dict[str, dict], list[Disagreement], list[Problem]]:
    """(slug, record) of each place the package adds; extra keys (code, chef-lieu) for the places of
    data/ it matches, by slug; the disagreements; problems (a missing or different package)."""
    settings_path = config.data_dir / MAP_FILE
    if not settings_path.is_file():
        return [], {}, [], []
    settings = yaml.safe_load(settings_path.read_text(encoding="utf-8")) or {}
    shown = f"data/{MAP_FILE}"
    try:
        installed = importlib.metadata.version(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        installed = None
    if installed != str(settings.get("version")):
        return [], {}, [], [Problem(shown, 0, f"{PACKAGE} {settings.get('version')} is pinned here but "
                                    f"{installed or 'none'} is installed",
                                    fix=f"run `make setup` (pyproject.toml pins {PACKAGE}), or change the version here")]
    from tburundigeo.data import communes, provinces, quartiers, zones

    sources = list(settings.get("source") or [f"https://pypi.org/project/{PACKAGE}/{installed}/"])
    ours = _our_places(config.data_dir / "place")
    added: list[tuple[str, LineDict]] = []
    extra: dict[str, dict] = {}
    disagreements: list[Disagreement] = []
    note = {"en": f"From the administrative map of the PyPI package {PACKAGE} {installed} (Loi organique n°1/05 du "
                  "16 mars 2023); not in the catalogue's cited sources."}
    province_slugs = {}
    for province in provinces.data:
        slug = slugify(province["name"]) + "-province"
        province_slugs[province["code"]] = slug
        extra[slug] = {"code": province["code"], "chef_lieu": province["capital"]}
        if slug not in ours:
            added.append((slug, _place(province["name"], "province", "place/burundi", province, sources, note)))
            disagreements.append(Disagreement("province", province["name"], province["code"], "",
                                              "the package's", "data/ lacks it"))
    commune_slugs = {}
    for commune in communes.data:
        slug, parent = slugify(commune["name"]), province_slugs[commune["province_code"]]
        if slug not in ours:  # the same commune spelt otherwise ("Karus", "karusi"): ours, with the code
            close = difflib.get_close_matches(slug, [s for s, w in ours.items() if w == f"place/{parent}"
                                                     and s not in commune_slugs.values()], n=1, cutoff=0.8)
            if close:
                disagreements.append(Disagreement("commune", commune["name"], f"spelt {commune['name']!r}",
                                                  f"spelt {close[0]!r} (data/place/{close[0]}.yaml)", "ours",
                                                  "data/place/ cites its sources; the code is the package's"))
                slug = close[0]
        commune_slugs[commune["code"]] = slug
        extra[slug] = {"code": commune["code"], "chef_lieu": commune["capital"]}
        if slug not in ours:
            added.append((slug, _place(commune["name"], "commune", f"place/{parent}", commune, sources, note)))
            disagreements.append(Disagreement("commune", commune["name"], f"{commune['code']} in {parent}", "",
                                              "the package's", "data/ lacks it (its list of this province may "
                                              "come from the 2022 draft); the package follows the 2023 law"))
        elif ours[slug] != f"place/{parent}":
            disagreements.append(Disagreement("commune", commune["name"], f"in {parent}", f"in {ours[slug][6:]}",
                                              "ours", "data/place/ cites its sources"))
    for slug, within in sorted(ours.items()):
        if within.startswith("place/") and within.endswith("-province") and slug not in extra:
            disagreements.append(Disagreement("commune", slug, "", f"in {within[6:]}", "ours",
                                              "the package lacks it; data/place/ cites its sources"))
    zone_slugs = {}
    for zone in zones.data:
        slug = zone["code"].lower()
        zone_slugs[zone["code"]] = slug
        added.append((slug, _place(zone["name"], "zone", f"place/{commune_slugs[zone['commune_code']]}", zone,
                                   sources, note, zone.get("chief_town"))))
    for colline in quartiers.data:
        added.append((colline["code"].lower(), _place(colline["name"], "colline",
                                                      f"place/{zone_slugs[colline['zone_code']]}", colline,
                                                      sources, note)))
    return added, {s: e for s, e in extra.items() if s in ours}, disagreements, []


def _place(name: str, kind: str, within: str, unit: dict, sources: list[str], note: dict,
           chef_lieu: str | None = None) -> LineDict:
    values = {"name": _names(name), "type": f"placetype:{kind}", "within": within, "scheme": "place/",
              "code": unit["code"], "source": sources, "note": note}
    chef_lieu = chef_lieu or unit.get("capital")
    if chef_lieu:
        values["chef_lieu"] = chef_lieu
    return _record(values)


def _our_places(folder: Path) -> dict[str, str]:
    """slug -> `within` of each place of data/place/."""
    found = {}
    for path in sorted(folder.glob("*.yaml")):
        record = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
        found[path.stem] = str(record.get("within") or "")
    return found


def disagreements_json(disagreements: list[Disagreement]) -> list[dict]:
    return [asdict(d) for d in disagreements]
