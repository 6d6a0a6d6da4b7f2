"""The editors', reviewers' and translators' pages: what they can change, drafts and their review.

Every route checks who asks: an entity only for the editors of its institutions (and translators
for Kirundi), a draft only for the people of its institution and its author (permissions.py);
anything else is 403, whatever the URL says.
"""

from __future__ import annotations

from flask import Response, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from browser_ui.language import preferred_language
from loaders.build import BuildBusy
from loaders.kinds import SLUG
from loaders.problems import ProblemsFound

from . import catalogue_index, drafts, forms
from .models import Draft
from .permissions import EDITABLE_KINDS, institutions_of, may_edit, may_review, may_see, may_translate, read_record
from .web import blueprint, db, forbid_unless, login_required, user


def _config():
    return current_app.config["ISOKO"]


@blueprint.route("/")
@login_required
def dashboard() -> str:
    me, session = user(), db()
    mine = session.scalars(select(Draft).where(Draft.author_id == me.id, Draft.state.in_(drafts.OPEN))
                           .order_by(Draft.updated.desc())).all()
    submitted = session.scalars(select(Draft).where(Draft.state == "submitted").order_by(Draft.updated)).all()
    to_review = [d for d in submitted if may_review(me, d)]
    editable = catalogue_index.of_institutions(_config(), me.institutions("editor"), all_of_them=me.is_admin)
    return render_template("office/dashboard.html", me=me, mine=mine, to_review=to_review, editable=editable,
                           language=preferred_language(), translator=may_translate(me))


def _entity_or_404(kind: str, slug: str) -> None:
    if kind not in EDITABLE_KINDS or not SLUG.match(slug):
        abort(404)


@blueprint.route("/entity/<kind>/<slug>", methods=["GET", "POST"])
@login_required
def entity(kind: str, slug: str) -> Response | str:
    """An entity's open drafts; POST starts a draft of it (a Kirundi translation with translate=1)."""
    _entity_or_404(kind, slug)
    me, config = user(), _config()
    record = read_record(config, kind, slug)
    if record is None:
        abort(404)
    institutions = institutions_of(config, kind, slug, record)
    translation = request.values.get("translate") == "1"
    forbid_unless(may_translate(me) if translation else may_edit(me, institutions),
                  "only the editors of " + (", ".join(institutions) or "its institution") + " may change this")
    if request.method == "POST":
        draft = drafts.start(db(), config, me, kind, slug, translation=translation)
        db().commit()
        return redirect(url_for("office.draft", number=draft.id))
    open_drafts = db().scalars(select(Draft).where(Draft.kind == kind, Draft.slug == slug,
                                                   Draft.state.in_(drafts.OPEN))).all()
    return render_template("office/entity.html", kind=kind, slug=slug, record=record, institutions=institutions,
                           open_drafts=[d for d in open_drafts if may_see(me, d)], translation=translation)


@blueprint.route("/new/<kind>", methods=["GET", "POST"])
@login_required
def new(kind: str) -> Response | str:
    if kind not in ("procedure", "office"):
        abort(404)
    me, config = user(), _config()
    institutions = sorted(me.institutions("editor")) if not me.is_admin else sorted(
        {i for e in catalogue_index.entries(config) for i in e.institutions})
    forbid_unless(bool(institutions), "only editors create entities")
    error = ""
    if request.method == "POST":
        slug, institution = request.form.get("slug", "").strip(), request.form.get("institution", "")
        if not SLUG.match(slug):
            error = _("The identifier is lowercase letters, digits and hyphens, e.g. building-permit.")
        elif read_record(config, kind, slug) is not None:
            error = _("%(kind)s/%(slug)s already exists.", kind=kind, slug=slug)
        elif institution not in institutions:
            abort(403, "you are not an editor of that institution")
        else:
            draft = drafts.start(db(), config, me, kind, slug)
            key = "authority" if kind == "procedure" else "owner"
            draft.institution, draft.record = institution, forms.as_yaml({key: [f"institution/{institution}"]})
            db().commit()
            return redirect(url_for("office.draft", number=draft.id))
    return render_template("office/new.html", kind=kind, institutions=institutions, error=error)


def _draft_or_403(number: int) -> Draft:
    draft = db().get(Draft, number)
    if draft is None:
        abort(404)
    forbid_unless(may_see(user(), draft), "this draft belongs to another institution")
    return draft


@blueprint.route("/drafts/<int:number>", methods=["GET", "POST"])
@login_required
def draft(number: int) -> Response | str:
    draft, me, config = _draft_or_403(number), user(), _config()
    errors: dict[str, list[str]] = {}
    submitted_values = None
    if request.method == "POST":
        forbid_unless(draft.author_id == me.id, "only the author changes a draft")
        action = request.form.get("action", "save")
        try:
            if action == "withdraw":
                drafts.withdraw(draft, me)
            else:
                values = {k: "\n".join(request.form.getlist(k)) for k in request.form if k not in ("csrf_token", "action")}
                errors = drafts.save(db(), config, draft, values)
                if errors:
                    submitted_values = values
                elif action == "submit":
                    drafts.submit(draft, me, request.form.get("comment", ""))
        except drafts.WorkflowError as err:
            errors = {forms.GENERAL: [str(err)]}
        db().commit()
        if not errors:
            return redirect(url_for("office.draft", number=draft.id))
    return _draft_page(draft, errors, submitted_values, status=422 if errors else 200)


def _draft_page(draft: Draft, errors: dict, values: dict | None, status: int = 200, conflict=None) -> Response:
    me, config, language = user(), _config(), preferred_language()
    spec = forms.form_spec(config, draft.kind)
    groups = forms.fields(spec, forms.from_yaml(draft.record), errors, values)
    published = read_record(config, draft.kind, draft.slug)
    page = render_template(
        "office/draft.html", draft=draft, groups=groups, errors=errors, general=errors.get(forms.GENERAL, []),
        editable=draft.author_id == me.id and draft.state in ("draft", "sent-back"),
        reviewable=may_review(me, draft) and draft.state == "submitted", conflict=conflict,
        diff=drafts.record_diff(forms.as_yaml(published) if published is not None else None, draft.record),
        others=drafts.others_open(db(), draft), choices=catalogue_index.choices(config, draft.kind, language),
        published=published or {}, languages=config.languages)
    return Response(page, status=status)


@blueprint.route("/drafts/<int:number>/review", methods=["POST"])
@login_required
def review(number: int) -> Response:
    draft, me = _draft_or_403(number), user()
    forbid_unless(may_review(me, draft), "you may not review this draft (nobody approves their own change)")
    comment = request.form.get("comment", "")
    try:
        if request.form.get("action") == "approve":
            drafts.publish(db(), _config(), draft, me, comment)
        else:
            drafts.send_back(draft, me, comment)
    except drafts.Conflict as conflict:
        db().rollback()
        return _draft_page(draft, {}, None, status=409, conflict=conflict)
    except drafts.WorkflowError as err:
        db().rollback()
        return _draft_page(draft, {forms.GENERAL: [str(err)]}, None, status=422)
    except (ProblemsFound, BuildBusy, OSError) as err:  # the source file is back as it was
        db().rollback()
        current_app.logger.error("publishing draft %s failed: %s", draft.id, err)
        message = _("Publishing failed and nothing was changed: %(why)s", why=str(err)[:500])
        return _draft_page(draft, {forms.GENERAL: [message]}, None, status=503)
    db().commit()
    return redirect(url_for("office.draft", number=draft.id))


@blueprint.route("/translate")
@login_required
def translate() -> str:
    forbid_unless(may_translate(user()), "only translators propose Kirundi texts")
    return render_template("office/translate.html", entries=catalogue_index.lacking_kirundi(_config()),
                           language=preferred_language())
