"""The XMP packet a result carries: the photo's captions, keywords and people tags (what photo managers
write), less what the packet says of the black-and-white file itself.

That is: thumbnails of it (under both of Adobe's prefixes), its gray color mode, its pixel sizes and
orientation (the turn is applied), and Camera Raw's develop settings (Lightroom would apply a
black-and-white conversion to the colorized result). Packets come from untrusted files, so each step is
one pass in time linear in the packet: no pattern can run past the next '<' (XML allows none inside a
tag), and end tags are paired with their start tags by depth, never searched for.
"""

from __future__ import annotations

import re

OF_THE_FILE = (
    rb"(?:xmp|xap):Thumbnails|photoshop:ColorMode|exif:Pixel[XY]Dimension"
    rb"|tiff:(?:ImageWidth|ImageLength|Orientation)|crs:\w+"
)
_INSIDE_A_TAG = rb"""(?:[^<>"']|"[^"<]*"|'[^'<]*')*"""  # attributes, quoted values may hold '>'
_ELEMENT_TAG = re.compile(rb"<(/?)(" + OF_THE_FILE + rb")\b(" + _INSIDE_A_TAG + rb")>")
_START_TAG = re.compile(rb"<[A-Za-z_]" + _INSIDE_A_TAG + rb">")
_ATTRIBUTE = re.compile(rb"""\s(?:""" + OF_THE_FILE + rb""")\s*=\s*(?:"[^"<]*"|'[^'<]*')""")
_UTF16 = {b"\xff\xfe": "utf-16", b"\xfe\xff": "utf-16", b"<\x00": "utf-16-le", b"\x00<": "utf-16-be"}


def carried_xmp(packet: bytes) -> bytes | None:
    """The packet, in UTF-8 (as PNG, JPEG and WebP want it), less what describes the black-and-white file;
    None when there is nothing or it cannot be read as text."""
    if not packet:
        return None
    if encoding := _UTF16.get(packet[:2]):
        try:
            packet = packet.decode(encoding).encode("utf-8")
        except UnicodeError:
            return None
    return _START_TAG.sub(lambda tag: _ATTRIBUTE.sub(b"", tag.group()), _without_elements(packet))


def _without_elements(packet: bytes) -> bytes:
    """`packet` less the elements named in `OF_THE_FILE`, nested ones of the same name included; an element
    never closed is left as it is."""
    kept, position = [], 0
    cutting, depth, start = None, 0, 0
    for tag in _ELEMENT_TAG.finditer(packet):
        closing, name, self_closing = tag.group(1) == b"/", tag.group(2), tag.group(3).endswith(b"/")
        if cutting is None:
            if closing:
                continue  # a stray end tag
            kept.append(packet[position : tag.start()])
            position = tag.end()
            if not self_closing:
                cutting, depth, start = name, 1, tag.start()
        elif name == cutting and not self_closing:
            depth += -1 if closing else 1
            if depth == 0:
                cutting, position = None, tag.end()
    if cutting is not None:
        position = start  # never closed: kept whole
    return b"".join(kept) + packet[position:]
