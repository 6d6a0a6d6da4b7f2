"""Translators' and Kirundi reviewers' pages for the interface's own strings (interface_strings.py)."""

from __future__ import annotations

from flask import Response, abort, current_app, redirect, render_template, request, url_for
from sqlalchemy import select

from . import drafts, interface_strings
from .models import InterfaceTranslation, now
from .permissions import may_translate
from .web import blueprint, db, forbid_unless, login_required, user


def _reviews_kirundi() -> bool:
    return user().is_admin or "kirundi-reviewer" in user().roles("*")


@blueprint.route("/translate/interface", methods=["GET", "POST"])
@login_required
def interface() -> Response | str:
    forbid_unless(may_translate(user()), "only translators propose Kirundi texts")
    config, error = current_app.config["ISOKO"], ""
    strings = interface_strings.strings(config)
    if request.method == "POST":
        try:
            interface_strings.propose(db(), user(), request.form.get("msgid", ""), request.form.get("text", ""),
                                      {s.msgid for s in strings})
            db().commit()
            return redirect(url_for("office.interface"))
        except ValueError as err:
            error = str(err)
    pending = {p.msgid for p in db().scalars(select(InterfaceTranslation).where(InterfaceTranslation.state == "submitted"))}
    missing = [s for s in strings if not s.kirundi]
    return Response(render_template("office/interface.html", missing=missing, pending=pending, error=error),
                    status=422 if error else 200)


@blueprint.route("/translate/interface/review", methods=["GET", "POST"])
@login_required
def interface_review() -> Response | str:
    forbid_unless(_reviews_kirundi(), "only Kirundi reviewers approve Kirundi texts")
    if request.method == "POST":
        proposal = db().get(InterfaceTranslation, int(request.form.get("proposal", "0") or 0))
        if proposal is None or proposal.state != "submitted":
            abort(404)
        forbid_unless(proposal.author_id != user().id, "nobody approves their own translation")
        if request.form.get("action") == "approve":
            interface_strings.publish(current_app.config["ISOKO"], proposal, user())
            drafts.rebuild(current_app.config["ISOKO"])  # cached pages belong to a build: a new one drops them
        else:
            proposal.state, proposal.reviewer_id, proposal.decided = "sent-back", user().id, now()
        db().commit()
        return redirect(url_for("office.interface_review"))
    proposals = db().scalars(select(InterfaceTranslation).where(InterfaceTranslation.state == "submitted")
                             .order_by(InterfaceTranslation.created)).all()
    french = {s.msgid: s.french for s in interface_strings.strings(current_app.config["ISOKO"])}
    return render_template("office/interface_review.html", proposals=proposals, french=french, me=user())
