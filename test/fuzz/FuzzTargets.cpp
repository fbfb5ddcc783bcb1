//===- FuzzTargets.cpp - libFuzzer entry points for every reader ----------===//
//
// Part of mindshard. One entry point per reader of untrusted bytes, and one
// for the resharding planner on the layouts such bytes give, chosen at
// compile time by MINDSHARD_FUZZ_TARGET. Any input must give either a result
// or an error: never a crash, a hang or a huge allocation.
//
//===----------------------------------------------------------------------===//

#include "mindshard/Formats/Checkpoint.h"
#include "mindshard/Formats/Crypto.h"
#include "mindshard/Formats/Strategy.h"
#include "mindshard/Reshard/Plan.h"
#include "mindshard/Target/MindIR.h"
#include "mindshard/Transforms/Passes.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"

#include "llvm/ADT/STLExtras.h"

#include <cstddef>
#include <cstdint>

using namespace mindshard;

namespace {
[[maybe_unused]] std::vector<uint8_t> copy(const uint8_t *data, size_t size) {
  return std::vector<uint8_t>(data, data + size);
}

/// Stops the run when a plan that the planner accepted does not tile its
/// slice: a piece reaching outside its source or target slice, or an
/// element of the predict slice written by no piece or by two. The copy
/// would then read or write past its buffers, or leave bytes unwritten.
[[maybe_unused]] void checkPlans(llvm::ArrayRef<SlicePlan> plans,
                                 int64_t trainingDevices) {
  for (const SlicePlan &plan : plans) {
    size_t rank = plan.shape.size();
    int64_t elements = 1;
    for (int64_t extent : plan.shape)
      elements *= extent;
    // How many pieces write each element of the slice, row-major.
    std::vector<uint8_t> writes(elements, 0);
    for (const Piece &piece : plan.pieces) {
      if (piece.sourceRank < 0 || piece.sourceRank >= trainingDevices ||
          piece.shape.size() != rank || piece.sourceOffsets.size() != rank ||
          piece.targetOffsets.size() != rank ||
          piece.sourceShape.size() != rank)
        __builtin_trap();
      bool empty = false;
      for (size_t d = 0; d < rank; ++d) {
        if (piece.shape[d] < 0 || piece.sourceOffsets[d] < 0 ||
            piece.targetOffsets[d] < 0 ||
            piece.sourceOffsets[d] + piece.shape[d] > piece.sourceShape[d] ||
            piece.targetOffsets[d] + piece.shape[d] > plan.shape[d])
          __builtin_trap();
        empty |= piece.shape[d] == 0;
      }
      if (empty)
        continue;
      // Every element of the piece, its index counted like an odometer.
      llvm::SmallVector<int64_t, 4> index(rank, 0);
      while (true) {
        int64_t linear = 0;
        for (size_t d = 0; d < rank; ++d)
          linear = linear * plan.shape[d] + piece.targetOffsets[d] + index[d];
        if (++writes[linear] > 1)
          __builtin_trap();
        size_t d = rank;
        while (d > 0 && ++index[d - 1] == piece.shape[d - 1])
          index[--d] = 0;
        if (d == 0)
          break;
      }
    }
    if (llvm::is_contained(writes, 0))
      __builtin_trap();
  }
}

/// Reads every tensor's bytes: a wrong index would read out of bounds.
[[maybe_unused]] void touch(const Checkpoint &checkpoint) {
  std::vector<uint8_t> buffer;
  for (const TensorEntry &entry : checkpoint.tensors()) {
    uint64_t size = std::min<uint64_t>(entry.numBytes, 1 << 20);
    buffer.resize(size);
    checkpoint.read(entry, 0, size, buffer.data());
  }
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::ArrayRef<uint8_t> bytes(data, size);
#if MINDSHARD_FUZZ_TARGET == 1 // checkpoint
  llvm::Expected<std::unique_ptr<Checkpoint>> checkpoint =
      Checkpoint::fromBytes("fuzz.ckpt", copy(data, size));
  if (checkpoint)
    touch(**checkpoint);
  else
    llvm::consumeError(checkpoint.takeError());
#elif MINDSHARD_FUZZ_TARGET == 2 // safetensors
  llvm::Expected<std::unique_ptr<Checkpoint>> checkpoint =
      Checkpoint::fromBytes("fuzz.safetensors", copy(data, size));
  if (checkpoint)
    touch(**checkpoint);
  else
    llvm::consumeError(checkpoint.takeError());
#elif MINDSHARD_FUZZ_TARGET == 3 // strategy, both forms
  llvm::Expected<StrategyFile> proto = parseStrategyProto("fuzz.ckpt", bytes);
  if (proto) {
    for (const ParameterLayout &layout : proto->layouts)
      (void)layout.layout.normalized();
    (void)serializeStrategyJson(*proto);
  } else {
    llvm::consumeError(proto.takeError());
  }
  llvm::Expected<StrategyFile> json = parseStrategyJson(
      "fuzz.json", llvm::StringRef(reinterpret_cast<const char *>(data), size));
  if (!json)
    llvm::consumeError(json.takeError());
#elif MINDSHARD_FUZZ_TARGET == 4 // MindIR import
  static mlir::MLIRContext *context = [] {
    auto *context = new mlir::MLIRContext();
    context->getDiagEngine().registerHandler(
        [](mlir::Diagnostic &) { return mlir::success(); });
    return context;
  }();
  mlir::OwningOpRef<mlir::ModuleOp> module =
      importMindIR(bytes, "fuzz.mindir", context);
  // What imports goes on through the sharding passes the export runs: the
  // inliner walks every call and closure the file's graphs make, then the
  // network is laid out and partitioned for 1, 2 or 4 devices.
  if (module && succeeded(mlir::verify(*module))) {
    mlir::PassManager pm(context);
    pm.addPass(createInlineGraphs());
    InferPredictLayoutOptions layout;
    layout.devices = int64_t(1) << (size % 3);
    pm.addPass(createInferPredictLayout(layout));
    pm.addPass(createPartition());
    (void)pm.run(*module);
  }
#elif MINDSHARD_FUZZ_TARGET == 5 // decryption
  DecryptKey key;
  key.key.assign(16, 0x42);
  for (CipherMode mode :
       {CipherMode::AesGcm, CipherMode::AesCbc, CipherMode::Sm4Cbc}) {
    key.mode = mode;
    llvm::Expected<std::vector<uint8_t>> plain =
        decrypt("fuzz.bin", bytes, key);
    if (!plain)
      llvm::consumeError(plain.takeError());
  }
#elif MINDSHARD_FUZZ_TARGET == 6 // resharding plans
  // The layouts of a strategy file (either form), each planned onto 1, 2 and
  // 4 devices, whole and split by rows.
  llvm::Expected<StrategyFile> file = parseStrategyProto("fuzz.ckpt", bytes);
  if (!file) {
    llvm::consumeError(file.takeError());
    file = parseStrategyJson(
        "fuzz.json",
        llvm::StringRef(reinterpret_cast<const char *>(data), size));
  }
  if (!file) {
    llvm::consumeError(file.takeError());
    return 0;
  }
  for (const ParameterLayout &entry : file->layouts) {
    const TensorLayout &training = entry.layout;
    if (llvm::Error error = training.verify()) {
      llvm::consumeError(std::move(error));
      continue;
    }
    if (training.deviceCount() > 64)
      continue;
    llvm::SmallVector<int64_t, 4> shape(entry.tensorShape);
    if (shape.empty())
      for (unsigned dim = 0; dim < training.rank(); ++dim)
        shape.push_back(2 * training.splitCount(dim));
    // Small tensors only: the planner's cost is in the layouts.
    int64_t elements = 1;
    for (int64_t extent : shape) {
      if (extent < 1 || extent > (1 << 16)) {
        elements = -1;
        break;
      }
      elements *= extent;
      if (elements > (1 << 16))
        break;
    }
    if (elements < 0 || elements > (1 << 16))
      continue;
    for (int64_t devices : {1, 2, 4}) {
      llvm::SmallVector<TensorLayout, 2> predicts = {
          TensorLayout::replicated(devices, shape.size())};
      if (!shape.empty() && shape[0] % devices == 0) {
        llvm::SmallVector<int64_t, 4> map(shape.size(), -1);
        map[0] = 0;
        predicts.push_back(TensorLayout::fromFlatMap({devices}, map));
      }
      // Every replica, then only the training ranks the input's bytes
      // pick (as remove_redundancy leaves them).
      ReshardPlanner planner(devices);
      auto someHold = [&](int64_t, int64_t source) {
        bool held = (data[source % size] >> (source % 8)) & 1;
        return llvm::Expected<std::string>(held ? "" : "not held");
      };
      for (const TensorLayout &predict : predicts)
        for (bool thinned : {false, true}) {
          llvm::Expected<std::vector<SlicePlan>> plans =
              planner.plan(entry.name, shape, TrainingPlacement{training, 0},
                           predict, thinned ? HolderFn(someHold) : nullptr);
          if (!plans) {
            llvm::consumeError(plans.takeError());
            continue;
          }
          checkPlans(*plans, training.deviceCount());
          // A thinned plan reads only ranks that hold the parameter.
          if (thinned)
            for (const SlicePlan &plan : *plans)
              for (const Piece &piece : plan.pieces)
                if (llvm::Expected<std::string> reason =
                        someHold(plan.rank, piece.sourceRank);
                    !reason || !reason->empty())
                  __builtin_trap();
        }
    }
  }
#else
#error "MINDSHARD_FUZZ_TARGET must name a reader"
#endif
  return 0;
}
