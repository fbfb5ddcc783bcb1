//===- AttachSlices.cpp - plan each device's parameter slices -------------===//
//
// Part of mindshard. See the pass description in Passes.td.
//
//===----------------------------------------------------------------------===//

#include "mindshard/Reshard/Copy.h"
#include "mindshard/Reshard/Plan.h"
#include "mindshard/Target/MindIR.h"
#include "mindshard/Transforms/Passes.h"
#include "mindshard/Transforms/Slices.h"

#include "MindIR/MindIR.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/Support/Debug.h"
#include "llvm/Support/FormatVariadic.h"

#define DEBUG_TYPE "mindshard-attach-slices"

namespace mindshard {
#define GEN_PASS_DEF_ATTACHSLICES
#include "mindshard/Transforms/Passes.h.inc"
} // namespace mindshard

using namespace mlir;
using namespace mindshard;
using namespace mindshard::mindir;

namespace {

class AttachSlicesPass
    : public mindshard::impl::AttachSlicesBase<AttachSlicesPass> {
public:
  using Base::Base;
  void runOnOperation() override;
};

/// Plans the parameters of one module.
class Attacher {
public:
  Attacher(ModuleOp module, TrainingCheckpoints &files,
           const AttachSlicesConfig &config, int64_t ranksPerStage,
           int64_t devices)
      : context(module.getContext()), files(files), config(config),
        ranksPerStage(ranksPerStage), devices(devices), planner(devices) {}

  LogicalResult attach(ParameterOp parameter);

  int64_t planned = 0;
  int64_t pieces = 0;

private:
  /// Where a parameter that the strategy does not name is held: whole, on
  /// the first rank whose checkpoint has it.
  FailureOr<TrainingPlacement> findWhole(ParameterOp parameter, unsigned rank);
  bool isChecked(int64_t rank) const {
    return config.embedData || config.checkRanks.empty() ||
           llvm::is_contained(config.checkRanks, rank);
  }

  MLIRContext *context;
  TrainingCheckpoints &files;
  const AttachSlicesConfig &config;
  int64_t ranksPerStage;
  int64_t devices;
  ReshardPlanner planner;
};

} // namespace

/// A layout that leaves a tensor of `rank` dimensions whole on `devices`.
static TensorLayout wholeLayout(unsigned rank, int64_t devices) {
  TensorLayout layout;
  layout.devMatrix.push_back(devices);
  layout.tensorMap.resize(rank);
  return layout;
}

FailureOr<TrainingPlacement> Attacher::findWhole(ParameterOp parameter,
                                                 unsigned rank) {
  for (int64_t source = 0; source < files.size(); ++source) {
    llvm::Expected<const Checkpoint *> checkpoint = files.get(source);
    if (!checkpoint && files.whyMissing(source)) {
      llvm::consumeError(checkpoint.takeError());
      continue;
    }
    if (!checkpoint) {
      parameter.emitError() << llvm::toString(checkpoint.takeError());
      return failure();
    }
    if ((*checkpoint)->find(parameter.getSymName()))
      return TrainingPlacement{wholeLayout(rank, 1), source};
  }
  parameter.emitError() << "parameter '" << parameter.getSymName()
                        << "' is in no training checkpoint";
  return failure();
}

LogicalResult Attacher::attach(ParameterOp parameter) {
  StringRef name = parameter.getSymName();
  auto globalType =
      parameter->getAttrOfType<TypeAttr>(MindIRDialect::kGlobalTypeAttr);
  auto type = dyn_cast<RankedTensorType>(globalType ? globalType.getValue()
                                                    : parameter.getType());
  if (!type) {
    parameter.emitError() << "parameter '" << name
                          << "' is not a ranked tensor";
    return failure();
  }
  ArrayRef<int64_t> shape = type.getShape();

  // The training placement.
  TrainingPlacement training;
  if (LayoutAttr layout = parameter.getTrainLayoutAttr()) {
    training.layout = layout.getTensorLayout();
    training.firstRank = training.layout.stage * ranksPerStage;
    if (training.layout.deviceCount() != ranksPerStage) {
      parameter.emitError()
          << "parameter '" << name << "': its training layout "
          << training.layout.str() << " spans " << training.layout.deviceCount()
          << " devices, but " << files.size() << " checkpoints over "
          << files.size() / ranksPerStage << " pipeline stage(s) give "
          << ranksPerStage << " devices a stage";
      return failure();
    }
  } else {
    FailureOr<TrainingPlacement> whole = findWhole(parameter, type.getRank());
    if (failed(whole))
      return failure();
    training = *whole;
  }
  TensorLayout predict =
      parameter.getPredictLayoutAttr()
          ? parameter.getPredictLayoutAttr().getTensorLayout()
          : wholeLayout(type.getRank(), devices);

  // Each slice comes from a replica whose checkpoint holds it: files saved
  // with MindSpore's remove_redundancy keep it on one replica only, and a
  // replica's file may be left out. The predict ranks not checked (those
  // another process writes) take the first choice unopened.
  auto holds = [&](int64_t rank,
                   int64_t source) -> llvm::Expected<std::string> {
    if (!isChecked(rank))
      return "";
    llvm::Expected<const Checkpoint *> checkpoint = files.get(source);
    if (!checkpoint) {
      std::optional<std::string> missing = files.whyMissing(source);
      if (!missing)
        return checkpoint.takeError();
      llvm::consumeError(checkpoint.takeError());
      return *missing;
    }
    if ((*checkpoint)->find(name))
      return "";
    return files.path(source).str() + " does not hold it";
  };
  llvm::Expected<std::vector<SlicePlan>> plans =
      planner.plan(name, shape, training, predict, holds);
  if (!plans) {
    parameter.emitError() << llvm::toString(plans.takeError());
    return failure();
  }

  // Check the checkpoints the pieces of the checked ranks read.
  std::vector<const Checkpoint *> checkpoints(files.size(), nullptr);
  std::vector<SlicePlan> checked;
  for (const SlicePlan &plan : *plans)
    if (isChecked(plan.rank))
      checked.push_back(plan);
  for (const SlicePlan &plan : checked)
    for (const Piece &piece : plan.pieces) {
      if (checkpoints[piece.sourceRank])
        continue;
      llvm::Expected<const Checkpoint *> checkpoint =
          files.get(piece.sourceRank);
      if (!checkpoint) {
        parameter.emitError() << "parameter '" << name
                              << "' needs training rank " << piece.sourceRank
                              << ": " << llvm::toString(checkpoint.takeError());
        return failure();
      }
      checkpoints[piece.sourceRank] = *checkpoint;
    }
  llvm::Expected<DType> dtype =
      checkSources(name, checked, checkpoints, files.allPaths());
  if (!dtype) {
    parameter.emitError() << llvm::toString(dtype.takeError());
    return failure();
  }
  std::optional<DType> declared = getDType(type.getElementType());
  if (declared != *dtype &&
      !(declared && isFloat(*declared) && isFloat(*dtype))) {
    parameter.emitError() << "parameter '" << name << "' is "
                          << getCheckpointName(*dtype)
                          << " in the checkpoints but " << type.getElementType()
                          << " in the network";
    return failure();
  }

  SmallVector<Attribute> slices;
  for (const SlicePlan &plan : *plans) {
    slices.push_back(getSliceAttr(context, plan));
    pieces += plan.pieces.size();
  }
  parameter->setAttr(MindIRDialect::kSlicesAttr,
                     ArrayAttr::get(context, slices));
  ++planned;
  if (!config.embedData)
    return success();

  // The slices' data, in the network's dtype.
  CopyOptions options;
  options.castTo = declared;
  SmallVector<Attribute> values;
  for (const SlicePlan &plan : *plans) {
    std::vector<uint8_t> bytes;
    if (llvm::Error error = copySlice(
            files, name, *dtype, plan, options, [&](ArrayRef<uint8_t> block) {
              bytes.insert(bytes.end(), block.begin(), block.end());
              return llvm::Error::success();
            })) {
      parameter.emitError() << llvm::toString(std::move(error));
      return failure();
    }
    auto sliceType = type.clone(plan.shape);
    unsigned bits = type.getElementType().getIntOrFloatBitWidth();
    if (type.getElementType().isInteger(1)) {
      SmallVector<bool> flags(bytes.begin(), bytes.end());
      values.push_back(DenseElementsAttr::get(sliceType, flags));
      continue;
    }
    AsmResourceBlob blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
        ArrayRef<char>(reinterpret_cast<const char *>(bytes.data()),
                       bytes.size()),
        std::max<size_t>(bits / 8, 1));
    values.push_back(DenseResourceElementsAttr::get(
        sliceType, (name + "_rank_" + Twine(plan.rank)).str(),
        std::move(blob)));
  }
  parameter->setAttr(MindIRDialect::kSliceValuesAttr,
                     ArrayAttr::get(context, values));
  return success();
}

LogicalResult mindshard::attachSlices(ModuleOp module,
                                      TrainingCheckpoints &files,
                                      const AttachSlicesConfig &config,
                                      AttachSlicesStatistics *statistics) {
  auto devicesAttr =
      module->getAttrOfType<IntegerAttr>(MindIRDialect::kDevicesAttr);
  if (!devicesAttr)
    return module.emitError() << "the module is not laid out for devices; run "
                                 "mindshard-infer-predict-layout first";
  int64_t devices = devicesAttr.getInt();
  auto stagesAttr =
      module->getAttrOfType<IntegerAttr>(MindIRDialect::kTrainStagesAttr);
  int64_t stages = stagesAttr ? stagesAttr.getInt() : 1;
  int64_t ranks = files.size();
  if (ranks == 0 || ranks % stages != 0)
    return module.emitError()
           << ranks << " training checkpoints do not divide into " << stages
           << " pipeline stage(s)";

  Attacher attacher(module, files, config, ranks / stages, devices);
  bool failed = false;
  for (ParameterOp parameter : module.getOps<ParameterOp>())
    if (mlir::failed(attacher.attach(parameter)))
      failed = true;
  if (failed)
    return failure();

  MLIRContext *context = module.getContext();
  SmallVector<Attribute> paths;
  for (const std::string &path : files.allPaths())
    paths.push_back(StringAttr::get(context, path));
  module->setAttr(MindIRDialect::kTrainCheckpointsAttr,
                  ArrayAttr::get(context, paths));
  if (statistics) {
    statistics->planned = attacher.planned;
    statistics->pieces = attacher.pieces;
  }
  return success();
}

void AttachSlicesPass::runOnOperation() {
  ModuleOp module = getOperation();
  if (checkpoints.empty()) {
    module.emitError() << "give the training checkpoints, in rank order, "
                          "with checkpoints=FILE0,FILE1,...";
    return signalPassFailure();
  }
  TrainingCheckpoints files(
      std::vector<std::string>(checkpoints.begin(), checkpoints.end()), {});
  AttachSlicesConfig config;
  config.embedData = embedData;
  AttachSlicesStatistics statistics;
  if (failed(attachSlices(module, files, config, &statistics)))
    return signalPassFailure();
  numPlanned += statistics.planned;
  numPieces += statistics.pieces;
}
