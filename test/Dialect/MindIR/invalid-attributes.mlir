// RUN: mindshard-opt %s -split-input-file -verify-diagnostics

// Layouts that MindSpore could not have written.

// expected-error @+1 {{invalid layout: the device matrix is empty}}
mindir.parameter @p : tensor<4xf32> {train_layout = #mindir.layout<dev_matrix = [], tensor_map = [-1]>}

// -----

// expected-error @+1 {{invalid layout: device matrix [2, 0] has an extent below 1}}
mindir.parameter @p : tensor<4xf32> {train_layout = #mindir.layout<dev_matrix = [2, 0], tensor_map = [0]>}

// -----

// expected-error @+1 {{tensor map entry 2 of dimension 0 indexes past the device matrix [2, 4] (valid axes are 0 to 1, or -1)}}
mindir.parameter @p : tensor<4xf32> {train_layout = #mindir.layout<dev_matrix = [2, 4], tensor_map = [2]>}

// -----

// expected-error @+1 {{tensor map entry -3 of dimension 1 indexes past the device matrix}}
mindir.parameter @p : tensor<4x4xf32> {train_layout = #mindir.layout<dev_matrix = [2, 4], tensor_map = [0, -3]>}

// -----

// expected-error @+1 {{device axis 0 is used twice in the tensor map}}
mindir.parameter @p : tensor<4x4xf32> {train_layout = #mindir.layout<dev_matrix = [2, 4], tensor_map = [0, 0]>}

// -----

// expected-error @+1 {{device axis 1 is used twice in the tensor map}}
mindir.parameter @p : tensor<4x4xf32> {train_layout = #mindir.layout<dev_matrix = [2, 4], tensor_map = [[1, 0], 1]>}

// -----

// expected-error @+1 {{optimizer shard size -2 and step 1 must not be negative}}
mindir.parameter @p : tensor<4xf32> {train_layout = #mindir.layout<dev_matrix = [4], tensor_map = [-1], opt_shard_size = -2, opt_shard_step = 1>}

// -----

// expected-error @+1 {{optimizer shard size 2 needs a positive step, got 0}}
mindir.parameter @p : tensor<4xf32> {train_layout = #mindir.layout<dev_matrix = [4], tensor_map = [-1], opt_shard_size = 2>}

// -----

// expected-error @+1 {{field -1 is negative}}
mindir.parameter @p : tensor<4xf32> {train_layout = #mindir.layout<dev_matrix = [4], tensor_map = [-1], field = -1>}

// -----

// expected-error @+1 {{param_split_shape has 2 entries but indices_offset has 1}}
mindir.parameter @p : tensor<4xf32> {train_layout = #mindir.layout<dev_matrix = [2], tensor_map = [0], param_split_shape = [1, 3], indices_offset = [0]>}

// -----

// expected-error @+1 {{an uneven split needs a tensor of rank 1 or more}}
mindir.parameter @p : tensor<f32> {train_layout = #mindir.layout<dev_matrix = [2], tensor_map = [], param_split_shape = [1, 3]>}

// -----

// expected-error @+1 {{param_split_shape has 3 entries but dimension 0 is split 2 ways}}
mindir.parameter @p : tensor<4xf32> {train_layout = #mindir.layout<dev_matrix = [2], tensor_map = [0], param_split_shape = [1, 1, 2]>}

// -----

// expected-error @+1 {{param_split_shape [-1, 5] has a negative extent}}
mindir.parameter @p : tensor<4xf32> {train_layout = #mindir.layout<dev_matrix = [2], tensor_map = [0], param_split_shape = [-1, 5]>}

// -----

// expected-error @+1 {{pipeline stage -1 is negative}}
mindir.parameter @p : tensor<4xf32> {train_layout = #mindir.layout<dev_matrix = [2], tensor_map = [0], stage = -1>}

// -----

// expected-error @+1 {{unknown layout field 'opt_shard'}}
mindir.parameter @p : tensor<4xf32> {train_layout = #mindir.layout<dev_matrix = [2], tensor_map = [0], opt_shard = 2>}

// -----

func.func @f(%x: tensor<4xf32>) {
  // expected-error @+1 {{strategy of input 0 has split count 0; split counts must be 1 or more}}
  %0 = mindir.ReLU %x {in_strategy = #mindir.strategy<[0]>} : tensor<4xf32>
  return
}

// -----

// Dialect attributes on modules, functions and ops.

// expected-error @+1 {{'mindir.producer_name' must be a string}}
module attributes {mindir.producer_name = 1 : i64} {}

// -----

// expected-error @+1 {{'mindir.mind_ir_version' must be an integer}}
module attributes {mindir.mind_ir_version = "1"} {}

// -----

// expected-error @+1 {{'mindir.main_graph' must be a symbol reference on a module}}
module attributes {mindir.main_graph = "main"} {}

// -----

// expected-error @+1 {{'mindir.main_graph' names @main, which is not defined}}
module attributes {mindir.main_graph = @main} {}

// -----

func.func @f(%x: tensor<4xf32>) {
  // expected-error @+1 {{'mindir.layout' must be a layout or an array of layouts}}
  %0 = mindir.ReLU %x {mindir.layout = 1 : i64} : tensor<4xf32>
  return
}

// -----

func.func @f(%x: tensor<4xf32>) {
  // expected-error @+1 {{'mindir.layout' has 2 layouts but the op has 1 results}}
  %0 = mindir.ReLU %x {mindir.layout = [#mindir.layout<dev_matrix = [4], tensor_map = [0]>, #mindir.layout<dev_matrix = [4], tensor_map = [0]>]} : tensor<4xf32>
  return
}

// -----

func.func @f(%x: tensor<4xf32>) {
  // expected-error @+1 {{unknown mindir attribute 'mindir.colour'}}
  %0 = mindir.ReLU %x {mindir.colour = 1 : i64} : tensor<4xf32>
  return
}

// -----

// expected-error @+2 {{the box at 4 of extent 8 leaves dimension 0 of the training slice (extent 8)}}
// expected-error @+1 {{failed to parse MindIR_SliceAttr parameter 'pieces'}}
mindir.parameter @p : tensor<8xf32> {mindir.slices = [#mindir.slice<rank = 0, shape = [8], pieces = [#mindir.piece<rank = 0, slice = [8], from = [4], to = [0], shape = [8]>]>]}

// -----

// expected-error @+2 {{slice, from, to and shape must have one entry per dimension}}
// expected-error @+1 {{failed to parse MindIR_SliceAttr parameter 'pieces'}}
mindir.parameter @p : tensor<8xf32> {mindir.slices = [#mindir.slice<rank = 0, shape = [8], pieces = [#mindir.piece<rank = 0, slice = [8], from = [0, 0], to = [0], shape = [8]>]>]}

// -----

// expected-error @+1 {{a piece at 4 of extent 8 leaves dimension 0 of the slice (extent 8)}}
mindir.parameter @p : tensor<8xf32> {mindir.slices = [#mindir.slice<rank = 0, shape = [8], pieces = [#mindir.piece<rank = 0, slice = [8], from = [0], to = [4], shape = [8]>]>]}

// -----

// expected-error @+1 {{pieces must be #mindir.piece, got 3 : i64}}
mindir.parameter @p : tensor<8xf32> {mindir.slices = [#mindir.slice<rank = 0, shape = [8], pieces = [3]>]}

// -----

// expected-error @+1 {{'mindir.slices' entry 0 is the slice of rank 1}}
mindir.parameter @p : tensor<8xf32> {mindir.slices = [#mindir.slice<rank = 1, shape = [8], pieces = []>]}

// -----

// expected-error @+1 {{'mindir.slice_values' must be an array of elements on a parameter}}
mindir.parameter @p : tensor<8xf32> {mindir.slice_values = [1 : i64]}

// -----

// expected-error @+1 {{'mindir.train_stages' must be a positive integer on a module}}
module attributes {mindir.train_stages = 0 : i64} {}

// -----

// expected-error @+1 {{'mindir.train_checkpoints' must be an array of strings on a module}}
module attributes {mindir.train_checkpoints = [1]} {}

// -----

func.func @f(%x: tensor<4x4xf32>) {
  // expected-error @+1 {{'mindir.result_names' must be a string per result (2)}}
  %a:2 = mindir.Split %x {axis = 1 : i64, output_num = 2 : i64, mindir.result_names = ["only one"]} : (tensor<4x4xf32>) -> (tensor<4x2xf32>, tensor<4x2xf32>)
  return
}
