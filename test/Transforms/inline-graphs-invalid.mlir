// Calls the inliner refuses, each diagnosed on the call.
// RUN: mindshard-opt %s -split-input-file -verify-diagnostics \
// RUN:   -mindshard-inline-graphs

module attributes {mindir.main_graph = @recursive} {
  func.func @loop(%x: tensor<4xf32>) -> tensor<4xf32> {
    // expected-error @below {{makes graph @loop call itself (@recursive -> @loop -> @loop); mindshard inlines graphs that are not recursive}}
    %y = mindir.call @loop(%x) : (tensor<4xf32>) -> tensor<4xf32>
    return %y : tensor<4xf32>
  }
  func.func @recursive(%x: tensor<4xf32>) -> tensor<4xf32> {
    %y = mindir.call @loop(%x) : (tensor<4xf32>) -> tensor<4xf32>
    return %y : tensor<4xf32>
  }
}

// -----

module attributes {mindir.main_graph = @partial} {
  func.func @twice(%x: tensor<4xf32>) -> tensor<4xf32> {
    return %x : tensor<4xf32>
  }
  func.func @applies(%x: tensor<4xf32>) -> tensor<4xf32> {
    %f = mindir.func_ref @twice
    %y = mindir.apply %f(%x) : (!mindir.any, tensor<4xf32>) -> tensor<4xf32>
    return %y : tensor<4xf32>
  }
  func.func @partial(%x: tensor<4xf32>) -> tensor<4xf32> {
    // expected-error @below {{calls graph @applies, which passes graphs as values ('mindir.func_ref'); mindshard inlines graphs that call graphs by name only}}
    %y = mindir.call @applies(%x) : (tensor<4xf32>) -> tensor<4xf32>
    return %y : tensor<4xf32>
  }
}

// -----

module attributes {mindir.main_graph = @stranger} {
  func.func @reads(%x: tensor<4xf32>) -> tensor<4xf32> {
    // expected-note @below {{read here}}
    %n = mindir.free_variable "elsewhere:n:1" : tensor<4xf32>
    return %n : tensor<4xf32>
  }
  func.func @stranger(%x: tensor<4xf32>) -> tensor<4xf32> {
    // expected-error @below {{calls graph @reads, which reads 'elsewhere:n:1' of graph 'elsewhere', and no graph on the call chain (@stranger -> @reads) defines it before the call}}
    %y = mindir.call @reads(%x) : (tensor<4xf32>) -> tensor<4xf32>
    return %y : tensor<4xf32>
  }
}

// -----

module attributes {mindir.main_graph = @mismatch} {
  func.func @wide(%x: tensor<4xf32>) -> tensor<4xf32> {
    return %x : tensor<4xf32>
  }
  func.func @mismatch(%x: tensor<4xf32>) -> tensor<8xf32> {
    // expected-error @below {{expects result 0 of graph @wide to be 'tensor<8xf32>', but the graph's body gives 'tensor<4xf32>'; mindshard inlines graphs whose types agree with the call}}
    %y = mindir.call @wide(%x) : (tensor<4xf32>) -> tensor<8xf32>
    return %y : tensor<8xf32>
  }
}

// -----

module attributes {mindir.main_graph = @external} {
  func.func private @declared(tensor<4xf32>) -> tensor<4xf32>
  func.func @external(%x: tensor<4xf32>) -> tensor<4xf32> {
    // expected-error @below {{calls graph @declared, which is a declaration with no body}}
    %y = mindir.call @declared(%x) : (tensor<4xf32>) -> tensor<4xf32>
    return %y : tensor<4xf32>
  }
}

// -----

// A value defined after the call is not there yet when the callee runs.
module attributes {mindir.main_graph = @late} {
  func.func @early(%x: tensor<4xf32>) -> tensor<4xf32> {
    // expected-note @below {{read here}}
    %n = mindir.free_variable "late:n:1" : tensor<4xf32>
    return %n : tensor<4xf32>
  }
  func.func @late(%x: tensor<4xf32>) -> tensor<4xf32> {
    // expected-error @below {{calls graph @early, which reads 'late:n:1' of graph 'late', and no graph on the call chain (@late -> @early) defines it before the call}}
    %y = mindir.call @early(%x) : (tensor<4xf32>) -> tensor<4xf32>
    %n = mindir.Neg %x {mindir.name = "late:n:1"} : tensor<4xf32>
    return %y : tensor<4xf32>
  }
}

// -----

// A closure reading a value of several results (a tuple in MindIR).
module attributes {mindir.main_graph = @several} {
  func.func @reads_tuple(%x: tensor<4xf32>) -> tensor<4xf32> {
    // expected-note @below {{read here}}
    %t = mindir.free_variable "several:t:1" : tuple<tensor<4xf32>, tensor<4xf32>>
    return %x : tensor<4xf32>
  }
  func.func @several(%x: tensor<4xf32>) -> tensor<4xf32> {
    %a, %b = mindir.primitive "Unstack"(%x) {mindir.name = "several:t:1"} : (tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
    // expected-error @below {{calls graph @reads_tuple, which reads 'several:t:1' as 'tuple<tensor<4xf32>, tensor<4xf32>>', but it is (tensor<4xf32>, tensor<4xf32>); mindshard inlines closures that read one value of the type it has}}
    %y = mindir.call @reads_tuple(%x) : (tensor<4xf32>) -> tensor<4xf32>
    return %y : tensor<4xf32>
  }
}

// -----

// An error two calls down is reported at the inner call (printed as called
// from the outer one), with the whole chain.
module attributes {mindir.main_graph = @twice} {
  func.func @bottom(%x: tensor<4xf32>) -> tensor<4xf32> {
    // expected-note @below {{read here}}
    %n = mindir.free_variable "nowhere:n:1" : tensor<4xf32>
    return %n : tensor<4xf32>
  }
  func.func @middle(%x: tensor<4xf32>) -> tensor<4xf32> {
    // expected-error @below {{calls graph @bottom, which reads 'nowhere:n:1' of graph 'nowhere', and no graph on the call chain (@twice -> @middle -> @bottom) defines it before the call}}
    %y = mindir.call @bottom(%x) : (tensor<4xf32>) -> tensor<4xf32>
    return %y : tensor<4xf32>
  }
  func.func @twice(%x: tensor<4xf32>) -> tensor<4xf32> {
    %y = mindir.call @middle(%x) : (tensor<4xf32>) -> tensor<4xf32>
    return %y : tensor<4xf32>
  }
}

// -----

// A graph kept (used as a value) reads a value of a graph inlined away.
module attributes {mindir.main_graph = @passes} {
  func.func @inlined(%x: tensor<4xf32>) -> tensor<4xf32> {
    %y = mindir.Neg %x {mindir.name = "inlined:y:1"} : tensor<4xf32>
    return %y : tensor<4xf32>
  }
  func.func @kept() -> tensor<4xf32> {
    // expected-error @below {{reads 'inlined:y:1' of graph @inlined, which was inlined at every call; mindshard inlines graphs whose values no graph kept reads}}
    %y = mindir.free_variable "inlined:y:1" : tensor<4xf32>
    return %y : tensor<4xf32>
  }
  func.func @passes(%x: tensor<4xf32>) -> tensor<4xf32> {
    %y = mindir.call @inlined(%x) : (tensor<4xf32>) -> tensor<4xf32>
    %f = mindir.func_ref @kept
    return %y : tensor<4xf32>
  }
}

// -----

// expected-error @below {{the module has no main graph (mindir.main_graph or a single function)}}
module {
  func.func @one(%x: tensor<4xf32>) -> tensor<4xf32> {
    return %x : tensor<4xf32>
  }
  func.func @two(%x: tensor<4xf32>) -> tensor<4xf32> {
    return %x : tensor<4xf32>
  }
}
