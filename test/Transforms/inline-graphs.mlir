// Graphs called from the main graph are inlined, each call with its own copy
// of the body, and erased once nothing names them.
// RUN: mindshard-opt %s -split-input-file -mindshard-inline-graphs \
// RUN:   | FileCheck %s

// A reused layer, called once per layer with that layer's weight; the layer
// calls an activation graph of its own. Both are gone; the graph nobody
// calls stays.
// CHECK-LABEL: module attributes {mindir.main_graph = @net}
// CHECK-NOT: func.func @dense
// CHECK-NOT: func.func @activation
// CHECK: func.func @unused
// CHECK: func.func @net(%[[X:.*]]: tensor<16x32xf32>
// CHECK-DAG: %[[W1:.*]] = mindir.get_parameter @layer1.weight
// CHECK-DAG: %[[W2:.*]] = mindir.get_parameter @layer2.weight
// CHECK: %[[M1:.*]] = mindir.MatMul %[[X]], %[[W1]]
// CHECK-NOT: mindir.name
// CHECK: %[[A1:.*]] = mindir.ReLU %[[M1]]
// CHECK: %[[M2:.*]] = mindir.MatMul %[[A1]], %[[W2]]
// CHECK: %[[A2:.*]] = mindir.ReLU %[[M2]]
// CHECK-NOT: mindir.call
// CHECK: return %[[A2]]
module attributes {mindir.main_graph = @net} {
  mindir.parameter @layer1.weight : tensor<32x32xf32>
  mindir.parameter @layer2.weight : tensor<32x32xf32>
  func.func @activation(%x: tensor<16x32xf32>) -> tensor<16x32xf32> {
    %y = mindir.ReLU %x {mindir.name = "activation:y:1"} : tensor<16x32xf32>
    return %y : tensor<16x32xf32>
  }
  func.func @dense(%x: tensor<16x32xf32>, %w: tensor<32x32xf32>) -> tensor<16x32xf32> {
    %y = mindir.MatMul %x, %w {mindir.name = "dense:y:2"} : (tensor<16x32xf32>, tensor<32x32xf32>) -> tensor<16x32xf32>
    %z = mindir.call @activation(%y) : (tensor<16x32xf32>) -> tensor<16x32xf32>
    return %z : tensor<16x32xf32>
  }
  func.func @unused(%x: tensor<16x32xf32>) -> tensor<16x32xf32> {
    return %x : tensor<16x32xf32>
  }
  func.func @net(%x: tensor<16x32xf32>) -> tensor<16x32xf32> {
    %w1 = mindir.get_parameter @layer1.weight : tensor<32x32xf32>
    %w2 = mindir.get_parameter @layer2.weight : tensor<32x32xf32>
    %h = mindir.call @dense(%x, %w1) : (tensor<16x32xf32>, tensor<32x32xf32>) -> tensor<16x32xf32>
    %y = mindir.call @dense(%h, %w2) : (tensor<16x32xf32>, tensor<32x32xf32>) -> tensor<16x32xf32>
    return %y : tensor<16x32xf32>
  }
}

// -----

// A free variable of the callee reads a value of its caller by name.
// CHECK-LABEL: module attributes {mindir.main_graph = @closure}
// CHECK-NOT: func.func @scale
// CHECK: func.func @closure(%[[X:.*]]: tensor<4xf32> {mindir.name = "closure:x"}, %[[S:.*]]: tensor<4xf32>
// CHECK-NEXT: %[[N:.*]] = mindir.Neg %[[S]] {mindir.name = "closure:n:1"}
// CHECK-NEXT: %[[M:.*]] = mindir.Mul %[[X]], %[[N]] : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT: return %[[M]]
module attributes {mindir.main_graph = @closure} {
  func.func @scale(%v: tensor<4xf32>) -> tensor<4xf32> {
    %n = mindir.free_variable "closure:n:1" : tensor<4xf32>
    %y = mindir.Mul %v, %n : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
    return %y : tensor<4xf32>
  }
  func.func @closure(%x: tensor<4xf32> {mindir.name = "closure:x"}, %s: tensor<4xf32>) -> tensor<4xf32> {
    %n = mindir.Neg %s {mindir.name = "closure:n:1"} : tensor<4xf32>
    %y = mindir.call @scale(%x) : (tensor<4xf32>) -> tensor<4xf32>
    return %y : tensor<4xf32>
  }
}

// -----

// A network that makes no call is left as it is.
// CHECK-LABEL: module attributes {mindir.main_graph = @plain}
// CHECK: mindir.ReLU
module attributes {mindir.main_graph = @plain} {
  func.func @plain(%x: tensor<4xf32>) -> tensor<4xf32> {
    %y = mindir.ReLU %x : tensor<4xf32>
    return %y : tensor<4xf32>
  }
}
