"""kit.uploads: a photo is accepted by its content (JPEG, PNG, WebP), its size (≤ 5 MB) and a
plain image file name; returns and tickets share the rule."""

import pytest
from django.core.exceptions import ValidationError

from kit import uploads
from tests.tickets.helpers import image_bytes, upload


@pytest.mark.parametrize("fmt, extension", [("JPEG", "jpg"), ("PNG", "png"), ("WEBP", "webp")])
def test_the_type_is_found_in_the_content_not_the_name(fmt, extension):
    assert uploads.validate_photo(upload("IMG_0001.jpg", image_bytes(fmt))) == extension


def test_a_renamed_program_is_refused():
    program = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
    with pytest.raises(ValidationError, match="JPEG, PNG or WebP"):
        uploads.validate_photo(upload("photo.jpg", program))


def test_a_gif_is_refused_although_it_is_an_image():
    with pytest.raises(ValidationError, match="JPEG, PNG or WebP"):
        uploads.validate_photo(upload("photo.png", image_bytes("GIF")))


def test_a_photo_over_5_mb_is_refused():
    with pytest.raises(ValidationError, match="5 MB"):
        uploads.validate_photo(upload("photo.png", image_bytes() + b"\x00" * (5 * 1024 * 1024)))


def test_a_photo_of_exactly_5_mb_passes():
    content = image_bytes()
    content += b"\x00" * (uploads.PHOTO_MAX_BYTES - len(content))
    assert uploads.validate_photo(upload("photo.png", content)) == "png"


@pytest.mark.parametrize(
    "name, reason",
    [
        ("../../etc/passwd.png", "folder"),
        ("C:\\photos\\a.png", "folder"),
        (".hidden.png", "folder"),
        ("a" * 97 + ".png", "1 to 100"),
        ("bad\x00name.png", "not allowed"),
        ("right\u202egnp.exe.png", "not allowed"),
        ("photo.exe", ".jpg, .jpeg, .png or .webp"),
        ("photo", ".jpg, .jpeg, .png or .webp"),
    ],
)
def test_a_name_that_is_not_a_plain_image_name_is_refused(name, reason):
    # Django's uploads already drop folders from the name; the rule holds for any caller.
    with pytest.raises(ValidationError, match=reason):
        uploads.validate_photo_name(name)


def test_an_upload_named_like_a_program_is_refused_although_it_is_a_photo():
    with pytest.raises(ValidationError, match=".jpg, .jpeg, .png or .webp"):
        uploads.validate_photo(upload("photo.exe", image_bytes()))


def test_a_chinese_name_with_jpeg_extension_passes():
    assert uploads.validate_photo(upload("冻品 照片.JPEG", image_bytes("JPEG"))) == "jpg"


def test_the_content_type_follows_the_stored_extension():
    assert uploads.photo_content_type("ticket-photos/ab.webp") == "image/webp"
    assert uploads.photo_content_type("ticket-photos/ab.exe") == "application/octet-stream"
