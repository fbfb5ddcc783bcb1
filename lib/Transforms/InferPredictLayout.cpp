//===- InferPredictLayout.cpp - strategies and layouts on M devices -------===//
//
// Part of mindshard. What MindSpore's infer_predict_layout computes: a
// strategy for every op, a layout for every value and parameter, and where a
// consumer needs another layout than its producer gives, a
// `mindir.redistribute` for the partitioner.
//
//===----------------------------------------------------------------------===//

#include "Annotations.h"
#include "ShardingRules.h"

#include "mindshard/Formats/Strategy.h"
#include "mindshard/Layout/Redistribution.h"
#include "mindshard/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/Debug.h"
#include "llvm/Support/FormatVariadic.h"

#include <map>

#define DEBUG_TYPE "mindshard-infer-predict-layout"

namespace mindshard {
#define GEN_PASS_DEF_INFERPREDICTLAYOUT
#include "mindshard/Transforms/Passes.h.inc"
} // namespace mindshard

using namespace mlir;
using namespace mindshard;
using namespace mindshard::mindir;

namespace {

/// The parameter an operand reads, looking through the ops MindSpore looks
/// through when it names strategies (Load, Depend, Cast).
ParameterOp readParameter(Value value, SymbolTableCollection &symbols) {
  while (Operation *op = value.getDefiningOp()) {
    if (auto read = dyn_cast<GetParameterOp>(op))
      return symbols.lookupNearestSymbolFrom<ParameterOp>(op,
                                                          read.getNameAttr());
    if (!isa<LoadOp, DependOp, CastOp>(op))
      return nullptr;
    value = op->getOperand(0);
  }
  return nullptr;
}

class InferPredictLayoutPass
    : public mindshard::impl::InferPredictLayoutBase<InferPredictLayoutPass> {
public:
  using Base::Base;
  void runOnOperation() override;

private:
  LogicalResult loadStrategyFiles();
  /// The strategy key of an op: "<Prim>_<first parameter name>".
  std::string strategyKey(Operation *op);
  LogicalResult chooseStrategies(func::FuncOp graph);
  LogicalResult propagate(func::FuncOp graph);
  /// Makes `operand` arrive in `needed`, through a redistribution if its
  /// producer gives another layout.
  LogicalResult require(OpOperand &operand, const TensorLayout &needed);
  /// The layout the first consumer of `value` needs.
  TensorLayout desiredLayout(Value value);
  LogicalResult writeStrategy(ModuleOp module);

  std::optional<StrategyFile> predictFile;
  /// Symbol lookups, cached for the run: a module has a parameter per
  /// weight.
  SymbolTableCollection *symbols = nullptr;
  SmallVector<StrategyFile> trainFiles;
  llvm::DenseMap<Operation *, OpSharding> shardings;
  /// Values whose layout is known.
  llvm::DenseMap<Value, TensorLayout> layouts;
  /// Values that read a parameter whose layout its first user will decide.
  llvm::DenseMap<Value, ParameterOp> pending;
  /// The op that decided each parameter's layout, for messages.
  llvm::DenseMap<Operation *, Operation *> layoutSetter;
  /// Redistributions made, to reuse: (value, target layout) -> value.
  std::map<std::pair<void *, std::string>, Value> redistributed;
};

} // namespace

LogicalResult InferPredictLayoutPass::loadStrategyFiles() {
  ModuleOp module = getOperation();
  if (!predictStrategyFile.empty()) {
    llvm::Expected<StrategyFile> file = readStrategyFile(predictStrategyFile);
    if (!file)
      return module.emitError() << llvm::toString(file.takeError());
    predictFile = std::move(*file);
  }
  for (const std::string &path : trainStrategyFiles) {
    llvm::Expected<StrategyFile> file = readStrategyFile(path);
    if (!file)
      return module.emitError() << llvm::toString(file.takeError());
    trainFiles.push_back(std::move(*file));
  }
  return success();
}

std::string InferPredictLayoutPass::strategyKey(Operation *op) {
  for (Value operand : op->getOperands())
    if (ParameterOp parameter = readParameter(operand, *symbols))
      return (getPrimitiveName(op) + "_" + parameter.getSymName()).str();
  return "";
}

static StrategyAttr toStrategy(MLIRContext *context, const OpStrategy &entry) {
  SmallVector<SmallVector<int64_t>> splits;
  for (const auto &input : entry.splits)
    splits.emplace_back(input.begin(), input.end());
  return StrategyAttr::get(context, splits);
}

LogicalResult InferPredictLayoutPass::chooseStrategies(func::FuncOp graph) {
  MLIRContext *context = &getContext();
  bool failed = false;
  graph.walk([&](Operation *op) {
    if (!hasShardingRule(op)) {
      // Running the op whole on every device would drop the split it asks
      // for without a word.
      auto own = op->getAttrOfType<StrategyAttr>("in_strategy");
      if (!own || own.getDeviceCount() == 1)
        return;
      StringRef primitive = getPrimitiveName(op);
      InFlightDiagnostic diagnostic = op->emitOpError();
      diagnostic << "asks for in_strategy " << strategyText(own)
                 << ", but mindshard has no sharding rule for '" << primitive
                 << "'";
      if (isa<PrimitiveGenericOp>(op) &&
          RegisteredOperationName::lookup("mindir." + primitive.str(), context))
        diagnostic << ": its operands or attributes do not fit mindir."
                   << primitive << ", so the importer kept it generic";
      failed = true;
      return;
    }
    StrategyAttr strategy;
    StringRef source;
    std::string key = strategyKey(op);

    if (auto own = op->getAttrOfType<StrategyAttr>("in_strategy")) {
      strategy = own;
      source = "attribute";
    } else if (const OpStrategy *entry = predictFile && !key.empty()
                                             ? predictFile->findStrategy(key)
                                             : nullptr) {
      strategy = toStrategy(context, *entry);
      source = "predict-strategy";
    } else if (!key.empty()) {
      for (const StrategyFile &file : trainFiles) {
        const OpStrategy *entry = file.findStrategy(key);
        if (!entry)
          continue;
        // The training strategy is used as it is when it fits M devices.
        StrategyAttr candidate = toStrategy(context, *entry);
        ScopedDiagnosticHandler quiet(context,
                                      [](Diagnostic &) { return success(); });
        if (mlir::succeeded(computeSharding(op, candidate, devices))) {
          strategy = candidate;
          source = "train-strategy";
        }
        break;
      }
    }
    if (!strategy) {
      strategy = batchStrategy(op, devices);
      source = "batch";
    }

    // A strategy from a file is diagnosed on the op, with where it came from.
    ScopedDiagnosticHandler fromFile(context, [&](Diagnostic &diagnostic) {
      if (source == "predict-strategy" &&
          diagnostic.getSeverity() == DiagnosticSeverity::Error)
        diagnostic.attachNote()
            << "the strategy is entry '" << key
            << "' of the predict strategy file " << predictStrategyFile;
      return failure(); // Report it as usual.
    });
    FailureOr<OpSharding> sharding = computeSharding(op, strategy, devices);
    if (mlir::failed(sharding)) {
      failed = true;
      return;
    }
    LLVM_DEBUG(llvm::dbgs() << "strategy of " << op->getName() << " from "
                            << source << ": " << strategy << "\n");
    op->setAttr(MindIRDialect::kStrategyAttr, strategy);
    op->setAttr(MindIRDialect::kStrategySourceAttr,
                StringAttr::get(context, source));
    shardings[op] = std::move(*sharding);
  });
  return mlir::failure(failed);
}

TensorLayout InferPredictLayoutPass::desiredLayout(Value value) {
  SmallVector<OpOperand *> uses;
  for (OpOperand &use : value.getUses())
    uses.push_back(&use);
  llvm::sort(uses, [](OpOperand *a, OpOperand *b) {
    return a->getOwner()->isBeforeInBlock(b->getOwner());
  });
  for (OpOperand *use : uses) {
    Operation *user = use->getOwner();
    auto it = shardings.find(user);
    if (it != shardings.end())
      return it->second.operandLayouts[use->getOperandNumber()];
    if (isa<LoadOp, DependOp>(user) && use->getOperandNumber() == 0)
      return desiredLayout(user->getResult(0));
  }
  return replicatedLayout(value.getType(), devices);
}

LogicalResult InferPredictLayoutPass::require(OpOperand &operand,
                                              const TensorLayout &needed) {
  Value value = operand.get();
  if (!isa<RankedTensorType>(value.getType()))
    return success();
  Operation *user = operand.getOwner();

  if (ParameterOp parameter = pending.lookup(value)) {
    // The first user of a parameter decides its layout.
    parameter.setPredictLayoutAttr(LayoutAttr::get(&getContext(), needed));
    layoutSetter[parameter] = user;
    SmallVector<Value> chain;
    for (auto &[read, param] : pending)
      if (param == parameter)
        chain.push_back(read);
    for (Value read : chain) {
      pending.erase(read);
      layouts[read] = needed;
    }
    return success();
  }

  auto it = layouts.find(value);
  assert(it != layouts.end() && "a value used before its layout is known");
  const TensorLayout &have = it->second;
  if (have.slicesAlike(needed))
    return success();

  // A parameter is split one way for all its users, as MindSpore requires.
  if (ParameterOp parameter = readParameter(value, *symbols);
      parameter && parameter.getPredictLayoutAttr() &&
      !isa<CastOp>(value.getDefiningOp())) {
    InFlightDiagnostic diagnostic = user->emitOpError();
    diagnostic << "needs parameter '" << parameter.getSymName() << "' as "
               << needed.str() << " but it is laid out as " << have.str()
               << " for its first user; MindSpore requires every user of a "
                  "parameter to split it alike";
    diagnostic.attachNote(layoutSetter[parameter]->getLoc())
        << "the first user";
    return failure();
  }

  auto key = std::pair(value.getAsOpaquePointer(), needed.str());
  Value moved = redistributed[key];
  if (!moved) {
    OpBuilder builder(user);
    if (Operation *producer = value.getDefiningOp())
      builder.setInsertionPointAfter(producer);
    else
      builder.setInsertionPointToStart(cast<BlockArgument>(value).getOwner());
    auto redistribute = RedistributeOp::create(
        builder, user->getLoc(), value, LayoutAttr::get(&getContext(), have),
        LayoutAttr::get(&getContext(), needed));
    annotations::setResultLayouts(redistribute, {needed});
    moved = redistribute;
    redistributed[key] = moved;
    layouts[moved] = needed;
    ++numRedistributions;
  }
  operand.set(moved);
  return success();
}

LogicalResult InferPredictLayoutPass::propagate(func::FuncOp graph) {
  MLIRContext *context = &getContext();
  Block &entry = graph.getBody().front();
  // Graph inputs: every device receives the whole input (full batch).
  for (BlockArgument arg : entry.getArguments()) {
    TensorLayout layout = replicatedLayout(arg.getType(), devices);
    layouts[arg] = layout;
    if (isa<RankedTensorType>(arg.getType()))
      graph.setArgAttr(arg.getArgNumber(), MindIRDialect::kLayoutAttr,
                       LayoutAttr::get(context, layout));
  }

  auto replicatedResults = [&](Operation *op) {
    SmallVector<TensorLayout> results;
    for (Value result : op->getResults()) {
      TensorLayout layout = replicatedLayout(result.getType(), devices);
      layouts[result] = layout;
      results.push_back(layout);
    }
    if (llvm::all_of(op->getResultTypes(), llvm::IsaPred<RankedTensorType>) &&
        op->getNumResults())
      annotations::setResultLayouts(op, results);
  };

  for (Operation &operation : llvm::make_early_inc_range(entry)) {
    Operation *op = &operation;
    if (isa<RedistributeOp>(op))
      continue;

    if (auto read = dyn_cast<GetParameterOp>(op)) {
      pending[read] =
          symbols->lookupNearestSymbolFrom<ParameterOp>(op, read.getNameAttr());
      continue;
    }
    if (isa<LoadOp, DependOp>(op)) {
      Value source = op->getOperand(0);
      if (ParameterOp parameter = pending.lookup(source))
        pending[op->getResult(0)] = parameter;
      else if (auto it = layouts.find(source); it != layouts.end()) {
        // A copy: inserting the result may grow `layouts` and move `it`.
        TensorLayout layout = it->second;
        if (isa<RankedTensorType>(op->getResult(0).getType()))
          annotations::setResultLayouts(op, {layout});
        layouts[op->getResult(0)] = std::move(layout);
      }
      continue;
    }
    if (isa<MakeTupleOp, UpdateStateOp>(op))
      continue;
    if (auto item = dyn_cast<TupleGetItemOp>(op)) {
      auto tuple = item.getTuple().getDefiningOp<MakeTupleOp>();
      Value element = tuple ? tuple.getElements()[item.getIndex()] : Value();
      if (element && layouts.count(element)) {
        TensorLayout layout = layouts.lookup(element);
        if (isa<RankedTensorType>(item.getType()))
          annotations::setResultLayouts(op, {layout});
        layouts[item] = std::move(layout);
      } else {
        replicatedResults(op);
      }
      continue;
    }

    if (auto reshape = dyn_cast<ReshapeOp>(op)) {
      OpOperand &input = reshape->getOpOperand(0);
      if (pending.count(input.get()) &&
          failed(
              require(input, replicatedLayout(input.get().getType(), devices))))
        return failure();
      TensorLayout in = layouts[input.get()];
      TensorLayout out = desiredLayout(reshape.getResult());
      if (!reshapeKeepsSlices(in, reshape.getX().getType().getShape(), out,
                              reshape.getType().getShape())) {
        // Gather, reshape the whole tensor, split again.
        TensorLayout whole = replicatedLayout(reshape.getType(), devices);
        if (failed(require(input,
                           replicatedLayout(input.get().getType(), devices))))
          return failure();
        in = layouts[input.get()];
        if (!out.slicesAlike(whole)) {
          OpBuilder builder(context);
          builder.setInsertionPointAfter(reshape);
          auto split = RedistributeOp::create(
              builder, reshape.getLoc(), reshape.getResult(),
              LayoutAttr::get(context, whole), LayoutAttr::get(context, out));
          annotations::setResultLayouts(split, {out});
          reshape.getResult().replaceAllUsesExcept(split, split);
          layouts[split] = out;
          ++numRedistributions;
        }
        out = whole;
      }
      op->setAttr(MindIRDialect::kOperandLayoutsAttr,
                  annotations::toLayoutArray(context, {in}));
      layouts[reshape.getResult()] = out;
      annotations::setResultLayouts(op, {out});
      continue;
    }

    if (auto ret = dyn_cast<func::ReturnOp>(op)) {
      for (OpOperand &operand : ret->getOpOperands()) {
        if (!isa<RankedTensorType>(operand.get().getType()))
          continue;
        if (keepOutputsSharded) {
          if (pending.count(operand.get()) &&
              failed(require(
                  operand, replicatedLayout(operand.get().getType(), devices))))
            return failure();
          graph.setResultAttr(operand.getOperandNumber(),
                              MindIRDialect::kLayoutAttr,
                              LayoutAttr::get(context, layouts[operand.get()]));
          continue;
        }
        if (failed(require(operand,
                           replicatedLayout(operand.get().getType(), devices))))
          return failure();
      }
      continue;
    }

    auto it = shardings.find(op);
    if (it == shardings.end()) {
      // No sharding rule: the op runs whole on every device.
      for (OpOperand &operand : op->getOpOperands())
        if (failed(require(operand,
                           replicatedLayout(operand.get().getType(), devices))))
          return failure();
      replicatedResults(op);
      continue;
    }
    const OpSharding &sharding = it->second;
    for (OpOperand &operand : op->getOpOperands())
      if (failed(require(operand,
                         sharding.operandLayouts[operand.getOperandNumber()])))
        return failure();
    for (auto [result, layout] :
         llvm::zip_equal(op->getResults(), sharding.resultLayouts))
      layouts[result] = layout;
    op->setAttr(MindIRDialect::kOperandLayoutsAttr,
                annotations::toLayoutArray(context, sharding.operandLayouts));
    annotations::setResultLayouts(op, sharding.resultLayouts);
  }

  // Parameters no op decided: whole on every device.
  for (auto &[read, parameter] : pending)
    if (!parameter.getPredictLayoutAttr())
      parameter.setPredictLayoutAttr(LayoutAttr::get(
          context, replicatedLayout(parameter.getType(), devices)));
  return success();
}

LogicalResult InferPredictLayoutPass::writeStrategy(ModuleOp module) {
  StrategyFile file;
  file.currentStage = 1;
  for (ParameterOp parameter : module.getOps<ParameterOp>()) {
    LayoutAttr layout = parameter.getPredictLayoutAttr();
    auto type = dyn_cast<RankedTensorType>(parameter.getType());
    if (!layout || !type)
      continue;
    ParameterLayout &entry = file.layouts.emplace_back();
    entry.name = parameter.getSymName().str();
    entry.layout = layout.getTensorLayout().standardForm();
    entry.tensorShape.assign(type.getShape().begin(), type.getShape().end());
  }
  for (auto &[op, sharding] : shardings) {
    std::string key = strategyKey(op);
    if (key.empty())
      continue;
    OpStrategy &strategy = file.strategies.emplace_back();
    strategy.name = key;
    for (DenseI64ArrayAttr input :
         op->getAttrOfType<StrategyAttr>(MindIRDialect::kStrategyAttr)
             .getInputs())
      strategy.splits.emplace_back(input.asArrayRef());
  }
  llvm::sort(file.strategies, [](const OpStrategy &a, const OpStrategy &b) {
    return a.name < b.name;
  });
  file.strategies.erase(
      std::unique(file.strategies.begin(), file.strategies.end(),
                  [](const OpStrategy &a, const OpStrategy &b) {
                    return a.name == b.name;
                  }),
      file.strategies.end());
  if (llvm::Error error = writeStrategyFile(strategyOutput, file))
    return module.emitError() << llvm::toString(std::move(error));
  return success();
}

void InferPredictLayoutPass::runOnOperation() {
  SymbolTableCollection symbolTables;
  symbols = &symbolTables;
  ModuleOp module = getOperation();
  if (devices < 1) {
    module.emitError() << "give the number of devices to serve on with "
                          "devices=M";
    return signalPassFailure();
  }
  func::FuncOp graph = annotations::getMainGraph(module);
  if (!graph) {
    module.emitError() << "the module has no main graph (mindir.main_graph "
                          "or a single function)";
    return signalPassFailure();
  }
  WalkResult unsupported = graph.walk([&](Operation *op) {
    if (isa<CallOp>(op)) {
      op->emitOpError() << "calls another graph; inline the graphs the "
                           "network calls first (-mindshard-inline-graphs, "
                           "which the sharding pipeline runs)";
      return WalkResult::interrupt();
    }
    if (isa<ApplyOp>(op)) {
      // TODO: lay out networks that apply closures or graphs passed as
      // values (control flow, partial application); they are rejected here
      // because no op strategy names the graph such a call runs.
      op->emitOpError() << "applies a value as a graph (a closure); "
                           "mindshard lays out networks whose calls name "
                           "their graph";
      return WalkResult::interrupt();
    }
    for (Type type : op->getResultTypes())
      if (auto tensor = dyn_cast<RankedTensorType>(type);
          tensor && !tensor.hasStaticShape()) {
        op->emitOpError() << "has a result of dynamic shape " << type
                          << "; mindshard lays out static shapes";
        return WalkResult::interrupt();
      }
    return WalkResult::advance();
  });
  if (unsupported.wasInterrupted() || failed(loadStrategyFiles()) ||
      failed(chooseStrategies(graph)) || failed(propagate(graph)))
    return signalPassFailure();
  module->setAttr(MindIRDialect::kDevicesAttr,
                  IntegerAttr::get(IntegerType::get(&getContext(), 64),
                                   static_cast<int64_t>(devices)));
  if (!strategyOutput.empty() && failed(writeStrategy(module)))
    return signalPassFailure();
}
