"""docker/Dockerfile (built from source) and docker/Dockerfile.runtime (from a built
binary, what CI runs) must describe the same runtime image: their instructions after
`FROM scratch` are compared, with the build stage's /rootfs/ read as the runtime build's
context."""

import os
import re
import sys

DOCKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docker")


def runtime_stage(path):
    lines, seen_scratch, continued = [], False, ""
    for raw in open(path, encoding="utf-8"):
        line = raw.strip()
        if line.startswith("#") or not line:
            continue
        line = continued + line
        if line.endswith("\\"):
            continued = line[:-1].strip() + " "
            continue
        continued = ""
        if line == "FROM scratch":
            seen_scratch = True
            lines = []
            continue
        if seen_scratch:
            lines.append(re.sub(r"--from=build (/rootfs/)?", "", line).replace(" /rootfs/", " "))
    return lines


source = runtime_stage(os.path.join(DOCKER, "Dockerfile"))
prebuilt = runtime_stage(os.path.join(DOCKER, "Dockerfile.runtime"))
if not source or source != prebuilt:
    print("docker/Dockerfile's runtime stage and docker/Dockerfile.runtime differ:")
    for a, b in zip(source + [""] * len(prebuilt), prebuilt + [""] * len(source)):
        print(("  " if a == b else "! ") + f"{a!r:70} {b!r}")
    sys.exit(1)
print(f"the runtime stages agree ({len(source)} instructions)")
