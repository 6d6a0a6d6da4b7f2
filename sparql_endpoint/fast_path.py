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

With the result cache on, a 200 response made here is also kept whole (result_cache.Replay) under
the request's raw parts (`raw_key`: the query string, Accept, Accept-Encoding, the host and scheme
the base URL is made of), and the same request is answered again from it before any parsing: the
rate limits are counted and their headers made as above, nothing else is done again (a third of
the CPU of an answer from the result cache). Conditional requests and requests with a body are
never answered so: they go the whole way.
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
from .engine import cache_for, cached_or_admitted
from .executor import QueryTimeout
from .protocol import _cors_and_cache, _wants_html, answer_response, refusal
from .result_cache import Replay, Request as Asked
from .store import StoreUnavailable

ENDPOINT, ENDPOINT_NAME = "/sparql", "sparql.sparql"
BYPASS = "isoko.sparql_fast_path.off"  # in an environ: this request goes through Flask (the tests compare)
NOT_HERE = ("update", "example")  # parameters only the view handles
NOT_REPLAYED = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_MATCH", "HTTP_IF_UNMODIFIED_SINCE",
                "HTTP_IF_RANGE", "HTTP_RANGE", "HTTP_TRANSFER_ENCODING")
RATE_HEADERS = frozenset(("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "retry-after"))


def raw_key(environ: dict) -> tuple | None:
    """What a lean-path response depends on besides the build and the clock, as the request came;
    None for a request never answered from a kept response (conditional, or with a body)."""
    if any(name in environ for name in NOT_REPLAYED) or environ.get("CONTENT_LENGTH", "0") not in ("", "0"):
        return None
    return (environ.get("QUERY_STRING", ""), environ.get("HTTP_ACCEPT", ""), environ.get("HTTP_ACCEPT_ENCODING", ""),
            environ.get("wsgi.url_scheme"), environ.get("HTTP_HOST"), environ.get("SERVER_NAME"),
            environ.get("SERVER_PORT"), environ.get("SCRIPT_NAME", ""))


class FastPath:
    """WSGI middleware: `GET /sparql` with one query is answered here, anything else by `next`."""

    def __init__(self, app: Flask, next_app: Callable):
        self.app, self.next = app, next_app
        self._limiter: Any = None
        self._limits: list | None = None

    def __call__(self, environ: dict, start_response: Callable) -> Any:
        if (environ.get("PATH_INFO") != ENDPOINT or environ.get("REQUEST_METHOD") != "GET"
                or environ.get(BYPASS)):
            return self.next(environ, start_response)
        key = raw_key(environ)
        try:
            build = self.app.extensions["isoko.current"].get()
        except (NoBuild, StoreUnavailable):
            return self.next(environ, start_response)
        cache = cache_for(self.app, build) if key is not None else None
        kept = cache.kept_response(build.id, key) if cache is not None else None
        client = environ.get("REMOTE_ADDR") or "127.0.0.1"  # Flask-Limiter's get_remote_address
        if kept is not None:
            return self._replay(kept, client, environ, start_response)
        response = self._answer(WerkzeugRequest(environ), build, client)
        if response is None:
            return self.next(environ, start_response)
        body, status, headers = response.get_wsgi_response(environ)
        if cache is not None and response.status_code == 200:
            body = [b"".join(body)]
            cache.keep_response(build.id, key, _replay_of(status, headers, body[0]))
        start_response(status, headers)
        return body

    def _replay(self, kept: Replay, client: str, environ: dict, start_response: Callable) -> Any:
        limit = self._hit_limits(client)
        if limit is False:
            return self.next(environ, start_response)  # over a limit: Flask answers the 429
        start_response(kept.status, [*kept.before, *self._rate_values(client, limit), *kept.after])
        return [kept.body]

    def _answer(self, asking: WerkzeugRequest, build: Any, client: str) -> Response | None:
        arguments = asking.args
        queries = arguments.getlist("query")
        if len(queries) != 1 or not queries[0].strip() or any(name in arguments for name in NOT_HERE):
            return None
        if _wants_html(arguments, asking.headers.get("Accept", "")):
            return None
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
        values = self._rate_values(client, limit, response.headers.get("Retry-After"))
        for name, value in values[:3]:
            response.headers.add(name, value)
        for name, value in values[3:]:
            response.headers[name] = value

    def _rate_values(self, client: str, limit: Any, retry_after: str | None = None) -> list[tuple[str, str]]:
        """The rate-limit headers, as Flask-Limiter makes them (`retry_after`: the response's own)."""
        limiter, _ = self._rate_limits()
        if limit is None or not limiter._headers_enabled:
            return []
        reset, remaining = limiter.limiter.get_window_stats(limit.limit, client, ENDPOINT_NAME)
        reset_at = int(reset + 1)
        if retry_after is not None:  # ours are in seconds, never a date
            reset_at = max(int(time.time() + int(retry_after)), reset_at)
        return [("X-RateLimit-Limit", str(limit.limit.amount)), ("X-RateLimit-Remaining", str(remaining)),
                ("X-RateLimit-Reset", str(int(reset + 1))), ("Retry-After", str(int(reset_at - time.time())))]

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


def _replay_of(status: str, headers: list[tuple[str, str]], body: bytes) -> Replay:
    """`headers` without the rate-limit headers, split where they were."""
    rated = [index for index, (name, _) in enumerate(headers) if name.lower() in RATE_HEADERS]
    at = rated[0] if rated else len(headers)
    return Replay(status, headers[:at], [item for item in headers[at:] if item[0].lower() not in RATE_HEADERS], body)


def install(app: Flask) -> None:
    """Answer `app`'s `GET /sparql` queries on the lean path (installed with the endpoint's
    blueprint: inside the trusted-proxy fix, which is installed later and so sees requests first)."""
    app.wsgi_app = FastPath(app, app.wsgi_app)  # type: ignore[method-assign]
