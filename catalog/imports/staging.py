"""An uploaded table kept on the server between preview and commit, in a file named by a random
token and bound to the user, so a commit never trusts data posted back by the browser."""

import dataclasses
import gzip
import json
import os
import re
import secrets
import time as time_module
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from kit.spreadsheets import SheetLayout, Table

from .checks import Preview
from .sheets import ImportOptions

# --- Keeping an upload between preview and commit ---------------------------------------------

# How long an uploaded file waits for its commit.
STAGE_LIFETIME_SECONDS = 60 * 60
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")


@dataclass
class Staged:
    token: str
    kind: SheetLayout
    table: Table
    options: ImportOptions
    preview: Preview
    created: float
    user_id: int


def _stage_dir() -> Path:
    directory = getattr(settings, "TRADECOUNTER_IMPORT_DIR", None) or Path(settings.VAR_DIR) / "imports"
    path = Path(directory)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _stage_path(token: str, *, claimed: bool = False) -> Path:
    if not _TOKEN.match(token):
        raise FileNotFoundError(token)
    return _stage_dir() / f"{token}{'.committing' if claimed else ''}.json.gz"


def _write_stage(path: Path, payload: dict) -> None:
    temporary = path.with_suffix(".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=3) as zipped:
        zipped.write(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode())
    os.replace(temporary, path)


def _purge_expired() -> None:
    cutoff = time_module.time() - STAGE_LIFETIME_SECONDS
    for path in _stage_dir().iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except FileNotFoundError:
            pass  # another request purged it first


def stage_import(*, user, kind: SheetLayout, table: Table, options: ImportOptions, preview: Preview) -> str:
    """Keep the table for its commit; returns the token that names it."""
    _purge_expired()
    token = secrets.token_urlsafe(24)
    _write_stage(
        _stage_path(token),
        {
            "version": 1,
            "user": user.pk,
            "kind": kind.slug,
            "created": time_module.time(),
            "filename": table.filename,
            "headers": table.headers,
            "rows": table.rows,
            "options": dataclasses.asdict(options),
            "preview": preview.stored().to_dict(),
        },
    )
    return token


def load_staged(*, token: str, user, kind: SheetLayout, claimed: bool = False) -> Staged | None:
    """The staged upload, if it exists, is this user's, of this kind and not expired."""
    try:
        with gzip.open(_stage_path(token, claimed=claimed), "rb") as stored:
            payload = json.loads(stored.read())
    except (FileNotFoundError, OSError, ValueError):
        return None
    if (
        payload.get("version") != 1
        or payload["user"] != user.pk
        or payload["kind"] != kind.slug
        or payload["created"] < time_module.time() - STAGE_LIFETIME_SECONDS
    ):
        return None
    table = Table(
        filename=payload["filename"],
        headers=payload["headers"],
        rows=[(number, cells) for number, cells in payload["rows"]],
    )
    return Staged(
        token=token,
        kind=kind,
        table=table,
        options=ImportOptions(**payload["options"]),
        preview=Preview.from_dict(payload["preview"]),
        created=payload["created"],
        user_id=payload["user"],
    )


def claim_staged(*, token: str, user, kind: SheetLayout) -> Staged | None:
    """Take the staged upload for its commit. Renaming the file is atomic, so of two commits of
    the same upload (a double click) only one gets it; receipts must never be booked twice."""
    staged = load_staged(token=token, user=user, kind=kind)
    if staged is None:
        return None
    try:
        os.rename(_stage_path(token), _stage_path(token, claimed=True))
    except FileNotFoundError:
        return None
    return staged


def release_staged(staged: Staged, preview: Preview) -> None:
    """Give a claimed upload back (its commit was refused), with the new problems to show."""
    payload = {
        "version": 1,
        "user": staged.user_id,
        "kind": staged.kind.slug,
        "created": staged.created,
        "filename": staged.table.filename,
        "headers": staged.table.headers,
        "rows": staged.table.rows,
        "options": dataclasses.asdict(staged.options),
        "preview": preview.stored().to_dict(),
    }
    _write_stage(_stage_path(staged.token), payload)
    _stage_path(staged.token, claimed=True).unlink(missing_ok=True)


def discard_staged(token: str) -> None:
    for claimed in (False, True):
        try:
            _stage_path(token, claimed=claimed).unlink(missing_ok=True)
        except FileNotFoundError:
            pass
