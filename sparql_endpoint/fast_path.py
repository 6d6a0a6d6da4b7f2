"""The lean path of `GET /sparql?query=…`: the same answer as the Flask view, for a fraction of
the serving process's CPU.

Profiled on the real catalogue, a cheap lookup cost the serving process about 1.5 ms of CPU
through Flask (routing twice, the page cache's look-up, URL rebuilding, request and response
objects, a dozen hooks, Flask-Limiter's bookkeeping) against a fraction of that in the engine
(benchmarks/README.md). This WSGI layer, in front of Flask, answers a GET carrying one query (the
common case of every client and of the benchmark) with the same steps the view takes, shared with
it rather than copied: the rate limits (Flask-Limiter's own limits and counters), the result cache
and admission (engine.cached_or_admitted), the response (protocol.answer_response, refusal), then
what the after-request hooks add, in their order: CORS (protocol._cors_and_cache), the rate-limit
headers, the security headers (isoko.http), compression as Flask-Compress does it.

Everything else goes to Flask unchanged: other methods, protocol errors (several queries, updates,
an empty query), the service description and examples, the HTML results page, a client over its
rate limit (Flask answers the 429), no build, a store that does not answer.
tests/test_fast_path.py compares both paths' responses header by header and byte by byte.
"""

from __future__ import annotations

import time
from typing import Any, Callable

from flask import Flask, Response
from flask_compress.flask_compress import _choose_algorithm, _compress_data
from werkzeug.wrappers import Request as WerkzeugRequest

from isoko.http import secure

from .admission import Busy
from .current import NoBuild
from .engine import cached_or_admitted
from .executor import QueryTimeout
from .protocol import _cors_and_cache, _wants_html, answer_response, refusal
from .result_cache import Request as Asked
from .store import StoreUnavailable

ENDPOINT, ENDPOINT_NAME = "/sparql", "sparql.sparql"
BYPASS = "isoko.sparql_fast_path.off"  # in an environ: this request goes through Flask (the tests compare)
NOT_HERE = ("update", "example")  # parameters only the view handles


class FastPath:
    """WSGI middleware: `GET /sparql` with one query is answered here, anything else by `next`."""

    def __init__(self, app: Flask, next_app: Callable):
        self.app, self.next = app, next_app
        self._limiter: Any = None
        self._limits: list | None = None

    def __call__(self, environ: dict, start_response: Callable) -> Any:
        response = None
        if (environ.get("PATH_INFO") == ENDPOINT and environ.get("REQUEST_METHOD") == "GET"
                and not environ.get(BYPASS)):
            response = self._answer(WerkzeugRequest(environ))
        if response is None:
            return self.next(environ, start_response)
        return response(environ, start_response)

    def _answer(self, asking: WerkzeugRequest) -> Response | None:
        arguments = asking.args
        queries = arguments.getlist("query")
        if len(queries) != 1 or not queries[0].strip() or any(name in arguments for name in NOT_HERE):
            return None
        if _wants_html(arguments, asking.headers.get("Accept", "")):
            return None
        try:
            build = self.app.extensions["isoko.current"].get()
        except (NoBuild, StoreUnavailable):
            return None
        client = asking.remote_addr or "127.0.0.1"  # Flask-Limiter's get_remote_address
        header_limit = self._hit_limits(client)
        if header_limit is False:
            return None  # over a limit: Flask answers the 429 (and counts it as it always does)
        config = self.app.config["ISOKO"]
        asked = Asked(queries[0], tuple(arguments.getlist("default-graph-uri")),
                      tuple(arguments.getlist("named-graph-uri")), asking.headers.get("Accept", ""),
                      arguments.get("format") or "", asking.base_url)
        try:
            response = answer_response(cached_or_admitted(self.app, build, asking.remote_addr or "", asked),
                                       build, asking, config.result_limit)
        except (Busy, QueryTimeout) as refused:
            response = refusal(refused)
        except StoreUnavailable:
            return None  # the app's error handler says so (after trying once more)
        return self._finish(_cors_and_cache(response), asking, client, header_limit)

    # -- what Flask-Limiter does in its before- and after-request hooks, for this endpoint's limits

    def _rate_limits(self) -> tuple[Any, list]:
        if self._limits is None:
            limiters = self.app.extensions.get("limiter") or ()
            limiter = next(iter(limiters), None)
            found = limiter.limit_manager.blueprint_limits(self.app, "sparql") if limiter is not None else []
            self._limiter, self._limits = limiter, sorted(found, key=lambda limit: limit.limit)
        return self._limiter, self._limits

    def _hit_limits(self, client: str) -> Any:
        """Count this request against each limit (Flask-Limiter's keys, so both paths share the
        counts); False if one is exceeded, else the limit its headers report (or None)."""
        limiter, limits = self._rate_limits()
        if limiter is None or not limiter.enabled or not limits:
            return None
        for limit in limits:
            if not limiter.limiter.hit(limit.limit, client, ENDPOINT_NAME, cost=limit.deduction_amount):
                return False
        return next((limit for limit in limits if not limit.shared), limits[0])

    def _rate_headers(self, response: Response, client: str, limit: Any) -> None:
        limiter, _ = self._rate_limits()
        if limit is None or not limiter._headers_enabled:
            return
        reset, remaining = limiter.limiter.get_window_stats(limit.limit, client, ENDPOINT_NAME)
        reset_at = int(reset + 1)
        response.headers.add("X-RateLimit-Limit", str(limit.limit.amount))
        response.headers.add("X-RateLimit-Remaining", str(remaining))
        response.headers.add("X-RateLimit-Reset", str(reset_at))
        retry_after = response.headers.get("Retry-After")
        if retry_after is not None:  # ours are in seconds, never a date
            reset_at = max(int(time.time() + int(retry_after)), reset_at)
        response.headers["Retry-After"] = str(int(reset_at - time.time()))

    # -- the after-request hooks, last-installed first, as Flask runs them

    def _finish(self, response: Response, asking: WerkzeugRequest, client: str, limit: Any) -> Response:
        self._rate_headers(response, client, limit)
        secure(response)
        return self._compress(response, asking)

    def _compress(self, response: Response, asking: WerkzeugRequest) -> Response:
        """Flask-Compress's after_request for a response of known length."""
        compress = self.app.extensions["compress"]
        vary = response.headers.get("Vary")
        if not vary:
            response.headers["Vary"] = "Accept-Encoding"
        elif "accept-encoding" not in vary.lower():
            response.headers["Vary"] = f"{vary}, Accept-Encoding"
        algorithm = _choose_algorithm(compress.enabled_algorithms, asking.headers.get("Accept-Encoding", ""))
        if (algorithm is None or response.mimetype not in compress.compress_mimetypes_set
                or not 200 <= response.status_code < 300 or "Content-Encoding" in response.headers
                or (response.content_length is not None
                    and response.content_length < self.app.config["COMPRESS_MIN_SIZE"])):
            return response
        response.headers["Content-Encoding"] = algorithm
        response.set_data(_compress_data(self.app, response.get_data(), algorithm))
        response.headers["Content-Length"] = str(response.content_length)
        etag, weak = response.get_etag()
        if etag and not weak:
            response.set_etag(f"{etag}:{algorithm}", weak=False)
        if self.app.config["COMPRESS_EVALUATE_CONDITIONAL_REQUEST"]:
            response.make_conditional(asking)
        return response


def install(app: Flask) -> None:
    """Answer `app`'s `GET /sparql` queries on the lean path (installed with the endpoint's
    blueprint: inside the trusted-proxy fix, which is installed later and so sees requests first)."""
    app.wsgi_app = FastPath(app, app.wsgi_app)  # type: ignore[method-assign]
