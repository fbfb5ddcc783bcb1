//===- MindIROps.cpp - mindir operations ----------------------------------===//
//
// Part of mindshard. Verifiers and result-type inference of the mindir ops.
// Shape rules follow MindSpore's primitives; error messages name the operand
// and the extents that disagree.
//
//===----------------------------------------------------------------------===//

#include "MindIR/MindIR.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallBitVector.h"

using namespace mlir;
using namespace mindshard;
using namespace mindshard::mindir;

static constexpr int64_t kDynamic = ShapedType::kDynamic;

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

StringRef mindshard::mindir::getPrimitiveName(Operation *op) {
  if (auto generic = dyn_cast<PrimitiveGenericOp>(op))
    return generic.getPrimitive();
  return op->getName().stripDialect();
}

bool mindshard::mindir::isPrimitiveAttributeName(StringRef name) {
  return !name.starts_with("mindir.");
}

StringAttr mindshard::mindir::getValueName(Value value) {
  if (auto input = dyn_cast<BlockArgument>(value)) {
    auto graph = dyn_cast<func::FuncOp>(input.getOwner()->getParentOp());
    return graph ? graph.getArgAttrOfType<StringAttr>(input.getArgNumber(),
                                                      MindIRDialect::kNameAttr)
                 : StringAttr();
  }
  auto result = cast<OpResult>(value);
  Operation *op = result.getOwner();
  if (op->getNumResults() == 1)
    return op->getAttrOfType<StringAttr>(MindIRDialect::kNameAttr);
  auto names = op->getAttrOfType<ArrayAttr>(MindIRDialect::kResultNamesAttr);
  if (!names || names.size() != op->getNumResults())
    return {};
  auto name = dyn_cast<StringAttr>(names[result.getResultNumber()]);
  return name && !name.empty() ? name : StringAttr();
}

LogicalResult
mindshard::mindir::inferResultTypes(Operation *op,
                                    SmallVectorImpl<Type> &types) {
  auto inferable = dyn_cast<InferTypeOpInterface>(op);
  if (!inferable)
    return failure();
  // The primitives' rules read their operands as ranked tensors, as their
  // verifiers require; an op not yet verified (the importer's, the
  // inliner's) may have others, and then no type can be inferred.
  if (op->hasTrait<OpTrait::StrategyMatchesOperands>() &&
      !llvm::all_of(op->getOperandTypes(),
                    [](Type type) { return isa<RankedTensorType>(type); }))
    return failure();
  return inferable.inferReturnTypes(
      op->getContext(), op->getLoc(), op->getOperands(),
      op->getRawDictionaryAttrs(), op->getPropertiesStorage(), op->getRegions(),
      types);
}

/// `axis` made non-negative for a tensor of `rank` dimensions, or an error
/// when it is out of range.
static FailureOr<int64_t> normalizeAxis(std::optional<Location> location,
                                        int64_t axis, int64_t rank,
                                        StringRef what) {
  if (axis >= -rank && axis < rank)
    return axis < 0 ? axis + rank : axis;
  (void)emitOptionalError(location, what, " ", axis,
                          " is out of range for rank ", rank);
  return failure();
}

static bool isDynamic(int64_t extent) { return extent == kDynamic; }

/// True when two extents may be equal.
static bool compatible(int64_t lhs, int64_t rhs) {
  return isDynamic(lhs) || isDynamic(rhs) || lhs == rhs;
}

static std::string shapeString(ArrayRef<int64_t> shape) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << '[';
  llvm::interleaveComma(shape, os, [&](int64_t extent) {
    if (isDynamic(extent))
      os << '?';
    else
      os << extent;
  });
  os << ']';
  return text;
}

//===----------------------------------------------------------------------===//
// Shared inference
//===----------------------------------------------------------------------===//

LogicalResult
mindshard::mindir::inferBroadcastType(std::optional<Location> location,
                                      Type lhs, Type rhs,
                                      SmallVectorImpl<Type> &inferred) {
  auto lhsType = cast<RankedTensorType>(lhs);
  auto rhsType = cast<RankedTensorType>(rhs);

  Type elementType = lhsType.getElementType();
  if (elementType != rhsType.getElementType()) {
    // A rank-0 operand is a weakly typed scalar (a Python number).
    if (lhsType.getRank() == 0)
      elementType = rhsType.getElementType();
    else if (rhsType.getRank() != 0)
      return emitOptionalError(location, "operand element types ",
                               lhsType.getElementType(), " and ",
                               rhsType.getElementType(), " differ");
  }

  ArrayRef<int64_t> a = lhsType.getShape(), b = rhsType.getShape();
  size_t rank = std::max(a.size(), b.size());
  SmallVector<int64_t> shape(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t x = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t y = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (x == 1)
      shape[i] = y;
    else if (y == 1)
      shape[i] = x;
    else if (isDynamic(x))
      shape[i] = y;
    else if (isDynamic(y) || x == y)
      shape[i] = x;
    else
      return emitOptionalError(location, "shapes ", shapeString(a), " and ",
                               shapeString(b), " do not broadcast");
  }
  inferred.push_back(RankedTensorType::get(shape, elementType));
  return success();
}

LogicalResult
mindshard::mindir::inferReduceType(std::optional<Location> location, Type input,
                                   ArrayRef<int64_t> axes, bool keepDims,
                                   SmallVectorImpl<Type> &inferred) {
  auto type = cast<RankedTensorType>(input);
  int64_t rank = type.getRank();
  llvm::SmallBitVector reduced(rank, axes.empty());
  for (int64_t axis : axes) {
    FailureOr<int64_t> dim = normalizeAxis(location, axis, rank, "axis");
    if (failed(dim))
      return failure();
    if (reduced.test(*dim))
      return emitOptionalError(location, "axis ", axis, " is repeated");
    reduced.set(*dim);
  }
  SmallVector<int64_t> shape;
  for (int64_t dim = 0; dim < rank; ++dim) {
    if (!reduced.test(dim))
      shape.push_back(type.getDimSize(dim));
    else if (keepDims)
      shape.push_back(1);
  }
  inferred.push_back(RankedTensorType::get(shape, type.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// StrategyMatchesOperands
//===----------------------------------------------------------------------===//

LogicalResult
mindir::OpTrait::detail::verifyStrategyMatchesOperands(Operation *op) {
  auto strategy = op->getAttrOfType<StrategyAttr>("in_strategy");
  if (!strategy)
    return success();
  SmallVector<RankedTensorType> inputs;
  for (Type type : op->getOperandTypes())
    if (auto tensor = dyn_cast<RankedTensorType>(type))
      inputs.push_back(tensor);

  ArrayRef<DenseI64ArrayAttr> splits = strategy.getInputs();
  if (splits.size() != inputs.size())
    return op->emitOpError()
           << "in_strategy has " << splits.size() << " tuples but the op has "
           << inputs.size() << " tensor inputs";
  for (auto [index, input, counts] : llvm::enumerate(inputs, splits)) {
    if (static_cast<int64_t>(counts.size()) != input.getRank())
      return op->emitOpError() << "in_strategy tuple " << index << " has "
                               << counts.size() << " split counts but input "
                               << index << " has rank " << input.getRank();
    // Whether a count divides its dimension is a question for the devices
    // the network is split for: mindshard-infer-predict-layout asks it, as
    // MindSpore asks it when it compiles for several devices. A network run
    // on one device ignores the strategy.
    for (auto [dim, count] : llvm::enumerate(counts.asArrayRef()))
      if (count < 1)
        return op->emitOpError() << "in_strategy splits dimension " << dim
                                 << " of input " << index << " " << count
                                 << " ways; split counts must be 1 or more";
  }
  return success();
}

//===----------------------------------------------------------------------===//
// ParameterOp and GetParameterOp
//===----------------------------------------------------------------------===//

LogicalResult ParameterOp::verify() {
  Type type = getType();
  if (std::optional<ElementsAttr> value = getValue())
    if (value->getType() != type)
      return emitOpError() << "value of type " << value->getType()
                           << " does not match the parameter type " << type;

  auto tensorType = dyn_cast<RankedTensorType>(type);
  for (auto [name, layout] :
       {std::pair(getTrainLayoutAttrName().getValue(), getTrainLayoutAttr()),
        std::pair(getPredictLayoutAttrName().getValue(),
                  getPredictLayoutAttr())}) {
    if (!layout)
      continue;
    if (!tensorType)
      return emitOpError() << name << " needs a ranked tensor parameter";
    if (layout.getRank() != tensorType.getRank())
      return emitOpError() << name << " has " << layout.getRank()
                           << " tensor map entries but the parameter has rank "
                           << tensorType.getRank();
  }
  return success();
}

LogicalResult
GetParameterOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  auto parameter =
      symbolTable.lookupNearestSymbolFrom<ParameterOp>(*this, getNameAttr());
  if (!parameter)
    return emitOpError() << "'" << getName()
                         << "' does not name a mindir.parameter";
  if (parameter.getType() != getType())
    return emitOpError() << "result type " << getType()
                         << " differs from the type " << parameter.getType()
                         << " of parameter '" << getName() << "'";
  return success();
}

//===----------------------------------------------------------------------===//
// ConstantOp
//===----------------------------------------------------------------------===//

/// True when the constant's value carries the result type itself.
static bool carriesType(Attribute value) {
  auto typed = dyn_cast<TypedAttr>(value);
  return typed && !isa<NoneType>(typed.getType());
}

// A value that carries its type prints as itself (`dense<1> : tensor<2xi32>`,
// `3 : i64`); any other value in parentheses followed by the result type, so
// that the value's parser cannot take the type for its own.
ParseResult ConstantOp::parse(OpAsmParser &parser, OperationState &result) {
  Attribute value;
  Type type;
  if (parser.parseOptionalAttrDict(result.attributes))
    return failure();
  if (succeeded(parser.parseOptionalLParen())) {
    if (parser.parseAttribute(value) || parser.parseRParen() ||
        parser.parseColonType(type))
      return failure();
  } else {
    SMLoc loc = parser.getCurrentLocation();
    if (parser.parseAttribute(value))
      return failure();
    if (!carriesType(value))
      return parser.emitError(loc)
             << "a value without a type is written in parentheses and "
                "followed by `: type`";
    type = cast<TypedAttr>(value).getType();
  }
  result.getOrAddProperties<Properties>().value = value;
  result.addTypes(type);
  return success();
}

void ConstantOp::print(OpAsmPrinter &printer) {
  printer.printOptionalAttrDict((*this)->getAttrs(), {"value"});
  if (carriesType(getValue())) {
    printer << ' ';
    printer.printAttribute(getValue());
    return;
  }
  printer << '(';
  printer.printAttribute(getValue());
  printer << ") : " << getType();
}

LogicalResult ConstantOp::verify() {
  Attribute value = getValue();
  Type type = getType();
  if (carriesType(value)) {
    if (cast<TypedAttr>(value).getType() != type)
      return emitOpError() << "value of type "
                           << cast<TypedAttr>(value).getType()
                           << " does not match the result type " << type;
    return success();
  }
  if (isa<UnitAttr>(value) && !isa<UMonadType, IOMonadType, AnyType>(type))
    return emitOpError() << "a unit value needs a monad or !mindir.any type, "
                            "got "
                         << type;
  if (auto elements = dyn_cast<ArrayAttr>(value))
    if (auto tuple = dyn_cast<TupleType>(type))
      if (tuple.size() != elements.size())
        return emitOpError() << "tuple value has " << elements.size()
                             << " elements but the result type " << type
                             << " has " << tuple.size();
  return success();
}

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

//===----------------------------------------------------------------------===//
// Plumbing
//===----------------------------------------------------------------------===//

LogicalResult LoadOp::verify() {
  if (getParam().getType() != getType())
    return emitOpError() << "result type " << getType()
                         << " differs from the parameter type "
                         << getParam().getType();
  return success();
}

LogicalResult UpdateStateOp::verify() {
  if (getMonad().getType() != getType())
    return emitOpError() << "result type " << getType()
                         << " differs from the monad type "
                         << getMonad().getType();
  return success();
}

LogicalResult DependOp::verify() {
  if (getX().getType() != getType())
    return emitOpError() << "result type " << getType()
                         << " differs from the type " << getX().getType()
                         << " of the value it passes on";
  return success();
}

LogicalResult MakeTupleOp::inferReturnTypes(MLIRContext *context,
                                            std::optional<Location>,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  inferred.push_back(TupleType::get(context, adaptor.getElements().getTypes()));
  return success();
}

LogicalResult TupleGetItemOp::inferReturnTypes(
    MLIRContext *context, std::optional<Location> location, Adaptor adaptor,
    SmallVectorImpl<Type> &inferred) {
  Type type = adaptor.getTuple().getType();
  int64_t index = adaptor.getIndex();
  if (isa<AnyType>(type)) {
    inferred.push_back(type);
    return success();
  }
  auto tuple = dyn_cast<TupleType>(type);
  if (!tuple)
    return emitOptionalError(location, "operand of type ", type,
                             " is not a tuple");
  if (index < 0 || index >= static_cast<int64_t>(tuple.size()))
    return emitOptionalError(location, "index ", index,
                             " is out of range for a tuple of ", tuple.size(),
                             " elements");
  inferred.push_back(tuple.getType(index));
  return success();
}

/// True when a value of type `actual` may flow where `declared` is expected:
/// the same type, or either side unknown.
static bool refines(Type actual, Type declared) {
  return actual == declared || isa<AnyType>(actual) || isa<AnyType>(declared);
}

LogicalResult CallOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  auto callee =
      symbolTable.lookupNearestSymbolFrom<func::FuncOp>(*this, getCalleeAttr());
  if (!callee)
    return emitOpError() << "'" << getCallee() << "' does not name a graph";
  FunctionType type = callee.getFunctionType();
  if (type.getNumInputs() != getArgs().size())
    return emitOpError() << "passes " << getArgs().size()
                         << " arguments but graph '" << getCallee()
                         << "' takes " << type.getNumInputs();
  if (type.getNumResults() != getNumResults())
    return emitOpError() << "has " << getNumResults() << " results but graph '"
                         << getCallee() << "' returns " << type.getNumResults();
  for (auto [index, arg, declared] :
       llvm::enumerate(getArgs().getTypes(), type.getInputs()))
    if (!refines(arg, declared))
      return emitOpError() << "argument " << index << " of type " << arg
                           << " does not fit input type " << declared
                           << " of graph '" << getCallee() << "'";
  return success();
}

LogicalResult FuncRefOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  if (!symbolTable.lookupNearestSymbolFrom<func::FuncOp>(*this, getGraphAttr()))
    return emitOpError() << "'" << getGraph() << "' does not name a graph";
  return success();
}

LogicalResult PrimitiveGenericOp::verify() {
  if (getPrimitive().empty())
    return emitOpError() << "needs a primitive name";
  return success();
}

//===----------------------------------------------------------------------===//
// MatMul and BatchMatMul
//===----------------------------------------------------------------------===//

/// Infers [..., M, N] from [..., M, K] x [..., K, N], the operands' last two
/// dimensions swapped first when their flags are set.
static LogicalResult inferMatMulType(std::optional<Location> location,
                                     RankedTensorType lhs, RankedTensorType rhs,
                                     bool transposeA, bool transposeB,
                                     bool batched,
                                     SmallVectorImpl<Type> &inferred) {
  if (!batched && (lhs.getRank() != 2 || rhs.getRank() != 2))
    return emitOptionalError(location, "operands must be 2-d, got ranks ",
                             lhs.getRank(), " and ", rhs.getRank());
  if (batched && (lhs.getRank() < 2 || rhs.getRank() < 2))
    return emitOptionalError(location,
                             "operands must have rank 2 or more, got ranks ",
                             lhs.getRank(), " and ", rhs.getRank());
  if (lhs.getElementType() != rhs.getElementType())
    return emitOptionalError(location, "operand element types ",
                             lhs.getElementType(), " and ",
                             rhs.getElementType(), " differ");

  ArrayRef<int64_t> a = lhs.getShape(), b = rhs.getShape();
  int64_t m = a[a.size() - (transposeA ? 1 : 2)];
  int64_t ka = a[a.size() - (transposeA ? 2 : 1)];
  int64_t kb = b[b.size() - (transposeB ? 1 : 2)];
  int64_t n = b[b.size() - (transposeB ? 2 : 1)];
  if (!compatible(ka, kb))
    return emitOptionalError(location, "contracting dimensions differ: ", ka,
                             " in x1 ", shapeString(a), " and ", kb, " in x2 ",
                             shapeString(b));

  SmallVector<int64_t> shape;
  if (batched) {
    SmallVector<Type> batch;
    auto batchType = [](ArrayRef<int64_t> shape, Type element) {
      return RankedTensorType::get(shape.drop_back(2), element);
    };
    if (failed(inferBroadcastType(location, batchType(a, lhs.getElementType()),
                                  batchType(b, lhs.getElementType()), batch)))
      return failure();
    llvm::append_range(shape, cast<RankedTensorType>(batch[0]).getShape());
  }
  shape.push_back(m);
  shape.push_back(n);
  inferred.push_back(RankedTensorType::get(shape, lhs.getElementType()));
  return success();
}

LogicalResult MatMulOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> location,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  return inferMatMulType(location,
                         cast<RankedTensorType>(adaptor.getX1().getType()),
                         cast<RankedTensorType>(adaptor.getX2().getType()),
                         adaptor.getTransposeA(), adaptor.getTransposeB(),
                         /*batched=*/false, inferred);
}

LogicalResult BatchMatMulOp::inferReturnTypes(MLIRContext *,
                                              std::optional<Location> location,
                                              Adaptor adaptor,
                                              SmallVectorImpl<Type> &inferred) {
  return inferMatMulType(location,
                         cast<RankedTensorType>(adaptor.getX1().getType()),
                         cast<RankedTensorType>(adaptor.getX2().getType()),
                         adaptor.getTransposeA(), adaptor.getTransposeB(),
                         /*batched=*/true, inferred);
}

//===----------------------------------------------------------------------===//
// Cast and BiasAdd
//===----------------------------------------------------------------------===//

LogicalResult CastOp::inferReturnTypes(MLIRContext *,
                                       std::optional<Location> location,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &inferred) {
  Type element = adaptor.getDstType();
  if (!isa<IntegerType, FloatType>(element))
    return emitOptionalError(location, "dst_type ", element,
                             " is not an integer or float type");
  auto type = cast<RankedTensorType>(adaptor.getX().getType());
  inferred.push_back(type.clone(element));
  return success();
}

/// The channel dimension of a BiasAdd input of `rank` dimensions.
static int64_t channelDim(StringRef dataFormat, int64_t rank) {
  return dataFormat == "NHWC" ? rank - 1 : 1;
}

int64_t BiasAddOp::getChannelDim() {
  return channelDim(getDataFormat(), getX().getType().getRank());
}

LogicalResult BiasAddOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> location,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &inferred) {
  auto x = cast<RankedTensorType>(adaptor.getX().getType());
  auto b = cast<RankedTensorType>(adaptor.getB().getType());
  StringRef format = adaptor.getDataFormat();
  if (format != "NCHW" && format != "NHWC" && format != "NCDHW")
    return emitOptionalError(location, "data_format \"", format,
                             "\" is not NCHW, NHWC or NCDHW");
  if (x.getRank() < 2)
    return emitOptionalError(location, "x must have rank 2 or more, got ",
                             x.getRank());
  if (b.getRank() != 1)
    return emitOptionalError(location, "b must be 1-d, got rank ", b.getRank());
  int64_t channel = channelDim(format, x.getRank());
  if (!compatible(x.getDimSize(channel), b.getDimSize(0)))
    return emitOptionalError(location, "b has ", b.getDimSize(0),
                             " elements but dimension ", channel, " of x ",
                             shapeString(x.getShape()), " has ",
                             x.getDimSize(channel));
  if (x.getElementType() != b.getElementType())
    return emitOptionalError(location, "operand element types ",
                             x.getElementType(), " and ", b.getElementType(),
                             " differ");
  inferred.push_back(x);
  return success();
}

//===----------------------------------------------------------------------===//
// Softmax, LayerNorm and RmsNorm
//===----------------------------------------------------------------------===//

LogicalResult SoftmaxOp::verify() {
  if (getAxis().empty())
    return emitOpError() << "axis must not be empty";
  SmallVector<Type> reduced;
  return inferReduceType(getLoc(), getX().getType(), getAxis(),
                         /*keepDims=*/false, reduced);
}

int64_t LayerNormOp::getNormAxis() {
  int64_t axis = getBeginNormAxis();
  return axis < 0 ? axis + getX().getType().getRank() : axis;
}

int64_t LayerNormOp::getParamsAxis() {
  int64_t axis = getBeginParamsAxis();
  return axis < 0 ? axis + getX().getType().getRank() : axis;
}

/// The shape of `x` with extent 1 in every dimension from `from` on.
static RankedTensorType statisticsType(RankedTensorType x, int64_t from,
                                       Type element) {
  SmallVector<int64_t> shape(x.getShape());
  for (int64_t dim = from; dim < x.getRank(); ++dim)
    shape[dim] = 1;
  return RankedTensorType::get(shape, element);
}

/// Checks that `param` has the shape of `x` from dimension `from` on.
static LogicalResult verifyTrailingShape(std::optional<Location> location,
                                         StringRef name, RankedTensorType param,
                                         RankedTensorType x, int64_t from) {
  ArrayRef<int64_t> expected = x.getShape().drop_front(from);
  ArrayRef<int64_t> actual = param.getShape();
  bool fits = expected.size() == actual.size() &&
              llvm::all_of(llvm::zip_equal(expected, actual), [](auto pair) {
                return compatible(std::get<0>(pair), std::get<1>(pair));
              });
  if (!fits)
    return emitOptionalError(location, name, " has shape ", shapeString(actual),
                             " but x ", shapeString(x.getShape()), " needs ",
                             shapeString(expected));
  return success();
}

LogicalResult LayerNormOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> location,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  auto x = cast<RankedTensorType>(adaptor.getX().getType());
  int64_t rank = x.getRank();
  FailureOr<int64_t> normAxis = normalizeAxis(
      location, adaptor.getBeginNormAxis(), rank, "begin_norm_axis");
  if (failed(normAxis))
    return failure();
  FailureOr<int64_t> paramsAxis = normalizeAxis(
      location, adaptor.getBeginParamsAxis(), rank, "begin_params_axis");
  if (failed(paramsAxis))
    return failure();
  if (failed(verifyTrailingShape(
          location, "gamma",
          cast<RankedTensorType>(adaptor.getGamma().getType()), x,
          *paramsAxis)) ||
      failed(verifyTrailingShape(
          location, "beta", cast<RankedTensorType>(adaptor.getBeta().getType()),
          x, *paramsAxis)))
    return failure();
  RankedTensorType stats = statisticsType(x, *normAxis, x.getElementType());
  inferred.append({x, stats, stats});
  return success();
}

LogicalResult RmsNormOp::inferReturnTypes(MLIRContext *context,
                                          std::optional<Location> location,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &inferred) {
  auto x = cast<RankedTensorType>(adaptor.getX().getType());
  auto gamma = cast<RankedTensorType>(adaptor.getGamma().getType());
  if (gamma.getRank() < 1 || gamma.getRank() > x.getRank())
    return emitOptionalError(location, "gamma of rank ", gamma.getRank(),
                             " does not fit x of rank ", x.getRank());
  int64_t from = x.getRank() - gamma.getRank();
  if (failed(verifyTrailingShape(location, "gamma", gamma, x, from)))
    return failure();
  inferred.push_back(x);
  inferred.push_back(statisticsType(x, from, Float32Type::get(context)));
  return success();
}

//===----------------------------------------------------------------------===//
// Gather, Reshape, Transpose
//===----------------------------------------------------------------------===//

LogicalResult GatherOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> location,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  auto params = cast<RankedTensorType>(adaptor.getParams().getType());
  auto indices = cast<RankedTensorType>(adaptor.getIndices().getType());
  FailureOr<int64_t> axis =
      normalizeAxis(location, adaptor.getAxis(), params.getRank(), "axis");
  if (failed(axis))
    return failure();
  int64_t batchDims = adaptor.getBatchDims();
  if (batchDims < 0)
    batchDims += indices.getRank();
  if (batchDims < 0 || batchDims > *axis || batchDims > indices.getRank())
    return emitOptionalError(location, "batch_dims ", adaptor.getBatchDims(),
                             " must lie between 0 and min(axis ", *axis,
                             ", rank of indices ", indices.getRank(), ")");
  SmallVector<int64_t> shape(params.getShape().take_front(*axis));
  llvm::append_range(shape, indices.getShape().drop_front(batchDims));
  llvm::append_range(shape, params.getShape().drop_front(*axis + 1));
  inferred.push_back(RankedTensorType::get(shape, params.getElementType()));
  return success();
}

LogicalResult ReshapeOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> location,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &inferred) {
  auto x = cast<RankedTensorType>(adaptor.getX().getType());
  SmallVector<int64_t> shape(adaptor.getShape());
  int64_t known = 1;
  std::optional<size_t> inferredDim;
  for (auto [dim, extent] : llvm::enumerate(shape)) {
    if (extent == -1) {
      if (inferredDim)
        return emitOptionalError(location, "shape ",
                                 shapeString(adaptor.getShape()),
                                 " has more than one -1");
      inferredDim = dim;
      continue;
    }
    if (extent < 0)
      return emitOptionalError(location, "shape ",
                               shapeString(adaptor.getShape()),
                               " has a negative extent");
    known *= extent;
  }

  if (!x.hasStaticShape()) {
    if (inferredDim)
      shape[*inferredDim] = kDynamic;
  } else {
    int64_t count = x.getNumElements();
    if (inferredDim) {
      if (known == 0 || count % known != 0)
        return emitOptionalError(location, "cannot reshape ",
                                 shapeString(x.getShape()), " to ",
                                 shapeString(adaptor.getShape()));
      shape[*inferredDim] = count / known;
    } else if (known != count) {
      return emitOptionalError(
          location, "cannot reshape ", shapeString(x.getShape()), " (", count,
          " elements) to ", shapeString(shape), " (", known, " elements)");
    }
  }
  inferred.push_back(RankedTensorType::get(shape, x.getElementType()));
  return success();
}

LogicalResult TransposeOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> location,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  auto x = cast<RankedTensorType>(adaptor.getX().getType());
  ArrayRef<int64_t> perm = adaptor.getPerm();
  if (static_cast<int64_t>(perm.size()) != x.getRank())
    return emitOptionalError(location, "perm ", shapeString(perm), " has ",
                             perm.size(), " entries but x has rank ",
                             x.getRank());
  llvm::SmallBitVector seen(perm.size());
  SmallVector<int64_t> shape;
  for (int64_t dim : perm) {
    if (dim < 0 || dim >= x.getRank() || seen.test(dim))
      return emitOptionalError(location, "perm ", shapeString(perm),
                               " is not a permutation of 0 to ",
                               x.getRank() - 1);
    seen.set(dim);
    shape.push_back(x.getDimSize(dim));
  }
  inferred.push_back(RankedTensorType::get(shape, x.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// Concat, Split, StridedSlice
//===----------------------------------------------------------------------===//

LogicalResult ConcatOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> location,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  ValueRange inputs = adaptor.getInputs();
  if (inputs.empty())
    return emitOptionalError(location, "needs at least one input");
  auto first = cast<RankedTensorType>(inputs.front().getType());
  FailureOr<int64_t> axis =
      normalizeAxis(location, adaptor.getAxis(), first.getRank(), "axis");
  if (failed(axis))
    return failure();

  SmallVector<int64_t> shape(first.getShape());
  for (auto [index, input] : llvm::enumerate(inputs.drop_front())) {
    auto type = cast<RankedTensorType>(input.getType());
    if (type.getRank() != first.getRank() ||
        type.getElementType() != first.getElementType())
      return emitOptionalError(location, "input ", index + 1, " of type ", type,
                               " does not match input 0 of type ", first);
    for (int64_t dim = 0; dim < first.getRank(); ++dim) {
      int64_t extent = type.getDimSize(dim);
      if (dim == *axis) {
        shape[dim] = isDynamic(shape[dim]) || isDynamic(extent)
                         ? kDynamic
                         : shape[dim] + extent;
        continue;
      }
      if (!compatible(shape[dim], extent))
        return emitOptionalError(
            location, "input ", index + 1, " has shape ",
            shapeString(type.getShape()), " but input 0 has ",
            shapeString(first.getShape()), " outside axis ", *axis);
    }
  }
  inferred.push_back(RankedTensorType::get(shape, first.getElementType()));
  return success();
}

LogicalResult SplitOp::inferReturnTypes(MLIRContext *,
                                        std::optional<Location> location,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &inferred) {
  auto x = cast<RankedTensorType>(adaptor.getX().getType());
  FailureOr<int64_t> axis =
      normalizeAxis(location, adaptor.getAxis(), x.getRank(), "axis");
  if (failed(axis))
    return failure();
  int64_t count = adaptor.getOutputNum();
  if (count < 1)
    return emitOptionalError(location, "output_num ", count,
                             " must be 1 or more");
  SmallVector<int64_t> shape(x.getShape());
  if (!isDynamic(shape[*axis])) {
    if (shape[*axis] % count != 0)
      return emitOptionalError(location, "dimension ", *axis, " of x ",
                               shapeString(x.getShape()),
                               " does not split into ", count, " equal pieces");
    shape[*axis] /= count;
  }
  inferred.append(count, RankedTensorType::get(shape, x.getElementType()));
  return success();
}

LogicalResult StridedSliceOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> location, Adaptor adaptor,
    SmallVectorImpl<Type> &inferred) {
  auto x = cast<RankedTensorType>(adaptor.getX().getType());
  ArrayRef<int64_t> begin = adaptor.getBegin(), end = adaptor.getEnd(),
                    strides = adaptor.getStrides();
  if (begin.size() != end.size() || begin.size() != strides.size())
    return emitOptionalError(location, "begin, end and strides have ",
                             begin.size(), ", ", end.size(), " and ",
                             strides.size(), " entries; they must agree");
  if (static_cast<int64_t>(begin.size()) > x.getRank())
    return emitOptionalError(location, "begin has ", begin.size(),
                             " entries but x has rank ", x.getRank());
  if (adaptor.getEllipsisMask() != 0 || adaptor.getNewAxisMask() != 0)
    return emitOptionalError(location,
                             "ellipsis_mask and new_axis_mask must be 0");

  SmallVector<int64_t> shape;
  for (int64_t dim = 0; dim < x.getRank(); ++dim) {
    int64_t extent = x.getDimSize(dim);
    if (dim >= static_cast<int64_t>(begin.size())) {
      shape.push_back(extent);
      continue;
    }
    bool shrink = (adaptor.getShrinkAxisMask() >> dim) & 1;
    int64_t stride = strides[dim];
    if (stride == 0)
      return emitOptionalError(location, "stride of dimension ", dim, " is 0");
    if (shrink)
      continue;
    if (isDynamic(extent)) {
      shape.push_back(kDynamic);
      continue;
    }
    int64_t b = begin[dim], e = end[dim];
    if ((adaptor.getBeginMask() >> dim) & 1)
      b = stride > 0 ? 0 : extent - 1;
    else if (b < 0)
      b += extent;
    bool endMasked = (adaptor.getEndMask() >> dim) & 1;
    if (endMasked)
      e = stride > 0 ? extent : -1;
    else if (e < 0)
      e += extent;
    int64_t count;
    if (stride > 0) {
      b = std::clamp<int64_t>(b, 0, extent);
      e = std::clamp<int64_t>(e, 0, extent);
      count = e > b ? (e - b + stride - 1) / stride : 0;
    } else {
      b = std::clamp<int64_t>(b, -1, extent - 1);
      e = std::clamp<int64_t>(e, -1, extent - 1);
      count = b > e ? (b - e - stride - 1) / -stride : 0;
    }
    shape.push_back(count);
  }
  inferred.push_back(RankedTensorType::get(shape, x.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// RedistributeOp
//===----------------------------------------------------------------------===//

LogicalResult RedistributeOp::verify() {
  ArrayRef<int64_t> shape = getX().getType().getShape();
  for (auto [name, layout] :
       {std::pair("from", getFrom()), std::pair("to", getTo())}) {
    TensorLayout tensorLayout = layout.getTensorLayout();
    if (llvm::Error error = tensorLayout.verifyShape(shape))
      return emitOpError() << "layout '" << name << "' does not fit the value: "
                           << llvm::toString(std::move(error));
  }
  int64_t from = getFrom().getTensorLayout().deviceCount();
  int64_t to = getTo().getTensorLayout().deviceCount();
  if (from != to)
    return emitOpError() << "moves a value from " << from << " to " << to
                         << " devices; both layouts must have the same";
  return success();
}

//===----------------------------------------------------------------------===//
// Collectives
//===----------------------------------------------------------------------===//

/// Checks what every collective needs: a group name and its ranks in
/// ascending order.
static LogicalResult verifyGroup(Operation *op, StringRef group,
                                 ArrayRef<int64_t> ranks) {
  if (group.empty())
    return op->emitOpError() << "needs a group name";
  if (ranks.empty())
    return op->emitOpError() << "group '" << group << "' has no ranks";
  for (auto [index, rank] : llvm::enumerate(ranks)) {
    if (rank < 0)
      return op->emitOpError()
             << "group '" << group << "' has negative rank " << rank;
    if (index > 0 && ranks[index - 1] >= rank)
      return op->emitOpError()
             << "group '" << group << "' ranks " << shapeString(ranks)
             << " are not in ascending order without repeats";
  }
  return success();
}

static LogicalResult verifyReduction(Operation *op, StringRef reduction) {
  if (reduction != "sum" && reduction != "max" && reduction != "min" &&
      reduction != "prod")
    return op->emitOpError()
           << "op \"" << reduction << "\" is not one of sum, max, min, prod";
  return success();
}

LogicalResult AllReduceOp::verify() {
  if (failed(verifyGroup(*this, getGroup(), getGroupRanks())))
    return failure();
  return verifyReduction(*this, getOp());
}

LogicalResult AllReduceOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location>,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  inferred.push_back(adaptor.getX().getType());
  return success();
}

LogicalResult AllGatherOp::verify() {
  return verifyGroup(*this, getGroup(), getGroupRanks());
}

LogicalResult AllGatherOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> location,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  auto x = cast<RankedTensorType>(adaptor.getX().getType());
  if (x.getRank() < 1)
    return emitOptionalError(location, "x must have rank 1 or more");
  SmallVector<int64_t> shape(x.getShape());
  int64_t ranks = adaptor.getGroupRanks().size();
  if (!isDynamic(shape[0]))
    shape[0] *= ranks;
  inferred.push_back(x.clone(shape));
  return success();
}

LogicalResult ReduceScatterOp::verify() {
  if (failed(verifyGroup(*this, getGroup(), getGroupRanks())))
    return failure();
  return verifyReduction(*this, getOp());
}

LogicalResult ReduceScatterOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> location, Adaptor adaptor,
    SmallVectorImpl<Type> &inferred) {
  auto x = cast<RankedTensorType>(adaptor.getX().getType());
  if (x.getRank() < 1)
    return emitOptionalError(location, "x must have rank 1 or more");
  SmallVector<int64_t> shape(x.getShape());
  int64_t ranks = adaptor.getGroupRanks().size();
  if (!isDynamic(shape[0])) {
    if (ranks == 0 || shape[0] % ranks != 0)
      return emitOptionalError(location, "dimension 0 of x ",
                               shapeString(x.getShape()),
                               " does not split among ", ranks, " ranks");
    shape[0] /= ranks;
  }
  inferred.push_back(x.clone(shape));
  return success();
}

LogicalResult AlltoAllOp::verify() {
  if (failed(verifyGroup(*this, getGroup(), getGroupRanks())))
    return failure();
  if (static_cast<int64_t>(getSplitCount()) != getRankSize())
    return emitOpError() << "split_count " << getSplitCount()
                         << " differs from the " << getRankSize()
                         << " ranks of group '" << getGroup() << "'";
  return success();
}

LogicalResult AlltoAllOp::inferReturnTypes(MLIRContext *,
                                           std::optional<Location> location,
                                           Adaptor adaptor,
                                           SmallVectorImpl<Type> &inferred) {
  auto x = cast<RankedTensorType>(adaptor.getX().getType());
  int64_t count = adaptor.getSplitCount();
  if (count < 1)
    return emitOptionalError(location, "split_count ", count,
                             " must be 1 or more");
  FailureOr<int64_t> splitDim =
      normalizeAxis(location, adaptor.getSplitDim(), x.getRank(), "split_dim");
  if (failed(splitDim))
    return failure();
  FailureOr<int64_t> concatDim = normalizeAxis(location, adaptor.getConcatDim(),
                                               x.getRank(), "concat_dim");
  if (failed(concatDim))
    return failure();
  SmallVector<int64_t> shape(x.getShape());
  if (!isDynamic(shape[*splitDim])) {
    if (shape[*splitDim] % count != 0)
      return emitOptionalError(location, "dimension ", *splitDim, " of x ",
                               shapeString(x.getShape()),
                               " does not split into ", count, " pieces");
    shape[*splitDim] /= count;
  }
  if (!isDynamic(shape[*concatDim]))
    shape[*concatDim] *= count;
  inferred.push_back(x.clone(shape));
  return success();
}

#define GET_OP_CLASSES
#include "MindIR/MindIROps.cpp.inc"
