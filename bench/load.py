"""Load test: 200 simulated users on `make run`'s gunicorn (2 workers) for 60 s, with locust.

    .venv/bin/python bench/load.py                      # fresh SQLite demo database
    BENCH_DATABASE_URL=postgresql://…/test_bench .venv/bin/python bench/load.py
    .venv/bin/python bench/load.py --users 200 --duration 60 --ramp 20

Without ``--url`` it migrates and seeds the demo data (``flask seed --demo``) into
``BENCH_DATABASE_URL`` (default: a new SQLite file), then starts the portal exactly as
``make run`` does (``gunicorn --workers 2 "app:create_app()"``) with the login limit
raised: every simulated user logs in from 127.0.0.1. ``--url`` targets a server already
running on the same database (``DATABASE_URL``), started with ``AUTH_RATE_LIMIT``
raised. Either way it adds ``bench.*`` accounts (password
``bench-password``) for HR and for the employees and evaluators of the open period's
submissions who have no account yet.

Users: employees open their submission and save their draft (each draft is saved by one
user only, so no save is refused as changed meanwhile), supervisors open their review
queue and review pages, HR opens the dashboards and a unit's recap PDF. Each user reads a
page for 5–15 s (``--think``) before the next, one page at a time. The logins happen during
the ramp-up, which is reported apart; then the stats are reset and ``--duration`` seconds
are measured: requests per second, p50/p95/p99 (ms) and errors, per page and in total.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
MAX_EMPLOYEES = 150


# --- preparation (a separate process: no gevent there) ---------------------------------------


def prepare(database_url: str) -> dict:
    """bench.* accounts for the open period's employees, evaluators and HR; what they open."""
    from flask_appbuilder.security.sqla.models import User
    from sqlalchemy import func, select

    from app import create_app
    from app.extensions import db
    from app.models import Employee, EvaluationPeriod, Submission
    from app.models.types import PeriodState
    from bench._setup import account
    from config import Config

    # Bench accounts hash their password cheaply: the logins measure the app, not pbkdf2.
    app = create_app(Config, SQLALCHEMY_DATABASE_URI=database_url, APP_ENV="development",
                     PUBLIC_BASE_URL="http://127.0.0.1:8080",
                     FAB_PASSWORD_HASH_METHOD="pbkdf2:sha256:1000")  # fmt: skip
    with app.app_context():
        period = db.session.scalar(
            select(EvaluationPeriod)
            .join(Submission, Submission.period_id == EvaluationPeriod.id)
            .where(EvaluationPeriod.state == PeriodState.OPEN.value)
            .group_by(EvaluationPeriod.id)
            .order_by(func.count(Submission.id).desc())
            .limit(1)
        )
        if period is None:
            return {}
        editable = {"draft": 0, "returned": 1}
        submissions = sorted(
            db.session.scalars(select(Submission).where(Submission.period_id == period.id)),
            key=lambda s: (editable.get(s.state, 2), s.id),
        )
        plan = {"period": period.id, "hr": "bench.hr"}
        taken = set(db.session.scalars(  # people with an account of their own (the demo's)
            select(Employee.id).join(Employee.user).where(~User.username.startswith("bench."))
        ))  # fmt: skip
        queues: dict[int, list[int]] = {}
        for item in submissions:
            if item.state == "submitted" and item.evaluator_id not in (None, *taken):
                queues.setdefault(item.evaluator_id, []).append(item.id)
        units = sorted({s.unit_id for s in submissions})
        people = [(s.employee_id, s.id, s.state in editable) for s in submissions
                  if s.employee_id not in taken]  # fmt: skip
    people = people[:MAX_EMPLOYEES]
    roles = {employee_id: ["Employee"] for employee_id, _, _ in people}
    roles.update({evaluator_id: ["Supervisor", "Employee"] for evaluator_id in queues})
    for employee_id, names in roles.items():  # one account per person, whatever they do
        account(app, f"bench.{employee_id}", names, employee_id)
    plan["employees"] = [{"username": f"bench.{employee_id}", "submission": submission_id,
                          "save": save} for employee_id, submission_id, save in people]  # fmt: skip
    plan["supervisors"] = [{"username": f"bench.{evaluator_id}", "queue": queue}
                           for evaluator_id, queue in sorted(queues.items())]  # fmt: skip
    account(app, plan["hr"], ["HR"])
    plan["units"] = units
    return plan


def _prepare_in_subprocess(database_url: str) -> dict:
    command = [sys.executable, __file__, "--prepare-only", "--database", database_url]
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)  # noqa: S603
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- the server ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _flask(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "flask", *args], env=env, cwd=ROOT, check=True,  # noqa: S603
                   stdout=subprocess.DEVNULL)  # fmt: skip


def _finish_background_work(env: dict, database_url: str) -> None:
    """Run what the seed queued (the debounced recap refreshes) now, with `flask worker
    --burst`: the measurement is of steady use, not of the one-off work after seeding."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE jobs SET run_after = CURRENT_TIMESTAMP WHERE state = 'queued'")
        )
    engine.dispose()
    _flask(env, "worker", "--burst")


def start_server(database_url: str, workers: int, folder: Path) -> tuple[str, subprocess.Popen]:
    """Seed when needed, then `make run`'s gunicorn command on a free port."""
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "FLASK_APP": "app:create_app",
           "APP_ENV": "development", "HOST": "127.0.0.1", "PORT": str(port),
           "INSTANCE_PATH": str(folder), "STORAGE_DIR": str(folder / "storage"),
           "AUTH_RATE_LIMIT": "100000 per minute"}  # fmt: skip
    _flask(env, "db", "upgrade")
    if not _prepare_in_subprocess(database_url):
        print("seeding the demo data (flask seed --demo) …", flush=True)
        _flask(env, "seed", "--demo")
    _finish_background_work(env, database_url)
    command = [sys.executable, "-m", "gunicorn", "--workers", str(workers),
               "--bind", f"127.0.0.1:{port}", "app:create_app()"]  # fmt: skip
    log = (folder / "gunicorn.log").open("wb")
    server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=log)  # noqa: S603
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return f"http://127.0.0.1:{port}", server
        except OSError:
            if server.poll() is not None:
                raise SystemExit((folder / "gunicorn.log").read_text()) from None
            time.sleep(0.5)
    raise SystemExit("gunicorn did not start")


# --- the users (locust) ----------------------------------------------------------------------


def user_classes(plan: dict, logged_in: list, think: tuple[float, float]):
    """The three kinds of users; each appends itself to `logged_in` once logged in."""
    import itertools
    from html.parser import HTMLParser

    from locust import FastHttpUser, between, task

    from bench._setup import PASSWORD

    class FormFields(HTMLParser):
        """The fields of the page's form `form_id` (id or name), as a browser would post them."""

        def __init__(self, form_id: str):
            super().__init__()
            self.form_id, self.inside, self.fields = form_id, False, []
            self._textarea = self._select = None

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "form":
                self.inside = self.form_id in (attrs.get("id"), attrs.get("name"))
            elif not self.inside or not attrs.get("name") and tag != "option":
                return
            elif tag == "input" and attrs.get("type", "text") not in ("file", "submit", "button"):
                if attrs.get("type") not in ("checkbox", "radio") or "checked" in attrs:
                    self.fields.append((attrs["name"], attrs.get("value") or ""))
            elif tag == "textarea":
                self._textarea = [attrs["name"], ""]
            elif tag == "select":
                self._select = attrs["name"]
            elif tag == "option" and self._select and "selected" in attrs:
                self.fields.append((self._select, attrs.get("value") or ""))

        def handle_data(self, data):
            if self._textarea is not None:
                self._textarea[1] += data

        def handle_endtag(self, tag):
            if tag == "form":
                self.inside = False
            elif tag == "textarea" and self._textarea is not None:
                self.fields.append(tuple(self._textarea))
                self._textarea = None
            elif tag == "select":
                self._select = None

    class Person(FastHttpUser):
        abstract = True
        wait_time = between(*think)

        def on_start(self):
            self.account = next(self.turns)
            page = self.client.get("/login/", name="login page")
            parser = FormFields("login")
            parser.feed(page.text)
            fields = {**dict(parser.fields), "username": self.account["username"],
                      "password": PASSWORD}  # fmt: skip
            with self.client.post("/login/", data=fields, name="login",
                                  catch_response=True) as answer:  # fmt: skip
                if "/login" in str(answer.url):
                    answer.failure("login refused")
            logged_in.append(self)

    class Employee(Person):
        """Opens their submission, saves the draft (its owner only), looks at their lists."""

        weight = 6
        turns = itertools.cycle(plan["employees"])
        form: dict | None = None

        @task(3)
        def open_submission(self):
            number = self.account["submission"]
            page = self.client.get(f"/my/{number}/", name="employee: open submission")
            if self.account["save"] and page.status_code == 200:
                parser = FormFields("fill-form")
                parser.feed(page.text)
                self.form = {**dict(parser.fields), "action": "save"}

        @task(2)
        def save_draft(self):
            if self.form is not None:  # as filled in when opened (the page follows the save)
                number = self.account["submission"]
                self.client.post(f"/my/{number}/", data=self.form, name="employee: save draft")
                self.form = None

        @task(1)
        def my_submissions(self):
            self.client.get("/my/", name="employee: my submissions")

        @task(1)
        def my_dashboard(self):
            self.client.get("/dashboard/me", name="employee: my dashboard")

    class Supervisor(Person):
        """Opens the review queue and the submitted evaluations in it."""

        weight = 2
        turns = itertools.cycle(plan["supervisors"])

        def on_start(self):
            super().on_start()
            self.queue = itertools.cycle(self.account["queue"])

        @task(1)
        def review_queue(self):
            self.client.get("/reviews/", name="supervisor: review queue")

        @task(2)
        def review_page(self):
            self.client.get(f"/reviews/{next(self.queue)}/", name="supervisor: review page")

    class HumanResources(Person):
        """Dashboards, a unit's drill-down and recap PDF (served from the cache after the first)."""

        weight = 2
        turns = itertools.cycle([{"username": plan["hr"]}])
        units = itertools.cycle(plan["units"])

        @task(2)
        def dashboard(self):
            self.client.get("/dashboard/", name="hr: dashboard")

        @task(1)
        def units_dashboard(self):
            self.client.get("/dashboard/units", name="hr: units")

        @task(2)
        def unit_drill_down(self):
            self.client.get(f"/dashboard/unit/{next(self.units)}", name="hr: unit drill-down")

        @task(1)
        def recaps(self):
            self.client.get("/recaps/", name="hr: recaps")

        @task(1)
        def recap_pdf(self):
            query = f"period={plan['period']}&unit={next(self.units)}&format=pdf"
            self.client.get(f"/recaps/download?{query}", name="hr: unit recap pdf")

    return [Employee, Supervisor, HumanResources]


def _table(title: str, entries, seconds: float) -> None:
    print(f"\n{title}")
    print(f"  {'page':<34}{'requests':>9}{'req/s':>8}{'p50':>7}{'p95':>7}{'p99':>7}{'errors':>8}")
    for entry in entries:
        print(f"  {entry.name:<34}{entry.num_requests:>9}{entry.num_requests / seconds:>8.1f}"
              f"{entry.get_response_time_percentile(0.5):>7.0f}"
              f"{entry.get_response_time_percentile(0.95):>7.0f}"
              f"{entry.get_response_time_percentile(0.99):>7.0f}"
              f"{entry.num_failures:>8}")  # fmt: skip


def run(url: str, plan: dict, args) -> int:
    import gevent
    from locust.env import Environment
    from locust.stats import StatsEntry

    logged_in: list = []
    users, duration, ramp = args.users, args.duration, args.ramp
    classes = user_classes(plan, logged_in, tuple(args.think))
    environment = Environment(user_classes=classes, host=url)
    runner = environment.create_local_runner()
    started = time.monotonic()
    runner.start(users, spawn_rate=users / ramp)
    while len(logged_in) < users and time.monotonic() - started < ramp + 300:
        gevent.sleep(0.5)
    seconds = time.monotonic() - started
    _table(f"ramp-up: {len(logged_in)} of {users} users logged in after {seconds:.0f} s "
           "(not measured below)",
           sorted(environment.stats.entries.values(), key=lambda e: e.name), seconds)  # fmt: skip
    environment.stats.reset_all()
    started = time.monotonic()
    gevent.sleep(duration)
    seconds = time.monotonic() - started
    runner.quit()
    pages = sorted(environment.stats.entries.values(), key=lambda e: e.name)
    total = StatsEntry(environment.stats, "total", "")
    for entry in pages:
        total.extend(entry)
    _table(f"measured: {users} users for {seconds:.0f} s against {url}", [*pages, total], seconds)
    for error in environment.stats.errors.values():
        print(f"  error ×{error.occurrences}: {error.method} {error.name}: {error.error}")
    p95 = total.get_response_time_percentile(0.95)
    print(f"\n{total.num_requests / seconds:.1f} requests/s, p50 "
          f"{total.get_response_time_percentile(0.5):.0f} ms, p95 {p95:.0f} ms, p99 "
          f"{total.get_response_time_percentile(0.99):.0f} ms, {total.num_failures} errors "
          f"(target: p95 ≤ 500 ms, 0 errors)")  # fmt: skip
    return 0 if p95 <= 500 and total.num_failures == 0 else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--url", help="a running portal (else one is started)")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--duration", type=int, default=60, help="measured seconds")
    parser.add_argument("--ramp", type=int, default=20, help="seconds to start every user")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--think", type=float, nargs=2, default=(5, 15), metavar=("MIN", "MAX"),
                        help="seconds a user reads a page (default 5 15)")  # fmt: skip
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--prepare-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare_only:
        print(json.dumps(prepare(args.database)))
        return 0
    folder = Path(tempfile.mkdtemp(prefix="kinerja-load-"))
    variable = "DATABASE_URL" if args.url else "BENCH_DATABASE_URL"
    database = os.environ.get(variable) or f"sqlite:///{folder / 'load.db'}"
    server = None
    url = args.url
    if url is None:
        url, server = start_server(database, args.workers, folder)
    try:
        plan = _prepare_in_subprocess(database)
        if not plan:
            raise SystemExit("no open period with submissions: run `flask seed --demo` first")
        print(f"{len(plan['employees'])} employees, {len(plan['supervisors'])} supervisors and "
              f"HR against {url} ({database.split('@')[-1]})", flush=True)  # fmt: skip
        return run(url, plan, args)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    if "--prepare-only" not in sys.argv:
        from gevent import monkey

        monkey.patch_all()  # before anything imports ssl or socket users (locust expects it)
    sys.exit(main())
