// Graphs called from the main graph are inlined, each call with its own copy
// of the body, and erased once nothing names them.
// RUN: mindshard-opt %s -split-input-file -mindshard-inline-graphs \
// RUN:   | FileCheck %s
// RUN: mindshard-opt %s -split-input-file -mindshard-inline-graphs \
// RUN:   -mlir-print-debuginfo | FileCheck %s --check-prefix=LOC

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
// CHECK-NOT: mindir.name
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

// Free variables read, by name, values of the graphs on the call chain: the
// main graph's value and input, two calls down, and a value and an input of
// the graph in between.
// CHECK-LABEL: module attributes {mindir.main_graph = @closure}
// CHECK-NOT: func.func @outer
// CHECK-NOT: func.func @inner
// CHECK: func.func @closure(%[[X:.*]]: tensor<4xf32> {mindir.name = "closure:x"}, %[[S:.*]]: tensor<4xf32>
// CHECK-NEXT: %[[N:.*]] = mindir.Neg %[[S]] {mindir.name = "closure:n:1"}
// CHECK-NEXT: %[[H:.*]] = mindir.ReLU %[[N]] : tensor<4xf32>
// CHECK-NEXT: %[[A:.*]] = mindir.Mul %[[X]], %[[N]]
// CHECK-NEXT: %[[B:.*]] = mindir.Mul %[[A]], %[[H]]
// CHECK-NEXT: %[[C:.*]] = mindir.Mul %[[B]], %[[N]]
// CHECK-NEXT: return %[[C]]
module attributes {mindir.main_graph = @closure} {
  func.func @inner(%v: tensor<4xf32>) -> tensor<4xf32> {
    %x = mindir.free_variable "closure:x" : tensor<4xf32>
    %n = mindir.free_variable "closure:n:1" : tensor<4xf32>
    %h = mindir.free_variable "outer:h:2" : tensor<4xf32>
    %m = mindir.free_variable "outer:m" : tensor<4xf32>
    %a = mindir.Mul %x, %n : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
    %b = mindir.Mul %a, %h : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
    %c = mindir.Mul %b, %m : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
    return %c : tensor<4xf32>
  }
  func.func @outer(%m: tensor<4xf32> {mindir.name = "outer:m"}) -> tensor<4xf32> {
    %h = mindir.ReLU %m {mindir.name = "outer:h:2"} : tensor<4xf32>
    %y = mindir.call @inner(%h) : (tensor<4xf32>) -> tensor<4xf32>
    return %y : tensor<4xf32>
  }
  func.func @closure(%x: tensor<4xf32> {mindir.name = "closure:x"}, %s: tensor<4xf32>) -> tensor<4xf32> {
    %n = mindir.Neg %s {mindir.name = "closure:n:1"} : tensor<4xf32>
    %y = mindir.call @outer(%n) : (tensor<4xf32>) -> tensor<4xf32>
    return %y : tensor<4xf32>
  }
}

// -----

// A graph that a graph kept still calls is kept, though inlined elsewhere.
// CHECK-LABEL: module attributes {mindir.main_graph = @main}
// CHECK: func.func @shared
// CHECK: func.func @kept
// CHECK-NEXT: mindir.call @shared
// CHECK: func.func @main
// CHECK-NEXT: mindir.Neg
// CHECK-NEXT: return
module attributes {mindir.main_graph = @main} {
  func.func @shared(%x: tensor<4xf32>) -> tensor<4xf32> {
    %y = mindir.Neg %x : tensor<4xf32>
    return %y : tensor<4xf32>
  }
  func.func @kept(%x: tensor<4xf32>) -> tensor<4xf32> {
    %y = mindir.call @shared(%x) : (tensor<4xf32>) -> tensor<4xf32>
    return %y : tensor<4xf32>
  }
  func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
    %y = mindir.call @shared(%x) : (tensor<4xf32>) -> tensor<4xf32>
    return %y : tensor<4xf32>
  }
}

// -----

// A graph of untyped inputs takes the call's types: its ops that infer
// their result types infer them again.
// CHECK-LABEL: module attributes {mindir.main_graph = @typed}
// CHECK: func.func @typed(%[[X:.*]]: tensor<4xf32>) -> tuple<tensor<4xf32>>
// CHECK-NEXT: %[[T:.*]] = mindir.MakeTuple %[[X]] : (tensor<4xf32>) -> tuple<tensor<4xf32>>
// CHECK-NEXT: return %[[T]]
module attributes {mindir.main_graph = @typed} {
  func.func @pack(%v: !mindir.any) -> tuple<!mindir.any> {
    %t = mindir.MakeTuple %v : (!mindir.any) -> tuple<!mindir.any>
    return %t : tuple<!mindir.any>
  }
  func.func @typed(%x: tensor<4xf32>) -> tuple<tensor<4xf32>> {
    %t = mindir.call @pack(%x) : (tensor<4xf32>) -> tuple<tensor<4xf32>>
    return %t : tuple<tensor<4xf32>>
  }
}

// -----

// A call of unknown result type takes the type the body gives, and so do
// the ops and the graph that use it (a closure as MindSpore writes a bprop
// graph: the callee reads the caller's input by name).
// CHECK-LABEL: module attributes {mindir.main_graph = @untyped}
// CHECK: func.func @untyped(%[[X:.*]]: !mindir.any {mindir.name = "untyped:x"}) -> tuple<tuple<!mindir.any>>
// CHECK-NEXT: %[[I:.*]] = mindir.MakeTuple %[[X]] : (!mindir.any) -> tuple<!mindir.any>
// CHECK-NEXT: %[[O:.*]] = mindir.MakeTuple %[[I]] : (tuple<!mindir.any>) -> tuple<tuple<!mindir.any>>
// CHECK-NEXT: return %[[O]] : tuple<tuple<!mindir.any>>
module attributes {mindir.main_graph = @untyped} {
  func.func @bprop() -> tuple<!mindir.any> {
    %x = mindir.free_variable "untyped:x" : !mindir.any
    %t = mindir.MakeTuple %x : (!mindir.any) -> tuple<!mindir.any>
    return %t : tuple<!mindir.any>
  }
  func.func @untyped(%x: !mindir.any {mindir.name = "untyped:x"}) -> tuple<!mindir.any> {
    %r = mindir.call @bprop() : () -> !mindir.any
    %t = mindir.MakeTuple %r : (!mindir.any) -> tuple<!mindir.any>
    return %t : tuple<!mindir.any>
  }
}

// -----

// A closure reads one element of an op of several results, by the name the
// op gives that result.
// CHECK-LABEL: module attributes {mindir.main_graph = @parts}
// CHECK: %[[S:.*]]:2 = mindir.Split
// CHECK-NEXT: %[[N:.*]] = mindir.Neg %[[S]]#1
// CHECK-NEXT: return %[[N]]
module attributes {mindir.main_graph = @parts} {
  func.func @second() -> tensor<4x2xf32> {
    %p = mindir.free_variable "parts:half:2" : tensor<4x2xf32>
    %n = mindir.Neg %p : tensor<4x2xf32>
    return %n : tensor<4x2xf32>
  }
  func.func @parts(%x: tensor<4x4xf32>) -> tensor<4x2xf32> {
    %a:2 = mindir.Split %x {axis = 1 : i64, output_num = 2 : i64, mindir.result_names = ["", "parts:half:2"]} : (tensor<4x4xf32>) -> (tensor<4x2xf32>, tensor<4x2xf32>)
    %y = mindir.call @second() : () -> tensor<4x2xf32>
    return %y : tensor<4x2xf32>
  }
}

// -----

// The copies say which call they came from.
// CHECK-LABEL: module attributes {mindir.main_graph = @located}
// LOC-LABEL: func.func @located
// LOC: mindir.Neg %{{.*}} loc(#[[SITE:loc[0-9]+]])
// LOC: #[[CALLEE:loc[0-9]+]] = loc("negate.py":3:1)
// LOC: #[[CALL:loc[0-9]+]] = loc("net.py":7:1)
// LOC: #[[SITE]] = loc(callsite(#[[CALLEE]] at #[[CALL]]))
module attributes {mindir.main_graph = @located} {
  func.func @negate(%x: tensor<4xf32>) -> tensor<4xf32> {
    %y = mindir.Neg %x : tensor<4xf32> loc("negate.py":3:1)
    return %y : tensor<4xf32>
  }
  func.func @located(%x: tensor<4xf32>) -> tensor<4xf32> {
    %y = mindir.call @negate(%x) : (tensor<4xf32>) -> tensor<4xf32> loc("net.py":7:1)
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
