// A closure: the graph called reads two values of its caller by name, as
// MindSpore's free variables do. y = x * -x + x.
module attributes {mindir.main_graph = @closure} {
  func.func @scale(%v: tensor<4xf32>) -> tensor<4xf32> {
    %n = mindir.free_variable "closure:n:1" : tensor<4xf32>
    %x = mindir.free_variable "closure:x" : tensor<4xf32>
    %a = mindir.Mul %v, %n : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
    %b = mindir.Add %a, %x : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
    return %b : tensor<4xf32>
  }
  func.func @closure(%x: tensor<4xf32> {mindir.name = "closure:x"}) -> tensor<4xf32> {
    %n = mindir.Neg %x {mindir.name = "closure:n:1"} : tensor<4xf32>
    %y = mindir.call @scale(%x) : (tensor<4xf32>) -> tensor<4xf32>
    return %y : tensor<4xf32>
  }
}
