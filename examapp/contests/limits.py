"""Limits against scripted sign-ups: registrations per address and tries per phone number (both
registering and coming back with a return code), counted in the shared store; past one, 429."""

from __future__ import annotations

from flask import current_app

from examapp.auth.login import client_address
from examapp.contests.errors import TooManyRegistrations
from examapp.contests.registration import normalise_phone
from examapp.messages import msg
from examapp.store import registration_address_key, registration_phone_key, store


def count_registration(contest_id: int, phone: str | None) -> None:
    """Count one registration (or return) try from this address and for this phone; refuse past a limit."""
    config = current_app.config
    window = config["CONTEST_LIMIT_WINDOW_SECONDS"]
    count, reset = store().hit(registration_address_key(contest_id, client_address()), window)
    if count > config["CONTEST_REGISTRATIONS_PER_ADDRESS"]:
        raise TooManyRegistrations(msg("too many registrations from this address; try again in "
                                       "%(seconds)s seconds", seconds=reset), reset)
    normalised = normalise_phone(phone or "")
    if normalised is None:
        return
    count, reset = store().hit(registration_phone_key(contest_id, normalised), window)
    if count > config["CONTEST_TRIES_PER_PHONE"]:
        raise TooManyRegistrations(msg("too many tries for this phone number; try again in "
                                       "%(seconds)s seconds", seconds=reset), reset)
