"""The org admin's look page, and the two public, cacheable resources the look uses.

- ``/orgs/<slug>/look`` (GET, POST), ``/look/logo`` (POST), ``/look/logo/remove`` (POST):
  behind ``org_role_required(OrgRole.org_admin)``, CSRF-checked (globally), audited.
- ``/brand/logos/<sha256>``: a stored logo by content hash. Public (the verification page is
  public and logos are public marks; the hash is not guessable), cached for a year as
  immutable: a new logo has a new hash, so a new URL.
- ``/brand/accent/<rrggbb>.css``: the stylesheet that applies an accent colour. The
  site's Content-Security-Policy allows no inline styles, and the colour is the whole of the
  content, so its URL names it and it is cached for a year too. Colours below AA are 404.
"""
from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..orgs.access import org_role_required
from ..orgs.models import OrgRole
from . import bp, services
from .contrast import WHITE, AccentRefused, check_accent, contrast_ratio, hover_shade, shown_ratio
from .forms import LookForm
from .images import MAX_SIDE, LogoRefused, clean_logo

#: A year, the longest lifetime caches are asked to honour (RFC 9111 advises no more).
IMMUTABLE = "public, max-age=31536000, immutable"


def logo_url(sha256: str | None) -> str | None:
    """The URL of a stored logo (None for none)."""
    return url_for("branding.logo", sha256=sha256) if sha256 else None


def accent_stylesheet_url(accent: str | None) -> str | None:
    """The URL of the stylesheet applying ``accent`` (None for the site's own colours)."""
    return url_for("branding.accent_stylesheet", hex_digits=accent[1:]) if accent else None


@bp.url_value_preprocessor
def _limit_upload_size(endpoint, values):
    # Before the app's CSRF check reads the form: a request larger than the limit is refused
    # with a 413 page before it is parsed (MAX_CONTENT_LENGTH for this one route).
    if endpoint == "branding.upload_logo":
        request.max_content_length = current_app.config["LOGO_MAX_BYTES"] + 64 * 1024


def _render(org, membership, form=None, logo_error=None, status=200):
    look = services.look_of(org)
    accent = look.accent_colour if look else None
    return render_template(
        "branding/look.html", org=org, membership=membership, look=look,
        form=form or LookForm(data={"display_name": look.display_name if look else "",
                                    "accent_colour": accent or ""}),
        logo_error=logo_error, accent_ratio=shown_ratio(contrast_ratio(accent, WHITE)) if accent else None,
        max_kb=current_app.config["LOGO_MAX_BYTES"] // 1024, max_side=MAX_SIDE), status


@bp.route("/orgs/<org_slug>/look")
@org_role_required(OrgRole.org_admin)
def edit_look(org, membership):
    """The organisation's look: name as shown, accent colour, logo (org admin)."""
    return _render(org, membership)


@bp.route("/orgs/<org_slug>/look", methods=["POST"])
@org_role_required(OrgRole.org_admin)
def save_look(org, membership):
    """Save the name as shown and the accent colour (org admin; audited)."""
    form = LookForm.from_request()
    if form.validate():
        try:
            services.save_look(current_user, org, display_name=form.display_name.data,
                               accent_colour=form.accent_colour.data, ip_address=request.remote_addr)
        except services.LookError as exc:
            getattr(form, exc.field).errors.append(str(exc))
        else:
            flash("Your organisation's look is saved.", "success")
            return redirect(url_for("branding.edit_look", org_slug=org.slug))
    return _render(org, membership, form=form, status=400)


@bp.route("/orgs/<org_slug>/look/logo", methods=["POST"])
@org_role_required(OrgRole.org_admin)
def upload_logo(org, membership):
    """Check, clean and store a logo (org admin; audited). Nothing is saved when it is refused."""
    upload = request.files.get("logo")
    if upload is None or not upload.filename:
        return _render(org, membership, logo_error="Choose a PNG or JPEG file to upload.", status=400)
    limit = current_app.config["LOGO_MAX_BYTES"]
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        return _render(org, membership, status=413,
                       logo_error=f"The file is larger than {limit // 1024:,} KB. Save a smaller copy and upload that.")
    try:
        logo = clean_logo(data)
    except LogoRefused as exc:
        return _render(org, membership, logo_error=f"{exc} Nothing has been saved.", status=400)
    services.save_logo(current_user, org, logo, filename=upload.filename, ip_address=request.remote_addr)
    flash(f"Logo saved ({logo.width} x {logo.height} pixels, re-encoded as {logo.format}).", "success")
    return redirect(url_for("branding.edit_look", org_slug=org.slug))


@bp.route("/orgs/<org_slug>/look/logo/remove", methods=["POST"])
@org_role_required(OrgRole.org_admin)
def remove_logo(org, membership):
    """Stop showing the logo (org admin; audited)."""
    try:
        services.remove_logo(current_user, org, ip_address=request.remote_addr)
    except services.LookError as exc:
        abort(409, description=str(exc))
    flash("Logo removed.", "success")
    return redirect(url_for("branding.edit_look", org_slug=org.slug))


@bp.route("/brand/logos/<sha256>")
def logo(sha256: str):
    """A stored logo, by the sha256 of its bytes (public; cached for a year)."""
    stored = services.stored_logo(sha256)
    if stored is None:
        abort(404)
    response = Response(stored.data, mimetype=stored.content_type)
    response.headers["Cache-Control"] = IMMUTABLE
    response.headers["ETag"] = f'"{stored.sha256}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = f'inline; filename="logo.{"png" if stored.content_type == "image/png" else "jpg"}"'
    return response


@bp.route("/brand/accent/<hex_digits>.css")
def accent_stylesheet(hex_digits: str):
    """The rules that apply an accent colour (public; cached for a year)."""
    if len(hex_digits) != 6:
        abort(404)
    try:
        accent = check_accent("#" + hex_digits)
    except AccentRefused:
        abort(404)
    if accent != "#" + hex_digits:
        abort(404)  # one URL per colour: lower case only, so caches hold one copy
    css = (f"/* The organisation's accent: {shown_ratio(contrast_ratio(accent, WHITE))} against white. */\n"
           f":root {{ --accent: {accent}; --accent-dark: {hover_shade(accent)}; }}\n")
    response = Response(css, mimetype="text/css")
    response.headers["Cache-Control"] = IMMUTABLE
    return response
