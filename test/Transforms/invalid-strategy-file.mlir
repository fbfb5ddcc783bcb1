// Strategies from a predict strategy file are checked like the ops' own,
// and the message says which entry of which file is at fault.
// RUN: mindshard-opt %s -verify-diagnostics \
// RUN:   -mindshard-infer-predict-layout="devices=8 predict-strategy=%S/Inputs/predict-bad-rank.json"
// RUN: not mindshard-opt %s -mindshard-infer-predict-layout="devices=8 predict-strategy=%S/Inputs/predict-bad-split.json" \
// RUN:   -o /dev/null 2>&1 | FileCheck %s --check-prefix=SPLIT
// SPLIT: error: 'mindir.MatMul' op strategy ((1, 1), (1, 3)) splits dimension 1 of input 1 (extent 64) 3 ways, which does not divide it
// SPLIT: note: the strategy is entry 'MatMul_w' of the predict strategy file {{.*}}predict-bad-split.json

module attributes {mindir.main_graph = @d} {
  mindir.parameter @w : tensor<32x64xf32>
  func.func @d(%x: tensor<16x32xf32>) -> tensor<16x64xf32> {
    %w = mindir.get_parameter @w : tensor<32x64xf32>
    // expected-error @below {{strategy ((2, 1, 1), (1, 4)): tuple 0 has 3 split counts but input 0 has rank 2}}
    // expected-note @below {{the strategy is entry 'MatMul_w' of the predict strategy file}}
    %y = mindir.MatMul %x, %w : (tensor<16x32xf32>, tensor<32x64xf32>) -> tensor<16x64xf32>
    return %y : tensor<16x64xf32>
  }
}
