// A primitive the executor has no kernel for.
module attributes {mindir.main_graph = @f} {
  func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
    %y = mindir.primitive "Erfinv"(%x) : (tensor<4xf32>) -> tensor<4xf32>
    return %y : tensor<4xf32>
  }
}
