"""Color profiles (ICC): a reference's colors read as they look, a photo's tones kept as they look.

The same pixel values look different under different profiles: a phone's photo is often Display P3, a
scan Adobe RGB or Photoshop's "Dot Gain 20%" gray. The pipeline works on pixel values and keeps the
photo's lightness exactly; its colors are sRGB's (the model's, and a reference's, converted to sRGB
first). So the result carries a profile made of the two: the photo profile's own gray tones, and sRGB's
primaries. Its grays look as the photo's did, and its colors as they were made: kept under an Adobe RGB
profile, a reference's colors would show 16% more saturated than they are. A profile that cannot be
read or used is dropped: the pixels are never lost over it.
"""

from __future__ import annotations

import io
import struct

import numpy as np
from PIL import Image, ImageCms

from ddcolor.lab import linear_light

# sRGB's primaries as ICC matrix profiles state them (adapted to the D50 connection space; they sum to D50).
_SRGB_COLORANTS = {
    b"rXYZ": (0.4360747, 0.2225045, 0.0139322),
    b"gXYZ": (0.3850649, 0.7168786, 0.0971045),
    b"bXYZ": (0.1430804, 0.0606169, 0.7141733),
}
_D50 = (0.9642, 1.0, 0.8249)


def _read(icc: bytes | None) -> ImageCms.ImageCmsProfile | None:
    if not icc:
        return None
    try:
        return ImageCms.ImageCmsProfile(io.BytesIO(icc))
    except (OSError, ValueError, TypeError, ImageCms.PyCMSError):
        return None


def _space(profile: ImageCms.ImageCmsProfile) -> str:
    """The color space the profile declares: "RGB", "GRAY", "CMYK", ..."""
    return profile.profile.xcolor_space.strip()


def _is_srgb(profile: ImageCms.ImageCmsProfile) -> bool:
    return ImageCms.getProfileDescription(profile).strip().lower().startswith("srgb")


def to_srgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    """An RGB `image` as sRGB, converted through its profile; unchanged without a usable RGB one."""
    profile = _read(icc)
    if profile is None or _space(profile) != "RGB" or _is_srgb(profile):
        return image
    try:
        return ImageCms.profileToProfile(
            image,
            profile,
            ImageCms.createProfile("sRGB"),
            renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
            outputMode="RGB",
        )
    except (OSError, ValueError, ImageCms.PyCMSError):  # a profile lcms reads but cannot transform with
        return image


def output_profile(icc: bytes | None) -> bytes | None:
    """The profile to embed in an RGB result made from a photo with profile `icc`: sRGB's primaries with
    the tone curve of the photo profile's grays (gray or RGB); None (plain sRGB) for an sRGB photo, one
    without a profile, or one whose profile cannot be read or used."""
    profile = _read(icc)
    if profile is None or _is_srgb(profile):
        return None
    space = _space(profile)
    if space not in ("GRAY", "RGB"):
        return None
    try:
        tones = _gray_tones(profile, "L" if space == "GRAY" else "RGB")
    except (OSError, ValueError, ImageCms.PyCMSError):  # opened, yet lcms cannot transform with it
        return None
    if not np.all(np.diff(tones) >= 0) or tones[-1] <= tones[0]:  # not a usable tone scale
        return None
    description = f"{ImageCms.getProfileDescription(profile).strip()} tones, sRGB primaries"
    return _rgb_profile_with_tones(tones, description=description)


def _gray_tones(profile: ImageCms.ImageCmsProfile, mode: str) -> np.ndarray:
    """Relative luminance Y (0..1) of each of the 256 gray levels under `profile` (level v: v in every
    channel of `mode`), as lcms renders them: any kind of profile, curve or table, printer or display, is
    read the same way."""
    linear_gray = ImageCms.ImageCmsProfile(io.BytesIO(_profile_bytes(b"GRAY", {b"kTRC": _curve(None)})))
    levels = Image.fromarray(np.arange(256, dtype=np.uint8).reshape(1, 256), "L").convert(mode)
    luminance = ImageCms.profileToProfile(
        levels,
        profile,
        linear_gray,
        renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
        outputMode="I;16",
    )
    return np.asarray(luminance, dtype=np.float64).reshape(256) / 65535.0


def _rgb_profile_with_tones(
    luminance: np.ndarray | None, *, description: str, colorants: dict[bytes, tuple[float, float, float]] | None = None
) -> bytes:
    curve = _curve(luminance)
    tags = {b"rTRC": curve, b"gTRC": curve, b"bTRC": curve}
    tags.update({name: _xyz(xyz) for name, xyz in (colorants or _SRGB_COLORANTS).items()})
    tags[b"desc"] = _description(description[:200])
    return _profile_bytes(b"RGB ", tags)


# How an nclx box (HEIC's way to name its colors without an ICC profile) codes its transfer (ITU-T H.273).
_SRGB_TRANSFER, _LINEAR_TRANSFER, _BT709_TRANSFERS = 13, 8, (1, 6, 14, 15)
# Bradford's cone response matrix, to carry colorants from their white (D65) to ICC's D50.
_BRADFORD = np.array([[0.8951, 0.2664, -0.1614], [-0.7502, 1.7135, 0.0367], [0.0389, -0.0685, 1.0296]])


def profile_from_nclx(nclx: dict | None) -> bytes | None:
    """An ICC profile for colors an nclx box names (a HEIC's Display P3 or BT.2020, from a phone): its
    primaries and white, and its transfer when it is sRGB's, BT.709's or linear. None for sRGB itself, and
    for what it cannot say (HDR transfers, missing fields): those are read as sRGB."""
    try:
        chromaticities = [
            (float(nclx[f"color_primary_{name}_x"]), float(nclx[f"color_primary_{name}_y"]))
            for name in ("red", "green", "blue", "white")
        ]
        transfer = int(nclx["transfer_characteristics"])
    except (TypeError, KeyError, ValueError):
        return None
    if int(nclx.get("color_primaries", 0)) == 1 and transfer == _SRGB_TRANSFER:
        return None
    levels = np.linspace(0.0, 1.0, 1024)
    if transfer == _SRGB_TRANSFER:
        tones = linear_light(levels)
    elif transfer in _BT709_TRANSFERS:
        tones = np.where(levels < 0.081, levels / 4.5, ((levels + 0.099) / 1.099) ** (1 / 0.45))
    elif transfer == _LINEAR_TRANSFER:
        tones = None
    else:
        return None
    colorants = _d50_colorants(chromaticities)
    if colorants is None:
        return None
    description = f"nclx primaries {nclx.get('color_primaries')}, transfer {transfer}"
    return _rgb_profile_with_tones(tones, description=description, colorants=colorants)


def _d50_colorants(chromaticities: list[tuple[float, float]]) -> dict[bytes, tuple[float, float, float]] | None:
    """The rXYZ, gXYZ, bXYZ of primaries (x, y) with their white, adapted to D50 as ICC states them."""
    xyz = np.array([[x / y, 1.0, (1 - x - y) / y] for x, y in chromaticities]).T  # columns: r, g, b, white
    if not np.all(np.isfinite(xyz)) or abs(np.linalg.det(xyz[:, :3])) < 1e-6:
        return None
    scale = np.linalg.solve(xyz[:, :3], xyz[:, 3])  # each primary's share of the white
    to_white = xyz[:, :3] * scale
    cones_from, cones_to = _BRADFORD @ xyz[:, 3], _BRADFORD @ np.array(_D50)
    adapt = np.linalg.inv(_BRADFORD) @ np.diag(cones_to / cones_from) @ _BRADFORD
    columns = adapt @ to_white
    return {name: tuple(columns[:, index]) for index, name in enumerate((b"rXYZ", b"gXYZ", b"bXYZ"))}


def _curve(values: np.ndarray | None) -> bytes:
    """An ICC curveType: `values` (0..1) sampled evenly over the input range; None for the identity."""
    if values is None:
        return b"curv" + bytes(4) + struct.pack(">I", 0)
    table = np.clip(np.round(values * 65535.0), 0, 65535).astype(">u2")
    return b"curv" + bytes(4) + struct.pack(">I", len(table)) + table.tobytes()


def _xyz(xyz: tuple[float, float, float]) -> bytes:
    return b"XYZ " + bytes(4) + struct.pack(">3i", *(round(value * 65536) for value in xyz))


def _description(text: str) -> bytes:
    """An ICC v2 textDescriptionType (the ASCII part; empty Unicode and ScriptCode parts)."""
    ascii_text = text.encode("ascii", "replace") + b"\0"
    return b"desc" + bytes(4) + struct.pack(">I", len(ascii_text)) + ascii_text + bytes(4 + 4 + 2 + 1 + 67)


def _profile_bytes(space: bytes, tags: dict[bytes, bytes]) -> bytes:
    """A version 2.1 display profile of color space `space` with `tags` (and a D50 white point)."""
    tags = {b"wtpt": _xyz(_D50), b"cprt": b"text" + bytes(4) + b"No copyright, use freely\0", **tags}
    if b"desc" not in tags:
        tags[b"desc"] = _description("ddcolor")
    table_size = 4 + 12 * len(tags)
    offset, entries, data = 128 + table_size, [], b""
    for name, payload in tags.items():
        entries.append(struct.pack(">4sII", name, offset + len(data), len(payload)))
        data += payload + bytes(-len(payload) % 4)
    size = offset + len(data)
    header = struct.pack(
        ">I4sI4s4s4s12s4s4sI4s4s8sI3i4s16s28s",
        size,
        b"lcms",
        0x02100000,
        b"mntr",
        space,
        b"XYZ ",
        bytes(12),
        b"acsp",
        bytes(4),
        0,
        bytes(4),
        bytes(4),
        bytes(8),
        0,
        *(round(value * 65536) for value in _D50),
        bytes(4),
        bytes(16),
        bytes(28),
    )
    return header + struct.pack(">I", len(tags)) + b"".join(entries) + data
