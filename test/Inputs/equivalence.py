#!/usr/bin/env python3
"""Partitions each module of a file (split at '// -----') for a number of
devices and runs the device programs together against the single-device
module, on random inputs and random weights: every device must compute what
the single device computes.

    equivalence.py FILE DEVICES WORKDIR [PARTITION_OPTIONS]

Prints one line per module; exits non-zero when one differs or fails.
"""

import os
import random
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import craft  # noqa: E402

TYPES = {"f32": ("Float32", 4), "f16": ("Float16", 2), "i32": ("Int32", 4)}


def tensor_type(text):
    """'tensor<16x32xf32>' -> ([16, 32], 'Float32')."""
    body = text[len("tensor<"):-1]
    *dims, element = body.split("x")
    return [int(d) for d in dims], TYPES[element][0]


def count(dims):
    n = 1
    for d in dims:
        n *= d
    return n


def main(argv):
    path, devices, work = argv[1], argv[2], argv[3]
    partition = "--mindshard-partition"
    if len(argv) > 4:
        partition += "=" + argv[4]
    os.makedirs(work, exist_ok=True)
    modules = open(path).read().split("// -----")
    failed = 0
    for index, module in enumerate(modules):
        name = re.search(r"mindir.main_graph = @(\w+)", module).group(1)
        single = os.path.join(work, f"{name}.mlir")
        open(single, "w").write(module)
        parted = os.path.join(work, f"{name}.part.mlir")
        subprocess.run(["mindshard-opt", single,
                        f"--mindshard-infer-predict-layout=devices={devices}",
                        partition, "-o", parted],
                       check=True)
        rng = random.Random(index)
        # Random weights for every parameter, random data for every input.
        weights = os.path.join(work, f"{name}.ckpt")
        out = b""
        for param, ty in re.findall(
                r"mindir.parameter @([\w.]+) : (tensor<[^>]*>)", module):
            dims, dtype = tensor_type(ty)
            data = craft.random_values(rng, dtype, count(dims))
            tensor = b"".join(craft.varint(1 << 3) + craft.varint(d)
                              for d in dims)
            tensor += craft.field(2, dtype.encode()) + craft.field(3, data)
            out += craft.field(1, craft.field(1, param.encode()) +
                               craft.field(2, tensor))
        open(weights, "wb").write(out)
        signature = re.search(r"func.func @\w+\((.*?)\) ->", module).group(1)
        inputs = []
        for position, ty in enumerate(
                re.findall(r"tensor<[^>]*>", signature)):
            dims, dtype = tensor_type(ty)
            file = os.path.join(work, f"{name}.input{position}.bin")
            open(file, "wb").write(craft.random_values(rng, dtype, count(dims)))
            inputs += ["--input", file]
        result = subprocess.run(
            ["mindshard-run", parted, "--weights", weights, "--reference",
             single, "--rtol", "1e-4", "--atol", "1e-5"] + inputs,
            capture_output=True, text=True)
        matches = result.stdout.count(" match ")
        if result.returncode != 0 or matches == 0:
            failed += 1
            print(f"{name}: FAILED\n{result.stdout}{result.stderr}")
        else:
            print(f"{name}: {matches} device outputs match the single device")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
