"""Bring ID lists up to date from a manifest, downloading only what changed.

Statsig publishes each list as an append-only file of ``+hash``/``-hash`` lines, described by a
manifest entry ``{name, size, url, creationTime, fileID}``. A list starts over when its ``fileID``
changes with a newer-or-equal ``creationTime``; an entry older than what we hold is ignored; a
list missing from the manifest is deleted; otherwise only the bytes past ``read_bytes`` are
fetched (``Range: bytes=N-``). The same rules apply whether the bytes come from the API or from a
data store. Updated lists are new objects, so readers never see a list half-applied.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from statsig_core.evaluation.id_lists import apply_list_file
from statsig_core.specs.model import IdList
from statsig_core.specs.sources import SyncError

__all__ = ["ListFile", "ReadChunk", "parse_manifest", "start_offset", "sync_lists", "usable_chunk"]

# (entry, start) -> (bytes from start, False if they are the whole file instead)
ReadChunk = Callable[["ListFile", int], tuple[bytes, bool]]


@dataclass(frozen=True, slots=True)
class ListFile:
    """One manifest entry."""

    name: str
    file_id: str
    creation_time: int
    size: int
    url: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "fileID": self.file_id,
            "creationTime": self.creation_time,
            "size": self.size,
        }


def parse_manifest(payload: Any) -> dict[str, ListFile]:
    """Read a manifest; any malformed entry refuses the whole manifest (lists stay as they are)."""
    if not isinstance(payload, Mapping):
        raise SyncError("bad_id_lists", "ID-list manifest is not a JSON object")
    out: dict[str, ListFile] = {}
    for name, entry in payload.items():
        try:
            url = entry.get("url")
            out[str(name)] = ListFile(
                str(name),
                str(entry["fileID"]),
                int(entry.get("creationTime") or 0),
                int(entry["size"]),
                str(url) if url else None,
            )
        except (AttributeError, KeyError, TypeError, ValueError):
            raise SyncError(
                "bad_id_lists", f"ID-list manifest entry {name!r} is malformed"
            ) from None
    return out


def start_offset(have: IdList | None, entry: ListFile) -> int | None:
    """Where to resume downloading ``entry``: 0 to start over, None when nothing is needed."""
    if have is None:
        return 0
    if entry.creation_time < have.creation_time:
        return None
    if entry.file_id != have.file_id:
        return 0
    return have.read_bytes if entry.size > have.read_bytes else None


def usable_chunk(entry: ListFile, start: int, chunk: bytes) -> bytes:
    """The whole lines of ``chunk``; refuses bytes that cannot be a list file.

    A file read before the manifest's size is reached may end mid-line (the file grew while we
    read it): the partial line is left for the next download.
    """
    if chunk and chunk[:1] not in (b"+", b"-"):
        raise SyncError(
            "bad_id_list", f"ID list {entry.name!r}: data at byte {start} is not +id/-id lines"
        )
    if start + len(chunk) >= entry.size:
        return chunk
    return chunk[: chunk.rfind(b"\n") + 1]


def _extend(have: IdList | None, entry: ListFile, start: int, chunk: bytes) -> IdList:
    lines = usable_chunk(entry, start, chunk)
    try:
        text = lines.decode("ascii")
    except UnicodeDecodeError:
        raise SyncError("bad_id_list", f"ID list {entry.name!r}: not ASCII") from None
    hashes = set(have.hashes) if start and have is not None else set()
    apply_list_file(hashes, text)
    return IdList(
        entry.name,
        frozenset(hashes),
        creation_time=entry.creation_time,
        file_id=entry.file_id,
        url=entry.url,
        read_bytes=start + len(lines),
    )


def sync_lists(
    current: Mapping[str, IdList], manifest: Mapping[str, ListFile], read: ReadChunk
) -> tuple[dict[str, IdList] | None, list[SyncError]]:
    """The lists after applying ``manifest`` (None if nothing changed), and per-list errors.

    A list whose download fails keeps its current contents; the others still update.
    """
    changed = any(name not in manifest for name in current)
    out: dict[str, IdList] = {}
    errors: list[SyncError] = []
    for name, entry in manifest.items():
        have = current.get(name)
        start = start_offset(have, entry)
        if start is None:
            if have is not None:
                out[name] = have
            continue
        try:
            chunk, from_start = read(entry, start)
            if not from_start:
                start = 0
            updated = _extend(have, entry, start, chunk)
        except SyncError as exc:
            errors.append(exc)
            if have is not None:
                out[name] = have
            continue
        out[name] = updated
        changed = True
    return (out if changed else None), errors
