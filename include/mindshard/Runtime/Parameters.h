//===- Parameters.h - parameter values for the executor ---------*- C++ -*-===//
//
// Part of mindshard. Where the executor finds a network's weights: in the
// module itself, or in a checkpoint holding whole tensors. A device program
// reads its slice of a whole tensor, cut by the parameter's predict layout.
//
//===----------------------------------------------------------------------===//

#ifndef MINDSHARD_RUNTIME_PARAMETERS_H
#define MINDSHARD_RUNTIME_PARAMETERS_H

#include "mindshard/Runtime/Interpreter.h"

#include "mlir/IR/BuiltinOps.h"

namespace mindshard {

class Checkpoint;

/// The weights of a network: a parameter's own data; else device `rank`'s
/// slice attached by mindshard-attach-slices; else, for a partitioned
/// parameter, device `rank`'s slice of its global value or of the whole tensor
/// in `weights`, cut by its predict layout; else the tensor of that name in
/// `weights`.
class NetworkParameters : public ParameterValues {
public:
  NetworkParameters(mlir::ModuleOp module, int64_t rank,
                    const Checkpoint *weights = nullptr)
      : module(module), rank(rank), weights(weights) {}
  llvm::Expected<HostTensor> get(llvm::StringRef name,
                                 mlir::RankedTensorType type) override;

private:
  llvm::Expected<HostTensor> fromWeights(llvm::StringRef name,
                                         mlir::RankedTensorType type);

  mlir::ModuleOp module;
  int64_t rank;
  const Checkpoint *weights;
};

} // namespace mindshard

#endif // MINDSHARD_RUNTIME_PARAMETERS_H
