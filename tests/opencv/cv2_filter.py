"""cv2.bilateralFilter on every case of a manifest, for cli/tests/opencv_parity.rs.

Usage: python cv2_filter.py DIR

DIR/cases.json lists {"id", "input", "d", "sigma_color", "sigma_space", "border"}: input is
an .npy file in DIR, the sigmas are decimal strings (so that "inf" and "nan" pass), border
the name of a cv2.BORDER_* constant. Each case is filtered twice and written as
DIR/<id>.default.npy, OpenCV as installed (on x86-64 the opencv-python wheels send the filter to
Intel IPP), and DIR/<id>.generic.npy, with IPP switched off so that OpenCV's own code runs.
One JSON line on stdout tells the versions and whether IPP was in use.

All cases run in this one process: starting Python and importing cv2 costs more than the
filtering.
"""

import json
import sys
from pathlib import Path

import cv2
import numpy as np


def main() -> None:
    directory = Path(sys.argv[1])
    cases = json.loads((directory / "cases.json").read_text())
    # One thread: OpenCV's output does not depend on it, and the test's timing should not
    # depend on the machine's load.
    cv2.setNumThreads(1)
    inputs = {}
    for case in cases:
        name = case["input"]
        if name not in inputs:
            inputs[name] = np.load(directory / name)
        src = inputs[name]
        args = (
            int(case["d"]),
            float(case["sigma_color"]),
            float(case["sigma_space"]),
        )
        border = getattr(cv2, case["border"])
        for path, use_ipp in (("default", True), ("generic", False)):
            cv2.ipp.setUseIPP(use_ipp)
            out = cv2.bilateralFilter(src, *args, borderType=border)
            np.save(directory / f"{case['id']}.{path}.npy", out)
    cv2.ipp.setUseIPP(True)
    print(
        json.dumps(
            {
                "cv2": cv2.__version__,
                "numpy": np.__version__,
                "ipp": bool(cv2.ipp.useIPP()),
                "cases": len(cases),
            }
        )
    )


if __name__ == "__main__":
    main()
