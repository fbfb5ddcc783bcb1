//===- MindIRTranslation.cpp - mlir-translate registrations ---------------===//
//
// Part of mindshard. --import-mindir and --export-mindir for
// mindshard-translate, with the options every reading tool takes for
// encrypted files.
//
//===----------------------------------------------------------------------===//

#include "mindshard/Target/MindIR.h"

#include "MindIR/MindIR.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/SourceMgr.h"

using namespace mlir;
using namespace mindshard;

void mindshard::registerMindIRTranslations() {
  static llvm::cl::opt<std::string> keyHex(
      "decrypt-key-hex", llvm::cl::desc("Key of an encrypted input, in hex"));
  static llvm::cl::opt<std::string> keyFile(
      "decrypt-key-file",
      llvm::cl::desc("File holding the key of an encrypted input"));
  static llvm::cl::opt<std::string> keyMode(
      "decrypt-mode", llvm::cl::desc("AES-GCM (default), AES-CBC or SM4-CBC"),
      llvm::cl::init("AES-GCM"));
  static llvm::cl::opt<bool> noWeights(
      "mindir-no-weights",
      llvm::cl::desc("Import parameters without their data"));
  static llvm::cl::opt<std::string> targetVersion(
      "mindir-target-version",
      llvm::cl::desc("MindSpore version to write for (2.2 writes init "
                     "arguments as attributes, 2.3+ as inputs); default: "
                     "the imported file's"));

  static TranslateToMLIRRegistration importRegistration(
      "import-mindir", "import a MindIR file into the mindir dialect",
      [](llvm::SourceMgr &sourceMgr,
         MLIRContext *context) -> OwningOpRef<Operation *> {
        const llvm::MemoryBuffer *buffer =
            sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID());
        llvm::Expected<std::optional<DecryptKey>> key =
            resolveDecryptKey(keyHex, keyFile, keyMode);
        if (!key) {
          emitError(UnknownLoc::get(context))
              << llvm::toString(key.takeError());
          return nullptr;
        }
        MindIRImportOptions options;
        options.key = std::move(*key);
        options.importWeights = !noWeights;
        ArrayRef<uint8_t> bytes(
            reinterpret_cast<const uint8_t *>(buffer->getBufferStart()),
            buffer->getBufferSize());
        return importMindIR(bytes, buffer->getBufferIdentifier(), context,
                            options);
      },
      [](DialectRegistry &registry) {
        registry.insert<mindir::MindIRDialect, func::FuncDialect>();
      });

  static TranslateFromMLIRRegistration exportRegistration(
      "export-mindir", "export the mindir dialect as a MindIR file",
      [](Operation *op, llvm::raw_ostream &os) -> LogicalResult {
        auto module = dyn_cast<ModuleOp>(op);
        if (!module)
          return op->emitError("expected a module");
        MindIRExportOptions options;
        options.targetVersion = targetVersion;
        return exportMindIR(module, os, options);
      },
      [](DialectRegistry &registry) {
        registry.insert<mindir::MindIRDialect, func::FuncDialect>();
      });
}
