"""The back office's inbox of readers' messages: an institution's editors and reviewers read the
messages about its procedures (with the contact and the page version), answer and close them."""

from __future__ import annotations

from flask import Response, abort, redirect, render_template, request, url_for
from sqlalchemy import select

from .models import Feedback, User, now
from .web import blueprint, db, forbid_unless, login_required, user


def _mine(me: User) -> set[str]:
    return me.institutions("editor") | me.institutions("reviewer")


@blueprint.route("/feedback")
@login_required
def feedback_inbox() -> str:
    me = user()
    query = select(Feedback).order_by(Feedback.state.desc(), Feedback.created.desc())
    if not me.is_admin:
        query = query.where(Feedback.institution.in_(_mine(me)))
    return render_template("office/feedback_inbox.html", items=db().scalars(query.limit(500)).all())


@blueprint.route("/feedback/<int:number>", methods=["GET", "POST"])
@login_required
def feedback_item(number: int) -> Response | str:
    item, me = db().get(Feedback, number), user()
    if item is None:
        abort(404)
    forbid_unless(me.is_admin or item.institution in _mine(me), "this message is for another institution")
    if request.method == "POST" and item.state == "open":
        item.answer, item.answered_by = request.form.get("answer", "").strip()[:4000], me.id
        item.state, item.closed = "closed", now()
        db().commit()
        return redirect(url_for("office.feedback_item", number=number))
    return render_template("office/feedback_item.html", item=item)
