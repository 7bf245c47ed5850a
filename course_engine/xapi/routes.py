"""The org admin's learning record store page: settings, a test statement, and what is waiting
or was refused."""
from __future__ import annotations

import uuid

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from .. import encryption, outbound
from ..audit import record_audit
from ..db import session, utcnow
from ..links import base_url
from ..orgs.access import org_role_required
from ..orgs.models import OrgRole
from . import bp, delivery, services, statements
from .forms import LrsSettingsForm
from .models import OutboxStatement

#: Refused statements listed on the page (newest first).
REFUSED_SHOWN = 50


def _counts(org) -> dict:
    base = select(func.count()).select_from(OutboxStatement).where(OutboxStatement.organisation_id == org.id)
    return {"sent": session.scalar(base.where(OutboxStatement.sent_at.is_not(None))) or 0,
            "pending": session.scalar(base.where(OutboxStatement.sent_at.is_(None),
                                                 OutboxStatement.refused_at.is_(None))) or 0,
            "refused": session.scalar(base.where(OutboxStatement.refused_at.is_not(None))) or 0}


def _page(org, membership, form, connection, status=200):
    refused = session.scalars(select(OutboxStatement).where(OutboxStatement.organisation_id == org.id,
                                                            OutboxStatement.refused_at.is_not(None))
                              .order_by(OutboxStatement.refused_at.desc()).limit(REFUSED_SHOWN)).all()
    return render_template("xapi/settings.html", org=org, membership=membership, form=form, connection=connection,
                           secret_hint=services.secret_hint(connection) if connection else None,
                           counts=_counts(org), refused=refused), status


@bp.route("/orgs/<org_slug>/xapi", methods=["GET"])
@org_role_required(OrgRole.org_admin)
def settings(org, membership):
    """The connection's settings (off until the org admin switches it on)."""
    connection = services.connection_for(org)
    form = LrsSettingsForm.from_request()
    if connection is not None:
        form = LrsSettingsForm(data={"endpoint": connection.endpoint, "key": connection.key,
                                     "enabled": connection.enabled, "send_modules": connection.send_modules,
                                     "send_decisions": connection.send_decisions,
                                     "send_quizzes": connection.send_quizzes, "actor_email": connection.actor_email})
    return _page(org, membership, form, connection)


@bp.route("/orgs/<org_slug>/xapi", methods=["POST"])
@org_role_required(OrgRole.org_admin)
def save_settings(org, membership):
    """Save the settings (org admin; audited without the secret)."""
    connection = services.connection_for(org)
    form = LrsSettingsForm.from_request()
    if form.validate():
        try:
            services.save_settings(current_user, org, services.Settings(
                endpoint=form.endpoint.data, key=form.key.data, secret=form.secret.data or None,
                enabled=form.enabled.data, send_modules=form.send_modules.data,
                send_decisions=form.send_decisions.data, send_quizzes=form.send_quizzes.data,
                actor_email=form.actor_email.data), now=utcnow(), ip_address=request.remote_addr)
        except services.SettingsProblem as exc:
            getattr(form, exc.field).errors.append(str(exc))
        else:
            flash("Learning record store settings saved." + (
                " Records are sent from now on." if form.enabled.data else " Nothing is sent until you switch it on."),
                "success")
            return redirect(url_for("xapi.settings", org_slug=org.slug))
    return _page(org, membership, form, connection, status=400)


@bp.route("/orgs/<org_slug>/xapi/test", methods=["POST"])
@org_role_required(OrgRole.org_admin)
def send_test(org, membership):
    """Post one test statement (about a test account, nobody real) and say what the store answered."""
    connection = services.connection_for(org)
    if connection is None:
        flash("Save the store's endpoint, key and secret first.", "error")
        return redirect(url_for("xapi.settings", org_slug=org.slug))
    statement_id = str(uuid.uuid4())
    body = statements.connection_test(statement_id, base_url(), current_app.config["SITE_NAME"], utcnow())
    try:
        delivery.post_statements(connection, [body])
    except outbound.UnsafeURL as exc:
        message, ok = f"The test statement was not sent: {exc}", False
    except outbound.RemoteRefused as exc:
        reason = "the key or secret is not right" if exc.status in (401, 403) else "it refused the statement"
        message, ok = f"The store answered, but {reason}: {exc}", False
    except outbound.RemoteUnavailable as exc:
        message, ok = f"The store could not be reached: {exc} Check the endpoint.", False
    except encryption.SecretUnreadable:
        message, ok = "The stored secret cannot be read any more: enter it again and save.", False
    else:
        message, ok = f"The store accepted the test statement (id {statement_id}).", True
    record_audit(current_user, "xapi.test", connection, organisation=org, ip_address=request.remote_addr,
                 detail={"ok": ok})
    flash(message, "success" if ok else "error")
    return redirect(url_for("xapi.settings", org_slug=org.slug))


@bp.route("/orgs/<org_slug>/xapi/retry", methods=["POST"])
@org_role_required(OrgRole.org_admin)
def retry_refused(org, membership):
    """Put the refused statements back in line (after the store's problem was fixed)."""
    count = delivery.retry_refused(org.id, utcnow())
    record_audit(current_user, "xapi.retry_refused", org, organisation=org, ip_address=request.remote_addr,
                 detail={"count": count})
    if count:
        from .. import jobs

        jobs.enqueue("xapi.send", organisation_id=org.id)
    flash(f"{count} refused statement{'s' if count != 1 else ''} will be sent again.", "success")
    return redirect(url_for("xapi.settings", org_slug=org.slug))
