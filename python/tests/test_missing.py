"""Missing samples (nan=, nodata=) and Ctrl-C: the same bytes as the CLI, the policies'
semantics on holes, typed errors, and KeyboardInterrupt with the GIL released."""

import signal
import threading
import time

import numpy as np
import pytest

import bilateral
from conftest import assert_same_bytes, cli_filter, variant


def with_holes(img: np.ndarray, share: float, value) -> np.ndarray:
    rng = np.random.default_rng(7)
    holes = rng.random(img.shape[:2]) < share
    out = img.copy()
    if out.ndim == 2:
        out[holes] = value
    else:
        out[holes, rng.integers(0, out.shape[2])] = value
    return out


@pytest.mark.parametrize("nan", ["skip", "fill"])
@pytest.mark.parametrize("layout", ["gray", "rgb"])
def test_nan_holes_match_the_cli(tmp_path, nan, layout):
    img = with_holes(variant(layout, np.float32), 0.05, np.nan)
    got = bilateral.filter(img, 3, 2.0, 0.2, nan=nan)
    assert_same_bytes(got, cli_filter(tmp_path, img, "-r", "3", "--sigma-space", "2",
                                      "--sigma-range", "0.2", "--nan", nan))
    missing = np.isnan(img).any(axis=-1) if img.ndim == 3 else np.isnan(img)
    out_missing = np.isnan(got).any(axis=-1) if got.ndim == 3 else np.isnan(got)
    if nan == "skip":
        assert (out_missing == missing).all()
    else:
        assert not out_missing.any()


def test_nodata_in_integers_matches_the_cli(tmp_path):
    img = with_holes(variant("gray", np.uint16), 0.05, 0)
    got = bilateral.filter(img, 2, nan="fill", nodata=0)
    assert_same_bytes(got, cli_filter(tmp_path, img, "--nan", "fill", "--nodata", "0"))
    skip = bilateral.filter(img, 2, nan="skip", nodata=0)
    assert ((skip == 0) >= (img == 0)).all()


def test_bad_missing_arguments_are_value_errors():
    img = variant("gray", np.uint8)
    with pytest.raises(ValueError, match="ignore"):
        bilateral.filter(img, nan="ignore")
    with pytest.raises(ValueError, match="300"):
        bilateral.filter(img, nan="skip", nodata=300)
    with pytest.raises(ValueError, match="NaN"):
        bilateral.filter(img, nan="skip", nodata=float("nan"))
    holes = with_holes(variant("gray", np.float32), 0.01, np.nan)
    with pytest.raises(ValueError, match="NaN"):
        bilateral.filter(holes)
    holes[0, 0] = np.inf
    with pytest.raises(ValueError, match="inf"):
        bilateral.filter(holes, nan="skip")


@pytest.mark.parametrize("guided", [False, True], ids=["filter", "joint"])
def test_ctrl_c_raises_keyboard_interrupt_and_the_gil_stays_free(guided):
    """SIGINT sent to the main thread while it filters: a Python thread keeps counting (the
    GIL is free), and the call raises KeyboardInterrupt long before the filter would end."""
    img = np.random.default_rng(1).random((1500, 1500), dtype=np.float32)
    guide = img if guided else None
    count, running = [0], threading.Event()

    def counter():
        running.set()
        while running.is_set():
            count[0] += 1

    def interrupt():
        time.sleep(1.0)
        seen = count[0]
        time.sleep(0.2)
        count.append(count[0] - seen)
        signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)

    t = threading.Thread(target=counter)
    t.start()
    running.wait()
    k = threading.Thread(target=interrupt)
    k.start()
    start = time.monotonic()
    try:
        with pytest.raises(KeyboardInterrupt):
            bilateral.filter(img, 40, 20.0, guide=guide, threads=1)
    finally:
        running.clear()
        t.join()
        k.join()
    assert time.monotonic() - start < 30
    assert count[1] > 1000, f"the counter advanced {count[1]} times in 0.2 s"


def holes_opencv_survives(img: np.ndarray, kind: str) -> np.ndarray:
    """NaN holes of one kind. OpenCV 5.0's f32 code crashes on some holes (denser random
    ones, 5% on these photos; NaN in the last row or column), so the random ones stay at 1%
    and the edge ones along the top row and the left column."""
    out = img.copy()
    h, w = img.shape[:2]
    rng = np.random.default_rng(3)
    mask = np.zeros((h, w), bool)
    if kind == "random":
        mask = rng.random((h, w)) < 0.01
    elif kind == "block":
        mask[h // 3 : h // 3 + 20, w // 4 : w // 4 + 30] = True
    else:  # along two edges
        mask[0, :] = mask[:, 0] = True
    if out.ndim == 2:
        out[mask] = np.nan
    else:
        out[mask, 1] = np.nan
    return out


@pytest.mark.parametrize("kind", ["random", "block", "edges"])
@pytest.mark.parametrize("layout", ["gray", "rgb"])
@pytest.mark.parametrize("d", [3, 5, 7, 9])
def test_opencv_fill_matches_cv2_own_code_on_nan_holes(kind, layout, d):
    """With the OpenCV preset, nan="fill" is cv2.bilateralFilter's own f32 code (IPP off) on
    NaN holes: NaN exactly where it gives NaN (a window with nothing valid), elsewhere within
    5e-3 of its value relative to max(|value|, the image's span)."""
    import cv2

    img = holes_opencv_survives(variant(layout, np.float32), kind)
    ipp = cv2.ipp.useIPP()
    cv2.ipp.setUseIPP(False)
    try:
        theirs = cv2.bilateralFilter(img, d, 0.1, 3.0)
    finally:
        cv2.ipp.setUseIPP(ipp)
    ours = bilateral.opencv(img, d, 0.1, 3.0, nan="fill")
    assert (np.isnan(ours) == np.isnan(theirs)).all()
    valid = ~np.isnan(theirs)
    span = np.nanmax(img) - np.nanmin(img)
    rel = np.abs(ours[valid] - theirs[valid]) / np.maximum(np.abs(theirs[valid]), span)
    assert rel.max() <= 5e-3, rel.max()
