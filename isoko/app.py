"""The Flask application factory: the SPARQL endpoint and the browser UI over the served build."""

from __future__ import annotations

from flask import Flask, Response, has_request_context

import back_office.web as back_office
from browser_ui import i18n, page_cache
from browser_ui.language import preferred_language
from browser_ui.coverage import blueprint as coverage_blueprint
from browser_ui.where_views import blueprint as where_blueprint
from browser_ui.feeds import blueprint as feeds_blueprint
from browser_ui.history_views import blueprint as history_blueprint
from browser_ui.search_views import blueprint as search_blueprint
from browser_ui.views import blueprint as ui_blueprint
from browser_ui.workbench import blueprint as workbench_blueprint
from sparql_endpoint.current import CurrentBuild, NoBuild
from sparql_endpoint.dataset import blueprint as dataset_blueprint
from sparql_endpoint.ldes import blueprint as ldes_blueprint
from sparql_endpoint import permalinks
from sparql_endpoint.protocol import blueprint as sparql_blueprint
from sparql_endpoint import workbench_assets
from sparql_endpoint.store import StoreUnavailable

from . import http, rate_limits
from .config import Config


def create_app(config: Config | None = None) -> Flask:
    config = config or Config.from_env()
    app = Flask(__name__, static_folder=None)
    app.config["ISOKO"] = config
    app.jinja_env.trim_blocks = app.jinja_env.lstrip_blocks = True  # lighter pages for slow networks
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024  # a SPARQL query or form larger than 1 MiB is refused (413)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(config.translations)
    app.extensions["isoko.current"] = CurrentBuild(config)
    i18n.install(app, str(config.translations))
    # Every page's <html lang> and language switch, also those rendered outside browser_ui.
    app.context_processor(lambda: {"lang": preferred_language()} if has_request_context() else {})
    page_cache.install(app, config.page_cache_mb)  # before http: it keeps the compressed, final bytes
    http.install(app)
    app.register_blueprint(ui_blueprint)
    app.register_blueprint(search_blueprint)
    app.register_blueprint(history_blueprint)
    app.register_blueprint(feeds_blueprint)
    app.register_blueprint(coverage_blueprint)
    app.register_blueprint(where_blueprint)
    app.register_blueprint(workbench_blueprint)
    app.register_blueprint(sparql_blueprint)
    app.register_blueprint(dataset_blueprint)
    app.register_blueprint(ldes_blueprint)
    workbench_assets.install(app)  # after http.install: its CSP on the workbench pages wins
    limiter = rate_limits.install(app, config, [sparql_blueprint])
    back_office.install(app, config, limiter, exempt=[sparql_blueprint])
    permalinks.install(app, config, limiter)  # after the back office: its database, secret key and CSRF

    @app.errorhandler(NoBuild)
    def no_build(error: NoBuild) -> Response:
        return Response(f"Service unavailable: {error}\n", status=503, mimetype="text/plain",
                        headers={"Retry-After": "30"})

    @app.errorhandler(StoreUnavailable)
    def store_unavailable(error: StoreUnavailable) -> Response:
        app.logger.error("%s", error)
        return Response("Service unavailable: the triplestore does not answer; try again shortly.\n",
                        status=503, mimetype="text/plain", headers={"Retry-After": "10"})

    return app
