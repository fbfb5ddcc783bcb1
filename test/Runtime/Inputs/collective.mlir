// A collective, which needs the other devices of its group.
module attributes {mindir.main_graph = @f} {
  func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
    %y = mindir.AllReduce %x group "hccl_world_group" [0, 1] : (tensor<4xf32>) -> tensor<4xf32>
    return %y : tensor<4xf32>
  }
}
