//===- Annotations.h - how the passes record their results ------*- C++ -*-===//
//
// Part of mindshard. Helpers to read and write what the sharding passes
// record (the attribute names are MindIRDialect's k*Attr constants; they
// start with "mindir." so that export never takes them for primitive
// attributes).
//
//===----------------------------------------------------------------------===//

#ifndef MINDSHARD_LIB_TRANSFORMS_ANNOTATIONS_H
#define MINDSHARD_LIB_TRANSFORMS_ANNOTATIONS_H

#include "MindIR/MindIR.h"

#include "mlir/IR/BuiltinOps.h"

namespace mindshard::annotations {

/// The main graph of a module: the one `mindir.main_graph` names, else the
/// only function.
mlir::func::FuncOp getMainGraph(mlir::ModuleOp module);

/// The layout recorded for a value: its defining op's `mindir.layout` or
/// its block argument's.
std::optional<TensorLayout> getLayout(mlir::Value value);
void setResultLayouts(mlir::Operation *op,
                      llvm::ArrayRef<TensorLayout> layouts);
mlir::ArrayAttr toLayoutArray(mlir::MLIRContext *context,
                              llvm::ArrayRef<TensorLayout> layouts);

} // namespace mindshard::annotations

#endif // MINDSHARD_LIB_TRANSFORMS_ANNOTATIONS_H
