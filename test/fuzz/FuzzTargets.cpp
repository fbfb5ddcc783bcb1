//===- FuzzTargets.cpp - libFuzzer entry points for every reader ----------===//
//
// Part of mindshard. One entry point per reader of untrusted bytes, chosen at
// compile time by MINDSHARD_FUZZ_TARGET. A reader must turn any input into
// either a result or an error: never a crash, a hang or a huge allocation.
//
//===----------------------------------------------------------------------===//

#include "mindshard/Formats/Checkpoint.h"
#include "mindshard/Formats/Crypto.h"
#include "mindshard/Formats/Strategy.h"
#include "mindshard/Target/MindIR.h"
#include "mindshard/Transforms/Passes.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"

#include <cstddef>
#include <cstdint>

using namespace mindshard;

namespace {
[[maybe_unused]] std::vector<uint8_t> copy(const uint8_t *data, size_t size) {
  return std::vector<uint8_t>(data, data + size);
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
#else
#error "MINDSHARD_FUZZ_TARGET must name a reader"
#endif
  return 0;
}
