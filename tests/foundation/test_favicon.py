"""Browsers ask every site for /favicon.ico: examapp answers with its own icon, to anyone."""

from __future__ import annotations

import struct


def test_the_site_icon_is_served_to_anyone_from_the_app_itself(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/vnd.microsoft.icon"
    reserved, kind, count = struct.unpack("<HHH", response.data[:6])
    assert (reserved, kind) == (0, 1) and count >= 1  # an ICO file holding at least one image
    assert not response.cache_control.no_store  # a static asset, cached like the others
    assert client.head("/favicon.ico").status_code == 200
