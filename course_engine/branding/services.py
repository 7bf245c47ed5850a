"""Save an organisation's look, and say which look a page shows.

Which organisation's look a page shows (each rule has a test in ``tests/branding``):

1. On an organisation's own pages (``/orgs/<slug>/...``, admitted by the guard): that one.
2. Elsewhere, for a person with exactly one current membership (any role): that organisation.
3. For a person in several organisations: on a module's page and its player pages (the
   attempt's module), the organisation that assigned them that module, when exactly one of
   their organisations did; on every other page, none.
4. Nobody signed in, no membership, or an organisation that has not set a look: none, and
   the page has the site's own look.

Rule 2 costs nothing per page: the person's sole organisation's look ``version`` (or
:data:`SEVERAL`) is read in the same statement as the person (``auth.services.add_signed_in_value``),
and the look itself is kept in memory per version, which changes on every save, so a new
look shows at once on every host. Rules 1 and 3 cost one query on the pages they apply to.

Services add and flush, never commit.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any, Callable

from sqlalchemy import case, func, literal, select
from sqlalchemy.orm import undefer

from ..audit import record_audit
from ..auth.models import Actor, User
from ..db import session, utcnow
from ..orgs.models import Membership, Organisation
from .contrast import AccentRefused, check_accent, hover_shade
from .images import CleanLogo
from .models import BrandLogo, OrganisationLook

#: ``sole_organisation_look`` for a person with several current memberships.
SEVERAL = "*"
#: Longest name as shown (the column's size).
NAME_MAX = 200
#: Looks kept in memory per worker (one per organisation version: small).
CACHE_SIZE = 512
#: ``app.extensions`` key: functions ``(user_id, endpoint, view_args) -> organisation id | None``
#: naming the organisation a page belongs to for a person in several (rule 3; ``employers``).
PAGE_ORGANISATION = "course_engine.branding.page_organisation"


class LookError(ValueError):
    """A look we will not save; ``field`` names the form field, the message is for the person."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


# --- what pages and packages use -----------------------------------------------------------

@dataclass(frozen=True)
class Logo:
    """A stored logo: re-encoded pixels, its format and its content hash."""

    data: bytes
    content_type: str
    sha256: str
    width: int
    height: int

    @property
    def extension(self) -> str:
        return "png" if self.content_type == "image/png" else "jpg"

    @property
    def filename(self) -> str:
        """A file name for the logo inside a package (``logo.png``)."""
        return f"logo.{self.extension}"


@dataclass(frozen=True)
class Theme:
    """An organisation's look for another system (the SCORM packager) or a document.

    ``accent_colour`` is None when the organisation kept the site's colour; ``logo`` is None
    when it has none. Both reach WCAG AA against white when set (see branding/contrast.py).
    """

    organisation_id: int
    name: str
    accent_colour: str | None
    logo: Logo | None

    @property
    def accent_hover(self) -> str | None:
        """The darker accent for hover states (readable on white and on the site's pale grey)."""
        return hover_shade(self.accent_colour) if self.accent_colour else None


@dataclass(frozen=True)
class PageLook:
    """What a page's header needs of a look (no image bytes): kept in memory per version."""

    organisation_id: int
    name: str
    accent_colour: str | None
    logo_sha256: str | None
    logo_width: int | None
    logo_height: int | None

    @property
    def accent_hover(self) -> str | None:
        return hover_shade(self.accent_colour) if self.accent_colour else None


def theme_for_organisation(organisation_id: int) -> Theme | None:
    """The organisation's look with its logo's bytes (None if there is no such organisation).

    An organisation that set no look gets its own name, no accent and no logo.
    """
    row = session.execute(
        select(Organisation.name, OrganisationLook.display_name, OrganisationLook.accent_colour,
               BrandLogo.sha256, BrandLogo.content_type, BrandLogo.width, BrandLogo.height, BrandLogo.data)
        .outerjoin(OrganisationLook, OrganisationLook.organisation_id == Organisation.id)
        .outerjoin(BrandLogo, BrandLogo.sha256 == OrganisationLook.logo_sha256)
        .where(Organisation.id == organisation_id)).first()
    if row is None:
        return None
    org_name, display_name, accent, sha, content_type, width, height, data = row
    logo = Logo(data, content_type, sha, width, height) if sha is not None else None
    return Theme(organisation_id, display_name or org_name, accent, logo)


_PAGE_LOOK_COLUMNS = (OrganisationLook.organisation_id, Organisation.name, OrganisationLook.display_name,
                      OrganisationLook.accent_colour, OrganisationLook.logo_sha256, BrandLogo.width,
                      BrandLogo.height)


def _page_look_query():
    return (select(*_PAGE_LOOK_COLUMNS)
            .join(Organisation, Organisation.id == OrganisationLook.organisation_id)
            .outerjoin(BrandLogo, BrandLogo.sha256 == OrganisationLook.logo_sha256))


def _page_look(row) -> PageLook | None:
    if row is None:
        return None
    org_id, org_name, display_name, accent, sha, width, height = row
    return PageLook(org_id, display_name or org_name, accent, sha, width, height)


def page_look_for_organisation(organisation_id: int) -> PageLook | None:
    """The organisation's look for a page header; None if it has not set one (one query)."""
    return _page_look(session.execute(
        _page_look_query().where(OrganisationLook.organisation_id == organisation_id)).first())


def page_look_for_version(version: str, cache: dict[str, PageLook | None]) -> PageLook | None:
    """The look saved as ``version``, from ``cache`` (a query only the first time per worker)."""
    if version in cache:
        return cache[version]
    look = _page_look(session.execute(_page_look_query().where(OrganisationLook.version == version)).first())
    if len(cache) >= CACHE_SIZE:
        cache.clear()
    cache[version] = look
    return look


def sole_organisation_look():
    """SQL correlated with ``User.id``: the look ``version`` of the person's only current
    organisation (None when it has no look, or the person has no membership), or
    :data:`SEVERAL` when they have more than one."""
    return (select(case((func.count(Membership.id) > 1, literal(SEVERAL)),
                        else_=func.max(OrganisationLook.version)))
            .select_from(Membership)
            .outerjoin(OrganisationLook, OrganisationLook.organisation_id == Membership.organisation_id)
            .where(Membership.user_id == User.id, Membership.deactivated_at.is_(None))
            .scalar_subquery())


def look_for_page(user: Any, page_organisation: Organisation | None, endpoint: str | None,
                  view_args: dict[str, Any] | None, cache: dict[str, PageLook | None],
                  resolvers: list[Callable[..., int | None]]) -> PageLook | None:
    """The look the page shows, by the rules in this module's docstring.

    :param user: the signed-in person (or an anonymous one).
    :param page_organisation: the organisation whose page this is (set by the guard), if any.
    :param resolvers: the :data:`PAGE_ORGANISATION` functions (rule 3).
    """
    if page_organisation is not None:
        return page_look_for_organisation(page_organisation.id)
    if not getattr(user, "is_authenticated", False):
        return None
    value = user.flags.get("sole_organisation_look")
    if value is None:
        return None
    if value != SEVERAL:
        return page_look_for_version(value, cache)
    for resolve in resolvers:
        organisation_id = resolve(user.id, endpoint, view_args or {})
        if organisation_id is not None:
            return page_look_for_organisation(organisation_id)
    return None


# --- saving --------------------------------------------------------------------------------

def look_of(organisation: Organisation) -> OrganisationLook | None:
    """The organisation's saved look row, if it has one."""
    return session.scalar(select(OrganisationLook).where(OrganisationLook.organisation_id == organisation.id))


def _look_to_change(actor: Actor | None, organisation: Organisation) -> OrganisationLook:
    look = look_of(organisation)
    if look is None:
        look = OrganisationLook(organisation_id=organisation.id)
        session.add(look)
    look.version = secrets.token_hex(16)
    look.updated_at = utcnow()
    look.updated_by_id = actor.id if actor is not None else None
    return look


def clean_display_name(text: str | None) -> str | None:
    """The name as shown, whitespace tidied; None (the organisation's own name) when blank.

    :raises LookError: when it is longer than :data:`NAME_MAX` characters.
    """
    name = " ".join((text or "").split())
    if len(name) > NAME_MAX:
        raise LookError("display_name", f"The name can be up to {NAME_MAX} characters; this one has {len(name)}.")
    return name or None


def save_look(actor: Actor | None, organisation: Organisation, *, display_name: str | None,
              accent_colour: str | None, ip_address: str | None = None) -> OrganisationLook:
    """Save the name as shown and the accent colour (audited).

    :param display_name: blank for the organisation's own name.
    :param accent_colour: a hex colour reaching 4.5:1 against white; blank for the site's.
    :raises LookError: with the field and a message (the accent's names the ratio and a darker shade).
    """
    name = clean_display_name(display_name)
    accent = None
    if (accent_colour or "").strip():
        try:
            accent = check_accent(accent_colour)
        except AccentRefused as exc:
            raise LookError("accent_colour", str(exc)) from None
    look = look_of(organisation)
    before = {"display_name": look.display_name if look else None, "accent_colour": look.accent_colour if look else None}
    after = {"display_name": name, "accent_colour": accent}
    look = _look_to_change(actor, organisation)
    look.display_name, look.accent_colour = name, accent
    session.flush()
    record_audit(actor, "branding.update", look, organisation=organisation,
                 detail={k: {"from": before[k], "to": after[k]} for k in after if before[k] != after[k]},
                 ip_address=ip_address)
    return look


def save_logo(actor: Actor | None, organisation: Organisation, logo: CleanLogo, *, filename: str = "",
              ip_address: str | None = None) -> BrandLogo:
    """Store a cleaned logo (once per content hash) and make it the organisation's (audited)."""
    stored = session.get(BrandLogo, logo.sha256)
    if stored is None:
        stored = BrandLogo(sha256=logo.sha256, content_type=logo.content_type, width=logo.width,
                           height=logo.height, byte_size=len(logo.data), data=logo.data)
        session.add(stored)
        session.flush()
    look = _look_to_change(actor, organisation)
    previous = look.logo_sha256
    look.logo_sha256 = stored.sha256
    session.flush()
    record_audit(actor, "branding.logo_upload", look, organisation=organisation,
                 detail={"sha256": stored.sha256, "replaces": previous, "content_type": stored.content_type,
                         "width": stored.width, "height": stored.height, "bytes": stored.byte_size,
                         "uploaded_filename": (filename or "")[:120]},
                 ip_address=ip_address)
    return stored


def remove_logo(actor: Actor | None, organisation: Organisation, *, ip_address: str | None = None) -> None:
    """Stop showing the organisation's logo (audited). The image row stays: certificates
    issued with it still show it on the verification page."""
    look = look_of(organisation)
    if look is None or look.logo_sha256 is None:
        raise LookError("logo", "There is no logo to remove.")
    previous = look.logo_sha256
    look = _look_to_change(actor, organisation)
    look.logo_sha256 = None
    session.flush()
    record_audit(actor, "branding.logo_remove", look, organisation=organisation,
                 detail={"sha256": previous}, ip_address=ip_address)


def stored_logo(sha256: str) -> BrandLogo | None:
    """The stored logo with this content hash (with its bytes)."""
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        return None
    return session.scalar(select(BrandLogo).options(undefer(BrandLogo.data)).where(BrandLogo.sha256 == sha256))
