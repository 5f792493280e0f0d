from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from examapp.auth.passwords import MAX_LENGTH
from examapp.auth.roles import ROLES
from examapp.navigation import ROLE_LABELS
from examapp.users.service import MAX_FULL_NAME

ROLE_CHOICES = [(role, ROLE_LABELS[role]) for role in ROLES]
IMPORT_EXTENSIONS = ("xlsx", "xlsm", "ods", "csv")


class NewAccountForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=80)],
                           render_kw={"autocapitalize": "none", "autocomplete": "off"})
    full_name = StringField(_l("Full name"), validators=[Optional(), Length(max=MAX_FULL_NAME)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, default="candidate")
    unit = SelectField(_l("Unit"), choices=[], validators=[Optional()])
    password = PasswordField(_l("Password (leave empty to generate one, shown once)"),
                             validators=[Optional(), Length(max=MAX_LENGTH)],
                             render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("Create account"))


class AccountForm(FlaskForm):
    full_name = StringField(_l("Full name"), validators=[Optional(), Length(max=MAX_FULL_NAME)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    unit = SelectField(_l("Unit"), choices=[], validators=[Optional()])
    submit = SubmitField(_l("Save"))


class ActionForm(FlaskForm):
    """A button that changes an account (enable, disable, reset the password): its CSRF token only."""


class ImportForm(FlaskForm):
    file = FileField(_l("Account list"), validators=[
        FileRequired(_l("Choose a file to upload")),
        FileAllowed(IMPORT_EXTENSIONS, _l("Use a .xlsx, .xlsm, .ods or .csv file")),
    ], render_kw={"accept": ",".join(f".{ext}" for ext in IMPORT_EXTENSIONS)})
    dry_run = BooleanField(_l("Only check the file; create nothing"))
    submit = SubmitField(_l("Import"))
