// The fixture networks as the importer sees them, checked op by op.

// RUN: mindshard-translate --import-mindir %data/scenarios/seed_matmul_t8_p4/network.mindir --mindir-no-weights | FileCheck %s --check-prefix=SEED
// SEED: module attributes {mindir.ir_version = "0.1.1", mindir.main_graph = @seed, mindir.mind_ir_version = 1 : i64, mindir.model_version = "2.2.10", mindir.producer_name = "MindSpore"}
// SEED: mindir.parameter @weight : tensor<96x16xf32>
// SEED-LABEL: func.func @seed(%arg0: tensor<128x96xf32> {mindir.name = "seed:x"}) -> tensor<128x16xf32>
// SEED: %[[W:.*]] = mindir.get_parameter @weight : tensor<96x16xf32>
// SEED: %[[U:.*]] = mindir.Constant(unit) : !mindir.u_monad
// SEED: %[[L:.*]] = mindir.Load %[[W]], %[[U]]
// The primitive's in_strategy attribute becomes the op's strategy.
// SEED: %[[M:.*]] = mindir.MatMul %arg0, %[[L]] {in_strategy = #mindir.strategy<[1, 1], [1, 4]>
// SEED: %[[N:.*]] = mindir.Neg %[[M]]
// SEED: return %[[N]] : tensor<128x16xf32>

// Constant inputs (shapes, perms, axes) become attributes; LayerNorm's tuple
// is unpacked; Gather's axis input is folded.
// RUN: mindshard-translate --import-mindir %data/scenarios/attention_t8_p4_float16/network.mindir --mindir-no-weights | FileCheck %s --check-prefix=BLOCK
// BLOCK-LABEL: func.func @block(%arg0: tensor<2x8xi32> {mindir.name = "block:tokens"})
// BLOCK: mindir.Gather %{{.*}}, %arg0 {in_strategy = #mindir.strategy<[4, 1], [1, 1]>
// BLOCK-SAME: (tensor<64x32xf16>, tensor<2x8xi32>) -> tensor<2x8x32xf16>
// BLOCK: %[[Y:.*]], %{{.*}}, %{{.*}} = mindir.LayerNorm %{{.*}}, %{{.*}}, %{{.*}} {begin_norm_axis = -1 : i64, begin_params_axis = -1 : i64
// BLOCK: mindir.Reshape %[[Y]] to [16, 32]
// BLOCK: mindir.Transpose %{{.*}}, [0, 2, 1, 3]
// BLOCK: mindir.BatchMatMul %{{.*}}, %{{.*}} {{{.*}}transpose_b = true
// BLOCK: mindir.Softmax
// BLOCK: mindir.GeLU
// BLOCK-NOT: mindir.Constant dense
// BLOCK-NOT: TupleGetItem

// MindSpore 1.1: bare op_type names, attributes on the node in the legacy
// ref_attr_name encoding.
// RUN: mindshard-translate --import-mindir %data/real/docs/docs__sample_code__ascend310_single_op_sample__tensor_add.mindir | FileCheck %s --check-prefix=LEGACY
// LEGACY: mindir.Add %arg0, %arg1 {input_names = #mindir.list<["x", "y"]>, output_names = #mindir.list<["output"]>} : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>

// S-Prim- wrappers: unknown primitives stay generic with their spelling,
// known ones get their op.
// RUN: mindshard-translate --import-mindir %data/real/mindspore_test@v1.10.0/mindspore__python__mindspore__ops__bprop_mindir__Select_bprop.mindir | FileCheck %s --check-prefix=SPRIM
// SPRIM: mindir.primitive "S-Prim-hyper_map[zeros_like_leaf]"(%arg0) : (!mindir.any) -> !mindir.any
// SPRIM: mindir.primitive "S-Prim-Select"(%arg0, %arg4, %{{.*}}) {input_names = #mindir.list<["condition", "x", "y"]>
// SPRIM: mindir.MakeTuple

// Closures: values of other graphs, graphs as values, calls through values.
// RUN: mindshard-translate --import-mindir %data/real/mindspore_test@v2.0.0/mindspore__python__mindspore__ops__bprop_mindir__Concat_bprop.mindir | FileCheck %s --check-prefix=CLOSURE
// CLOSURE-DAG: mindir.free_variable
// CLOSURE-DAG: mindir.func_ref
// CLOSURE-DAG: mindir.call @
// CLOSURE-DAG: mindir.primitive "MetaFuncGraph::
// CLOSURE-DAG: #mindir.object<"CLASS_TYPE"
