//===- Partition.cpp - the program each device runs -----------------------===//
//
// Part of mindshard. Builds, from a module annotated by infer-predict-layout,
// the program of each of the M devices: local types, the collectives, rank
// groups named as MindSpore names them. Devices with the same program share
// one function.
//
//===----------------------------------------------------------------------===//

#include "Annotations.h"

#include "mindshard/Formats/Strategy.h"
#include "mindshard/Layout/Redistribution.h"
#include "mindshard/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/Debug.h"
#include "llvm/Support/FormatVariadic.h"

#include <map>

#define DEBUG_TYPE "mindshard-partition"

namespace mindshard {
#define GEN_PASS_DEF_PARTITION
#include "mindshard/Transforms/Passes.h.inc"
} // namespace mindshard

using namespace mlir;
using namespace mindshard;
using namespace mindshard::mindir;

namespace {

/// The communication groups the programs use, by name.
using GroupMap = std::map<std::string, SmallVector<int64_t, 8>>;

/// Builds one device's program.
class DeviceProgramBuilder {
public:
  DeviceProgramBuilder(func::FuncOp graph, int64_t rank, int64_t devices,
                       bool allowAllToAll, StringRef worldGroup,
                       GroupMap &groups)
      : graph(graph), rank(rank), devices(devices),
        allowAllToAll(allowAllToAll), worldGroup(worldGroup), groups(groups),
        builder(graph.getContext()) {}

  /// Emits the program into `func`, an empty function.
  LogicalResult build(func::FuncOp func);
  unsigned collectives() const { return numCollectives; }

private:
  /// The type of a value on this device.
  Type localType(Value value);
  /// The attributes of a global op that its local copy keeps.
  SmallVector<NamedAttribute> localAttributes(Operation *op);
  LogicalResult emit(Operation *op);
  /// A copy of `op` on local operands with the given result types.
  Operation *clone(Operation *op, TypeRange resultTypes);
  FailureOr<Value> redistribute(Value local, const TensorLayout &from,
                                const TensorLayout &to,
                                RankedTensorType globalType, Location loc);
  /// The group of ranks along `axes` of `devMatrix` through this rank.
  std::pair<StringAttr, DenseI64ArrayAttr> group(ArrayRef<int64_t> devMatrix,
                                                 ArrayRef<int64_t> axes);
  Value allReduce(Value value, ArrayRef<int64_t> devMatrix,
                  ArrayRef<int64_t> axes, StringRef reduction, Location loc);
  Value maskedGather(GatherOp gather, Location loc);
  Value scalar(Type elementType, double value, Location loc);
  /// A new op of `name` on `operands`.
  Operation *make(StringRef name, ValueRange operands, TypeRange results,
                  ArrayRef<NamedAttribute> attrs, Location loc);
  /// Symbol lookups, cached: a module has a parameter per weight.
  SymbolTableCollection symbols;
  Value make1(StringRef name, ValueRange operands, Type result,
              ArrayRef<NamedAttribute> attrs, Location loc) {
    return make(name, operands, result, attrs, loc)->getResult(0);
  }
  NamedAttribute attr(StringRef name, Attribute value) {
    return builder.getNamedAttr(name, value);
  }

  func::FuncOp graph;
  int64_t rank;
  int64_t devices;
  bool allowAllToAll;
  StringRef worldGroup;
  GroupMap &groups;
  OpBuilder builder;
  IRMapping mapping;
  unsigned numCollectives = 0;
};

class PartitionPass : public mindshard::impl::PartitionBase<PartitionPass> {
public:
  using Base::Base;
  void runOnOperation() override;
};

} // namespace

//===----------------------------------------------------------------------===//
// One device
//===----------------------------------------------------------------------===//

Type DeviceProgramBuilder::localType(Value value) {
  auto tensor = dyn_cast<RankedTensorType>(value.getType());
  if (!tensor)
    return value.getType();
  std::optional<TensorLayout> layout = annotations::getLayout(value);
  if (!layout)
    return tensor;
  llvm::Expected<Box> box = layout->slice(tensor.getShape(), rank);
  if (!box) {
    llvm::consumeError(box.takeError());
    return tensor;
  }
  return tensor.clone(box->shape);
}

SmallVector<NamedAttribute>
DeviceProgramBuilder::localAttributes(Operation *op) {
  SmallVector<NamedAttribute> attrs;
  for (NamedAttribute attr : op->getAttrs()) {
    StringRef name = attr.getName().getValue();
    // A device's op computes its slice and is not split further: the
    // strategy belongs to the single-device op.
    if (name == "in_strategy" || name == MindIRDialect::kStrategyAttr ||
        name == MindIRDialect::kStrategySourceAttr ||
        name == MindIRDialect::kOperandLayoutsAttr ||
        name == MindIRDialect::kLayoutAttr)
      continue;
    attrs.push_back(attr);
  }
  return attrs;
}

Operation *DeviceProgramBuilder::clone(Operation *op, TypeRange resultTypes) {
  OperationState state(op->getLoc(), op->getName());
  for (Value operand : op->getOperands())
    state.addOperands(mapping.lookup(operand));
  state.addAttributes(localAttributes(op));
  state.addTypes(resultTypes);
  Operation *local = builder.create(state);
  for (auto [global, copy] :
       llvm::zip_equal(op->getResults(), local->getResults()))
    mapping.map(global, copy);
  return local;
}

std::pair<StringAttr, DenseI64ArrayAttr>
DeviceProgramBuilder::group(ArrayRef<int64_t> devMatrix,
                            ArrayRef<int64_t> axes) {
  TensorLayout layout;
  layout.devMatrix.assign(devMatrix.begin(), devMatrix.end());
  SmallVector<int64_t, 8> ranks = layout.groupAlongAxes(rank, axes);
  std::string name = communicationGroupName(ranks, devices, worldGroup);
  if (ranks.size() > 1)
    groups[name] = ranks;
  return {builder.getStringAttr(name), builder.getDenseI64ArrayAttr(ranks)};
}

Operation *DeviceProgramBuilder::make(StringRef name, ValueRange operands,
                                      TypeRange results,
                                      ArrayRef<NamedAttribute> attrs,
                                      Location loc) {
  OperationState state(loc, name);
  state.addOperands(operands);
  state.addTypes(results);
  state.addAttributes(attrs);
  return builder.create(state);
}

Value DeviceProgramBuilder::allReduce(Value value, ArrayRef<int64_t> devMatrix,
                                      ArrayRef<int64_t> axes,
                                      StringRef reduction, Location loc) {
  auto [name, ranks] = group(devMatrix, axes);
  if (ranks.size() == 1)
    return value;
  ++numCollectives;
  return make1(AllReduceOp::getOperationName(), value, value.getType(),
               {attr("group", name), attr("group_ranks", ranks),
                attr("op", builder.getStringAttr(reduction))},
               loc);
}

Value DeviceProgramBuilder::scalar(Type elementType, double value,
                                   Location loc) {
  auto type = RankedTensorType::get({}, elementType);
  Attribute attr;
  if (isa<FloatType>(elementType))
    attr = DenseElementsAttr::get(
        type, FloatAttr::get(elementType, value).getValue());
  else
    attr = DenseElementsAttr::get(
        type, APInt(elementType.getIntOrFloatBitWidth(),
                    static_cast<int64_t>(value), /*isSigned=*/true));
  return make1(ConstantOp::getOperationName(), {}, type,
               {this->attr("value", attr)}, loc);
}

/// A Gather from a table whose rows are split: look up the rows this device
/// holds, zero what other devices hold, and sum over the devices (or scatter
/// the sum over dimension 0), as MindSpore's Gather row split does.
Value DeviceProgramBuilder::maskedGather(GatherOp gather, Location loc) {
  auto operandLayouts =
      gather->getAttrOfType<ArrayAttr>(MindIRDialect::kOperandLayoutsAttr);
  TensorLayout params = cast<LayoutAttr>(operandLayouts[0]).getTensorLayout();
  Value table = mapping.lookup(gather.getParams());
  Value indices = mapping.lookup(gather.getIndices());
  auto tableType = cast<RankedTensorType>(table.getType());
  auto indicesType = cast<RankedTensorType>(indices.getType());
  Type indexElement = indicesType.getElementType();
  int64_t rows = tableType.getDimSize(0);
  int64_t axis = params.tensorMap[0].front();
  int64_t shard = params.coordinate(rank)[params.positionOf(axis)];

  // Indices relative to this device's rows, clipped into them, and the mask
  // of those that were in range.
  Value shifted = make1(SubOp::getOperationName(),
                        {indices, scalar(indexElement, shard * rows, loc)},
                        indicesType, {}, loc);
  Value positive =
      make1(ReLUOp::getOperationName(), shifted, indicesType, {}, loc);
  Value clip =
      make1(PrimitiveGenericOp::getOperationName(),
            {positive, scalar(indexElement, rows - 1, loc)}, indicesType,
            {attr("primitive", builder.getStringAttr("Minimum"))}, loc);
  Value mask = make1(PrimitiveGenericOp::getOperationName(), {shifted, clip},
                     indicesType.clone(builder.getI1Type()),
                     {attr("primitive", builder.getStringAttr("Equal"))}, loc);

  auto localOut = cast<RankedTensorType>(localType(gather.getResult()));
  SmallVector<int64_t> lookedUp(indicesType.getShape());
  llvm::append_range(lookedUp, tableType.getShape().drop_front());
  auto lookupType = RankedTensorType::get(lookedUp, tableType.getElementType());
  Value found = make1(GatherOp::getOperationName(), {table, clip}, lookupType,
                      localAttributes(gather), loc);

  Type element = tableType.getElementType();
  Value weight =
      make1(CastOp::getOperationName(), mask, indicesType.clone(element),
            {attr("dst_type", TypeAttr::get(element))}, loc);
  if (tableType.getRank() > 1) {
    SmallVector<int64_t> shape(indicesType.getShape());
    shape.push_back(1);
    weight = make1(ReshapeOp::getOperationName(), weight,
                   RankedTensorType::get(shape, element),
                   {attr("shape", builder.getDenseI64ArrayAttr(shape))}, loc);
  }
  Value masked =
      make1(MulOp::getOperationName(), {found, weight}, lookupType, {}, loc);

  auto [name, ranks] = group(params.devMatrix, {axis});
  ++numCollectives;
  StringRef collective = localOut.getShape() == lookupType.getShape()
                             ? AllReduceOp::getOperationName()
                             : ReduceScatterOp::getOperationName();
  return make1(collective, masked, localOut,
               {attr("group", name), attr("group_ranks", ranks),
                attr("op", builder.getStringAttr("sum"))},
               loc);
}

FailureOr<Value> DeviceProgramBuilder::redistribute(Value local,
                                                    const TensorLayout &from,
                                                    const TensorLayout &to,
                                                    RankedTensorType globalType,
                                                    Location loc) {
  llvm::Expected<SmallVector<RedistributionStep, 4>> steps =
      planRedistribution(from, to, globalType.getShape(), allowAllToAll);
  if (!steps) {
    emitError(loc) << "cannot redistribute " << globalType << " from "
                   << from.str() << " to " << to.str() << ": "
                   << llvm::toString(steps.takeError());
    return failure();
  }
  Value current = local;
  for (const RedistributionStep &step : *steps) {
    auto type = cast<RankedTensorType>(current.getType());
    SmallVector<int64_t> shape(type.getShape());
    int64_t count = step.count();
    auto [name, ranks] = group(step.devMatrix, {step.axis});
    switch (step.kind) {
    case RedistributionStep::Kind::Split: {
      // Keep this rank's piece of the dimension.
      int64_t piece = shape[step.dim] / count;
      SmallVector<int64_t> begin(shape.size(), 0), end(shape);
      SmallVector<int64_t> strides(shape.size(), 1);
      begin[step.dim] = step.coordinate(rank) * piece;
      end[step.dim] = begin[step.dim] + piece;
      shape[step.dim] = piece;
      current =
          make1(StridedSliceOp::getOperationName(), current, type.clone(shape),
                {attr("begin", builder.getDenseI64ArrayAttr(begin)),
                 attr("end", builder.getDenseI64ArrayAttr(end)),
                 attr("strides", builder.getDenseI64ArrayAttr(strides))},
                loc);
      break;
    }
    case RedistributionStep::Kind::Gather: {
      // AllGather concatenates along dimension 0; another dimension takes a
      // Split and a Concat after it, as MindSpore does.
      ++numCollectives;
      SmallVector<int64_t> gathered(shape);
      gathered[0] *= count;
      current =
          make1(AllGatherOp::getOperationName(), current, type.clone(gathered),
                {attr("group", name), attr("group_ranks", ranks)}, loc);
      if (step.dim == 0)
        break;
      Operation *split = make(
          SplitOp::getOperationName(), current, SmallVector<Type>(count, type),
          {attr("axis", builder.getI64IntegerAttr(0)),
           attr("output_num", builder.getI64IntegerAttr(count))},
          loc);
      SmallVector<int64_t> joined(shape);
      joined[step.dim] *= count;
      current = make1(ConcatOp::getOperationName(), split->getResults(),
                      type.clone(joined),
                      {attr("axis", builder.getI64IntegerAttr(step.dim))}, loc);
      break;
    }
    case RedistributionStep::Kind::AllToAll: {
      ++numCollectives;
      shape[step.dim] /= count;
      shape[step.concatDim] *= count;
      current =
          make1(AlltoAllOp::getOperationName(), current, type.clone(shape),
                {attr("group", name), attr("group_ranks", ranks),
                 attr("split_count", builder.getI64IntegerAttr(count)),
                 attr("split_dim", builder.getI64IntegerAttr(step.dim)),
                 attr("concat_dim", builder.getI64IntegerAttr(step.concatDim))},
                loc);
      break;
    }
    }
  }
  return current;
}

LogicalResult DeviceProgramBuilder::emit(Operation *op) {
  Location loc = op->getLoc();
  if (auto move = dyn_cast<RedistributeOp>(op)) {
    FailureOr<Value> moved = redistribute(
        mapping.lookup(move.getX()), move.getFrom().getTensorLayout(),
        move.getTo().getTensorLayout(), move.getType(), loc);
    if (failed(moved))
      return failure();
    mapping.map(move.getResult(), *moved);
    return success();
  }
  if (auto read = dyn_cast<GetParameterOp>(op)) {
    auto parameter =
        symbols.lookupNearestSymbolFrom<ParameterOp>(op, read.getNameAttr());
    Type type = read.getType();
    if (LayoutAttr layout = parameter.getPredictLayoutAttr()) {
      llvm::Expected<Box> box = layout.getTensorLayout().slice(
          cast<RankedTensorType>(type).getShape(), rank);
      if (!box) {
        op->emitOpError() << llvm::toString(box.takeError());
        return failure();
      }
      type = cast<RankedTensorType>(type).clone(box->shape);
    }
    mapping.map(read.getResult(),
                make1(GetParameterOp::getOperationName(), {}, type,
                      {attr("name", read.getNameAttr())}, loc));
    return success();
  }
  if (auto ret = dyn_cast<func::ReturnOp>(op)) {
    SmallVector<Value> results;
    for (Value operand : ret.getOperands())
      results.push_back(mapping.lookup(operand));
    make(func::ReturnOp::getOperationName(), results, {}, {}, loc);
    return success();
  }
  if (isa<LoadOp, DependOp>(op)) {
    clone(op, {mapping.lookup(op->getOperand(0)).getType()});
    return success();
  }
  if (isa<MakeTupleOp>(op)) {
    SmallVector<Type> types;
    for (Value operand : op->getOperands())
      types.push_back(mapping.lookup(operand).getType());
    clone(op, {TupleType::get(op->getContext(), types)});
    return success();
  }
  if (auto item = dyn_cast<TupleGetItemOp>(op)) {
    Type type = item.getType();
    if (auto tuple =
            dyn_cast<TupleType>(mapping.lookup(item.getTuple()).getType()))
      type = tuple.getType(item.getIndex());
    clone(op, {type});
    return success();
  }
  if (auto gather = dyn_cast<GatherOp>(op)) {
    auto layouts =
        op->getAttrOfType<ArrayAttr>(MindIRDialect::kOperandLayoutsAttr);
    TensorLayout params = cast<LayoutAttr>(layouts[0]).getTensorLayout();
    if (!params.tensorMap.empty() && !params.tensorMap[0].empty()) {
      mapping.map(gather.getResult(), maskedGather(gather, loc));
      return success();
    }
  }
  if (auto reshape = dyn_cast<ReshapeOp>(op)) {
    auto type = cast<RankedTensorType>(localType(reshape.getResult()));
    OperationState state(loc, op->getName());
    state.addOperands(mapping.lookup(reshape.getX()));
    for (NamedAttribute attr : localAttributes(op))
      state.addAttribute(attr.getName(), attr.getValue());
    state.attributes.set("shape",
                         builder.getDenseI64ArrayAttr(type.getShape()));
    state.addTypes(type);
    mapping.map(reshape.getResult(), builder.create(state)->getResult(0));
    return success();
  }

  // Every other op: its local copy, then the collective it needs inside.
  SmallVector<Type> types;
  for (Value result : op->getResults())
    types.push_back(localType(result));
  Operation *local = clone(op, types);

  auto strategy = op->getAttrOfType<StrategyAttr>(MindIRDialect::kStrategyAttr);
  auto operandLayouts =
      op->getAttrOfType<ArrayAttr>(MindIRDialect::kOperandLayoutsAttr);
  if (!strategy || !operandLayouts || operandLayouts.empty())
    return success();
  ArrayRef<int64_t> devMatrix =
      cast<LayoutAttr>(operandLayouts[0]).getDevMatrix();
  TensorLayout inLayout = cast<LayoutAttr>(operandLayouts[0]).getTensorLayout();

  // A split contracting dimension (MatMul) or a split reduced dimension
  // leaves partial results.
  SmallVector<int64_t> partialAxes;
  if (isa<MatMulOp, BatchMatMulOp>(op)) {
    // The contracting axis is the one x1's last (or, transposed,
    // second-to-last) dimension maps.
    bool transposeA = isa<MatMulOp>(op)
                          ? cast<MatMulOp>(op).getTransposeA()
                          : cast<BatchMatMulOp>(op).getTransposeA();
    unsigned rank = inLayout.rank();
    const AxisList &k = inLayout.tensorMap[transposeA ? rank - 2 : rank - 1];
    llvm::append_range(partialAxes, k);
  } else if (isa<ReduceSumOp, ReduceMeanOp>(op)) {
    ArrayRef<int64_t> axes = isa<ReduceSumOp>(op)
                                 ? cast<ReduceSumOp>(op).getAxis()
                                 : cast<ReduceMeanOp>(op).getAxis();
    int64_t rank = inLayout.rank();
    for (int64_t dim = 0; dim < rank; ++dim) {
      bool reduced = axes.empty() || llvm::is_contained(axes, dim) ||
                     llvm::is_contained(axes, dim - rank);
      if (reduced)
        llvm::append_range(partialAxes, inLayout.tensorMap[dim]);
    }
  }
  if (partialAxes.empty())
    return success();

  Value result =
      allReduce(local->getResult(0), devMatrix, partialAxes, "sum", loc);
  if (isa<ReduceMeanOp>(op) && result != local->getResult(0)) {
    // The mean of equal parts' means: the sum divided by their number.
    auto [name, ranks] = group(devMatrix, partialAxes);
    auto type = cast<RankedTensorType>(result.getType());
    result = make1(RealDivOp::getOperationName(),
                   {result, scalar(type.getElementType(), ranks.size(), loc)},
                   type, {}, loc);
  }
  mapping.map(op->getResult(0), result);
  return success();
}

LogicalResult DeviceProgramBuilder::build(func::FuncOp func) {
  Block &entry = graph.getBody().front();
  Block *block = func.addEntryBlock();
  for (auto [global, local] :
       llvm::zip_equal(entry.getArguments(), block->getArguments()))
    mapping.map(global, local);
  builder.setInsertionPointToEnd(block);
  for (Operation &op : entry)
    if (failed(emit(&op)))
      return failure();
  auto ret = cast<func::ReturnOp>(block->getTerminator());
  func.setFunctionType(builder.getFunctionType(
      block->getArgumentTypes(), TypeRange(ret.getOperandTypes())));
  return success();
}

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

/// The text of a program's body, to tell identical programs apart.
static std::string programText(func::FuncOp func) {
  std::string text;
  llvm::raw_string_ostream os(text);
  func.getBody().front().print(os);
  return text;
}

void PartitionPass::runOnOperation() {
  ModuleOp module = getOperation();
  MLIRContext *context = &getContext();
  auto devicesAttr =
      module->getAttrOfType<IntegerAttr>(MindIRDialect::kDevicesAttr);
  func::FuncOp graph = annotations::getMainGraph(module);
  if (!devicesAttr || !graph) {
    module.emitError() << "the module is not laid out for devices; run "
                          "mindshard-infer-predict-layout first";
    return signalPassFailure();
  }
  int64_t devices = devicesAttr.getInt();

  // One program per device; equal programs are kept once.
  OpBuilder builder(context);
  builder.setInsertionPointAfter(graph);
  GroupMap groups;
  std::map<std::string, func::FuncOp> programs;
  SmallVector<Attribute> deviceProgram;
  for (int64_t rank = 0; rank < devices; ++rank) {
    auto func = func::FuncOp::create(
        builder, graph.getLoc(), "candidate",
        builder.getFunctionType(graph.getArgumentTypes(), {}));
    if (ArrayAttr argAttrs = graph.getAllArgAttrs())
      func.setAllArgAttrs(argAttrs);
    for (unsigned i = 0; i < func.getNumArguments(); ++i)
      func.removeArgAttr(i, MindIRDialect::kLayoutAttr);
    DeviceProgramBuilder device(graph, rank, devices, allowAllToAll, worldGroup,
                                groups);
    if (failed(device.build(func))) {
      func.erase();
      return signalPassFailure();
    }
    numCollectives += device.collectives();
    // Outputs kept sharded keep the layout that says which part each
    // device returns.
    if (ArrayAttr resultAttrs = graph.getAllResultAttrs())
      func.setAllResultAttrs(resultAttrs);
    std::string text = programText(func);
    auto [it, inserted] = programs.try_emplace(text, func);
    if (!inserted) {
      func.erase();
    } else {
      func.setSymName(
          (graph.getSymName() + "_program_" + Twine(programs.size() - 1))
              .str());
      func->setAttr(MindIRDialect::kGraphNameAttr, graph.getSymNameAttr());
      builder.setInsertionPointAfter(func);
    }
    deviceProgram.push_back(FlatSymbolRefAttr::get(it->second));
  }
  numPrograms = programs.size();

  // Parameters take their local type; every device must agree on it.
  for (ParameterOp parameter : module.getOps<ParameterOp>()) {
    LayoutAttr layout = parameter.getPredictLayoutAttr();
    auto type = dyn_cast<RankedTensorType>(parameter.getType());
    if (!layout || !type)
      continue;
    TensorLayout tensorLayout = layout.getTensorLayout();
    SmallVector<int64_t, 4> local;
    for (int64_t rank = 0; rank < devices; ++rank) {
      llvm::Expected<Box> box = tensorLayout.slice(type.getShape(), rank);
      if (!box) {
        parameter.emitError() << llvm::toString(box.takeError());
        return signalPassFailure();
      }
      if (rank == 0)
        local = box->shape;
      else if (box->shape != local) {
        // TODO: partition parameters whose slices differ in shape from
        // device to device (uneven param_split_shape); they are rejected
        // until each device's program can read a parameter of its own shape.
        parameter.emitError()
            << "parameter '" << parameter.getSymName()
            << "' has slices of different shapes on different devices ("
            << formatList(local) << " on rank 0, " << formatList(box->shape)
            << " on rank " << rank << "); mindshard partitions even slices";
        return signalPassFailure();
      }
    }
    parameter->setAttr(MindIRDialect::kGlobalTypeAttr, TypeAttr::get(type));
    if (std::optional<ElementsAttr> value = parameter.getValue()) {
      // The whole tensor's data no longer fits the parameter's type; the
      // attach step slices it per device.
      parameter->setAttr(MindIRDialect::kGlobalValueAttr, *value);
      parameter.removeValueAttr();
    }
    parameter.setType(type.clone(local));
  }

  module->setAttr(MindIRDialect::kDeviceProgramsAttr,
                  ArrayAttr::get(context, deviceProgram));
  module->setAttr(MindIRDialect::kMainGraphAttr, deviceProgram.front());
  graph.erase();

  if (!groupFile.empty()) {
    GroupFile file;
    for (const auto &[name, ranks] : groups)
      file.groups.push_back({name, ranks});
    if (llvm::Error error = writeGroupFile(groupFile, file)) {
      module.emitError() << llvm::toString(std::move(error));
      return signalPassFailure();
    }
  }
}
