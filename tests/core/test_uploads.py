"""The one upload policy: size, type by content (not by name), safe names — for every channel."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile

from onego.core.errors import ValidationFailed
from onego.core.uploads import MAX_UPLOAD_BYTES, allowed_types, check_upload, safe_filename

GIF_WITH_SCRIPT = b"GIF89a/*\x01\x00\x01\x00*/=1;alert(document.domain)//"


def check(content: bytes, name: str, file_types: list[str] | None = None) -> object:
    return check_upload(
        ContentFile(content, name=name), label="身份证", field="material:id", file_types=file_types
    )


def test_a_gif_with_a_script_named_pdf_is_refused_by_its_content() -> None:
    with pytest.raises(ValidationFailed) as err:
        check(GIF_WITH_SCRIPT, "id.pdf", ["pdf", "jpg"])
    assert err.value.field == "material:id"
    assert "内容不是 pdf 格式" in err.value.message


@pytest.mark.parametrize("name", ["page.html", "page.htm", "x.svg", "run.js", "a.gif", "noext"])
def test_a_material_the_catalog_lists_no_types_for_still_takes_only_documents_and_images(name: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        check(b"<html><script>alert(1)</script></html>", name, None)
    assert "只接受 pdf、jpg、jpeg、png、ofd 格式" in err.value.message


def test_a_real_pdf_is_accepted_and_measured_with_a_safe_name() -> None:
    checked = check_upload(
        ContentFile(b"%PDF-1.4 scanned", name="x"),
        label="身份证",
        field="material:id",
        file_types=None,
        filename="../../etc/<证件>.PDF",
    )
    assert checked.filename == "_证件_.PDF"  # type: ignore[attr-defined]
    assert checked.suffix == "pdf"  # type: ignore[attr-defined]
    assert checked.size == len(b"%PDF-1.4 scanned")  # type: ignore[attr-defined]


def test_the_size_limit_is_one_for_every_channel_and_an_empty_file_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="超过 10 MB"):
        check(b"%PDF-" + b"0" * MAX_UPLOAD_BYTES, "big.pdf")
    with pytest.raises(ValidationFailed, match="是空的"):
        check(b"", "empty.pdf")


def test_catalog_types_are_kept_only_when_their_content_can_be_recognised() -> None:
    assert allowed_types(["PDF", ".jpg", "txt"]) == ["pdf", "jpg"]
    assert allowed_types([]) == ["pdf", "jpg", "jpeg", "png", "ofd"]


def test_safe_names_have_no_path_or_control_characters() -> None:
    assert safe_filename("C:\\Users\\x\\scan\x00.pdf") == "scan_.pdf"
    assert safe_filename("...") == "upload"
    assert len(safe_filename("a" * 300 + ".pdf")) == 100
