//===- Pipeline.cpp - the sharding pipeline and pass registration ---------===//
//
// Part of mindshard. `mindshard-sharding-pipeline`: inline the graphs the
// network calls, import the training strategy, infer the predict layout,
// partition; what `mindshard-opt` runs by that name and `mindshard-export`
// runs before planning the slices.
//
//===----------------------------------------------------------------------===//

#include "mindshard/Transforms/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"

using namespace mlir;
using namespace mindshard;

void mindshard::buildShardingPipeline(OpPassManager &pm,
                                      const ShardingPipelineOptions &options) {
  pm.addPass(createInlineGraphs());

  ImportTrainingStrategyOptions import;
  import.strategyFiles.assign(options.trainStrategyFiles.begin(),
                              options.trainStrategyFiles.end());
  pm.addPass(createImportTrainingStrategy(import));

  InferPredictLayoutOptions infer;
  infer.devices = options.devices;
  infer.predictStrategyFile = options.predictStrategyFile;
  infer.trainStrategyFiles.assign(options.trainStrategyFiles.begin(),
                                  options.trainStrategyFiles.end());
  infer.strategyOutput = options.strategyOutput;
  infer.keepOutputsSharded = options.keepOutputsSharded;
  pm.addPass(createInferPredictLayout(infer));

  PartitionOptions partition;
  partition.groupFile = options.groupFile;
  partition.allowAllToAll = options.allowAllToAll;
  pm.addPass(createPartition(partition));
}

void mindshard::registerShardingPipeline() {
  registerShardingPasses();
  PassPipelineRegistration<ShardingPipelineOptions>(
      "mindshard-sharding-pipeline",
      "Inline the graphs the network calls, import the training strategy, "
      "infer the predict layout on M devices "
      "and partition the network into each device's program",
      buildShardingPipeline);
}
