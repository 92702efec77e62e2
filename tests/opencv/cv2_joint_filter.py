"""cv2.ximgproc.jointBilateralFilter on every case of a manifest, for cli/tests/opencv_parity.rs.

Usage: python cv2_joint_filter.py DIR

DIR/cases.json lists {"id", "input", "guide", "d", "sigma_color", "sigma_space", "border"}:
input and guide are .npy files in DIR, the sigmas decimal strings, border the name of a
cv2.BORDER_* constant. Each case's result goes to DIR/<id>.npy. One JSON line on stdout tells
the versions. Needs opencv-contrib-python-headless (`bash .ci/venv contrib`).
"""

import json
import sys
from pathlib import Path

import cv2
import numpy as np


def main() -> None:
    directory = Path(sys.argv[1])
    cases = json.loads((directory / "cases.json").read_text())
    cv2.setNumThreads(1)
    images = {}

    def load(name: str) -> np.ndarray:
        if name not in images:
            images[name] = np.load(directory / name)
        return images[name]

    for case in cases:
        # A copy of the guide: OpenCV calls its own bilateralFilter when both are one array.
        guide = load(case["guide"]).copy()
        out = cv2.ximgproc.jointBilateralFilter(
            guide,
            load(case["input"]),
            int(case["d"]),
            float(case["sigma_color"]),
            float(case["sigma_space"]),
            borderType=getattr(cv2, case["border"]),
        )
        np.save(directory / f"{case['id']}.npy", out)
    print(json.dumps({"cv2": cv2.__version__, "numpy": np.__version__, "cases": len(cases)}))


if __name__ == "__main__":
    main()
