"""bilateral.filter(img, guide=...), bilateral.upsample and bilateral.opencv(..., guide=...)
against the command-line tool, byte for byte; the guide's dtype and channels independent of
img's; zero-copy and the GIL for the guide as for img; errors that name the guide; and OpenCV
contrib's joint filter where its semantics are asked for."""

import subprocess
import threading
import time

import numpy as np
import pytest

import bilateral
from conftest import assert_same_bytes, cli_path, convert, photo, variant

DTYPES = [np.uint8, np.uint16, np.float32]


def cli(tmp_path, command, inputs, *args, shape=None):
    """The CLI's result: `bilateral filter IN OUT --guide G ARGS` or `bilateral upsample LOW
    GUIDE OUT ARGS`, on NPY files."""
    paths = []
    for i, arr in enumerate(inputs):
        path = tmp_path / f"in{i}.npy"
        np.save(path, arr)
        paths.append(str(path))
    out = tmp_path / "out.npy"
    if command == "filter":
        cmd = [str(cli_path()), "filter", "-q", "--force", paths[0], str(out), "--guide", paths[1]]
    else:
        cmd = [str(cli_path()), "upsample", "--force", paths[0], paths[1], str(out)]
    run = subprocess.run([*cmd, *args], capture_output=True, text=True)
    assert run.returncode == 0, f"{cmd}: {run.stderr}"
    return np.load(out).reshape(shape)


@pytest.mark.parametrize("guide_dtype", DTYPES, ids=lambda t: t.__name__)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda t: t.__name__)
def test_guided_matches_cli(tmp_path, dtype, guide_dtype):
    img = variant("rgb", dtype)
    guide = variant("gray", guide_dtype)[: img.shape[0], : img.shape[1]]
    guide = np.ascontiguousarray(np.resize(guide, img.shape[:2]))
    scale = {np.uint8: 255, np.uint16: 65535, np.float32: 1}[guide_dtype]
    ours = bilateral.filter(img, 3, 2.0, 0.1 * scale, guide=guide)
    theirs = cli(tmp_path, "filter", [img, guide], "-r", "3", "--sigma-space", "2",
                 "--sigma-range", repr(0.1 * scale), shape=img.shape)
    assert_same_bytes(ours, theirs)
    assert not np.array_equal(ours, bilateral.filter(img, 3, 2.0, 0.1 * scale))


def test_own_guide_gives_the_filters_bytes():
    img = variant("rgba", np.uint16)
    for color in ["joint", "l1", "per-channel"]:
        assert_same_bytes(
            bilateral.filter(img, 2, color=color, guide=img.copy()), bilateral.filter(img, 2, color=color)
        )


def test_guide_views_and_threads_give_the_same_bytes():
    img = variant("gray", np.float32)
    guide = variant("rgb", np.uint8)
    strided = np.asfortranarray(guide)
    want = bilateral.filter(img, 2, guide=guide)
    assert_same_bytes(bilateral.filter(img, 2, guide=strided), want)
    for threads in [1, 3]:
        assert_same_bytes(bilateral.filter(img, 2, guide=guide, threads=threads), want)
    out = np.empty_like(img)
    assert bilateral.filter(img, 2, guide=guide, out=out) is out
    assert_same_bytes(out, want)


@pytest.mark.parametrize("dtype", [np.uint16, np.float32], ids=lambda t: t.__name__)
def test_upsample_matches_cli(tmp_path, dtype):
    colour = photo("astronaut")[:256, :384]
    gray = colour.mean(axis=2)
    low = convert(np.ascontiguousarray(gray[::4, ::4].astype(np.uint8)), dtype)
    ours = bilateral.upsample(low, colour, 2, 1.0, 20.0)
    assert ours.shape == (256, 384) and ours.dtype == dtype
    theirs = cli(tmp_path, "upsample", [low, colour], "-r", "2", "--sigma-space", "1",
                 "--sigma-range", "20", shape=ours.shape)
    assert_same_bytes(ours, theirs)
    # Channels follow low, the size the guide.
    rgb_low = np.ascontiguousarray(colour[::4, ::4])
    assert bilateral.upsample(rgb_low, colour).shape == colour.shape
    out = np.empty((256, 384), dtype)
    assert bilateral.upsample(low, colour, 2, 1.0, 20.0, out=out) is out
    assert_same_bytes(out, ours)


def test_opencv_with_a_guide_is_contribs_joint_filter():
    cv2 = pytest.importorskip("cv2")
    img = variant("rgb", np.uint8)
    guide = photo("astronaut")
    ours = bilateral.opencv(img, 5, 0.0, 3.0, guide=guide)
    # A sigma <= 0 is 1 with a guide (contrib), a copy without (OpenCV 5's bilateralFilter).
    assert not np.array_equal(ours, img)
    assert_same_bytes(bilateral.opencv(img, 5, 0.0, 3.0), img)
    if hasattr(cv2, "ximgproc"):
        theirs = cv2.ximgproc.jointBilateralFilter(guide, img, 5, 1.0, 3.0)
        assert np.abs(ours.astype(int) - theirs.astype(int)).max() <= 1


def test_the_gil_is_released_while_upsampling():
    low = np.random.default_rng(1).random((270, 480), dtype=np.float32)
    guide = np.random.default_rng(2).random((1080, 1920), dtype=np.float32)
    ticks = []
    done = threading.Event()

    def tick():
        while not done.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    t = threading.Thread(target=tick)
    t.start()
    start = time.perf_counter()
    bilateral.upsample(low, guide, 3, threads=1)
    elapsed = time.perf_counter() - start
    done.set()
    t.join()
    during = [x for x in ticks if start < x < start + elapsed]
    assert elapsed < 0.05 or len(during) > 5, (elapsed, len(during))


@pytest.mark.parametrize(
    "call, kind, message",
    [
        (lambda: bilateral.filter(np.zeros((4, 5), np.uint8), guide=np.zeros((4, 6), np.uint8)),
         ValueError, "the guide is 6x4 but the image is 5x4"),
        (lambda: bilateral.filter(np.zeros((4, 5), np.uint8), guide=np.zeros((4, 5), np.float64)),
         TypeError, "guide has dtype float64"),
        (lambda: bilateral.filter(np.zeros((4, 5), np.uint8), guide=[1, 2]),
         TypeError, "guide must be a numpy.ndarray"),
        (lambda: bilateral.filter(np.zeros((4, 5), np.uint8), guide=np.zeros((4, 5, 5), np.uint8)),
         ValueError, "guide: 5 channels are not supported"),
        (lambda: bilateral.filter(np.zeros((4, 5), np.uint8),
                                  guide=np.full((4, 5), np.nan, np.float32)),
         ValueError, "guide sample at x=0, y=0"),
        (lambda: bilateral.filter(np.zeros((4, 5), np.uint8), guide=np.zeros((4, 5, 3), np.uint8),
                                  color="per-channel"),
         ValueError, "per-channel distance"),
        (lambda: bilateral.upsample(np.zeros((4, 5), np.uint8), np.zeros((8, 11), np.uint8)),
         ValueError, "not the same integer multiple"),
        (lambda: bilateral.upsample(np.zeros((4, 5), np.uint8), np.zeros((8, 10), np.uint8),
                                    out=np.zeros((4, 5), np.uint8)),
         ValueError, r"out has shape \[4, 5\] but the result has shape \[8, 10\]"),
    ],
)
def test_guide_errors(call, kind, message):
    with pytest.raises(kind, match=message):
        call()


def test_out_sharing_memory_with_the_guide_is_refused():
    img = np.zeros((4, 5), np.uint8)
    guide = np.zeros((4, 5), np.uint8)
    with pytest.raises(ValueError, match="out shares memory with guide"):
        bilateral.filter(img, guide=guide, out=guide)
