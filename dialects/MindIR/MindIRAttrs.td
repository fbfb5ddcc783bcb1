//===- MindIRAttrs.td - mindir attributes ------------------*- tablegen -*-===//
//
// Part of mindshard. Layouts, op strategies, and the MindSpore values that
// MLIR's builtin attributes do not model.
//
//===----------------------------------------------------------------------===//

#ifndef MINDSHARD_DIALECT_MINDIR_MINDIRATTRS_TD
#define MINDSHARD_DIALECT_MINDIR_MINDIRATTRS_TD

include "MindIR/MindIRBase.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"

def MindIR_LayoutAttr : MindIR_Attr<"Layout", "layout"> {
  let summary = "how a tensor is distributed over the devices of a stage";
  let description = [{
    MindSpore's tensor layout. `dev_matrix` arranges the devices of a
    pipeline stage in a grid (a rank's coordinate is row-major). `tensor_map`
    has one entry per tensor dimension: the device-matrix axis that splits
    it, counted from the right (0 is the last axis), `-1` when the dimension
    is whole, or a list of axes (major first) when several split it.

    Optional fields, as in MindSpore's strategy files:
    `opt_shard_size`/`opt_shard_step` (optimizer sharding: dimension 0 of the
    slice is split again among the ranks that hold the same slice, the
    rank's index being `(rank / step) % size`), `field` (MatMul's
    `field_size`), `param_split_shape`/`indices_offset` (uneven slices of
    dimension 0), and `stage` (the pipeline stage).

    Example:

    ```mlir
    #mindir.layout<dev_matrix = [2, 1, 4], tensor_map = [1, 0]>
    #mindir.layout<dev_matrix = [2, 4], tensor_map = [[1, 0], -1],
                   opt_shard_size = 2, opt_shard_step = 4, stage = 1>
    ```

    The verifier rejects tensor-map entries that index past the device
    matrix and axes used twice.
  }];
  let parameters = (ins
    ArrayRefParameter<"int64_t">:$devMatrix,
    ArrayRefParameter<"::mlir::DenseI64ArrayAttr">:$tensorMap,
    DefaultValuedParameter<"int64_t", "0">:$optShardSize,
    DefaultValuedParameter<"int64_t", "0">:$optShardStep,
    DefaultValuedParameter<"int64_t", "0">:$field,
    OptionalArrayRefParameter<"int64_t">:$paramSplitShape,
    OptionalArrayRefParameter<"int64_t">:$indicesOffset,
    DefaultValuedParameter<"int64_t", "0">:$stage
  );
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let builders = [
    AttrBuilder<(ins "const ::mindshard::TensorLayout &":$layout)>
  ];
  let extraClassDeclaration = [{
    /// The layout as the layout library models it.
    ::mindshard::TensorLayout getTensorLayout() const;
    /// The number of tensor dimensions the layout describes.
    unsigned getRank() const { return getTensorMap().size(); }
  }];
}

def MindIR_StrategyAttr : MindIR_Attr<"Strategy", "strategy"> {
  let summary = "MindSpore's shard() strategy of an op";
  let description = [{
    One tuple of split counts per op input, as `Primitive.shard()` and the
    `in_strategy` primitive attribute give it: `((2, 1), (1, 4))` is written

    ```mlir
    #mindir.strategy<[2, 1], [1, 4]>
    ```

    An input that is not a tensor (a scalar, a shape) has an empty tuple.
  }];
  let parameters = (ins
    ArrayRefParameter<"::mlir::DenseI64ArrayAttr">:$inputs
  );
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let builders = [
    AttrBuilder<(ins "::llvm::ArrayRef<::llvm::SmallVector<int64_t>>":$inputs)>
  ];
  let extraClassDeclaration = [{
    /// The split counts per input.
    ::llvm::SmallVector<::llvm::SmallVector<int64_t>> getSplits() const;
    /// The number of devices the strategy uses: the largest product of the
    /// split counts of one input.
    int64_t getDeviceCount() const;
  }];
}

def MindIR_ListAttr : MindIR_Attr<"List", "list"> {
  let summary = "a MindSpore list value";
  let description = [{
    MindSpore tells lists from tuples; a tuple value is a builtin array
    attribute and a list value is this attribute around one:
    `#mindir.list<["x", "y"]>`.
  }];
  let parameters = (ins "::mlir::ArrayAttr":$elements);
  let assemblyFormat = "`<` $elements `>`";
}

def MindIR_ObjectAttr : MindIR_Attr<"Object", "object"> {
  let summary = "a MindSpore value that MLIR's attributes do not model";
  let description = [{
    A value of a MindIR attribute kind that has no builtin counterpart
    (`None`, a class type, a name space, a symbol, a monad, a closure), kept
    with its kind name and, when the value has one, its text and nested
    values:

    ```mlir
    #mindir.object<"CLASS_TYPE", "mindspore.ops.operations.array_ops.Cast">
    #mindir.object<"NONE">
    ```
  }];
  let parameters = (ins
    StringRefParameter<"the MindIR attribute kind">:$kind,
    OptionalParameter<"::mlir::StringAttr">:$text,
    OptionalParameter<"::mlir::ArrayAttr">:$values
  );
  let assemblyFormat = "`<` $kind (`,` $text^)? (`,` $values^)? `>`";
}

def MindIR_PieceAttr : MindIR_Attr<"Piece", "piece"> {
  let summary = "a box copied from one training rank's slice";
  let description = [{
    Part of a device's slice of a parameter: the box of extents `shape` at
    offsets `from` of training rank `rank`'s slice goes to offsets `to` of
    the device's slice. `slice` is the shape of the training rank's slice,
    as its checkpoint holds it.

    ```mlir
    #mindir.piece<rank = 5, slice = [16, 32], from = [0, 16], to = [8, 0],
                  shape = [8, 16]>
    ```
  }];
  let parameters = (ins
    "int64_t":$rank,
    ArrayRefParameter<"int64_t">:$slice,
    ArrayRefParameter<"int64_t">:$from,
    ArrayRefParameter<"int64_t">:$to,
    ArrayRefParameter<"int64_t">:$shape
  );
  let assemblyFormat = [{
    `<` `rank` `=` $rank `,` `slice` `=` custom<IntegerList>($slice) `,`
    `from` `=` custom<IntegerList>($from) `,` `to` `=`
    custom<IntegerList>($to) `,` `shape` `=` custom<IntegerList>($shape) `>`
  }];
  let genVerifyDecl = 1;
}

def MindIR_SliceAttr : MindIR_Attr<"Slice", "slice"> {
  let summary = "how one device's slice of a parameter is made";
  let description = [{
    Device `rank`'s slice of a parameter has shape `shape` and is tiled
    exactly by `pieces` (#mindir.piece), each read from one training rank's
    checkpoint.

    ```mlir
    #mindir.slice<rank = 0, shape = [16, 32], pieces = [
        #mindir.piece<rank = 0, slice = [16, 8], from = [0, 0], to = [0, 0],
                      shape = [16, 8]>, ...]>
    ```
  }];
  let parameters = (ins
    "int64_t":$rank,
    ArrayRefParameter<"int64_t">:$shape,
    "::mlir::ArrayAttr":$pieces
  );
  let assemblyFormat = [{
    `<` `rank` `=` $rank `,` `shape` `=` custom<IntegerList>($shape) `,`
    `pieces` `=` $pieces `>`
  }];
  let genVerifyDecl = 1;
}

#endif // MINDSHARD_DIALECT_MINDIR_MINDIRATTRS_TD
