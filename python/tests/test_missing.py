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


def test_ctrl_c_raises_keyboard_interrupt_and_the_gil_stays_free():
    """SIGINT sent to the main thread while it filters: a Python thread keeps counting (the
    GIL is free), and the call raises KeyboardInterrupt long before the filter would end."""
    img = np.random.default_rng(1).random((1500, 1500), dtype=np.float32)
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
            bilateral.filter(img, 40, 20.0, threads=1)
    finally:
        running.clear()
        t.join()
        k.join()
    assert time.monotonic() - start < 30
    assert count[1] > 1000, f"the counter advanced {count[1]} times in 0.2 s"
