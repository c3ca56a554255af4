"""QR codes as SVG data: URIs (the CSP's img-src allows data:), for the
volunteer's card and the procedures' printed sheets."""

from __future__ import annotations

import base64
import io

import segno


def qr_data_uri(text: str, scale: int = 6) -> str:
    """An SVG QR code of `text` as a data: URI."""
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="svg", scale=scale, border=2, xmldecl=False)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
