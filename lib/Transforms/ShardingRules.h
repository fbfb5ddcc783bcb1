//===- ShardingRules.h - MindSpore's per-op sharding rules ------*- C++ -*-===//
//
// Part of mindshard. For each op with a sharding rule: the strategy
// MindSpore gives it when none is set (batch parallel), the checks a
// strategy must pass, and the device matrix, operand and result layouts and
// forward collective it implies on M devices. The rules are MindSpore's
// (frontend/parallel/ops_info), written out in docs/passes.md.
//
//===----------------------------------------------------------------------===//

#ifndef MINDSHARD_LIB_TRANSFORMS_SHARDINGRULES_H
#define MINDSHARD_LIB_TRANSFORMS_SHARDINGRULES_H

#include "MindIR/MindIR.h"
#include "mindshard/Layout/TensorLayout.h"

#include "mlir/IR/Diagnostics.h"

namespace mindshard {

/// The collective an op needs inside itself.
enum class ForwardCollective {
  None,
  /// The result is a partial sum over `reduceAxes` (a split contracting or
  /// reduced dimension): AllReduce it.
  AllReduceSum,
  /// As AllReduceSum, then divide by the group size (ReduceMean).
  AllReduceMean,
  /// ReduceMax/ReduceMin over split dimensions.
  AllReduceMax,
  AllReduceMin,
  /// A Gather of a row-split table: mask the rows other devices hold, then
  /// AllReduce (or ReduceScatter, see `reduceScatter`) over `reduceAxes`.
  MaskedGather,
};

/// What an op needs and gives under a strategy on M devices.
struct OpSharding {
  /// The device matrix, the repeated axis included.
  llvm::SmallVector<int64_t, 4> devMatrix;
  /// The layout each operand must have (non-tensor operands: replicated,
  /// rank 0).
  llvm::SmallVector<TensorLayout, 3> operandLayouts;
  /// The layout of each result.
  llvm::SmallVector<TensorLayout, 3> resultLayouts;
  ForwardCollective forward = ForwardCollective::None;
  /// The device axes of a partial sum or of the row split of a table.
  llvm::SmallVector<int64_t, 2> reduceAxes;
  /// MaskedGather: scatter the result's dimension 0 instead of reducing it
  /// whole (MindSpore's default when the index batch divides the split).
  bool reduceScatter = false;
};

/// True for ops with a sharding rule (strategy, layouts).
bool hasShardingRule(mlir::Operation *op);

/// The strategy as MindSpore prints it: ((2, 1), (1, 4)).
std::string strategyText(mindir::StrategyAttr strategy);

/// MindSpore's batch-parallel strategy for `op` on `devices` devices
/// (GenerateBatchStrategiesWithCheck).
mindir::StrategyAttr batchStrategy(mlir::Operation *op, int64_t devices);

/// Checks `strategy` for `op` and derives its sharding on `devices` devices.
/// Errors are emitted on the op with the numbers that disagree.
mlir::FailureOr<OpSharding> computeSharding(mlir::Operation *op,
                                            mindir::StrategyAttr strategy,
                                            int64_t devices);

/// A layout that keeps a value of `type` whole on every one of `devices`.
TensorLayout replicatedLayout(mlir::Type type, int64_t devices);

} // namespace mindshard

#endif // MINDSHARD_LIB_TRANSFORMS_SHARDINGRULES_H
