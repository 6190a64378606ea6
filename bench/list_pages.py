"""List pages at regency scale: milliseconds and SQL statements per page.

    .venv/bin/python bench/list_pages.py [N]      (N synthetic employees, default 6000)

Target: every list page under 300 ms on SQLite with 6,000 employees, and a number of
statements that does not depend on N (compare N=600 and N=6000).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._setup import PASSWORD, account, bench_app, first_id, measure, select  # noqa: E402

PAGES = {
    "hr": ["/employeeview/list/", "/employeeview/list/?psize_EmployeeView=100", "/unitview/list/",
           "/api/v1/employee/?q=(page_size:100)", "/api/v1/submission/?page_size=100"],
    "bench.penilai": ["/reviews/", "/my/", "/employeeview/list/"],
}  # fmt: skip


def main(employees: int) -> None:
    from app.models import Employee, Submission

    app = bench_app(employees)
    account(app, "hr.bench", ["HR"])
    evaluator = first_id(app, select(Submission.evaluator_id).limit(1))
    account(app, "bench.penilai", ["Supervisor", "Employee"], evaluator)
    head = first_id(app, select(Employee.id).where(Employee.id == evaluator))
    print(f"evaluator employee id: {head}")
    print(f"{'user':<14} {'page':<48} {'ms':>8} {'SQL':>5} status")
    for username, urls in PAGES.items():
        client = app.test_client()
        login = "hr.bench" if username == "hr" else username
        client.post("/login/", data={"username": login, "password": PASSWORD})
        for url in urls:
            if url.startswith("/api/"):
                token = client.post("/api/v1/security/login", json={
                    "username": login, "password": PASSWORD, "provider": "db"}).json  # fmt: skip
                client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token['access_token']}"
            ms, statements, status = measure(client, url)
            print(f"{username:<14} {url:<48} {ms:8.1f} {statements:5d} {status}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 6000)
