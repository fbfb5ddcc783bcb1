//===- ImportTrainingStrategy.cpp - training layouts onto parameters ------===//
//
// Part of mindshard. Sets each parameter's `train_layout` from the strategy
// file(s) MindSpore wrote during training.
//
//===----------------------------------------------------------------------===//

#include "MindIR/MindIR.h"
#include "mindshard/Formats/Strategy.h"
#include "mindshard/Transforms/Passes.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Debug.h"

#define DEBUG_TYPE "mindshard-import-training-strategy"

namespace mindshard {
#define GEN_PASS_DEF_IMPORTTRAININGSTRATEGY
#include "mindshard/Transforms/Passes.h.inc"
} // namespace mindshard

using namespace mlir;
using namespace mindshard;
using namespace mindshard::mindir;

namespace {

class ImportTrainingStrategyPass
    : public mindshard::impl::ImportTrainingStrategyBase<
          ImportTrainingStrategyPass> {
public:
  using Base::Base;
  void runOnOperation() override;
};

} // namespace

void ImportTrainingStrategyPass::runOnOperation() {
  ModuleOp module = getOperation();
  if (strategyFiles.empty()) {
    module.emitError() << "give the training strategy file with "
                          "strategy=FILE (one file per stage: "
                          "strategy=FILE0,FILE1)";
    return signalPassFailure();
  }

  // One file, or one per pipeline stage in stage order.
  SmallVector<StrategyFile> files;
  for (const std::string &path : strategyFiles) {
    llvm::Expected<StrategyFile> file = readStrategyFile(path);
    if (!file) {
      module.emitError() << llvm::toString(file.takeError());
      return signalPassFailure();
    }
    files.push_back(std::move(*file));
  }
  StrategyFile strategy = files.size() == 1 ? std::move(files.front())
                                            : mergePipelineStrategies(files);
  std::string source = llvm::join(strategyFiles, ", ");

  llvm::StringSet<> parameters;
  bool failed = false;
  for (ParameterOp parameter : module.getOps<ParameterOp>()) {
    parameters.insert(parameter.getSymName());
    SmallVector<const ParameterLayout *, 1> entries =
        strategy.findLayouts(parameter.getSymName());
    if (entries.empty()) {
      parameter.emitWarning() << "parameter '" << parameter.getSymName()
                              << "' is not in the training strategy " << source
                              << "; it is whole on every training rank";
      ++numWhole;
      continue;
    }
    // A parameter shared between pipeline stages (a tied embedding) is laid
    // out alike in each; the first stage's copy is the one read.
    const TensorLayout &layout = entries.front()->layout;
    auto type = dyn_cast<RankedTensorType>(parameter.getType());
    if (!type) {
      parameter.emitError()
          << "parameter '" << parameter.getSymName() << "' of type "
          << parameter.getType() << " cannot take a layout";
      failed = true;
      continue;
    }
    if (llvm::Error error = layout.verifyShape(type.getShape())) {
      parameter.emitError()
          << source << ": the layout of parameter '" << parameter.getSymName()
          << "' (" << layout.str() << ") does not fit its shape "
          << formatList(type.getShape()) << ": "
          << llvm::toString(std::move(error));
      failed = true;
      continue;
    }
    parameter.setTrainLayoutAttr(LayoutAttr::get(&getContext(), layout));
    ++numAttached;
  }
  if (failed)
    return signalPassFailure();
  module->setAttr(
      MindIRDialect::kTrainStagesAttr,
      IntegerAttr::get(IntegerType::get(&getContext(), 64),
                       std::max<int64_t>(1, strategy.stageCount())));

  // Optimizer states, step counters and other entries of no parameter.
  for (const ParameterLayout &entry : strategy.layouts)
    if (!parameters.contains(entry.name)) {
      LLVM_DEBUG(llvm::dbgs() << "left aside: " << entry.name << "\n");
      ++numOther;
    }
}
