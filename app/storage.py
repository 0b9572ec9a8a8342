"""Where stored files live: one small interface, two backends.

Every file the application keeps (ticket attachments, inbound e-mail attachments, voicemail
recordings, signed convenzioni) is content-addressed by its SHA-256 and stored under a *key* such as
``ab/abcdef…`` or ``crm/ab/abcdef…``. Modules never touch paths or buckets: they call
``get_storage()`` and ``put``/``exists``/``read``/``send``.

- ``local`` (default): files under ``ATTACHMENTS_DIR``, written to a temporary name and renamed, so
  a crash never leaves half a file under its final key.
- ``s3``: any S3-compatible object store (AWS S3, MinIO, Ceph RGW, …) through boto3, configured by
  ``S3_ENDPOINT_URL``, ``S3_BUCKET``, ``S3_REGION``, ``S3_ACCESS_KEY_ID``, ``S3_SECRET_ACCESS_KEY``
  and an optional ``S3_PREFIX``. Every gunicorn host and RQ worker then sees the same files.

Downloads go through the application (``send``), after the view has checked permissions, so the
same 404 across organizations and the same security headers apply to both backends.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Protocol

from flask import Flask, Response, current_app, has_request_context, send_file
from flask_babel import gettext as _

from app.errors import NotFound, ServiceUnavailable

log = logging.getLogger(__name__)

KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*(/[a-z0-9][a-z0-9_.-]*)*$")


class StorageError(ServiceUnavailable):
    """The storage backend failed (misconfigured, unreachable): 503, never half a result."""


def _unavailable() -> str:
    text = "L'archivio dei file non è raggiungibile: riprova tra poco."
    return _("L'archivio dei file non è raggiungibile: riprova tra poco.") if has_request_context() else text


class FileMissing(NotFound):
    """No object under that key: 404 where a download was asked for."""

    def __init__(self, key: str = "") -> None:
        super().__init__(_("File non disponibile.") if has_request_context() else "File non disponibile.")
        self.key = key


def check_key(key: str) -> str:
    """Keys are lower-case relative paths without ``..``: nothing can escape the root or bucket."""
    if not KEY_RE.match(key or "") or ".." in key:
        raise ValueError(f"invalid storage key: {key!r}")
    return key


def content_key(sha256: str, namespace: str = "") -> str:
    """The key of content-addressed bytes: ``[namespace/]ab/abcdef…`` (today's on-disk layout)."""
    if not re.fullmatch(r"[0-9a-f]{64}", sha256 or ""):
        raise ValueError("not a SHA-256 hex digest")
    key = f"{sha256[:2]}/{sha256}"
    return f"{namespace}/{key}" if namespace else key


class Storage(Protocol):
    name: str

    def put(self, key: str, data: bytes, content_type: str | None = None) -> None:
        """Store ``data`` under ``key`` (overwriting: keys are content hashes, so it is the same bytes)."""

    def exists(self, key: str) -> bool: ...

    def read(self, key: str) -> bytes:
        """The bytes under ``key``; ``FileMissing`` when there are none."""

    def send(self, key: str, *, mimetype: str, download_name: str, as_attachment: bool = True) -> Response:
        """A streamed HTTP response with the bytes under ``key``; ``FileMissing`` when there are none."""

    def iter_keys(self) -> Iterator[str]:
        """Every stored key (for migrations and checks)."""

    def delete(self, key: str) -> bool:
        """Remove the bytes under ``key`` (retention, erasure); False when there were none."""


class LocalStorage:
    """Files under a directory (``ATTACHMENTS_DIR``): the embedded default and single-host setups."""

    name = "local"

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, data: bytes, content_type: str | None = None) -> None:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")
        try:
            tmp.write_bytes(data)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def read(self, key: str) -> bytes:
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError as exc:
            raise FileMissing(key) from exc

    def send(self, key: str, *, mimetype: str, download_name: str, as_attachment: bool = True) -> Response:
        path = self.path(key)
        if not path.is_file():
            raise FileMissing(key)
        return send_file(path, mimetype=mimetype, as_attachment=as_attachment, download_name=download_name, max_age=0)

    def delete(self, key: str) -> bool:
        try:
            self.path(key).unlink()
        except FileNotFoundError:
            return False
        return True

    def iter_keys(self) -> Iterator[str]:
        if not self.root.is_dir():
            return
        for path in sorted(self.root.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                key = path.relative_to(self.root).as_posix()
                if KEY_RE.match(key):
                    yield key


class S3Storage:
    """Objects in an S3-compatible bucket, through boto3 (imported only when this backend is used)."""

    name = "s3"
    CHUNK = 256 * 1024

    def __init__(
        self,
        *,
        bucket: str,
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        prefix: str = "",
        client: Any = None,
    ) -> None:
        if not bucket:
            raise StorageError("S3_BUCKET is required when STORAGE_BACKEND=s3")
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        if client is None:
            import boto3
            from botocore.config import Config as BotoConfig

            client = boto3.client(
                "s3",
                endpoint_url=endpoint_url or None,
                region_name=region or None,
                aws_access_key_id=access_key_id or None,
                aws_secret_access_key=secret_access_key or None,
                config=BotoConfig(
                    retries={"max_attempts": 3, "mode": "standard"},
                    connect_timeout=5,
                    read_timeout=30,
                    # Path-style addressing works with every S3-compatible server (MinIO, Ceph, moto).
                    s3={"addressing_style": "path"},
                ),
            )
        self.client = client

    def _object(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    @contextlib.contextmanager
    def _calling(self, key: str) -> Iterator[None]:
        """botocore errors become FileMissing (404) or StorageError (503), never a bare 500."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            yield
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in ("404", "NoSuchKey", "NotFound"):
                raise FileMissing(key) from exc
            log.error("storage: S3 %s on %s: %s", code, key, exc)
            raise StorageError(_unavailable()) from exc
        except BotoCoreError as exc:
            log.error("storage: S3 unreachable on %s: %s", key, exc)
            raise StorageError(_unavailable()) from exc

    def put(self, key: str, data: bytes, content_type: str | None = None) -> None:
        with self._calling(key):
            self.client.put_object(
                Bucket=self.bucket,
                Key=self._object(key),
                Body=data,
                ContentType=content_type or "application/octet-stream",
            )

    def exists(self, key: str) -> bool:
        try:
            with self._calling(key):
                self.client.head_object(Bucket=self.bucket, Key=self._object(key))
        except FileMissing:
            return False
        return True

    def _get(self, key: str) -> dict[str, Any]:
        with self._calling(key):
            return self.client.get_object(Bucket=self.bucket, Key=self._object(key))

    def read(self, key: str) -> bytes:
        obj = self._get(key)
        with self._calling(key):
            try:
                return obj["Body"].read()
            finally:
                obj["Body"].close()

    def send(self, key: str, *, mimetype: str, download_name: str, as_attachment: bool = True) -> Response:
        obj = self._get(key)
        body: IO[bytes] = obj["Body"]
        response = send_file(
            body,
            mimetype=mimetype,
            as_attachment=as_attachment,
            download_name=download_name,
            conditional=False,
            etag=False,
            max_age=0,
        )
        if obj.get("ContentLength") is not None:
            response.content_length = int(obj["ContentLength"])
        response.cache_control.no_store = True
        response.cache_control.private = True
        return response

    def delete(self, key: str) -> bool:
        if not self.exists(key):
            return False
        with self._calling(key):
            self.client.delete_object(Bucket=self.bucket, Key=self._object(key))
        return True

    def iter_keys(self) -> Iterator[str]:
        paginator = self.client.get_paginator("list_objects_v2")
        start = f"{self.prefix}/" if self.prefix else ""
        with self._calling(start or "/"):
            for page in paginator.paginate(Bucket=self.bucket, Prefix=start):
                for item in page.get("Contents", []):
                    yield item["Key"][len(start) :]


def storage_from_config(config: Any) -> Storage:
    backend = (config.get("STORAGE_BACKEND") or "local").lower()
    if backend == "local":
        return LocalStorage(config["ATTACHMENTS_DIR"])
    if backend == "s3":
        return S3Storage(
            bucket=config.get("S3_BUCKET") or "",
            endpoint_url=config.get("S3_ENDPOINT_URL"),
            region=config.get("S3_REGION"),
            access_key_id=config.get("S3_ACCESS_KEY_ID"),
            secret_access_key=config.get("S3_SECRET_ACCESS_KEY"),
            prefix=config.get("S3_PREFIX") or "",
        )
    raise StorageError(f"unknown STORAGE_BACKEND {backend!r} (local or s3)")


def get_storage(app: Flask | None = None) -> Storage:
    """The app's storage, built from its configuration on first use (and rebuilt if that changes)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    signature = tuple(
        app.config.get(k)
        for k in ("STORAGE_BACKEND", "ATTACHMENTS_DIR", "S3_BUCKET", "S3_ENDPOINT_URL", "S3_REGION", "S3_PREFIX")
    )
    cached = app.extensions.get("presidio_storage")
    if cached is None or cached[0] != signature:
        cached = (signature, storage_from_config(app.config))
        app.extensions["presidio_storage"] = cached
    return cached[1]


def send_download(
    key: str, *, filename: str, mimetype: str = "application/octet-stream", as_attachment: bool = True
) -> Response:
    """A stored file as a download, after the caller checked the permission; 404 when it is missing.
    ``nosniff`` and ``no-store`` on both backends: these are private files."""
    try:
        check_key(key)
    except ValueError as exc:
        raise FileMissing(key) from exc
    response = get_storage().send(key, mimetype=mimetype, download_name=filename, as_attachment=as_attachment)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def copy_all(source: Storage, target: Storage, *, overwrite: bool = False) -> tuple[int, int]:
    """Copy every object from ``source`` to ``target``; returns (copied, skipped because present)."""
    copied = skipped = 0
    for key in source.iter_keys():
        if not overwrite and target.exists(key):
            skipped += 1
            continue
        target.put(key, source.read(key))
        copied += 1
    return copied, skipped
