"""bilateral.filter and bilateral.opencv against the command-line tool, byte for byte, and the
array handling around them: copies, out=, threads, the GIL, errors."""

import inspect
import math
import threading
import time
import tomllib
import tracemalloc

import cv2
import numpy as np
import pytest

import bilateral
from conftest import REPO, assert_same_bytes, cli_filter, convert, photo, variant, with_alpha

DTYPES = [np.uint8, np.uint16, np.float32]
LAYOUTS = ["gray", "gray-alpha", "rgb", "rgba"]


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda t: t.__name__)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_defaults_match_cli_on_photos(tmp_path, layout, dtype):
    img = variant(layout, dtype)
    assert_same_bytes(bilateral.filter(img), cli_filter(tmp_path, img))


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda t: t.__name__)
def test_radius_and_sigmas_match_cli(tmp_path, dtype):
    img = variant("rgb", dtype)
    full_scale = {np.uint8: 255, np.uint16: 65535, np.float32: 1}[dtype]
    sigma_range = 0.15 * full_scale
    ours = bilateral.filter(img, 4, 2.5, sigma_range)
    theirs = cli_filter(tmp_path, img, "-r", "4", "--sigma-space", "2.5", "--sigma-range", repr(sigma_range))
    assert_same_bytes(ours, theirs)


# Every option, each as the module spells it and as the CLI does.
OPTIONS = [
    (dict(window="disc"), ["--window", "disc"]),
    (dict(color="l1"), ["--color", "l1"]),
    (dict(color="per-channel"), ["--color", "per-channel"]),
    (dict(border="replicate"), ["--border", "replicate"]),
    (dict(border="reflect"), ["--border", "reflect"]),
    (dict(border="constant"), ["--border", "constant:0"]),
    (dict(border="constant", border_value=0.75), ["--border", "constant:0.75"]),
    (dict(border="constant:0.25"), ["--border", "constant:0.25"]),
    (dict(filter_alpha=True), ["--filter-alpha"]),
    (dict(iterations=3), ["--iterations", "3"]),
    (dict(iterations=0), ["--iterations", "0"]),
    (dict(radius=0), ["-r", "0"]),
    (dict(radius=6, sigma_space=3.0), ["-r", "6", "--sigma-space", "3"]),
    (dict(alpha=0.05), ["--alpha", "0.05"]),
    (dict(alpha=0.0), ["--alpha", "0"]),
    (dict(beta=20.0), ["--beta", "20"]),
    (dict(beta=0.0), ["--beta", "0"]),
    (dict(sigma_range=0.3, alpha=0.2), ["--sigma-range", "0.3", "--alpha", "0.2"]),
    (
        dict(radius=3, window="disc", color="l1", border="replicate", filter_alpha=True, iterations=2),
        ["-r", "3", "--window", "disc", "--color", "l1", "--border", "replicate", "--filter-alpha", "--iterations", "2"],
    ),
]


@pytest.mark.parametrize("kwargs, args", OPTIONS, ids=[" ".join(a) for _, a in OPTIONS])
def test_every_option_matches_cli(tmp_path, kwargs, args):
    # RGBA exercises alpha and the colour distances; f32 takes the fractional constants as they
    # are. A crop keeps the 19 CLI runs quick.
    img = variant("rgba", np.float32)[:160, :200].copy()
    assert_same_bytes(bilateral.filter(img, **kwargs), cli_filter(tmp_path, img, *args))


def test_options_change_the_result():
    """Guards the table above: an option silently ignored on both sides would still match."""
    img = variant("rgba", np.float32)[:160, :200].copy()
    base = bilateral.filter(img)
    for kwargs, _ in OPTIONS:
        assert not np.array_equal(bilateral.filter(img, **kwargs), base), kwargs


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda t: t.__name__)
def test_opencv_matches_cli(tmp_path, dtype):
    img = convert(photo("coffee"), dtype)
    sigma_color = {np.uint8: 40, np.uint16: 40 * 257, np.float32: 40 / 255}[dtype]
    ours = bilateral.opencv(img, 7, sigma_color, 5.0)
    theirs = cli_filter(
        tmp_path, img, "--preset", "opencv", "-d", "7", "--sigma-color", repr(sigma_color), "--sigma-space", "5"
    )
    assert_same_bytes(ours, theirs)
    ours = bilateral.opencv(img, 0, sigma_color, 2.0, border="replicate")
    theirs = cli_filter(
        tmp_path, img, "--preset", "opencv", "-d", "0", "--sigma-color", repr(sigma_color), "--sigma-space", "2",
        "--border", "replicate",
    )
    assert_same_bytes(ours, theirs)


def test_opencv_is_close_to_cv2():
    """OpenCV approximates its weights (a table per colour difference); this crate computes
    them exactly, so the two agree to within a level or two, not bit for bit."""
    img = photo("astronaut")
    ours = bilateral.opencv(img, 9, 75, 75).astype(int)
    theirs = cv2.bilateralFilter(img, 9, 75, 75).astype(int)
    diff = np.abs(ours - theirs)
    assert diff.max() <= 2 and diff.mean() < 0.2, (diff.max(), diff.mean())


def test_result_is_a_new_c_contiguous_array_of_the_same_dtype_and_shape():
    for layout in LAYOUTS:
        for dtype in DTYPES:
            img = variant(layout, dtype)[:40, :50]
            out = bilateral.filter(img)
            assert out.dtype == img.dtype and out.shape == img.shape
            assert out.flags.c_contiguous and out.flags.writeable and not np.shares_memory(out, img)
    one_channel = photo("camera")[:30, :40, None]
    assert bilateral.filter(one_channel).shape == (30, 40, 1)


@pytest.mark.parametrize(
    "view",
    [
        lambda a: a[:, ::2],
        lambda a: a[::3, 1::2],
        lambda a: a[::-1, ::-1],
        lambda a: a[37:300, 11:400],
        lambda a: a.transpose(1, 0, 2),
        lambda a: np.asfortranarray(a),
        lambda a: a[..., ::-1],
    ],
    ids=["cols-step-2", "rows-3-cols-2", "reversed", "crop", "transposed", "fortran", "bgr-to-rgb"],
)
def test_views_give_the_same_as_their_contiguous_copy(view):
    img = view(photo("astronaut"))
    assert_same_bytes(bilateral.filter(img, 3), bilateral.filter(np.ascontiguousarray(img), 3))


def test_unaligned_and_read_only_inputs():
    img = convert(photo("chelsea"), np.uint16)
    raw = bytearray(img.nbytes + 1)
    unaligned = np.frombuffer(raw, dtype=np.uint8, count=img.nbytes, offset=1).view(np.uint16).reshape(img.shape)
    unaligned[...] = img
    assert not unaligned.flags.aligned
    assert_same_bytes(bilateral.filter(unaligned), bilateral.filter(img))
    frozen = img.copy()
    frozen.flags.writeable = False
    assert_same_bytes(bilateral.filter(frozen), bilateral.filter(img))


def test_contiguous_input_is_read_in_place():
    """numpy reports its buffers to tracemalloc; the module's own result is allocated by Rust
    and is not traced. So a contiguous input costs no traced memory, and a strided one costs
    exactly its copy."""
    img = np.ascontiguousarray(variant("rgb", np.float32))
    strided = np.asfortranarray(img)

    def traced_peak(a):
        tracemalloc.start()
        try:
            bilateral.filter(a)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    assert traced_peak(img) < img.nbytes // 100
    assert traced_peak(strided) >= img.nbytes


def test_out_receives_the_result_and_is_returned():
    img = variant("rgba", np.uint16)
    out = np.empty_like(img)
    assert bilateral.filter(img, 3, out=out) is out
    assert_same_bytes(out, bilateral.filter(img, 3))
    assert bilateral.opencv(img, 5, 9000, 3, out=out) is out
    assert_same_bytes(out, bilateral.opencv(img, 5, 9000, 3))


@pytest.mark.parametrize("threads", [1, 2, 3, None])
def test_thread_count_does_not_change_the_bytes(threads):
    img = variant("rgb", np.float32)
    assert_same_bytes(bilateral.filter(img, 3, threads=threads), bilateral.filter(img, 3, threads=1))


def test_gil_is_released():
    """A Python thread counting in a loop advances during the call only if the GIL is free.
    With the GIL held it would get almost nothing: the counter reads within a few switch
    intervals (5 ms each) of the call's start and end."""
    img = np.random.default_rng(1).random((3000, 4000), dtype=np.float32)
    # Enough passes for the call to last about half a second however fast this machine is.
    start = time.perf_counter()
    bilateral.filter(img, 4, threads=1)
    passes = max(1, math.ceil(0.5 / (time.perf_counter() - start)))
    count, running = [0], threading.Event()

    def counter():
        running.set()
        while running.is_set():
            count[0] += 1

    thread = threading.Thread(target=counter)
    thread.start()
    running.wait()
    time.sleep(0.05)
    try:
        # Counting rate with the GIL shared between this (sleeping) thread and the counter.
        before = count[0]
        time.sleep(0.2)
        rate = (count[0] - before) / 0.2
        before, start = count[0], time.perf_counter()
        bilateral.filter(img, 4, iterations=passes, threads=1)
        elapsed = time.perf_counter() - start
        during = count[0] - before
    finally:
        running.clear()
        thread.join()
    assert elapsed > 0.2, "the image is too small to tell"
    # Held, the GIL would leave the counter a switch interval or two (5 ms each) of the call:
    # under 1%. Released, it counts at a good part of its full rate even on a loaded machine
    # (44% measured on 2 shared cores).
    assert during > 0.1 * rate * elapsed, (during, rate, elapsed)


def test_version_and_help():
    cargo = tomllib.loads((REPO / "python" / "Cargo.toml").read_text())
    assert bilateral.__version__ == cargo["package"]["version"]
    assert bilateral.MAX_RADIUS == 64
    sig = inspect.signature(bilateral.filter)
    assert list(sig.parameters)[:4] == ["img", "radius", "sigma_space", "sigma_range"]
    assert sig.parameters["window"].default == "square" and sig.parameters["threads"].default is None
    assert list(inspect.signature(bilateral.opencv).parameters)[:4] == ["img", "d", "sigma_color", "sigma_space"]
    for f in (bilateral.filter, bilateral.opencv):
        assert "GIL" in f.__doc__ or "filter()" in f.__doc__


def read_only_like(a):
    b = np.empty_like(a)
    b.flags.writeable = False
    return b


IMG = variant("rgb", np.uint8)[:20, :30].copy()
F32 = variant("rgb", np.float32)[:20, :30].copy()

ERRORS = [
    # dtype and type: TypeError
    (lambda: bilateral.filter(IMG.astype(np.float64)), TypeError, "dtype float64; supported: uint8, uint16, float32"),
    (lambda: bilateral.filter(IMG.astype(np.int16)), TypeError, "dtype int16"),
    (lambda: bilateral.filter(IMG.astype(">u2")), TypeError, "native byte order"),
    (lambda: bilateral.filter(IMG.tolist()), TypeError, "img must be a numpy.ndarray, not list"),
    (lambda: bilateral.filter(IMG, radius=2.5), TypeError, "integer"),
    (lambda: bilateral.filter(IMG, out=np.empty(IMG.shape, np.float32)), TypeError, "out must be an array of img's dtype uint8, got an array of dtype float32"),
    (lambda: bilateral.filter(IMG, out=[0]), TypeError, "got list"),
    # shape
    (lambda: bilateral.filter(IMG[0, 0]), ValueError, r"shape \(H, W\) or \(H, W, C\), got \[3\]"),
    (lambda: bilateral.filter(IMG[None]), ValueError, r"got \[1, 20, 30, 3\]"),
    (lambda: bilateral.filter(np.zeros((4, 4, 5), np.uint8)), ValueError, "5 channels are not supported"),
    (lambda: bilateral.filter(np.zeros((4, 4, 0), np.uint8)), ValueError, "0 channels are not supported"),
    (lambda: bilateral.filter(np.zeros((0, 4), np.uint8)), ValueError, r"the image is empty \(4x0\)"),
    (lambda: bilateral.filter(np.zeros((3, 0, 3), np.float32)), ValueError, r"the image is empty \(0x3\)"),
    # parameters
    (lambda: bilateral.filter(IMG, radius=-1), ValueError, "radius must be >= 0, got -1"),
    (lambda: bilateral.filter(IMG, radius=65), ValueError, "radius 65 is larger than the maximum 64"),
    (lambda: bilateral.filter(IMG, sigma_space=float("nan")), ValueError, "sigma_space must be finite and > 0, got NaN"),
    (lambda: bilateral.filter(IMG, sigma_space=0), ValueError, "sigma_space must be finite and > 0, got 0"),
    (lambda: bilateral.filter(IMG, sigma_range=-3), ValueError, "sigma_range must be finite and > 0, got -3"),
    (lambda: bilateral.filter(IMG, alpha=float("inf")), ValueError, "alpha must be finite and >= 0, got inf"),
    (lambda: bilateral.filter(IMG, beta=-1), ValueError, "beta must be finite and >= 0, got -1"),
    (lambda: bilateral.filter(IMG, sigma_space=2, alpha=0.1), ValueError, "give sigma_space or alpha, not both"),
    (lambda: bilateral.filter(IMG, sigma_range=2, beta=0.1), ValueError, "give sigma_range or beta, not both"),
    (lambda: bilateral.filter(IMG, window="circle"), ValueError, 'window: "circle" is not one of square, disc'),
    (lambda: bilateral.filter(IMG, color="lab"), ValueError, 'color: "lab" is not one of joint, l1, per-channel'),
    (lambda: bilateral.filter(IMG, border="wrap"), ValueError, 'border: "wrap" is not one of reflect101, replicate, reflect, constant:V'),
    (lambda: bilateral.filter(IMG, border="constant:x"), ValueError, r'border: "x" is not a number \(constant:V\)'),
    (lambda: bilateral.filter(IMG, border="reflect", border_value=3), ValueError, 'border_value is only used with border="constant", not "reflect"'),
    (lambda: bilateral.filter(IMG, border="constant", border_value=float("nan")), ValueError, "constant border value must be finite"),
    (lambda: bilateral.filter(IMG, border="constant", border_value=1e300), ValueError, "constant border value must be finite"),
    (lambda: bilateral.filter(IMG, iterations=-2), ValueError, "iterations must be >= 0, got -2"),
    (lambda: bilateral.filter(IMG, iterations=2**40), ValueError, f"iterations {2**40} is too large"),
    (lambda: bilateral.filter(IMG, threads=0), ValueError, "threads must be >= 1, got 0"),
    (lambda: bilateral.filter(IMG, threads=-4), ValueError, "threads must be >= 1, got -4"),
    (lambda: bilateral.opencv(IMG, 5, 10, 10, border="wrap"), ValueError, "border:"),
    # samples
    (lambda: bilateral.filter(np.where(np.arange(F32.size).reshape(F32.shape) == 100, np.nan, F32).astype(np.float32)), ValueError, "sample at x=3, y=1, channel 1 is NaN"),
    (lambda: bilateral.filter(np.full((5, 5), np.inf, np.float32)), ValueError, "sample at x=0, y=0, channel 0 is inf"),
    # out
    (lambda: bilateral.filter(IMG, out=np.empty((20, 30), np.uint8)), ValueError, r"out has shape \[20, 30\] but img has shape \[20, 30, 3\]"),
    (lambda: bilateral.filter(IMG, out=np.empty((30, 20, 3), np.uint8).transpose(1, 0, 2)), ValueError, "out must be C-contiguous and aligned"),
    (lambda: bilateral.filter(IMG, out=read_only_like(IMG)), ValueError, r"out is read-only \(its writeable flag is off\)"),
]


@pytest.mark.parametrize("call, kind, message", ERRORS, ids=[m for _, _, m in ERRORS])
def test_errors(call, kind, message):
    with pytest.raises(kind, match=message):
        call()


@pytest.mark.parametrize(
    "out_of",
    [lambda a: a, lambda a: a.reshape(-1).reshape(a.shape), lambda a: a[...]],
    ids=["itself", "reshaped-view", "ellipsis-view"],
)
def test_out_sharing_memory_with_img_is_refused(out_of):
    img = IMG.copy()
    before = img.copy()
    with pytest.raises(ValueError, match="out shares memory with img: filtering in place is not supported"):
        bilateral.filter(img, out=out_of(img))
    assert_same_bytes(img, before)


def test_out_overlapping_part_of_img_is_refused():
    base = np.zeros((40, 30, 3), np.uint8)
    img, out = base[:30], base[10:]
    with pytest.raises(ValueError, match="shares memory"):
        bilateral.filter(img, out=out)
    # Disjoint halves of one buffer are fine.
    bilateral.filter(base[:20], out=base[20:])


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda t: t.__name__)
def test_tolerance_runs_the_fast_mode_as_the_cli_does_and_stays_close(tmp_path, dtype):
    img = variant("gray", dtype)
    scale = {np.uint8: 1, np.uint16: 257, np.float32: 1 / 255}[dtype]
    tau = 0.5 * scale
    kwargs = dict(radius=12, sigma_space=4.0, sigma_range=25.0 * scale)
    fast = bilateral.filter(img, **kwargs, tolerance=tau, threads=2)
    theirs = cli_filter(
        tmp_path, img, "-r", "12", "--sigma-space", "4", "--sigma-range", repr(25.0 * scale),
        "--tolerance", repr(tau),
    )
    assert_same_bytes(fast, theirs)
    exact = bilateral.filter(img, **kwargs)
    diff = np.abs(fast.astype(np.float64) - exact.astype(np.float64))
    # Each within τ of the exact value before rounding: floor(τ) + 1 steps for integers.
    assert diff.max() <= (math.floor(tau) + 1 if dtype != np.float32 else tau + 1e-6)


@pytest.mark.parametrize("bad", [0.0, -1.0, math.nan, math.inf])
def test_bad_tolerances_raise(bad):
    with pytest.raises(ValueError, match="tolerance must be finite and > 0"):
        bilateral.filter(IMG, tolerance=bad)
