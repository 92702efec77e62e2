"""Exact, SIMD, multi-threaded bilateral filter for numpy arrays (uint8, uint16, float32)."""

from typing import Literal, TypeVar

import numpy as np
import numpy.typing as npt

__version__: str
MAX_RADIUS: int

_S = TypeVar("_S", np.uint8, np.uint16, np.float32)
# A guide's dtype is independent of the image's.
_Guide = npt.NDArray[np.uint8] | npt.NDArray[np.uint16] | npt.NDArray[np.float32]

Window = Literal["square", "disc"]
Color = Literal["joint", "l1", "per-channel"]
NanPolicy = Literal["reject", "skip", "fill"]
# "constant:V" is accepted as well, with V in the sample's units.
Border = Literal["reflect101", "replicate", "reflect", "constant"] | str

def filter(
    img: npt.NDArray[_S],
    radius: int = 2,
    sigma_space: float | None = None,
    sigma_range: float | None = None,
    *,
    alpha: float | None = None,
    beta: float | None = None,
    window: Window = "square",
    color: Color = "joint",
    border: Border = "reflect101",
    border_value: float | None = None,
    filter_alpha: bool = False,
    iterations: int = 1,
    tolerance: float | None = None,
    nan: NanPolicy = "reject",
    nodata: float | None = None,
    guide: _Guide | None = None,
    out: npt.NDArray[_S] | None = None,
    threads: int | None = None,
) -> npt.NDArray[_S]:
    """Bilateral filter of an (H, W) or (H, W, C) image, or with guide= the joint filter; see
    help(bilateral.filter)."""

def upsample(
    low: npt.NDArray[_S],
    guide: _Guide,
    radius: int = 2,
    sigma_space: float | None = None,
    sigma_range: float | None = None,
    *,
    alpha: float | None = None,
    beta: float | None = None,
    window: Window = "square",
    color: Color = "joint",
    border: Border = "reflect101",
    border_value: float | None = None,
    filter_alpha: bool = False,
    out: npt.NDArray[_S] | None = None,
    threads: int | None = None,
) -> npt.NDArray[_S]:
    """Joint bilateral upsampling of low to guide's size; see help(bilateral.upsample)."""

def opencv(
    img: npt.NDArray[_S],
    d: int,
    sigma_color: float,
    sigma_space: float,
    *,
    guide: _Guide | None = None,
    border: Border = "reflect101",
    border_value: float | None = None,
    nan: NanPolicy = "reject",
    nodata: float | None = None,
    out: npt.NDArray[_S] | None = None,
    threads: int | None = None,
) -> npt.NDArray[_S]:
    """cv2.bilateralFilter(img, d, sigma_color, sigma_space) semantics; see help(bilateral.opencv)."""
