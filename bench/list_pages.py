"""List pages at regency scale: milliseconds and SQL statements per page and role.

    .venv/bin/python bench/list_pages.py [N]      (N synthetic employees, default 6000)
    BENCH_DATABASE_URL=postgresql://… .venv/bin/python bench/list_pages.py 100000

Targets (PostgreSQL, 100,000 employees): every list and API page under 150 ms for every
role, a unit admin's or supervisor's page at most twice HR's same page, and a number of
statements that does not depend on N (compare N=600 and N=6000).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._setup import PASSWORD, account, bench_app, first_id, measure, select  # noqa: E402

LISTS = ["/employeeview/list/", "/employeeview/list/?psize_EmployeeView=100", "/unitview/list/",
         "/api/v1/employee/?q=(page_size:100)", "/api/v1/submission/?page_size=100"]  # fmt: skip
PAGES = {
    "hr.bench": LISTS,
    "admin.bench": LISTS,
    "bench.penilai": [*LISTS, "/reviews/", "/my/"],
}


def main(employees: int) -> None:
    from app.models import Employee, Submission, Unit

    app = bench_app(employees)
    account(app, "hr.bench", ["HR"])
    unit_id = first_id(app, select(Unit.id).where(Unit.code == "DINKES"))
    admin = first_id(app, select(Employee.id).where(
        Employee.unit_id == unit_id, Employee.user_id.is_(None)).limit(1))  # fmt: skip
    account(app, "admin.bench", ["UnitAdmin", "Employee"], admin)
    evaluator = first_id(app, select(Submission.evaluator_id).limit(1))
    account(app, "bench.penilai", ["Supervisor", "Employee"], evaluator)
    print(f"evaluator employee id: {evaluator}")
    hr_ms: dict[str, float] = {}
    print(f"{'user':<14} {'page':<48} {'ms':>8} {'SQL':>5} {'/HR':>5} status")
    for username, urls in PAGES.items():
        client = app.test_client()
        client.post("/login/", data={"username": username, "password": PASSWORD})
        for url in urls:
            if url.startswith("/api/"):
                token = client.post("/api/v1/security/login", json={
                    "username": username, "password": PASSWORD, "provider": "db"}).json  # fmt: skip
                client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token['access_token']}"
            ms, statements, status = measure(client, url)
            hr_ms.setdefault(url, ms)
            ratio = ms / hr_ms[url]
            print(f"{username:<14} {url:<48} {ms:8.1f} {statements:5d} {ratio:5.1f} {status}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 6000)
