"""Uploaded images: checked by decoding, re-encoded without metadata, stored
under instance/uploads with random names."""

import secrets
from io import BytesIO
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}


class ImageRejected(ValueError):
    """The message is shown next to the file field."""


def save_image(upload, *, max_bytes: int, max_side: int, prefix: str = "img", lossless: bool = False) -> str:
    """Store an uploaded JPEG, PNG or WebP and return its file name.

    The stored file is a fresh encoding of the decoded pixels, so EXIF (GPS
    positions from phones) and anything smuggled after the image are gone.
    Photos become JPEG; images with transparency, or `lossless` ones such as
    logos, become PNG.
    """
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ImageRejected(_l("The image is too large (at most %(size)s MB).", size=round(max_bytes / 1048576, 1)))
    try:
        with Image.open(BytesIO(data)) as probe:
            image_format = probe.format
            probe.verify()
        if image_format not in ALLOWED_FORMATS:
            raise ImageRejected(_l("Please choose a JPEG, PNG or WebP image."))
        image = Image.open(BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise ImageRejected(_l("This file is not an image we can read. Please choose a JPEG, PNG or WebP image."))
    image.thumbnail((max_side, max_side))
    if lossless or image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        extension, save_as, options = "png", "PNG", {"optimize": True}
    else:
        image = image.convert("RGB")
        extension, save_as, options = "jpg", "JPEG", {"quality": 82, "optimize": True}
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{prefix}-{secrets.token_urlsafe(12)}.{extension}"
    image.save(folder / name, save_as, **options)
    return name
