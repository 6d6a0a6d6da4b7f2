"""The Flask application factory: the SPARQL endpoint and the browser UI over the served build."""

from __future__ import annotations

from flask import Flask, Response
from flask_babel import Babel

from browser_ui.language import preferred_language
from browser_ui.views import blueprint as ui_blueprint
from sparql_endpoint.current import CurrentBuild, NoBuild
from sparql_endpoint.dataset import blueprint as dataset_blueprint
from sparql_endpoint.protocol import blueprint as sparql_blueprint

from .config import Config


def create_app(config: Config | None = None) -> Flask:
    config = config or Config.from_env()
    app = Flask(__name__, static_folder=None)
    app.config["ISOKO"] = config
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(config.root / "browser_ui" / "translations")
    app.extensions["isoko.current"] = CurrentBuild(config)
    Babel(app, locale_selector=preferred_language)
    app.register_blueprint(ui_blueprint)
    app.register_blueprint(sparql_blueprint)
    app.register_blueprint(dataset_blueprint)

    @app.errorhandler(NoBuild)
    def no_build(error: NoBuild) -> Response:
        return Response(f"Service unavailable: {error}\n", status=503, mimetype="text/plain",
                        headers={"Retry-After": "30"})

    return app
