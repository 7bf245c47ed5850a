"""Account pages. Views parse the form, call one service, flash and redirect."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from ..audit import record_audit
from ..security import limiter
from . import bp, services
from .forms import ChangeNameForm, ChangePasswordForm, ForgotPasswordForm, LoginForm, RegisterForm, ResetPasswordForm


def _safe_next(default: str) -> str:
    """Only follow ``next`` to a path on this site (no open redirects)."""
    target = request.args.get("next") or request.form.get("next") or ""
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.netloc and not parts.scheme:
        return target
    return default


def _start_session(user, remember: bool) -> None:
    # A fresh session at login defeats session fixation; the CSRF secret is renewed too.
    session.clear()
    login_user(user, remember=remember)


def _login_account_key() -> str:
    """The account *and* the address it is tried from: wrong passwords from one place slow down
    guessing at that account there, and never lock the person out from anywhere else (OWASP
    Authentication Cheat Sheet: an account lockout must not become a denial of service)."""
    return ("login-account:" + services.normalise_email(request.form.get("email", ""))
            + "|" + (get_remote_address() or ""))


#: The one answer that is a failed login: a wrong email or password (401).
WRONG_PASSWORD = 401


def _failed(response) -> bool:
    """Only a wrong password counts towards the limits: not a success (302), nor a form error,
    an organisation that signs in its own way, or the service being away (a 500 or 503 during a
    database outage must not lock out everyone behind one council's address)."""
    return response.status_code == WRONG_PASSWORD


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Create an account. A duplicate email gets the same answer as a new one."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegisterForm.from_request()
    if request.method == "POST" and form.validate():
        try:
            user = services.register_user(form.full_name.data, form.email.data, form.password.data)
        except services.EmailAlreadyRegistered as exc:
            services.notify_existing_account(exc.email)
        except services.AccountError as exc:
            getattr(form, exc.field or "password").errors.append(str(exc))
            return render_template("auth/register.html", form=form), 400
        else:
            services.send_confirmation(user)
        # The same answer whether or not the email was already registered.
        return render_template("auth/check_email.html", email=services.normalise_email(form.email.data))
    return render_template("auth/register.html", form=form), (400 if form.errors else 200)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"], deduct_when=_failed)
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS"], methods=["POST"],
               key_func=_login_account_key, deduct_when=_failed)
def login():
    """Log in. The message for a wrong password and an unknown email is the same.

    When the email's domain belongs to an organisation with single sign-on, the page offers
    "Sign in with your organisation" (the second button asks for it directly); when that
    organisation has turned password login off for the person, a password is not checked.
    """
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm.from_request()
    status = 200
    organisation = None
    if request.method == "POST":
        status = 400
        organisation = services.organisation_sign_in_for(form.email.data or "")
        if request.form.get("organisation"):
            if organisation is None:
                form.email.errors = ["No organisation signs in people with this email address here. "
                                     "Log in with your password."]
                return _login_page(form, None), 400
            return _login_page(form, organisation), 200
        if organisation is not None and not organisation.password_allowed:
            form.password.errors = [f"{organisation.organisation_name} signs you in through its own system: "
                                    "use \"Sign in with your organisation\"."]
            return _login_page(form, organisation), 403
        if form.validate():
            try:
                user = services.authenticate(form.email.data, form.password.data)
            except services.EmailNotConfirmed as exc:
                flash(str(exc), "info")
                return render_template("auth/login.html", form=form, next="", organisation=organisation), 200
            if user is not None:
                _start_session(user, remember=bool(form.remember.data))
                return redirect(_safe_next(url_for("main.home")))
            form.password.errors.append("The email or password is not right.")
            status = 401
    return _login_page(form, organisation), status


def _login_page(form, organisation):
    return render_template("auth/login.html", form=form, next=request.values.get("next", ""),
                           organisation=organisation)


@bp.route("/confirm/<token>")
def confirm_email(token: str):
    """Follow the emailed link: confirms the address and logs the person in."""
    user = services.confirm_email(token)
    if user is None:
        flash("That confirmation link is not valid or has expired. Log in to get a new one.", "error")
        return redirect(url_for("auth.login"))
    _start_session(user, remember=False)
    flash(f"Welcome, {user.full_name}. Your account is ready.", "success")
    return redirect(url_for("main.home"))


@bp.route("/logout", methods=["POST"])
def logout():
    """Log out (POST only, so a link on another site cannot log you out)."""
    logout_user()
    session.clear()
    flash("You have logged out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RESET_LIMIT_PER_ADDRESS"], methods=["POST"])
def forgot_password():
    """Ask for a reset link; the answer never says whether the email is registered."""
    form = ForgotPasswordForm.from_request()
    if request.method == "POST" and form.validate():
        services.request_password_reset(form.email.data)
        flash("If that email has an account, we've sent it a link to reset the password. "
              "The link works once and expires in an hour.", "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form), (400 if form.errors else 200)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password from an emailed link (signed, expiring, single use)."""
    check = services.check_reset_token(token)
    if check.user is None:
        flash(check.problem, "error")
        return redirect(url_for("auth.forgot_password"))
    form = ResetPasswordForm.from_request()
    if request.method == "POST" and form.validate():
        try:
            services.set_password(check.user, form.password.data)
        except services.AccountError as exc:
            form.password.errors.append(str(exc))
        else:
            flash("Your password has been changed. Log in with your new password.", "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form), (400 if form.errors else 200)


@bp.route("/account", methods=["GET"])
@login_required
def account():
    """The profile page: name on certificates, password."""
    return render_template("auth/account.html", name_form=ChangeNameForm(obj=current_user),
                           password_form=ChangePasswordForm())


@bp.route("/account/name", methods=["POST"])
@login_required
def change_name():
    form = ChangeNameForm.from_request()
    if form.validate():
        account = services.account_of(current_user)
        try:
            services.change_name(account, form.full_name.data)
        except services.AccountError as exc:
            form.full_name.errors.append(str(exc))
        else:
            record_audit(account, "user.change_name", account, detail={"full_name": account.full_name}, ip_address=request.remote_addr)
            flash("Your name has been updated. New certificates will use it.", "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/account.html", name_form=form, password_form=ChangePasswordForm()), 400


@bp.route("/account/password", methods=["POST"])
@login_required
def change_password():
    form = ChangePasswordForm.from_request()
    if form.validate():
        account = services.account_of(current_user)
        try:
            services.change_password(account, form.current_password.data, form.password.data)
        except services.AccountError as exc:
            getattr(form, exc.field or "password").errors.append(str(exc))
        else:
            record_audit(account, "user.change_password", account, ip_address=request.remote_addr)
            # The session id includes the password fingerprint: renew this session.
            _start_session(account, remember=False)
            flash("Your password has been changed. Other devices have been logged out.", "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/account.html", name_form=ChangeNameForm(obj=current_user), password_form=form), 400
