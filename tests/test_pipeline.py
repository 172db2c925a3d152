"""The Colorizer as other code uses it: sizes, batches, threads, swapped models, bad input."""

from __future__ import annotations

import threading

import cv2
import numpy as np
import pytest
import torch
from skimage import data as skdata
from skimage.color import rgb2lab
from torch import nn

from conftest import gradient_photo
from ddcolor import Colorizer
from ddcolor.hints import apply_hints
from ddcolor.images import decode_image, encode_image
from ddcolor.lab import fit_to_gamut, gray_lightness, to_bgr, to_lab, unit_float
from ddcolor.parallel import BAND_ROWS
from ddcolor.pipeline import DeviceOutOfMemoryError, compose, model_input, round_input_size
from ddcolor.resample import resize_unit_float
from ddcolor.saturation import saturate
from ddcolor.transfer import transfer_colors


class ConstantAB(nn.Module):
    """Predicts the same a and b everywhere: the result's hue is then known in advance."""

    def __init__(self, a: float, b: float) -> None:
        super().__init__()
        self.register_buffer("ab", torch.tensor([a, b]).view(1, 2, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.ab.expand(x.shape[0], 2, *x.shape[2:])


@pytest.mark.parametrize("shape", [(80, 120), (1, 1), (7, 300), (333, 45)])
def test_output_has_the_input_size_and_keeps_its_luminance(tiny_colorizer, shape):
    image = gradient_photo(*shape)
    out = tiny_colorizer.colorize(image)
    assert out.shape == (*shape, 3) and out.dtype == np.uint8
    l_in = cv2.cvtColor(image, cv2.COLOR_BGR2Lab)[:, :, 0].astype(int)
    l_out = cv2.cvtColor(out, cv2.COLOR_BGR2Lab)[:, :, 0].astype(int)
    assert np.median(np.abs(l_in - l_out)) <= 2


def test_gray_input_gets_exactly_the_result_of_its_bgr_copy(tiny_colorizer):
    gray = cv2.cvtColor(gradient_photo(40, 50), cv2.COLOR_BGR2GRAY)
    as_color = tiny_colorizer.colorize(cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR))
    assert np.array_equal(tiny_colorizer.colorize(gray), as_color)
    assert np.array_equal(tiny_colorizer.colorize(gray[:, :, None]), as_color)


@pytest.mark.parametrize(("height", "width", "size"), [(300, 400, 64), (37, 53, 64), (20, 30, 96), (1, 90, 32)])
@pytest.mark.parametrize("gray", [False, True])
def test_sparse_resize_equals_resizing_the_whole_float_photo(height, width, size, gray):
    image = np.random.default_rng(height).integers(0, 256, (height, width) if gray else (height, width, 3), np.uint8)
    expected = cv2.resize(unit_float(image), (size, size))  # what upstream computes
    assert np.abs(resize_unit_float(image, size) - expected).max() <= 1e-6


@pytest.mark.parametrize("gray", [False, True])
def test_composing_in_bands_equals_converting_the_whole_photo(gray):
    height = 2 * BAND_ROWS + 5  # three bands, the last one short
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (height, 70) if gray else (height, 70, 3), np.uint8)
    ab = rng.uniform(-60, 60, (2, height, 70)).astype(np.float32)
    lab = cv2.cvtColor(unit_float(cv2.cvtColor(image, cv2.COLOR_GRAY2BGR) if gray else image), cv2.COLOR_BGR2Lab)
    lab[:, :, 1:] = ab.transpose(1, 2, 0)
    assert np.array_equal(compose(image, ab), to_bgr(fit_to_gamut(lab)))


def test_colors_rgb_cannot_show_keep_their_lightness_and_hue_and_lose_no_more_chroma_than_needed():
    rng = np.random.default_rng(3)
    wanted = np.stack([rng.uniform(0, 100, 40_000), rng.uniform(-80, 80, 40_000), rng.uniform(-80, 80, 40_000)], axis=1)
    wanted = wanted.astype(np.float32).reshape(200, 200, 3)
    fitted = fit_to_gamut(wanted)
    shown = to_lab(to_bgr(fitted))
    assert np.abs(shown[..., 0] - wanted[..., 0]).max() < 1.0  # 8-bit rounding and the tolerance of 0.5
    moved = np.any(fitted != wanted, axis=2)
    assert 0.3 < moved.mean() < 0.95
    scale = np.hypot(*fitted[moved][:, 1:].T) / np.hypot(*wanted[moved][:, 1:].T)
    assert np.allclose(fitted[moved][:, 1:], scale[:, None] * wanted[moved][:, 1:], atol=1e-3)  # the same hue
    # At the gamut's edge: with 5% more chroma nearly all of them would come back from RGB another color
    # (shrunk by steps of 0.7, as before, 61% did).
    beyond = fitted[moved] * np.array([1.0, 1.05, 1.05], np.float32)
    round_trip = cv2.cvtColor(cv2.cvtColor(beyond[:, None], cv2.COLOR_Lab2BGR), cv2.COLOR_BGR2Lab)[:, 0]
    assert (np.abs(round_trip - beyond).max(axis=1) > 0.3).mean() > 0.9


def test_a_vivid_model_color_on_dark_and_bright_pixels_keeps_the_photos_lightness():
    """Clipped in RGB, as upstream does, a vivid color at a dark or bright pixel comes back lighter or darker."""
    ramp = np.tile(np.arange(256, dtype=np.uint8), (8, 1))
    lightness = to_lab(cv2.cvtColor(ramp, cv2.COLOR_GRAY2BGR))[..., :1]
    colorizer = Colorizer(ConstantAB(60.0, 45.0), input_size=64, device="cpu")
    out = colorizer.colorize(ramp)
    assert np.abs(to_lab(out)[..., 0] - lightness[..., 0]).max() < 1.0  # 8-bit rounding and the tolerance of 0.5
    clipped = to_bgr(np.dstack([lightness, np.full((8, 256, 2), (60.0, 45.0), np.float32)]))
    assert np.abs(to_lab(clipped)[..., 0] - lightness[..., 0]).max() > 10
    assert np.array_equal(colorizer.colorize(ramp, upsample="nearest"), clipped)  # the official pipeline's parity
    a, b = to_lab(out)[4, 128, 1:]
    assert a > 40 and b > 25, (a, b)  # where RGB shows the color, it is there


def exact_lab(bgr: np.ndarray) -> np.ndarray:
    """Lab by the exact formulas (scikit-image's, in float64), fine enough to see 16-bit tones."""
    unit = bgr.astype(np.float64) / np.iinfo(bgr.dtype).max
    return rgb2lab(np.dstack((unit, unit, unit)) if unit.ndim == 2 else unit[:, :, ::-1])


@pytest.mark.parametrize("gray", [True, False])
def test_a_sixteen_bit_scan_comes_back_at_sixteen_bits_with_its_own_lightness(gray):
    """A smooth 16-bit scan: at 8 bits its tones band (the result's L up to about 0.5 off); joined to its own
    16-bit lightness at the end, the result keeps it to the 16-bit rounding and takes the colors made."""
    rows, columns = np.mgrid[0:96, 0:128]
    tones = 13_000 + 200 * columns + 60 * rows  # L from about 25 to 70
    scan = tones.astype(np.uint16) if gray else np.dstack((tones, tones + 300, tones - 200)).astype(np.uint16)
    photo = decode_image(cv2.imencode(".png", scan)[1].tobytes())
    assert photo.deep is not None and np.array_equal(photo.deep, scan)
    colorizer = Colorizer(ConstantAB(25.0, 40.0), input_size=64, device="cpu")

    result = colorizer.colorize_photo(photo)
    written = cv2.imdecode(np.frombuffer(encode_image(result, "png"), np.uint8), cv2.IMREAD_UNCHANGED)
    assert written.dtype == np.uint16 and written.shape == (96, 128, 3)
    assert np.abs(exact_lab(written)[..., 0] - exact_lab(scan)[..., 0]).max() < 0.01
    assert np.abs(exact_lab(result.pixels)[..., 0] - exact_lab(scan)[..., 0]).max() > 0.3  # what 8 bits keep
    assert np.abs(exact_lab(written)[..., 1:] - exact_lab(result.pixels)[..., 1:]).mean() < 0.5  # the same colors
    assert np.median(exact_lab(written)[..., 1:], axis=(0, 1)) == pytest.approx((25.0, 40.0), abs=3)
    for output_format in ("jpg", "webp"):  # they hold 8 bits: the 8-bit result
        assert cv2.imdecode(np.frombuffer(encode_image(result, output_format), np.uint8), -1).dtype == np.uint8
    eight_bits = colorizer.colorize_photo(photo, sixteen_bits=False)  # for them, the 16-bit join is not made
    assert eight_bits.deep is None and np.array_equal(eight_bits.pixels, result.pixels)


def test_post_steps_in_a_row_keep_the_photos_lightness(tiny_colorizer):
    """Each post-step rounds to 8-bit BGR: a reference, hints and saturation 2 in a row took L up to 1.6 from
    the photo's; the result is joined to the photo's own L once more at the end."""
    gray = cv2.cvtColor(cv2.cvtColor(skdata.chelsea(), cv2.COLOR_RGB2BGR), cv2.COLOR_BGR2GRAY)
    reference = cv2.cvtColor(skdata.astronaut(), cv2.COLOR_RGB2BGR)
    hints = np.zeros((*gray.shape, 4), np.uint8)
    hints[100:140, 100:160] = (40, 200, 240, 255)
    result = tiny_colorizer.colorize(gray, hints=hints, input_size=64, reference=reference, saturation=2.0)
    photo_l = cv2.LUT(gray, gray_lightness())
    assert np.abs(to_lab(result)[:, :, 0] - photo_l).max() < 0.65  # as after the model alone
    chained = saturate(
        apply_hints(transfer_colors(tiny_colorizer.colorize(gray, input_size=64), reference), hints), 2.0
    )
    assert np.abs(to_lab(chained)[:, :, 0] - photo_l).max() > 0.65  # what rounding after each step gives


def test_model_is_looked_up_at_call_time():
    colorizer = Colorizer(ConstantAB(0.0, 0.0), input_size=64, device="cpu")
    gray = np.full((30, 40, 3), 128, np.uint8)
    assert np.abs(colorizer.colorize(gray).astype(int) - 128).max() <= 1
    colorizer.model = ConstantAB(60.0, 0.0)  # strongly red-magenta
    b, g, r = colorizer.colorize(gray)[15, 20].astype(int)
    assert r > g + 40 and r > b


def test_smooth_modes_clamp_ab_to_the_valid_range():
    colorizer = Colorizer(ConstantAB(-180.0, 0.0), input_size=64, device="cpu")
    gray = np.full((20, 20, 3), 128, np.uint8)
    clamped = colorizer.colorize(gray, upsample="bilinear")
    at_limit = Colorizer(ConstantAB(-128.0, 0.0), input_size=64, device="cpu").colorize(gray, upsample="bilinear")
    assert np.array_equal(clamped, at_limit)


def test_batch_equals_one_by_one(tiny_colorizer):
    images = [gradient_photo(48, 64, seed) for seed in range(3)] + [gradient_photo(90, 30, 7)]
    batched = tiny_colorizer.colorize_batch(images, batch_size=3)
    for image, result in zip(images, batched, strict=True):
        assert np.abs(result.astype(int) - tiny_colorizer.colorize(image).astype(int)).max() <= 1


def test_two_threads_colorizing_at_once_get_their_own_results(tiny_colorizer):
    images = [gradient_photo(64, 64, seed) for seed in (1, 2)]
    expected = [tiny_colorizer.colorize(image) for image in images]
    results: dict[int, list[np.ndarray]] = {0: [], 1: []}

    def work(index: int) -> None:
        for _ in range(3):
            results[index].append(tiny_colorizer.colorize(images[index]))

    threads = [threading.Thread(target=work, args=(i,)) for i in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for index in (0, 1):
        for result in results[index]:
            assert np.abs(result.astype(int) - expected[index].astype(int)).max() <= 1
    assert not np.array_equal(expected[0], expected[1])


def colorize_on_new_threads(colorizer: Colorizer, photo: np.ndarray, count: int) -> list[np.ndarray]:
    """`photo` colorized `count` times, each on a new thread, as Cog runs its requests."""
    results = []
    for _ in range(count):
        request = threading.Thread(target=lambda: results.append(colorizer.colorize(photo)))
        request.start()
        request.join()
    return results


def test_every_model_call_runs_on_one_thread_whichever_thread_asks(tiny_checkpoint):
    """Cog warms up on its main thread and predicts on others; cuDNN's chosen algorithms are kept
    per thread, so the warm-up and every request must share one."""
    colorizer = Colorizer.from_checkpoint(tiny_checkpoint, model_size="tiny", input_size=64, device="cpu")
    model_threads: list[int] = []
    colorizer.model.register_forward_pre_hook(lambda *_: model_threads.append(threading.get_ident()))
    photo = gradient_photo(48, 64)
    expected = colorizer.colorize(photo)
    results = colorize_on_new_threads(colorizer, photo, 2)
    assert len(model_threads) == 3 and len(set(model_threads)) == 1
    assert model_threads[0] != threading.get_ident()
    assert all(np.array_equal(result, expected) for result in results)


def test_model_runs_at_any_size_divisible_by_32(tiny_colorizer):
    with torch.inference_mode():
        assert tiny_colorizer.model(torch.rand(2, 3, 64, 96)).shape == (2, 2, 64, 96)
        with pytest.raises(ValueError, match="divisible by 32"):
            tiny_colorizer.model(torch.rand(1, 3, 64, 80))


def test_input_size_can_change_per_call(tiny_colorizer):
    image = gradient_photo(50, 70)
    assert tiny_colorizer.colorize(image, input_size=96).shape == (50, 70, 3)
    with pytest.raises(ValueError, match="multiple of 32"):
        tiny_colorizer.colorize(image, input_size=100)
    assert round_input_size(100) == 96 and round_input_size(500) == 512 and round_input_size(3) == 32
    assert round_input_size(272) == 288 and round_input_size(304) == 320  # halfway goes up, both times


@pytest.mark.parametrize(
    ("image", "message"),
    [
        (np.zeros((0, 5, 3), np.uint8), "empty"),
        (np.zeros((5, 5, 3), np.float32), "uint8"),
        (np.zeros((5, 5, 2), np.uint8), r"\(H, W, 3\)"),
        ("photo.jpg", "numpy array"),
    ],
)
def test_bad_arrays_are_refused_clearly(tiny_colorizer, image, message):
    with pytest.raises(ValueError, match=message):
        tiny_colorizer.colorize(image)


def test_unknown_upsample_mode_is_refused(tiny_colorizer):
    with pytest.raises(ValueError, match="nearest, bilinear, bicubic"):
        tiny_colorizer.colorize(gradient_photo(10, 10), upsample="lanczos")


class RunsOutOfMemoryOnce(nn.Module):
    """The real model, except that its first call fails as a full GPU would."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model, self.failed = model, False

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.failed:
            self.failed = True
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return self.model(x)


def test_out_of_memory_is_a_clear_error_and_the_next_call_works(tiny_colorizer):
    colorizer = Colorizer(RunsOutOfMemoryOnce(tiny_colorizer.model), input_size=64, device="cpu")
    photo = gradient_photo(40, 50)
    with pytest.raises(DeviceOutOfMemoryError, match=r"ran out of memory .* input_size 64; try a smaller input_size"):
        colorizer.colorize(photo)
    assert colorizer.colorize(photo).shape == photo.shape


def bf16_relative_error(colorizer: Colorizer, photo: np.ndarray) -> float:
    """Mean |ab(bf16) - ab(fp32)| relative to the mean |ab|: synthetic weights give small ab."""
    batch = torch.from_numpy(model_input(photo, colorizer.input_size))[None]
    full = Colorizer(colorizer.model, input_size=colorizer.input_size, device=colorizer.device, precision="fp32")
    half = Colorizer(colorizer.model, input_size=colorizer.input_size, device=colorizer.device, precision="bf16")
    reference, reduced = full.predict_ab(batch), half.predict_ab(batch)
    return float((reduced - reference).abs().mean() / reference.abs().mean())


def test_bf16_autocast_stays_close_to_fp32_on_the_cpu(tiny_colorizer):
    assert 0 < bf16_relative_error(tiny_colorizer, gradient_photo(80, 100)) < 0.02  # 0: bf16 never ran


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
def test_bf16_on_the_gpu_stays_close_to_fp32(large_checkpoint):
    colorizer = Colorizer.from_checkpoint(large_checkpoint, model_size="large", device="cuda")
    assert colorizer.precision == "bf16" and colorizer.warm_up() > 0
    assert 0 < bf16_relative_error(colorizer, gradient_photo(600, 800)) < 0.02


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
def test_on_the_gpu_the_same_photo_gets_the_same_colors_whichever_thread_asks(tiny_checkpoint):
    # cuDNN's chosen algorithms are kept per thread; from three new threads the same call differed by a
    # level in about 130 values of 57,600 on an H100, before every call went through one thread.
    colorizer = Colorizer.from_checkpoint(tiny_checkpoint, model_size="tiny", input_size=256, device="cuda")
    colorizer.warm_up()
    photo = gradient_photo(120, 160)
    expected = colorizer.colorize(photo)
    results = colorize_on_new_threads(colorizer, photo, 3)
    assert all(np.array_equal(result, expected) for result in results)


def test_unknown_precision_is_refused(tiny_colorizer):
    with pytest.raises(ValueError, match=r"precision must be one of .*, got 'fp16'"):
        Colorizer(tiny_colorizer.model, device="cpu", precision="fp16")
