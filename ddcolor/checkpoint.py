"""Reading released DDColor checkpoints: the one place that knows the official key layout.

Released files (`ddcolor_modelscope.pth`, `ddcolor_paper_tiny.pth`, ...) are `{'params': state}`
or a bare state dict in the layout of upstream's `DDColor` module. Loading them:

1. read without unpickling code (`torch.load(weights_only=True)`, or safetensors);
2. drop `encoder.arch.head_cls.*`, a classifier head older training code left in some files;
3. fold spectral norm into plain conv weights with the stored u and v (exact in eval mode);
4. rename official keys onto this package's modules (`OFFICIAL_KEY_RULES`);
5. check every key and shape against the model and fail loudly on any difference.

The result is cached as `<name>.safetensors` beside the `.pth`, so later loads are a memory map
with no unpickling and no folding.
"""

from __future__ import annotations

import logging
import os
import re
import stat
import tempfile
from collections.abc import Mapping
from pathlib import Path

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file, save_file

from ddcolor.network import DDColor, get_config, skipping_weight_init

log = logging.getLogger(__name__)

CACHE_FORMAT = "ddcolor-folded-v1"
IGNORED_OFFICIAL_PREFIXES = ("encoder.arch.head_cls.",)

# Official key -> this package's key, applied in order (all that match, not just the first).
OFFICIAL_KEY_RULES: tuple[tuple[str, str], ...] = (
    (r"^encoder\.arch\.norm([0-3])\.", r"encoder.stage_norms.\1."),
    (r"^encoder\.arch\.norm\.", "encoder.convnext.head.norm."),
    (r"^encoder\.arch\.downsample_layers\.0\.", "encoder.convnext.stem."),
    (r"^encoder\.arch\.downsample_layers\.([1-3])\.", r"encoder.convnext.stages.\1.downsample."),
    (r"^encoder\.arch\.stages\.(\d+)\.(\d+)\.", r"encoder.convnext.stages.\1.blocks.\2."),
    (r"\.dwconv\.", ".conv_dw."),
    (r"\.pwconv([12])\.", r".mlp.fc\1."),
    (
        r"^decoder\.color_decoder\.transformer_cross_attention_layers\.(\d+)\.multihead_attn\.",
        r"color_decoder.layers.\1.cross_attn.attn.",
    ),
    (r"^decoder\.color_decoder\.transformer_cross_attention_layers\.(\d+)\.", r"color_decoder.layers.\1.cross_attn."),
    (
        r"^decoder\.color_decoder\.transformer_self_attention_layers\.(\d+)\.self_attn\.",
        r"color_decoder.layers.\1.self_attn.attn.",
    ),
    (r"^decoder\.color_decoder\.transformer_self_attention_layers\.(\d+)\.", r"color_decoder.layers.\1.self_attn."),
    (r"^decoder\.color_decoder\.transformer_ffn_layers\.(\d+)\.", r"color_decoder.layers.\1.ffn."),
    (r"^decoder\.color_decoder\.", "color_decoder."),
    (r"^decoder\.", "pixel_decoder."),
    (r"^refine_net\.0\.0\.", "head."),
)
_COMPILED_RULES = tuple((re.compile(pattern), repl) for pattern, repl in OFFICIAL_KEY_RULES)


class CheckpointError(ValueError):
    """A checkpoint file that cannot be read or does not fit the model."""


def official_to_package_key(key: str) -> str:
    for pattern, repl in _COMPILED_RULES:
        key = pattern.sub(repl, key)
    return key


def is_official_layout(state: Mapping[str, torch.Tensor]) -> bool:
    return any(key.startswith(("encoder.arch.", "decoder.", "refine_net.")) for key in state)


def read_state_dict(path: Path) -> dict[str, torch.Tensor]:
    """Tensors of a `.pth` (`{'params': ...}` or bare) or `.safetensors` file, on the CPU."""
    path = Path(path)
    try:
        if path.suffix == ".safetensors":
            return load_file(path, device="cpu")
        loaded = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    except Exception as error:  # corrupt files and refused pickles surface as many exception types
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise CheckpointError(
            f"cannot read checkpoint {path}: {reason}. If it came from the hub, delete it and fetch it "
            "again with `python -m ddcolor download`"
        ) from error
    if isinstance(loaded, Mapping) and "params" in loaded:
        loaded = loaded["params"]
    if not isinstance(loaded, Mapping) or not all(isinstance(v, torch.Tensor) for v in loaded.values()):
        raise CheckpointError(f"{path} holds no DDColor state dict (expected tensors by name)")
    return dict(loaded)


def fold_spectral_norm(state: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Replace each `weight_orig`/`weight_u`/`weight_v` triple with the eval-mode weight.

    Eval-mode spectral norm divides by sigma = u . (W v) with the stored vectors and no power
    iteration, computed here with the same operations as torch, so the result is bit-identical.
    """
    folded = {k: v for k, v in state.items() if not k.endswith((".weight_orig", ".weight_u", ".weight_v"))}
    for key in state:
        if not key.endswith(".weight_orig"):
            continue
        stem = key[: -len("weight_orig")]
        try:
            weight, u, v = state[key], state[stem + "weight_u"], state[stem + "weight_v"]
        except KeyError as missing:
            raise CheckpointError(f"spectral-norm weight {key} has no {missing.args[0]}") from None
        sigma = torch.dot(u, torch.mv(weight.reshape(weight.shape[0], -1), v))
        folded[stem + "weight"] = weight / sigma
    return folded


def convert_official_state(state: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    kept = {k: v for k, v in state.items() if not k.startswith(IGNORED_OFFICIAL_PREFIXES)}
    return {official_to_package_key(k): v.contiguous() for k, v in fold_spectral_norm(kept).items()}


def detect_model_size(state: Mapping[str, torch.Tensor]) -> str | None:
    """Which variant a package-layout state dict holds, from its deepest encoder width."""
    norm = state.get("encoder.stage_norms.3.weight")
    if norm is None:
        return None
    for size in ("large", "tiny"):
        if get_config(size).encoder_dims[3] == norm.shape[0]:
            return size
    return None


def check_state_fits(state: Mapping[str, torch.Tensor], model: DDColor, *, source: Path) -> None:
    """Raise a `CheckpointError` naming every missing, unexpected or misshapen key."""
    expected = model.state_dict()
    held = detect_model_size(state)
    wanted = model.config.name
    if held is not None and held != wanted:
        raise CheckpointError(
            f"{source} holds the {held} DDColor model, but the {wanted} model was asked for; "
            f"pass model_size={held!r} or use the {wanted} checkpoint"
        )
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    misshapen = sorted(
        f"{k} (file {tuple(state[k].shape)}, model {tuple(expected[k].shape)})"
        for k in set(expected) & set(state)
        if state[k].shape != expected[k].shape
    )
    problems = []
    for label, keys in (("missing", missing), ("unexpected", unexpected), ("wrong shape", misshapen)):
        if keys:
            shown = ", ".join(keys[:8]) + (f", ... ({len(keys)} in all)" if len(keys) > 8 else "")
            problems.append(f"{label}: {shown}")
    if problems:
        raise CheckpointError(f"{source} does not fit the {wanted} DDColor model; " + "; ".join(problems))


def cache_path_for(checkpoint: Path) -> Path:
    return checkpoint.with_suffix(".safetensors")


def _source_stamp(checkpoint: Path) -> dict[str, str]:
    stat = checkpoint.stat()
    return {"format": CACHE_FORMAT, "source_size": str(stat.st_size), "source_mtime_ns": str(stat.st_mtime_ns)}


def _read_cache(cache: Path, checkpoint: Path, device: torch.device) -> dict[str, torch.Tensor] | None:
    """The cached state if the cache exists and was made from this very checkpoint file.

    safetensors memory-maps the file and places each tensor on `device` directly: no
    unpickling and no spectral-norm folding.
    """
    if not cache.exists():
        return None
    try:
        with safe_open(cache, framework="pt", device=str(device)) as handle:
            if (handle.metadata() or {}) != _source_stamp(checkpoint):
                log.info("safetensors cache %s is stale; rebuilding it from %s", cache, checkpoint.name)
                return None
            return {name: handle.get_tensor(name) for name in handle.keys()}  # noqa: SIM118 (not a dict)
    except (OSError, SafetensorError) as error:
        log.warning("safetensors cache %s is unreadable (%s); rebuilding it", cache, error)
        return None


def write_cache(state: Mapping[str, torch.Tensor], checkpoint: Path) -> Path | None:
    """Write the folded state beside `checkpoint` atomically; None where the folder is read-only.

    The cache takes the checkpoint's permissions: whoever may read the weights may read their cache (a
    temporary file is its owner's alone, and weights baked in as root would otherwise be unreadable to a
    server running as another user, which then unpickles the checkpoint at every start)."""
    cache = cache_path_for(checkpoint)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=cache.name + ".", suffix=".partial", dir=cache.parent)
    except OSError as error:
        log.info("not caching %s as safetensors: %s is not writable (%s)", checkpoint.name, cache.parent, error)
        return None
    os.close(fd)
    try:
        save_file(dict(state), tmp_name, metadata=_source_stamp(checkpoint))
        os.chmod(tmp_name, stat.S_IMODE(checkpoint.stat().st_mode))
        os.replace(tmp_name, cache)
    except OSError as error:
        log.info("not caching %s as safetensors: %s", checkpoint.name, error)
        Path(tmp_name).unlink(missing_ok=True)
        return None
    return cache


def load_package_state(
    path: Path, *, use_cache: bool = True, device: str | torch.device = "cpu"
) -> dict[str, torch.Tensor]:
    """The package-layout state for any accepted checkpoint file, via the cache when possible
    (read straight onto `device`; otherwise on the CPU)."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path} does not exist")
    if path.suffix != ".safetensors" and use_cache:
        cached = _read_cache(cache_path_for(path), path, torch.device(device))
        if cached is not None:
            return cached
    state = read_state_dict(path)
    if is_official_layout(state):
        state = convert_official_state(state)
    if path.suffix != ".safetensors" and use_cache:
        write_cache(state, path)
    return state


def load_model(path: Path, *, model_size: str, device: str | torch.device = "cpu", use_cache: bool = True) -> DDColor:
    """Build the `model_size` network and load `path` into it strictly, in eval mode."""
    config = get_config(model_size)
    state = load_package_state(Path(path), use_cache=use_cache, device=device)
    with torch.device("meta"), skipping_weight_init():  # every weight comes from the file
        model = DDColor(config=config)
    check_state_fits(state, model, source=Path(path))
    model.load_state_dict({k: v.to(device) for k, v in state.items()}, strict=True, assign=True)
    return model.eval().requires_grad_(False)
