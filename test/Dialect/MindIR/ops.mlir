// RUN: mindshard-opt %s | mindshard-opt | FileCheck %s
// RUN: mindshard-opt %s --mlir-print-op-generic | mindshard-opt | FileCheck %s

// Every mindir op, printed and parsed back.

// CHECK-LABEL: mindir.parameter @layer1.weight : tensor<96x16xf32>
// CHECK-SAME: train_layout = #mindir.layout<dev_matrix = [2, 1, 4], tensor_map = [1, 0]>
mindir.parameter @layer1.weight : tensor<96x16xf32> {
  train_layout = #mindir.layout<dev_matrix = [2, 1, 4], tensor_map = [1, 0]>,
  predict_layout = #mindir.layout<dev_matrix = [4], tensor_map = [-1, 0]>
}
// CHECK: mindir.parameter @bias : tensor<4xf32> = dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00]> : tensor<4xf32>
mindir.parameter @bias : tensor<4xf32> = dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>

// CHECK-LABEL: func.func @plumbing
func.func @plumbing(%x: tensor<8x96xf32>) -> tuple<tensor<8x16xf32>, tensor<8x16xf32>> {
  // CHECK: %[[W:.*]] = mindir.get_parameter @layer1.weight : tensor<96x16xf32>
  %w = mindir.get_parameter @layer1.weight : tensor<96x16xf32>
  // CHECK: %[[U:.*]] = mindir.Constant(unit) : !mindir.u_monad
  %u = mindir.Constant(unit) : !mindir.u_monad
  // CHECK: %[[L:.*]] = mindir.Load %[[W]], %[[U]] : (tensor<96x16xf32>, !mindir.u_monad) -> tensor<96x16xf32>
  %l = mindir.Load %w, %u : (tensor<96x16xf32>, !mindir.u_monad) -> tensor<96x16xf32>
  // CHECK: mindir.Load %[[W]] : (tensor<96x16xf32>) -> tensor<96x16xf32>
  %l2 = mindir.Load %w : (tensor<96x16xf32>) -> tensor<96x16xf32>
  // CHECK: mindir.UpdateState %[[U]], %[[L]] : (!mindir.u_monad, tensor<96x16xf32>) -> !mindir.u_monad
  %u2 = mindir.UpdateState %u, %l : (!mindir.u_monad, tensor<96x16xf32>) -> !mindir.u_monad
  %m = mindir.MatMul %x, %l : (tensor<8x96xf32>, tensor<96x16xf32>) -> tensor<8x16xf32>
  // CHECK: mindir.Depend %{{.*}}, %{{.*}} : (tensor<8x16xf32>, !mindir.u_monad) -> tensor<8x16xf32>
  %d = mindir.Depend %m, %u2 : (tensor<8x16xf32>, !mindir.u_monad) -> tensor<8x16xf32>
  // CHECK: %[[T:.*]] = mindir.MakeTuple %{{.*}}, %{{.*}} : (tensor<8x16xf32>, tensor<8x16xf32>) -> tuple<tensor<8x16xf32>, tensor<8x16xf32>>
  %t = mindir.MakeTuple %d, %m : (tensor<8x16xf32>, tensor<8x16xf32>) -> tuple<tensor<8x16xf32>, tensor<8x16xf32>>
  // CHECK: mindir.TupleGetItem %[[T]][1] : (tuple<tensor<8x16xf32>, tensor<8x16xf32>>) -> tensor<8x16xf32>
  %e = mindir.TupleGetItem %t[1] : (tuple<tensor<8x16xf32>, tensor<8x16xf32>>) -> tensor<8x16xf32>
  // CHECK: mindir.Constant(unit) : !mindir.io_monad
  %io = mindir.Constant(unit) : !mindir.io_monad
  return %t : tuple<tensor<8x16xf32>, tensor<8x16xf32>>
}

// CHECK-LABEL: func.func @constants
func.func @constants() {
  // CHECK: mindir.Constant dense<[2, 8]> : tensor<2xi64>
  %0 = mindir.Constant dense<[2, 8]> : tensor<2xi64>
  // CHECK: mindir.Constant([2, 8]) : tuple<i64, i64>
  %1 = mindir.Constant([2, 8]) : tuple<i64, i64>
  // CHECK: mindir.Constant 3 : i64
  %2 = mindir.Constant 3 : i64
  // CHECK: mindir.Constant 5.000000e-01 : f32
  %3 = mindir.Constant 0.5 : f32
  // CHECK: mindir.Constant true
  %4 = mindir.Constant true
  // CHECK: mindir.Constant("hello") : !mindir.any
  %5 = mindir.Constant("hello") : !mindir.any
  // CHECK: mindir.Constant(#mindir.object<"CLASS_TYPE", "mindspore.ops.operations.array_ops.Cast">) : !mindir.any
  %6 = mindir.Constant(#mindir.object<"CLASS_TYPE", "mindspore.ops.operations.array_ops.Cast">) : !mindir.any
  // CHECK: mindir.Constant(#mindir.object<"NONE">) : !mindir.any
  %7 = mindir.Constant(#mindir.object<"NONE">) : !mindir.any
  // CHECK: mindir.Constant(#mindir.list<[1, 2]>) : !mindir.any
  %8 = mindir.Constant(#mindir.list<[1, 2]>) : !mindir.any
  // CHECK: mindir.Constant(f16) : !mindir.any
  %9 = mindir.Constant(f16) : !mindir.any
  return
}

// CHECK-LABEL: func.func @graphs
func.func @graphs(%f: !mindir.any, %x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK: mindir.call @callee(%{{.*}}) : (tensor<4xf32>) -> tensor<4xf32>
  %0 = mindir.call @callee(%x) : (tensor<4xf32>) -> tensor<4xf32>
  // CHECK: mindir.call @untyped(%{{.*}}) : (tensor<4xf32>) -> !mindir.any
  %1 = mindir.call @untyped(%x) : (tensor<4xf32>) -> !mindir.any
  // CHECK: mindir.apply %{{.*}}(%{{.*}}) : (!mindir.any, tensor<4xf32>) -> !mindir.any
  %2 = mindir.apply %f(%x) : (!mindir.any, tensor<4xf32>) -> !mindir.any
  // CHECK: mindir.func_ref @callee
  %3 = mindir.func_ref @callee
  // CHECK: mindir.free_variable "bprop.41:x" : tensor<4xf32>
  %4 = mindir.free_variable "bprop.41:x" : tensor<4xf32>
  // CHECK: mindir.primitive "S-Prim-hyper_map[zeros_like_leaf]"(%{{.*}}) {input_names = #mindir.list<["x"]>} : (tensor<4xf32>) -> tensor<4xf32>
  %5 = mindir.primitive "S-Prim-hyper_map[zeros_like_leaf]"(%x) {input_names = #mindir.list<["x"]>} : (tensor<4xf32>) -> tensor<4xf32>
  // CHECK: mindir.primitive "Print"() : () -> ()
  mindir.primitive "Print"() : () -> ()
  return %0 : tensor<4xf32>
}
func.func @callee(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
func.func @untyped(%x: !mindir.any) -> !mindir.any {
  return %x : !mindir.any
}

// CHECK-LABEL: func.func @linear_algebra
func.func @linear_algebra(%a: tensor<8x16xf16>, %b: tensor<16x4xf16>, %bt: tensor<4x16xf16>,
                          %at: tensor<16x8xf16>, %q: tensor<2x4x8x16xf16>,
                          %k: tensor<2x4x8x16xf16>, %kb: tensor<4x16x8xf16>) {
  // CHECK: mindir.MatMul %{{.*}}, %{{.*}} {in_strategy = #mindir.strategy<[2, 1], [1, 4]>} : (tensor<8x16xf16>, tensor<16x4xf16>) -> tensor<8x4xf16>
  %0 = mindir.MatMul %a, %b {in_strategy = #mindir.strategy<[2, 1], [1, 4]>} : (tensor<8x16xf16>, tensor<16x4xf16>) -> tensor<8x4xf16>
  // CHECK: mindir.MatMul %{{.*}}, %{{.*}} {transpose_b = true} : (tensor<8x16xf16>, tensor<4x16xf16>) -> tensor<8x4xf16>
  %1 = mindir.MatMul %a, %bt {transpose_b = true} : (tensor<8x16xf16>, tensor<4x16xf16>) -> tensor<8x4xf16>
  // CHECK: mindir.MatMul %{{.*}}, %{{.*}} {transpose_a = true, transpose_b = true} : (tensor<16x8xf16>, tensor<4x16xf16>) -> tensor<8x4xf16>
  %2 = mindir.MatMul %at, %bt {transpose_a = true, transpose_b = true} : (tensor<16x8xf16>, tensor<4x16xf16>) -> tensor<8x4xf16>
  // CHECK: mindir.MatMul %{{.*}}, %{{.*}} {transpose_a = true} : (tensor<16x8xf16>, tensor<16x4xf16>) -> tensor<8x4xf16>
  %3 = mindir.MatMul %at, %b {transpose_a = true} : (tensor<16x8xf16>, tensor<16x4xf16>) -> tensor<8x4xf16>
  // CHECK: mindir.BatchMatMul %{{.*}}, %{{.*}} {transpose_b = true} : (tensor<2x4x8x16xf16>, tensor<2x4x8x16xf16>) -> tensor<2x4x8x8xf16>
  %4 = mindir.BatchMatMul %q, %k {transpose_b = true} : (tensor<2x4x8x16xf16>, tensor<2x4x8x16xf16>) -> tensor<2x4x8x8xf16>
  // CHECK: mindir.BatchMatMul %{{.*}}, %{{.*}} : (tensor<2x4x8x16xf16>, tensor<4x16x8xf16>) -> tensor<2x4x8x8xf16>
  %5 = mindir.BatchMatMul %q, %kb : (tensor<2x4x8x16xf16>, tensor<4x16x8xf16>) -> tensor<2x4x8x8xf16>
  return
}

// CHECK-LABEL: func.func @elementwise
func.func @elementwise(%x: tensor<4x8xf32>, %row: tensor<8xf32>, %s: tensor<f32>,
                       %h: tensor<4x8xf16>, %d: tensor<?x8xf32>) {
  // CHECK: mindir.Add %{{.*}}, %{{.*}} : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  %0 = mindir.Add %x, %row : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  // CHECK: mindir.Sub %{{.*}}, %{{.*}} : (tensor<8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %1 = mindir.Sub %row, %x : (tensor<8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  // CHECK: mindir.Mul %{{.*}}, %{{.*}} : (tensor<4x8xf16>, tensor<f32>) -> tensor<4x8xf16>
  %2 = mindir.Mul %h, %s : (tensor<4x8xf16>, tensor<f32>) -> tensor<4x8xf16>
  // CHECK: mindir.RealDiv %{{.*}}, %{{.*}} {in_strategy = #mindir.strategy<[2, 1], [1]>} : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  %3 = mindir.RealDiv %x, %row {in_strategy = #mindir.strategy<[2, 1], [1]>} : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  // CHECK: mindir.Add %{{.*}}, %{{.*}} : (tensor<?x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %4 = mindir.Add %d, %x : (tensor<?x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  // CHECK: mindir.Neg %{{.*}} : tensor<4x8xf32>
  %5 = mindir.Neg %x : tensor<4x8xf32>
  // CHECK: mindir.ReLU %{{.*}} {in_strategy = #mindir.strategy<[4, 1]>} : tensor<4x8xf32>
  %6 = mindir.ReLU %x {in_strategy = #mindir.strategy<[4, 1]>} : tensor<4x8xf32>
  // CHECK: mindir.GeLU %{{.*}} : tensor<4x8xf32>
  %7 = mindir.GeLU %x : tensor<4x8xf32>
  // CHECK: mindir.FastGeLU %{{.*}} : tensor<4x8xf32>
  %8 = mindir.FastGeLU %x : tensor<4x8xf32>
  // CHECK: mindir.SiLU %{{.*}} : tensor<4x8xf32>
  %9 = mindir.SiLU %x : tensor<4x8xf32>
  // CHECK: mindir.Sigmoid %{{.*}} : tensor<4x8xf32>
  %10 = mindir.Sigmoid %x : tensor<4x8xf32>
  // CHECK: mindir.Tanh %{{.*}} : tensor<4x8xf32>
  %11 = mindir.Tanh %x : tensor<4x8xf32>
  // CHECK: mindir.Exp %{{.*}} : tensor<4x8xf32>
  %12 = mindir.Exp %x : tensor<4x8xf32>
  // CHECK: mindir.Sqrt %{{.*}} : tensor<4x8xf32>
  %13 = mindir.Sqrt %x : tensor<4x8xf32>
  // CHECK: mindir.Cast %{{.*}} to bf16 : tensor<4x8xf32>
  %14 = mindir.Cast %x to bf16 : tensor<4x8xf32>
  // CHECK: mindir.BiasAdd %{{.*}}, %{{.*}} : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  %15 = mindir.BiasAdd %x, %row : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  return
}

// CHECK-LABEL: func.func @normalisation
func.func @normalisation(%x: tensor<2x8x32xf16>, %g: tensor<32xf16>, %b: tensor<32xf16>) {
  // CHECK: mindir.Softmax %{{.*}} : tensor<2x8x32xf16>
  %0 = mindir.Softmax %x : tensor<2x8x32xf16>
  // CHECK: mindir.Softmax %{{.*}} {axis = array<i64: 1>} : tensor<2x8x32xf16>
  %1 = mindir.Softmax %x {axis = array<i64: 1>} : tensor<2x8x32xf16>
  // CHECK: mindir.LayerNorm %{{.*}}, %{{.*}}, %{{.*}} {begin_norm_axis = -1 : i64, begin_params_axis = -1 : i64} : (tensor<2x8x32xf16>, tensor<32xf16>, tensor<32xf16>) -> (tensor<2x8x32xf16>, tensor<2x8x1xf16>, tensor<2x8x1xf16>)
  %2:3 = mindir.LayerNorm %x, %g, %b {begin_norm_axis = -1 : i64, begin_params_axis = -1 : i64} : (tensor<2x8x32xf16>, tensor<32xf16>, tensor<32xf16>) -> (tensor<2x8x32xf16>, tensor<2x8x1xf16>, tensor<2x8x1xf16>)
  // CHECK: mindir.RmsNorm %{{.*}}, %{{.*}} {epsilon = 9.99999974E-6 : f32} : (tensor<2x8x32xf16>, tensor<32xf16>) -> (tensor<2x8x32xf16>, tensor<2x8x1xf32>)
  %3:2 = mindir.RmsNorm %x, %g {epsilon = 1.0e-5 : f32} : (tensor<2x8x32xf16>, tensor<32xf16>) -> (tensor<2x8x32xf16>, tensor<2x8x1xf32>)
  return
}

// CHECK-LABEL: func.func @data_movement
func.func @data_movement(%table: tensor<64x32xf16>, %tokens: tensor<2x8xi32>,
                         %x: tensor<16x32xf16>, %y: tensor<16x8xf16>) {
  // CHECK: mindir.Gather %{{.*}}, %{{.*}} {in_strategy = #mindir.strategy<[4, 1], [1, 1]>} : (tensor<64x32xf16>, tensor<2x8xi32>) -> tensor<2x8x32xf16>
  %0 = mindir.Gather %table, %tokens {in_strategy = #mindir.strategy<[4, 1], [1, 1]>} : (tensor<64x32xf16>, tensor<2x8xi32>) -> tensor<2x8x32xf16>
  // CHECK: mindir.Gather %{{.*}}, %{{.*}} {axis = 1 : i64} : (tensor<64x32xf16>, tensor<2x8xi32>) -> tensor<64x2x8xf16>
  %1 = mindir.Gather %table, %tokens {axis = 1 : i64} : (tensor<64x32xf16>, tensor<2x8xi32>) -> tensor<64x2x8xf16>
  // CHECK: mindir.Reshape %{{.*}} to [2, 8, 4, 8] : (tensor<16x32xf16>) -> tensor<2x8x4x8xf16>
  %2 = mindir.Reshape %x to [2, 8, 4, 8] : (tensor<16x32xf16>) -> tensor<2x8x4x8xf16>
  // CHECK: mindir.Reshape %{{.*}} to [-1, 8] : (tensor<16x32xf16>) -> tensor<64x8xf16>
  %3 = mindir.Reshape %x to [-1, 8] : (tensor<16x32xf16>) -> tensor<64x8xf16>
  // CHECK: mindir.Transpose %{{.*}}, [0, 2, 1, 3] : (tensor<2x8x4x8xf16>) -> tensor<2x4x8x8xf16>
  %4 = mindir.Transpose %2, [0, 2, 1, 3] : (tensor<2x8x4x8xf16>) -> tensor<2x4x8x8xf16>
  // CHECK: mindir.ReduceSum %{{.*}}, [1] : (tensor<16x32xf16>) -> tensor<16xf16>
  %5 = mindir.ReduceSum %x, [1] : (tensor<16x32xf16>) -> tensor<16xf16>
  // CHECK: mindir.ReduceMean %{{.*}}, [-1] {keep_dims = true} : (tensor<16x32xf16>) -> tensor<16x1xf16>
  %6 = mindir.ReduceMean %x, [-1] {keep_dims = true} : (tensor<16x32xf16>) -> tensor<16x1xf16>
  // CHECK: mindir.ReduceSum %{{.*}}, [] : (tensor<16x32xf16>) -> tensor<f16>
  %7 = mindir.ReduceSum %x, [] : (tensor<16x32xf16>) -> tensor<f16>
  // CHECK: mindir.Concat %{{.*}}, %{{.*}} {axis = 1 : i64} : (tensor<16x32xf16>, tensor<16x8xf16>) -> tensor<16x40xf16>
  %8 = mindir.Concat %x, %y {axis = 1 : i64} : (tensor<16x32xf16>, tensor<16x8xf16>) -> tensor<16x40xf16>
  // CHECK: mindir.Split %{{.*}} {axis = 1 : i64, output_num = 4 : i64} : (tensor<16x32xf16>) -> (tensor<16x8xf16>, tensor<16x8xf16>, tensor<16x8xf16>, tensor<16x8xf16>)
  %9:4 = mindir.Split %x {axis = 1 : i64, output_num = 4 : i64} : (tensor<16x32xf16>) -> (tensor<16x8xf16>, tensor<16x8xf16>, tensor<16x8xf16>, tensor<16x8xf16>)
  // CHECK: mindir.StridedSlice %{{.*}}, [0, 8], [16, 32], [1, 2] : (tensor<16x32xf16>) -> tensor<16x12xf16>
  %10 = mindir.StridedSlice %x, [0, 8], [16, 32], [1, 2] : (tensor<16x32xf16>) -> tensor<16x12xf16>
  // CHECK: mindir.StridedSlice %{{.*}}, [3], [0], [1] {end_mask = 1 : i64} : (tensor<16x32xf16>) -> tensor<13x32xf16>
  %11 = mindir.StridedSlice %x, [3], [0], [1] {end_mask = 1 : i64} : (tensor<16x32xf16>) -> tensor<13x32xf16>
  // CHECK: mindir.StridedSlice %{{.*}}, [2, -1], [3, 0], [1, -1] {begin_mask = 2 : i64, end_mask = 2 : i64, shrink_axis_mask = 1 : i64} : (tensor<16x32xf16>) -> tensor<32xf16>
  %12 = mindir.StridedSlice %x, [2, -1], [3, 0], [1, -1] {begin_mask = 2 : i64, end_mask = 2 : i64, shrink_axis_mask = 1 : i64} : (tensor<16x32xf16>) -> tensor<32xf16>
  return
}

// CHECK-LABEL: func.func @collectives
func.func @collectives(%x: tensor<8x4xf32>) {
  // CHECK: mindir.AllReduce %{{.*}} group "2-5591208154213946045" [0, 1] : (tensor<8x4xf32>) -> tensor<8x4xf32>
  %0 = mindir.AllReduce %x group "2-5591208154213946045" [0, 1] : (tensor<8x4xf32>) -> tensor<8x4xf32>
  // CHECK: mindir.AllReduce %{{.*}} group "hccl_world_group" [0, 1, 2, 3] {op = "max"} : (tensor<8x4xf32>) -> tensor<8x4xf32>
  %1 = mindir.AllReduce %x group "hccl_world_group" [0, 1, 2, 3] {op = "max"} : (tensor<8x4xf32>) -> tensor<8x4xf32>
  // CHECK: mindir.AllGather %{{.*}} group "2-1" [0, 2] : (tensor<8x4xf32>) -> tensor<16x4xf32>
  %2 = mindir.AllGather %x group "2-1" [0, 2] : (tensor<8x4xf32>) -> tensor<16x4xf32>
  // CHECK: mindir.ReduceScatter %{{.*}} group "4-1" [0, 1, 2, 3] : (tensor<8x4xf32>) -> tensor<2x4xf32>
  %3 = mindir.ReduceScatter %x group "4-1" [0, 1, 2, 3] : (tensor<8x4xf32>) -> tensor<2x4xf32>
  // CHECK: mindir.AlltoAll %{{.*}} group "2-1" [0, 1] {concat_dim = 0 : i64, split_count = 2 : i64, split_dim = 1 : i64} : (tensor<8x4xf32>) -> tensor<16x2xf32>
  %4 = mindir.AlltoAll %x group "2-1" [0, 1] {split_count = 2 : i64, split_dim = 1 : i64, concat_dim = 0 : i64} : (tensor<8x4xf32>) -> tensor<16x2xf32>
  return
}
