"""`isoko serve`'s access log: gunicorn's own line (its default, the combined log format), made
without gunicorn's generic route. That route puts every request header, response header and WSGI
variable of each request in a dict for a format that might ask for them, escapes them all, and
then logs through `Logger.info`, which looks up its caller's frame: 27 µs a request measured (5.9 µs
here), about a tenth of what a cached page or a replayed /sparql answer costs in all (benchmarks/README.md).
A custom `access_log_format` goes gunicorn's way.
"""

from __future__ import annotations

import logging
import time

from gunicorn.config import AccessLogFormat
from gunicorn.glogging import Logger

DEFAULT_FORMAT = AccessLogFormat.default


def _quoted(value: str) -> str:
    return value.replace('"', '\\"')


class AccessLogger(Logger):
    """gunicorn's Logger with a lean `access` for the default format (the same bytes)."""

    _second: tuple[int, str] = (-1, "")

    def now(self) -> str:
        """The time of the line, formatted once a second rather than once a request."""
        second = int(time.time())
        kept = self._second
        if kept[0] != second:
            kept = self._second = (second, super().now())
        return kept[1]

    def access(self, resp, req, environ: dict, request_time) -> None:
        if not self.access_log_enabled:
            return
        if self.cfg.access_log_format != DEFAULT_FORMAT:
            super().access(resp, req, environ, request_time)
            return
        log = self.access_log
        if not log.isEnabledFor(logging.INFO):
            return
        status = resp.status
        if isinstance(status, str):
            status = status.split(None, 1)[0]
        sent = getattr(resp, "sent", None)
        user = self._get_user(environ) if "HTTP_AUTHORIZATION" in environ else None
        line = (f"{_quoted(environ.get('REMOTE_ADDR', '-'))} - {_quoted(user) if user else '-'} {self.now()} "
                f'"{_quoted(environ["REQUEST_METHOD"])} {_quoted(environ["RAW_URI"])} '
                f'{_quoted(environ["SERVER_PROTOCOL"])}" {_quoted(status) if isinstance(status, str) else status} '
                f"{'-' if sent is None else sent} "
                f'"{_quoted(environ.get("HTTP_REFERER", "-"))}" "{_quoted(environ.get("HTTP_USER_AGENT", "-"))}"')
        # a record made directly: Logger.info would look up the caller's file and line, unused here
        log.handle(log.makeRecord(log.name, logging.INFO, "(access log)", 0, line, None, None))
