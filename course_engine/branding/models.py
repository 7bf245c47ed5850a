"""An organisation's own look: the name it shows, its logo and its accent colour."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, deferred, mapped_column

from ..db import Base, UTCDateTime, utcnow


class BrandLogo(Base):
    """A re-encoded logo image, stored by the sha256 of its bytes.

    In the database rather than on disk, so every host serves it without shared storage; keyed
    by content, so its URL changes whenever the image does and can be cached for a year. Rows
    are never changed, and kept when an organisation changes its logo: certificates issued
    with the old logo still name it (``Certificate.organisation_logo_sha256``).
    """

    __tablename__ = "brand_logo"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: ``image/png`` or ``image/jpeg``: the format we re-encoded it to, never the upload's claim.
    content_type: Mapped[str] = mapped_column(String(20))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    byte_size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: The image. Deferred: only the logo route, certificates and packages read it.
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary))


class OrganisationLook(Base):
    """The look an organisation admin chose (one row per organisation, once they set one).

    An organisation without a row shows the site's own look. ``version`` changes with every
    save: pages read it with the signed-in person and keep the look per version in memory, so
    a change shows at once on every host without a query per page (branding/services.py).
    """

    __tablename__ = "organisation_look"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), unique=True)
    #: The name as shown (header, certificates); None shows the organisation's own name.
    display_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    #: ``#rrggbb``, at least 4.5:1 against white (branding/contrast.py); None keeps the site's.
    accent_colour: Mapped[str | None] = mapped_column(String(7), nullable=True)
    logo_sha256: Mapped[str | None] = mapped_column(ForeignKey("brand_logo.sha256", ondelete="SET NULL"),
                                                    nullable=True)
    #: Random and new on every save (see the class docstring).
    version: Mapped[str] = mapped_column(String(32), unique=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), nullable=True)
