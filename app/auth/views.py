"""Login, logout, the user's profile with API tokens, and the admin's user list."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.auth import services, sso
from app.auth.forms import EmptyForm, LoginForm, PasswordForm, TokenForm, UserEditForm, UserForm
from app.auth.models import Role
from app.auth.permissions import permission_required
from app.errors import DomainError, TooManyRequests
from app.flashing import submit
from app.routing import safe_redirect_target

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("web.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        # Too many failures: TooManyRequests, answered by throttled() below (the form again, 429).
        user = services.authenticate(email=form.email.data, password=form.password.data, ip=request.remote_addr or "?")
        if user is None:
            flash(_("Email o password non corrette."), "danger")
            status = 401
        else:
            sso.check_password_login(user)  # the admin may want SPID/CIE instead (app/auth/sso.py)
            login_user(user, remember=bool(form.remember.data))
            return redirect(safe_redirect_target(request.args.get("next")) or url_for("web.home"))
    elif request.method == "POST":
        status = 422
    return render_template("auth/login.html", form=form), status


@bp.errorhandler(TooManyRequests)
def throttled(err: TooManyRequests):
    """Login throttling, mapped in one place: the login form again with 429; elsewhere (the profile's
    password check) the application's usual answer to a domain error."""
    if request.endpoint != "auth.login":
        return current_app.error_handler_spec[None][None][DomainError](err)
    flash(_("Troppi tentativi di accesso falliti: riprova tra qualche minuto."), "danger")
    return render_template("auth/login.html", form=LoginForm()), 429


@bp.route("/logout", methods=["POST"])
def logout():
    EmptyForm().validate_on_submit() or abort(400)
    if current_user.is_authenticated:
        # A copy of this session or of its remember-me cookie must not outlive the logout.
        services.end_sessions(user=current_user, actor=current_user)
    logout_user()
    flash(_("Sei uscito da Presidio."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/profilo", methods=["GET", "POST"])
@login_required
@permission_required("platform.profile")
def profile():
    token_form = TokenForm(prefix="tok")
    password_form = PasswordForm(prefix="pwd")
    # Shown once, on the page the POST redirects to (so a reload never creates a second token).
    new_token = session.pop("new_token", None) if request.method == "GET" else None
    if request.method == "POST" and request.form.get("action") == "token" and token_form.validate_on_submit():
        _token, raw = services.issue_token(user=current_user, name=token_form.name.data or "", actor=current_user)
        session["new_token"] = raw
        flash(_("Token creato: copialo ora, non verrà più mostrato."), "success")
        return redirect(url_for("auth.profile"))
    elif request.method == "POST" and request.form.get("action") == "password" and password_form.validate_on_submit():
        if (
            services.authenticate(
                email=current_user.email, password=password_form.current.data, ip=request.remote_addr or "?"
            )
            is None
        ):
            flash(_("La password attuale non è corretta."), "danger")
        else:
            services.set_password(user=current_user, password=password_form.new.data, actor=current_user)
            login_user(current_user._get_current_object(), remember=False)  # this session goes on, the others end
            flash(_("Password aggiornata."), "success")
            return redirect(url_for("auth.profile"))
    tokens = services.list_tokens(user=current_user, actor=current_user)
    return render_template(
        "auth/profile.html",
        token_form=token_form,
        password_form=password_form,
        tokens=tokens,
        new_token=new_token,
        revoke_form=EmptyForm(),
    )


@bp.route("/profilo/token/<int:token_id>/revoca", methods=["POST"])
@login_required
@permission_required("platform.profile")
def revoke_token(token_id: int):
    EmptyForm().validate_on_submit() or abort(400)
    services.revoke_token(token_id=token_id, actor=current_user)
    flash(_("Token revocato."), "success")
    return redirect(url_for("auth.profile"))


@bp.route("/admin/utenti", methods=["GET", "POST"])
@login_required
@permission_required("admin.users")
def users():
    form = UserForm()
    if form.validate_on_submit():
        created = submit(
            None,  # _not_saved puts every field error under the form
            services.create_user_from_page,
            report=_not_saved(form, "email", _("Utente non creato: correggi i campi segnalati.")),
            email=form.email.data,
            role=form.role.data,
            name=form.name.data or "",
            password=form.password.data or None,
            organization=form.organization_id.data or None,
            fiscal_code=form.fiscal_code.data or None,
            actor=current_user,
        )
        if created is None:
            all_users = services.list_users()
            return render_template(
                "auth/users.html",
                form=_org_picker(form),
                users=all_users,
                roles=Role,
                org_names=_org_names(all_users),
            ), 422
        flash(_("Utente creato."), "success")
        return redirect(url_for("auth.users"))
    users = services.list_users(role=request.args.get("role") or None, q=request.args.get("q") or None)
    return render_template(
        "auth/users.html", form=_org_picker(form), users=users, roles=Role, org_names=_org_names(users)
    )


def _org_picker(form):
    """The ente field as a typeahead (an id or a code typed by hand still works without JavaScript)."""
    from app.directory import names
    from app.forms import lookup_attrs

    raw = str(form.organization_id.data or "").strip()
    label = names("organization", {int(raw)}).get(int(raw), raw) if raw.isdigit() and len(raw) < 10 else raw
    form.organization_id.render_kw = lookup_attrs(url_for("crm.lookup_organizations"), label=label)
    return form


def _org_names(users) -> dict[int, str]:
    """Names of the enti the listed referenti belong to."""
    from app.directory import names

    return names("organization", {u.organization_id for u in users if u.organization_id})


def _not_saved(form, default: str, message: str) -> Callable[[DomainError], None]:
    """How the service's refusal is shown: its field errors under the form's fields (unknown fields, or
    none, under ``default``), and ``message`` flashed."""

    def report(exc: DomainError) -> None:
        for field, messages in (exc.fields or {default: [exc.message]}).items():
            target = getattr(form, field, None) or getattr(form, default)
            target.errors = list(target.errors) + list(messages if isinstance(messages, list) else [messages])
        flash(message, "danger")

    return report


@bp.route("/admin/utenti/<int:user_id>", methods=["GET", "POST"])
@login_required
@permission_required("admin.users")
def edit_user(user_id: int):
    user = services.get_user(user_id)
    form = UserEditForm(obj=user if request.method == "GET" else None)
    if request.method == "GET":
        form.role.data = user.role.value
        form.organization_id.data = str(user.organization_id or "")
    status = 200
    if form.validate_on_submit():
        saved = submit(
            None,  # _not_saved puts every field error under the form
            services.update_user_from_page,
            report=_not_saved(form, "role", _("Utente non salvato: correggi i campi segnalati.")),
            user=user,
            name=form.name.data or "",
            role=form.role.data,
            organization=form.organization_id.data or None,
            active=bool(form.active.data),
            fiscal_code=form.fiscal_code.data or None,
            password=form.password.data or None,
            actor=current_user,
        )
        if saved is None:
            status = 422
        else:
            flash(_("Utente aggiornato."), "success")
            return redirect(url_for("auth.edit_user", user_id=user.id))
    elif request.method == "POST":
        status = 422
    tokens = services.list_tokens(user=user, actor=current_user)
    return render_template(
        "auth/user_edit.html", form=_org_picker(form), user=user, tokens=tokens, revoke_form=EmptyForm()
    ), status


@bp.route("/admin/utenti/<int:user_id>/token/<int:token_id>/revoca", methods=["POST"])
@login_required
@permission_required("admin.users")
def admin_revoke_token(user_id: int, token_id: int):
    EmptyForm().validate_on_submit() or abort(400)
    services.admin_revoke_token(user_id=user_id, token_id=token_id, actor=current_user)
    flash(_("Token revocato."), "success")
    return redirect(url_for("auth.edit_user", user_id=user_id))


@bp.route("/cerca/utenti.json")
@login_required
@permission_required("platform.lookup_users")
def lookup_users():
    """At most 20 active users whose name or email matches ``q`` (``role`` narrows), for combobox.js."""
    from app.api import parse_or_422
    from app.auth.api import UserLookupArgs

    args = parse_or_422(UserLookupArgs(), request.args.to_dict())
    roles = [args["role"]] if args.get("role") else []
    response = jsonify({"items": services.lookup_users(actor=current_user, q=args["q"], roles=roles)})
    response.headers["Cache-Control"] = "private, no-store"
    return response
