"""Command-line tasks: `flask seed [--demo]`, `flask roles sync`, `flask storage gc`,
`flask backup create|restore`."""

from __future__ import annotations

import os
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app.extensions import db
from app.security import sync_roles


def create_account(username, full_name, email, roles, password, employee=None) -> None:
    """Create a login account with `roles`, linked to `employee`, unless it exists.

    An existing account is left as it is (roles, password, active flag): re-seeding must
    not undo what an administrator changed.
    """
    sm = current_app.appbuilder.sm
    if sm.find_user(username=username) is not None:
        return
    role_rows = [sm.find_role(name) for name in roles]
    first, _, last = full_name.partition(" ")
    user = sm.add_user(username, first, last or "-", email, role_rows, password)
    if not user:
        raise click.ClickException(f"Could not create the account {username}.")
    if employee is not None and employee.user_id is None:
        employee.user_id = user.id
    db.session.commit()


DEMO_EMPLOYEES = ("pegawai.dinkes", "pegawai.disdikpora")


def _employee_ids_of(usernames) -> set[int]:
    """Employees linked to these login accounts (left in draft for the demo user)."""
    from flask_appbuilder.security.sqla.models import User
    from sqlalchemy import select

    from app.models import Employee

    query = select(Employee.id).join(User, Employee.user_id == User.id)
    return set(db.session.scalars(query.where(User.username.in_(usernames))))


def register_cli(app: Flask) -> None:
    roles = AppGroup("roles", help="Roles and permissions, defined in app/security.py.")

    @roles.command("sync")
    def roles_sync():
        """Create the role rows that are missing."""
        created = sync_roles(db.session)
        click.echo(f"Roles created: {', '.join(created) or 'none'}")

    @app.cli.command("seed")
    @click.option("--demo", is_flag=True, help="Also add the fictitious demo staff and accounts.")
    @click.option(
        "--synthetic", type=click.IntRange(0, 100_000), default=0,
        help="Add N synthetic employees with a year of quarterly results (benchmarks).",
    )  # fmt: skip
    def seed(demo: bool, synthetic: int):
        """Add the missing reference data (units, ranks, BerAKHLAK); never changes existing rows."""
        environment = current_app.config.get("APP_ENV") or os.environ.get("APP_ENV", "development")
        if demo and environment != "development":
            raise click.ClickException(
                f"Refusing to load demo data and demo accounts: APP_ENV is {environment!r}, "
                "not 'development'. Demo accounts share one public password."
            )
        seed_data(demo, synthetic)

    app.cli.add_command(roles)

    storage = AppGroup("storage", help="Stored files (STORAGE_DIR or STORAGE_URL).")

    @storage.command("gc")
    @click.option("--dry-run", is_flag=True, help="Only list what would be removed.")
    def storage_gc(dry_run: bool):
        """Remove evidence that no answer or row refers to (older than an hour)."""
        from app.services.evidence import collect_garbage

        found = collect_garbage(dry_run=dry_run)
        for item in found:
            owner = f"evidence {item.evidence_id} of submission {item.submission_id}"
            click.echo(f"  {item.stored_name}  {item.size:>10} B  "
                       f"{owner if item.evidence_id else 'file without a row'}")  # fmt: skip
        verb = "Would remove" if dry_run else "Removed"
        total = sum(item.size for item in found)
        click.echo(f"{verb} {len(found)} unused evidence item(s), {total} bytes.")
        from app.services.jobs import expire_results

        expired = expire_results(dry_run=dry_run)
        click.echo(f"{verb} the files of {len(expired)} finished background job(s).")
        from app import practice

        pruned = practice.prune(current_app.config["PRACTICE_KEEP_DAYS"], dry_run=dry_run)
        click.echo(f"{verb} the practice sandboxes of {len(pruned)} user(s).")

    app.cli.add_command(storage)
    app.cli.add_command(_backup_commands())
    app.cli.add_command(remind_command)
    app.cli.add_command(_notify_commands())
    app.cli.add_command(_guide_commands())
    app.cli.add_command(_scope_commands())

    @app.cli.command("worker")
    @click.option("--burst", is_flag=True, help="Stop once no job is waiting.")
    def worker(burst: bool):
        """Run background jobs: RQ's worker when REDIS_URL is set, else the embedded loop."""
        from app.services.jobs import work

        work(burst=burst)


def _guide_commands() -> AppGroup:
    guide = AppGroup("guide", help="The in-app guide (Panduan).")

    @guide.command("screens")
    @click.option(
        "--out",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Folder for the pictures (default: instance/guide).",
    )
    def guide_screens(out):
        """Take the guide's screenshots from the demo data (Playwright, Debian's Chromium)."""
        from app.services.guide import screens_dir
        from app.services.guide_screens import take

        written = take(out or screens_dir(), current_app.config["DEMO_PASSWORD"])
        click.echo(f"Guide screenshots: {len(written)} written to {(out or screens_dir())}")

    return guide


@click.command("remind")
@click.option(
    "--days-before",
    type=click.IntRange(0, 60),
    default=None,
    help="Remind this many days before a period closes (REMIND_DAYS_BEFORE_CLOSE).",
)
@click.option(
    "--review-after",
    type=click.IntRange(1, 365),
    default=None,
    help="Remind evaluators of evaluations waiting longer (REMIND_REVIEW_AFTER_DAYS).",
)
@click.option(
    "--date",
    "on",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="The day to remind for (default: today).",
)
def remind_command(days_before, review_after, on):
    """Daily reminders (run once a day from cron or a systemd timer); never twice a day."""
    import datetime as dt

    from app.services.notifications import remind, send_pending

    config = current_app.config
    made = remind(
        on.date() if on else dt.date.today(),
        config["REMIND_DAYS_BEFORE_CLOSE"] if days_before is None else days_before,
        config["REMIND_REVIEW_AFTER_DAYS"] if review_after is None else review_after,
    )
    sent, failed = send_pending() if config.get("MAIL_SERVER") else (0, 0)
    click.echo(f"Reminders: {made} new; e-mails sent {sent}, failed {failed} (retried later).")


def _notify_commands() -> AppGroup:
    notify = AppGroup("notify", help="Notification e-mails waiting in the outbox.")

    @notify.command("send")
    def notify_send():
        """Send (or retry) the e-mails that are due."""
        from app.services.notifications import send_pending

        sent, failed = send_pending()
        click.echo(f"E-mails sent {sent}, failed {failed} (retried later).")

    return notify


def seed_data(demo: bool, synthetic: int = 0, echo=click.echo) -> None:
    """Reference data, and with `demo` the demo staff, accounts, forms and cycle (insert-only)."""
    from seeds.loader import load_reference

    sync_roles(db.session)
    counts = load_reference(db.session)
    db.session.commit()
    changes = ", ".join(f"{k} {v}" for k, v in counts.items()) or "no changes"
    echo(f"Reference data: {changes}")
    if demo:
        from seeds.demo import load_demo

        password = current_app.config["DEMO_PASSWORD"]
        accounts = load_demo(db.session, password=password, create_account=create_account)
        db.session.commit()
        from app.services.demo_accounts import record

        record([account.username for account in accounts])
        from seeds.demo_forms import load_demo_forms

        forms = load_demo_forms(db.session)
        echo(f"Example forms published: {', '.join(forms) or 'none new'}")
        from seeds.demo_cycle import load_demo_cycle

        created = load_demo_cycle(db.session, _employee_ids_of(DEMO_EMPLOYEES))
        echo(f"Demo evaluation cycle: {created} submissions created")
        from seeds.demo_skp import load_demo_skp

        echo(f"Demo SKP 2026: {load_demo_skp(db.session)} plans created")
        echo(f"Demo accounts (password: {password}; demo only):")
        for account in accounts:
            echo(f"  {account.username:<20} {', '.join(account.roles):<22} {account.description}")

    if synthetic:
        from seeds.synthetic import load_synthetic

        employees, submissions = load_synthetic(db.session, synthetic)
        echo(f"Synthetic data: {employees} employees, {submissions} submissions added")


def _scope_commands() -> AppGroup:
    from app.services import hierarchy

    scope = AppGroup("scope", help="The closure tables behind scoping (unit tree, supervision).")

    @scope.command("check")
    @click.option("--repair", is_flag=True, help="Rebuild inconsistent tables from the parents.")
    def scope_check(repair: bool):
        """Compare the closure tables with the parent columns; exit 1 when inconsistent."""
        findings = hierarchy.check(repair=repair)
        for finding in findings:
            state = "consistent" if finding.consistent else "INCONSISTENT"
            click.echo(f"{finding.hierarchy}: {state} ({finding.rows} rows)")
            for label, rows in (("missing", finding.missing), ("extra", finding.extra),
                                ("in a cycle", finding.cycles)):  # fmt: skip
                for row in rows:
                    click.echo(f"  {label}: {row}")
        if any(not f.consistent for f in findings):
            click.echo("Repaired: rebuilt from the parent columns." if repair else
                       "Run `flask scope check --repair` to rebuild.")  # fmt: skip
            if not repair or any(f.cycles for f in findings):
                raise SystemExit(1)

    return scope


def _backup_commands() -> AppGroup:
    from app.services.backup import BackupError, create_backup, restore_backup

    backup = AppGroup("backup", help="Back up and restore the database and the storage folder.")

    @backup.command("create")
    @click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
    def backup_create(path):
        """Write one archive: database, storage folder and a manifest with checksums."""
        try:
            result = create_backup(path)
        except BackupError as exc:
            raise click.ClickException(str(exc)) from exc
        rows = sum(result.manifest["tables"].values())
        files = len(result.manifest["files"]) - 1
        click.echo(f"Backup written: {result.path} ({rows} rows, {files} stored files)")

    @backup.command("restore")
    @click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
    def backup_restore(path):
        """Restore an archive into an empty database and storage folder, then verify it."""
        try:
            manifest = restore_backup(path)
        except BackupError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(
            f"Restored the backup of {manifest['created_at']} (migration {manifest['revision']}); "
            "row counts and file checksums match the manifest."
        )

    return backup
