// A closure that reads one element of an op of several results: the second
// half of a Split, named among the Split's results as the file names the
// TupleGetItem that took it. y = -(second half of x).
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
