// MindSpore's sharding rules, op by op: the device matrix, tensor maps and
// strategy source that mindshard-infer-predict-layout gives each op on 8
// devices (the layouts MindSpore's operator infos compute for the same
// strategies).
// RUN: mindshard-opt %s -split-input-file \
// RUN:   -mindshard-infer-predict-layout="devices=8" | FileCheck %s

// MatMul with transpose_b: shard(((2, 1), (4, 1))) on 8 devices. The device
// matrix is [rows, contraction, columns] = [2, 1, 4]; the transposed weight
// [64, 32] maps its dimension 0 (the columns) to axis 0.
// CHECK-LABEL: mindir.main_graph = @matmul_tb
// CHECK: mindir.parameter @w {{.*}}predict_layout = #mindir.layout<dev_matrix = [2, 1, 4], tensor_map = [0, 1]>
// CHECK: mindir.MatMul
// CHECK-SAME: mindir.layout = [#mindir.layout<dev_matrix = [2, 1, 4], tensor_map = [2, 0]>]
// CHECK-SAME: mindir.operand_layouts = [#mindir.layout<dev_matrix = [2, 1, 4], tensor_map = [2, 1]>, #mindir.layout<dev_matrix = [2, 1, 4], tensor_map = [0, 1]>]
// CHECK-SAME: mindir.strategy_source = "attribute"
module attributes {mindir.main_graph = @matmul_tb} {
  mindir.parameter @w : tensor<64x32xf32>
  func.func @matmul_tb(%x: tensor<16x32xf32>) -> tensor<16x64xf32> {
    %w = mindir.get_parameter @w : tensor<64x32xf32>
    %y = mindir.MatMul %x, %w {transpose_b = true, in_strategy = #mindir.strategy<[2, 1], [4, 1]>} : (tensor<16x32xf32>, tensor<64x32xf32>) -> tensor<16x64xf32>
    return %y : tensor<16x64xf32>
  }
}

// -----

// MatMul with the contracting dimension split 4 ways on 8 devices: the 2
// repeated devices form the last axis of the device matrix.
// CHECK-LABEL: mindir.main_graph = @matmul_k
// CHECK: mindir.parameter @w {{.*}}predict_layout = #mindir.layout<dev_matrix = [1, 4, 1, 2], tensor_map = [2, 1]>
// CHECK: mindir.MatMul
// CHECK-SAME: mindir.layout = [#mindir.layout<dev_matrix = [1, 4, 1, 2], tensor_map = [3, 1]>]
// CHECK-SAME: mindir.operand_layouts = [#mindir.layout<dev_matrix = [1, 4, 1, 2], tensor_map = [3, 2]>, #mindir.layout<dev_matrix = [1, 4, 1, 2], tensor_map = [2, 1]>]
module attributes {mindir.main_graph = @matmul_k} {
  mindir.parameter @w : tensor<32x64xf32>
  func.func @matmul_k(%x: tensor<16x32xf32>) -> tensor<16x64xf32> {
    %w = mindir.get_parameter @w : tensor<32x64xf32>
    %y = mindir.MatMul %x, %w {in_strategy = #mindir.strategy<[1, 4], [4, 1]>} : (tensor<16x32xf32>, tensor<32x64xf32>) -> tensor<16x64xf32>
    return %y : tensor<16x64xf32>
  }
}

// -----

// BatchMatMul with transpose_a: [batch, rows, contraction, columns] plus the
// repeated devices.
// CHECK-LABEL: mindir.main_graph = @bmm
// CHECK: mindir.BatchMatMul
// CHECK-SAME: mindir.layout = [#mindir.layout<dev_matrix = [2, 1, 1, 2, 2], tensor_map = [4, 3, 1]>]
// CHECK-SAME: mindir.operand_layouts = [#mindir.layout<dev_matrix = [2, 1, 1, 2, 2], tensor_map = [4, 2, 3]>, #mindir.layout<dev_matrix = [2, 1, 1, 2, 2], tensor_map = [4, 2, 1]>]
module attributes {mindir.main_graph = @bmm} {
  func.func @bmm(%a: tensor<4x16x8xf32>, %b: tensor<4x16x32xf32>) -> tensor<4x8x32xf32> {
    %y = mindir.BatchMatMul %a, %b {transpose_a = true, in_strategy = #mindir.strategy<[2, 1, 1], [2, 1, 2]>} : (tensor<4x16x8xf32>, tensor<4x16x32xf32>) -> tensor<4x8x32xf32>
    return %y : tensor<4x8x32xf32>
  }
}

// -----

// An elementwise op broadcasting a vector: the vector's dimension aligns with
// the last dimension of the matrix.
// CHECK-LABEL: mindir.main_graph = @add
// CHECK: mindir.parameter @b {{.*}}predict_layout = #mindir.layout<dev_matrix = [2, 2, 2], tensor_map = [1]>
// CHECK: mindir.Add
// CHECK-SAME: mindir.layout = [#mindir.layout<dev_matrix = [2, 2, 2], tensor_map = [2, 1]>]
module attributes {mindir.main_graph = @add} {
  mindir.parameter @b : tensor<32xf32>
  func.func @add(%x: tensor<16x32xf32>) -> tensor<16x32xf32> {
    %b = mindir.get_parameter @b : tensor<32xf32>
    %y = mindir.Add %x, %b {in_strategy = #mindir.strategy<[2, 2], [2]>} : (tensor<16x32xf32>, tensor<32xf32>) -> tensor<16x32xf32>
    return %y : tensor<16x32xf32>
  }
}

// -----

// No strategy anywhere: MindSpore's batch default splits dimension 0 of the
// data input over gcd(6, 8) = 2 devices and leaves the weight whole.
// CHECK-LABEL: mindir.main_graph = @batch
// CHECK: mindir.parameter @w {{.*}}predict_layout = #mindir.layout<dev_matrix = [2, 1, 1, 4], tensor_map = [2, 1]>
// CHECK: mindir.MatMul
// CHECK-SAME: mindir.strategy = #mindir.strategy<[2, 1], [1, 1]>, mindir.strategy_source = "batch"
// CHECK: mindir.ReLU
// CHECK-SAME: mindir.layout = [#mindir.layout<dev_matrix = [2, 1, 4], tensor_map = [2, 1]>]
// CHECK-SAME: mindir.strategy = #mindir.strategy<[2, 1]>, mindir.strategy_source = "batch"
module attributes {mindir.main_graph = @batch} {
  mindir.parameter @w : tensor<32x32xf32>
  func.func @batch(%x: tensor<6x32xf32>) -> tensor<6x32xf32> {
    %w = mindir.get_parameter @w : tensor<32x32xf32>
    %y = mindir.MatMul %x, %w : (tensor<6x32xf32>, tensor<32x32xf32>) -> tensor<6x32xf32>
    %z = mindir.ReLU %y : tensor<6x32xf32>
    return %z : tensor<6x32xf32>
  }
}

// -----

// LayerNorm, Softmax and RmsNorm keep their normalised dimension whole; the
// statistics drop it.
// CHECK-LABEL: mindir.main_graph = @norms
// CHECK: mindir.parameter @gamma {{.*}}predict_layout = #mindir.layout<dev_matrix = [4, 2, 1], tensor_map = [0]>
// CHECK: mindir.LayerNorm
// CHECK-SAME: mindir.layout = [#mindir.layout<dev_matrix = [4, 2, 1], tensor_map = [2, 1, 0]>, #mindir.layout<dev_matrix = [4, 2, 1], tensor_map = [2, 1, -1]>, #mindir.layout<dev_matrix = [4, 2, 1], tensor_map = [2, 1, -1]>]
// CHECK: mindir.Softmax
// CHECK-SAME: mindir.layout = [#mindir.layout<dev_matrix = [2, 4, 1], tensor_map = [2, 1, 0]>]
// CHECK: mindir.RmsNorm
// CHECK-SAME: mindir.layout = [#mindir.layout<dev_matrix = [8, 1, 1], tensor_map = [2, 1, 0]>, #mindir.layout<dev_matrix = [8, 1, 1], tensor_map = [2, 1, -1]>]
module attributes {mindir.main_graph = @norms} {
  mindir.parameter @gamma : tensor<32xf32>
  mindir.parameter @beta : tensor<32xf32>
  func.func @norms(%x: tensor<8x4x32xf32>) -> tensor<8x4x32xf32> {
    %g = mindir.get_parameter @gamma : tensor<32xf32>
    %b = mindir.get_parameter @beta : tensor<32xf32>
    %y, %m, %v = mindir.LayerNorm %x, %g, %b {begin_norm_axis = -1 : i64, begin_params_axis = -1 : i64, in_strategy = #mindir.strategy<[4, 2, 1], [1], [1]>} : (tensor<8x4x32xf32>, tensor<32xf32>, tensor<32xf32>) -> (tensor<8x4x32xf32>, tensor<8x4x1xf32>, tensor<8x4x1xf32>)
    %s = mindir.Softmax %y {axis = array<i64: -1>, in_strategy = #mindir.strategy<[2, 4, 1]>} : tensor<8x4x32xf32>
    %r, %rstd = mindir.RmsNorm %s, %g {epsilon = 1.0e-6 : f32, in_strategy = #mindir.strategy<[8, 1, 1], [1]>} : (tensor<8x4x32xf32>, tensor<32xf32>) -> (tensor<8x4x32xf32>, tensor<8x4x1xf32>)
    return %r : tensor<8x4x32xf32>
  }
}

// -----

// An embedding table split by rows: the repeated devices of a row-split
// Gather go first in the device matrix, and the output is a partial sum
// (each device contributes the rows it holds).
// CHECK-LABEL: mindir.main_graph = @embed
// CHECK: mindir.parameter @table {{.*}}predict_layout = #mindir.layout<dev_matrix = [2, 4, 1], tensor_map = [1, 0]>
// CHECK: mindir.Gather
// CHECK-SAME: mindir.layout = [#mindir.layout<dev_matrix = [2, 4, 1], tensor_map = [-1, -1, 0]>]
module attributes {mindir.main_graph = @embed} {
  mindir.parameter @table : tensor<64x32xf16>
  func.func @embed(%ids: tensor<2x8xi32>) -> tensor<2x8x32xf16> {
    %t = mindir.get_parameter @table : tensor<64x32xf16>
    %e = mindir.Gather %t, %ids {in_strategy = #mindir.strategy<[4, 1], [1, 1]>} : (tensor<64x32xf16>, tensor<2x8xi32>) -> tensor<2x8x32xf16>
    return %e : tensor<2x8x32xf16>
  }
}

// -----

// An embedding table split by columns, the indices by batch: the device
// matrix is the indices' strategy then the table's.
// CHECK-LABEL: mindir.main_graph = @embed_cols
// CHECK: mindir.parameter @table {{.*}}predict_layout = #mindir.layout<dev_matrix = [2, 1, 1, 4], tensor_map = [1, 0]>
// CHECK: mindir.Gather
// CHECK-SAME: mindir.layout = [#mindir.layout<dev_matrix = [2, 1, 1, 4], tensor_map = [3, 2, 0]>]
module attributes {mindir.main_graph = @embed_cols} {
  mindir.parameter @table : tensor<64x32xf16>
  func.func @embed_cols(%ids: tensor<2x8xi32>) -> tensor<2x8x32xf16> {
    %t = mindir.get_parameter @table : tensor<64x32xf16>
    %e = mindir.Gather %t, %ids {in_strategy = #mindir.strategy<[1, 4], [2, 1]>} : (tensor<64x32xf16>, tensor<2x8xi32>) -> tensor<2x8x32xf16>
    return %e : tensor<2x8x32xf16>
  }
}

// -----

// Transpose permutes the tensor map; reductions drop (or keep as 1) the
// reduced dimensions; Cast and the activations keep their input's layout;
// a value used under two layouts is redistributed for each use.
// CHECK-LABEL: mindir.main_graph = @shapes
// CHECK: mindir.Transpose
// CHECK-SAME: mindir.layout = [#mindir.layout<dev_matrix = [2, 1, 4], tensor_map = [2, 0, 1]>]
// CHECK: mindir.redistribute %{{.*}} from <dev_matrix = [2, 1, 4], tensor_map = [2, 0, 1]> to <dev_matrix = [2, 1, 4], tensor_map = [2, 1, 0]>
// CHECK: mindir.ReduceSum
// CHECK-SAME: mindir.layout = [#mindir.layout<dev_matrix = [2, 1, 4], tensor_map = [2, 1]>]
// CHECK-DAG: mindir.redistribute %[[SUM:.*]] from <dev_matrix = [2, 1, 4], tensor_map = [2, 1]> to <dev_matrix = [4, 2], tensor_map = [1, 0]>
// CHECK-DAG: mindir.redistribute %[[SUM]] from <dev_matrix = [2, 1, 4], tensor_map = [2, 1]> to <dev_matrix = [1, 8], tensor_map = [1, 0]>
// CHECK: mindir.ReduceMean
// CHECK-SAME: mindir.layout = [#mindir.layout<dev_matrix = [1, 8], tensor_map = [1, -1]>]
// CHECK: mindir.Cast
// CHECK-SAME: mindir.layout = [#mindir.layout<dev_matrix = [4, 2], tensor_map = [1, 0]>]
// CHECK: mindir.GeLU
// CHECK-SAME: mindir.layout = [#mindir.layout<dev_matrix = [4, 2], tensor_map = [1, 0]>]
module attributes {mindir.main_graph = @shapes} {
  func.func @shapes(%x: tensor<8x4x32xf32>) -> tensor<8x32xf32> {
    %t = mindir.Transpose %x, [0, 2, 1] {in_strategy = #mindir.strategy<[2, 1, 4]>} : (tensor<8x4x32xf32>) -> tensor<8x32x4xf32>
    %r = mindir.ReduceSum %t, [2] {in_strategy = #mindir.strategy<[2, 1, 4]>} : (tensor<8x32x4xf32>) -> tensor<8x32xf32>
    %m = mindir.ReduceMean %r, [1] {keep_dims = true, in_strategy = #mindir.strategy<[1, 8]>} : (tensor<8x32xf32>) -> tensor<8x1xf32>
    %c = mindir.Cast %r to f16 {in_strategy = #mindir.strategy<[4, 2]>} : tensor<8x32xf32>
    %g = mindir.GeLU %c {in_strategy = #mindir.strategy<[4, 2]>} : tensor<8x32xf16>
    %back = mindir.Cast %g to f32 : tensor<8x32xf16>
    %sum = mindir.Add %back, %m : (tensor<8x32xf32>, tensor<8x1xf32>) -> tensor<8x32xf32>
    return %sum : tensor<8x32xf32>
  }
}

// -----

// Reshape keeps a layout whose slices stay whole blocks of rows, and gathers
// otherwise; BiasAdd splits the bias like the channel dimension.
// CHECK-LABEL: mindir.main_graph = @reshape
// CHECK: mindir.parameter @bias {{.*}}predict_layout = #mindir.layout<dev_matrix = [2, 4], tensor_map = [0]>
// CHECK: mindir.BiasAdd
// CHECK-SAME: mindir.layout = [#mindir.layout<dev_matrix = [2, 4], tensor_map = [1, 0]>]
// CHECK: mindir.Reshape %{{.*}} to [32, 16]
// CHECK-SAME: mindir.operand_layouts = [#mindir.layout<dev_matrix = [8], tensor_map = [-1, -1]>]
module attributes {mindir.main_graph = @reshape} {
  mindir.parameter @bias : tensor<64xf32>
  func.func @reshape(%x: tensor<8x4x16xf32>) -> tensor<32x64xf32> {
    %r = mindir.Reshape %x to [8, 64] : (tensor<8x4x16xf32>) -> tensor<8x64xf32>
    %b = mindir.get_parameter @bias : tensor<64xf32>
    %y = mindir.BiasAdd %r, %b {in_strategy = #mindir.strategy<[2, 4], [4]>} : (tensor<8x64xf32>, tensor<64xf32>) -> tensor<8x64xf32>
    %z = mindir.Reshape %y to [32, 16] : (tensor<8x64xf32>) -> tensor<32x16xf32>
    %w = mindir.Reshape %z to [8, 64] : (tensor<32x16xf32>) -> tensor<8x64xf32>
    %u = mindir.Concat %w, %w, %w, %w {axis = 0 : i64} : (tensor<8x64xf32>, tensor<8x64xf32>, tensor<8x64xf32>, tensor<8x64xf32>) -> tensor<32x64xf32>
    return %u : tensor<32x64xf32>
  }
}

// -----

// Elementwise ops, each with a strategy of its own or the batch default:
// every change of layout between them is a redistribution.
// CHECK-LABEL: mindir.main_graph = @pointwise
// CHECK: mindir.Sub {{.*}}mindir.layout = [#mindir.layout<dev_matrix = [2, 4], tensor_map = [1, 0]>]
// CHECK: mindir.Exp {{.*}}mindir.layout = [#mindir.layout<dev_matrix = [8, 1], tensor_map = [1, 0]>]
// CHECK: mindir.FastGeLU {{.*}}mindir.layout = [#mindir.layout<dev_matrix = [1, 8], tensor_map = [1, 0]>]
module attributes {mindir.main_graph = @pointwise} {
  func.func @pointwise(%x: tensor<16x32xf32>, %y: tensor<16x32xf32>) -> tensor<16x32xf32> {
    %a = mindir.Sub %x, %y {in_strategy = #mindir.strategy<[2, 4], [2, 4]>} : (tensor<16x32xf32>, tensor<16x32xf32>) -> tensor<16x32xf32>
    %b = mindir.Mul %a, %y {in_strategy = #mindir.strategy<[4, 2], [4, 2]>} : (tensor<16x32xf32>, tensor<16x32xf32>) -> tensor<16x32xf32>
    %e = mindir.Exp %b {in_strategy = #mindir.strategy<[8, 1]>} : tensor<16x32xf32>
    %s = mindir.Sqrt %e : tensor<16x32xf32>
    %d = mindir.RealDiv %s, %e : (tensor<16x32xf32>, tensor<16x32xf32>) -> tensor<16x32xf32>
    %g = mindir.FastGeLU %d {in_strategy = #mindir.strategy<[1, 8]>} : tensor<16x32xf32>
    %si = mindir.SiLU %g : tensor<16x32xf32>
    %sg = mindir.Sigmoid %si {in_strategy = #mindir.strategy<[2, 4]>} : tensor<16x32xf32>
    %t = mindir.Tanh %sg : tensor<16x32xf32>
    %n = mindir.Neg %t : tensor<16x32xf32>
    return %n : tensor<16x32xf32>
  }
}

// -----

// Split along the columns with the rows split, then slices of each part:
// one taking its rows whole (rows may stay split), one by default.
// CHECK-LABEL: mindir.main_graph = @slices
// CHECK: mindir.Split {{.*}}mindir.layout = [#mindir.layout<dev_matrix = [8, 1], tensor_map = [1, 0]>, #mindir.layout<dev_matrix = [8, 1], tensor_map = [1, 0]>]
// CHECK: mindir.StridedSlice {{.*}}mindir.layout = [#mindir.layout<dev_matrix = [4, 1, 2], tensor_map = [2, 1]>]
module attributes {mindir.main_graph = @slices} {
  func.func @slices(%x: tensor<16x32xf32>) -> tensor<16x8xf32> {
    %p:2 = mindir.Split %x {axis = 1 : i64, output_num = 2 : i64, in_strategy = #mindir.strategy<[8, 1]>} : (tensor<16x32xf32>) -> (tensor<16x16xf32>, tensor<16x16xf32>)
    %q = mindir.StridedSlice %p#0, [0, 4], [16, 12], [1, 1] {in_strategy = #mindir.strategy<[4, 1]>} : (tensor<16x16xf32>) -> tensor<16x8xf32>
    %r = mindir.StridedSlice %p#1, [0, 0], [16, 8], [1, 1] : (tensor<16x16xf32>) -> tensor<16x8xf32>
    %o = mindir.Add %q, %r : (tensor<16x8xf32>, tensor<16x8xf32>) -> tensor<16x8xf32>
    return %o : tensor<16x8xf32>
  }
}
