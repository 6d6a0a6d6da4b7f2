"""`isoko serve`'s lean access log (isoko/access_log.py) writes gunicorn's own line, byte for byte."""

from __future__ import annotations

import base64
import datetime
import logging

import pytest
from gunicorn.config import Config
from gunicorn.glogging import Logger

from isoko.access_log import AccessLogger


class _Response:
    def __init__(self, status: str, sent: int | None):
        self.status, self.sent, self.headers = status, sent, [("Content-Type", "text/html")]


class _Request:
    headers = [("HOST", "127.0.0.1"), ("USER-AGENT", "x")]


class _Lines(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def _line(logger_class: type[Logger], response, environ: dict, access_log_format: str | None = None) -> str:
    config = Config()
    config.set("accesslog", "-")
    if access_log_format:
        config.set("access_log_format", access_log_format)
    logger = logger_class(config)
    lines = _Lines()
    logger.access_log.handlers[:] = [lines]
    logger.now = lambda: "[07/Dec/2026:16:00:00 +0000]"  # the same second for both
    logger.access(response, _Request(), environ, datetime.timedelta(microseconds=2345))
    [line] = lines.lines
    return line


ENVIRONS = [
    {"REQUEST_METHOD": "GET", "RAW_URI": "/id/institution/x?lang=fr", "SERVER_PROTOCOL": "HTTP/1.1",
     "REMOTE_ADDR": "127.0.0.1"},
    {"REQUEST_METHOD": "POST", "RAW_URI": '/sparql?query="a"', "SERVER_PROTOCOL": "HTTP/1.0",
     "REMOTE_ADDR": "10.0.0.2", "HTTP_REFERER": 'http://e.org/"x"', "HTTP_USER_AGENT": 'wrk "4" %s %(h)s'},
    {"REQUEST_METHOD": "GET", "RAW_URI": "/", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "::1",
     "HTTP_AUTHORIZATION": "Basic " + base64.b64encode(b'ed"itor:secret').decode()},
    {"REQUEST_METHOD": "GET", "RAW_URI": "/", "SERVER_PROTOCOL": "HTTP/1.1",
     "HTTP_AUTHORIZATION": "Bearer abc"},
]


@pytest.mark.parametrize("environ", ENVIRONS)
@pytest.mark.parametrize("response", [_Response("200 OK", 8123), _Response("304 Not Modified", 0),
                                      _Response("503 Service Unavailable", None)])
def test_the_same_line_as_gunicorn(environ, response):
    assert _line(AccessLogger, response, environ) == _line(Logger, response, environ)


def test_a_custom_format_goes_gunicorns_way():
    environ = ENVIRONS[1]
    custom = '%(h)s %({user-agent}i)s %(D)s "%(r)s"'
    line = _line(AccessLogger, _Response("200 OK", 1), environ, custom)
    assert line == _line(Logger, _Response("200 OK", 1), environ, custom)
    assert line == '10.0.0.2 x 2345 "POST /sparql?query=\\"a\\" HTTP/1.0"'


def test_the_time_is_formatted_once_a_second(monkeypatch):
    logger = AccessLogger(Config())
    seconds = iter([100.2, 100.7, 101.1])
    monkeypatch.setattr("isoko.access_log.time.time", lambda: next(seconds))
    made = []
    monkeypatch.setattr(Logger, "now", lambda self: made.append(1) or f"[t{len(made)}]")
    assert [logger.now(), logger.now(), logger.now()] == ["[t1]", "[t1]", "[t2]"]
