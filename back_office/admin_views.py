"""Administrators' pages (accounts and roles) and the audit log with its revert button."""

from __future__ import annotations

from flask import Response, abort, current_app, redirect, render_template, request, url_for
from sqlalchemy import select

from . import drafts
from .accounts import AccountError, add_user, set_role
from .models import ROLES, AuditEntry, Draft, User
from .permissions import may_edit
from .web import blueprint, db, forbid_unless, login_required, user

AUDIT_ROWS = 200


@blueprint.route("/users", methods=["GET", "POST"])
@login_required
def users() -> Response | str:
    forbid_unless(user().is_admin, "administrators only")
    error = ""
    if request.method == "POST":
        try:
            if request.form.get("action") == "role":
                target = db().get(User, int(request.form.get("user", "0") or 0))
                if target is None:
                    abort(404)
                set_role(db(), target, request.form.get("institution", "").strip(), request.form.get("role", ""),
                         granted=request.form.get("granted", "1") == "1")
            else:
                add_user(db(), request.form.get("email", ""), request.form.get("name", ""),
                         request.form.get("password", ""), admin=request.form.get("admin") == "1")
            db().commit()
            return redirect(url_for("office.users"))
        except AccountError as err:
            db().rollback()
            error = str(err)
    accounts = db().scalars(select(User).order_by(User.email)).all()
    return Response(render_template("office/users.html", accounts=accounts, roles=ROLES, error=error),
                    status=422 if error else 200)


@blueprint.route("/audit")
@login_required
def audit() -> str:
    """Published changes (who, when, why): all for administrators, their institutions' for editors
    and reviewers."""
    me = user()
    rows = db().scalars(select(AuditEntry).where(AuditEntry.action == "published")
                        .order_by(AuditEntry.id.desc()).limit(AUDIT_ROWS)).all()
    visible = [r for r in rows if me.is_admin or me.roles(_institution(r)) & {"editor", "reviewer"}]
    return render_template("office/audit.html", rows=visible)


def _institution(entry: AuditEntry) -> str:
    found = db().get(Draft, entry.draft_id) if entry.draft_id else None
    return found.institution if found else ""


@blueprint.route("/audit/<int:number>/revert", methods=["POST"])
@login_required
def revert(number: int) -> Response:
    entry = db().get(AuditEntry, number)
    if entry is None:
        abort(404)
    forbid_unless(user().is_admin or may_edit(user(), [_institution(entry)]), "only the entity's editors revert it")
    try:
        draft = drafts.revert(db(), current_app.config["ISOKO"], entry, user())
    except drafts.WorkflowError as err:
        abort(422, str(err))
    db().commit()
    return redirect(url_for("office.draft", number=draft.id))
