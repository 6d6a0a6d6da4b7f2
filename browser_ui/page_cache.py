"""A response cache for the pages: the final bytes (compressed, every header set) of GET pages, in
memory per worker process, least recently used first out of a byte budget (ISOKO_PAGE_CACHE_MB;
0 turns it off).

A page is a function of the served build, the URL (scheme, host, path and query), the reader's
language as resolved (`?lang`, cookie or Accept-Language: never the raw headers), the Accept header
(an HTML page or its RDF/JSON twin) and Accept-Encoding (compressed or not). The key holds exactly
these. A build switch drops the pages it may have changed (those that show an entity it changed,
looked up what points to one, or depend on everything: browser_ui/page_dependencies.py) and keeps
the others. A hit is answered by a WSGI middleware in front of
Flask (`FastPath`: routing, the key and the copy, about a fifth of a millisecond); it still answers
conditional requests (ETag, 304), carries the same headers as the miss it copies (plus
`X-Isoko-Cache: hit`) and replays the side effects the page registered with `also_on_hit` (the
page-view counter). A page that changes without a new build (the home page's "most viewed") sets a
short lifetime with `expires_in`. A miss goes through Flask, whose last after-request hook keeps
the response.

Never cached: methods other than GET/HEAD, endpoints outside CACHED_BLUEPRINTS (the SPARQL
endpoint, the dumps, static files, the workbench whose pages change with the date), responses that
set a cookie (`?lang=` links), statuses other than 200 and 404, streams of unknown length.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable

from flask import Flask, Response, current_app, g, has_request_context, request
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request

from sparql_endpoint.current import NoBuild
from sparql_endpoint.engine import served
from sparql_endpoint.store import StoreUnavailable

from .language import resolve_language
from .page_dependencies import Changes, Dependencies, changed_entities, dependencies

CACHED_BLUEPRINTS = ("ui", "search", "history", "feeds", "ldes", "coverage", "where")
NOT_CACHED = frozenset({"ui.static"})
CACHED_STATUSES = (200, 404)
HEADER = "X-Isoko-Cache"
NOT_KEPT = frozenset({HEADER.lower(), "date"})  # Date: set afresh on each hit (make_conditional)
ENTRY_OVERHEAD = 400  # bytes an entry costs besides its body and headers (key, objects)
MAX_ENTRY_SHARE = 8  # one page takes at most 1/8 of the budget


@dataclass(frozen=True)
class Entry:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    replay: tuple[tuple[Callable[..., Any], tuple], ...]
    expires: float | None  # time.monotonic() after which the entry is stale; None: the build's life
    size: int
    depends: Dependencies | None = None  # the entities it shows (page_dependencies); None: everything


class PageCache:
    """A thread-safe LRU of Entries within `budget` bytes, for one build at a time; `changes` tells
    which entities a new build changed (without it, or when it answers None, a switch drops all)."""

    def __init__(self, budget: int, changes: Callable[[str, str], Changes | None] | None = None):
        self.budget = budget
        self.changes = changes
        self._entries: OrderedDict[tuple, Entry] = OrderedDict()
        self._size = 0
        self._build: str | None = None
        self._lock = threading.Lock()

    @property
    def size(self) -> int:
        return self._size

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, build: str, key: tuple) -> Entry | None:
        with self._lock:
            if build != self._build:  # a new build is served: drop what it may have changed
                self._switch(build)
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry.expires is not None and entry.expires <= time.monotonic():
                self._size -= self._entries.pop(key).size
                return None
            self._entries.move_to_end(key)
            return entry

    def _switch(self, build: str) -> None:
        changed = self.changes(self._build, build) if self.changes and self._build else None
        if changed is None:
            self._entries.clear()
        else:
            for key in [k for k, e in self._entries.items() if changed.stale(e.depends)]:
                del self._entries[key]
        self._size, self._build = sum(e.size for e in self._entries.values()), build

    def put(self, build: str, key: tuple, entry: Entry) -> None:
        """Keep `entry` unless it is too large or was made for a build no longer served."""
        if entry.size > self.budget // MAX_ENTRY_SHARE:
            return
        with self._lock:
            if build != self._build:
                return
            old = self._entries.pop(key, None)
            if old is not None:
                self._size -= old.size
            self._entries[key] = entry
            self._size += entry.size
            while self._size > self.budget:
                self._size -= self._entries.popitem(last=False)[1].size


def also_on_hit(func: Callable[..., Any], *args: Any) -> None:
    """Call `func(*args)` now, and again whenever the page being made is served from the cache."""
    func(*args)
    if has_request_context():
        g.setdefault("page_cache_replay", []).append((func, args))


def expires_in(seconds: float) -> None:
    """The page being made may be served from the cache for `seconds` at most."""
    if has_request_context():
        g.page_cache_ttl = min(seconds, g.get("page_cache_ttl", seconds))


def _cacheable(method: str, endpoint: str | None) -> bool:
    endpoint = endpoint or ""
    return (method in ("GET", "HEAD") and endpoint not in NOT_CACHED
            and endpoint.partition(".")[0] in CACHED_BLUEPRINTS)


def page_key(asking: Request, languages: tuple[str, ...]) -> tuple:
    """What a page depends on besides the build: the same for a Flask request and a bare one."""
    headers = asking.headers
    return (asking.root_url, asking.path, asking.query_string, resolve_language(asking, languages),
            headers.get("Accept", ""), headers.get("Accept-Encoding", ""))


class FastPath:
    """WSGI middleware in front of the Flask app: a hit is answered from the cache without a
    request context or any hook (the entry already has every header); anything else goes on."""

    def __init__(self, app: Flask, cache: PageCache):
        self.app, self.cache, self.next = app, cache, app.wsgi_app
        self.languages = app.config["ISOKO"].languages

    def __call__(self, environ: dict, start_response: Callable) -> Any:
        response = self._hit(environ) if environ.get("REQUEST_METHOD") in ("GET", "HEAD") else None
        if response is None:
            return self.next(environ, start_response)
        return response(environ, start_response)

    def _hit(self, environ: dict) -> Response | None:
        try:
            endpoint, _ = self.app.url_map.bind_to_environ(environ).match()
            build = self.app.extensions["isoko.current"].get().id
        except (HTTPException, NoBuild, StoreUnavailable):  # Flask answers these
            return None
        asking = Request(environ)
        if not _cacheable(asking.method, endpoint):
            return None
        entry = self.cache.get(build, page_key(asking, self.languages))
        if entry is None:
            return None
        for func, args in entry.replay:
            func(*args)
        response = Response(entry.body, status=entry.status, headers=list(entry.headers))
        response.headers[HEADER] = "hit"
        if entry.status == 200:
            response.make_conditional(asking)
        return response


def _note_key() -> None:
    """On a miss, what the page will be kept under (the fast path has looked it up already)."""
    if _cacheable(request.method, request.endpoint):
        g.page_cache_key = (served().id, page_key(request, current_app.config["ISOKO"].languages))


def _entry(response: Response) -> Entry | None:
    if (request.method != "GET" or response.status_code not in CACHED_STATUSES or response.direct_passthrough
            or (response.is_streamed and response.content_length is None)  # an error page: of known length
            or "Set-Cookie" in response.headers
            or {"no-store", "private"} & set(response.cache_control)):
        return None
    body = response.get_data()
    headers = tuple((name, value) for name, value in response.headers.items()
                    if name.lower() not in NOT_KEPT)
    ttl = g.get("page_cache_ttl")
    depends = dependencies()
    size = (len(body) + sum(len(name) + len(value) for name, value in headers) + ENTRY_OVERHEAD
            + (depends.size if depends is not None else 0))
    return Entry(response.status_code, headers, body, tuple(g.get("page_cache_replay", ())),
                 None if ttl is None else time.monotonic() + ttl, size, depends)


def _store(cache: PageCache, response: Response) -> Response:
    looked_up = g.get("page_cache_key")
    if looked_up is None:
        return response
    entry = _entry(response)
    if entry is not None:
        cache.put(*looked_up, entry)
    response.headers[HEADER] = "miss"
    return response


def install(app: Flask, budget_mb: float) -> PageCache | None:
    """Serve `app`'s pages from a cache of `budget_mb` MiB (none when 0). Call it before the hooks
    that compress and add headers are installed: after-request hooks run last-installed first, so
    the cache then keeps the final bytes."""
    if budget_mb <= 0:
        return None
    config = app.config["ISOKO"]
    cache = PageCache(int(budget_mb * 1024 * 1024), lambda old, new: changed_entities(config, old, new))
    app.extensions["isoko.page_cache"] = cache
    app.before_request(_note_key)
    app.after_request(lambda response: _store(cache, response))
    app.wsgi_app = FastPath(app, cache)  # type: ignore[method-assign]
    return cache
