"""Mpix/s against the radius for the exact filter, the fast mode and OpenCV, in one run.

Gray u8 frames (the shipped photo's luma resized to --size), one thread, sigma_s = r/3 and
sigma_r = 25: the library through `bilateral bench --json` (exact, then with --tolerance),
OpenCV's cv2.bilateralFilter(img, 2r+1, 25, r/3) timed here (its disc window and L1 colour,
the same count of pixels per second). Prints a table and writes the plot (docs/radius.png).

    .venv/bin/python bench/radius_plot.py [--size 1920x1080] [--radii 2,3,4,6,8,12,16,24,32,48]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import time
from pathlib import Path

import cv2
import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


def ours(cli: Path, size: str, r: int, runs: int, tolerance: float | None) -> dict:
    cmd = [
        str(cli), "bench", "--size", size, "--runs", str(runs), "--json", "--threads", "1",
        "--format", "gray-u8", "-r", str(r), "--sigma-space", str(r / 3), "--sigma-range", "25",
    ]
    if tolerance is not None:
        cmd += ["--tolerance", str(tolerance)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.splitlines()[-1])


def opencv(size: tuple[int, int], r: int, runs: int) -> float:
    cv2.setNumThreads(1)
    img = cv2.imread(str(REPO / "tests/data/astronaut.png"), cv2.IMREAD_GRAYSCALE)
    img = cv2.resize(img, size, interpolation=cv2.INTER_LINEAR)
    times = []
    for _ in range(runs + 1):
        start = time.perf_counter()
        cv2.bilateralFilter(img, 2 * r + 1, 25.0, r / 3)
        times.append(time.perf_counter() - start)
    return size[0] * size[1] / statistics.median(times[1:]) / 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="1920x1080")
    ap.add_argument("--radii", default="2,3,4,6,8,12,16,24,32,48")
    ap.add_argument("--runs", type=int, default=3, help="timed runs per case (1 from r = 24)")
    ap.add_argument("--tolerance", type=float, default=0.5)
    ap.add_argument("--cli", type=Path, default=REPO / "target/release/bilateral")
    ap.add_argument("--out", type=Path, default=REPO / "docs/radius.png")
    args = ap.parse_args()
    w, h = (int(v) for v in args.size.split("x"))
    radii = [int(v) for v in args.radii.split(",")]
    rows = []
    print(f"{'r':>3} {'exact':>9} {'fast':>9} {'opencv':>9}  fast method (Mpix/s, one thread)")
    for r in radii:
        runs = args.runs if r < 24 else 1
        exact = ours(args.cli, args.size, r, runs, None)
        fast = ours(args.cli, args.size, r, runs, args.tolerance)
        cv = opencv((w, h), r, runs)
        rows.append((r, exact["mpix_s"], fast["mpix_s"], cv))
        print(f"{r:>3} {exact['mpix_s']:>9.2f} {fast['mpix_s']:>9.2f} {cv:>9.2f}  {fast['method']}")
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for i, (label, style) in enumerate(
        [("exact", "o-"), (f"fast, tolerance {args.tolerance}", "s-"), ("OpenCV", "^--")], 1
    ):
        ax.plot([row[0] for row in rows], [row[i] for row in rows], style, label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(radii, [str(r) for r in radii])
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_xlabel("radius r (window 2r+1, σs = r/3, σr = 25)")
    ax.set_ylabel("Mpix/s, one thread")
    ax.set_title(f"bilateral, gray u8 {args.size}")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(args.out, dpi=110)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
