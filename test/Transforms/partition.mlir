// The device programs and the collectives MindSpore would insert, on 4
// devices.
// RUN: mindshard-opt %s -split-input-file \
// RUN:   -mindshard-infer-predict-layout="devices=4" \
// RUN:   -mindshard-partition="group-file=%t.groups.pb" | FileCheck %s
// RUN: mindshard-inspect groups %t.groups.pb | FileCheck %s --check-prefix=NONE
// RUN: mindshard-opt %S/Inputs/pairs.mlir -mindshard-infer-predict-layout="devices=4" \
// RUN:   -mindshard-partition="group-file=%t.pairs.pb" -o /dev/null
// RUN: mindshard-inspect groups %t.pairs.pb | FileCheck %s --check-prefix=PAIRS
// PAIRS: 2 communication groups
// PAIRS-DAG: 2-4190060298023907007 [1,3]
// PAIRS-DAG: 2-5208665662337742843 [0,2]

// The contracting dimension split 4 ways: each device slices its columns of
// the global input, multiplies, and the partial sums are added up over the
// world group.
// CHECK-LABEL: mindir.device_programs = [@matmul_k_program_0, @matmul_k_program_1, @matmul_k_program_2, @matmul_k_program_3]
// CHECK: mindir.parameter @w : tensor<8x64xf32> {mindir.global_type = tensor<32x64xf32>
// CHECK: func.func @matmul_k_program_0(%[[X:.*]]: tensor<16x32xf32>) -> tensor<16x64xf32> attributes {mindir.graph_name = "matmul_k"}
// CHECK-NEXT: %[[S:.*]] = mindir.StridedSlice %[[X]], [0, 0], [16, 8], [1, 1] : (tensor<16x32xf32>) -> tensor<16x8xf32>
// CHECK-NEXT: %[[W:.*]] = mindir.get_parameter @w : tensor<8x64xf32>
// CHECK-NEXT: %[[P:.*]] = mindir.MatMul %[[S]], %[[W]] : (tensor<16x8xf32>, tensor<8x64xf32>) -> tensor<16x64xf32>
// CHECK-NEXT: %[[R:.*]] = mindir.AllReduce %[[P]] group "hccl_world_group" [0, 1, 2, 3]
// CHECK-NEXT: return %[[R]]
// CHECK: func.func @matmul_k_program_1
// CHECK-NEXT: mindir.StridedSlice %{{.*}}, [0, 8], [16, 16], [1, 1]
module attributes {mindir.main_graph = @matmul_k} {
  mindir.parameter @w : tensor<32x64xf32>
  func.func @matmul_k(%x: tensor<16x32xf32>) -> tensor<16x64xf32> {
    %w = mindir.get_parameter @w : tensor<32x64xf32>
    %y = mindir.MatMul %x, %w {in_strategy = #mindir.strategy<[1, 4], [4, 1]>} : (tensor<16x32xf32>, tensor<32x64xf32>) -> tensor<16x64xf32>
    return %y : tensor<16x64xf32>
  }
}

// -----

// A row-split embedding: indices outside the device's rows are clamped and
// their rows masked to zero, then the devices' rows are summed.
// CHECK-LABEL: mindir.device_programs = [@embed_program_0
// CHECK: func.func @embed_program_0(%[[IDS:.*]]: tensor<2x8xi32>)
// CHECK: %[[TABLE:.*]] = mindir.get_parameter @table : tensor<16x32xf16>
// CHECK: %[[FIRST:.*]] = mindir.Constant dense<0> : tensor<i32>
// CHECK: %[[LOCAL:.*]] = mindir.Sub %[[IDS]], %[[FIRST]]
// CHECK: %[[LAST:.*]] = mindir.Constant dense<15> : tensor<i32>
// CHECK: %[[CLAMPED:.*]] = mindir.primitive "Minimum"
// CHECK: %[[INSIDE:.*]] = mindir.primitive "Equal"(%[[LOCAL]], %[[CLAMPED]])
// CHECK: %[[ROWS:.*]] = mindir.Gather %[[TABLE]], %[[CLAMPED]]
// CHECK: mindir.Cast %[[INSIDE]] to f16
// CHECK: %[[MASKED:.*]] = mindir.Mul %[[ROWS]]
// CHECK: mindir.AllReduce %[[MASKED]] group "hccl_world_group" [0, 1, 2, 3]
// CHECK: func.func @embed_program_1
// CHECK: mindir.Constant dense<16> : tensor<i32>
module attributes {mindir.main_graph = @embed} {
  mindir.parameter @table : tensor<64x32xf16>
  func.func @embed(%ids: tensor<2x8xi32>) -> tensor<2x8x32xf16> {
    %t = mindir.get_parameter @table : tensor<64x32xf16>
    %e = mindir.Gather %t, %ids {in_strategy = #mindir.strategy<[4, 1], [1, 1]>} : (tensor<64x32xf16>, tensor<2x8xi32>) -> tensor<2x8x32xf16>
    return %e : tensor<2x8x32xf16>
  }
}

// -----

// A split moving from rows to columns is an AlltoAll; gathering the columns
// for the output is an AllGather along rows, split and concatenated.
// CHECK-LABEL: mindir.device_programs = [@move_program_0
// CHECK: func.func @move_program_0
// CHECK: %[[A:.*]] = mindir.ReLU %{{.*}} : tensor<2x16xf32>
// CHECK-NEXT: %[[B:.*]] = mindir.AlltoAll %[[A]] group "hccl_world_group" [0, 1, 2, 3] {concat_dim = 0 : i64, split_count = 4 : i64, split_dim = 1 : i64} : (tensor<2x16xf32>) -> tensor<8x4xf32>
// CHECK-NEXT: %[[C:.*]] = mindir.GeLU %[[B]] : tensor<8x4xf32>
// CHECK-NEXT: %[[D:.*]] = mindir.AllGather %[[C]] group "hccl_world_group" [0, 1, 2, 3] : (tensor<8x4xf32>) -> tensor<32x4xf32>
// CHECK-NEXT: %[[E:.*]]:4 = mindir.Split %[[D]] {output_num = 4 : i64}
// CHECK-NEXT: mindir.Concat %[[E]]#0, %[[E]]#1, %[[E]]#2, %[[E]]#3 {axis = 1 : i64} {{.*}} -> tensor<8x16xf32>
module attributes {mindir.main_graph = @move} {
  func.func @move(%x: tensor<8x16xf32>) -> tensor<8x16xf32> {
    %a = mindir.ReLU %x {in_strategy = #mindir.strategy<[4, 1]>} : tensor<8x16xf32>
    %b = mindir.GeLU %a {in_strategy = #mindir.strategy<[1, 4]>} : tensor<8x16xf32>
    return %b : tensor<8x16xf32>
  }
}

// -----

// Rows split 2 ways on 4 devices: the groups are pairs, named as MindSpore
// names them (<size>-<hash of the ranks>).
// CHECK-LABEL: mindir.device_programs = [@pairs_program_0
// CHECK: func.func @pairs_program_0
// CHECK: mindir.AllGather %{{.*}} group "2-{{[0-9]+}}" [0, 2]
// CHECK: func.func @pairs_program_1
// CHECK: mindir.AllGather %{{.*}} group "2-{{[0-9]+}}" [1, 3]
module attributes {mindir.main_graph = @pairs} {
  func.func @pairs(%x: tensor<8x16xf32>) -> tensor<8x16xf32> {
    %a = mindir.ReLU %x {in_strategy = #mindir.strategy<[2, 1]>} : tensor<8x16xf32>
    return %a : tensor<8x16xf32>
  }
}

// -----

// Nothing split: all devices run one and the same program.
// CHECK-LABEL: mindir.device_programs = [@same_program_0, @same_program_0, @same_program_0, @same_program_0]
// CHECK-NOT: func.func @same_program_1
module attributes {mindir.main_graph = @same} {
  func.func @same(%x: tensor<1x16xf32>) -> tensor<1x16xf32> {
    %a = mindir.ReLU %x : tensor<1x16xf32>
    return %a : tensor<1x16xf32>
  }
}

// The group file is the last module's (each split input overwrites it): a
// module without collectives has no groups.
// NONE: 0 communication groups
