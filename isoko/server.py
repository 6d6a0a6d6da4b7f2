"""`isoko serve`: the app under gunicorn (threads in worker processes), not Flask's dev server."""

from __future__ import annotations

import os
import signal
import threading
from dataclasses import replace

from gunicorn.app.base import BaseApplication

from .access_log import AccessLogger
from .app import create_app
from .config import Config
from sparql_endpoint.admission import LIGHT_SECONDS, LIGHT_WAIT_SECONDS
from sparql_endpoint.executor import GRACE_SECONDS

from .watchdog import Watchdog


class _Server(BaseApplication):
    def __init__(self, config: Config, options: dict):
        self._config, self._options = config, options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self):
        # queries may hold at most half of a worker's threads: the others stay for pages
        threads = self._options["threads"]
        config = replace(self._config, sparql_per_process=max(1, min(self._config.sparql_per_process, threads // 2)))
        app = create_app(config)
        graceful = self._options["graceful_timeout"]
        # outermost: it sees every request from the server's first byte to its last
        # after the engine's own limits: a query's wait for the light lane and try in it, its
        # timeout and the kill's grace
        limit = (LIGHT_WAIT_SECONDS + LIGHT_SECONDS + self._config.query_timeout + GRACE_SECONDS
                 + self._config.watchdog_grace)
        app.wsgi_app = Watchdog(app.wsgi_app, limit,
                                on_stuck=lambda message: _replace_this_worker(graceful))
        return app


def _replace_this_worker(graceful: float) -> None:
    """A thread is stuck where nothing can interrupt it: stop taking requests (SIGTERM to this
    worker: gunicorn starts a new one when it exits), let the other threads finish, then exit
    even though the stuck thread never will."""
    os.kill(os.getpid(), signal.SIGTERM)
    timer = threading.Timer(graceful + 1.0, os._exit, args=(70,))
    timer.daemon = True
    timer.start()


def serve(config: Config, host: str, port: int, workers: int, threads: int) -> None:
    _Server(config, {
        "bind": f"{host}:{port}", "workers": workers, "threads": threads, "worker_class": "gthread",
        # the access log is the only record of who asked what: on by default (stdout); about 6 us a
        # request with AccessLogger (benchmarks/README.md); ISOKO_ACCESS_LOG=off drops it
        "timeout": int(config.query_timeout) + 20, "accesslog": config.access_log, "graceful_timeout": 5,
        "logger_class": AccessLogger,  # gunicorn's line, made for less (isoko/access_log.py)
        # one listening socket per worker (SO_REUSEPORT): the kernel spreads new connections evenly;
        # with one shared socket whichever worker wakes first takes them, and 16 keep-alive clients
        # split 12/4 gave twice the p99 of an 8/8 split (benchmarks/README.md)
        "reuse_port": True,
    }).run()
