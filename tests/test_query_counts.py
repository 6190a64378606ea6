"""List pages send the same number of SQL statements whatever the number of rows shown."""

from __future__ import annotations

import pytest

from app.extensions import db
from tests import factories as f
from tests.querycount import count_queries


def _statements(client, url: str) -> int:
    client.get(url)  # warm-up: FAB loads permissions and menus on the first request
    with count_queries(db.engine) as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(statements)


def _add_staff(world, count: int) -> None:
    for number in range(count):
        f.make_employee(world.dinkes, f"Staf Tambahan {number:03d}",
                        supervisor=world.people["penilai.dinkes"])  # fmt: skip


@pytest.mark.parametrize(
    "username, url",
    [
        ("hr", "/employeeview/list/?psize_EmployeeView=100"),
        ("admin.dinkes", "/employeeview/list/?psize_EmployeeView=100"),
        ("penilai.dinkes", "/employeeview/list/?psize_EmployeeView=100"),
        ("hr", "/unitview/list/"),
    ],
)
def test_employee_lists_do_not_grow_with_rows(login_as, world, username, url):
    client = login_as(username)
    few = _statements(client, url)
    _add_staff(world, 30)
    many = _statements(client, url)
    assert many == few, f"{url}: {few} statements for a few rows, {many} for 30 more"
