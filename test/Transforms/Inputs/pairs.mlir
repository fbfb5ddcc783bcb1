// Rows of a ReLU split 2 ways on 4 devices: two pairs of ranks.
module attributes {mindir.main_graph = @pairs} {
  func.func @pairs(%x: tensor<8x16xf32>) -> tensor<8x16xf32> {
    %a = mindir.ReLU %x {in_strategy = #mindir.strategy<[2, 1]>} : tensor<8x16xf32>
    return %a : tensor<8x16xf32>
  }
}
