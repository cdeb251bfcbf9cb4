"""A customer's photo upload (a return's, a service ticket's): the one rule for what is accepted.

A photo is accepted by what it is, not by what it claims: Pillow reads the content and names the
format, and only JPEG, PNG and WebP pass; the stored file takes the extension of the format
found, so a renamed program is never served as an image. The name the person gave is only
kept for display, and must be a plain file name (no folders, no control characters, not
overlong, an image's extension). At most 5 MB.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_NAME_MAX_LENGTH = 100
# What Pillow finds by reading the file → the extension the stored file gets.
PHOTO_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
PHOTO_CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
# The extensions a photo's own name may end with (phones say .jpeg as often as .jpg).
PHOTO_NAME_EXTENSIONS = {"jpg", "jpeg", "png", "webp"}


def validate_photo_name(name: str) -> str:
    """The upload's name as given, if it is a plain image file name; ValidationError otherwise."""
    name = name or ""
    if not name.strip() or len(name) > PHOTO_NAME_MAX_LENGTH:
        raise ValidationError(
            _("The photo's file name must be 1 to %(max)s characters long."),
            code="bad_name",
            params={"max": PHOTO_NAME_MAX_LENGTH},
        )
    if any(char in name for char in "/\\") or name.startswith(".") or ".." in name:
        raise ValidationError(_("The photo's file name may not name a folder."), code="bad_name")
    if any(unicodedata.category(char).startswith("C") for char in name):
        raise ValidationError(_("The photo's file name contains characters that are not allowed."), code="bad_name")
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in PHOTO_NAME_EXTENSIONS:
        raise ValidationError(_("The photo's file name must end in .jpg, .jpeg, .png or .webp."), code="bad_name")
    return name


def validate_photo(upload) -> str:
    """The upload's true type ("jpg", "png", "webp") found by reading it, not by its name;
    anything else, anything over 5 MB, or a name that is not a plain image file name is refused
    (ValidationError)."""
    if upload.size > PHOTO_MAX_BYTES:
        raise ValidationError(_("The photo is larger than 5 MB."), code="too_large")
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            found = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise ValidationError(_("Send a JPEG, PNG or WebP photo."), code="not_an_image") from error
    finally:
        upload.seek(0)
    if found not in PHOTO_FORMATS:
        raise ValidationError(_("Send a JPEG, PNG or WebP photo."), code="not_an_image")
    validate_photo_name(getattr(upload, "name", ""))
    return PHOTO_FORMATS[found]


def photo_content_type(stored_name: str) -> str:
    """The content type of a photo stored under the extension `validate_photo` found."""
    extension = stored_name.rsplit(".", 1)[-1]
    return PHOTO_CONTENT_TYPES.get(extension, "application/octet-stream")
