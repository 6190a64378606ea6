"""SKP pages: SKP Saya (my plans), Persetujuan SKP (the evaluator's queue), the SKP list
and one SKP's page (plan table, expectations, annex, actions, history, feedback)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models import BehaviourValue, Employee, Skp
from app.scope import (
    current_scope,
    is_allowed,
    require,
    reviewable_skps,
    visible_employees,
    visible_skps,
)
from app.services import ValidationFailed, skp_feedback
from app.services import skp as service
from app.services.submissions import ActionRefused, VersionMissing

BLANK_INDICATORS = 1  # empty indicator rows offered under each RHK
MAX_ROWS = service.MAX_ITEMS + 1


def _year(value: Any) -> int:
    today = dt.date.today().year
    return value if isinstance(value, int) and 2000 <= value <= 2100 else today


def _skps(condition, year: int | None = None) -> list[Skp]:
    query = (
        select(Skp)
        .join(Employee, Skp.employee_id == Employee.id)
        .where(condition)
        .options(selectinload(Skp.employee), selectinload(Skp.versions))
        .order_by(Skp.year.desc(), Employee.name)
    )
    if year is not None:
        query = query.where(Skp.year == year)
    return list(db.session.scalars(query))


def _target_text(value: Decimal | None) -> str:
    """A target as typed in a field: no thousands separator, the locale's decimal comma."""
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    return text.replace(".", ",")


def _rows_of(version) -> list[dict]:
    """The version's RHK as form rows."""
    return [
        {
            "key": rhk.key, "kind": rhk.kind, "title": rhk.title,
            "link": f"rhk:{rhk.parent_rhk_id}" if rhk.parent_rhk_id
            else f"iku:{rhk.iku_id}" if rhk.iku_id else "",
            "indicators": [
                {"aspect": i.aspect, "title": i.title, "target": _target_text(i.target),
                 "unit_label": i.unit_label, "field_key": i.field_key or ""}
                for i in rhk.indicators
            ],
        }
        for rhk in version.items
    ]  # fmt: skip


def _posted_rows() -> list[dict]:
    """The plan table as posted; rows left empty are dropped (blank rows for new entries)."""
    form = request.form
    rows = []
    count = min(form.get("rhk_count", type=int) or 0, MAX_ROWS)
    for i in range(count):
        indicators = []
        for j in range(min(form.get(f"rhk-{i}-ind_count", type=int) or 0, 11)):
            ind = {
                name: form.get(f"rhk-{i}-ind-{j}-{name}", "").strip()
                for name in ("aspect", "title", "target", "unit_label", "field_key")
            }
            if ind["title"] or ind["target"]:
                indicators.append(ind)
        row = {
            name: form.get(f"rhk-{i}-{name}", "").strip()
            for name in ("key", "kind", "title", "link")
        }
        if row["title"] or indicators:
            rows.append({**row, "indicators": indicators})
    return rows


def _items(rows: list[dict]) -> list[dict]:
    """Form rows as the service's items."""
    items = []
    for row in rows:
        kind, _sep, ref = row["link"].partition(":")
        link = int(ref) if ref.isdigit() and len(ref) < 10 else None
        items.append(
            {
                "key": row["key"] or None, "kind": row["kind"], "title": row["title"],
                "parent_rhk_id": link if kind == "rhk" else None,
                "iku_id": link if kind == "iku" else None,
                "indicators": [{**ind, "field_key": ind["field_key"] or None}
                               for ind in row["indicators"]],
            }
        )  # fmt: skip
    return items


def _status(exc: ValidationFailed) -> int:
    return 409 if isinstance(exc, service.SkpConflict) else 422


class SkpView(BaseView):
    """SKP Saya, Persetujuan SKP, the SKP list, and one SKP's page with its actions."""

    route_base = "/skp"
    default_view = "mine"

    # --- lists -------------------------------------------------------------------------

    @expose("/")
    @has_access
    @permission_name("list")
    def mine(self):
        scope = current_scope()
        me = db.session.get(Employee, scope.employee_id) if scope.employee_id else None
        skps = _skps(Skp.employee_id == me.id) if me else []
        return self.render_template(
            "skp/mine.html", me=me, skps=skps, year=dt.date.today().year,
            years=sorted({s.year for s in skps}), state_labels=service.STATE_LABELS,
            current=service.current_version, title=_l("My SKP"),
        )  # fmt: skip

    @expose("/approvals")
    @has_access
    @permission_name("list")
    def approvals(self):
        skps = _skps(reviewable_skps(current_scope()))
        return self.render_template(
            "skp/list.html", skps=skps, state_labels=service.STATE_LABELS,
            current=service.current_version, year=None, queue=True, title=_l("SKP approvals"),
        )  # fmt: skip

    @expose("/list")
    @has_access
    @permission_name("list")
    def overview(self):
        year = _year(request.args.get("year", type=int))
        skps = _skps(visible_skps(current_scope()), year)
        return self.render_template(
            "skp/list.html", skps=skps, state_labels=service.STATE_LABELS,
            current=service.current_version, year=year, queue=False, title=_l("SKP list"),
        )  # fmt: skip

    # --- one SKP ------------------------------------------------------------------------

    @expose("/create", methods=["POST"])
    @has_access
    @permission_name("edit")
    def create(self):
        scope = current_scope()
        employee_id = request.form.get("employee_id", type=int) or scope.employee_id
        if not employee_id or not is_allowed(Employee, employee_id, visible_employees):
            abort(404)
        employee = db.session.get(Employee, employee_id)
        try:
            skp = service.create(
                employee, request.form.get("year", type=int), scope, g.user.id,
                request.form.get("period_kind") or "annual",
            )  # fmt: skip
        except ActionRefused as exc:
            flash(str(exc), "danger")
            return redirect(url_for("SkpView.mine"))
        except ValidationFailed as exc:
            db.session.rollback()
            flash(" ".join(m for msgs in exc.errors.values() for m in msgs), "danger")
            return redirect(url_for("SkpView.mine"))
        flash(_l("SKP %(year)s created: plan its RHK.", year=skp.year), "success")
        return redirect(url_for("SkpView.show", pk=skp.id))

    @expose("/<int:pk>/")
    @has_access
    @permission_name("show")
    def show(self, pk):
        skp = require(Skp, pk, visible_skps)
        return self._page(skp)

    @expose("/<int:pk>/save", methods=["POST"])
    @has_access
    @permission_name("edit")
    def save(self, pk):
        skp = require(Skp, pk, visible_skps)
        rows = _posted_rows()
        expectations = {
            code: request.form.get(f"expectation-{code}", "")
            for code in db.session.scalars(select(BehaviourValue.code))
        }
        annex = {part: request.form.get(f"annex-{part}", "") for part in service.ANNEX_PARTS}
        try:
            version = service.save(
                skp, current_scope(), g.user.id, request.form.get("lock_version", type=int),
                items=_items(rows), expectations=expectations, annex=annex,
            )  # fmt: skip
        except (ActionRefused, VersionMissing) as exc:
            return self._refused(pk, exc)
        except ValidationFailed as exc:
            db.session.rollback()
            flash(_l("Not saved: fix the marked rows."), "danger")
            posted = {"rows": rows, "expectations": expectations, "annex": annex}
            return self._page(skp, errors=exc.errors, posted=posted, status=_status(exc))
        if request.form.get("then") == "submit":
            return self._transition(skp, "submit", version.lock_version)
        flash(_l("SKP saved."), "success")
        return redirect(url_for("SkpView.show", pk=pk) + "#plan")

    @expose("/<int:pk>/<any(submit, agree, return, revise):action>", methods=["POST"])
    @has_access
    @permission_name("edit")
    def act(self, pk, action):
        return self._transition(require(Skp, pk, visible_skps), action)

    def _transition(self, skp, action, lock=None):
        """Run `action`; `lock` is the version just saved (default: the posted one)."""
        scope = current_scope()
        lock = lock if lock is not None else request.form.get("lock_version", type=int)
        reason = request.form.get("reason", "")
        calls = {
            "submit": lambda: service.submit(skp, scope, g.user.id, lock),
            "agree": lambda: service.agree(skp, scope, g.user.id, lock),
            "return": lambda: service.return_for_revision(skp, reason, scope, g.user.id, lock),
            "revise": lambda: service.revise(skp, reason, scope, g.user.id, lock),
        }
        try:
            calls[action]()
        except (ActionRefused, VersionMissing) as exc:
            return self._refused(skp.id, exc)
        except ValidationFailed as exc:
            db.session.rollback()
            flash(_l("Not done: see the marked fields."), "danger")
            return self._page(skp, errors=exc.errors, status=_status(exc))
        done = {
            "submit": _l("SKP sent to %(name)s for agreement.",
                         name=skp.employee.supervisor.name if skp.employee.supervisor else "—"),
            "agree": _l("SKP of %(name)s agreed.", name=skp.employee.name),
            "return": _l("SKP returned to %(name)s.", name=skp.employee.name),
            "revise": _l("Revision started: change the plan and submit it again."),
        }  # fmt: skip
        flash(done[action], "success")
        if action in ("agree", "return"):
            return redirect(url_for("SkpView.approvals"))
        return redirect(url_for("SkpView.show", pk=skp.id))

    @expose("/<int:pk>/feedback", methods=["POST"])
    @has_access
    @permission_name("edit")
    def feedback(self, pk):
        skp = require(Skp, pk, visible_skps)
        data = {
            "kind": request.form.get("kind", ""),
            "body": request.form.get("body", ""),
            "rhk_key": request.form.get("rhk_key") or None,
            "reply_to_id": request.form.get("reply_to_id", type=int),
        }
        try:
            skp_feedback.record(skp, data, current_scope(), g.user.id)
        except ActionRefused as exc:
            return self._refused(pk, exc)
        except ValidationFailed as exc:
            db.session.rollback()
            flash(" ".join(m for msgs in exc.errors.values() for m in msgs), "danger")
            return redirect(url_for("SkpView.show", pk=pk) + "#feedback")
        flash(_l("Note recorded."), "success")
        return redirect(url_for("SkpView.show", pk=pk) + "#feedback")

    @staticmethod
    def _refused(pk, exc):
        """Nothing was written: say why and show the SKP as it is now."""
        db.session.rollback()
        message = exc.errors["lock_version"][0] if isinstance(exc, VersionMissing) else str(exc)
        flash(message, "danger")
        return redirect(url_for("SkpView.show", pk=pk))

    def _page(self, skp, errors=None, posted=None, status=200):
        scope = current_scope()
        version = service.current_version(skp)
        shown = version
        wanted = request.args.get("version", type=int)
        if wanted and not posted:
            shown = next((v for v in skp.versions if v.number == wanted), version)
        actions = service.allowed_actions(skp, scope)
        editing = "save" in actions and shown is version
        rows = posted["rows"] if posted else _rows_of(version)
        values = list(db.session.scalars(select(BehaviourValue).order_by(BehaviourValue.position)))
        return (
            self.render_template(
                "skp/show.html",
                skp=skp, version=version, shown=shown, actions=actions, editing=editing,
                rows=rows, blank_indicators=BLANK_INDICATORS, values=values,
                expectations=posted["expectations"] if posted else version.expectations,
                annex=posted["annex"] if posted else version.annex,
                errors=errors or {},
                error_list=[m for msgs in (errors or {}).values() for m in msgs],
                parents=service.parent_choices(skp.employee, skp.year) if editing else [],
                ikus=service.iku_choices(skp.employee) if editing else [],
                field_keys=service.form_field_keys(skp.employee, skp.year) if editing else {},
                history=service.history(skp),
                notes=skp_feedback.notes_of(skp),
                note_kinds=skp_feedback.kinds_for(skp, scope),
                kind_labels=skp_feedback.KINDS,
                can_note=skp_feedback.may_write(skp, scope),
                rhk_titles=skp_feedback.rhk_titles(skp),
                state_labels=service.STATE_LABELS, aspect_labels=service.ASPECT_LABELS,
                kind_labels_rhk=service.KIND_LABELS, annex_labels=service.ANNEX_LABELS,
                action_labels=ACTION_LABELS,
                title=_l("SKP %(year)s — %(name)s", year=skp.year, name=skp.employee.name),
            ),
            status,
        )  # fmt: skip


ACTION_LABELS = {
    "skp_create": _l("Created"),
    "skp_save": _l("Plan changed"),
    "skp_submit": _l("Submitted"),
    "skp_return": _l("Returned"),
    "skp_agree": _l("Agreed"),
    "skp_revise": _l("Revision started"),
}


def register(appbuilder) -> None:
    """Menu entries: SKP Saya, Persetujuan SKP and the SKP list (per role, see app.security)."""
    planning = {"category": "Performance", "category_label": _l("Performance")}
    appbuilder.add_view(SkpView, "My SKP", label=_l("My SKP"), icon="fa-bullseye", **planning)
    appbuilder.add_link(
        "SKP approvals", label=_l("SKP approvals"), href="/skp/approvals",
        icon="fa-check-circle", **planning,
    )  # fmt: skip
    appbuilder.add_link(
        "SKP list", label=_l("SKP list"), href="/skp/list", icon="fa-list", **planning
    )
