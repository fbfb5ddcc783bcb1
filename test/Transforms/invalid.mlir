// Strategies the passes reject, each diagnosed on the op with the numbers
// that disagree.
// RUN: mindshard-opt %s -split-input-file -verify-diagnostics \
// RUN:   -mindshard-infer-predict-layout="devices=8"

module attributes {mindir.main_graph = @not_power_of_two} {
  func.func @not_power_of_two(%x: tensor<12x32xf32>) -> tensor<12x32xf32> {
    // expected-error @below {{strategy ((3, 1)) splits dimension 0 of input 0 3 ways; on 8 devices MindSpore takes only powers of 2}}
    %y = mindir.ReLU %x {in_strategy = #mindir.strategy<[3, 1]>} : tensor<12x32xf32>
    return %y : tensor<12x32xf32>
  }
}

// -----

module attributes {mindir.main_graph = @too_many_devices} {
  func.func @too_many_devices(%x: tensor<16x32xf32>) -> tensor<16x32xf32> {
    // expected-error @below {{strategy ((16, 1)) needs 16 devices, which does not divide the 8 devices to serve on}}
    %y = mindir.ReLU %x {in_strategy = #mindir.strategy<[16, 1]>} : tensor<16x32xf32>
    return %y : tensor<16x32xf32>
  }
}

// -----

module attributes {mindir.main_graph = @contraction} {
  mindir.parameter @w : tensor<32x64xf32>
  func.func @contraction(%x: tensor<16x32xf32>) -> tensor<16x64xf32> {
    %w = mindir.get_parameter @w : tensor<32x64xf32>
    // expected-error @below {{strategy ((2, 2), (4, 1)): the contracting dimension is split 2 ways in x1 but 4 ways in x2}}
    %y = mindir.MatMul %x, %w {in_strategy = #mindir.strategy<[2, 2], [4, 1]>} : (tensor<16x32xf32>, tensor<32x64xf32>) -> tensor<16x64xf32>
    return %y : tensor<16x64xf32>
  }
}

// -----

module attributes {mindir.main_graph = @softmax_axis} {
  func.func @softmax_axis(%x: tensor<16x32xf32>) -> tensor<16x32xf32> {
    // expected-error @below {{strategy ((2, 4)) splits dimension 1, the softmax axis; it must be 1}}
    %y = mindir.Softmax %x {in_strategy = #mindir.strategy<[2, 4]>} : tensor<16x32xf32>
    return %y : tensor<16x32xf32>
  }
}

// -----

module attributes {mindir.main_graph = @calls} {
  func.func @callee(%x: tensor<16x32xf32>) -> tensor<16x32xf32> {
    return %x : tensor<16x32xf32>
  }
  func.func @calls(%x: tensor<16x32xf32>) -> tensor<16x32xf32> {
    // expected-error @below {{calls another graph; inline the graphs the network calls first (-mindshard-inline-graphs, which the sharding pipeline runs)}}
    %y = mindir.call @callee(%x) : (tensor<16x32xf32>) -> tensor<16x32xf32>
    return %y : tensor<16x32xf32>
  }
}

// -----

module attributes {mindir.main_graph = @applies} {
  func.func @callee(%x: tensor<16x32xf32>) -> tensor<16x32xf32> {
    return %x : tensor<16x32xf32>
  }
  func.func @applies(%x: tensor<16x32xf32>) -> tensor<16x32xf32> {
    %f = mindir.func_ref @callee
    // expected-error @below {{applies a value as a graph (a closure); mindshard lays out networks whose calls name their graph}}
    %y = mindir.apply %f(%x) : (!mindir.any, tensor<16x32xf32>) -> tensor<16x32xf32>
    return %y : tensor<16x32xf32>
  }
}

// -----

// The op's own in_strategy is checked against its operands here, not when
// the network is read: on one device MindSpore ignores it.
module attributes {mindir.main_graph = @does_not_divide} {
  mindir.parameter @w : tensor<32x4xf32>
  func.func @does_not_divide(%x: tensor<16x32xf32>) -> tensor<16x4xf32> {
    %w = mindir.get_parameter @w : tensor<32x4xf32>
    // expected-error @below {{strategy ((1, 1), (1, 8)) splits dimension 1 of input 1 (extent 4) 8 ways, which does not divide it}}
    %y = mindir.MatMul %x, %w {in_strategy = #mindir.strategy<[1, 1], [1, 8]>} : (tensor<16x32xf32>, tensor<32x4xf32>) -> tensor<16x4xf32>
    return %y : tensor<16x4xf32>
  }
}

// -----

// A split asked of an op without a sharding rule is an error, not dropped.
module attributes {mindir.main_graph = @no_rule} {
  func.func @no_rule(%x: tensor<16x32xf32>) -> tensor<16x32xf32> {
    // expected-error @below {{asks for in_strategy ((2, 1)), but mindshard has no sharding rule for 'Erf'}}
    %y = mindir.primitive "Erf"(%x) {in_strategy = #mindir.strategy<[2, 1]>} : (tensor<16x32xf32>) -> tensor<16x32xf32>
    return %y : tensor<16x32xf32>
  }
}

// -----

module attributes {mindir.main_graph = @kept_generic} {
  func.func @kept_generic(%x: tensor<2x8x4x8xf32>) -> tensor<2x4x8x8xf32> {
    %perm = mindir.Constant([0, 2, 1, 3]) : tuple<i64, i64, i64, i64>
    // expected-error @below {{asks for in_strategy ((1, 1, 2, 1)), but mindshard has no sharding rule for 'Transpose': its operands or attributes do not fit mindir.Transpose, so the importer kept it generic}}
    %y = mindir.primitive "Transpose"(%x, %perm) {in_strategy = #mindir.strategy<[1, 1, 2, 1]>} : (tensor<2x8x4x8xf32>, tuple<i64, i64, i64, i64>) -> tensor<2x4x8x8xf32>
    return %y : tensor<2x4x8x8xf32>
  }
}

// -----

// A strategy that splits nothing asks nothing of an op without a rule.
module attributes {mindir.main_graph = @splits_nothing} {
  func.func @splits_nothing(%x: tensor<16x32xf32>) -> tensor<16x32xf32> {
    %y = mindir.primitive "Erf"(%x) {in_strategy = #mindir.strategy<[1, 1]>} : (tensor<16x32xf32>) -> tensor<16x32xf32>
    return %y : tensor<16x32xf32>
  }
}
