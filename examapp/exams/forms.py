"""Forms of the exam pages: defining an exam, assigning candidates, starting, the proctor's actions.

Times are entered and shown in Vietnam's local time (datetime-local has no zone) and stored in UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    AnyOf,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from examapp.inputs import moment_in_range

LOCAL_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
RULE_ROWS = 5
DIFFICULTY_CHOICES = [("", _l("Any difficulty")), ("easy", _l("Easy")), ("medium", _l("Medium")),
                      ("hard", _l("Hard"))]
REVIEW_CHOICES = [("none", _l("Nothing (candidates see no result)")), ("score", _l("Score only")),
                  ("answers_after_close", _l("Score, and the answers after the exam closes"))]
GRADING_CHOICES = [("highest", _l("The highest attempt")), ("last", _l("The last attempt")),
                   ("first", _l("The first attempt")), ("average", _l("The average of the attempts"))]


def in_accepted_years(form: FlaskForm, field: DateTimeLocalField) -> None:
    """A time the app can store and compute with (examapp.inputs): compared in Vietnam's zone, so a
    time typed near year 1 or 9999 is refused before converting it to UTC could overflow."""
    if field.data and not moment_in_range(field.data.replace(tzinfo=LOCAL_ZONE)):
        raise ValidationError(_l("Give a time between the years 1900 and 2999."))


def to_utc(local: datetime | None) -> datetime | None:
    """A wall-clock time typed in Vietnam as an aware UTC datetime."""
    return local.replace(tzinfo=LOCAL_ZONE).astimezone(UTC) if local else None


def to_local(moment: datetime | None) -> datetime | None:
    """A stored UTC time as the naive wall-clock time a datetime-local input shows."""
    return moment.astimezone(LOCAL_ZONE).replace(tzinfo=None) if moment else None


class RuleForm(Form):
    """One blueprint line; a row left blank is ignored."""

    topic = SelectField(_l("Topic"), choices=[], default="", validate_choice=False)
    difficulty = SelectField(_l("Difficulty"), choices=DIFFICULTY_CHOICES, default="")
    count = IntegerField(_l("Questions"), validators=[Optional(), NumberRange(min=1, max=500)],
                         render_kw={"inputmode": "numeric"})
    points = DecimalField(_l("Points each"), places=None,
                          validators=[Optional(), NumberRange(min=0.01, max=1000)],
                          render_kw={"inputmode": "decimal"})

    def is_blank(self) -> bool:
        return not (self.topic.data or self.difficulty.data or self.count.data is not None
                    or self.points.data is not None)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and self.count.data is None and not self.is_blank():
            self.count.errors.append(_l("Say how many questions this rule draws."))
            return False
        return valid


class ExamForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    bank_id = SelectField(_l("Question bank"), coerce=int, validators=[InputRequired()])
    rules = FieldList(FormField(RuleForm), min_entries=RULE_ROWS, max_entries=50)
    duration_minutes = DecimalField(_l("Duration (minutes)"), places=None,
                                    validators=[InputRequired(), NumberRange(min=0.05, max=24 * 60)],
                                    render_kw={"inputmode": "decimal"})
    pass_percent = DecimalField(_l("Pass mark (%)"), places=None, default=50,
                                validators=[InputRequired(), NumberRange(min=0, max=100)],
                                render_kw={"inputmode": "decimal"})
    max_attempts = IntegerField(_l("Attempts allowed"), default=1,
                                validators=[InputRequired(), NumberRange(min=1, max=100)],
                                render_kw={"inputmode": "numeric"})
    grading = SelectField(_l("The result for the exam is"), choices=GRADING_CHOICES, default="highest")
    opens_at = DateTimeLocalField(_l("Opens (Vietnam time)"), format="%Y-%m-%dT%H:%M",
                                  validators=[Optional(), in_accepted_years])
    closes_at = DateTimeLocalField(_l("Closes (Vietnam time)"), format="%Y-%m-%dT%H:%M",
                                   validators=[Optional(), in_accepted_years])
    room_code = StringField(_l("Room code"), validators=[Optional(), Length(max=40)],
                            description=_l("Candidates type it to start; leave empty for none."),
                            render_kw={"autocapitalize": "characters", "autocomplete": "off"})
    shuffle_questions = BooleanField(_l("Shuffle the questions"), default=True)
    shuffle_options = BooleanField(_l("Shuffle the options"), default=True)
    review_policy = SelectField(_l("After submitting, candidates see"), choices=REVIEW_CHOICES,
                                default="score")
    partial_credit = BooleanField(_l("Partial credit on multiple-answer questions"))
    fresh_questions = BooleanField(_l("Later attempts draw questions the candidate has not been given yet"))
    certificate = BooleanField(_l("Issue a certificate on passing"))
    submit = SubmitField(_l("Save the exam"))

    def validate_closes_at(self, field: DateTimeLocalField) -> None:
        if field.data and self.opens_at.data and field.data <= self.opens_at.data:
            raise ValidationError(_l("The exam must close after it opens."))

    def filled_rules(self) -> list[dict]:
        """The blueprint rows the author filled in, as the exam service takes them."""
        rules = []
        for row in self.rules:
            if row.form.is_blank():
                continue
            rule: dict = {"count": row.form.count.data}
            if row.form.topic.data:
                rule["topic"] = row.form.topic.data
            if row.form.difficulty.data:
                rule["difficulty"] = row.form.difficulty.data
            if row.form.points.data is not None:
                rule["points"] = row.form.points.data
            rules.append(rule)
        return rules

    def validate_rules(self, field: FieldList) -> None:
        if not self.filled_rules():
            raise ValidationError(_l("Fill in at least one rule: how many questions to draw."))


class CandidatesForm(FlaskForm):
    usernames = TextAreaField(_l("Usernames"), validators=[Optional(), Length(max=200_000)],
                              description=_l("One per line, or separated by commas or spaces."),
                              render_kw={"rows": 6, "autocapitalize": "none", "spellcheck": "false"})
    unit = SelectField(_l("Everyone in a unit (and its sub-units)"), choices=[], validate_choice=False)
    file = FileField(_l("Or a spreadsheet (xlsx or csv) with a username column"),
                     validators=[FileAllowed(["xlsx", "xlsm", "csv"], _l("Upload an xlsx or csv file."))])
    extra_minutes = DecimalField(_l("Extra minutes for these candidates"), places=None, default=0,
                                 validators=[Optional(), NumberRange(min=0, max=24 * 60)],
                                 render_kw={"inputmode": "decimal"})
    submit = SubmitField(_l("Assign"))


class ExtraTimeForm(FlaskForm):
    minutes = DecimalField(_l("Minutes"), places=None,
                           validators=[InputRequired(), NumberRange(min=0, max=24 * 60)],
                           render_kw={"inputmode": "decimal"})
    submit = SubmitField(_l("Set"))


class ExtendForm(FlaskForm):
    minutes = DecimalField(_l("Add minutes"), places=None,
                           validators=[InputRequired(), NumberRange(min=0.5, max=24 * 60)],
                           render_kw={"inputmode": "decimal"})
    submit = SubmitField(_l("Extend"))


class OverrideForm(FlaskForm):
    """One candidate's own window, extra time and extra attempts; an empty time means the exam's."""

    opens_at = DateTimeLocalField(_l("Opens for this candidate (Vietnam time)"), format="%Y-%m-%dT%H:%M",
                                  validators=[Optional()])
    closes_at = DateTimeLocalField(_l("Closes for this candidate (Vietnam time)"), format="%Y-%m-%dT%H:%M",
                                   validators=[Optional()])
    extra_minutes = DecimalField(_l("Extra minutes"), places=None, default=0,
                                 validators=[Optional(), NumberRange(min=0, max=24 * 60)],
                                 render_kw={"inputmode": "decimal"})
    extra_attempts = IntegerField(_l("Extra attempts"), default=0,
                                  validators=[Optional(), NumberRange(min=0, max=100)],
                                  render_kw={"inputmode": "numeric"})
    submit = SubmitField(_l("Save the override"))


class StartForm(FlaskForm):
    room_code = StringField(_l("Room code"), validators=[Optional(), Length(max=40)],
                            render_kw={"autocapitalize": "characters", "autocomplete": "off",
                                       "spellcheck": "false"})
    submit = SubmitField(_l("Start"))


class ConfirmForm(FlaskForm):
    """A proctor's irreversible action: the page asks once more unless `confirmed` is sent."""

    confirmed = BooleanField()
    submit = SubmitField(_l("Yes, do it"))


class IssueTicketsForm(FlaskForm):
    """Tickets for everyone (`replace` must be ticked when some already hold one) or for the ticked
    candidates; `issued_mark` refuses a form shown before tickets were issued since (a reload)."""

    scope = HiddenField(validators=[AnyOf(["all", "selected"])])
    issued_mark = HiddenField()
    replace = BooleanField(_l("Replace the tickets already issued (they stop working)"))


class TicketLoginForm(FlaskForm):
    """The ticket box on the login page (drawn in auth/login.html, which the password login also shows)."""

    ticket = StringField(_l("Candidate ticket"), validators=[DataRequired(), Length(max=40)])
