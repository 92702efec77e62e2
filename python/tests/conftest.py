"""Shared helpers: the shipped photos in every dtype and channel layout, and the reference.

The reference is the command-line tool (`cli/`, the `bilateral` binary) run on NPY files: the
same library reached by another path (its own argument parsing, NPY decoding and encoding, a
separately compiled binary). The module must match it byte for byte, since both are the one
library with the same parameters on the same CPU backend; any difference is a mapping bug here.
.ci/test points BILATERAL_CLI at the binary `cargo test --workspace` built.
"""

import os
import subprocess
from pathlib import Path

import cv2
import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
PHOTOS = REPO / "tests" / "data"


def cli_path() -> Path:
    if "BILATERAL_CLI" in os.environ:
        return Path(os.environ["BILATERAL_CLI"])
    for profile in ("release", "debug"):
        path = REPO / "target" / profile / "bilateral"
        if path.exists():
            return path
    pytest.fail("no CLI binary: run `cargo build -p bilateral-cli` or set BILATERAL_CLI")


def photo(name: str) -> np.ndarray:
    """A shipped photo as uint8, (H, W) for gray, (H, W, 3) for colour (BGR, as OpenCV reads)."""
    img = cv2.imread(str(PHOTOS / f"{name}.png"), cv2.IMREAD_UNCHANGED)
    assert img is not None, name
    return img


def with_alpha(img: np.ndarray) -> np.ndarray:
    """img plus an alpha channel that varies (a transform of the image itself), so that a
    filtered alpha differs from a copied one."""
    gray = img if img.ndim == 2 else img.mean(axis=2).astype(np.uint8)
    alpha = (255 - gray) // 2 + 64
    return np.dstack([img, alpha])


def variant(layout: str, dtype: type) -> np.ndarray:
    """A photo in one of the layouts gray, gray+alpha, rgb, rgba and dtypes uint8, uint16,
    float32 (u8 * 257 and u8 / 255: the same picture at each type's full scale)."""
    img = {
        "gray": lambda: photo("camera"),
        "gray-alpha": lambda: with_alpha(photo("camera")),
        "rgb": lambda: photo("astronaut"),
        "rgba": lambda: with_alpha(photo("chelsea")),
    }[layout]()
    return convert(img, dtype)


def convert(img: np.ndarray, dtype: type) -> np.ndarray:
    if dtype == np.uint8:
        return img
    if dtype == np.uint16:
        return img.astype(np.uint16) * 257
    return img.astype(np.float32) / 255


def cli_filter(tmp_path: Path, img: np.ndarray, *args: str) -> np.ndarray:
    """The CLI's result on img with the given filter options."""
    src, dst = tmp_path / "in.npy", tmp_path / "out.npy"
    np.save(src, img)
    cmd = [str(cli_path()), "filter", "-q", "--force", str(src), str(dst), *args]
    run = subprocess.run(cmd, capture_output=True, text=True)
    assert run.returncode == 0, f"{cmd}: {run.stderr}"
    # The CLI writes one channel as (H, W).
    return np.load(dst).reshape(img.shape)


def assert_same_bytes(a: np.ndarray, b: np.ndarray) -> None:
    assert a.dtype == b.dtype and a.shape == b.shape, (a.dtype, a.shape, b.dtype, b.shape)
    if a.tobytes() != b.tobytes():
        diff = np.argwhere(a != b)
        pytest.fail(f"{len(diff)} samples differ, first at {tuple(diff[0])}: {a[tuple(diff[0])]} vs {b[tuple(diff[0])]}")
