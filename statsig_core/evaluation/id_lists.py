"""ID lists (segments): raw ids or ``+hash``/``-hash`` list files into hashed-id sets."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from statsig_core.evaluation.hashing import id_list_hash
from statsig_core.specs.model import IdList

__all__ = ["apply_list_file", "id_lists_from_raw"]


def id_lists_from_raw(lists: Mapping[str, Iterable[str]]) -> dict[str, IdList]:
    """Hash raw ids (``{"list": ["user-1", ...]}``) the way Statsig stores them."""
    return {
        str(name): IdList(str(name), frozenset(id_list_hash(str(raw)) for raw in ids))
        for name, ids in lists.items()
    }


def apply_list_file(hashes: set[str], content: str) -> None:
    """Apply an ID-list file's lines: ``+xxxxxxxx`` adds a hashed id, ``-xxxxxxxx`` removes one."""
    for line in content.splitlines():
        line = line.strip()
        if len(line) < 2:
            continue
        if line[0] == "+":
            hashes.add(line[1:])
        elif line[0] == "-":
            hashes.discard(line[1:])
