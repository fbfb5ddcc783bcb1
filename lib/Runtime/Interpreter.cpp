//===- Interpreter.cpp - the reference executor ---------------------------===//
//
// Part of mindshard. Straightforward loops over row-major float32 data: the
// executor is a reference, written to be read and checked, not to be fast.
//
//===----------------------------------------------------------------------===//

#include "mindshard/Runtime/Interpreter.h"

#include "MindIR/MindIR.h"
#include "mindshard/Layout/TensorLayout.h"
#include "mindshard/Target/MindIR.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallBitVector.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>
#include <cstring>
#include <thread>
#include <variant>

using namespace mlir;
using namespace mindshard;
using namespace mindshard::mindir;

ParameterValues::~ParameterValues() = default;

namespace {

/// A value while a graph runs: a tensor, a tuple, or nothing (a monad).
struct RuntimeValue;
using Tuple = std::vector<RuntimeValue>;
struct RuntimeValue {
  std::variant<std::monostate, HostTensor, std::shared_ptr<Tuple>> value;
  const HostTensor *tensor() const { return std::get_if<HostTensor>(&value); }
};

/// "file:line:col: 'mindir.Op': message".
llvm::Error runError(Operation *op, const llvm::Twine &message) {
  std::string text;
  llvm::raw_string_ostream os(text);
  // The file position, else the MindIR node the op was imported from.
  if (!printSourceLocation(op->getLoc(), os)) {
    if (auto name = dyn_cast<NameLoc>(op->getLoc()))
      os << "node " << name.getName().getValue();
    else
      op->getLoc().print(os);
  }
  os << ": '" << op->getName() << "': " << message;
  return llvm::createStringError(llvm::inconvertibleErrorCode(), text);
}

DType dtypeOf(Type type) {
  if (auto shaped = dyn_cast<ShapedType>(type))
    type = shaped.getElementType();
  return getDType(type).value_or(DType::Float32);
}

SmallVector<int64_t, 4> stridesOf(ArrayRef<int64_t> shape) {
  return rowMajorStrides(shape);
}

/// Calls `fn(outIndex, aIndex, bIndex)` for every element of the broadcast
/// of `a` and `b` (shapes aligned from the right).
SmallVector<int64_t, 4> broadcastShape(ArrayRef<int64_t> a,
                                       ArrayRef<int64_t> b) {
  size_t rank = std::max(a.size(), b.size());
  SmallVector<int64_t, 4> shape(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t x = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t y = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    shape[i] = x == 1 ? y : x;
  }
  return shape;
}

/// The element index into a tensor of `shape`, broadcast to `outShape`, for
/// the output index `index`.
struct BroadcastIndexer {
  BroadcastIndexer(ArrayRef<int64_t> shape, ArrayRef<int64_t> outShape) {
    SmallVector<int64_t, 4> strides = stridesOf(shape);
    size_t offset = outShape.size() - shape.size();
    steps.assign(outShape.size(), 0);
    for (size_t i = 0; i < shape.size(); ++i)
      if (shape[i] != 1)
        steps[offset + i] = strides[i];
  }
  SmallVector<int64_t, 4> steps;
};

HostTensor binary(const HostTensor &a, const HostTensor &b, DType dtype,
                  llvm::function_ref<float(float, float)> fn) {
  SmallVector<int64_t, 4> shape = broadcastShape(a.shape, b.shape);
  HostTensor out(dtype, shape);
  BroadcastIndexer ia(a.shape, shape), ib(b.shape, shape);
  SmallVector<int64_t, 4> index(shape.size(), 0);
  int64_t offA = 0, offB = 0;
  for (int64_t i = 0, e = out.numElements(); i < e; ++i) {
    out.data[i] = fn(a.data[offA], b.data[offB]);
    // Advance the multi-index like an odometer.
    for (size_t d = shape.size(); d > 0; --d) {
      size_t dim = d - 1;
      offA += ia.steps[dim];
      offB += ib.steps[dim];
      if (++index[dim] < shape[dim])
        break;
      offA -= ia.steps[dim] * shape[dim];
      offB -= ib.steps[dim] * shape[dim];
      index[dim] = 0;
    }
  }
  return out;
}

HostTensor unary(const HostTensor &a, llvm::function_ref<float(float)> fn) {
  HostTensor out = a;
  for (float &value : out.data)
    value = fn(value);
  return out;
}

/// Rounds a value to what `dtype` can hold.
float roundTo(DType dtype, float value) {
  switch (dtype) {
  case DType::Float16:
  case DType::BFloat16: {
    HostTensor one(dtype, {});
    one.data[0] = value;
    return HostTensor::fromBytes(dtype, {}, one.toBytes())->data[0];
  }
  case DType::Bool:
    return value != 0;
  case DType::Float32:
  case DType::Float64:
    return value;
  default:
    return std::trunc(value);
  }
}

HostTensor transpose(const HostTensor &a, ArrayRef<int64_t> perm) {
  SmallVector<int64_t, 4> shape;
  for (int64_t dim : perm)
    shape.push_back(a.shape[dim]);
  HostTensor out(a.dtype, shape);
  SmallVector<int64_t, 4> in = stridesOf(a.shape);
  SmallVector<int64_t, 4> index(shape.size(), 0);
  for (int64_t i = 0, e = out.numElements(); i < e; ++i) {
    int64_t source = 0;
    for (size_t d = 0; d < shape.size(); ++d)
      source += index[d] * in[perm[d]];
    out.data[i] = a.data[source];
    for (size_t d = shape.size(); d > 0; --d) {
      if (++index[d - 1] < shape[d - 1])
        break;
      index[d - 1] = 0;
    }
  }
  return out;
}

enum class Reduction { Sum, Mean, Max, Min, Prod };

HostTensor reduce(const HostTensor &a, ArrayRef<int64_t> axes, bool keepDims,
                  Reduction kind) {
  int64_t rank = a.rank();
  llvm::SmallBitVector reduced(rank, axes.empty());
  for (int64_t axis : axes)
    reduced.set(axis < 0 ? axis + rank : axis);
  SmallVector<int64_t, 4> kept, shape;
  for (int64_t d = 0; d < rank; ++d) {
    kept.push_back(reduced.test(d) ? 1 : a.shape[d]);
    if (!reduced.test(d))
      shape.push_back(a.shape[d]);
    else if (keepDims)
      shape.push_back(1);
  }
  HostTensor out(a.dtype, kept);
  float initial = kind == Reduction::Max    ? -INFINITY
                  : kind == Reduction::Min  ? INFINITY
                  : kind == Reduction::Prod ? 1.0f
                                            : 0.0f;
  std::fill(out.data.begin(), out.data.end(), initial);
  SmallVector<int64_t, 4> outStrides = stridesOf(kept);
  SmallVector<int64_t, 4> index(rank, 0);
  int64_t count = a.numElements() / std::max<int64_t>(out.numElements(), 1);
  for (int64_t i = 0, e = a.numElements(); i < e; ++i) {
    int64_t target = 0;
    for (int64_t d = 0; d < rank; ++d)
      if (!reduced.test(d))
        target += index[d] * outStrides[d];
    float &slot = out.data[target];
    float value = a.data[i];
    switch (kind) {
    case Reduction::Sum:
    case Reduction::Mean:
      slot += value;
      break;
    case Reduction::Max:
      slot = std::max(slot, value);
      break;
    case Reduction::Min:
      slot = std::min(slot, value);
      break;
    case Reduction::Prod:
      slot *= value;
      break;
    }
    for (int64_t d = rank; d > 0; --d) {
      if (++index[d - 1] < a.shape[d - 1])
        break;
      index[d - 1] = 0;
    }
  }
  if (kind == Reduction::Mean)
    for (float &value : out.data)
      value /= count;
  out.shape = shape;
  return out;
}

HostTensor matmul(const HostTensor &a, const HostTensor &b, bool transposeA,
                  bool transposeB, DType dtype) {
  int64_t ra = a.rank(), rb = b.rank();
  int64_t m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  int64_t k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  int64_t n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  SmallVector<int64_t, 4> batch =
      broadcastShape(ArrayRef<int64_t>(a.shape).drop_back(2),
                     ArrayRef<int64_t>(b.shape).drop_back(2));
  SmallVector<int64_t, 4> shape(batch);
  shape.append({m, n});
  HostTensor out(dtype, shape);
  BroadcastIndexer ia(ArrayRef<int64_t>(a.shape).drop_back(2), batch);
  BroadcastIndexer ib(ArrayRef<int64_t>(b.shape).drop_back(2), batch);
  int64_t batches = product(batch);
  SmallVector<int64_t, 4> index(batch.size(), 0);
  int64_t sizeA = a.shape[ra - 1] * a.shape[ra - 2];
  int64_t sizeB = b.shape[rb - 1] * b.shape[rb - 2];
  for (int64_t t = 0; t < batches; ++t) {
    int64_t offA = 0, offB = 0;
    for (size_t d = 0; d < batch.size(); ++d) {
      offA += index[d] * ia.steps[d];
      offB += index[d] * ib.steps[d];
    }
    // The indexers count in elements of the batch dims; scale to matrices.
    const float *pa = a.data.data() + offA * sizeA;
    const float *pb = b.data.data() + offB * sizeB;
    float *po = out.data.data() + t * m * n;
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double sum = 0;
        for (int64_t l = 0; l < k; ++l) {
          float x = transposeA ? pa[l * m + i] : pa[i * k + l];
          float y = transposeB ? pb[j * k + l] : pb[l * n + j];
          sum += double(x) * y;
        }
        po[i * n + j] = sum;
      }
    for (size_t d = batch.size(); d > 0; --d) {
      if (++index[d - 1] < batch[d - 1])
        break;
      index[d - 1] = 0;
    }
  }
  return out;
}

HostTensor concat(ArrayRef<const HostTensor *> inputs, int64_t axis) {
  SmallVector<int64_t, 4> shape(inputs[0]->shape);
  if (axis < 0)
    axis += shape.size();
  shape[axis] = 0;
  for (const HostTensor *input : inputs)
    shape[axis] += input->shape[axis];
  HostTensor out(inputs[0]->dtype, shape);
  int64_t outer = product(ArrayRef<int64_t>(shape).take_front(axis));
  int64_t inner = product(ArrayRef<int64_t>(shape).drop_front(axis + 1));
  int64_t written = 0;
  for (int64_t o = 0; o < outer; ++o)
    for (const HostTensor *input : inputs) {
      int64_t block = input->shape[axis] * inner;
      std::copy_n(input->data.begin() + o * block, block,
                  out.data.begin() + written);
      written += block;
    }
  return out;
}

std::vector<HostTensor> split(const HostTensor &a, int64_t axis,
                              int64_t count) {
  if (axis < 0)
    axis += a.rank();
  SmallVector<int64_t, 4> shape(a.shape);
  shape[axis] /= count;
  int64_t outer = product(ArrayRef<int64_t>(a.shape).take_front(axis));
  int64_t inner = product(ArrayRef<int64_t>(a.shape).drop_front(axis + 1));
  int64_t block = shape[axis] * inner;
  std::vector<HostTensor> pieces(count, HostTensor(a.dtype, shape));
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t p = 0; p < count; ++p)
      std::copy_n(a.data.begin() + (o * count + p) * block, block,
                  pieces[p].data.begin() + o * block);
  return pieces;
}

bool isCollective(StringRef name) {
  return name == "AllReduce" || name == "AllGather" ||
         name == "ReduceScatter" || name == "AlltoAll";
}

float gelu(float x) {
  return 0.5f * x *
         (1.0f + std::tanh(std::sqrt(2.0f / float(M_PI)) *
                           (x + 0.044715f * x * x * x)));
}

float fastGelu(float x) {
  return x / (1.0f + std::exp(-1.702f * std::fabs(x))) *
         std::exp(0.851f * (x - std::fabs(x)));
}

float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

} // namespace

llvm::Expected<HostTensor> mindshard::tensorFromAttr(Attribute value,
                                                     Type type) {
  auto shaped = dyn_cast<ShapedType>(type);
  DType dtype = dtypeOf(type);
  if (auto dense = dyn_cast<DenseElementsAttr>(value)) {
    HostTensor out(dtype, shaped.getShape());
    if (dense.getElementType().isInteger(1)) {
      for (auto [i, bit] : llvm::enumerate(dense.getValues<bool>()))
        out.data[i] = bit;
    } else if (isa<FloatType>(dense.getElementType())) {
      for (auto [i, number] : llvm::enumerate(dense.getValues<APFloat>()))
        out.data[i] = number.convertToDouble();
    } else {
      bool isUnsigned = dense.getElementType().isUnsignedInteger();
      for (auto [i, number] : llvm::enumerate(dense.getValues<APInt>()))
        out.data[i] = isUnsigned ? double(number.getZExtValue())
                                 : double(number.getSExtValue());
    }
    return out;
  }
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "a resource blob is missing");
    ArrayRef<char> data = blob->getData();
    return HostTensor::fromBytes(
        dtype, shaped.getShape(),
        ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(data.data()),
                          data.size()));
  }
  HostTensor scalar(dtype, {});
  if (auto integer = dyn_cast<IntegerAttr>(value))
    scalar.data[0] = integer.getValue().getSExtValue();
  else if (auto floating = dyn_cast<FloatAttr>(value))
    scalar.data[0] = floating.getValueAsDouble();
  else if (auto boolean = dyn_cast<BoolAttr>(value))
    scalar.data[0] = boolean.getValue();
  else
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "the value is not a tensor or a number");
  return scalar;
}

namespace {

/// Runs one graph.
class GraphRunner {
public:
  /// `caller` runs the graph that calls this one, if any: the free
  /// variables of a closure read its values, and its caller's, by name.
  GraphRunner(const RunOptions &options, const GraphRunner *caller = nullptr)
      : options(options), caller(caller) {}
  llvm::Expected<std::vector<RuntimeValue>>
  run(func::FuncOp graph, std::vector<RuntimeValue> arguments);

private:
  /// The value named `name` (`mindir.name`) that this graph or a graph
  /// calling it has computed, innermost first; null if none has.
  const RuntimeValue *lookupNamed(StringRef name) const;
  llvm::Error step(Operation *op);
  /// An error if a result the op computed has another shape than its type
  /// says: a wrong program, or a kernel of the executor's at fault.
  llvm::Error checkResultShapes(Operation *op);
  llvm::Expected<const HostTensor *> tensor(mlir::Value value, Operation *op);
  void set(mlir::Value value, HostTensor tensor) {
    values[value] = RuntimeValue{std::move(tensor)};
  }
  llvm::Error collective(Operation *op, StringRef kind);
  llvm::Error generic(PrimitiveGenericOp op);

  const RunOptions &options;
  const GraphRunner *caller;
  llvm::DenseMap<mlir::Value, RuntimeValue> values;
};

} // namespace

const RuntimeValue *GraphRunner::lookupNamed(StringRef name) const {
  // The values computed so far: this graph's inputs and the results of the
  // ops before the one that asks.
  for (const auto &[value, runtime] : values)
    if (StringAttr named = getValueName(value);
        named && named.getValue() == name)
      return &runtime;
  return caller ? caller->lookupNamed(name) : nullptr;
}

llvm::Expected<const HostTensor *> GraphRunner::tensor(mlir::Value value,
                                                       Operation *op) {
  auto it = values.find(value);
  if (it == values.end() || !it->second.tensor())
    return runError(op, "an operand is not a tensor the executor holds");
  return it->second.tensor();
}

llvm::Error GraphRunner::collective(Operation *op, StringRef kind) {
  if (!options.collectives)
    return runError(op, "a collective needs the devices of its group; run "
                        "the per-device programs together");
  llvm::Expected<const HostTensor *> input = tensor(op->getOperand(0), op);
  if (!input)
    return input.takeError();
  auto groupAttr = op->getAttrOfType<StringAttr>("group");
  if (!groupAttr)
    return runError(op, "the collective names no group");
  StringRef group = groupAttr.getValue();
  SmallVector<int64_t> ranks;
  if (auto listed = op->getAttrOfType<DenseI64ArrayAttr>("group_ranks")) {
    llvm::append_range(ranks, listed.asArrayRef());
  } else if (options.groups && options.groups->count(group.str())) {
    llvm::append_range(ranks, options.groups->at(group.str()));
  } else {
    return runError(op, "the ranks of group '" + group +
                            "' are unknown; give the group file");
  }
  if (!llvm::is_contained(ranks, options.rank))
    return runError(op, llvm::formatv("rank {0} is not in group '{1}' {2}",
                                      options.rank, group, formatList(ranks)));
  auto stringAttr = [&](StringRef name, StringRef fallback) {
    auto attr = op->getAttrOfType<StringAttr>(name);
    return attr ? attr.getValue() : fallback;
  };
  auto intAttr = [&](StringRef name, int64_t fallback) {
    auto attr = op->getAttrOfType<IntegerAttr>(name);
    return attr ? attr.getInt() : fallback;
  };
  Collectives &comm = *options.collectives;
  llvm::Expected<HostTensor> result = [&] {
    if (kind == "AllReduce")
      return comm.allReduce(options.rank, group, ranks, stringAttr("op", "sum"),
                            **input);
    if (kind == "AllGather")
      return comm.allGather(options.rank, group, ranks, **input);
    if (kind == "ReduceScatter")
      return comm.reduceScatter(options.rank, group, ranks,
                                stringAttr("op", "sum"), **input);
    return comm.allToAll(options.rank, group, ranks, intAttr("split_dim", 0),
                         intAttr("concat_dim", 0), **input);
  }();
  if (!result)
    return runError(op, llvm::toString(result.takeError()));
  set(op->getResult(0), std::move(*result));
  return llvm::Error::success();
}

llvm::Error GraphRunner::generic(PrimitiveGenericOp op) {
  StringRef name = op.getPrimitive();
  if (isCollective(name) && op.getNumOperands() >= 1 && op.getNumResults() == 1)
    return collective(op, name);
  if (op.getNumResults() != 1)
    return runError(op, "the executor cannot run primitive '" + name + "'");
  DType dtype = dtypeOf(op.getResult(0).getType());
  auto binaryOp = [&](auto fn) -> llvm::Error {
    if (op.getNumOperands() != 2)
      return runError(op, "'" + name + "' takes two operands");
    llvm::Expected<const HostTensor *> a = tensor(op.getOperand(0), op);
    if (!a)
      return a.takeError();
    llvm::Expected<const HostTensor *> b = tensor(op.getOperand(1), op);
    if (!b)
      return b.takeError();
    set(op.getResult(0), binary(**a, **b, dtype, fn));
    return llvm::Error::success();
  };
  if (name == "Minimum")
    return binaryOp([](float x, float y) { return std::min(x, y); });
  if (name == "Maximum")
    return binaryOp([](float x, float y) { return std::max(x, y); });
  if (name == "Equal")
    return binaryOp([](float x, float y) { return float(x == y); });
  if (name == "NotEqual")
    return binaryOp([](float x, float y) { return float(x != y); });
  if (name == "Less")
    return binaryOp([](float x, float y) { return float(x < y); });
  if (name == "Greater")
    return binaryOp([](float x, float y) { return float(x > y); });
  if (name == "Div")
    return binaryOp([](float x, float y) { return x / y; });
  auto unaryOp = [&](auto fn) -> llvm::Error {
    llvm::Expected<const HostTensor *> a = tensor(op.getOperand(0), op);
    if (!a)
      return a.takeError();
    HostTensor out = unary(**a, fn);
    out.dtype = dtype;
    set(op.getResult(0), std::move(out));
    return llvm::Error::success();
  };
  if (name == "Abs")
    return unaryOp([](float x) { return std::fabs(x); });
  if (name == "Log")
    return unaryOp([](float x) { return std::log(x); });
  if (name == "Square")
    return unaryOp([](float x) { return x * x; });
  if (name == "Rsqrt")
    return unaryOp([](float x) { return 1.0f / std::sqrt(x); });
  if (name == "ExpandDims" && op.getNumOperands() >= 1) {
    llvm::Expected<const HostTensor *> a = tensor(op.getOperand(0), op);
    if (!a)
      return a.takeError();
    HostTensor out = **a;
    auto type = dyn_cast<RankedTensorType>(op.getResult(0).getType());
    if (!type)
      return runError(op, "ExpandDims needs a ranked result");
    out.shape.assign(type.getShape().begin(), type.getShape().end());
    set(op.getResult(0), std::move(out));
    return llvm::Error::success();
  }
  return runError(op, "the executor cannot run primitive '" + name + "'");
}

llvm::Error GraphRunner::checkResultShapes(Operation *op) {
  for (mlir::Value result : op->getResults()) {
    auto type = dyn_cast<RankedTensorType>(result.getType());
    auto it = values.find(result);
    if (!type || !type.hasStaticShape() || it == values.end() ||
        !it->second.tensor())
      continue;
    ArrayRef<int64_t> shape = it->second.tensor()->shape;
    if (shape != type.getShape())
      return runError(op,
                      llvm::formatv("result {0} has shape {1}, not the "
                                    "{2} of its type",
                                    cast<OpResult>(result).getResultNumber(),
                                    formatList(shape), type));
  }
  return llvm::Error::success();
}

llvm::Error GraphRunner::step(Operation *op) {
  // Plumbing.
  // A copy first: inserting the result may grow `values` and move the
  // operand's entry.
  if (isa<LoadOp, DependOp>(op)) {
    RuntimeValue operand = values.lookup(op->getOperand(0));
    values[op->getResult(0)] = std::move(operand);
    return llvm::Error::success();
  }
  if (isa<UpdateStateOp>(op)) {
    values[op->getResult(0)] = RuntimeValue{};
    return llvm::Error::success();
  }
  if (isa<MakeTupleOp>(op)) {
    auto tuple = std::make_shared<Tuple>();
    for (mlir::Value operand : op->getOperands())
      tuple->push_back(values[operand]);
    values[op->getResult(0)] = RuntimeValue{tuple};
    return llvm::Error::success();
  }
  if (auto item = dyn_cast<TupleGetItemOp>(op)) {
    auto *tuple =
        std::get_if<std::shared_ptr<Tuple>>(&values[item.getTuple()].value);
    if (!tuple || item.getIndex() >= (*tuple)->size())
      return runError(op, "the operand is not a tuple with that element");
    RuntimeValue element = (**tuple)[item.getIndex()];
    values[item.getResult()] = std::move(element);
    return llvm::Error::success();
  }
  if (auto constant = dyn_cast<ConstantOp>(op)) {
    if (isa<UnitAttr>(constant.getValue())) {
      values[constant] = RuntimeValue{};
      return llvm::Error::success();
    }
    llvm::Expected<HostTensor> value =
        tensorFromAttr(constant.getValue(), constant.getType());
    if (!value)
      return runError(op, llvm::toString(value.takeError()));
    set(constant, std::move(*value));
    return llvm::Error::success();
  }
  if (auto read = dyn_cast<GetParameterOp>(op)) {
    auto type = dyn_cast<RankedTensorType>(read.getType());
    if (!type)
      return runError(op, "the parameter is not a tensor");
    llvm::Expected<HostTensor> value = [&]() -> llvm::Expected<HostTensor> {
      if (options.parameters)
        return options.parameters->get(read.getName(), type);
      auto parameter = SymbolTable::lookupNearestSymbolFrom<ParameterOp>(
          op, read.getNameAttr());
      if (!parameter || !parameter.getValue())
        return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                       "parameter '" + read.getName() +
                                           "' has no data");
      return tensorFromAttr(*parameter.getValue(), type);
    }();
    if (!value)
      return runError(op, llvm::toString(value.takeError()));
    if (value->shape != llvm::SmallVector<int64_t, 4>(type.getShape()))
      return runError(op, "parameter '" + read.getName() + "' has shape " +
                              formatList(value->shape) + ", not " +
                              formatList(type.getShape()));
    set(read, std::move(*value));
    return llvm::Error::success();
  }
  if (auto captured = dyn_cast<FreeVariableOp>(op)) {
    const RuntimeValue *value =
        caller ? caller->lookupNamed(captured.getName()) : nullptr;
    if (!value)
      return runError(op, "reads '" + captured.getName() +
                              "', which no graph on the call chain has "
                              "computed");
    values[captured.getResult()] = *value;
    return llvm::Error::success();
  }
  // TODO: run graphs applied as values (`mindir.apply` of a
  // `mindir.func_ref` or a partial application); such a network stops here
  // with "cannot run this op".
  if (auto call = dyn_cast<CallOp>(op)) {
    auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
        op, call.getCalleeAttr());
    std::vector<RuntimeValue> arguments;
    for (mlir::Value arg : call.getArgs())
      arguments.push_back(values[arg]);
    GraphRunner nested(options, this);
    llvm::Expected<std::vector<RuntimeValue>> results =
        nested.run(callee, std::move(arguments));
    if (!results)
      return results.takeError();
    for (auto [result, value] : llvm::zip_equal(call.getResults(), *results))
      values[result] = value;
    return llvm::Error::success();
  }
  if (isa<AllReduceOp, AllGatherOp, ReduceScatterOp, AlltoAllOp>(op))
    return collective(op, op->getName().stripDialect());
  if (auto primitive = dyn_cast<PrimitiveGenericOp>(op))
    return generic(primitive);

  // The primitives: their tensor operands first.
  SmallVector<const HostTensor *> in;
  for (mlir::Value operand : op->getOperands()) {
    llvm::Expected<const HostTensor *> value = tensor(operand, op);
    if (!value)
      return value.takeError();
    in.push_back(*value);
  }
  DType dtype = op->getNumResults() ? dtypeOf(op->getResult(0).getType())
                                    : DType::Float32;
  auto result = [&](HostTensor value) {
    value.dtype = dtype;
    set(op->getResult(0), std::move(value));
    return llvm::Error::success();
  };

  return llvm::TypeSwitch<Operation *, llvm::Error>(op)
      .Case([&](AddOp) {
        return result(binary(*in[0], *in[1], dtype,
                             [](float x, float y) { return x + y; }));
      })
      .Case([&](SubOp) {
        return result(binary(*in[0], *in[1], dtype,
                             [](float x, float y) { return x - y; }));
      })
      .Case([&](MulOp) {
        return result(binary(*in[0], *in[1], dtype,
                             [](float x, float y) { return x * y; }));
      })
      .Case([&](RealDivOp) {
        return result(binary(*in[0], *in[1], dtype,
                             [](float x, float y) { return x / y; }));
      })
      .Case([&](NegOp) {
        return result(unary(*in[0], [](float x) { return -x; }));
      })
      .Case([&](ReLUOp) {
        return result(unary(*in[0], [](float x) { return x > 0 ? x : 0.0f; }));
      })
      .Case([&](GeLUOp) { return result(unary(*in[0], gelu)); })
      .Case([&](FastGeLUOp) { return result(unary(*in[0], fastGelu)); })
      .Case([&](SiLUOp) {
        return result(unary(*in[0], [](float x) { return x * sigmoid(x); }));
      })
      .Case([&](SigmoidOp) { return result(unary(*in[0], sigmoid)); })
      .Case([&](TanhOp) {
        return result(unary(*in[0], [](float x) { return std::tanh(x); }));
      })
      .Case([&](ExpOp) {
        return result(unary(*in[0], [](float x) { return std::exp(x); }));
      })
      .Case([&](SqrtOp) {
        return result(unary(*in[0], [](float x) { return std::sqrt(x); }));
      })
      .Case([&](CastOp) {
        return result(
            unary(*in[0], [&](float x) { return roundTo(dtype, x); }));
      })
      .Case([&](BiasAddOp add) {
        // The bias, shaped to broadcast along the channel dimension.
        HostTensor bias = *in[1];
        int64_t channel = add.getChannelDim();
        bias.shape.assign(in[0]->rank() - channel, 1);
        bias.shape[0] = in[1]->shape[0];
        return result(binary(*in[0], bias, dtype,
                             [](float x, float y) { return x + y; }));
      })
      .Case([&](MatMulOp matmul) {
        return result(::matmul(*in[0], *in[1], matmul.getTransposeA(),
                               matmul.getTransposeB(), dtype));
      })
      .Case([&](BatchMatMulOp matmul) {
        return result(::matmul(*in[0], *in[1], matmul.getTransposeA(),
                               matmul.getTransposeB(), dtype));
      })
      .Case([&](SoftmaxOp softmax) {
        ArrayRef<int64_t> axes = softmax.getAxis();
        HostTensor max = reduce(*in[0], axes, true, Reduction::Max);
        HostTensor shifted = binary(*in[0], max, dtype, [](float x, float m) {
          return std::exp(x - m);
        });
        HostTensor sum = reduce(shifted, axes, true, Reduction::Sum);
        return result(binary(shifted, sum, dtype,
                             [](float x, float s) { return x / s; }));
      })
      .Case([&](LayerNormOp norm) {
        SmallVector<int64_t> axes;
        for (int64_t d = norm.getNormAxis(); d < in[0]->rank(); ++d)
          axes.push_back(d);
        HostTensor mean = reduce(*in[0], axes, true, Reduction::Mean);
        HostTensor centred =
            binary(*in[0], mean, dtype, [](float x, float m) { return x - m; });
        HostTensor squares = unary(centred, [](float x) { return x * x; });
        HostTensor variance = reduce(squares, axes, true, Reduction::Mean);
        float epsilon = norm.getEpsilon().convertToFloat();
        HostTensor scaled =
            binary(centred, variance, dtype, [&](float x, float v) {
              return x / std::sqrt(v + epsilon);
            });
        HostTensor y = binary(scaled, *in[1], dtype,
                              [](float x, float g) { return x * g; });
        y = binary(y, *in[2], dtype, [](float x, float b) { return x + b; });
        set(norm.getY(), std::move(y));
        mean.dtype = variance.dtype = dtype;
        set(norm.getMean(), std::move(mean));
        set(norm.getVariance(), std::move(variance));
        return llvm::Error::success();
      })
      .Case([&](RmsNormOp norm) {
        SmallVector<int64_t> axes;
        for (int64_t d = in[0]->rank() - in[1]->rank(); d < in[0]->rank(); ++d)
          axes.push_back(d);
        HostTensor squares = unary(*in[0], [](float x) { return x * x; });
        float epsilon = norm.getEpsilon().convertToFloat();
        HostTensor rstd =
            unary(reduce(squares, axes, true, Reduction::Mean),
                  [&](float m) { return 1.0f / std::sqrt(m + epsilon); });
        HostTensor y =
            binary(*in[0], rstd, dtype, [](float x, float r) { return x * r; });
        y = binary(y, *in[1], dtype, [](float x, float g) { return x * g; });
        set(norm.getY(), std::move(y));
        rstd.dtype = DType::Float32;
        set(norm.getRstd(), std::move(rstd));
        return llvm::Error::success();
      })
      .Case([&](GatherOp gather) -> llvm::Error {
        const HostTensor &params = *in[0], &indices = *in[1];
        // The attribute holds a signed axis in an unsigned accessor.
        int64_t axis = static_cast<int64_t>(gather.getAxis());
        if (axis < 0)
          axis += params.rank();
        if (gather.getBatchDims() != 0)
          return runError(op, "the executor runs Gather without batch_dims");
        int64_t outer =
            product(ArrayRef<int64_t>(params.shape).take_front(axis));
        int64_t inner =
            product(ArrayRef<int64_t>(params.shape).drop_front(axis + 1));
        int64_t rows = params.shape[axis];
        SmallVector<int64_t, 4> shape(
            ArrayRef<int64_t>(params.shape).take_front(axis));
        llvm::append_range(shape, indices.shape);
        llvm::append_range(
            shape, ArrayRef<int64_t>(params.shape).drop_front(axis + 1));
        HostTensor out(dtype, shape);
        int64_t written = 0;
        for (int64_t o = 0; o < outer; ++o)
          for (float index : indices.data) {
            int64_t row = static_cast<int64_t>(index);
            if (row < 0 || row >= rows)
              return runError(op, llvm::formatv("index {0} is outside the "
                                                "{1} rows of the table",
                                                row, rows));
            std::copy_n(params.data.begin() + (o * rows + row) * inner, inner,
                        out.data.begin() + written);
            written += inner;
          }
        return result(std::move(out));
      })
      .Case([&](ReshapeOp reshape) {
        HostTensor out = *in[0];
        auto type = reshape.getType();
        out.shape.assign(type.getShape().begin(), type.getShape().end());
        return result(std::move(out));
      })
      .Case([&](TransposeOp op) {
        return result(transpose(*in[0], op.getPerm()));
      })
      .Case([&](ReduceSumOp op) {
        return result(
            reduce(*in[0], op.getAxis(), op.getKeepDims(), Reduction::Sum));
      })
      .Case([&](ReduceMeanOp op) {
        return result(
            reduce(*in[0], op.getAxis(), op.getKeepDims(), Reduction::Mean));
      })
      .Case([&](ConcatOp op) { return result(concat(in, op.getAxis())); })
      .Case([&](SplitOp split) {
        std::vector<HostTensor> pieces =
            ::split(*in[0], split.getAxis(), split.getOutputNum());
        for (auto [value, piece] : llvm::zip_equal(split.getResults(), pieces))
          set(value, std::move(piece));
        return llvm::Error::success();
      })
      .Case([&](StridedSliceOp slice) {
        auto type = slice.getType();
        const HostTensor &x = *in[0];
        SmallVector<int64_t> begin, strides, shape;
        for (int64_t d = 0, j = 0; d < x.rank(); ++d) {
          int64_t extent = x.shape[d];
          if (d >= static_cast<int64_t>(slice.getBegin().size())) {
            begin.push_back(0);
            strides.push_back(1);
            shape.push_back(extent);
            continue;
          }
          int64_t stride = slice.getStrides()[d];
          int64_t b = slice.getBegin()[d];
          if ((slice.getBeginMask() >> d) & 1)
            b = stride > 0 ? 0 : extent - 1;
          else if (b < 0)
            b += extent;
          b = stride > 0 ? std::clamp<int64_t>(b, 0, extent)
                         : std::clamp<int64_t>(b, -1, extent - 1);
          begin.push_back(b);
          strides.push_back(stride);
          if ((slice.getShrinkAxisMask() >> d) & 1) {
            shape.push_back(1);
            continue;
          }
          shape.push_back(type.getDimSize(j++));
        }
        HostTensor out = stridedSlice(x, begin, strides, shape);
        out.shape.assign(type.getShape().begin(), type.getShape().end());
        return result(std::move(out));
      })
      .Default([&](Operation *op) {
        return runError(op, "the executor cannot run this op");
      });
}

llvm::Expected<std::vector<RuntimeValue>>
GraphRunner::run(func::FuncOp graph, std::vector<RuntimeValue> arguments) {
  Block &entry = graph.getBody().front();
  if (arguments.size() != entry.getNumArguments())
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        llvm::formatv("graph '{0}' takes {1} inputs, got {2}",
                      graph.getSymName(), entry.getNumArguments(),
                      arguments.size()));
  for (auto [arg, value] : llvm::zip_equal(entry.getArguments(), arguments))
    values[arg] = std::move(value);
  for (Operation &op : entry) {
    if (auto ret = dyn_cast<func::ReturnOp>(&op)) {
      std::vector<RuntimeValue> results;
      for (mlir::Value operand : ret.getOperands())
        results.push_back(values[operand]);
      return results;
    }
    if (llvm::Error error = step(&op))
      return std::move(error);
    if (llvm::Error error = checkResultShapes(&op))
      return std::move(error);
  }
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "graph '" + graph.getSymName() +
                                     "' has no return");
}

llvm::Expected<std::vector<HostTensor>>
mindshard::runGraph(func::FuncOp graph, ArrayRef<HostTensor> inputs,
                    const RunOptions &options) {
  std::vector<RuntimeValue> arguments;
  for (auto [index, input, type] :
       llvm::enumerate(inputs, graph.getArgumentTypes())) {
    auto tensor = dyn_cast<RankedTensorType>(type);
    if (!tensor)
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          llvm::formatv("graph input {0} of type {1} is not a tensor", index,
                        type));
    if (input.shape != SmallVector<int64_t, 4>(tensor.getShape()))
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          llvm::formatv("input {0} has shape {1}; graph '{2}' takes {3}", index,
                        formatList(input.shape), graph.getSymName(), type));
    arguments.push_back(RuntimeValue{input});
  }
  GraphRunner runner(options);
  llvm::Expected<std::vector<RuntimeValue>> results =
      runner.run(graph, std::move(arguments));
  if (!results)
    return results.takeError();
  std::vector<HostTensor> outputs;
  std::function<void(const RuntimeValue &)> flatten =
      [&](const RuntimeValue &value) {
        if (const HostTensor *tensor = value.tensor())
          outputs.push_back(*tensor);
        else if (auto *tuple =
                     std::get_if<std::shared_ptr<Tuple>>(&value.value))
          for (const RuntimeValue &element : **tuple)
            flatten(element);
      };
  for (const RuntimeValue &value : *results)
    flatten(value);
  return outputs;
}

//===----------------------------------------------------------------------===//
// Collectives
//===----------------------------------------------------------------------===//

void Collectives::abort() {
  std::lock_guard<std::mutex> lock(mutex);
  aborted = true;
  changed.notify_all();
}

llvm::Expected<HostTensor> Collectives::exchange(int64_t rank, StringRef kind,
                                                 StringRef group,
                                                 ArrayRef<int64_t> ranks,
                                                 const HostTensor &input,
                                                 const Combine &combine) {
  for (int64_t member : ranks)
    if (member < 0 || member >= devices)
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          llvm::formatv("group '{0}' {1} needs rank {2}, but {3} device(s) "
                        "run; run all the per-device programs together",
                        group, formatList(ranks), member, devices));
  auto position = llvm::find(ranks, rank) - ranks.begin();
  std::unique_lock<std::mutex> lock(mutex);
  int64_t call = calls[{group.str(), rank}]++;
  auto key = std::pair(group.str(), call);
  Meeting &meeting = meetings[key];
  if (meeting.inputs.empty())
    meeting.inputs.resize(ranks.size());
  meeting.inputs[position] = input;
  if (++meeting.arrived == static_cast<int>(ranks.size())) {
    llvm::Expected<std::vector<HostTensor>> outputs = combine(meeting.inputs);
    if (outputs)
      meeting.outputs = std::move(*outputs);
    else
      meeting.error = llvm::toString(outputs.takeError());
    meeting.done = true;
    changed.notify_all();
  } else if (!changed.wait_for(lock, timeout,
                               [&] { return meeting.done || aborted; })) {
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        llvm::formatv("{0} #{1} of group '{2}' {3}: rank {4} waited {5} ms "
                      "for the others ({6} of {7} arrived)",
                      kind, call, group, formatList(ranks), rank,
                      timeout.count(), meeting.arrived, ranks.size()));
  }
  if (!meeting.done)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "another device failed");
  if (!meeting.error.empty())
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   meeting.error);
  HostTensor output = meeting.outputs[position];
  if (++meeting.left == static_cast<int>(ranks.size()))
    meetings.erase(key);
  return output;
}

/// Checks that every contribution has one shape.
static llvm::Error sameShapes(ArrayRef<HostTensor> inputs,
                              ArrayRef<int64_t> ranks) {
  for (auto [index, input] : llvm::enumerate(inputs))
    if (input.shape != inputs[0].shape)
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          llvm::formatv("rank {0} sends shape {1} but rank {2} sends {3}",
                        ranks[index], formatList(input.shape), ranks[0],
                        formatList(inputs[0].shape)));
  return llvm::Error::success();
}

static HostTensor reduceAll(ArrayRef<HostTensor> inputs, StringRef reduction) {
  HostTensor out = inputs[0];
  for (const HostTensor &input : inputs.drop_front())
    for (size_t i = 0; i < out.data.size(); ++i) {
      float &a = out.data[i];
      float b = input.data[i];
      if (reduction == "max")
        a = std::max(a, b);
      else if (reduction == "min")
        a = std::min(a, b);
      else if (reduction == "prod")
        a *= b;
      else
        a += b;
    }
  return out;
}

llvm::Expected<HostTensor> Collectives::allReduce(int64_t rank, StringRef group,
                                                  ArrayRef<int64_t> ranks,
                                                  StringRef reduction,
                                                  const HostTensor &input) {
  return exchange(rank, "AllReduce", group, ranks, input,
                  [&](std::vector<HostTensor> &inputs)
                      -> llvm::Expected<std::vector<HostTensor>> {
                    if (llvm::Error error = sameShapes(inputs, ranks))
                      return std::move(error);
                    return std::vector<HostTensor>(
                        inputs.size(), reduceAll(inputs, reduction));
                  });
}

llvm::Expected<HostTensor> Collectives::allGather(int64_t rank, StringRef group,
                                                  ArrayRef<int64_t> ranks,
                                                  const HostTensor &input) {
  return exchange(rank, "AllGather", group, ranks, input,
                  [&](std::vector<HostTensor> &inputs)
                      -> llvm::Expected<std::vector<HostTensor>> {
                    if (llvm::Error error = sameShapes(inputs, ranks))
                      return std::move(error);
                    SmallVector<const HostTensor *> parts;
                    for (const HostTensor &part : inputs)
                      parts.push_back(&part);
                    return std::vector<HostTensor>(inputs.size(),
                                                   concat(parts, 0));
                  });
}

llvm::Expected<HostTensor> Collectives::reduceScatter(int64_t rank,
                                                      StringRef group,
                                                      ArrayRef<int64_t> ranks,
                                                      StringRef reduction,
                                                      const HostTensor &input) {
  return exchange(rank, "ReduceScatter", group, ranks, input,
                  [&](std::vector<HostTensor> &inputs)
                      -> llvm::Expected<std::vector<HostTensor>> {
                    if (llvm::Error error = sameShapes(inputs, ranks))
                      return std::move(error);
                    return split(reduceAll(inputs, reduction), 0,
                                 inputs.size());
                  });
}

llvm::Expected<HostTensor> Collectives::allToAll(int64_t rank, StringRef group,
                                                 ArrayRef<int64_t> ranks,
                                                 int64_t splitDim,
                                                 int64_t concatDim,
                                                 const HostTensor &input) {
  return exchange(rank, "AlltoAll", group, ranks, input,
                  [&](std::vector<HostTensor> &inputs)
                      -> llvm::Expected<std::vector<HostTensor>> {
                    if (llvm::Error error = sameShapes(inputs, ranks))
                      return std::move(error);
                    size_t count = inputs.size();
                    std::vector<std::vector<HostTensor>> pieces;
                    for (const HostTensor &part : inputs)
                      pieces.push_back(split(part, splitDim, count));
                    std::vector<HostTensor> outputs;
                    for (size_t receiver = 0; receiver < count; ++receiver) {
                      SmallVector<const HostTensor *> received;
                      for (size_t sender = 0; sender < count; ++sender)
                        received.push_back(&pieces[sender][receiver]);
                      outputs.push_back(concat(received, concatDim));
                    }
                    return outputs;
                  });
}

llvm::Expected<std::vector<std::vector<HostTensor>>> mindshard::runDevices(
    ArrayRef<func::FuncOp> programs, ArrayRef<HostTensor> inputs,
    ArrayRef<ParameterValues *> parameters, const GroupRanks *groups,
    std::chrono::milliseconds timeout) {
  Collectives collectives(programs.size(), timeout);
  size_t devices = programs.size();
  std::vector<std::optional<llvm::Expected<std::vector<HostTensor>>>> results(
      devices);
  std::vector<std::thread> threads;
  for (size_t rank = 0; rank < devices; ++rank)
    threads.emplace_back([&, rank] {
      RunOptions options;
      options.rank = rank;
      options.collectives = &collectives;
      options.groups = groups;
      if (rank < parameters.size())
        options.parameters = parameters[rank];
      results[rank].emplace(runGraph(programs[rank], inputs, options));
      if (!*results[rank])
        collectives.abort();
    });
  for (std::thread &thread : threads)
    thread.join();

  std::vector<std::vector<HostTensor>> outputs;
  std::string errors;
  for (size_t rank = 0; rank < devices; ++rank) {
    if (!*results[rank]) {
      std::string message = llvm::toString(results[rank]->takeError());
      if (message == "another device failed")
        continue;
      if (devices > 1)
        errors += llvm::formatv("device {0}: ", rank).str();
      errors += message + "\n";
      continue;
    }
    outputs.push_back(std::move(**results[rank]));
  }
  if (!errors.empty())
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   llvm::StringRef(errors).rtrim());
  return outputs;
}
