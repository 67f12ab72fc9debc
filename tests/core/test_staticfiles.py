"""The production static storage compresses a file once, and again only when it changed."""

from __future__ import annotations

import os
from pathlib import Path

from onego.core.staticfiles import IncrementalCompressedManifestStaticFilesStorage, compressed_is_current

CSS = ("body { color: #123456; margin: 0; padding: 0; }\n" * 200).encode()


def _storage(root: Path) -> IncrementalCompressedManifestStaticFilesStorage:
    return IncrementalCompressedManifestStaticFilesStorage(location=str(root), base_url="/static/")


def test_a_new_file_is_compressed(tmp_path: Path) -> None:
    (tmp_path / "site.css").write_bytes(CSS)
    done = list(_storage(tmp_path).compress_files(["site.css"]))
    assert sorted(name for _, name in done) == ["site.css.br", "site.css.gz"]
    assert compressed_is_current(str(tmp_path / "site.css"))


def test_an_unchanged_file_is_not_compressed_again(tmp_path: Path) -> None:
    (tmp_path / "site.css").write_bytes(CSS)
    list(_storage(tmp_path).compress_files(["site.css"]))
    before = (tmp_path / "site.css.gz").stat().st_mtime_ns
    assert list(_storage(tmp_path).compress_files(["site.css"])) == []
    assert (tmp_path / "site.css.gz").stat().st_mtime_ns == before


def test_a_changed_file_is_compressed_again(tmp_path: Path) -> None:
    source = tmp_path / "site.css"
    source.write_bytes(CSS)
    list(_storage(tmp_path).compress_files(["site.css"]))
    source.write_bytes(CSS + b"a { color: red; }\n")
    later = (tmp_path / "site.css.gz").stat().st_mtime + 10
    os.utime(source, (later, later))
    assert not compressed_is_current(str(source))
    done = list(_storage(tmp_path).compress_files(["site.css"]))
    assert sorted(name for _, name in done) == ["site.css.br", "site.css.gz"]
    assert compressed_is_current(str(source))


def test_a_missing_file_has_no_current_copy(tmp_path: Path) -> None:
    assert not compressed_is_current(str(tmp_path / "gone.css"))
