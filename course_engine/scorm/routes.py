"""Download pages: an org admin's (the organisation's look) and an author's (the site's look).

Both list every module version with a link per standard; a download is a GET that returns the
zip and records ``scorm.download`` in the audit log. Organisation pages use the one guard
(``org_role_required``: another organisation's admin gets 404, a manager or learner 403);
the author pages need the author role.
"""
from __future__ import annotations

from flask import Response, abort, current_app, render_template, request, url_for
from flask_login import current_user

from ..auth.access import site_role_required
from ..orgs.access import org_role_required
from ..orgs.models import OrgRole
from . import bp, package, services


def _zip(name: str, content: bytes) -> Response:
    response = Response(content, mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    # Built for one organisation and audited per download: never kept by a shared cache.
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _download(slug: str, number: int, standard: str, brand, organisation=None) -> Response:
    if standard not in package.STANDARDS:
        abort(404)
    try:
        name, content = services.build_package(current_user, slug, number, standard, brand,
                                               organisation=organisation, ip_address=request.remote_addr)
    except services.PackageNotFound:
        abort(404)
    return _zip(name, content)


@bp.route("/orgs/<org_slug>/scorm")
@org_role_required(OrgRole.org_admin)
def org_packages(org, membership):
    """Every module version, to download as SCORM with the organisation's look."""
    return render_template("scorm/packages.html", org=org, versions=services.list_versions(),
                           standards=package.STANDARDS, brand_name=services.organisation_brand(
                               org.id, current_app.config["SITE_NAME"]).name,
                           link=lambda v, s: url_for("scorm.org_download", org_slug=org.slug, slug=v.slug,
                                                     number=v.number, standard=s))


@bp.route("/orgs/<org_slug>/scorm/<slug>/v<int:number>/<standard>.zip")
@org_role_required(OrgRole.org_admin)
def org_download(org, membership, slug: str, number: int, standard: str):
    """One version's package with the organisation's name, logo and accent."""
    brand = services.organisation_brand(org.id, current_app.config["SITE_NAME"])
    return _download(slug, number, standard, brand, organisation=org)


@bp.route("/authoring/scorm")
@site_role_required("author")
def author_packages():
    """Every module version, to download as SCORM with the site's own look."""
    return render_template("scorm/packages.html", org=None, versions=services.list_versions(),
                           standards=package.STANDARDS, brand_name=current_app.config["SITE_NAME"],
                           link=lambda v, s: url_for("scorm.author_download", slug=v.slug, number=v.number, standard=s))


@bp.route("/authoring/scorm/<slug>/v<int:number>/<standard>.zip")
@site_role_required("author")
def author_download(slug: str, number: int, standard: str):
    """One version's package with the site's look."""
    return _download(slug, number, standard, services.site_brand(current_app.config["SITE_NAME"]))
