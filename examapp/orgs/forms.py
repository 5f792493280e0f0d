from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from examapp.orgs.models import UNIT_KINDS


class UnitForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    parent = SelectField(_l("Parent unit"), choices=[], validators=[Optional()])
    kind = SelectField(_l("Kind"), choices=[(k, k) for k in UNIT_KINDS], default="other")
    submit = SubmitField(_l("Add unit"))
