"""Scale-out with dask: map_overlap with a halo of radius x iterations and boundary="none"
gives the same bytes as filtering the whole image.

Why it holds: an output pixel depends only on the samples in its window (every pass's window,
hence radius x iterations), on the border rule where the window leaves the image, and on
nothing else: the kernel's lanes never mix, so a pixel's column or row within a chunk does not
matter. With boundary="none" a chunk's outer edges are the image's own edges, where the
library applies the border rule as it does for the whole image, and its inner edges carry a
halo as deep as the window reaches."""

import dask
import dask.array as da
import numpy as np
import pytest
from distributed import Client, LocalCluster

import bilateral
from conftest import assert_same_bytes, convert, photo

# Uneven on purpose: chunk edges fall at every offset within a SIMD vector of 4, 8 or 16
# lanes, and no chunk is a multiple of another.
ROWS = (100, 157, 41, 214)
COLS = (130, 200, 7 + 75, 100)


def dask_filter(img: np.ndarray, chunks, **kwargs) -> da.Array:
    """The recipe the README gives: chunk the two image axes only, halo = radius x iterations."""
    reach = kwargs.get("radius", 2) * kwargs.get("iterations", 1)
    depth = {0: reach, 1: reach, 2: 0}
    if img.ndim == 2:
        del depth[2]
    else:
        chunks = (*chunks, -1)
    arr = da.from_array(img, chunks=chunks)
    return arr.map_overlap(bilateral.filter, depth=depth, boundary="none", dtype=img.dtype, **kwargs)


IMAGES = {
    "gray": lambda: photo("camera"),
    "rgb": lambda: photo("astronaut"),
}

PARAMS = [
    dict(),
    dict(radius=5, sigma_space=3.0, window="disc", color="l1", border="replicate"),
    dict(radius=3, iterations=2, border="constant", border_value=0.5, threads=1),
]


@pytest.mark.parametrize("kwargs", PARAMS, ids=["defaults", "r5-disc-l1-replicate", "r3-twice-constant"])
@pytest.mark.parametrize("dtype", [np.uint8, np.float32], ids=lambda t: t.__name__)
@pytest.mark.parametrize("layout", IMAGES)
def test_chunked_equals_whole_threaded_scheduler(layout, dtype, kwargs):
    img = convert(IMAGES[layout](), dtype)
    assert img.shape[:2] == (sum(ROWS), sum(COLS))
    with dask.config.set(scheduler="threads"):
        chunked = dask_filter(img, (ROWS, COLS), **kwargs).compute()
    assert_same_bytes(chunked, bilateral.filter(img, **kwargs))


def test_chunked_with_rgba_and_u16():
    img = convert(np.dstack([photo("astronaut"), photo("camera")]), np.uint16)
    with dask.config.set(scheduler="threads"):
        chunked = dask_filter(img, (ROWS, COLS), radius=4, filter_alpha=True).compute()
    assert_same_bytes(chunked, bilateral.filter(img, radius=4, filter_alpha=True))


def test_distributed_scheduler():
    """The same code on a distributed scheduler: workers in this process (the sandbox has 2
    cores), so it shows the graph and the function serialise and run there; a cluster is
    `Client("scheduler-address")` instead."""
    img = convert(photo("chelsea"), np.float32)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        with Client(cluster) as client:
            future = client.compute(dask_filter(img, ((120, 180), (200, 251)), radius=3))
            chunked = future.result()
    assert_same_bytes(chunked, bilateral.filter(img, radius=3))


def test_a_short_halo_is_detected():
    """The comparison above can fail: one row and column of halo short, chunk edges differ."""
    img = photo("astronaut")
    arr = da.from_array(img, chunks=(ROWS, COLS, -1))
    short = arr.map_overlap(bilateral.filter, depth={0: 2, 1: 2, 2: 0}, boundary="none", dtype=img.dtype, radius=3)
    with dask.config.set(scheduler="threads"):
        assert not np.array_equal(short.compute(), bilateral.filter(img, radius=3))


def test_guided_chunks_with_their_guide_equal_the_whole_image():
    """The joint filter through map_overlap over both arrays, chunked alike, gives the bytes of
    the whole image: a pixel depends only on the image's and the guide's samples in its window."""
    img = convert(photo("astronaut"), np.float32)
    guide = photo("astronaut").mean(axis=2).astype(np.uint8)[..., None]
    kwargs = dict(radius=4, sigma_space=2.0, sigma_range=20.0, border="replicate")
    depth = {0: 4, 1: 4, 2: 0}
    a = da.from_array(img, chunks=(ROWS, COLS, -1))
    g = da.from_array(guide, chunks=(ROWS, COLS, -1))
    with dask.config.set(scheduler="threads"):
        chunked = da.map_overlap(
            lambda x, y: bilateral.filter(x, guide=y, **kwargs),
            a, g, depth=depth, boundary="none", dtype=img.dtype,
        ).compute()
    assert_same_bytes(chunked, bilateral.filter(img, guide=guide, **kwargs))


@pytest.mark.parametrize(
    "kwargs",
    [dict(nan="skip"), dict(nan="fill", radius=3, iterations=2), dict(nan="fill", nodata=0)],
    ids=["skip", "fill-twice", "fill-nodata"],
)
def test_chunked_with_holes_equals_whole(kwargs):
    """Missing samples: NaN (or the no-data value) in a random 5% of pixels and a block across
    chunk edges; the fill of a missing pixel reads its window as any pixel does."""
    rng = np.random.default_rng(11)
    img = convert(photo("astronaut"), np.float32 if "nodata" not in kwargs else np.uint16)
    holes = rng.random(img.shape[:2]) < 0.05
    holes[90:110, 120:140] = True
    img[holes, 0] = np.nan if img.dtype == np.float32 else 0
    with dask.config.set(scheduler="threads"):
        chunked = dask_filter(img, (ROWS, COLS), **kwargs).compute()
    assert_same_bytes(chunked, bilateral.filter(img, **kwargs))
