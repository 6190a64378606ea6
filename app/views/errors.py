"""Friendly, translated error pages (JSON for the API); never a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, current_app, g, jsonify, render_template, request
from flask.globals import request_ctx
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

_MESSAGES = {
    400: _l("The request could not be understood. Please check what you sent."),
    403: _l("You do not have access to this page."),
    404: _l("The page or record was not found, or it is outside your scope."),
    405: _l("This action is not allowed here."),
    413: _l("The file is too large."),
    429: _l("Too many attempts. Please wait a minute and try again."),
    500: _l("Something went wrong on our side. The error has been recorded."),
}


def _respond(code: int):
    message = str(_MESSAGES.get(code, _MESSAGES[500]))
    if request.path.startswith("/api/") or request.is_json:
        return jsonify(message=message), code
    if request_ctx.url_adapter is None:  # an untrusted Host: no page can be built for it
        return message, code, {"Content-Type": "text/plain; charset=utf-8"}
    if not hasattr(g, "user"):  # errors raised before FAB's before_request (CSRF) lack it
        g.user = current_user
    return (
        render_template(
            "errors/error.html",
            code=code,
            message=message,
            appbuilder=current_app.appbuilder,
            base_template=current_app.appbuilder.base_template,
        ),
        code,
    )


def register_error_pages(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if exc.code == 400 and "CSRF" in (exc.description or ""):
            return _respond(400)
        return _respond(exc.code or 500)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if current_app.config.get("PROPAGATE_EXCEPTIONS"):
            raise exc
        log.exception("Unhandled error on %s", request.path)
        return _respond(500)
