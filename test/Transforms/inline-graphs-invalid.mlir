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
    %n = mindir.free_variable "elsewhere:n:1" : tensor<4xf32>
    return %n : tensor<4xf32>
  }
  func.func @stranger(%x: tensor<4xf32>) -> tensor<4xf32> {
    // expected-error @below {{calls graph @reads, which reads value 'elsewhere:n:1' of a graph that does not call it}}
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
    // expected-error @below {{expects result 0 of graph @wide to be 'tensor<8xf32>', but the graph returns 'tensor<4xf32>'}}
    %y = mindir.call @wide(%x) : (tensor<4xf32>) -> tensor<8xf32>
    return %y : tensor<8xf32>
  }
}

// -----

module attributes {mindir.main_graph = @external} {
  func.func private @declared(tensor<4xf32>) -> tensor<4xf32>
  func.func @external(%x: tensor<4xf32>) -> tensor<4xf32> {
    // expected-error @below {{calls graph @declared, which has no body of one block}}
    %y = mindir.call @declared(%x) : (tensor<4xf32>) -> tensor<4xf32>
    return %y : tensor<4xf32>
  }
}
