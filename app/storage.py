"""Stored files (penyimpanan berkas) behind one interface: a local folder or S3 object storage.

Evidence (``evidence/``), the PDF cache of issued documents (``documents/``) and the
emblem (``settings/``) are objects named by a relative key such as ``evidence/<name>``.
``STORAGE_URL`` chooses where they live:

- unset: the folder ``STORAGE_DIR`` (a volume every app server mounts);
- ``s3://bucket/prefix``: S3-compatible object storage through boto3, with
  ``S3_ENDPOINT_URL`` (MinIO, Ceph, a cloud's S3 endpoint), ``S3_REGION`` and the keys
  ``S3_ACCESS_KEY_ID``/``S3_SECRET_ACCESS_KEY`` (else boto3's own credential chain).

Writes are atomic on both (a reader sees the old object, the new one or nothing) and a
missing object reads as ``None``, never as an error.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, send_file

_TEMPORARY = ".tmp-"  # files being written by the local backend; never listed


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    modified: float  # seconds since the epoch

    @property
    def name(self) -> str:
        return PurePosixPath(self.key).name


@dataclass
class Opened:
    """An object opened for reading: a binary file object and its size."""

    file: BinaryIO
    size: int


def check_key(key: str) -> str:
    """A key is a relative path without ``..`` or empty parts, not named as a temporary file."""
    parts = key.split("/")
    if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"invalid storage key {key!r}")
    if parts[-1].startswith(_TEMPORARY):
        raise ValueError(f"invalid storage key {key!r}")
    return key


class Storage(ABC):
    """Where stored files live; keys are checked by `check_key`."""

    @abstractmethod
    def put(self, key: str, data: bytes | BinaryIO) -> None:
        """Store `data` (bytes or a binary file object) under `key`, replacing it atomically."""

    @abstractmethod
    def open(self, key: str) -> Opened | None:
        """The object opened for streaming, or None when it does not exist."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the object; a missing one is fine."""

    @abstractmethod
    def list(self, prefix: str = "") -> Iterator[StoredObject]:
        """Every object whose key starts with `prefix` (e.g. ``"evidence/"``), by key."""

    @abstractmethod
    def describe(self) -> str:
        """Where the files are, for messages: ``folder /srv/…`` or ``s3://bucket/prefix``."""

    def get(self, key: str) -> bytes | None:
        opened = self.open(key)
        if opened is None:
            return None
        with opened.file as handle:
            return handle.read()

    def is_empty(self) -> bool:
        return next(iter(self.list()), None) is None


class LocalStorage(Storage):
    """A folder: ``STORAGE_DIR/<key>``."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, data: bytes | BinaryIO) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=_TEMPORARY)
        try:
            with os.fdopen(handle, "wb") as out:
                if isinstance(data, bytes | bytearray):
                    out.write(data)
                else:
                    shutil.copyfileobj(data, out, 1024 * 1024)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def open(self, key: str) -> Opened | None:
        try:
            handle = self.path(key).open("rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None
        return Opened(handle, os.fstat(handle.fileno()).st_size)

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def list(self, prefix: str = "") -> Iterator[StoredObject]:
        folder, _, _ = prefix.rpartition("/")
        base = self.root / folder if folder else self.root
        if not base.is_dir():
            return
        for path in sorted(base.rglob("*")):
            key = path.relative_to(self.root).as_posix()
            if key.startswith(prefix) and not path.name.startswith(_TEMPORARY) and path.is_file():
                stat = path.stat()
                yield StoredObject(key, stat.st_size, stat.st_mtime)

    def describe(self) -> str:
        return f"folder {self.root}"


class S3Storage(Storage):
    """A bucket (and key prefix) of S3-compatible object storage."""

    def __init__(self, bucket: str, prefix: str = "", client=None):
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.client = client

    def _key(self, key: str) -> str:
        return self.prefix + check_key(key)

    def put(self, key: str, data: bytes | BinaryIO) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data)

    def open(self, key: str) -> Opened | None:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        except self.client.exceptions.NoSuchKey:
            return None
        return Opened(answer["Body"], answer["ContentLength"])

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def list(self, prefix: str = "") -> Iterator[StoredObject]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix + prefix
        )
        for page in pages:
            for item in page.get("Contents", ()):
                key = item["Key"][len(self.prefix) :]
                yield StoredObject(key, item["Size"], item["LastModified"].timestamp())

    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"


def s3_client(config):
    """A boto3 S3 client from the app's S3_* settings (path-style with a custom endpoint)."""
    import boto3
    from botocore.config import Config as BotoConfig

    endpoint = config.get("S3_ENDPOINT_URL")
    style = config.get("S3_ADDRESSING_STYLE") or ("path" if endpoint else "auto")
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint,
        region_name=config.get("S3_REGION"),
        aws_access_key_id=config.get("S3_ACCESS_KEY_ID"),
        aws_secret_access_key=config.get("S3_SECRET_ACCESS_KEY"),
        config=BotoConfig(
            s3={"addressing_style": style}, retries={"max_attempts": 3, "mode": "standard"}
        ),
    )


def from_config(config) -> Storage:
    """The storage that ``STORAGE_URL`` (else ``STORAGE_DIR``) names."""
    url = config.get("STORAGE_URL")
    if not url:
        return LocalStorage(config["STORAGE_DIR"])
    parts = urlsplit(url)
    if parts.scheme == "s3" and parts.netloc:
        return S3Storage(parts.netloc, parts.path, s3_client(config))
    if parts.scheme == "file":
        return LocalStorage(parts.path)
    raise RuntimeError(f"STORAGE_URL must be s3://bucket/prefix or file:///folder, not {url!r}")


class PrefixedStorage(Storage):
    """Another storage's objects under a key prefix (practice mode: ``practice/<user>/``)."""

    def __init__(self, inner: Storage, prefix: str):
        self.inner, self.prefix = inner, prefix

    def put(self, key: str, data: bytes | BinaryIO) -> None:
        self.inner.put(self.prefix + check_key(key), data)

    def open(self, key: str) -> Opened | None:
        return self.inner.open(self.prefix + check_key(key))

    def delete(self, key: str) -> None:
        self.inner.delete(self.prefix + check_key(key))

    def list(self, prefix: str = "") -> Iterator[StoredObject]:
        for item in self.inner.list(self.prefix + prefix):
            yield StoredObject(item.key[len(self.prefix) :], item.size, item.modified)

    def describe(self) -> str:
        return f"{self.inner.describe()} ({self.prefix})"


def init_app(app: Flask) -> None:
    app.extensions["kinerja.storage"] = from_config(app.config)


def real() -> Storage:
    """The configured storage, whatever mode the request is in."""
    return current_app.extensions["kinerja.storage"]


def current() -> Storage:
    """The storage of this request: in practice mode only its own ``practice/<user>/``."""
    from app import practice

    if practice.active():
        return PrefixedStorage(real(), practice.storage_prefix())
    return real()


def send_private(content: bytes, filename: str, mimetype: str) -> Response:
    """A download of `content` that no cache keeps (a document, a recap, an export)."""
    response = send_file(
        io.BytesIO(content), mimetype=mimetype, as_attachment=True, download_name=filename,
        max_age=0,
    )  # fmt: skip
    response.headers["Cache-Control"] = "private, no-store"
    return response


def send(key: str, mimetype: str, **options) -> Response | None:
    """A response streaming the object (`options` as for `send_file`), or None when missing."""
    opened = current().open(key)
    if opened is None:
        return None
    response = send_file(opened.file, mimetype=mimetype, conditional=False, etag=False, **options)
    response.content_length = opened.size
    return response
