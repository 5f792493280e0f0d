"""Vietnamese and English pages: the user's choice, then the browser's, then the default."""

from __future__ import annotations

from flask import Flask, current_app, request, session
from flask_babel import Babel, get_locale
from flask_login import current_user

LANGUAGES = {"vi": "Tiếng Việt", "en": "English"}

babel = Babel()


def select_locale() -> str:
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in LANGUAGES:
        return current_user.locale
    return request.accept_languages.best_match(list(LANGUAGES)) or current_app.config[
        "BABEL_DEFAULT_LOCALE"
    ]


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale, default_timezone="Asia/Ho_Chi_Minh")
    app.jinja_env.globals.update(LANGUAGES=LANGUAGES, get_locale=get_locale)
