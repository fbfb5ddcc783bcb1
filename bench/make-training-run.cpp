//===- make-training-run.cpp - a large training run for benchmarks --------===//
//
// Part of mindshard. Writes what a MindSpore training run of a decoder-only
// transformer leaves behind, at any size: the single-device network (in the
// mindir dialect's text), the training strategy (data x model parallel with
// optimizer sharding over the data-parallel ranks) and one checkpoint per
// training rank holding its slices of every weight and of both Adam states.
// The weights are bfloat16, the Adam states float32, the values random.
//
//   mindshard-bench-make-run OUT [--layers 4] [--hidden 2048] [--ffn 8192]
//       [--vocab 32000] [--dp 2] [--mp 4] [--predict 4] [--network-only]
//
// The network's MatMuls carry the serving strategy for `predict` devices.
//
//===----------------------------------------------------------------------===//

#include "mindshard/Formats/Checkpoint.h"
#include "mindshard/Formats/Strategy.h"
#include "mindshard/Layout/TensorLayout.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>

using namespace mindshard;
namespace cl = llvm::cl;

static cl::OptionCategory category("mindshard-bench-make-run options");
static cl::opt<std::string> output(cl::Positional, cl::Required,
                                   cl::desc("<output folder>"),
                                   cl::cat(category));
static cl::opt<int64_t> layers("layers", cl::desc("Decoder layers"),
                               cl::init(4), cl::cat(category));
static cl::opt<int64_t> hidden("hidden", cl::desc("Hidden size"),
                               cl::init(2048), cl::cat(category));
static cl::opt<int64_t> ffn("ffn", cl::desc("Feed-forward size"),
                            cl::init(8192), cl::cat(category));
static cl::opt<int64_t> vocab("vocab", cl::desc("Vocabulary size"),
                              cl::init(32000), cl::cat(category));
static cl::opt<int64_t> dataParallel("dp",
                                     cl::desc("Data-parallel training ranks"),
                                     cl::init(2), cl::cat(category));
static cl::opt<int64_t> modelParallel("mp",
                                      cl::desc("Model-parallel training ranks"),
                                      cl::init(4), cl::cat(category));
static cl::opt<int64_t>
    predict("predict",
            cl::desc("Devices the MatMuls' serving strategy is written for"),
            cl::init(4), cl::cat(category));
static cl::opt<bool>
    networkOnly("network-only",
                cl::desc("Write the network and the strategy, no checkpoints "
                         "(for the pipeline's scale benchmark)"),
                cl::cat(category));

namespace {

/// One weight: its name, shape, dtype and training layout.
struct Weight {
  std::string name;
  llvm::SmallVector<int64_t, 4> shape;
  DType dtype;
  TensorLayout layout;
};

/// xorshift64*: fast, reproducible bytes.
class Random {
public:
  explicit Random(uint64_t seed) : state(seed * 0x9e3779b97f4a7c15ull + 1) {}
  uint64_t next() {
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 0x2545f4914f6cdd1dull;
  }
  /// Finite values of magnitude below 2 in `dtype` (bfloat16 or float32).
  void fill(std::vector<uint8_t> &bytes, DType dtype) {
    if (dtype == DType::BFloat16) {
      for (size_t i = 0; i + 8 <= bytes.size(); i += 8) {
        uint64_t word = next() & 0xbfffbfffbfffbfffull;
        std::memcpy(&bytes[i], &word, 8);
      }
    } else {
      for (size_t i = 0; i + 8 <= bytes.size(); i += 8) {
        uint64_t word = next() & 0xbfffffffbfffffffull;
        std::memcpy(&bytes[i], &word, 8);
      }
    }
  }

private:
  uint64_t state;
};

TensorLayout makeLayout(llvm::ArrayRef<int64_t> devMatrix,
                        llvm::ArrayRef<int64_t> flatMap, int64_t optSize,
                        int64_t optStep) {
  TensorLayout layout = TensorLayout::fromFlatMap(devMatrix, flatMap);
  layout.optShardSize = optSize;
  layout.optShardStep = optStep;
  return layout;
}

std::string typeText(llvm::ArrayRef<int64_t> shape, DType dtype) {
  std::string text = "tensor<";
  for (int64_t dim : shape)
    text += std::to_string(dim) + "x";
  return text + (dtype == DType::BFloat16 ? "bf16>" : "f32>");
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv,
                              "writes a transformer training run for the "
                              "export benchmark\n");
  auto fail = [](llvm::Error error) {
    llvm::WithColor::error(llvm::errs(), "make-training-run")
        << llvm::toString(std::move(error)) << "\n";
    return 1;
  };
  int64_t dp = dataParallel, mp = modelParallel, ranks = dp * mp;
  int64_t h = hidden, f = ffn, m = predict;

  // The weights and their training layouts: column-split (the first MatMul
  // of a pair), row-split (the second), the embedding split by vocabulary,
  // the norms whole; optimizer sharding over the data-parallel ranks.
  TensorLayout columns = makeLayout({dp, 1, mp}, {1, 0}, dp, mp);
  TensorLayout rows = makeLayout({dp, mp, 1}, {1, 0}, dp, mp);
  TensorLayout embedding = makeLayout({dp, mp}, {0, -1}, dp, mp);
  TensorLayout norm = makeLayout({dp, mp}, {-1}, ranks, 1);
  std::vector<Weight> weights;
  weights.push_back(
      {"embedding.weight", {vocab, h}, DType::BFloat16, embedding});
  for (int64_t layer = 0; layer < layers; ++layer) {
    std::string prefix = "layers." + std::to_string(layer) + ".";
    weights.push_back({prefix + "norm.weight", {h}, DType::Float32, norm});
    for (const char *name : {"wq", "wk", "wv"})
      weights.push_back({prefix + "attention." + name + ".weight",
                         {h, h},
                         DType::BFloat16,
                         columns});
    weights.push_back(
        {prefix + "attention.wo.weight", {h, h}, DType::BFloat16, rows});
    weights.push_back(
        {prefix + "ffn.w1.weight", {h, f}, DType::BFloat16, columns});
    weights.push_back(
        {prefix + "ffn.w2.weight", {f, h}, DType::BFloat16, rows});
  }

  if (std::error_code ec = llvm::sys::fs::create_directories(output))
    return fail(llvm::createStringError(ec, "cannot create " + output));

  // The network: embedding lookup, then per layer attention projections
  // and the feed-forward pair, with the serving strategy on each MatMul.
  {
    std::string text;
    llvm::raw_string_ostream os(text);
    os << "// A decoder-only transformer for the export benchmark.\n";
    os << "module attributes {mindir.main_graph = @transformer} {\n";
    for (const Weight &weight : weights)
      os << "  mindir.parameter @\"" << weight.name
         << "\" : " << typeText(weight.shape, weight.dtype) << "\n";
    std::string act = typeText({4, h}, DType::BFloat16);
    std::string wide = typeText({4, f}, DType::BFloat16);
    std::string split = llvm::formatv("#mindir.strategy<[1, 1], [1, {0}]>", m);
    std::string join = llvm::formatv("#mindir.strategy<[1, {0}], [{0}, 1]>", m);
    os << "  func.func @transformer(%tokens: tensor<1x4xi32>) -> " << act
       << " {\n";
    os << "    %e = mindir.get_parameter @\"embedding.weight\" : "
       << typeText({vocab, h}, DType::BFloat16) << "\n";
    os << "    %g = mindir.Gather %e, %tokens {in_strategy = "
       << llvm::formatv("#mindir.strategy<[{0}, 1], [1, 1]>", m) << "} : ("
       << typeText({vocab, h}, DType::BFloat16) << ", tensor<1x4xi32>) -> "
       << typeText({1, 4, h}, DType::BFloat16) << "\n";
    os << "    %x0 = mindir.Reshape %g to [4, " << h << "] : ("
       << typeText({1, 4, h}, DType::BFloat16) << ") -> " << act << "\n";
    for (int64_t layer = 0; layer < layers; ++layer) {
      std::string p = "layers." + std::to_string(layer) + ".";
      std::string x = "%x" + std::to_string(layer);
      std::string l = "_" + std::to_string(layer);
      auto read = [&](const std::string &name, const std::string &type) {
        os << "    %" << name << l << " = mindir.get_parameter @\"" << p << name
           << "\" : " << type << "\n";
      };
      std::string square = typeText({h, h}, DType::BFloat16);
      read("attention.wq.weight", square);
      read("attention.wk.weight", square);
      read("attention.wv.weight", square);
      read("attention.wo.weight", square);
      read("ffn.w1.weight", typeText({h, f}, DType::BFloat16));
      read("ffn.w2.weight", typeText({f, h}, DType::BFloat16));
      read("norm.weight", typeText({h}, DType::Float32));
      auto matmul = [&](const std::string &result, const std::string &lhs,
                        const std::string &rhs, const std::string &strategy,
                        const std::string &lhsType, const std::string &rhsType,
                        const std::string &resultType) {
        os << "    %" << result << l << " = mindir.MatMul " << lhs << ", %"
           << rhs << l << " {in_strategy = " << strategy << "} : (" << lhsType
           << ", " << rhsType << ") -> " << resultType << "\n";
      };
      matmul("q", x, "attention.wq.weight", split, act, square, act);
      matmul("k", x, "attention.wk.weight", split, act, square, act);
      matmul("v", x, "attention.wv.weight", split, act, square, act);
      os << "    %qk" << l << " = mindir.Add %q" << l << ", %k" << l << " : ("
         << act << ", " << act << ") -> " << act << "\n";
      os << "    %qkv" << l << " = mindir.Add %qk" << l << ", %v" << l << " : ("
         << act << ", " << act << ") -> " << act << "\n";
      matmul("o", "%qkv" + l, "attention.wo.weight", join, act, square, act);
      os << "    %n" << l << " = mindir.Cast %norm.weight" << l
         << " to bf16 : " << typeText({h}, DType::Float32) << "\n";
      os << "    %s" << l << " = mindir.Mul %o" << l << ", %n" << l << " : ("
         << act << ", " << typeText({h}, DType::BFloat16) << ") -> " << act
         << "\n";
      matmul("h", "%s" + l, "ffn.w1.weight", split, act,
             typeText({h, f}, DType::BFloat16), wide);
      os << "    %a" << l << " = mindir.GeLU %h" << l << " : " << wide << "\n";
      matmul("y", "%a" + l, "ffn.w2.weight", join, wide,
             typeText({f, h}, DType::BFloat16), act);
      os << "    %x" << layer + 1 << " = mindir.Add " << x << ", %y" << l
         << " : (" << act << ", " << act << ") -> " << act << "\n";
    }
    os << "    return %x" << layers << " : " << act << "\n  }\n}\n";
    std::error_code ec;
    llvm::raw_fd_ostream file(output + "/network.mlir", ec);
    if (ec)
      return fail(llvm::createStringError(ec, "cannot write the network"));
    file << text;
  }

  // The training strategy: the weights and their Adam states.
  StrategyFile strategy;
  for (const Weight &weight : weights)
    for (const char *prefix : {"", "adam_m.", "adam_v."}) {
      ParameterLayout &layout = strategy.layouts.emplace_back();
      layout.name = prefix + weight.name;
      layout.layout = weight.layout;
    }
  if (llvm::Error error =
          writeStrategyFile(output + "/train_strategy.ckpt", strategy))
    return fail(std::move(error));

  if (networkOnly) {
    llvm::outs() << llvm::formatv("{0}: {1} weights, network and strategy\n",
                                  output, weights.size());
    return 0;
  }

  // One checkpoint per training rank.
  uint64_t total = 0;
  for (int64_t rank = 0; rank < ranks; ++rank) {
    std::string folder = output + "/rank_" + std::to_string(rank);
    if (std::error_code ec = llvm::sys::fs::create_directories(folder))
      return fail(llvm::createStringError(ec, "cannot create " + folder));
    CheckpointWriter::Options options;
    options.sync = false;
    llvm::Expected<std::unique_ptr<CheckpointWriter>> writer =
        CheckpointWriter::create(
            folder + "/checkpoint_" + std::to_string(rank) + ".ckpt", options);
    if (!writer)
      return fail(writer.takeError());
    Random random(rank + 1);
    std::vector<uint8_t> block;
    for (const Weight &weight : weights)
      for (const char *prefix : {"", "adam_m.", "adam_v."}) {
        DType dtype = *prefix ? DType::Float32 : weight.dtype;
        llvm::Expected<Box> slice = weight.layout.slice(weight.shape, rank);
        if (!slice)
          return fail(slice.takeError());
        uint64_t bytes = byteSize(dtype, slice->numElements());
        if (llvm::Error error = (*writer)->beginTensor(prefix + weight.name,
                                                       dtype, slice->shape))
          return fail(std::move(error));
        for (uint64_t done = 0; done < bytes;) {
          uint64_t length = std::min<uint64_t>(bytes - done, 8 << 20);
          block.resize(length);
          random.fill(block, dtype);
          if (llvm::Error error = (*writer)->append(block))
            return fail(std::move(error));
          done += length;
        }
        if (llvm::Error error = (*writer)->endTensor())
          return fail(std::move(error));
      }
    if (llvm::Error error = (*writer)->commit())
      return fail(std::move(error));
    total += (*writer)->bytesWritten();
  }
  llvm::outs() << llvm::formatv(
      "{0}: {1} weights, {2} training ranks, {3:f2} GiB of checkpoints\n",
      output, weights.size(), ranks, total / double(1ull << 30));
  return 0;
}
