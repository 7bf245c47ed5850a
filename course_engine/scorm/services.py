"""SCORM packages from the database: which module versions there are, and one version's zip.

Services take plain values (ids, numbers, the actor) and never the request. The package is
built from the version's stored snapshot (``module_json``, ``quiz_json``: the content core's
export, the same JSON the web player reads), its images, and the look of the organisation
that downloads it (``branding.services.theme_for_organisation``); an author's download (from
the Content pages) has the site's own look.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import undefer

from ..audit import record_audit
from ..authoring.models import ContentModule, MediaFile, ModuleVersion
from ..branding.services import theme_for_organisation
from ..db import session
from . import package
from .package import Brand, PackageInput


class PackageNotFound(LookupError):
    """No such module or version (the route answers 404)."""


@dataclass(frozen=True)
class VersionRow:
    """One module version as the download pages list it."""

    slug: str
    title: str
    number: int
    is_current: bool
    has_quiz: bool
    retired: bool


def list_versions() -> list[VersionRow]:
    """Every version of every module, by module title then newest version first."""
    rows = session.execute(
        select(ContentModule.slug, ModuleVersion.title, ModuleVersion.number, ModuleVersion.id,
               ContentModule.current_version_id, ModuleVersion.has_quiz, ContentModule.retired_at)
        .join(ModuleVersion, ModuleVersion.module_id == ContentModule.id)
        .order_by(ContentModule.slug, ModuleVersion.number.desc())).all()
    versions = [VersionRow(slug, title, number, vid == current, has_quiz, retired is not None)
                for slug, title, number, vid, current, has_quiz, retired in rows]
    return sorted(versions, key=lambda v: (v.title.casefold(), v.slug, -v.number))


def _version(slug: str, number: int) -> ModuleVersion:
    version = session.scalar(
        select(ModuleVersion).join(ContentModule, ContentModule.id == ModuleVersion.module_id)
        .where(ContentModule.slug == slug, ModuleVersion.number == number)
        .options(undefer(ModuleVersion.module_json), undefer(ModuleVersion.quiz_json)))
    if version is None:
        raise PackageNotFound(f"{slug} v{number}")
    return version


def site_brand(site_name: str) -> Brand:
    """The site's own look (an author's download, or an organisation with no look)."""
    return Brand(name=site_name)


def organisation_brand(organisation_id: int, site_name: str) -> Brand:
    """The organisation's name as shown, accent and logo (checked when they were saved)."""
    theme = theme_for_organisation(organisation_id)
    if theme is None:
        return site_brand(site_name)
    logo = theme.logo
    return Brand(name=theme.name, accent=theme.accent_colour, accent_hover=theme.accent_hover,
                 logo_filename=logo.filename if logo else None, logo_data=logo.data if logo else None,
                 logo_width=logo.width if logo else None, logo_height=logo.height if logo else None)


def package_input(slug: str, number: int, brand: Brand) -> PackageInput:
    """Everything one version's package is built from.

    :raise PackageNotFound: for a module or version that does not exist.
    """
    return _input_for(_version(slug, number), slug, brand)


def _input_for(version: ModuleVersion, slug: str, brand: Brand) -> PackageInput:
    used = package.media_used(version.module_json, version.quiz_json)
    media = {}
    if used:
        for item in session.scalars(select(MediaFile).where(MediaFile.sha256.in_({sha for sha, _ in used}))):
            if (item.sha256, item.filename) in used:
                media[(item.sha256, item.filename)] = item.data
    return PackageInput(slug=slug, version_number=version.number, module=version.module_json,
                        quiz=version.quiz_json, brand=brand, media=media)


def build_package(actor, slug: str, number: int, standard: str, brand: Brand, *, organisation=None,
                  ip_address: str | None = None) -> tuple[str, bytes]:
    """The file name and bytes of the package; the download is audited (who took which
    version for which standard, for which organisation).

    :raise PackageNotFound: for a module or version that does not exist.
    :raise ValueError: for a standard we do not build.
    """
    if standard not in package.STANDARDS:
        raise ValueError(f"unknown standard {standard!r}")
    version = _version(slug, number)
    data = _input_for(version, slug, brand)
    content = package.build(data, standard)
    record_audit(actor, "scorm.download", version, organisation=organisation,
                 detail={"module": slug, "version": number, "standard": standard}, ip_address=ip_address)
    return package.filename(data, standard), content
