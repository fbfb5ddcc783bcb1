// A parameter without data.
module attributes {mindir.main_graph = @f} {
  mindir.parameter @w : tensor<4xf32>
  func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
    %w = mindir.get_parameter @w : tensor<4xf32>
    %y = mindir.Add %x, %w : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
    return %y : tensor<4xf32>
  }
}
