"""The HR dashboard at regency scale: milliseconds and SQL statements per page.

    .venv/bin/python bench/dashboard.py [N ...]      (synthetic employees; default 600 6000)

Target: the HR dashboard of a period with 6,000 employees under one second, and a
number of statements that does not grow with N (compare N=600 and N=6000).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._setup import PASSWORD, account, bench_app, first_id, measure, select  # noqa: E402


def run(employees: int) -> list[tuple[str, str, float, int, int]]:
    from app.models import Employee, EvaluationPeriod, Unit

    app = bench_app(employees)
    account(app, "hr.bench", ["HR"])
    unit_id = first_id(app, select(Unit.id).where(Unit.code == "DINKES"))
    admin = first_id(app, select(Employee.id).where(Employee.unit_id == unit_id).limit(1))
    account(app, "admin.bench", ["UnitAdmin", "Employee"], admin)
    closed = first_id(app, select(EvaluationPeriod.id).where(
        EvaluationPeriod.name == "Triwulan III 2025"))  # fmt: skip
    current = first_id(app, select(EvaluationPeriod.id).where(
        EvaluationPeriod.name == "Triwulan IV 2025"))  # fmt: skip
    pages = {
        "hr.bench": [f"/dashboard/?period={closed}", f"/dashboard/?period={current}",
                     f"/dashboard/unit/{unit_id}?period={current}",
                     f"/api/v1/dashboard/summary?period={closed}",
                     f"/training-needs/?period={closed}", f"/awards/?period={closed}"],
        "admin.bench": [f"/dashboard/?period={current}"],
    }  # fmt: skip
    results = []
    for username, urls in pages.items():
        client = app.test_client()
        client.post("/login/", data={"username": username, "password": PASSWORD})
        for url in urls:
            if url.startswith("/api/"):
                token = client.post("/api/v1/security/login", json={
                    "username": username, "password": PASSWORD, "provider": "db"}).json  # fmt: skip
                client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token['access_token']}"
            ms, statements, status = measure(client, url)
            results.append((username, url, ms, statements, status))
    return results


def main(sizes: list[int]) -> None:
    table = {}
    for size in sizes:
        table[size] = run(size)
    print(f"\n{'N':>6} {'user':<12} {'page':<44} {'ms':>8} {'SQL':>5} status")
    for size, rows in table.items():
        for username, url, ms, statements, status in rows:
            print(f"{size:>6} {username:<12} {url:<44} {ms:8.1f} {statements:5d} {status}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [600, 6000])
