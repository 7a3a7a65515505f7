"""ID-list bookkeeping: when a list restarts, resumes, is ignored or deleted; which bytes count."""

from __future__ import annotations

import json

import pytest

from statsig_core.evaluation.hashing import id_list_hash
from statsig_core.specs.id_list_sync import (
    ListFile,
    parse_manifest,
    start_offset,
    sync_lists,
    usable_chunk,
)
from statsig_core.specs.model import IdList
from statsig_core.specs.sources import SyncError


def held(file_id: str = "f1", creation: int = 10, read: int = 20) -> IdList:
    return IdList(
        "beta", frozenset({"aaaaaaaa"}), creation_time=creation, file_id=file_id, read_bytes=read
    )


def entry(file_id: str = "f1", creation: int = 10, size: int = 20) -> ListFile:
    return ListFile("beta", file_id, creation, size, "http://x/beta")


def lines(*ids: str, sign: str = "+") -> bytes:
    return "".join(f"{sign}{id_list_hash(i)}\n" for i in ids).encode()


@pytest.mark.parametrize(
    ("have", "manifest", "expected"),
    [
        (None, entry(), 0),
        (held(), entry(size=20), None),
        (held(), entry(size=35), 20),
        (held(), entry(file_id="f2", creation=11), 0),
        (held(), entry(file_id="f2", creation=10), 0),
        (held(), entry(file_id="f2", creation=9, size=99), None),
    ],
    ids=["new-list", "unchanged", "grew", "new-file", "new-file-same-time", "older-file"],
)
def test_start_offset_follows_the_official_reset_and_resume_rules(have, manifest, expected):
    assert start_offset(have, manifest) == expected


def test_usable_chunk_leaves_a_partial_last_line_for_the_next_download():
    chunk = b"+aaaaaaaa\n+bbbb"
    assert usable_chunk(entry(size=100), 0, chunk) == b"+aaaaaaaa\n"
    assert usable_chunk(entry(size=len(chunk)), 0, chunk) == chunk  # whole file: keep it all


def test_usable_chunk_refuses_bytes_that_are_not_list_lines():
    with pytest.raises(SyncError) as caught:
        usable_chunk(entry(), 5, b"<html>oops</html>")
    assert caught.value.kind == "bad_id_list"


def test_a_malformed_manifest_entry_refuses_the_whole_manifest():
    good = {"name": "a", "size": 1, "url": "u", "creationTime": 1, "fileID": "f"}
    with pytest.raises(SyncError):
        parse_manifest({"a": good, "b": {"name": "b", "size": "lots"}})
    with pytest.raises(SyncError):
        parse_manifest(["not", "an", "object"])
    assert parse_manifest({"a": good})["a"] == ListFile("a", "f", 1, 1, "u")


def reader(files: dict[str, bytes], honour_range: bool = True):
    def read(item: ListFile, start: int) -> tuple[bytes, bool]:
        content = files[item.name]
        return (content[start:], True) if honour_range else (content, start == 0)

    return read


def test_lists_are_created_extended_and_deleted_from_the_manifest():
    first = lines("u1", "u2")
    files = {"beta": first, "gone": lines("x")}
    manifest = {
        "beta": ListFile("beta", "f1", 1, len(first)),
        "gone": ListFile("gone", "g1", 1, len(files["gone"])),
    }
    lists, errors = sync_lists({}, manifest, reader(files))
    assert not errors and lists is not None
    assert lists["beta"].hashes == {id_list_hash("u1"), id_list_hash("u2")}

    files["beta"] = first + lines("u3") + lines("u1", sign="-")
    grown = {"beta": ListFile("beta", "f1", 1, len(files["beta"]))}
    updated, errors = sync_lists(lists, grown, reader(files))
    assert not errors and updated is not None
    assert set(updated) == {"beta"}
    assert updated["beta"].hashes == {id_list_hash("u2"), id_list_hash("u3")}
    assert updated["beta"].read_bytes == len(files["beta"])
    assert lists["beta"].hashes == {id_list_hash("u1"), id_list_hash("u2")}  # old one untouched
    assert sync_lists(updated, grown, reader(files)) == (None, [])


def test_a_server_that_ignores_the_range_gets_the_list_rebuilt_from_the_whole_file():
    files = {"beta": lines("u1")}
    lists, _ = sync_lists({}, {"beta": ListFile("beta", "f1", 1, 10)}, reader(files))
    files["beta"] += lines("u1", sign="-") + lines("u2")
    grown = {"beta": ListFile("beta", "f1", 1, len(files["beta"]))}
    updated, _ = sync_lists(lists, grown, reader(files, honour_range=False))
    assert updated is not None and updated["beta"].hashes == {id_list_hash("u2")}


def test_a_failing_list_keeps_its_contents_while_the_others_update():
    files = {"a": lines("u1"), "b": lines("u2")}
    manifest = {n: ListFile(n, f"{n}1", 1, len(c)) for n, c in files.items()}
    lists, _ = sync_lists({}, manifest, reader(files))
    assert lists is not None
    files["a"] += b"garbage\n"
    files["b"] += lines("u3")
    grown = {n: ListFile(n, f"{n}1", 1, len(c)) for n, c in files.items()}
    updated, errors = sync_lists(lists, grown, reader(files))
    assert [e.kind for e in errors] == ["bad_id_list"]
    assert updated is not None
    assert updated["a"] is lists["a"]
    assert updated["b"].hashes == {id_list_hash("u2"), id_list_hash("u3")}


def test_the_published_company_id_list_fixture_loads_completely(shared_fixtures):
    content = (shared_fixtures / "company_id_list").read_bytes()
    meta = json.loads((shared_fixtures / "get_id_lists.json").read_text())
    manifest = parse_manifest(meta)
    assert manifest["company_id_list"].size == len(content)
    lists, errors = sync_lists({}, manifest, reader({"company_id_list": content}))
    assert not errors and lists is not None
    expected = {line[1:] for line in content.decode().split()}
    assert lists["company_id_list"].hashes == expected
    assert lists["company_id_list"].read_bytes == len(content)
