from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from examapp.orgs.models import UNIT_KINDS

KIND_LABELS = {
    "committee": _l("Party committee"), "grassroots": _l("Grassroots party committee"),
    "cell": _l("Grassroots party cell"), "branch": _l("Party cell under a committee"),
    "company": _l("Company"), "park": _l("Industrial park"), "other": _l("Other"),
}


class UnitForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    parent = SelectField(_l("Parent unit"), choices=[], validators=[Optional()])
    kind = SelectField(_l("Kind"), choices=[(k, KIND_LABELS[k]) for k in UNIT_KINDS],
                       default="other")
    submit = SubmitField(_l("Add unit"))
