"""Vietnamese and English pages: the choice made in this browser, then the browser's language, then
the account's last choice (for a browser that asks for neither), then the default.

The browser comes before the account so that the login page and the session after it speak the
same language, and a user who chose Vietnamese once is not held to it on a browser asking for
English; a choice made in the header is kept across logging in.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from babel.support import NullTranslations, Translations
from flask import Flask, current_app, request, session
from flask_babel import Babel, get_locale
from flask_login import current_user

LANGUAGES = {"vi": "Tiếng Việt", "en": "English"}
LANGUAGE_KEY = "lang"  # in the session: the language chosen in this browser
CATALOGS = Path(__file__).parent / "translations"

babel = Babel()


def select_locale() -> str:
    chosen = session.get(LANGUAGE_KEY)
    if chosen in LANGUAGES:
        return chosen
    asked = request.accept_languages.best_match(list(LANGUAGES))
    if asked:
        return asked
    if current_user and current_user.is_authenticated and current_user.locale in LANGUAGES:
        return current_user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


@cache
def _wtforms_catalog(locale: str) -> NullTranslations:
    return Translations.load(str(CATALOGS), [locale], domain="wtforms")


class WTFormsMessages:
    """WTForms ships no Vietnamese, so its validator messages come from our `wtforms` catalog.

    Flask-WTF looks for the request's WTForms translations in `request.wtforms_translations`
    first; the locale is read only when a message is actually shown.
    """

    def ugettext(self, string: str) -> str:
        return _wtforms_catalog(str(get_locale())).ugettext(string)

    def ungettext(self, singular: str, plural: str, n: int) -> str:
        return _wtforms_catalog(str(get_locale())).ungettext(singular, plural, n)


_WTFORMS_MESSAGES = WTFormsMessages()


def _use_our_wtforms_messages() -> None:
    request.wtforms_translations = _WTFORMS_MESSAGES


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale, default_timezone="Asia/Ho_Chi_Minh")
    app.jinja_env.globals.update(LANGUAGES=LANGUAGES, get_locale=get_locale)
    app.before_request(_use_our_wtforms_messages)
