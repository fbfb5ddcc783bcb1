//===- MindIROps.td - mindir operations --------------------*- tablegen -*-===//
//
// Part of mindshard. The ops of the `mindir` dialect: parameters and graph
// plumbing, MindSpore's primitives (named as MindSpore names them), the
// collectives, and one generic op for every other primitive.
//
//===----------------------------------------------------------------------===//

#ifndef MINDSHARD_DIALECT_MINDIR_MINDIROPS_TD
#define MINDSHARD_DIALECT_MINDIR_MINDIROPS_TD

include "MindIR/MindIRBase.td"
include "MindIR/MindIRAttrs.td"
include "MindIR/MindIRTypes.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/IR/CommonTypeConstraints.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// Traits shared by the primitives
//===----------------------------------------------------------------------===//

// The op's `in_strategy`, when present, has one tuple of split counts per
// tensor operand, as long as the operand's rank, each count 1 or more. That
// the counts divide their dimensions is checked where the network is split.
def MindIR_StrategyMatchesOperands
    : NativeOpTrait<"StrategyMatchesOperands"> {
  let cppNamespace = "::mindshard::mindir::OpTrait";
}

def MindIR_Strategy : OptionalAttr<MindIR_StrategyAttr>;

// A MindSpore primitive with a dedicated op: pure, with an optional
// `in_strategy` that fits its operands.
class MindIR_PrimitiveOpBase<string mnemonic, list<Trait> traits = []>
    : MindIR_Op<mnemonic, !listconcat(traits, [Pure,
                                               MindIR_StrategyMatchesOperands])>;

// A primitive whose result types are inferred from its operands and
// attributes by its own rule.
class MindIR_PrimitiveOp<string mnemonic, list<Trait> traits = []>
    : MindIR_PrimitiveOpBase<mnemonic, !listconcat(traits,
                                                   [InferTypeOpAdaptor])>;

// A primitive whose result has the type of its operands (inferred by
// SameOperandsAndResultType).
class MindIR_SameTypePrimitiveOp<string mnemonic, list<Trait> traits = []>
    : MindIR_PrimitiveOpBase<mnemonic, !listconcat(traits,
          [SameOperandsAndResultType, InferTypeOpInterface])>;

// Ops whose result has the operand's type.
class MindIR_UnaryOp<string mnemonic, string doc>
    : MindIR_SameTypePrimitiveOp<mnemonic> {
  let summary = doc;
  let description = [{
    MindSpore's `}] # mnemonic # [{` primitive, elementwise; the result has
    the operand's type.
  }];
  let arguments = (ins AnyRankedTensor:$x, MindIR_Strategy:$in_strategy);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$x attr-dict `:` type($x)";
}

// Elementwise ops over two operands with numpy-style broadcasting.
class MindIR_BinaryOp<string mnemonic, string doc>
    : MindIR_PrimitiveOp<mnemonic> {
  let summary = doc;
  let description = [{
    MindSpore's `}] # mnemonic # [{` primitive, elementwise with numpy-style
    broadcasting. A rank-0 operand of another element type is a weakly
    typed scalar and takes the other operand's element type.
  }];
  let arguments = (ins AnyRankedTensor:$x, AnyRankedTensor:$y,
                       MindIR_Strategy:$in_strategy);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = [{
    $x `,` $y attr-dict `:` functional-type(operands, results)
  }];
  let extraClassDefinition = [{
    ::llvm::LogicalResult $cppClass::inferReturnTypes(
        ::mlir::MLIRContext *, std::optional<::mlir::Location> location,
        Adaptor adaptor, ::llvm::SmallVectorImpl<::mlir::Type> &inferred) {
      return ::mindshard::mindir::inferBroadcastType(
          location, adaptor.getX().getType(), adaptor.getY().getType(),
          inferred);
    }
  }];
}

// Reductions over a list of axes.
class MindIR_ReduceOp<string mnemonic, string doc>
    : MindIR_PrimitiveOp<mnemonic> {
  let summary = doc;
  let description = [{
    MindSpore's `}] # mnemonic # [{` primitive over the dimensions in `axis`
    (all of them when empty); `keep_dims` keeps them with extent 1.
  }];
  let arguments = (ins AnyRankedTensor:$x, DenseI64ArrayAttr:$axis,
                       DefaultValuedAttr<BoolAttr, "false">:$keep_dims,
                       MindIR_Strategy:$in_strategy);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = [{
    $x `,` $axis attr-dict `:` functional-type(operands, results)
  }];
  let extraClassDefinition = [{
    ::llvm::LogicalResult $cppClass::inferReturnTypes(
        ::mlir::MLIRContext *, std::optional<::mlir::Location> location,
        Adaptor adaptor, ::llvm::SmallVectorImpl<::mlir::Type> &inferred) {
      return ::mindshard::mindir::inferReduceType(
          location, adaptor.getX().getType(), adaptor.getAxis(),
          adaptor.getKeepDims(), inferred);
    }
  }];
}

//===----------------------------------------------------------------------===//
// Parameters, constants and graph plumbing
//===----------------------------------------------------------------------===//

def MindIR_ParameterOp : MindIR_Op<"parameter", [Symbol]> {
  let summary = "a weight of the network";
  let description = [{
    A network weight, named as MindSpore names it (the Python parameter name,
    e.g. `layer1.weight`). It holds the global type, optionally the training
    and predict layouts, and optionally the data (inline or as a resource
    blob). Functions read it with `mindir.get_parameter`.

    ```mlir
    mindir.parameter @"layer1.weight" : tensor<256x128xf32> {
      train_layout = #mindir.layout<dev_matrix = [2, 1, 2], tensor_map = [1, 0]>
    }
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name,
                       TypeAttrOf<AnyType>:$type,
                       OptionalAttr<ElementsAttr>:$value,
                       OptionalAttr<MindIR_LayoutAttr>:$train_layout,
                       OptionalAttr<MindIR_LayoutAttr>:$predict_layout);
  let assemblyFormat = [{
    $sym_name `:` $type (`=` $value^)? attr-dict
  }];
  let hasVerifier = 1;
}

def MindIR_GetParameterOp : MindIR_Op<"get_parameter",
    [Pure, DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "reads a parameter by its symbol";
  let description = [{
    The value of the `mindir.parameter` named `name`; the result type is the
    parameter's type.

    ```mlir
    %w = mindir.get_parameter @"layer1.weight" : tensor<256x128xf32>
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$name);
  let results = (outs AnyType:$output);
  let assemblyFormat = "$name attr-dict `:` type($output)";
}

def MindIR_ConstantOp : MindIR_Op<"Constant", [Pure, ConstantLike]> {
  let summary = "a value node";
  let description = [{
    A MindIR value node. Tensor values are dense or resource elements;
    scalars are integer, float or boolean attributes; tuples are arrays;
    monads are `unit` with a monad type; other MindSpore values are
    `#mindir.object`. A value that carries a type (a tensor, a number) gives
    the result type; any other value is written in parentheses, followed by
    the result type.

    ```mlir
    %c = mindir.Constant dense<[2, 8]> : tensor<2xi64>
    %u = mindir.Constant(unit) : !mindir.u_monad
    %t = mindir.Constant([2, 8]) : tuple<i64, i64>
    ```
  }];
  let arguments = (ins AnyAttr:$value);
  let results = (outs AnyType:$output);
  let hasCustomAssemblyFormat = 1;
  let hasVerifier = 1;
  let hasFolder = 1;
}

def MindIR_LoadOp : MindIR_Op<"Load", [Pure]> {
  let summary = "reads a parameter under a monad";
  let description = [{
    MindSpore's `Load(param, U)`: the value of a parameter at the point the
    monad orders. The result has the parameter's type.
  }];
  let arguments = (ins AnyType:$param, Optional<MindIR_Monad>:$monad);
  let results = (outs AnyType:$output);
  let assemblyFormat = [{
    operands attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def MindIR_UpdateStateOp : MindIR_Op<"UpdateState", [Pure]> {
  let summary = "advances a monad past some values";
  let arguments = (ins MindIR_Monad:$monad, Variadic<AnyType>:$values);
  let results = (outs MindIR_Monad:$output);
  let assemblyFormat = [{
    operands attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def MindIR_DependOp : MindIR_Op<"Depend", [Pure]> {
  let summary = "a value that must come after others";
  let description = [{
    MindSpore's `Depend(x, y...)`: `x`, ordered after the other operands.
  }];
  let arguments = (ins AnyType:$x, Variadic<AnyType>:$deps);
  let results = (outs AnyType:$output);
  let assemblyFormat = [{
    operands attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def MindIR_MakeTupleOp : MindIR_Op<"MakeTuple", [Pure, InferTypeOpAdaptor]> {
  let summary = "builds a tuple";
  let arguments = (ins Variadic<AnyType>:$elements);
  let results = (outs AnyTuple:$output);
  let assemblyFormat = [{
    $elements attr-dict `:` functional-type(operands, results)
  }];
}

def MindIR_TupleGetItemOp : MindIR_Op<"TupleGetItem",
    [Pure, InferTypeOpAdaptor]> {
  let summary = "one element of a tuple";
  let description = [{
    Element `index` of a tuple. When the operand's type is `!mindir.any`
    the result is too.
  }];
  let arguments = (ins AnyType:$tuple, I64Attr:$index);
  let results = (outs AnyType:$output);
  let assemblyFormat = [{
    $tuple `[` $index `]` attr-dict `:` functional-type(operands, results)
  }];
}

def MindIR_CallOp : MindIR_Op<"call",
    [DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "calls a graph";
  let description = [{
    MindIR's `REF::<graph>` node: a call of another graph of the file.
    Unlike `func.call`, the argument types may refine the graph's declared
    input types (MindIR sub-graphs often declare none).
  }];
  let arguments = (ins FlatSymbolRefAttr:$callee, Variadic<AnyType>:$args);
  let results = (outs Variadic<AnyType>:$results);
  let assemblyFormat = [{
    $callee `(` $args `)` attr-dict `:` functional-type($args, results)
  }];
}

def MindIR_ApplyOp : MindIR_Op<"apply"> {
  let summary = "calls a value";
  let description = [{
    A MindIR node whose callee is another node or a graph input (a closure
    or partial application), applied to the remaining operands.
  }];
  let arguments = (ins AnyType:$callee, Variadic<AnyType>:$args);
  let results = (outs Variadic<AnyType>:$results);
  let assemblyFormat = [{
    $callee `(` $args `)` attr-dict `:` functional-type(operands, results)
  }];
}

def MindIR_FuncRefOp : MindIR_Op<"func_ref",
    [Pure, DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "a graph used as a value";
  let arguments = (ins FlatSymbolRefAttr:$graph);
  let results = (outs MindIR_AnyType:$output);
  let assemblyFormat = "$graph attr-dict";
}

def MindIR_FreeVariableOp : MindIR_Op<"free_variable", [Pure]> {
  let summary = "a value of an enclosing graph, captured by name";
  let description = [{
    MindIR lets a graph read nodes and inputs of the graphs that enclose it
    (closures). Such a value is named here by its full MindIR name, e.g.
    `bprop.41:x`, and resolved by whoever runs the enclosing graph.
  }];
  let arguments = (ins StrAttr:$name);
  let results = (outs AnyType:$output);
  let assemblyFormat = "$name attr-dict `:` type($output)";
}

def MindIR_PrimitiveGenericOp : MindIR_Op<"primitive"> {
  let summary = "any MindSpore primitive without a dedicated op";
  let description = [{
    A primitive that mindshard does not model, or one whose use falls outside
    what its dedicated op accepts (a dynamic rank, an extra input).
    `primitive` is the primitive's name as the file spells it (e.g. `Conv2D`,
    `S-Prim-hyper_map[zeros_like_leaf]`, `MetaFuncGraph::add`); its other
    attributes are the primitive's. Every network imports through it even
    where no sharding rule exists; such ops run replicated.

    ```mlir
    %y = mindir.primitive "Conv2D"(%x, %w) {pad_mode = "same"}
        : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
    ```
  }];
  let arguments = (ins StrAttr:$primitive, Variadic<AnyType>:$inputs);
  let results = (outs Variadic<AnyType>:$results);
  let assemblyFormat = [{
    $primitive `(` $inputs `)` attr-dict `:` functional-type($inputs, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Linear algebra
//===----------------------------------------------------------------------===//

def MindIR_MatMulOp : MindIR_PrimitiveOp<"MatMul"> {
  let summary = "matrix product of two 2-d tensors";
  let description = [{
    `x1 @ x2`, each operand transposed first when its flag is set:
    `[M, K] x [K, N] -> [M, N]`.
  }];
  let arguments = (ins AnyRankedTensor:$x1, AnyRankedTensor:$x2,
                       DefaultValuedAttr<BoolAttr, "false">:$transpose_a,
                       DefaultValuedAttr<BoolAttr, "false">:$transpose_b,
                       MindIR_Strategy:$in_strategy);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = [{
    $x1 `,` $x2 attr-dict `:` functional-type(operands, results)
  }];
}

def MindIR_BatchMatMulOp : MindIR_PrimitiveOp<"BatchMatMul"> {
  let summary = "batched matrix product";
  let description = [{
    Matrix products over the last two dimensions, the leading (batch)
    dimensions broadcast: `[..., M, K] x [..., K, N] -> [..., M, N]`.
  }];
  let arguments = (ins AnyRankedTensor:$x1, AnyRankedTensor:$x2,
                       DefaultValuedAttr<BoolAttr, "false">:$transpose_a,
                       DefaultValuedAttr<BoolAttr, "false">:$transpose_b,
                       MindIR_Strategy:$in_strategy);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = [{
    $x1 `,` $x2 attr-dict `:` functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

def MindIR_AddOp : MindIR_BinaryOp<"Add", "elementwise sum">;
def MindIR_SubOp : MindIR_BinaryOp<"Sub", "elementwise difference">;
def MindIR_MulOp : MindIR_BinaryOp<"Mul", "elementwise product">;
def MindIR_RealDivOp : MindIR_BinaryOp<"RealDiv", "elementwise quotient">;

def MindIR_NegOp : MindIR_UnaryOp<"Neg", "negation">;
def MindIR_ReLUOp : MindIR_UnaryOp<"ReLU", "max(x, 0)">;
def MindIR_GeLUOp : MindIR_UnaryOp<"GeLU", "GELU (tanh approximation)">;
def MindIR_FastGeLUOp : MindIR_UnaryOp<"FastGeLU", "fast GELU">;
def MindIR_SiLUOp : MindIR_UnaryOp<"SiLU", "x * sigmoid(x)">;
def MindIR_SigmoidOp : MindIR_UnaryOp<"Sigmoid", "logistic sigmoid">;
def MindIR_TanhOp : MindIR_UnaryOp<"Tanh", "hyperbolic tangent">;
def MindIR_ExpOp : MindIR_UnaryOp<"Exp", "exponential">;
def MindIR_SqrtOp : MindIR_UnaryOp<"Sqrt", "square root">;

def MindIR_CastOp : MindIR_PrimitiveOp<"Cast"> {
  let summary = "converts the element type";
  let description = [{
    The operand with its elements converted to `dst_type`.

    ```mlir
    %y = mindir.Cast %x to f32 : tensor<4x8xf16>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$x, TypeAttr:$dst_type,
                       MindIR_Strategy:$in_strategy);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$x `to` $dst_type attr-dict `:` type($x)";
}

def MindIR_BiasAddOp : MindIR_PrimitiveOp<"BiasAdd"> {
  let summary = "adds a bias along the channel dimension";
  let description = [{
    Adds the 1-d `b` along the channel dimension of `x`: dimension 1 with
    `data_format` "NCHW" (the default, also used for 2-d inputs), the last
    dimension with "NHWC".
  }];
  let arguments = (ins AnyRankedTensor:$x, AnyRankedTensor:$b,
                       DefaultValuedStrAttr<StrAttr, "NCHW">:$data_format,
                       MindIR_Strategy:$in_strategy);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = [{
    $x `,` $b attr-dict `:` functional-type(operands, results)
  }];
  let extraClassDeclaration = [{
    /// The dimension of `x` that the bias runs along.
    int64_t getChannelDim();
  }];
}

//===----------------------------------------------------------------------===//
// Normalisation
//===----------------------------------------------------------------------===//

def MindIR_SoftmaxOp : MindIR_SameTypePrimitiveOp<"Softmax"> {
  let summary = "softmax over some axes";
  let hasVerifier = 1;
  let arguments = (ins AnyRankedTensor:$x,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{-1}">:$axis,
                       MindIR_Strategy:$in_strategy);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$x attr-dict `:` type($x)";
}

def MindIR_LayerNormOp : MindIR_PrimitiveOp<"LayerNorm"> {
  let summary = "layer normalisation";
  let description = [{
    Normalises `x` over the dimensions from `begin_norm_axis` on and scales
    and shifts by `gamma` and `beta`, whose shape is that of `x` from
    `begin_params_axis` on. Results: the output, the mean and the variance
    (the last two with extent 1 in the normalised dimensions).
  }];
  let arguments = (ins AnyRankedTensor:$x, AnyRankedTensor:$gamma,
                       AnyRankedTensor:$beta,
                       DefaultValuedAttr<I64Attr, "1">:$begin_norm_axis,
                       DefaultValuedAttr<I64Attr, "1">:$begin_params_axis,
                       DefaultValuedAttr<F32Attr, "1e-7">:$epsilon,
                       MindIR_Strategy:$in_strategy);
  let results = (outs AnyRankedTensor:$y, AnyRankedTensor:$mean,
                      AnyRankedTensor:$variance);
  let assemblyFormat = [{
    $x `,` $gamma `,` $beta attr-dict `:` functional-type(operands, results)
  }];
  let extraClassDeclaration = [{
    /// begin_norm_axis and begin_params_axis made non-negative.
    int64_t getNormAxis();
    int64_t getParamsAxis();
  }];
}

def MindIR_RmsNormOp : MindIR_PrimitiveOp<"RmsNorm"> {
  let summary = "root-mean-square normalisation";
  let description = [{
    Normalises `x` over its last `rank(gamma)` dimensions by their root mean
    square and scales by `gamma`. Results: the output and the reciprocal
    root mean square (extent 1 in the normalised dimensions).
  }];
  let arguments = (ins AnyRankedTensor:$x, AnyRankedTensor:$gamma,
                       DefaultValuedAttr<F32Attr, "1e-6">:$epsilon,
                       MindIR_Strategy:$in_strategy);
  let results = (outs AnyRankedTensor:$y, AnyRankedTensor:$rstd);
  let assemblyFormat = [{
    $x `,` $gamma attr-dict `:` functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

def MindIR_GatherOp : MindIR_PrimitiveOp<"Gather"> {
  let summary = "gathers slices of `params` along `axis` by `indices`";
  let description = [{
    The result's shape is `params.shape[:axis] + indices.shape[batch_dims:]
    + params.shape[axis+1:]`. An embedding lookup is a Gather on axis 0.
  }];
  let arguments = (ins AnyRankedTensor:$params,
                       RankedTensorOf<[AnySignlessInteger]>:$indices,
                       DefaultValuedAttr<I64Attr, "0">:$axis,
                       DefaultValuedAttr<I64Attr, "0">:$batch_dims,
                       MindIR_Strategy:$in_strategy);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = [{
    $params `,` $indices attr-dict `:` functional-type(operands, results)
  }];
}

def MindIR_ReshapeOp : MindIR_PrimitiveOp<"Reshape"> {
  let summary = "the same elements in another shape";
  let arguments = (ins AnyRankedTensor:$x, DenseI64ArrayAttr:$shape,
                       MindIR_Strategy:$in_strategy);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = [{
    $x `to` $shape attr-dict `:` functional-type(operands, results)
  }];
}

def MindIR_TransposeOp : MindIR_PrimitiveOp<"Transpose"> {
  let summary = "permutes the dimensions";
  let description = [{
    Result dimension `i` is operand dimension `perm[i]`.
  }];
  let arguments = (ins AnyRankedTensor:$x, DenseI64ArrayAttr:$perm,
                       MindIR_Strategy:$in_strategy);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = [{
    $x `,` $perm attr-dict `:` functional-type(operands, results)
  }];
}

def MindIR_ReduceSumOp : MindIR_ReduceOp<"ReduceSum", "sum over axes">;
def MindIR_ReduceMeanOp : MindIR_ReduceOp<"ReduceMean", "mean over axes">;

def MindIR_ConcatOp : MindIR_PrimitiveOp<"Concat"> {
  let summary = "joins tensors along an axis";
  let arguments = (ins Variadic<AnyRankedTensor>:$inputs,
                       DefaultValuedAttr<I64Attr, "0">:$axis,
                       MindIR_Strategy:$in_strategy);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = [{
    $inputs attr-dict `:` functional-type(operands, results)
  }];
}

def MindIR_SplitOp : MindIR_PrimitiveOp<"Split"> {
  let summary = "cuts a tensor into equal pieces along an axis";
  let arguments = (ins AnyRankedTensor:$x,
                       DefaultValuedAttr<I64Attr, "0">:$axis,
                       DefaultValuedAttr<I64Attr, "1">:$output_num,
                       MindIR_Strategy:$in_strategy);
  let results = (outs Variadic<AnyRankedTensor>:$outputs);
  let assemblyFormat = [{
    $x attr-dict `:` functional-type(operands, results)
  }];
}

def MindIR_StridedSliceOp : MindIR_PrimitiveOp<"StridedSlice"> {
  let summary = "a strided slice";
  let description = [{
    Elements `begin[i]` up to (not including) `end[i]` every `strides[i]`
    along each dimension, as numpy's `x[b:e:s]`. Negative indices count
    from the end; `begin_mask`/`end_mask` bits make a bound the start/end of
    its dimension; `shrink_axis_mask` bits drop a dimension (taking element
    `begin`). Dimensions past the lists are taken whole. The ellipsis and
    new-axis masks must be 0 (the importer keeps other uses generic).
  }];
  let arguments = (ins AnyRankedTensor:$x, DenseI64ArrayAttr:$begin,
                       DenseI64ArrayAttr:$end, DenseI64ArrayAttr:$strides,
                       DefaultValuedAttr<I64Attr, "0">:$begin_mask,
                       DefaultValuedAttr<I64Attr, "0">:$end_mask,
                       DefaultValuedAttr<I64Attr, "0">:$ellipsis_mask,
                       DefaultValuedAttr<I64Attr, "0">:$new_axis_mask,
                       DefaultValuedAttr<I64Attr, "0">:$shrink_axis_mask,
                       MindIR_Strategy:$in_strategy);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = [{
    $x `,` $begin `,` $end `,` $strides attr-dict `:`
    functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// Redistribution
//===----------------------------------------------------------------------===//

def MindIR_RedistributeOp : MindIR_Op<"redistribute",
    [Pure, SameOperandsAndResultType]> {
  let summary = "a value moved from one layout to another";
  let description = [{
    Recorded by `mindshard-infer-predict-layout` where a consumer needs
    another layout than the producer gives; `mindshard-partition` turns it
    into the slices and collectives each device runs. The type is the
    value's global type. Both layouts describe the same devices.

    ```mlir
    %y = mindir.redistribute %x
        from #mindir.layout<dev_matrix = [8], tensor_map = [0, -1]>
        to #mindir.layout<dev_matrix = [8], tensor_map = [-1, -1]>
        : tensor<64x32xf16>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$x, MindIR_LayoutAttr:$from,
                       MindIR_LayoutAttr:$to);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = [{
    $x `from` $from `to` $to attr-dict `:` type($x)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Collectives
//===----------------------------------------------------------------------===//

// A collective over a named rank group. Collectives are not Pure: every
// device of the group must run them, so they are never folded away.
class MindIR_CollectiveOp<string mnemonic, string doc, dag extraArgs = (ins)>
    : MindIR_Op<mnemonic, [InferTypeOpAdaptor]> {
  let summary = doc;
  let arguments = !con((ins AnyRankedTensor:$x, StrAttr:$group,
                            DenseI64ArrayAttr:$group_ranks), extraArgs);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = [{
    $x `group` $group $group_ranks attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The number of ranks in the group.
    int64_t getRankSize() { return getGroupRanks().size(); }
  }];
}

def MindIR_AllReduceOp : MindIR_CollectiveOp<"AllReduce",
    "reduces a tensor over a rank group, every rank getting the result",
    (ins DefaultValuedStrAttr<StrAttr, "sum">:$op)> {
  let description = [{
    Every rank of `group` (whose ranks are `group_ranks`) gets the
    elementwise reduction (`op`: "sum", "max", "min" or "prod") of the
    operands of all of them.
  }];
}

def MindIR_AllGatherOp : MindIR_CollectiveOp<"AllGather",
    "concatenates a tensor from every rank of a group along dimension 0"> {
  let description = [{
    Every rank of `group` gets the operands of all of them, in the order of
    `group_ranks`, concatenated along dimension 0.
  }];
}

def MindIR_ReduceScatterOp : MindIR_CollectiveOp<"ReduceScatter",
    "reduces a tensor over a group and scatters dimension 0",
    (ins DefaultValuedStrAttr<StrAttr, "sum">:$op)> {
  let description = [{
    The reduction (`op`) of the operands of all ranks of `group`, cut into
    as many pieces along dimension 0 as the group has ranks; the i-th rank
    of `group_ranks` gets piece i.
  }];
}

def MindIR_AlltoAllOp : MindIR_CollectiveOp<"AlltoAll",
    "exchanges pieces of a tensor among the ranks of a group",
    (ins I64Attr:$split_count, I64Attr:$split_dim, I64Attr:$concat_dim)> {
  let description = [{
    Each rank cuts its operand into `split_count` pieces along `split_dim`
    and sends piece i to the i-th rank of `group_ranks`; it concatenates the
    pieces it receives, in group order, along `concat_dim`.
  }];
}

#endif // MINDSHARD_DIALECT_MINDIR_MINDIROPS_TD
