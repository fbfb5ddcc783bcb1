// The three-layer MLP of test/data/scenarios/mlp_t4_p2, written as MindSpore
// writes a network whose cells are graphs of their own (lazy_inline, cell
// reuse): the bias and activation of a layer is one graph, called for both
// hidden layers with that layer's bias parameter, which it loads itself; the
// second layer is a graph that reads its weight by name and calls the first.
// Same weights, same result.
module attributes {mindir.main_graph = @mlp} {
  mindir.parameter @layer1.weight : tensor<256x128xf32>
  mindir.parameter @layer1.bias : tensor<128xf32>
  mindir.parameter @layer2.weight : tensor<128x128xf32>
  mindir.parameter @layer2.bias : tensor<128xf32>
  mindir.parameter @layer3.weight : tensor<128x10xf32>
  mindir.parameter @layer3.bias : tensor<10xf32>
  func.func @bias_relu(%y: tensor<16x128xf32> {mindir.name = "bias_relu:y"}, %bias: tensor<128xf32> {mindir.name = "bias_relu:bias"}, %u: !mindir.u_monad {mindir.name = "bias_relu:u"}) -> tensor<16x128xf32> {
    %0 = mindir.Load %bias, %u : (tensor<128xf32>, !mindir.u_monad) -> tensor<128xf32>
    %1 = mindir.BiasAdd %y, %0 : (tensor<16x128xf32>, tensor<128xf32>) -> tensor<16x128xf32>
    %2 = mindir.ReLU %1 : tensor<16x128xf32>
    return %2 : tensor<16x128xf32>
  }
  func.func @layer2(%h: tensor<16x128xf32> {mindir.name = "layer2:h"}, %u: !mindir.u_monad {mindir.name = "layer2:u"}) -> tensor<16x128xf32> {
    %0 = mindir.get_parameter @layer2.weight : tensor<128x128xf32>
    %1 = mindir.get_parameter @layer2.bias : tensor<128xf32>
    %2 = mindir.Load %0, %u : (tensor<128x128xf32>, !mindir.u_monad) -> tensor<128x128xf32>
    %3 = mindir.MatMul %h, %2 : (tensor<16x128xf32>, tensor<128x128xf32>) -> tensor<16x128xf32>
    %4 = mindir.call @bias_relu(%3, %1, %u) : (tensor<16x128xf32>, tensor<128xf32>, !mindir.u_monad) -> tensor<16x128xf32>
    return %4 : tensor<16x128xf32>
  }
  func.func @mlp(%x: tensor<16x256xf32> {mindir.name = "mlp:x"}) -> tensor<16x10xf32> {
    %b3 = mindir.get_parameter @layer3.bias : tensor<10xf32>
    %w3 = mindir.get_parameter @layer3.weight : tensor<128x10xf32>
    %b1 = mindir.get_parameter @layer1.bias : tensor<128xf32>
    %w1 = mindir.get_parameter @layer1.weight : tensor<256x128xf32>
    %u = mindir.Constant(unit) : !mindir.u_monad
    %0 = mindir.Load %w1, %u : (tensor<256x128xf32>, !mindir.u_monad) -> tensor<256x128xf32>
    %1 = mindir.MatMul %x, %0 {in_strategy = #mindir.strategy<[1, 1], [1, 2]>} : (tensor<16x256xf32>, tensor<256x128xf32>) -> tensor<16x128xf32>
    %3 = mindir.call @bias_relu(%1, %b1, %u) : (tensor<16x128xf32>, tensor<128xf32>, !mindir.u_monad) -> tensor<16x128xf32>
    %4 = mindir.call @layer2(%3, %u) : (tensor<16x128xf32>, !mindir.u_monad) -> tensor<16x128xf32>
    %5 = mindir.Load %w3, %u : (tensor<128x10xf32>, !mindir.u_monad) -> tensor<128x10xf32>
    %6 = mindir.MatMul %4, %5 {in_strategy = #mindir.strategy<[1, 2], [2, 1]>} : (tensor<16x128xf32>, tensor<128x10xf32>) -> tensor<16x10xf32>
    %7 = mindir.Load %b3, %u : (tensor<10xf32>, !mindir.u_monad) -> tensor<10xf32>
    %8 = mindir.BiasAdd %6, %7 : (tensor<16x10xf32>, tensor<10xf32>) -> tensor<16x10xf32>
    return %8 : tensor<16x10xf32>
  }
}
