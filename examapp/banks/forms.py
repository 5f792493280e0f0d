from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from examapp.banks.service import MAX_NAME
from importers import SUPPORTED_FORMATS
from importers.validate import MAX_EXPLANATION, MAX_OPTION, MAX_OPTIONS, MAX_STEM, MAX_TOPIC

UPLOAD_EXTENSIONS = ("xlsx", "xlsm", "ods", "csv", "gift", "txt", "aiken")
TYPE_CHOICES = [("single", _l("Single choice")), ("multiple", _l("Multiple choice")),
                ("true_false", _l("True / false"))]
DIFFICULTY_CHOICES = [("easy", _l("Easy")), ("medium", _l("Medium")), ("hard", _l("Hard"))]


class BankForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=MAX_NAME)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Create bank"))


class UploadForm(FlaskForm):
    file = FileField(_l("Question file"), validators=[
        FileRequired(_l("Choose a file to upload")),
        FileAllowed(UPLOAD_EXTENSIONS, _l("Use a .xlsx, .xlsm, .ods, .csv, .gift, .aiken or .txt file")),
    ], render_kw={"accept": ",".join(f".{ext}" for ext in UPLOAD_EXTENSIONS)})
    format = SelectField(_l("Format"), choices=[("auto", _l("From the file name")),
                                                *[(f, f) for f in SUPPORTED_FORMATS]], default="auto")
    skip_invalid = BooleanField(_l("Skip invalid rows and import the others"))
    submit = SubmitField(_l("Check the file"))


class ConfirmForm(FlaskForm):
    token = HiddenField(validators=[DataRequired(), Length(max=64)])
    skip_invalid = HiddenField()


class OptionForm(Form):
    text = StringField(_l("Text"), validators=[Optional(), Length(max=MAX_OPTION)])
    correct = BooleanField(_l("Correct"))


class QuestionForm(FlaskForm):
    text = TextAreaField(_l("Question"), validators=[DataRequired(), Length(max=MAX_STEM)],
                         render_kw={"rows": 4})
    type = SelectField(_l("Type"), choices=TYPE_CHOICES)
    options = FieldList(FormField(OptionForm), min_entries=MAX_OPTIONS, max_entries=MAX_OPTIONS)
    truth = SelectField(_l("True/false questions: the statement is"),
                        choices=[("", "—"), ("true", _l("True")), ("false", _l("False"))], default="")
    topic = StringField(_l("Topic"), validators=[Optional(), Length(max=MAX_TOPIC)])
    difficulty = SelectField(_l("Difficulty"), choices=DIFFICULTY_CHOICES)
    points = DecimalField(_l("Points"), places=None,
                          validators=[DataRequired(), NumberRange(min=0.01, max=1000)])
    explanation = TextAreaField(_l("Explanation"), validators=[Optional(), Length(max=MAX_EXPLANATION)],
                                render_kw={"rows": 3})
    submit = SubmitField(_l("Save as a new version"))


class NewQuestionForm(QuestionForm):
    """The edit form, empty, with an import's defaults (medium, 1 point)."""

    difficulty = SelectField(_l("Difficulty"), choices=DIFFICULTY_CHOICES, default="medium")
    points = DecimalField(_l("Points"), places=None, default=1,
                          validators=[DataRequired(), NumberRange(min=0.01, max=1000)])
    submit = SubmitField(_l("Add the question"))
