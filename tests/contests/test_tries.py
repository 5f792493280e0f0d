"""Tries of a contest: in an open round only, within the round's tries, after the round's
prediction; each finalised try folds into the round entry, which keeps the best try by the rule.

A test that holds the `session` fixture keeps one app context, and with it the logged-in user of
Flask-Login, across requests: such tests act as one participant only."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from examapp import db
from examapp.contests.models import Entry, Prediction
from examapp.db import utcnow
from tests.factories import make_bank, make_contest, register_participant


def _sit(client, contest_id: int, headers: dict, right: int) -> dict:
    """Start a try, answer the first `right` questions right and the rest wrong, submit."""
    from examapp.exams.models import AttemptQuestion

    started = client.post(f"/api/v1/exams/{contest_id}/attempts", headers=headers, json={})
    assert started.status_code == 201, started.get_json()
    paper = started.get_json()
    with client.application.app_context():
        keys = {q.question_id: [o["id"] for o in q.options if o["is_correct"]] for q in db.session().scalars(
            select(AttemptQuestion).where(AttemptQuestion.attempt_id == paper["attempt_id"]))}
    for n, question in enumerate(paper["questions"]):
        key = keys[question["id"]]
        wrong = [o["id"] for o in question["options"] if o["id"] not in key][:1]
        options = key if n < right else wrong
        saved = client.put(f"/api/v1/attempts/{paper['attempt_id']}/answers/{question['id']}",
                           headers=headers, json={"options": options})
        assert saved.status_code == 200
    done = client.post(f"/api/v1/attempts/{paper['attempt_id']}/submit", headers=headers)
    assert done.status_code == 200
    return done.get_json()


def test_best_of_n_keeps_the_best_try_and_refuses_one_more(app, client, session):
    contest_id = make_contest(app, make_bank(app), tries_per_round=2)
    me = register_participant(client, contest_id)
    first = _sit(client, contest_id, me["headers"], right=3)
    second = _sit(client, contest_id, me["headers"], right=1)
    assert first["score"] > second["score"]
    entry = session.scalar(select(Entry).where(Entry.participant_id == me["participant_id"]))
    assert float(entry.score) == first["score"] and entry.tries == 2
    third = client.post(f"/api/v1/exams/{contest_id}/attempts", headers=me["headers"], json={})
    assert third.status_code == 409 and "all 2 attempt" in third.get_json()["error"]["message"]


def test_a_better_later_try_replaces_the_entry(app, client, session):
    contest_id = make_contest(app, make_bank(app), tries_per_round=2)
    me = register_participant(client, contest_id)
    _sit(client, contest_id, me["headers"], right=0)
    best = _sit(client, contest_id, me["headers"], right=4)
    entry = session.scalar(select(Entry).where(Entry.participant_id == me["participant_id"]))
    assert float(entry.score) == best["score"] and entry.all_correct == (best["score"] == best["max_score"])


def test_each_round_has_its_own_tries_and_entry(app, client, session):
    now = utcnow()
    spans = [(now - timedelta(days=8), now - timedelta(days=1)),
             (now - timedelta(hours=1), now + timedelta(days=6))]
    contest_id = make_contest(app, make_bank(app), rounds=spans)
    me = register_participant(client, contest_id)
    _sit(client, contest_id, me["headers"], right=2)  # round 2 is open; round 1 is over
    rounds = session.scalars(select(Entry.round_id).where(Entry.participant_id == me["participant_id"])).all()
    assert len(rounds) == 1


def test_no_try_between_rounds_and_the_deadline_keeps_within_the_round(app, client):
    now = utcnow()
    upcoming = make_contest(app, make_bank(app), rounds=[(now + timedelta(hours=1), now + timedelta(days=1))])
    me = register_participant(client, upcoming)
    refused = client.post(f"/api/v1/exams/{upcoming}/attempts", headers=me["headers"], json={})
    assert refused.status_code == 409 and "opens at" in refused.get_json()["error"]["message"]
    closing = make_contest(app, make_bank(app),
                           rounds=[(now - timedelta(hours=1), now + timedelta(minutes=3))])
    other = register_participant(client, closing)
    started = client.post(f"/api/v1/exams/{closing}/attempts", headers=other["headers"], json={})
    assert started.status_code == 201, started.get_json()
    started = started.get_json()
    assert datetime.fromisoformat(started["deadline"]) <= now + timedelta(minutes=3, seconds=1)


def test_the_prediction_comes_once_before_the_first_try(app, client):
    contest_id = make_contest(app, make_bank(app), tries_per_round=2, prediction_question="Bao nhiêu?",
                              prediction_target="all_correct_entries")
    me = register_participant(client, contest_id)
    refused = client.post(f"/api/v1/exams/{contest_id}/attempts", headers=me["headers"], json={})
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "prediction_required"
    url = f"/api/v1/contests/{contest_id}/prediction"
    given = client.post(url, headers=me["headers"], json={"value": 120})
    assert given.status_code == 201 and given.get_json()["round"] == 1
    again = client.post(url, headers=me["headers"], json={"value": 5})
    assert again.status_code == 409 and "120" in again.get_json()["error"]["message"]
    _sit(client, contest_id, me["headers"], right=1)
    late = register_participant(client, contest_id)
    assert client.post(url, headers=late["headers"], json={"value": 7}).status_code == 201
    assert client.post(url, headers=late["headers"], json={"value": 8}).status_code == 409
    with app.app_context():
        assert sorted(db.session().scalars(select(Prediction.value))) == [7, 120]


def test_a_prediction_needs_a_participant_of_this_contest(app, client):
    contest_id = make_contest(app, make_bank(app), prediction_question="Bao nhiêu?",
                              prediction_target="participants")
    other = make_contest(app, make_bank(app), prediction_question="?", prediction_target="participants")
    stranger = register_participant(client, other)
    refused = client.post(f"/api/v1/contests/{contest_id}/prediction", headers=stranger["headers"],
                          json={"value": 3})
    assert refused.status_code == 404


def test_a_participant_cannot_read_another_participants_try(app, client):
    contest_id = make_contest(app, make_bank(app))
    me, other = register_participant(client, contest_id), register_participant(client, contest_id)
    mine = client.post(f"/api/v1/exams/{contest_id}/attempts", headers=me["headers"], json={}).get_json()
    assert client.get(f"/api/v1/attempts/{mine['attempt_id']}", headers=other["headers"]).status_code == 404
    question = mine["questions"][0]
    saved = client.put(f"/api/v1/attempts/{mine['attempt_id']}/answers/{question['id']}",
                       headers=other["headers"], json={"options": [question["options"][0]["id"]]})
    assert saved.status_code == 404
