//===- Passes.h - mindshard's sharding pipeline -----------------*- C++ -*-===//
//
// Part of mindshard. The passes that turn a single-device network into the
// programs of M devices (generated from Passes.td, where each is described),
// and the pipeline that runs the first four in order.
//
//===----------------------------------------------------------------------===//

#ifndef MINDSHARD_TRANSFORMS_PASSES_H
#define MINDSHARD_TRANSFORMS_PASSES_H

#include "mlir/Pass/Pass.h"

#include <memory>

namespace mindshard {

#define GEN_PASS_DECL
#include "mindshard/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "mindshard/Transforms/Passes.h.inc"

/// The options of the whole pipeline.
struct ShardingPipelineOptions
    : public mlir::PassPipelineOptions<ShardingPipelineOptions> {
  ListOption<std::string> trainStrategyFiles{
      *this, "train-strategy", llvm::cl::desc("The training strategy file(s)")};
  Option<int64_t> devices{*this, "devices",
                          llvm::cl::desc("The number of devices (M)")};
  Option<std::string> predictStrategyFile{
      *this, "predict-strategy",
      llvm::cl::desc("A predict strategy file to take op strategies from")};
  Option<std::string> strategyOutput{
      *this, "strategy-out", llvm::cl::desc("Write the predict strategy here")};
  Option<std::string> groupFile{
      *this, "group-file",
      llvm::cl::desc("Write the communication groups here")};
  Option<bool> keepOutputsSharded{
      *this, "keep-outputs-sharded",
      llvm::cl::desc("Leave outputs in their layout"), llvm::cl::init(false)};
  Option<bool> allowAllToAll{
      *this, "alltoall",
      llvm::cl::desc("Move splits between dimensions with AlltoAll"),
      llvm::cl::init(true)};
};

/// inline-graphs, import-training-strategy, infer-predict-layout, partition.
void buildShardingPipeline(mlir::OpPassManager &pm,
                           const ShardingPipelineOptions &options);

/// Registers the passes and the `mindshard-sharding-pipeline` pipeline.
void registerShardingPipeline();

} // namespace mindshard

#endif // MINDSHARD_TRANSFORMS_PASSES_H
