"""Writes a graph of ROUNDS rounds of x := Neg(TupleGetItem(MakeTuple(Load(x)))[0])
on a tensor<4xf32>: many values, each Load and TupleGetItem reading another.
An even number of rounds returns the input. Usage: chain.py ROUNDS OUT.mlir"""
import sys

rounds, out = int(sys.argv[1]), sys.argv[2]
t = "tensor<4xf32>"
lines = ["module attributes {mindir.main_graph = @chain} {",
         f"func.func @chain(%v0: {t}) -> {t} {{",
         "  %u = mindir.Constant(unit) : !mindir.u_monad"]
for i in range(rounds):
    lines += [
        f"  %l{i} = mindir.Load %v{i}, %u : ({t}, !mindir.u_monad) -> {t}",
        f"  %m{i} = mindir.MakeTuple %l{i} : ({t}) -> tuple<{t}>",
        f"  %g{i} = mindir.TupleGetItem %m{i}[0] : (tuple<{t}>) -> {t}",
        f"  %v{i + 1} = mindir.Neg %g{i} : {t}",
    ]
lines += [f"  return %v{rounds} : {t}", "}", "}"]
with open(out, "w") as f:
    f.write("\n".join(lines) + "\n")
