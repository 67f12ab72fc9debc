"""Static files for production: whitenoise's compressed, content-hashed storage, compressing only what changed.

`CompressedManifestStaticFilesStorage` compresses every file again (gzip and Brotli at their highest levels)
on each `onego collectstatic`, about 750 files with the API docs' Swagger UI: minutes on a busy machine,
at every start of `make prod` or a deployment's `ExecStartPre`. A file whose compressed copy (`.br` or
`.gz`) is at least as new as the file itself was compressed from exactly these bytes (whitenoise stamps the
copies with the source's modification time, and collectstatic rewrites a file only when it changed), so it
is skipped. A file compression did not shrink has no copy and is tried again: small files, cheap.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator

from whitenoise.storage import CompressedManifestStaticFilesStorage


def compressed_is_current(full_path: str) -> bool:
    """Whether a compressed copy of `full_path` exists and is at least as new as the file."""
    try:
        source = os.stat(full_path).st_mtime
    except OSError:
        return False
    for suffix in (".br", ".gz"):
        try:
            if os.stat(full_path + suffix).st_mtime >= source:
                return True
        except OSError:
            continue
    return False


class IncrementalCompressedManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):  # type: ignore[misc]
    """whitenoise's storage, compressing only files without a current compressed copy."""

    def compress_files(self, paths: Iterable[str]) -> Iterator[tuple[str, str]]:
        changed = [path for path in paths if not compressed_is_current(self.path(path))]
        yield from super().compress_files(changed)
