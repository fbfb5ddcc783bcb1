// RUN: mindshard-opt %s | mindshard-opt | FileCheck %s

// The layout and strategy attributes in all their forms.

// CHECK: mindir.parameter @flat {{.*}}#mindir.layout<dev_matrix = [2, 1, 4], tensor_map = [1, 0]>
mindir.parameter @flat : tensor<96x16xf32> {
  train_layout = #mindir.layout<dev_matrix = [2, 1, 4], tensor_map = [1, 0]>
}

// A dimension split by two axes (major first), and one left whole.
// CHECK: mindir.parameter @nested {{.*}}#mindir.layout<dev_matrix = [2, 2, 2], tensor_map = {{\[\[}}2, 0], -1]>
mindir.parameter @nested : tensor<8x4xf32> {
  train_layout = #mindir.layout<dev_matrix = [2, 2, 2], tensor_map = [[2, 0], [-1]]>
}

// Every optional field.
// CHECK: mindir.parameter @everything {{.*}}#mindir.layout<dev_matrix = [2, 4], tensor_map = [0, -1], opt_shard_size = 2, opt_shard_step = 4, field = 3, param_split_shape = [1, 2, 2, 3], indices_offset = [0, 1, 3, 5], stage = 1>
mindir.parameter @everything : tensor<8x4xf32> {
  train_layout = #mindir.layout<dev_matrix = [2, 4], tensor_map = [0, -1],
                                opt_shard_size = 2, opt_shard_step = 4, field = 3,
                                param_split_shape = [1, 2, 2, 3],
                                indices_offset = [0, 1, 3, 5], stage = 1>
}

// A scalar layout has an empty tensor map.
// CHECK: mindir.parameter @scalar {{.*}}#mindir.layout<dev_matrix = [8], tensor_map = []>
mindir.parameter @scalar : tensor<f32> {
  train_layout = #mindir.layout<dev_matrix = [8], tensor_map = []>
}

// CHECK-LABEL: func.func @strategies
func.func @strategies(%x: tensor<4xf32>) attributes {mindir.graph_name = "strategies"} {
  // CHECK: mindir.ReLU %{{.*}} {in_strategy = #mindir.strategy<[4]>}
  %0 = mindir.ReLU %x {in_strategy = #mindir.strategy<[4]>} : tensor<4xf32>
  // A value layout recorded on an op.
  // CHECK: mindir.ReLU %{{.*}} {mindir.layout = #mindir.layout<dev_matrix = [4], tensor_map = [0]>}
  %1 = mindir.ReLU %x {mindir.layout = #mindir.layout<dev_matrix = [4], tensor_map = [0]>} : tensor<4xf32>
  // An empty strategy.
  // CHECK: mindir.primitive "Print"() {in_strategy = #mindir.strategy<>}
  mindir.primitive "Print"() {in_strategy = #mindir.strategy<>} : () -> ()
  return
}

// CHECK: module attributes {mindir.ir_version = "0.1.1", mindir.main_graph = @main, mindir.mind_ir_version = 1 : i64, mindir.model_version = "2.2.10", mindir.producer_name = "MindSpore"}
module attributes {mindir.producer_name = "MindSpore", mindir.model_version = "2.2.10",
                   mindir.ir_version = "0.1.1", mindir.mind_ir_version = 1 : i64,
                   mindir.main_graph = @main} {
  func.func @main() {
    return
  }
}

// The slice plans of mindshard-attach-slices: each device's slice and the
// pieces of training slices that tile it; a scalar's lists are empty.
// CHECK: mindir.parameter @planned {{.*}}mindir.slices = [#mindir.slice<rank = 0, shape = [16, 8], pieces = [#mindir.piece<rank = 0, slice = [8, 8], from = [0, 0], to = [0, 0], shape = [8, 8]>, #mindir.piece<rank = 4, slice = [8, 8], from = [0, 0], to = [8, 0], shape = [8, 8]>]>]
mindir.parameter @planned : tensor<16x8xf32> {
  mindir.slices = [#mindir.slice<rank = 0, shape = [16, 8], pieces = [
      #mindir.piece<rank = 0, slice = [8, 8], from = [0, 0], to = [0, 0], shape = [8, 8]>,
      #mindir.piece<rank = 4, slice = [8, 8], from = [0, 0], to = [8, 0], shape = [8, 8]>]>]
}
// CHECK: mindir.parameter @planned_scalar {{.*}}#mindir.slice<rank = 0, shape = [], pieces = [#mindir.piece<rank = 3, slice = [], from = [], to = [], shape = []>]>
mindir.parameter @planned_scalar : tensor<f32> {
  mindir.slices = [#mindir.slice<rank = 0, shape = [], pieces = [
      #mindir.piece<rank = 3, slice = [], from = [], to = [], shape = []>]>],
  mindir.slice_values = [dense<1.0> : tensor<f32>]
}
