"""Uploaded images: checked from their header, decoded once, re-encoded without
metadata, stored under instance/uploads with random names.

An image is refused from its header, before a pixel is decompressed, when it
has more than `MAX_PIXELS`: a PNG of a few hundred KB can hold 13,376 × 13,376
pixels, 716 MB once decoded. 25 million pixels is more than any cover or logo
needs (the largest kept is 1200 px wide) and takes in a 24-megapixel camera's
6000 × 4000 photo; a 48-megapixel phone photo must be made smaller first.
"""

import secrets
from io import BytesIO
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_PIXELS = 25_000_000
# Pillow's own guard, for any image the site opens: it warns above this and
# refuses above twice this, from the header too.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


class ImageRejected(ValueError):
    """The message is shown next to the file field."""


def _too_many_pixels() -> ImageRejected:
    return ImageRejected(_l(
        "The image has too many pixels: at most %(millions)s million (for example 6000 × 4000). "
        "Please make it smaller and upload it again.",
        millions=MAX_PIXELS // 1_000_000,
    ))


def _not_readable() -> ImageRejected:
    return ImageRejected(_l("This file is not an image we can read. Please choose a JPEG, PNG or WebP image."))


def _decode(upload, max_bytes: int) -> Image.Image:
    """The upload's pixels, after its size in bytes, its format and its size in
    pixels were checked; Image.open reads the header only, load() decodes."""
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ImageRejected(_l("The image is too large (at most %(size)s MB).", size=round(max_bytes / 1048576, 1)))
    try:
        image = Image.open(BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # The warning is an exception only where warnings are errors (the tests).
        raise _too_many_pixels() from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise _not_readable() from None
    if image.format not in ALLOWED_FORMATS:
        raise ImageRejected(_l("Please choose a JPEG, PNG or WebP image."))
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise _too_many_pixels()
    try:
        image.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise _not_readable() from None
    return image


def _decoded(upload, max_bytes: int) -> Image.Image:
    """Decode an upload once, however many sizes are saved from it (a cover and
    its thumbnail): the pixels are kept on the upload for the request."""
    image = getattr(upload, "wardsite_decoded_image", None)
    if image is None:
        image = _decode(upload, max_bytes)
        try:
            upload.wardsite_decoded_image = image
        except AttributeError:  # an object that takes no attribute: decoded again next time
            pass
    return image


def _fit(image: Image.Image, max_side: int) -> Image.Image:
    """A smaller copy within max_side × max_side (never larger); the original is kept."""
    width, height = image.size
    scale = max_side / max(width, height)
    if scale >= 1:
        return image
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def save_image(upload, *, max_bytes: int, max_side: int, prefix: str = "img", lossless: bool = False) -> str:
    """Store an uploaded JPEG, PNG or WebP and return its file name.

    The stored file is a fresh encoding of the decoded pixels, so EXIF (GPS
    positions from phones) and anything smuggled after the image are gone.
    Photos become JPEG; images with transparency, or `lossless` ones such as
    logos, become PNG.
    """
    image = _decoded(upload, max_bytes)
    if lossless or image.mode in ("RGBA", "LA", "P", "PA"):
        mode, extension, save_as, options = "RGBA", "png", "PNG", {"optimize": True}
    else:
        mode, extension, save_as, options = "RGB", "jpg", "JPEG", {"quality": 82, "optimize": True}
    # Converted before resizing: a palette image would otherwise be resized without smoothing.
    image = _fit(image if image.mode == mode else image.convert(mode), max_side)
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{prefix}-{secrets.token_urlsafe(12)}.{extension}"
    image.save(folder / name, save_as, **options)
    return name
