#!/usr/bin/python3
"""Writes a grid of training runs with the independent scenario generator
(PEER_DIR/generator/scenarios.py): its four networks over data and model
parallel degrees, serving device counts, layer counts, dtypes, optimizer
sharding, CRC trailers and chunked records. One folder per run under OUT,
each holding the generator's own folder; OUT/expected_refusals lists the
runs whose op strategies cannot fit their serving devices (the generator
splits the attention heads as many ways as there are serving devices).

    sweep_scenarios.py PEER_DIR OUT

Needs Debian's python3-numpy and python3-protobuf, as the generator does.
"""

import os
import sys


def grid(S, rng):
    """(name, scenario, write options, refused) for every run."""
    for predict in (1, 2, 4, 8, 16):
        for dtype in ("Float32", "Float16", "BFloat16"):
            yield (f"seed_p{predict}_{dtype}",
                   S.seed_matmul(rng, predict=predict, type_name=dtype), {},
                   False)
    for train in (2, 4, 8):
        for predict in (1, 2, 4, 8):
            for shard in (True, False):
                yield (f"mlp_t{train}_p{predict}_{'opt' if shard else 'noopt'}",
                       S.mlp(rng, train=train, predict=predict,
                             opt_shard=shard, type_name="Float16"),
                       {"crc": shard}, False)
    heads = 4
    for dp, mp in ((1, 4), (2, 4), (4, 2), (8, 1), (1, 8), (2, 2)):
        for predict in (1, 2, 4, 8):
            for layers in (1, 2):
                for dtype in ("Float16", "Float32", "BFloat16"):
                    if dtype != "Float16" and (layers == 2 or predict == 8):
                        continue
                    yield (f"attn_dp{dp}_mp{mp}_p{predict}_l{layers}_{dtype}",
                           S.attention_block(rng, dp=dp, mp=mp,
                                             predict=predict, layers=layers,
                                             type_name=dtype),
                           {"chunk_bytes": 512 if layers == 2 else None},
                           predict > heads)
    for per_stage in (1, 2, 4):
        for predict in (1, 2, 4):
            yield (f"pipe_s{per_stage}_p{predict}",
                   S.pipeline_mlp(rng, per_stage=per_stage, predict=predict),
                   {}, False)


def main(peer, out):
    sys.path.insert(0, os.path.join(peer, "generator"))
    import numpy as np
    import scenarios as S

    rng = np.random.default_rng(2026)
    refused = []
    count = 0
    for name, scenario, options, refuses in grid(S, rng):
        S.write(scenario, os.path.join(out, name), **options)
        count += 1
        if refuses:
            refused.append(name)
    with open(os.path.join(out, "expected_refusals"), "w") as f:
        f.write("".join(f"{name}\n" for name in refused))
    print(f"{count} training runs in {out}, {len(refused)} to be refused")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
