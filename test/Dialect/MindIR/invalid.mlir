// RUN: mindshard-opt %s -split-input-file -verify-diagnostics

// One case for each error the mindir ops' verifiers and type inference
// report.

//===----------------------------------------------------------------------===//
// Strategies
//===----------------------------------------------------------------------===//

func.func @f(%a: tensor<8x16xf32>, %b: tensor<16x4xf32>) {
  // expected-error @+1 {{'mindir.MatMul' op in_strategy has 1 tuples but the op has 2 tensor inputs}}
  %0 = mindir.MatMul %a, %b {in_strategy = #mindir.strategy<[2, 1]>} : (tensor<8x16xf32>, tensor<16x4xf32>) -> tensor<8x4xf32>
  return
}

// -----

func.func @f(%a: tensor<8x16xf32>, %b: tensor<16x4xf32>) {
  // expected-error @+1 {{in_strategy tuple 1 has 3 split counts but input 1 has rank 2}}
  %0 = mindir.MatMul %a, %b {in_strategy = #mindir.strategy<[2, 1], [1, 4, 1]>} : (tensor<8x16xf32>, tensor<16x4xf32>) -> tensor<8x4xf32>
  return
}

//===----------------------------------------------------------------------===//
// Parameters and plumbing
//===----------------------------------------------------------------------===//

// -----

// expected-error @+1 {{value of type 'tensor<2xf32>' does not match the parameter type 'tensor<4xf32>'}}
mindir.parameter @p : tensor<4xf32> = dense<[1.0, 2.0]> : tensor<2xf32>

// -----

// expected-error @+1 {{train_layout needs a ranked tensor parameter}}
mindir.parameter @p : i64 {train_layout = #mindir.layout<dev_matrix = [2], tensor_map = []>}

// -----

// expected-error @+1 {{predict_layout has 1 tensor map entries but the parameter has rank 2}}
mindir.parameter @p : tensor<4x4xf32> {predict_layout = #mindir.layout<dev_matrix = [2], tensor_map = [0]>}

// -----

func.func @f() {
  // expected-error @+1 {{'w' does not name a mindir.parameter}}
  %0 = mindir.get_parameter @w : tensor<4xf32>
  return
}

// -----

mindir.parameter @w : tensor<4xf32>
func.func @f() {
  // expected-error @+1 {{result type 'tensor<8xf32>' differs from the type 'tensor<4xf32>' of parameter 'w'}}
  %0 = mindir.get_parameter @w : tensor<8xf32>
  return
}

// -----

func.func @f() {
  // expected-error @+1 {{value of type 'tensor<2xi64>' does not match the result type 'tensor<2xi32>'}}
  %0 = "mindir.Constant"() {value = dense<[1, 2]> : tensor<2xi64>} : () -> tensor<2xi32>
  return
}

// -----

func.func @f() {
  // expected-error @+1 {{a unit value needs a monad or !mindir.any type, got 'i64'}}
  %0 = mindir.Constant(unit) : i64
  return
}

// -----

func.func @f() {
  // expected-error @+1 {{tuple value has 3 elements but the result type 'tuple<i64, i64>' has 2}}
  %0 = mindir.Constant([1, 2, 3]) : tuple<i64, i64>
  return
}

// -----

func.func @f() {
  // expected-error @+1 {{a value without a type is written in parentheses and followed by `: type`}}
  %0 = mindir.Constant [1, 2] : tuple<i64, i64>
  return
}

// -----

func.func @f(%p: tensor<4xf32>) {
  // expected-error @+1 {{result type 'tensor<8xf32>' differs from the parameter type 'tensor<4xf32>'}}
  %0 = mindir.Load %p : (tensor<4xf32>) -> tensor<8xf32>
  return
}

// -----

func.func @f(%u: !mindir.u_monad) {
  // expected-error @+1 {{result type '!mindir.io_monad' differs from the monad type '!mindir.u_monad'}}
  %0 = mindir.UpdateState %u : (!mindir.u_monad) -> !mindir.io_monad
  return
}

// -----

func.func @f(%x: tensor<4xf32>, %u: !mindir.u_monad) {
  // expected-error @+1 {{result type 'tensor<8xf32>' differs from the type 'tensor<4xf32>' of the value it passes on}}
  %0 = mindir.Depend %x, %u : (tensor<4xf32>, !mindir.u_monad) -> tensor<8xf32>
  return
}

// -----

func.func @f(%x: tensor<4xf32>) {
  // expected-error @+2 {{operand of type 'tensor<4xf32>' is not a tuple}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mindir.TupleGetItem %x[0] : (tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @f(%t: tuple<i64, i64>) {
  // expected-error @+2 {{index 2 is out of range for a tuple of 2 elements}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mindir.TupleGetItem %t[2] : (tuple<i64, i64>) -> i64
  return
}

// -----

func.func @f(%t: tuple<i64, f32>) {
  // expected-error @+2 {{inferred type(s) 'f32' are incompatible with return type(s) of operation 'i64'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mindir.TupleGetItem %t[1] : (tuple<i64, f32>) -> i64
  return
}

// -----

func.func @f(%x: tensor<4xf32>) {
  // expected-error @+1 {{'g' does not name a graph}}
  %0 = mindir.call @g(%x) : (tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @g(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
func.func @f(%x: tensor<4xf32>) {
  // expected-error @+1 {{passes 2 arguments but graph 'g' takes 1}}
  %0 = mindir.call @g(%x, %x) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @g(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
func.func @f(%x: tensor<4xf32>) {
  // expected-error @+1 {{has 2 results but graph 'g' returns 1}}
  %0:2 = mindir.call @g(%x) : (tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
  return
}

// -----

func.func @g(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
func.func @f(%x: tensor<8xf32>) {
  // expected-error @+1 {{argument 0 of type 'tensor<8xf32>' does not fit input type 'tensor<4xf32>' of graph 'g'}}
  %0 = mindir.call @g(%x) : (tensor<8xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @f() {
  // expected-error @+1 {{'g' does not name a graph}}
  %0 = mindir.func_ref @g
  return
}

// -----

func.func @f() {
  // expected-error @+1 {{needs a primitive name}}
  mindir.primitive ""() : () -> ()
  return
}

//===----------------------------------------------------------------------===//
// MatMul and BatchMatMul
//===----------------------------------------------------------------------===//

// -----

func.func @f(%a: tensor<2x8x16xf32>, %b: tensor<16x4xf32>) {
  // expected-error @+2 {{operands must be 2-d, got ranks 3 and 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mindir.MatMul %a, %b : (tensor<2x8x16xf32>, tensor<16x4xf32>) -> tensor<8x4xf32>
  return
}

// -----

func.func @f(%a: tensor<8x16xf32>, %b: tensor<16x4xf16>) {
  // expected-error @+2 {{operand element types 'f32' and 'f16' differ}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mindir.MatMul %a, %b : (tensor<8x16xf32>, tensor<16x4xf16>) -> tensor<8x4xf32>
  return
}

// -----

func.func @f(%a: tensor<8x16xf32>, %b: tensor<16x4xf32>) {
  // expected-error @+2 {{contracting dimensions differ: 16 in x1 [8, 16] and 4 in x2 [16, 4]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mindir.MatMul %a, %b {transpose_b = true} : (tensor<8x16xf32>, tensor<16x4xf32>) -> tensor<8x16xf32>
  return
}

// -----

func.func @f(%a: tensor<8x16xf32>, %b: tensor<16x4xf32>) {
  // expected-error @+2 {{inferred type(s) 'tensor<8x4xf32>' are incompatible with return type(s) of operation 'tensor<8x8xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mindir.MatMul %a, %b : (tensor<8x16xf32>, tensor<16x4xf32>) -> tensor<8x8xf32>
  return
}

// -----

func.func @f(%a: tensor<16xf32>, %b: tensor<16x4xf32>) {
  // expected-error @+2 {{operands must have rank 2 or more, got ranks 1 and 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mindir.BatchMatMul %a, %b : (tensor<16xf32>, tensor<16x4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @f(%a: tensor<2x8x16xf32>, %b: tensor<3x16x4xf32>) {
  // expected-error @+2 {{shapes [2] and [3] do not broadcast}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mindir.BatchMatMul %a, %b : (tensor<2x8x16xf32>, tensor<3x16x4xf32>) -> tensor<2x8x4xf32>
  return
}

//===----------------------------------------------------------------------===//
// Elementwise, Cast and BiasAdd
//===----------------------------------------------------------------------===//

// -----

func.func @f(%a: tensor<4x8xf32>, %b: tensor<4x8xf16>) {
  // expected-error @+2 {{operand element types 'f32' and 'f16' differ}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mindir.Add %a, %b : (tensor<4x8xf32>, tensor<4x8xf16>) -> tensor<4x8xf32>
  return
}

// -----

func.func @f(%a: tensor<4x8xf32>, %b: tensor<4x3xf32>) {
  // expected-error @+2 {{shapes [4, 8] and [4, 3] do not broadcast}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mindir.Mul %a, %b : (tensor<4x8xf32>, tensor<4x3xf32>) -> tensor<4x8xf32>
  return
}

// -----

func.func @f(%a: tensor<4x8xf32>) {
  // expected-error @+1 {{'mindir.Neg' op requires the same type for all operands and results}}
  %0 = "mindir.Neg"(%a) : (tensor<4x8xf32>) -> tensor<4x8xf16>
  return
}

// -----

func.func @f(%a: tensor<4x8xf32>) {
  // expected-error @+2 {{dst_type 'tensor<4xf32>' is not an integer or float type}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = "mindir.Cast"(%a) {dst_type = tensor<4xf32>} : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return
}

// -----

func.func @f(%x: tensor<4x8xf32>, %b: tensor<8xf32>) {
  // expected-error @+2 {{data_format "NC" is not NCHW, NHWC or NCDHW}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mindir.BiasAdd %x, %b {data_format = "NC"} : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  return
}

// -----

func.func @f(%x: tensor<8xf32>, %b: tensor<8xf32>) {
  // expected-error @+2 {{x must have rank 2 or more, got 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mindir.BiasAdd %x, %b : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return
}

// -----

func.func @f(%x: tensor<4x8xf32>, %b: tensor<1x8xf32>) {
  // expected-error @+2 {{b must be 1-d, got rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mindir.BiasAdd %x, %b : (tensor<4x8xf32>, tensor<1x8xf32>) -> tensor<4x8xf32>
  return
}

// -----

func.func @f(%x: tensor<2x8x4xf32>, %b: tensor<4xf32>) {
  // expected-error @+2 {{b has 4 elements but dimension 1 of x [2, 8, 4] has 8}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mindir.BiasAdd %x, %b : (tensor<2x8x4xf32>, tensor<4xf32>) -> tensor<2x8x4xf32>
  return
}

// -----

func.func @f(%x: tensor<4x8xf32>, %b: tensor<8xf16>) {
  // expected-error @+2 {{operand element types 'f32' and 'f16' differ}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mindir.BiasAdd %x, %b : (tensor<4x8xf32>, tensor<8xf16>) -> tensor<4x8xf32>
  return
}

//===----------------------------------------------------------------------===//
// Softmax, LayerNorm, RmsNorm
//===----------------------------------------------------------------------===//

// -----

func.func @f(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{axis must not be empty}}
  %0 = mindir.Softmax %x {axis = array<i64>} : tensor<4x8xf32>
  return
}

// -----

func.func @f(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %0 = mindir.Softmax %x {axis = array<i64: 2>} : tensor<4x8xf32>
  return
}

// -----

func.func @f(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{axis -1 is repeated}}
  %0 = mindir.Softmax %x {axis = array<i64: 1, -1>} : tensor<4x8xf32>
  return
}

// -----

func.func @f(%x: tensor<4x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+2 {{begin_norm_axis 2 is out of range for rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:3 = mindir.LayerNorm %x, %g, %g {begin_norm_axis = 2 : i64} : (tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32>) -> (tensor<4x8xf32>, tensor<4x1xf32>, tensor<4x1xf32>)
  return
}

// -----

func.func @f(%x: tensor<4x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+2 {{begin_params_axis -3 is out of range for rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:3 = mindir.LayerNorm %x, %g, %g {begin_params_axis = -3 : i64} : (tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32>) -> (tensor<4x8xf32>, tensor<4x1xf32>, tensor<4x1xf32>)
  return
}

// -----

func.func @f(%x: tensor<4x8xf32>, %g: tensor<4xf32>, %b: tensor<8xf32>) {
  // expected-error @+2 {{gamma has shape [4] but x [4, 8] needs [8]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:3 = mindir.LayerNorm %x, %g, %b : (tensor<4x8xf32>, tensor<4xf32>, tensor<8xf32>) -> (tensor<4x8xf32>, tensor<4x1xf32>, tensor<4x1xf32>)
  return
}

// -----

func.func @f(%x: tensor<4x8xf32>, %g: tensor<8xf32>, %b: tensor<4x8xf32>) {
  // expected-error @+2 {{beta has shape [4, 8] but x [4, 8] needs [8]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:3 = mindir.LayerNorm %x, %g, %b : (tensor<4x8xf32>, tensor<8xf32>, tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x1xf32>, tensor<4x1xf32>)
  return
}

// -----

func.func @f(%x: tensor<8xf32>, %g: tensor<2x8xf32>) {
  // expected-error @+2 {{gamma of rank 2 does not fit x of rank 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:2 = mindir.RmsNorm %x, %g : (tensor<8xf32>, tensor<2x8xf32>) -> (tensor<8xf32>, tensor<1xf32>)
  return
}

// -----

func.func @f(%x: tensor<4x8xf32>, %g: tensor<4xf32>) {
  // expected-error @+2 {{gamma has shape [4] but x [4, 8] needs [8]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:2 = mindir.RmsNorm %x, %g : (tensor<4x8xf32>, tensor<4xf32>) -> (tensor<4x8xf32>, tensor<4x1xf32>)
  return
}

//===----------------------------------------------------------------------===//
// Gather, Reshape, Transpose, reductions
//===----------------------------------------------------------------------===//

// -----

func.func @f(%t: tensor<64x32xf32>, %i: tensor<2x8xi32>) {
  // expected-error @+2 {{axis 2 is out of range for rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mindir.Gather %t, %i {axis = 2 : i64} : (tensor<64x32xf32>, tensor<2x8xi32>) -> tensor<2x8x32xf32>
  return
}

// -----

func.func @f(%t: tensor<64x32xf32>, %i: tensor<2x8xi32>) {
  // expected-error @+2 {{batch_dims 1 must lie between 0 and min(axis 0, rank of indices 2)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mindir.Gather %t, %i {batch_dims = 1 : i64} : (tensor<64x32xf32>, tensor<2x8xi32>) -> tensor<2x8x32xf32>
  return
}

// -----

func.func @f(%t: tensor<64x32xf32>, %i: tensor<2x8xf32>) {
  // expected-error @+1 {{operand #1 must be ranked tensor of signless integer values}}
  %0 = mindir.Gather %t, %i : (tensor<64x32xf32>, tensor<2x8xf32>) -> tensor<2x8x32xf32>
  return
}

// -----

func.func @f(%x: tensor<16x32xf32>) {
  // expected-error @+2 {{shape [-1, -1] has more than one -1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mindir.Reshape %x to [-1, -1] : (tensor<16x32xf32>) -> tensor<16x32xf32>
  return
}

// -----

func.func @f(%x: tensor<16x32xf32>) {
  // expected-error @+2 {{shape [-2, 32] has a negative extent}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mindir.Reshape %x to [-2, 32] : (tensor<16x32xf32>) -> tensor<16x32xf32>
  return
}

// -----

func.func @f(%x: tensor<16x32xf32>) {
  // expected-error @+2 {{cannot reshape [16, 32] to [-1, 7]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mindir.Reshape %x to [-1, 7] : (tensor<16x32xf32>) -> tensor<16x32xf32>
  return
}

// -----

func.func @f(%x: tensor<16x32xf32>) {
  // expected-error @+2 {{cannot reshape [16, 32] (512 elements) to [16, 16] (256 elements)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mindir.Reshape %x to [16, 16] : (tensor<16x32xf32>) -> tensor<16x16xf32>
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>) {
  // expected-error @+2 {{perm [0, 1] has 2 entries but x has rank 3}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mindir.Transpose %x, [0, 1] : (tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>) {
  // expected-error @+2 {{perm [0, 1, 1] is not a permutation of 0 to 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mindir.Transpose %x, [0, 1, 1] : (tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>) {
  // expected-error @+2 {{axis -4 is out of range for rank 3}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mindir.ReduceSum %x, [-4] : (tensor<2x4x8xf32>) -> tensor<4x8xf32>
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>) {
  // expected-error @+2 {{axis 2 is repeated}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mindir.ReduceMean %x, [-1, 2] : (tensor<2x4x8xf32>) -> tensor<2x4xf32>
  return
}

//===----------------------------------------------------------------------===//
// Concat, Split, StridedSlice
//===----------------------------------------------------------------------===//

// -----

func.func @f() {
  // expected-error @+2 {{needs at least one input}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = "mindir.Concat"() : () -> tensor<4xf32>
  return
}

// -----

func.func @f(%a: tensor<4x8xf32>) {
  // expected-error @+2 {{axis 2 is out of range for rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mindir.Concat %a, %a {axis = 2 : i64} : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x16xf32>
  return
}

// -----

func.func @f(%a: tensor<4x8xf32>, %b: tensor<4x8xf16>) {
  // expected-error @+2 {{input 1 of type 'tensor<4x8xf16>' does not match input 0 of type 'tensor<4x8xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mindir.Concat %a, %b : (tensor<4x8xf32>, tensor<4x8xf16>) -> tensor<8x8xf32>
  return
}

// -----

func.func @f(%a: tensor<4x8xf32>, %b: tensor<4x4xf32>) {
  // expected-error @+2 {{input 1 has shape [4, 4] but input 0 has [4, 8] outside axis 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mindir.Concat %a, %b : (tensor<4x8xf32>, tensor<4x4xf32>) -> tensor<8x8xf32>
  return
}

// -----

func.func @f(%a: tensor<4x8xf32>) {
  // expected-error @+2 {{axis -3 is out of range for rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mindir.Split %a {axis = -3 : i64} : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return
}

// -----

func.func @f(%a: tensor<4x8xf32>) {
  // expected-error @+2 {{output_num 0 must be 1 or more}}
  // expected-error @+1 {{failed to infer returned types}}
  mindir.Split %a {output_num = 0 : i64} : (tensor<4x8xf32>) -> ()
  return
}

// -----

func.func @f(%a: tensor<4x8xf32>) {
  // expected-error @+2 {{dimension 1 of x [4, 8] does not split into 3 equal pieces}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:3 = mindir.Split %a {axis = 1 : i64, output_num = 3 : i64} : (tensor<4x8xf32>) -> (tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>)
  return
}

// -----

func.func @f(%a: tensor<4x8xf32>) {
  // expected-error @+2 {{begin, end and strides have 2, 1 and 2 entries; they must agree}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mindir.StridedSlice %a, [0, 0], [4], [1, 1] : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return
}

// -----

func.func @f(%a: tensor<4x8xf32>) {
  // expected-error @+2 {{begin has 3 entries but x has rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mindir.StridedSlice %a, [0, 0, 0], [4, 8, 1], [1, 1, 1] : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return
}

// -----

func.func @f(%a: tensor<4x8xf32>) {
  // expected-error @+2 {{ellipsis_mask and new_axis_mask must be 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mindir.StridedSlice %a, [0], [4], [1] {new_axis_mask = 1 : i64} : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return
}

// -----

func.func @f(%a: tensor<4x8xf32>) {
  // expected-error @+2 {{stride of dimension 1 is 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mindir.StridedSlice %a, [0, 0], [4, 8], [1, 0] : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return
}

//===----------------------------------------------------------------------===//
// Collectives
//===----------------------------------------------------------------------===//

// -----

func.func @f(%x: tensor<8x4xf32>) {
  // expected-error @+1 {{needs a group name}}
  %0 = mindir.AllReduce %x group "" [0, 1] : (tensor<8x4xf32>) -> tensor<8x4xf32>
  return
}

// -----

func.func @f(%x: tensor<8x4xf32>) {
  // expected-error @+1 {{group '2-1' has no ranks}}
  %0 = mindir.AllReduce %x group "2-1" [] : (tensor<8x4xf32>) -> tensor<8x4xf32>
  return
}

// -----

func.func @f(%x: tensor<8x4xf32>) {
  // expected-error @+1 {{group '2-1' has negative rank -1}}
  %0 = mindir.AllReduce %x group "2-1" [-1, 0] : (tensor<8x4xf32>) -> tensor<8x4xf32>
  return
}

// -----

func.func @f(%x: tensor<8x4xf32>) {
  // expected-error @+1 {{group '2-1' ranks [1, 0] are not in ascending order without repeats}}
  %0 = mindir.AllGather %x group "2-1" [1, 0] : (tensor<8x4xf32>) -> tensor<16x4xf32>
  return
}

// -----

func.func @f(%x: tensor<8x4xf32>) {
  // expected-error @+1 {{op "mean" is not one of sum, max, min, prod}}
  %0 = mindir.AllReduce %x group "2-1" [0, 1] {op = "mean"} : (tensor<8x4xf32>) -> tensor<8x4xf32>
  return
}

// -----

func.func @f(%x: tensor<8x4xf32>) {
  // expected-error @+1 {{op "avg" is not one of sum, max, min, prod}}
  %0 = mindir.ReduceScatter %x group "2-1" [0, 1] {op = "avg"} : (tensor<8x4xf32>) -> tensor<4x4xf32>
  return
}

// -----

func.func @f(%x: tensor<f32>) {
  // expected-error @+2 {{x must have rank 1 or more}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mindir.AllGather %x group "2-1" [0, 1] : (tensor<f32>) -> tensor<f32>
  return
}

// -----

func.func @f(%x: tensor<f32>) {
  // expected-error @+2 {{x must have rank 1 or more}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mindir.ReduceScatter %x group "2-1" [0, 1] : (tensor<f32>) -> tensor<f32>
  return
}

// -----

func.func @f(%x: tensor<6x4xf32>) {
  // expected-error @+2 {{dimension 0 of x [6, 4] does not split among 4 ranks}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mindir.ReduceScatter %x group "4-1" [0, 1, 2, 3] : (tensor<6x4xf32>) -> tensor<1x4xf32>
  return
}

// -----

func.func @f(%x: tensor<8x4xf32>) {
  // expected-error @+1 {{split_count 4 differs from the 2 ranks of group '2-1'}}
  %0 = mindir.AlltoAll %x group "2-1" [0, 1] {split_count = 4 : i64, split_dim = 0 : i64, concat_dim = 1 : i64} : (tensor<8x4xf32>) -> tensor<2x16xf32>
  return
}

// -----

func.func @f(%x: tensor<8x4xf32>) {
  // expected-error @+1 {{split_count 0 differs from the 2 ranks of group '2-1'}}
  %0 = mindir.AlltoAll %x group "2-1" [0, 1] {split_count = 0 : i64, split_dim = 0 : i64, concat_dim = 1 : i64} : (tensor<8x4xf32>) -> tensor<8x4xf32>
  return
}

// -----

func.func @f(%x: tensor<8x4xf32>) {
  // expected-error @+2 {{split_dim 2 is out of range for rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mindir.AlltoAll %x group "2-1" [0, 1] {split_count = 2 : i64, split_dim = 2 : i64, concat_dim = 1 : i64} : (tensor<8x4xf32>) -> tensor<8x4xf32>
  return
}

// -----

func.func @f(%x: tensor<8x4xf32>) {
  // expected-error @+2 {{concat_dim -3 is out of range for rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mindir.AlltoAll %x group "2-1" [0, 1] {split_count = 2 : i64, split_dim = 0 : i64, concat_dim = -3 : i64} : (tensor<8x4xf32>) -> tensor<8x4xf32>
  return
}

// -----

func.func @f(%x: tensor<8x3xf32>) {
  // expected-error @+2 {{dimension 1 of x [8, 3] does not split into 2 pieces}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mindir.AlltoAll %x group "2-1" [0, 1] {split_count = 2 : i64, split_dim = 1 : i64, concat_dim = 0 : i64} : (tensor<8x3xf32>) -> tensor<16x1xf32>
  return
}

