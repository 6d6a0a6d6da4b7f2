"""`isoko serve`: the app under gunicorn (threads in worker processes), not Flask's dev server."""

from __future__ import annotations

from gunicorn.app.base import BaseApplication

from .app import create_app
from .config import Config


class _Server(BaseApplication):
    def __init__(self, config: Config, options: dict):
        self._config, self._options = config, options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self):
        return create_app(self._config)


def serve(config: Config, host: str, port: int, workers: int, threads: int) -> None:
    _Server(config, {
        "bind": f"{host}:{port}", "workers": workers, "threads": threads, "worker_class": "gthread",
        "timeout": int(config.query_timeout) + 20, "accesslog": "-", "graceful_timeout": 5,
        # one listening socket per worker (SO_REUSEPORT): the kernel spreads new connections evenly;
        # with one shared socket whichever worker wakes first takes them, and 16 keep-alive clients
        # split 12/4 gave twice the p99 of an 8/8 split (benchmarks/README.md)
        "reuse_port": True,
    }).run()
