#!/usr/bin/env python3
"""Crafts damaged or unusual MindSpore files for the lit tests, from the
Python standard library alone.

    craft.py truncate IN OUT BYTES        the first BYTES bytes of IN
    craft.py flip IN OUT OFFSET           IN with the byte at OFFSET inverted
    craft.py record OUT TAG DTYPE DIMS CONTENT_BYTES [TAG DTYPE DIMS N ...]
                                          a .ckpt of hand-made records; DIMS
                                          is comma-separated ("" for none)
    craft.py raw OUT HEX                  a file of the given bytes
    craft.py strategy OUT NAME DEV MAP    a strategy file as MindSpore before
                                          1.2.1 wrote it: one layout, no
                                          field or optimizer-shard fields
    craft.py encrypt MODE KEYHEX IN OUT   IN encrypted as MindSpore 1.7+ does,
                                          in one record, with the openssl
                                          command (AES-CBC or SM4-CBC)
    craft.py safetensors OUT HEADER_JSON DATA_BYTES
                                          a .safetensors file with the given
                                          header and DATA_BYTES zero bytes
    craft.py random OUT DTYPE COUNT [SEED]
                                          COUNT random little-endian values
                                          (float32 in [-1, 1), or int32 in
                                          [0, 64) for Int32)
    craft.py drop IN OUT TAG...           the .ckpt IN without the records of
                                          the given tags, as MindSpore's
                                          remove_redundancy leaves a rank's
                                          file (a CRC trailer is left out
                                          too: it would no longer match)
    craft.py weights OUT NAME:DIMS[:DTYPE] ...
                                          a .ckpt of random float32 (or
                                          float16) tensors, DIMS as 32x64
"""

import random

import json
import struct
import subprocess
import sys


def varint(value):
    value &= (1 << 64) - 1
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def field(number, payload):
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def read_varint(data, at):
    value = shift = 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, at


def records(data):
    """The records of a .ckpt, each as (tag, bytes), up to any trailer."""
    at = 0
    while at < len(data):
        start = at
        key, at = read_varint(data, at)
        if key != (1 << 3 | 2):
            return
        length, at = read_varint(data, at)
        value = data[at : at + length]
        at += length
        # The record's tag is its first field, a string.
        tag_key, inner = read_varint(value, 0)
        tag_length, inner = read_varint(value, inner)
        assert tag_key == (1 << 3 | 2)
        yield value[inner : inner + tag_length].decode(), data[start:at]


def record(tag, dtype, dims, size):
    tensor = b"".join(varint(1 << 3) + varint(d) for d in dims)
    tensor += field(2, dtype.encode()) + field(3, bytes(size))
    value = field(1, tag.encode()) + field(2, tensor)
    return field(1, value)


def random_values(rng, dtype, count):
    if dtype == "Int32":
        return struct.pack("<%di" % count,
                           *(rng.randrange(64) for _ in range(count)))
    values = [rng.uniform(-1, 1) for _ in range(count)]
    if dtype == "Float16":
        return struct.pack("<%de" % count, *values)
    return struct.pack("<%df" % count, *values)


def main(argv):
    command = argv[1]
    if command == "truncate":
        data = open(argv[2], "rb").read()
        open(argv[3], "wb").write(data[: int(argv[4])])
    elif command == "flip":
        data = bytearray(open(argv[2], "rb").read())
        offset = int(argv[4])
        data[offset] ^= 0xFF
        open(argv[3], "wb").write(bytes(data))
    elif command == "record":
        out = b""
        args = argv[3:]
        for i in range(0, len(args), 4):
            tag, dtype, dims, size = args[i : i + 4]
            dims = [int(d) for d in dims.split(",")] if dims else []
            out += record(tag, dtype, dims, int(size))
        open(argv[2], "wb").write(out)
    elif command == "strategy":
        name, dev, tmap = argv[3:6]
        dims = lambda text, key: b"".join(
            varint(key << 3) + varint(int(v)) for v in text.split(","))
        layouts = field(1, dims(dev, 1)) + field(2, dims(tmap, 1))
        item = field(1, name.encode()) + field(2, layouts)
        open(argv[2], "wb").write(varint(1 << 3) + varint(1) + field(3, item))
    elif command == "raw":
        open(argv[2], "wb").write(bytes.fromhex(argv[3]))
    elif command == "encrypt":
        mode, key, source, out = argv[2:6]
        cipher = {"AES-CBC": "-aes-%d-cbc" % (len(key) * 4),
                  "SM4-CBC": "-sm4-cbc"}[mode]
        magic = {"AES-CBC": 0x7F3A5ED9, "SM4-CBC": 0x7F3A5EDA}[mode]
        iv = "00112233445566778899aabbccddeeff"
        text = subprocess.run(
            ["openssl", "enc", cipher, "-K", key, "-iv", iv, "-in", source],
            check=True, capture_output=True).stdout
        header = struct.pack("<Iii", magic, 24 + len(text), 16)
        open(out, "wb").write(header + bytes.fromhex(iv) +
                              struct.pack("<i", len(text)) + text)
    elif command == "safetensors":
        header = argv[3].encode()
        open(argv[2], "wb").write(
            struct.pack("<Q", len(header)) + header + bytes(int(argv[4])))
    elif command == "random":
        rng = random.Random(int(argv[5]) if len(argv) > 5 else 1)
        open(argv[2], "wb").write(random_values(rng, argv[3], int(argv[4])))
    elif command == "drop":
        data = open(argv[2], "rb").read()
        dropped = set(argv[4:])
        kept = [raw for tag, raw in records(data) if tag not in dropped]
        open(argv[3], "wb").write(b"".join(kept))
    elif command == "weights":
        rng = random.Random(7)
        out = b""
        for spec in argv[3:]:
            name, dims, *dtype = spec.split(":")
            dtype = dtype[0] if dtype else "Float32"
            dims = [int(d) for d in dims.split("x")]
            count = 1
            for d in dims:
                count *= d
            data = random_values(rng, dtype, count)
            tensor = b"".join(varint(1 << 3) + varint(d) for d in dims)
            tensor += field(2, dtype.encode()) + field(3, data)
            out += field(1, field(1, name.encode()) + field(2, tensor))
        open(argv[2], "wb").write(out)
    else:
        sys.exit("unknown command " + command)


if __name__ == "__main__":
    main(sys.argv)
