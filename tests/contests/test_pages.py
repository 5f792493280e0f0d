"""The contest's pages on a phone: landing page with rules and rounds, registering (and then taking
part as the participant the page logged in), the return code, the prediction, the board, my results;
the live board's stream."""

from __future__ import annotations

import json
import re

from sqlalchemy import func, select

from examapp.contests.models import Participant, Prediction
from tests.contests.test_tries import _sit
from tests.factories import csrf_token, make_bank, make_contest, register_participant


def _form(client, url: str, data: dict):
    token = csrf_token(client.get(url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def test_the_landing_page_states_rules_rounds_and_the_ranking_rule(app, client):
    contest_id = make_contest(app, make_bank(app), tries_per_round=3,
                              prediction_question="Bao nhiêu bài đúng hết?",
                              prediction_target="all_correct_entries")
    page = client.get(f"/contests/{contest_id}", headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Bao nhiêu bài đúng hết?" in html and "Tuần 1" in html
    assert "prediction" in html and "time taken" in html and "share a rank" in html
    assert "data-countdown" in html and f'href="/contests/{contest_id}/register"' in html


def test_register_on_the_page_then_predict_and_take_part(csrf_on, app):
    client = app.test_client()
    contest_id = make_contest(app, make_bank(app), prediction_question="Bao nhiêu?",
                              prediction_target="participants")
    page = _form(client, f"/contests/{contest_id}/register",
                 {"name": "Trần Thị Bình", "phone": "+84 987 654 321", "unit": "Công ty Giày Thái Bình"})
    html = page.get_data(as_text=True)
    assert page.status_code == 201, html
    code = re.search(r"<strong>([A-Z0-9]{4}-[A-Z0-9]{4})</strong>", html).group(1)
    play = client.get(f"/contests/{contest_id}/play")
    assert play.status_code == 200 and "Bao nhiêu?" in play.get_data(as_text=True)
    given = _form(client, f"/contests/{contest_id}/play", {"value": "250"})
    assert given.status_code == 302 and given.headers["Location"].endswith(f"/my-exams/{contest_id}")
    start = client.get(f"/my-exams/{contest_id}")
    assert start.status_code == 200
    with app.app_context():
        from examapp import db

        assert db.session().scalar(select(Prediction.value)) == 250
    other = app.test_client()  # the return code moves the registration to another device
    back = _form(other, f"/contests/{contest_id}/return", {"phone": "0987654321", "return_code": code})
    assert back.status_code == 200 and "Welcome back" in back.get_data(as_text=True)
    assert other.get(f"/contests/{contest_id}/me").status_code == 200


def test_a_bad_registration_form_says_why_and_registers_nothing(csrf_on, app, session):
    client = app.test_client()
    contest_id = make_contest(app, make_bank(app))
    page = _form(client, f"/contests/{contest_id}/register", {"name": "An", "phone": "123", "unit": "A"})
    assert page.status_code == 400 and "Vietnamese phone number" in page.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Participant)) == 0


def test_the_board_page_shows_entries_and_my_place(app, client):
    contest_id = make_contest(app, make_bank(app))
    me = register_participant(client, contest_id, name="Lê Văn <b>Cường</b>")
    _sit(client, contest_id, me["headers"], right=2)
    page = client.get(f"/contests/{contest_id}/board").get_data(as_text=True)
    assert "Lê Văn &lt;b&gt;Cường&lt;/b&gt;" in page and "<b>Cường" not in page  # escaped
    assert "data-board-stream" in page and "0987" not in page


def test_the_stream_sends_the_board_as_an_event(app, client):
    app.config["STREAMS"] = "on"
    contest_id = make_contest(app, make_bank(app))
    me = register_participant(client, contest_id)
    _sit(client, contest_id, me["headers"], right=1)
    response = client.get(f"/api/v1/contests/{contest_id}/leaderboard/stream")
    assert response.status_code == 200 and response.mimetype == "text/event-stream"
    text = response.get_data(as_text=True)
    data = json.loads(re.search(r"event: board\ndata: (.*)\n", text).group(1))
    assert data["total"] == 1 and data["entries"][0]["participant_id"] == me["participant_id"]


def test_a_sync_worker_refuses_streams_so_the_page_polls(app, client):
    app.config["STREAMS"] = "off"
    contest_id = make_contest(app, make_bank(app))
    refused = client.get(f"/api/v1/contests/{contest_id}/leaderboard/stream")
    assert refused.status_code == 503 and refused.get_json()["error"]["code"] == "unavailable"
    assert int(refused.headers["Retry-After"]) > 0


def test_a_try_in_one_process_reaches_a_viewer_of_another(app_config, redis_url, redis_prefix, app):
    """Two app processes on one Redis: the viewer's process hears of the try through pub/sub."""
    from examapp import create_app

    shared = dict(app_config, REDIS_URL=redis_url, REDIS_PREFIX=redis_prefix, STREAMS="on", STREAM_SECONDS=4)
    answering, viewing = create_app(shared), create_app(shared)
    contest_id = make_contest(answering, make_bank(answering))
    stream = viewing.test_client().get(f"/api/v1/contests/{contest_id}/leaderboard/stream", buffered=False)
    chunks = iter(stream.response)
    first = next(chunks).decode()
    assert '"total": 0' in first
    client = answering.test_client()
    me = register_participant(client, contest_id)
    _sit(client, contest_id, me["headers"], right=2)
    later = "".join(chunk.decode() for chunk in chunks)  # until the stream ends (4 s)
    events = [json.loads(d) for d in re.findall(r"event: board\ndata: (.*)\n", later)]
    assert events and events[-1]["total"] == 1
    assert events[-1]["entries"][0]["participant_id"] == me["participant_id"]
    stream.close()
    for live in (answering, viewing):
        live.extensions["examapp.engine"].dispose()
