"""Hostile content: escaped in the documents, and the renderer reads or fetches nothing."""

# ruff: noqa: F811 - the `recap_data` fixture is imported from tests.printing_helpers
from __future__ import annotations

import http.server
import threading
import time
from pathlib import Path

import pytest

from app import printing
from tests.printing_helpers import pdf_pages, recap_data, squash  # noqa: F401


@pytest.fixture
def listener():
    """An HTTP server on 127.0.0.1 that records every request it gets."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], hits
    server.shutdown()


def _png(path: Path) -> Path:
    from PIL import Image

    Image.new("RGB", (8, 8), "red").save(path)
    return path


def _payloads(port: int, image: Path) -> str:
    return f"""
    <img src="file:///etc/passwd"><img src="/etc/passwd"><img src="file://{image}">
    <img src="{image}"><img src="../../../../{image}">
    <img src="http://127.0.0.1:{port}/img.png"><img src="http://localhost:{port}/b.png">
    <link rel="stylesheet" href="http://127.0.0.1:{port}/style.css">
    <div style="background-image: url(http://127.0.0.1:{port}/bg.png)">x</div>
    <pdf:barcode value="1"/><pdf:image src="{image}"/>
    <font color="[[[getattr(pow, Word('__globals__'))['os'].system('touch /tmp/kinerja-pwned')
    for Word in [ orgTypeFun( 'Word', (str,), {{ 'mutated': 1, 'startswith': lambda self, x: 1 == 0,
    '__eq__': lambda self, x: self.mutate() and self.mutated < 0 and str(self) == x,
    'mutate': lambda self: {{ setattr(self, 'mutated', self.mutated - 1) }},
    '__hash__': lambda self: hash(str(self)), }}, ) ] ] for orgTypeFun in [type(type(1))]
    ] and 'red'">exploit</font>
    """


def test_renderer_fetches_and_reads_nothing(listener, tmp_path):
    """Raw hostile markup straight into the renderer (as if escaping had failed)."""
    port, hits = listener
    image = _png(tmp_path / "secret.png")
    html = (f"<html><head><style>@import url(http://127.0.0.1:{port}/imp.css);</style>"
            f"<link href='http://127.0.0.1:{port}/l.css' rel='stylesheet'></head>"
            f"<body>{_payloads(port, image)}</body></html>")  # fmt: skip
    Path("/tmp/kinerja-pwned").unlink(missing_ok=True)
    pdf = printing.html_to_pdf(html)
    assert pdf[:5] == b"%PDF-"
    assert hits == []
    assert b"/Subtype /Image" not in pdf and b"/Subtype/Image" not in pdf
    assert not Path("/tmp/kinerja-pwned").exists()


def test_policy_is_assets_only():
    policy = printing.resource_policy()
    assert policy.allow_remote is False
    assert [p.resolve() for p in policy.roots] == [printing.ASSETS_DIR.resolve()]


def test_hostile_user_text_is_printed_as_text(login_as, recap_data, db, listener, tmp_path):
    port, hits = listener
    image = _png(tmp_path / "secret.png")
    hostile = f'<img src="http://127.0.0.1:{port}/n.png"><b>Budi</b>'
    employee = recap_data.world.people["pegawai.dinkes"]
    employee.name = hostile
    employee.jabatan = _payloads(port, image)[:200]
    submission = recap_data.approved
    submission.feedback = _payloads(port, image)
    submission.recommendation = f'<link href="http://127.0.0.1:{port}/r.css">'
    fv = next(iter(submission.answers))
    submission.comments = {f"{fv}:capaian": "A" * (5 * 1024 * 1024)}  # a 5 MB comment
    db.session.commit()
    client = login_as("hr")
    started = time.perf_counter()
    for url in (f"/print/submission/{submission.id}/evaluation",
                f"/print/submission/{submission.id}/form",
                f"/recaps/download?period={recap_data.period.id}"
                f"&unit={recap_data.world.dinkes.id}&format=pdf"):  # fmt: skip
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"/Subtype /Image" not in response.data
        text = squash(" ".join(pdf_pages(response.data)))
        assert "<b>Budi</b>" in text, url  # printed literally, not as markup
    assert time.perf_counter() - started < 30
    assert hits == []
    form = client.get(f"/print/submission/{submission.id}/form")
    text = squash(" ".join(pdf_pages(form.data)))
    assert "A" * 100 in text and "[…]" in text  # the 5 MB comment is cut, not dropped
    assert len(form.data) < 2 * 1024 * 1024
