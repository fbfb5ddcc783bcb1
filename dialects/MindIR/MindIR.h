//===- MindIR.h - the mindir dialect ----------------------------*- C++ -*-===//
//
// Part of mindshard. The `mindir` dialect: MindSpore networks as MindIR files
// hold them, with sharding layouts. See MindIRBase.td for the overview.
//
//===----------------------------------------------------------------------===//

#ifndef MINDSHARD_DIALECT_MINDIR_MINDIR_H
#define MINDSHARD_DIALECT_MINDIR_MINDIR_H

#include "mindshard/Layout/TensorLayout.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mindshard::mindir {

/// The result type of an elementwise op over `lhs` and `rhs` with numpy
/// broadcasting; emits an error at `location` when the shapes or element
/// types do not fit together.
llvm::LogicalResult
inferBroadcastType(std::optional<mlir::Location> location, mlir::Type lhs,
                   mlir::Type rhs, llvm::SmallVectorImpl<mlir::Type> &inferred);

/// The result type of a reduction of `input` over `axes` (all when empty).
llvm::LogicalResult
inferReduceType(std::optional<mlir::Location> location, mlir::Type input,
                llvm::ArrayRef<int64_t> axes, bool keepDims,
                llvm::SmallVectorImpl<mlir::Type> &inferred);

/// MindSpore's name of the primitive an op stands for: the op's name without
/// the dialect prefix, or the `name` of a `mindir.primitive`.
llvm::StringRef getPrimitiveName(mlir::Operation *op);

/// True for attribute names that carry a MindSpore primitive attribute, as
/// opposed to mindshard's own `mindir.`-prefixed annotations.
bool isPrimitiveAttributeName(llvm::StringRef name);

/// The name by which other graphs read `value` (its MindIR node or input
/// name, for closures): `mindir.name` on a graph input or on an op of one
/// result, or the value's entry in its op's `mindir.result_names`; null when
/// it has none.
mlir::StringAttr getValueName(mlir::Value value);

/// The result types an op that infers them (InferTypeOpInterface) gives for
/// its present operands and attributes; fails for other ops.
llvm::LogicalResult inferResultTypes(mlir::Operation *op,
                                     llvm::SmallVectorImpl<mlir::Type> &types);

namespace OpTrait {
namespace detail {
llvm::LogicalResult verifyStrategyMatchesOperands(mlir::Operation *op);
} // namespace detail

/// The op's optional `in_strategy` has one tuple per tensor operand, as long
/// as its rank, each split count dividing its dimension.
template <typename ConcreteType>
class StrategyMatchesOperands
    : public mlir::OpTrait::TraitBase<ConcreteType, StrategyMatchesOperands> {
public:
  static llvm::LogicalResult verifyTrait(mlir::Operation *op) {
    return detail::verifyStrategyMatchesOperands(op);
  }
};
} // namespace OpTrait

/// Prints where `location` is in a source file ("file:line:col", or "file:
/// node NAME" for a node of a MindIR file), looking through names and
/// fusions, as the tools prefix their messages; false when it names no
/// file.
bool printSourceLocation(mlir::Location location, llvm::raw_ostream &os);

} // namespace mindshard::mindir

#include "MindIR/MindIRDialect.h.inc"

#define GET_TYPEDEF_CLASSES
#include "MindIR/MindIRTypes.h.inc"

#define GET_ATTRDEF_CLASSES
#include "MindIR/MindIRAttrs.h.inc"

#define GET_OP_CLASSES
#include "MindIR/MindIROps.h.inc"

#endif // MINDSHARD_DIALECT_MINDIR_MINDIR_H
