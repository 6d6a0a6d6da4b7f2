"""Configuration: where sources, ontology, shapes and builds live, and the public base IRI."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BASE_IRI = "https://data.isoko.bi/"
LANGUAGES = ("rn", "fr", "en")


@dataclass(frozen=True)
class Config:
    """Everything a build or a server needs to know; read from the environment by `from_env`."""

    base_iri: str = DEFAULT_BASE_IRI
    root: Path = ROOT
    data_dir: Path = ROOT / "data"
    var_dir: Path = ROOT / "var"
    query_timeout: float = 10.0
    result_limit: int = 10_000
    result_max_bytes: int = 64 * 2**20  # a /sparql answer larger than this is refused (ISOKO_RESULT_MAX_MB)
    languages: tuple[str, ...] = LANGUAGES
    store_url: str | None = None  # a remote SPARQL 1.1 store (ISOKO_STORE); None: the embedded build
    page_cache_mb: float = 32.0  # pages kept per worker process (ISOKO_PAGE_CACHE_MB); 0: no cache
    result_cache_mb: float = 256.0  # /sparql answers kept, shared by the workers (ISOKO_RESULT_CACHE_MB); 0: none
    access_log: str | None = "-"  # `isoko serve`'s request log (ISOKO_ACCESS_LOG): "-" stdout, a file, or off (None)
    # /sparql evaluations at once (sparql_endpoint/admission.py): per client, per process, overall
    sparql_per_client: int = 2
    sparql_per_process: int = 2
    sparql_overall: int = 4
    sparql_rate: str = "20 per second; 1000 per minute"  # per client and process (Flask-Limiter)
    rate_storage: str = "memory://"  # Flask-Limiter storage; redis://... shares counts between processes
    proxies: int = 0  # trusted reverse proxies in front (X-Forwarded-For hops to believe)
    watchdog_grace: float = 3.0  # a request without progress for timeout + the engine's grace + this is cut
    # builds record the entities' versions (loaders/versions.py); ISOKO_HISTORY=0 for a build
    # without them (its feeds and history pages answer 404), e.g. to measure what they cost
    history: bool = True
    database_url: str | None = None  # the back office's database (ISOKO_DATABASE_URL); None: var/back-office.sqlite
    secret_key: str | None = None  # signs back-office sessions (ISOKO_SECRET_KEY); None: var/secret-key, made once
    # the interface's .po/.mo catalogues (ISOKO_TRANSLATIONS): the back office writes approved
    # Kirundi there; default browser_ui/translations of this checkout
    translations_dir: Path | None = None
    secure_cookies: bool = True  # back-office cookies only over HTTPS (and loopback); ISOKO_SECURE_COOKIES=0 to relax

    @classmethod
    def from_env(cls, **overrides) -> "Config":
        env = os.environ
        values = {
            "base_iri": env.get("ISOKO_BASE_IRI", DEFAULT_BASE_IRI),
            "data_dir": Path(env.get("ISOKO_DATA", ROOT / "data")),
            "var_dir": Path(env.get("ISOKO_VAR", ROOT / "var")),
            "query_timeout": float(env.get("ISOKO_QUERY_TIMEOUT", 10.0)),
            "result_limit": int(env.get("ISOKO_RESULT_LIMIT", 10_000)),
            "result_max_bytes": int(float(env.get("ISOKO_RESULT_MAX_MB", 64)) * 2**20),
            "store_url": env.get("ISOKO_STORE") or None,
            "page_cache_mb": float(env.get("ISOKO_PAGE_CACHE_MB", 32)),
            "result_cache_mb": float(env.get("ISOKO_RESULT_CACHE_MB", 256)),
            "access_log": (None if env.get("ISOKO_ACCESS_LOG", "-").lower() in ("", "0", "off", "false", "no")
                           else env.get("ISOKO_ACCESS_LOG", "-")),
            "sparql_per_client": int(env.get("ISOKO_SPARQL_PER_CLIENT", 2)),
            "sparql_per_process": int(env.get("ISOKO_SPARQL_PER_PROCESS", 2)),
            "sparql_overall": int(env.get("ISOKO_SPARQL_SLOTS", 4)),
            "sparql_rate": env.get("ISOKO_SPARQL_RATE", "20 per second; 1000 per minute"),
            "rate_storage": env.get("ISOKO_RATE_STORAGE", "memory://"),
            "proxies": int(env.get("ISOKO_PROXIES", 0)),
            "watchdog_grace": float(env.get("ISOKO_WATCHDOG_GRACE", 3.0)),
            "history": env.get("ISOKO_HISTORY", "1").lower() not in ("0", "off", "false", "no"),
            "database_url": env.get("ISOKO_DATABASE_URL") or None,
            "secret_key": env.get("ISOKO_SECRET_KEY") or None,
            "secure_cookies": env.get("ISOKO_SECURE_COOKIES", "1").lower() not in ("0", "off", "false", "no"),
            "translations_dir": Path(env["ISOKO_TRANSLATIONS"]) if env.get("ISOKO_TRANSLATIONS") else None,
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        if not values["base_iri"].endswith("/"):
            values["base_iri"] += "/"
        return cls(**values)

    @property
    def id_base(self) -> str:
        """Entities are `{base}id/{kind}/{slug}`; sources refer to them relative to this."""
        return self.base_iri + "id/"

    @property
    def ontology_dir(self) -> Path:
        return self.root / "ontology"

    @property
    def shapes_dir(self) -> Path:
        return self.root / "shapes"

    @property
    def builds_dir(self) -> Path:
        return self.var_dir / "builds"

    @property
    def run_dir(self) -> Path:
        """State shared by the serving processes of this var/ (query slots), not by builds."""
        return self.var_dir / "run"

    @property
    def current_link(self) -> Path:
        """Symlink to the build being served; switched atomically by each successful build."""
        return self.var_dir / "current"

    @property
    def translations(self) -> Path:
        return self.translations_dir or self.root / "browser_ui" / "translations"

    def graph_iri(self, name: str) -> str:
        return f"{self.base_iri}graph/{name}"
