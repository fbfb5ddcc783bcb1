//===- MindIRDialect.cpp - the mindir dialect, types and attributes -------===//
//
// Part of mindshard. Registration of the dialect, and the textual form and
// verification of its layout and strategy attributes.
//
//===----------------------------------------------------------------------===//

#include "MindIR/MindIR.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mindshard;
using namespace mindshard::mindir;

#include "MindIR/MindIRDialect.cpp.inc"

#define GET_TYPEDEF_CLASSES
#include "MindIR/MindIRTypes.cpp.inc"

// Custom directives of the attribute formats.
static ParseResult parseIntegerList(AsmParser &parser,
                                    SmallVectorImpl<int64_t> &values);
static void printIntegerList(AsmPrinter &printer, ArrayRef<int64_t> values);

#define GET_ATTRDEF_CLASSES
#include "MindIR/MindIRAttrs.cpp.inc"

void MindIRDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "MindIR/MindIROps.cpp.inc"
      >();
  addTypes<
#define GET_TYPEDEF_LIST
#include "MindIR/MindIRTypes.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "MindIR/MindIRAttrs.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// Dialect attributes on modules, functions and ops
//===----------------------------------------------------------------------===//

LogicalResult MindIRDialect::verifyOperationAttribute(Operation *op,
                                                      NamedAttribute attr) {
  StringRef name = attr.getName().getValue();
  Attribute value = attr.getValue();

  if (name == kProducerNameAttr || name == kModelVersionAttr ||
      name == kIrVersionAttr || name == kGraphNameAttr ||
      name == kInstanceNameAttr || name == kNameAttr) {
    if (!isa<StringAttr>(value))
      return op->emitError() << "'" << name << "' must be a string";
    return success();
  }
  if (name == kResultNamesAttr) {
    auto names = dyn_cast<ArrayAttr>(value);
    if (!names || names.size() != op->getNumResults() ||
        !llvm::all_of(names, [](Attribute a) { return isa<StringAttr>(a); }))
      return op->emitError() << "'" << name << "' must be a string per result ("
                             << op->getNumResults() << ")";
    return success();
  }
  if (name == kMindIrVersionAttr) {
    if (!isa<IntegerAttr>(value))
      return op->emitError() << "'" << name << "' must be an integer";
    return success();
  }
  if (name == kMainGraphAttr) {
    auto symbol = dyn_cast<FlatSymbolRefAttr>(value);
    if (!symbol || !isa<ModuleOp>(op))
      return op->emitError()
             << "'" << name << "' must be a symbol reference on a module";
    if (!SymbolTable::lookupSymbolIn(op, symbol))
      return op->emitError()
             << "'" << name << "' names " << symbol << ", which is not defined";
    return success();
  }
  if (name == kLayoutAttr) {
    // One layout per result, or a single layout for a single result.
    if (isa<LayoutAttr>(value))
      return success();
    auto layouts = dyn_cast<ArrayAttr>(value);
    if (!layouts ||
        !llvm::all_of(layouts, [](Attribute a) { return isa<LayoutAttr>(a); }))
      return op->emitError()
             << "'" << name << "' must be a layout or an array of layouts";
    if (layouts.size() != op->getNumResults())
      return op->emitError()
             << "'" << name << "' has " << layouts.size()
             << " layouts but the op has " << op->getNumResults() << " results";
    return success();
  }
  if (name == kDevicesAttr) {
    auto devices = dyn_cast<IntegerAttr>(value);
    if (!devices || devices.getInt() < 1)
      return op->emitError() << "'" << name << "' must be a positive integer";
    return success();
  }
  if (name == kStrategyAttr) {
    if (!isa<StrategyAttr>(value))
      return op->emitError() << "'" << name << "' must be a strategy";
    return success();
  }
  if (name == kStrategySourceAttr) {
    auto source = dyn_cast<StringAttr>(value);
    if (!source || !llvm::is_contained({"attribute", "predict-strategy",
                                        "train-strategy", "batch"},
                                       source.getValue()))
      return op->emitError()
             << "'" << name
             << "' must be attribute, predict-strategy, train-strategy or "
                "batch";
    return success();
  }
  if (name == kOperandLayoutsAttr) {
    auto layouts = dyn_cast<ArrayAttr>(value);
    if (!layouts ||
        !llvm::all_of(layouts, [](Attribute a) { return isa<LayoutAttr>(a); }))
      return op->emitError() << "'" << name << "' must be an array of layouts";
    if (layouts.size() != op->getNumOperands())
      return op->emitError() << "'" << name << "' has " << layouts.size()
                             << " layouts but the op has "
                             << op->getNumOperands() << " operands";
    return success();
  }
  if (name == kDeviceProgramsAttr) {
    auto programs = dyn_cast<ArrayAttr>(value);
    if (!programs || !isa<ModuleOp>(op) ||
        !llvm::all_of(programs,
                      [](Attribute a) { return isa<FlatSymbolRefAttr>(a); }))
      return op->emitError()
             << "'" << name << "' must be an array of symbols on a module";
    for (Attribute program : programs)
      if (!SymbolTable::lookupSymbolIn(op, cast<FlatSymbolRefAttr>(program)))
        return op->emitError() << "'" << name << "' names " << program
                               << ", which is not defined";
    return success();
  }
  if (name == kGlobalTypeAttr) {
    if (!isa<TypeAttr>(value))
      return op->emitError() << "'" << name << "' must be a type";
    return success();
  }
  if (name == kGlobalValueAttr) {
    if (!isa<ElementsAttr>(value))
      return op->emitError() << "'" << name << "' must be elements";
    return success();
  }
  if (name == kTrainStagesAttr) {
    auto stages = dyn_cast<IntegerAttr>(value);
    if (!stages || stages.getInt() < 1 || !isa<ModuleOp>(op))
      return op->emitError()
             << "'" << name << "' must be a positive integer on a module";
    return success();
  }
  if (name == kTrainCheckpointsAttr) {
    auto files = dyn_cast<ArrayAttr>(value);
    if (!files || !isa<ModuleOp>(op) ||
        !llvm::all_of(files, [](Attribute a) { return isa<StringAttr>(a); }))
      return op->emitError()
             << "'" << name << "' must be an array of strings on a module";
    return success();
  }
  if (name == kSlicesAttr || name == kSliceValuesAttr) {
    auto slices = dyn_cast<ArrayAttr>(value);
    bool wellTyped =
        slices && llvm::all_of(slices, [&](Attribute a) {
          return name == kSlicesAttr ? isa<SliceAttr>(a) : isa<ElementsAttr>(a);
        });
    if (!wellTyped || !isa<ParameterOp>(op))
      return op->emitError() << "'" << name << "' must be an array of "
                             << (name == kSlicesAttr ? "slices" : "elements")
                             << " on a parameter";
    for (auto [rank, slice] : llvm::enumerate(slices)) {
      auto planned = dyn_cast<SliceAttr>(slice);
      if (planned && planned.getRank() != static_cast<int64_t>(rank))
        return op->emitError() << "'" << name << "' entry " << rank
                               << " is the slice of rank " << planned.getRank();
    }
    return success();
  }
  return op->emitError() << "unknown mindir attribute '" << name << "'";
}

//===----------------------------------------------------------------------===//
// LayoutAttr
//===----------------------------------------------------------------------===//

/// Parses `[a, b, ...]` into `values`.
static ParseResult parseIntegerList(AsmParser &parser,
                                    SmallVectorImpl<int64_t> &values) {
  return parser.parseCommaSeparatedList(AsmParser::Delimiter::Square, [&] {
    return parser.parseInteger(values.emplace_back());
  });
}

static void printIntegerList(AsmPrinter &printer, ArrayRef<int64_t> values) {
  printer << '[';
  llvm::interleaveComma(values, printer);
  printer << ']';
}

/// Parses a tensor map: `[1, -1, [2, 0]]`.
static ParseResult parseTensorMap(AsmParser &parser,
                                  SmallVectorImpl<AxisList> &tensorMap) {
  return parser.parseCommaSeparatedList(AsmParser::Delimiter::Square, [&] {
    AxisList &entry = tensorMap.emplace_back();
    if (succeeded(parser.parseOptionalLSquare())) {
      if (succeeded(parser.parseOptionalRSquare()))
        return success();
      // MindSpore writes an unsplit dimension of a nested map as [-1].
      if (parser.parseCommaSeparatedList([&] {
            int64_t axis;
            if (parser.parseInteger(axis))
              return failure();
            if (axis != -1)
              entry.push_back(axis);
            return success();
          }) ||
          parser.parseRSquare())
        return failure();
      return success();
    }
    int64_t axis;
    if (parser.parseInteger(axis))
      return failure();
    if (axis != -1)
      entry.push_back(axis);
    return success();
  });
}

static SmallVector<DenseI64ArrayAttr>
getTensorMapAttrs(MLIRContext *context, ArrayRef<AxisList> tensorMap) {
  SmallVector<DenseI64ArrayAttr> entries;
  for (const AxisList &entry : tensorMap)
    entries.push_back(DenseI64ArrayAttr::get(context, entry));
  return entries;
}

Attribute LayoutAttr::parse(AsmParser &parser, Type) {
  TensorLayout layout;
  if (parser.parseLess() || parser.parseKeyword("dev_matrix") ||
      parser.parseEqual() || parseIntegerList(parser, layout.devMatrix) ||
      parser.parseComma() || parser.parseKeyword("tensor_map") ||
      parser.parseEqual() || parseTensorMap(parser, layout.tensorMap))
    return {};

  while (succeeded(parser.parseOptionalComma())) {
    StringRef key;
    SMLoc keyLoc = parser.getCurrentLocation();
    if (parser.parseKeyword(&key) || parser.parseEqual())
      return {};
    ParseResult result = success();
    if (key == "opt_shard_size")
      result = parser.parseInteger(layout.optShardSize);
    else if (key == "opt_shard_step")
      result = parser.parseInteger(layout.optShardStep);
    else if (key == "field")
      result = parser.parseInteger(layout.field);
    else if (key == "param_split_shape")
      result = parseIntegerList(parser, layout.splitShape);
    else if (key == "indices_offset")
      result = parseIntegerList(parser, layout.indicesOffset);
    else if (key == "stage")
      result = parser.parseInteger(layout.stage);
    else {
      parser.emitError(keyLoc) << "unknown layout field '" << key << "'";
      return {};
    }
    if (failed(result))
      return {};
  }
  if (parser.parseGreater())
    return {};
  return parser.getChecked<LayoutAttr>(
      parser.getContext(), layout.devMatrix,
      getTensorMapAttrs(parser.getContext(), layout.tensorMap),
      layout.optShardSize, layout.optShardStep, layout.field, layout.splitShape,
      layout.indicesOffset, layout.stage);
}

void LayoutAttr::print(AsmPrinter &printer) const {
  printer << "<dev_matrix = ";
  printIntegerList(printer, getDevMatrix());
  printer << ", tensor_map = [";
  llvm::interleaveComma(getTensorMap(), printer, [&](DenseI64ArrayAttr entry) {
    if (entry.empty())
      printer << -1;
    else if (entry.size() == 1)
      printer << entry[0];
    else
      printIntegerList(printer, entry.asArrayRef());
  });
  printer << ']';
  if (getOptShardSize() != 0)
    printer << ", opt_shard_size = " << getOptShardSize();
  if (getOptShardStep() != 0)
    printer << ", opt_shard_step = " << getOptShardStep();
  if (getField() != 0)
    printer << ", field = " << getField();
  if (!getParamSplitShape().empty()) {
    printer << ", param_split_shape = ";
    printIntegerList(printer, getParamSplitShape());
  }
  if (!getIndicesOffset().empty()) {
    printer << ", indices_offset = ";
    printIntegerList(printer, getIndicesOffset());
  }
  if (getStage() != 0)
    printer << ", stage = " << getStage();
  printer << '>';
}

static TensorLayout makeTensorLayout(ArrayRef<int64_t> devMatrix,
                                     ArrayRef<DenseI64ArrayAttr> tensorMap,
                                     int64_t optShardSize, int64_t optShardStep,
                                     int64_t field,
                                     ArrayRef<int64_t> paramSplitShape,
                                     ArrayRef<int64_t> indicesOffset,
                                     int64_t stage) {
  TensorLayout layout;
  layout.devMatrix.assign(devMatrix.begin(), devMatrix.end());
  for (DenseI64ArrayAttr entry : tensorMap)
    layout.tensorMap.emplace_back(entry.asArrayRef());
  layout.optShardSize = optShardSize;
  layout.optShardStep = optShardStep;
  layout.field = field;
  layout.splitShape.assign(paramSplitShape.begin(), paramSplitShape.end());
  layout.indicesOffset.assign(indicesOffset.begin(), indicesOffset.end());
  layout.stage = stage;
  return layout;
}

LogicalResult LayoutAttr::verify(
    function_ref<InFlightDiagnostic()> emitError, ArrayRef<int64_t> devMatrix,
    ArrayRef<DenseI64ArrayAttr> tensorMap, int64_t optShardSize,
    int64_t optShardStep, int64_t field, ArrayRef<int64_t> paramSplitShape,
    ArrayRef<int64_t> indicesOffset, int64_t stage) {
  TensorLayout layout =
      makeTensorLayout(devMatrix, tensorMap, optShardSize, optShardStep, field,
                       paramSplitShape, indicesOffset, stage);
  if (llvm::Error error = layout.verify())
    return emitError() << "invalid layout: "
                       << llvm::toString(std::move(error));
  return success();
}

LayoutAttr LayoutAttr::get(MLIRContext *context, const TensorLayout &layout) {
  return get(context, layout.devMatrix,
             getTensorMapAttrs(context, layout.tensorMap), layout.optShardSize,
             layout.optShardStep, layout.field, layout.splitShape,
             layout.indicesOffset, layout.stage);
}

TensorLayout LayoutAttr::getTensorLayout() const {
  return makeTensorLayout(getDevMatrix(), getTensorMap(), getOptShardSize(),
                          getOptShardStep(), getField(), getParamSplitShape(),
                          getIndicesOffset(), getStage());
}

//===----------------------------------------------------------------------===//
// StrategyAttr
//===----------------------------------------------------------------------===//

Attribute StrategyAttr::parse(AsmParser &parser, Type) {
  SmallVector<SmallVector<int64_t>> splits;
  if (parser.parseLess())
    return {};
  if (failed(parser.parseOptionalGreater())) {
    if (parser.parseCommaSeparatedList(
            [&] { return parseIntegerList(parser, splits.emplace_back()); }) ||
        parser.parseGreater())
      return {};
  }
  SmallVector<DenseI64ArrayAttr> inputs;
  for (const SmallVector<int64_t> &input : splits)
    inputs.push_back(DenseI64ArrayAttr::get(parser.getContext(), input));
  return parser.getChecked<StrategyAttr>(parser.getContext(), inputs);
}

void StrategyAttr::print(AsmPrinter &printer) const {
  printer << '<';
  llvm::interleaveComma(getInputs(), printer, [&](DenseI64ArrayAttr input) {
    printIntegerList(printer, input.asArrayRef());
  });
  printer << '>';
}

LogicalResult StrategyAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                   ArrayRef<DenseI64ArrayAttr> inputs) {
  for (auto [index, input] : llvm::enumerate(inputs))
    for (int64_t count : input.asArrayRef())
      if (count < 1)
        return emitError() << "strategy of input " << index
                           << " has split count " << count
                           << "; split counts must be 1 or more";
  return success();
}

StrategyAttr StrategyAttr::get(MLIRContext *context,
                               ArrayRef<SmallVector<int64_t>> splits) {
  SmallVector<DenseI64ArrayAttr> inputs;
  for (const SmallVector<int64_t> &input : splits)
    inputs.push_back(DenseI64ArrayAttr::get(context, input));
  return get(context, inputs);
}

SmallVector<SmallVector<int64_t>> StrategyAttr::getSplits() const {
  SmallVector<SmallVector<int64_t>> splits;
  for (DenseI64ArrayAttr input : getInputs())
    splits.emplace_back(input.asArrayRef());
  return splits;
}

int64_t StrategyAttr::getDeviceCount() const {
  int64_t devices = 1;
  for (DenseI64ArrayAttr input : getInputs())
    devices = std::max(devices, product(input.asArrayRef()));
  return devices;
}

//===----------------------------------------------------------------------===//
// PieceAttr and SliceAttr
//===----------------------------------------------------------------------===//

LogicalResult PieceAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                int64_t rank, ArrayRef<int64_t> slice,
                                ArrayRef<int64_t> from, ArrayRef<int64_t> to,
                                ArrayRef<int64_t> shape) {
  if (rank < 0)
    return emitError() << "the training rank " << rank << " is negative";
  if (from.size() != slice.size() || to.size() != slice.size() ||
      shape.size() != slice.size())
    return emitError() << "slice, from, to and shape must have one entry per "
                          "dimension";
  for (size_t d = 0; d < slice.size(); ++d)
    if (from[d] < 0 || to[d] < 0 || shape[d] < 0 ||
        from[d] + shape[d] > slice[d])
      return emitError() << "the box at " << from[d] << " of extent "
                         << shape[d] << " leaves dimension " << d
                         << " of the training slice (extent " << slice[d]
                         << ")";
  return success();
}

LogicalResult SliceAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                int64_t rank, ArrayRef<int64_t> shape,
                                ArrayAttr pieces) {
  if (rank < 0)
    return emitError() << "the device rank " << rank << " is negative";
  for (Attribute attr : pieces) {
    auto piece = dyn_cast<PieceAttr>(attr);
    if (!piece)
      return emitError() << "pieces must be #mindir.piece, got " << attr;
    if (piece.getTo().size() != shape.size())
      return emitError() << "a piece of rank " << piece.getTo().size()
                         << " in a slice of rank " << shape.size();
    for (size_t d = 0; d < shape.size(); ++d)
      if (piece.getTo()[d] + piece.getShape()[d] > shape[d])
        return emitError() << "a piece at " << piece.getTo()[d] << " of extent "
                           << piece.getShape()[d] << " leaves dimension " << d
                           << " of the slice (extent " << shape[d] << ")";
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Locations in messages
//===----------------------------------------------------------------------===//

bool mindshard::mindir::printSourceLocation(Location location,
                                            llvm::raw_ostream &os) {
  // A MindIR file has no lines (line 0): its nodes are named instead.
  if (auto file = dyn_cast<FileLineColLoc>(location)) {
    os << file.getFilename().getValue();
    if (file.getLine() != 0)
      os << ":" << file.getLine() << ":" << file.getColumn();
    return true;
  }
  if (auto name = dyn_cast<NameLoc>(location)) {
    auto file = dyn_cast<FileLineColLoc>(name.getChildLoc());
    if (file && file.getLine() == 0) {
      os << file.getFilename().getValue() << ": node "
         << name.getName().getValue();
      return true;
    }
    return printSourceLocation(name.getChildLoc(), os);
  }
  if (auto fused = dyn_cast<FusedLoc>(location))
    return !fused.getLocations().empty() &&
           printSourceLocation(fused.getLocations().front(), os);
  return false;
}
