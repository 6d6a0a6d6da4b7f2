"""Rate limits per client (Flask-Limiter) and the client's address behind trusted proxies.

/sparql is limited per client address (`Config.sparql_rate`); a client over its limit gets 429
with Retry-After. Counts live in `Config.rate_storage`: memory (per serving process) by default,
or a shared store such as redis://. The address is the socket's, or, with `Config.proxies` set,
the one the trusted proxies put in X-Forwarded-For (never believed otherwise).
"""

from __future__ import annotations

import threading

from flask import Blueprint, Flask, Response
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded
from flask_limiter.util import get_remote_address
from limits.storage import MemoryStorage
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import Config


class LazyMemoryStorage(MemoryStorage):
    """limits' in-memory counts, with old events dropped once a second rather than every 10 ms: its
    timer scans every client's key each time, 21 % of a worker's samples under wrk (py-spy, issue 19).
    Counting is unchanged: expired events are ignored when counted, whenever they are dropped."""

    STORAGE_SCHEME = ["isoko-memory"]
    EXPIRY_SECONDS = 1.0

    def _MemoryStorage__schedule_expiry(self) -> None:  # the parent's private hook, by its mangled name
        if not self.timer.is_alive():
            self.timer = threading.Timer(self.EXPIRY_SECONDS, self._MemoryStorage__expire_events)
            self.timer.daemon = True
            self.timer.start()


def install(app: Flask, config: Config, limited: list[Blueprint]) -> Limiter:
    """Trust `config.proxies` proxies, and limit each blueprint of `limited` to `config.sparql_rate`."""
    if config.proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=config.proxies)
    storage = "isoko-memory://" if config.rate_storage == "memory://" else config.rate_storage
    limiter = Limiter(get_remote_address, app=app, storage_uri=storage, headers_enabled=True,
                      strategy="moving-window")
    for blueprint in limited:
        limiter.limit(config.sparql_rate)(blueprint)

    @app.errorhandler(RateLimitExceeded)
    def too_many(error: RateLimitExceeded) -> Response:
        response = Response(f"Too many requests from your address ({error.description}): slow down.\n",
                            status=429, mimetype="text/plain")
        response.headers.setdefault("Retry-After", "1")
        return response

    return limiter
