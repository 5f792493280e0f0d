"""Forms of the contest pages: registering, coming back on another device, the round's prediction."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

FIELD_LABELS = {"birth_year": _l("Year of birth"), "gender": _l("Gender"), "workplace": _l("Workplace"),
                "email": _l("E-mail"), "id_number": _l("ID card number")}


class RegisterForm(FlaskForm):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)],
                       render_kw={"autocomplete": "name"})
    phone = StringField(_l("Phone number"), validators=[DataRequired(), Length(max=30)],
                        render_kw={"autocomplete": "tel", "inputmode": "tel"})
    unit = StringField(_l("Unit"), validators=[DataRequired(), Length(max=200)],
                       render_kw={"autocomplete": "organization", "list": "units"})
    unit_choice = SelectField(_l("Unit"), choices=[], validate_choice=False)
    birth_year = IntegerField(_l("Year of birth"), validators=[Optional(), NumberRange(1900, 2100)],
                              render_kw={"inputmode": "numeric"})
    gender = StringField(_l("Gender"), validators=[Optional(), Length(max=20)])
    workplace = StringField(_l("Workplace"), validators=[Optional(), Length(max=200)])
    email = StringField(_l("E-mail"), validators=[Optional(), Length(max=200)], render_kw={"type": "email"})
    id_number = StringField(_l("ID card number"), validators=[Optional(), Length(max=20)])
    submit = SubmitField(_l("Register"))


class ReturnForm(FlaskForm):
    phone = StringField(_l("Phone number"), validators=[DataRequired(), Length(max=30)],
                        render_kw={"autocomplete": "tel", "inputmode": "tel"})
    return_code = StringField(_l("Return code"), validators=[DataRequired(), Length(max=20)],
                              render_kw={"autocomplete": "off", "autocapitalize": "characters"})
    submit = SubmitField(_l("Continue on this device"))


class PredictionForm(FlaskForm):
    value = IntegerField(_l("Your prediction"), validators=[InputRequired(), NumberRange(0, 10**12)],
                         render_kw={"inputmode": "numeric"})
    submit = SubmitField(_l("Give my prediction"))
