//===- ShardingRules.cpp - MindSpore's per-op sharding rules --------------===//
//
// Part of mindshard. Device matrices and tensor maps are first built without
// the repeated axis ("D0", axes counted from the right as tensor maps count
// them); finish() then appends the repeated devices as the last axis (or,
// for a row-split embedding whose split does not use every device, the
// first), shifting the maps as MindSpore's ResetTensorMapIfRepeatedCalc
// does.
//
//===----------------------------------------------------------------------===//

#include "ShardingRules.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallBitVector.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/MathExtras.h"

#include <numeric>

using namespace mlir;
using namespace mindshard;
using namespace mindshard::mindir;

/// An axis attribute (held unsigned, meant signed) counted from the front.
static int64_t normalizedAxis(uint64_t axis, int64_t rank) {
  auto signedAxis = static_cast<int64_t>(axis);
  return signedAxis < 0 ? signedAxis + rank : signedAxis;
}

using Map = llvm::SmallVector<int64_t, 4>;
using Splits = llvm::SmallVector<llvm::SmallVector<int64_t>>;

TensorLayout mindshard::replicatedLayout(Type type, int64_t devices) {
  unsigned rank = 0;
  if (auto tensor = dyn_cast<RankedTensorType>(type))
    rank = tensor.getRank();
  return TensorLayout::replicated(devices, rank);
}

/// The tensor operands of an op, the ones a strategy speaks of.
static SmallVector<RankedTensorType> tensorOperands(Operation *op) {
  SmallVector<RankedTensorType> tensors;
  for (Type type : op->getOperandTypes())
    if (auto tensor = dyn_cast<RankedTensorType>(type))
      tensors.push_back(tensor);
  return tensors;
}

/// [rank - 1, ..., 0]: each dimension on its own axis of D0.
static Map identityMap(int64_t rank) {
  Map map;
  for (int64_t i = rank - 1; i >= 0; --i)
    map.push_back(i);
  return map;
}

bool mindshard::hasShardingRule(Operation *op) {
  return isa<MatMulOp, BatchMatMulOp, AddOp, SubOp, MulOp, RealDivOp, NegOp,
             ReLUOp, GeLUOp, FastGeLUOp, SiLUOp, SigmoidOp, TanhOp, ExpOp,
             SqrtOp, CastOp, BiasAddOp, SoftmaxOp, LayerNormOp, RmsNormOp,
             GatherOp, TransposeOp, ReduceSumOp, ReduceMeanOp, ConcatOp,
             SplitOp, StridedSliceOp>(op);
}

//===----------------------------------------------------------------------===//
// Batch-parallel default
//===----------------------------------------------------------------------===//

StrategyAttr mindshard::batchStrategy(Operation *op, int64_t devices) {
  SmallVector<RankedTensorType> inputs = tensorOperands(op);
  Splits splits;
  for (RankedTensorType input : inputs)
    splits.emplace_back(input.getRank(), 1);
  auto splitDim0 = [&](unsigned input) {
    if (input < splits.size() && !splits[input].empty())
      splits[input][0] = devices;
  };

  llvm::TypeSwitch<Operation *>(op)
      .Case([&](MatMulOp matmul) {
        // (S, 1), or (1, S) when x1 is transposed; the weight whole.
        if (matmul.getTransposeA())
          splits[0][1] = devices;
        else
          splits[0][0] = devices;
      })
      .Case([&](BatchMatMulOp matmul) {
        int64_t a = inputs[0].getRank(), b = inputs[1].getRank();
        if (a >= b)
          splitDim0(0);
        if (b > a || (a == b && b > 2))
          splitDim0(1);
      })
      .Case<AddOp, SubOp, MulOp, RealDivOp>([&](Operation *) {
        // Every input whose dimension 0, aligned to the output's, is not 1.
        int64_t rank = std::max(inputs[0].getRank(), inputs[1].getRank());
        for (unsigned i = 0; i < 2; ++i)
          if (inputs[i].getRank() == rank && rank > 0 &&
              inputs[i].getDimSize(0) != 1)
            splitDim0(i);
      })
      .Case([&](GatherOp) { splitDim0(1); })
      .Case([&](ConcatOp concat) {
        if (normalizedAxis(concat.getAxis(), inputs[0].getRank()) != 0)
          for (unsigned i = 0; i < splits.size(); ++i)
            splitDim0(i);
      })
      .Case([&](SplitOp split) {
        if (split.getAxis() != 0 && inputs[0].getRank() > 1)
          splitDim0(0);
      })
      .Case([&](StridedSliceOp slice) {
        // Dimension 0 only when it is taken whole.
        bool whole =
            slice.getBegin().empty() ||
            (slice.getStrides()[0] == 1 &&
             ((slice.getBeginMask() & 1) || slice.getBegin()[0] == 0) &&
             ((slice.getEndMask() & 1) ||
              slice.getEnd()[0] >= inputs[0].getDimSize(0)) &&
             !(slice.getShrinkAxisMask() & 1));
        if (whole)
          splitDim0(0);
      })
      .Default([&](Operation *) { splitDim0(0); });

  // Entries of S become gcd(S, every split dimension's extent), so that the
  // splits divide their dimensions.
  int64_t g = devices;
  for (auto [input, counts] : llvm::zip_equal(inputs, splits))
    for (auto [dim, count] : llvm::enumerate(counts))
      if (count == devices && !ShapedType::isDynamic(input.getDimSize(dim)))
        g = std::gcd(g, input.getDimSize(dim));
  for (auto &counts : splits)
    for (int64_t &count : counts)
      if (count == devices)
        count = g;
  return StrategyAttr::get(op->getContext(), splits);
}

//===----------------------------------------------------------------------===//
// Rules
//===----------------------------------------------------------------------===//

namespace {

/// Collects an op's D0, maps and forward collective, then builds the
/// sharding with the repeated axis placed.
class RuleBuilder {
public:
  RuleBuilder(Operation *op, StrategyAttr strategy, int64_t devices)
      : op(op), devices(devices), splits(strategy.getSplits()),
        inputs(tensorOperands(op)) {}

  /// The checks every strategy passes (MindSpore's CheckStrategyByVector).
  LogicalResult checkGeneric();
  /// Applies the op's rule.
  LogicalResult apply();
  FailureOr<OpSharding> finish();

private:
  InFlightDiagnostic error() { return op->emitOpError(); }
  /// The strategy as MindSpore prints it: ((2, 1), (1, 4)).
  std::string strategyText() const;

  LogicalResult matmul(bool transposeA, bool transposeB, bool batched);
  LogicalResult elementwise();
  LogicalResult identity();
  LogicalResult gather(GatherOp gather);
  LogicalResult reduce(ArrayRef<int64_t> axes, bool keepDims,
                       ForwardCollective collective);

  Operation *op;
  int64_t devices;
  Splits splits;
  SmallVector<RankedTensorType> inputs;

  // Filled by the rule: D0 and maps counted against it.
  Map d0;
  SmallVector<Map> inputMaps;
  SmallVector<Map> resultMaps;
  ForwardCollective forward = ForwardCollective::None;
  Map reduceAxes;
  bool reduceScatter = false;
  bool repeatLeft = false;
};

} // namespace

static std::string formatSplits(const Splits &splits) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << '(';
  llvm::interleaveComma(splits, os, [&](const auto &counts) {
    os << '(';
    llvm::interleaveComma(counts, os);
    os << (counts.size() == 1 ? ",)" : ")");
  });
  os << ')';
  return text;
}

std::string mindshard::strategyText(StrategyAttr strategy) {
  return formatSplits(strategy.getSplits());
}

std::string RuleBuilder::strategyText() const { return formatSplits(splits); }

LogicalResult RuleBuilder::checkGeneric() {
  if (splits.size() != inputs.size())
    return error() << "strategy " << strategyText() << " has " << splits.size()
                   << " tuples but the op has " << inputs.size()
                   << " tensor inputs";
  bool powerOfTwo = llvm::isPowerOf2_64(devices);
  for (auto [index, input, counts] : llvm::enumerate(inputs, splits)) {
    if (counts.size() != static_cast<size_t>(input.getRank()))
      return error() << "strategy " << strategyText() << ": tuple " << index
                     << " has " << counts.size() << " split counts but input "
                     << index << " has rank " << input.getRank();
    for (auto [dim, count] : llvm::enumerate(counts)) {
      if (count < 1)
        return error() << "strategy " << strategyText() << " splits dimension "
                       << dim << " of input " << index << " " << count
                       << " ways; split counts must be 1 or more";
      int64_t extent = input.getDimSize(dim);
      if (!ShapedType::isDynamic(extent) && extent % count != 0)
        return error() << "strategy " << strategyText() << " splits dimension "
                       << dim << " of input " << index << " (extent " << extent
                       << ") " << count << " ways, which does not divide it";
      if (powerOfTwo && !llvm::isPowerOf2_64(count))
        return error() << "strategy " << strategyText() << " splits dimension "
                       << dim << " of input " << index << " " << count
                       << " ways; on " << devices
                       << " devices MindSpore takes only powers of 2";
    }
  }
  return success();
}

LogicalResult RuleBuilder::identity() {
  d0.assign(splits[0].begin(), splits[0].end());
  inputMaps.push_back(identityMap(d0.size()));
  return success();
}

/// MatMul and BatchMatMul: D0 = [batch..., m, k, n]; x1 maps [.., m, k],
/// x2 [.., k, n] (swapped when transposed); a split k is a partial sum.
LogicalResult RuleBuilder::matmul(bool transposeA, bool transposeB,
                                  bool batched) {
  ArrayRef<int64_t> a = splits[0], b = splits[1];
  int64_t m = transposeA ? a[a.size() - 1] : a[a.size() - 2];
  int64_t ka = transposeA ? a[a.size() - 2] : a[a.size() - 1];
  int64_t kb = transposeB ? b[b.size() - 1] : b[b.size() - 2];
  int64_t n = transposeB ? b[b.size() - 2] : b[b.size() - 1];
  if (ka != kb)
    return error() << "strategy " << strategyText()
                   << ": the contracting dimension is split " << ka
                   << " ways in x1 but " << kb << " ways in x2";

  // Batch dimensions: the longer strategy's, broadcasting 1s.
  int64_t rank = std::max(a.size(), b.size());
  ArrayRef<int64_t> longer = a.size() >= b.size() ? a : b;
  ArrayRef<int64_t> shorter = a.size() >= b.size() ? b : a;
  RankedTensorType longType = a.size() >= b.size() ? inputs[0] : inputs[1];
  RankedTensorType shortType = a.size() >= b.size() ? inputs[1] : inputs[0];
  int64_t diff = longer.size() - shorter.size();
  for (int64_t i = 0; i < rank - 2; ++i) {
    int64_t value = longer[i];
    if (i >= diff) {
      int64_t other = shorter[i - diff];
      bool broadcast =
          longType.getDimSize(i) == 1 || shortType.getDimSize(i - diff) == 1;
      if (value != other && !broadcast)
        return error() << "strategy " << strategyText() << ": batch dimension "
                       << i << " is split " << value << " and " << other
                       << " ways";
      if (value == 1)
        value = other;
    }
    d0.push_back(value);
  }
  d0.append({m, ka, n});
  (void)batched;

  // Axes: batch position p -> rank - p; m -> 2, k -> 1, n -> 0.
  auto operandMap = [&](RankedTensorType type, bool transpose, int64_t outer,
                        int64_t inner) {
    int64_t r = type.getRank();
    Map map;
    for (int64_t j = 0; j < r - 2; ++j)
      map.push_back(rank - (rank - 2 - (r - 2) + j));
    map.push_back(outer);
    map.push_back(inner);
    if (transpose)
      std::swap(map[r - 2], map[r - 1]);
    // A dimension of extent 1 is broadcast, not split.
    for (int64_t j = 0; j < r; ++j)
      if (type.getDimSize(j) == 1)
        map[j] = -1;
    return map;
  };
  inputMaps.push_back(operandMap(inputs[0], transposeA, 2, 1));
  inputMaps.push_back(operandMap(inputs[1], transposeB, 1, 0));
  Map out;
  for (int64_t j = 0; j < rank - 2; ++j)
    out.push_back(rank - j);
  out.append({2, 0});
  resultMaps.push_back(out);
  if (ka > 1) {
    forward = ForwardCollective::AllReduceSum;
    reduceAxes.push_back(1);
  }
  return success();
}

/// Add, Sub, Mul, RealDiv: the inputs aligned from the right; a dimension
/// split in one input must be split alike in the other or be 1 there.
LogicalResult RuleBuilder::elementwise() {
  int64_t rank = std::max(inputs[0].getRank(), inputs[1].getRank());
  auto expanded = [&](unsigned i) {
    SmallVector<int64_t> counts(rank - inputs[i].getRank(), 1);
    llvm::append_range(counts, splits[i]);
    SmallVector<int64_t> shape(rank - inputs[i].getRank(), 1);
    llvm::append_range(shape, inputs[i].getShape());
    return std::pair(counts, shape);
  };
  auto [x, xShape] = expanded(0);
  auto [y, yShape] = expanded(1);
  for (int64_t i = 0; i < rank; ++i) {
    if (x[i] != y[i] && xShape[i] != 1 && yShape[i] != 1)
      return error() << "strategy " << strategyText() << " splits dimension "
                     << i << " of the broadcast shape " << x[i] << " and "
                     << y[i] << " ways";
    d0.push_back(std::max(x[i], y[i]));
  }
  SmallVector<SmallVector<int64_t>, 2> expandedSplits = {x, y};
  for (auto [i, counts] : llvm::enumerate(expandedSplits)) {
    Map map;
    for (int64_t j = rank - inputs[i].getRank(); j < rank; ++j)
      map.push_back(counts[j] == d0[j] ? rank - 1 - j : -1);
    inputMaps.push_back(map);
  }
  resultMaps.push_back(identityMap(rank));
  return success();
}

/// Gather by rows of a table split along its dimension 0 (an embedding),
/// or along other dimensions (each device gathers from its columns).
LogicalResult RuleBuilder::gather(GatherOp gather) {
  ArrayRef<int64_t> p = splits[0], q = splits[1];
  int64_t paramsRank = inputs[0].getRank(), indicesRank = inputs[1].getRank();
  int64_t axis = normalizedAxis(gather.getAxis(), paramsRank);
  if (gather.getBatchDims() != 0)
    return error() << "strategy " << strategyText()
                   << ": a Gather with batch_dims is not sharded by mindshard";

  if (p[axis] == 1) {
    // Each device gathers from its part of the table: D0 = q ++ p.
    d0.assign(q.begin(), q.end());
    d0.append(p.begin(), p.end());
    int64_t total = d0.size();
    Map params = identityMap(paramsRank);
    Map indices;
    for (int64_t i = 0; i < indicesRank; ++i)
      indices.push_back(total - 1 - i);
    Map out(params.begin(), params.begin() + axis);
    out.append(indices.begin(), indices.end());
    out.append(params.begin() + axis + 1, params.end());
    inputMaps.append({params, indices});
    resultMaps.push_back(out);
    return success();
  }

  // The table's rows are split: each device looks up the rows it holds,
  // masks the others, and the devices sum their results.
  if (axis != 0)
    return error() << "strategy " << strategyText() << " splits the gathered "
                   << "dimension " << axis
                   << "; mindshard shards Gather along dimension 0 only";
  if (paramsRank > 2)
    return error() << "strategy " << strategyText()
                   << ": a row-split table must have rank 1 or 2, got "
                   << paramsRank;
  if (llvm::any_of(q, [](int64_t count) { return count != 1; }))
    return error() << "strategy " << strategyText()
                   << ": the table's rows are split, so the indices cannot "
                      "be";
  d0.assign(p.begin(), p.end());
  int64_t used = std::accumulate(p.begin(), p.end(), int64_t(1),
                                 std::multiplies<int64_t>());
  if (used != devices && used != 1) {
    // MindSpore puts the repeated devices first here, and allows them only
    // when the columns are whole.
    if (paramsRank == 2 && p[1] != 1)
      return error() << "strategy " << strategyText() << " uses " << used
                     << " of " << devices
                     << " devices with the table split by rows and columns";
    repeatLeft = true;
  }
  Map params = identityMap(paramsRank);
  Map indices(indicesRank, -1);
  int64_t batch = inputs[1].getRank() ? inputs[1].getDimSize(0) : 1;
  reduceScatter =
      indicesRank > 0 && !ShapedType::isDynamic(batch) && batch % p[0] == 0;
  Map out;
  out.push_back(reduceScatter ? paramsRank - 1 : -1);
  for (int64_t i = 1; i < indicesRank; ++i)
    out.push_back(-1);
  if (indicesRank == 0)
    out.clear();
  for (int64_t i = paramsRank - 2; i >= 0; --i)
    out.push_back(i);
  inputMaps.append({params, indices});
  resultMaps.push_back(out);
  forward = ForwardCollective::MaskedGather;
  reduceAxes.push_back(paramsRank - 1);
  return success();
}

/// ReduceSum/ReduceMean: a split reduced dimension leaves partial results.
LogicalResult RuleBuilder::reduce(ArrayRef<int64_t> axes, bool keepDims,
                                  ForwardCollective collective) {
  if (failed(identity()))
    return failure();
  int64_t rank = inputs[0].getRank();
  llvm::SmallBitVector reduced(rank, axes.empty());
  for (int64_t axis : axes)
    reduced.set(axis < 0 ? axis + rank : axis);
  Map in = inputMaps[0], out;
  for (int64_t dim = 0; dim < rank; ++dim) {
    if (!reduced.test(dim)) {
      out.push_back(in[dim]);
      continue;
    }
    if (keepDims)
      out.push_back(-1);
    if (d0[dim] > 1)
      reduceAxes.push_back(in[dim]);
  }
  resultMaps.push_back(out);
  if (!reduceAxes.empty())
    forward = collective;
  return success();
}

LogicalResult RuleBuilder::apply() {
  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](MatMulOp matmul) {
        return this->matmul(matmul.getTransposeA(), matmul.getTransposeB(),
                            /*batched=*/false);
      })
      .Case([&](BatchMatMulOp matmul) {
        return this->matmul(matmul.getTransposeA(), matmul.getTransposeB(),
                            /*batched=*/true);
      })
      .Case<AddOp, SubOp, MulOp, RealDivOp>(
          [&](Operation *) { return elementwise(); })
      .Case<NegOp, ReLUOp, GeLUOp, FastGeLUOp, SiLUOp, SigmoidOp, TanhOp, ExpOp,
            SqrtOp, CastOp>([&](Operation *) {
        if (failed(identity()))
          return failure();
        resultMaps.push_back(inputMaps[0]);
        return success();
      })
      .Case([&](SoftmaxOp softmax) -> LogicalResult {
        int64_t rank = inputs[0].getRank();
        for (int64_t axis : softmax.getAxis()) {
          int64_t dim = axis < 0 ? axis + rank : axis;
          if (splits[0][dim] != 1)
            return error() << "strategy " << strategyText()
                           << " splits dimension " << dim
                           << ", the softmax axis; it must be 1";
        }
        (void)identity();
        resultMaps.push_back(inputMaps[0]);
        return success();
      })
      .Case([&](BiasAddOp) -> LogicalResult {
        if (splits[0][1] != splits[1][0])
          return error() << "strategy " << strategyText()
                         << " splits the channel dimension " << splits[0][1]
                         << " ways in x but the bias " << splits[1][0]
                         << " ways";
        (void)identity();
        int64_t rank = inputs[0].getRank();
        inputMaps.push_back(Map{rank - 2});
        resultMaps.push_back(inputMaps[0]);
        return success();
      })
      .Case<LayerNormOp, RmsNormOp>([&](Operation *) -> LogicalResult {
        int64_t rank = inputs[0].getRank();
        int64_t begin;
        if (auto norm = dyn_cast<LayerNormOp>(op))
          begin = norm.getNormAxis();
        else
          begin = rank - inputs[1].getRank();
        for (int64_t dim = begin; dim < rank; ++dim)
          if (splits[0][dim] != 1)
            return error() << "strategy " << strategyText()
                           << " splits dimension " << dim
                           << ", which is normalised; it must be 1";
        for (unsigned i = 1; i < inputs.size(); ++i) {
          ArrayRef<int64_t> tail =
              ArrayRef<int64_t>(splits[0]).take_back(inputs[i].getRank());
          if (ArrayRef<int64_t>(splits[i]) != tail)
            return error() << "strategy " << strategyText() << ": input " << i
                           << " must be split as x's last dimensions (right "
                              "aligned)";
        }
        (void)identity();
        for (unsigned i = 1; i < inputs.size(); ++i)
          inputMaps.push_back(identityMap(inputs[i].getRank()));
        Map statistics = inputMaps[0];
        for (int64_t dim = begin; dim < rank; ++dim)
          statistics[dim] = -1;
        resultMaps.push_back(inputMaps[0]);
        for (unsigned i = 1; i < op->getNumResults(); ++i)
          resultMaps.push_back(statistics);
        return success();
      })
      .Case([&](GatherOp op) { return gather(op); })
      .Case([&](TransposeOp transpose) {
        (void)identity();
        Map out;
        for (int64_t dim : transpose.getPerm())
          out.push_back(inputMaps[0][dim]);
        resultMaps.push_back(out);
        return success();
      })
      .Case([&](ReduceSumOp reduce) {
        return this->reduce(reduce.getAxis(), reduce.getKeepDims(),
                            ForwardCollective::AllReduceSum);
      })
      .Case([&](ReduceMeanOp reduce) {
        return this->reduce(reduce.getAxis(), reduce.getKeepDims(),
                            ForwardCollective::AllReduceMean);
      })
      .Case([&](ConcatOp concat) -> LogicalResult {
        for (unsigned i = 1; i < splits.size(); ++i)
          if (splits[i] != splits[0])
            return error() << "strategy " << strategyText()
                           << ": every input of Concat must be split alike";
        int64_t rank = inputs[0].getRank();
        int64_t axis = normalizedAxis(concat.getAxis(), rank);
        if (splits[0][axis] != 1)
          return error() << "strategy " << strategyText()
                         << " splits the concatenated dimension " << axis;
        (void)identity();
        for (unsigned i = 1; i < inputs.size(); ++i)
          inputMaps.push_back(inputMaps[0]);
        resultMaps.push_back(inputMaps[0]);
        return success();
      })
      .Case([&](SplitOp split) -> LogicalResult {
        int64_t rank = inputs[0].getRank();
        int64_t axis = normalizedAxis(split.getAxis(), rank);
        if (splits[0][axis] != 1)
          return error() << "strategy " << strategyText()
                         << " splits dimension " << axis
                         << ", which Split cuts";
        (void)identity();
        for (unsigned i = 0; i < op->getNumResults(); ++i)
          resultMaps.push_back(inputMaps[0]);
        return success();
      })
      .Case([&](StridedSliceOp slice) -> LogicalResult {
        RankedTensorType type = inputs[0];
        Map out;
        (void)identity();
        for (int64_t dim = 0; dim < type.getRank(); ++dim) {
          bool shrink = (slice.getShrinkAxisMask() >> dim) & 1;
          if (dim < static_cast<int64_t>(slice.getBegin().size()) &&
              splits[0][dim] != 1) {
            bool whole = slice.getStrides()[dim] == 1 &&
                         (((slice.getBeginMask() >> dim) & 1) ||
                          slice.getBegin()[dim] == 0) &&
                         (((slice.getEndMask() >> dim) & 1) ||
                          slice.getEnd()[dim] >= type.getDimSize(dim));
            if (!whole || shrink)
              return error()
                     << "strategy " << strategyText() << " splits dimension "
                     << dim << ", which the slice does not take whole";
          }
          if (!shrink)
            out.push_back(inputMaps[0][dim]);
        }
        resultMaps.push_back(out);
        return success();
      })
      .Default([&](Operation *) { return error() << "has no sharding rule"; });
}

FailureOr<OpSharding> RuleBuilder::finish() {
  int64_t used = 1;
  for (int64_t extent : d0)
    used *= extent;
  if (devices % used != 0)
    return error() << "strategy " << strategyText() << " needs " << used
                   << " devices, which does not divide the " << devices
                   << " devices to serve on";
  int64_t repeated = devices / used;

  OpSharding sharding;
  sharding.devMatrix = d0;
  auto shift = [&](Map map) {
    if (repeated > 1 && !repeatLeft)
      for (int64_t &axis : map)
        if (axis >= 0)
          ++axis;
    return map;
  };
  if (repeated > 1) {
    if (repeatLeft)
      sharding.devMatrix.insert(sharding.devMatrix.begin(), repeated);
    else
      sharding.devMatrix.push_back(repeated);
  }

  unsigned input = 0;
  for (Type type : op->getOperandTypes()) {
    if (!isa<RankedTensorType>(type)) {
      sharding.operandLayouts.push_back(
          TensorLayout::fromFlatMap(sharding.devMatrix, {}));
      continue;
    }
    sharding.operandLayouts.push_back(
        TensorLayout::fromFlatMap(sharding.devMatrix, shift(inputMaps[input])));
    ++input;
  }
  for (const Map &map : resultMaps)
    sharding.resultLayouts.push_back(
        TensorLayout::fromFlatMap(sharding.devMatrix, shift(map)));
  sharding.forward = forward;
  sharding.reduceAxes = shift(reduceAxes);
  sharding.reduceScatter = reduceScatter;
  return sharding;
}

FailureOr<OpSharding> mindshard::computeSharding(Operation *op,
                                                 StrategyAttr strategy,
                                                 int64_t devices) {
  RuleBuilder builder(op, strategy, devices);
  if (failed(builder.checkGeneric()) || failed(builder.apply()))
    return failure();
  return builder.finish();
}
