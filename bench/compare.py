"""This crate against its peers on one frame: OpenCV, imageproc and libblur, in Mpix/s.

Run from anywhere, with the test virtualenv's Python (`bash .ci/venv` makes it):

    .venv/bin/python bench/compare.py [--runs 5] [--threads 1,2] [-d 3,5,7] [--markdown t.md]

Steps, on a 3840x2160 frame for d <= 9 and a 1280x720 one for larger windows (--size and
--large-size; tests/data/astronaut.png resized with a linear filter, as `cargo bench` makes its
frame; gray is OpenCV's luma of it; f32 is u8 / 255), each written once as gray.npy and rgb.npy
so that every program times the same pixels:

1. builds `bilateral` (the CLI) and `bench/peers` (imageproc and libblur) in release mode;
2. times cv2.bilateralFilter in this process for each thread count (cv2.setNumThreads), gray
   and RGB, u8 and f32, d = 3, 5, 7, 9, 15 and 25, σc = 25 (25/255 for f32), σs = d / 3:
   OpenCV as installed (the x86-64 wheels run Intel IPP) and OpenCV's own code (IPP off);
3. times this crate on the same semantics, `bilateral bench --json --preset opencv -d D
   --input FRAME`;
4. runs `bench/peers` on the 3840x2160 frame, which times imageproc and libblur on their own
   semantics (the 25-tap square, r = 2, σs = 1.5) and this crate set to each of them;
5. prints the Mpix/s (the median of --runs timed runs after one warm-up) and the ratios
   ours / peer against the targets: at least 2x OpenCV, 10x libblur, 30x imageproc.
   --markdown FILE writes the same tables as Markdown, with the machine, date and commit.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
PEERS = ROOT / "bench" / "peers"
PHOTO = ROOT / "tests" / "data" / "astronaut.png"

FORMATS = ["gray-u8", "rgb-u8", "gray-f32", "rgb-f32"]
DIAMETERS = [3, 5, 7, 9, 15, 25]
# Windows wider than this run on the --large-size frame: their peers are slow enough that a
# 4K frame takes minutes per case.
LARGE_D = 9
# In u8 units; f32 frames, in 0..1, get it divided by 255.
SIGMA_COLOR = 25.0
TARGETS = {"opencv": 2.0, "libblur": 10.0, "imageproc": 30.0}


def sigma_space(d: int) -> float:
    """σs = d / 3: the window's edge is 1.5 σs from its centre."""
    return d / 3


def sigma_color(fmt: str) -> float:
    return SIGMA_COLOR / 255.0 if fmt.endswith("f32") else SIGMA_COLOR


def run(cmd: list[str], **kw) -> str:
    print("+ " + " ".join(str(c) for c in cmd), file=sys.stderr)
    return subprocess.run(cmd, check=True, text=True, stdout=subprocess.PIPE, **kw).stdout


def build() -> tuple[Path, Path]:
    run(["cargo", "build", "--release", "-p", "bilateral-cli"], cwd=ROOT)
    run(["cargo", "build", "--release", "--manifest-path", str(PEERS / "Cargo.toml")])
    return ROOT / "target" / "release" / "bilateral", PEERS / "target" / "release" / "bilateral-peers"


def frames(size: tuple[int, int], directory: Path) -> dict[str, Path]:
    """The frame as gray.npy and rgb.npy in `directory` (u8; f32 is made from them)."""
    bgr = cv2.imread(str(PHOTO), cv2.IMREAD_COLOR)
    if bgr is None:
        sys.exit(f"cannot read {PHOTO}")
    rgb = cv2.cvtColor(cv2.resize(bgr, size, interpolation=cv2.INTER_LINEAR), cv2.COLOR_BGR2RGB)
    paths = {"gray": directory / "gray.npy", "rgb": directory / "rgb.npy"}
    np.save(paths["gray"], cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY))
    np.save(paths["rgb"], rgb)
    return paths


def load(paths: dict[str, Path], fmt: str) -> np.ndarray:
    layout, sample = fmt.split("-")
    img = np.load(paths[layout])
    # As `bilateral bench` converts: u8 / 255 in f32.
    return img.astype(np.float32) / np.float32(255) if sample == "f32" else img


def median_mpix(times: list[float], pixels: int) -> float:
    return pixels / statistics.median(times) / 1e6


def time_opencv(frames_by_d, diameters: list[int], threads: list[int], runs: int) -> list[dict]:
    out = []
    for use_ipp, path in ((True, "ipp"), (False, "own")):
        cv2.ipp.setUseIPP(use_ipp)
        for fmt in FORMATS:
            for d in diameters:
                src = load(frames_by_d[d][1], fmt)
                dst = np.empty_like(src)
                for n in threads:
                    cv2.setNumThreads(n)
                    times = []
                    for i in range(runs + 1):
                        start = time.perf_counter()
                        cv2.bilateralFilter(src, d, sigma_color(fmt), sigma_space(d), dst=dst)
                        if i > 0:
                            times.append(time.perf_counter() - start)
                    pixels = src.shape[0] * src.shape[1]
                    out.append(
                        dict(library="opencv", path=path, format=fmt, d=d, threads=n,
                             mpix_s=median_mpix(times, pixels))
                    )
    cv2.ipp.setUseIPP(True)
    return out


def time_ours(cli: Path, frames_by_d, diameters: list[int], threads: list[int],
              runs: int) -> list[dict]:
    out = []
    for fmt in FORMATS:
        for d in diameters:
            size, paths = frames_by_d[d]
            stdout = run([
                cli, "bench", "--json", "--preset", "opencv", "-d", str(d),
                "--sigma-color", repr(sigma_color(fmt)), "--sigma-space", repr(sigma_space(d)),
                "--threads", ",".join(map(str, threads)), "--runs", str(runs),
                "--size", f"{size[0]}x{size[1]}", "--format", fmt,
                "--input", paths[fmt.split("-")[0]],
            ])
            for line in stdout.splitlines():
                case = json.loads(line)
                out.append(dict(library="bilateral", format=fmt, d=d, threads=case["threads"],
                                mpix_s=case["mpix_s"], backend=case["backend"]))
    return out


def time_peers(peers: Path, paths, threads: list[int], runs: int) -> list[dict]:
    stdout = run([peers, "--gray", paths["gray"], "--rgb", paths["rgb"], "--runs", str(runs),
                  "--threads", ",".join(map(str, threads))])
    return [json.loads(line) for line in stdout.splitlines()]


def verdict(ratio: float | None, target: float) -> str:
    if ratio is None:
        return "-"
    if ratio >= target:
        return f"met (≥{target:g}x)"
    return f"short: {ratio / target:.2f} of {target:g}x"


def fmt_num(x: float | None) -> str:
    return "-" if x is None else f"{x:.1f}" if x < 100 else f"{x:.0f}"


def fmt_ratio(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}x"


def opencv_table(results: list[dict], frames_by_d, diameters: list[int],
                 threads: list[int]) -> tuple[list[str], list[list[str]]]:
    head = ["format", "d", "frame", "threads", "OpenCV (IPP)", "OpenCV (own code)", "bilateral",
            "bilateral / faster OpenCV", "target"]
    rows = []

    def pick(**want) -> float | None:
        return next((r["mpix_s"] for r in results
                     if all(r.get(k) == v for k, v in want.items())), None)

    for fmt in FORMATS:
        for d in diameters:
            frame = "x".join(map(str, frames_by_d[d][0]))
            for n in threads:
                ipp = pick(library="opencv", path="ipp", format=fmt, d=d, threads=n)
                own = pick(library="opencv", path="own", format=fmt, d=d, threads=n)
                ours = pick(library="bilateral", format=fmt, d=d, threads=n)
                # Against whichever of OpenCV's paths is faster here: a user may switch IPP off.
                best = max((x for x in (ipp, own) if x), default=None)
                ratio = ours / best if ours and best else None
                rows.append([fmt, str(d), frame, str(n), fmt_num(ipp), fmt_num(own), fmt_num(ours),
                             fmt_ratio(ratio), verdict(ratio, TARGETS["opencv"])])
    return head, rows


def peers_table(results: list[dict], threads: list[int]) -> tuple[list[str], list[list[str]]]:
    head = ["format", "threads", "peer", "peer Mpix/s", "bilateral, same semantics",
            "bilateral / peer", "target"]
    rows = []
    for peer in ("imageproc", "libblur"):
        for fmt in FORMATS:
            for n in threads:
                def pick(library):
                    # imageproc has one thread only: its figure stands for every count.
                    want = 1 if library == "imageproc" else n
                    return next((r["mpix_s"] for r in results if r["library"] == library
                                 and r.get("semantics") == peer and r["format"] == fmt
                                 and r["threads"] == want), None)
                theirs, ours = pick(peer), pick("bilateral")
                if theirs is None and ours is None:
                    continue
                label = peer + (" (1 thread)" if peer == "imageproc" and n != 1 else "")
                ratio = ours / theirs if ours and theirs else None
                rows.append([fmt, str(n), label, fmt_num(theirs), fmt_num(ours),
                             fmt_ratio(ratio), verdict(ratio, TARGETS[peer])])
    return head, rows


def numeric(column: int, head: list[str]) -> bool:
    """Figures are right-aligned: all columns but the labels and the verdict."""
    return head[column] not in ("format", "d", "frame", "threads", "peer", "target")


def text_table(head: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [head] + rows) for i in range(len(head))]

    def line(row: list[str]) -> str:
        cells = (c.rjust(w) if numeric(i, head) else c.ljust(w)
                 for i, (c, w) in enumerate(zip(row, widths)))
        return "  ".join(cells).rstrip()

    return "\n".join([line(head)] + [line(r) for r in rows])


def markdown_table(head: list[str], rows: list[list[str]]) -> str:
    align = ["---:" if numeric(i, head) else "---" for i in range(len(head))]
    return "\n".join("| " + " | ".join(r) + " |" for r in [head, align] + rows)


def machine() -> str:
    model = "unknown CPU"
    flags = set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name":
                model = value.strip()
            elif key.strip() == "flags":
                flags = set(value.split())
    except OSError:
        model = platform.processor() or model
    simd = "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "no AVX2"
    return f"{model}, {os.cpu_count()} logical CPUs, {simd}"


def peer_versions() -> str:
    lock = (PEERS / "Cargo.lock").read_text()
    versions = []
    for name in ("imageproc", "libblur"):
        block = lock.split(f'name = "{name}"\nversion = "', 1)
        versions.append(f"{name} {block[1].split(chr(34), 1)[0]}" if len(block) == 2 else name)
    return ", ".join(versions)


def header(args, backend: str) -> str:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                            capture_output=True).stdout.strip() or "unknown"
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, text=True,
                           capture_output=True).stdout.strip()
    return (
        f"{machine()}; {datetime.date.today().isoformat()}; commit {commit}"
        f"{' with uncommitted changes' if dirty else ''}.\n"
        f"OpenCV {cv2.__version__} (IPP {'on' if cv2.ipp.useIPP() else 'absent'}), "
        f"{peer_versions()}; bilateral backend {backend}. "
        f"σc = 25 (25/255 for f32), σs = d / 3. Median of {args.runs} runs after one warm-up, "
        "Mpix/s."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per case [5]")
    parser.add_argument("--threads", default="1,2", help="thread counts, comma separated [1,2]")
    parser.add_argument("--size", default="3840x2160",
                        help=f"frame size WxH for d <= {LARGE_D} and the peers [3840x2160]")
    parser.add_argument("--large-size", default="1280x720",
                        help=f"frame size WxH for d > {LARGE_D} [1280x720]")
    parser.add_argument("-d", "--diameters", default=",".join(map(str, DIAMETERS)),
                        help="window diameters, comma separated [3,5,7,9,15,25]")
    parser.add_argument("--markdown", type=Path, help="also write the tables as Markdown here")
    parser.add_argument("--no-build", action="store_true", help="use the binaries as built")
    parser.add_argument("--skip-peers", action="store_true", help="OpenCV and this crate only")
    args = parser.parse_args()
    threads = [int(n) for n in args.threads.split(",")]
    diameters = [int(d) for d in args.diameters.split(",")]
    size, large = (tuple(int(v) for v in s.lower().split("x"))
                   for s in (args.size, args.large_size))

    if args.no_build:
        cli = ROOT / "target" / "release" / "bilateral"
        peers = PEERS / "target" / "release" / "bilateral-peers"
    else:
        cli, peers = build()
    with tempfile.TemporaryDirectory() as tmp:
        by_size = {}
        for s in {size, large}:
            directory = Path(tmp) / "x".join(map(str, s))
            directory.mkdir()
            by_size[s] = frames(s, directory)
        frames_by_d = {d: (s, by_size[s])
                       for d, s in ((d, large if d > LARGE_D else size) for d in diameters)}
        results = time_opencv(frames_by_d, diameters, threads, args.runs)
        results += time_ours(cli, frames_by_d, diameters, threads, args.runs)
        if not args.skip_peers:
            results += time_peers(peers, by_size[size], threads, args.runs)

    backend = next((r["backend"] for r in results if "backend" in r), "?")
    sections = [("OpenCV, `--preset opencv` (disc window, L1 colour distance, reflect-101)",
                 opencv_table(results, frames_by_d, diameters, threads))]
    if not args.skip_peers:
        sections.append(("imageproc and libblur, each on its own semantics (25-tap square, "
                         "r = 2, σs = 1.5, σr = 25)", peers_table(results, threads)))
    head = header(args, backend)
    print(head)
    for title, (columns, rows) in sections:
        print(f"\n{title}\n{text_table(columns, rows)}")
    if args.markdown:
        body = [head.replace("\n", "\n\n")]
        body += [f"{title}:\n\n{markdown_table(columns, rows)}" for title, (columns, rows) in sections]
        args.markdown.write_text("\n\n".join(body) + "\n")


if __name__ == "__main__":
    main()
