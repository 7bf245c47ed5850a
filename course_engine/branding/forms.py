"""The look form: the name as shown and the accent colour (the logo is a separate upload)."""
from wtforms import StringField
from wtforms.validators import Length, Optional

from ..forms import BaseForm
from .services import NAME_MAX


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class LookForm(BaseForm):
    display_name = StringField("Name as shown", [Optional(), Length(max=NAME_MAX)], filters=[_strip],
                               description="In the header of your people's pages and on their certificates. "
                                           "Leave it empty to show the organisation's own name.")
    accent_colour = StringField("Accent colour", [Optional(), Length(max=20)], filters=[_strip],
                                description="A hex code such as #1f4e79, for the header band and buttons. White "
                                            "text on it must reach a contrast of 4.5:1 (WCAG AA). Leave it empty "
                                            "for the site's own blue.")
