//===- MindIR.h - MindIR files to and from the mindir dialect ---*- C++ -*-===//
//
// Part of mindshard. The translations between MindIR files (MindSpore's
// serialized networks, a ModelProto) and the `mindir` dialect.
//
// Import understands every MindIR generation MindSpore wrote: bare op_type
// names (up to 1.6) and `REF::` references to ModelProto.primitives (1.7 on),
// `S-Prim-`/`S_Prim_` wrappers, legacy `ref_attr_name` attributes, sub-graphs
// in `functions` with closures, parameters with inline or external data, and
// encrypted files. Primitives with a dedicated op become that op; every
// other primitive, and any use a dedicated op does not accept, becomes a
// `mindir.primitive` with its attributes, so every network imports.
//
// Export writes the conventions MindSpore 2.x writes and its loader checks.
//
//===----------------------------------------------------------------------===//

#ifndef MINDSHARD_TARGET_MINDIR_H
#define MINDSHARD_TARGET_MINDIR_H

#include "mindshard/Formats/Crypto.h"
#include "mindshard/Formats/DType.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <functional>
#include <optional>
#include <string>

namespace mindshard {

namespace irpb {
class ModelProto;
} // namespace irpb

/// Parses MindIR bytes (decrypting them with `key` when they are encrypted)
/// into `model`. Errors name `path` and, for malformed protobuf, the byte
/// offset of the first field that does not parse.
llvm::Error parseModelProto(llvm::ArrayRef<uint8_t> bytes, llvm::StringRef path,
                            const std::optional<DecryptKey> &key,
                            irpb::ModelProto &model);

struct MindIRImportOptions {
  /// Import parameter data as resource blobs; without it parameters carry
  /// only their types (the export pipeline takes weights from checkpoints).
  bool importWeights = true;
  /// The key of an encrypted file.
  std::optional<DecryptKey> key;
};

/// Imports the MindIR file at `path`. Errors are emitted as diagnostics that
/// name the file, the graph and the node.
mlir::OwningOpRef<mlir::ModuleOp>
importMindIR(llvm::StringRef path, mlir::MLIRContext *context,
             const MindIRImportOptions &options = {});

/// Imports MindIR held in memory; `path` names it in messages and locates
/// external data files.
mlir::OwningOpRef<mlir::ModuleOp>
importMindIR(llvm::ArrayRef<uint8_t> bytes, llvm::StringRef path,
             mlir::MLIRContext *context,
             const MindIRImportOptions &options = {});

/// Supplies the bytes of a parameter at export time, streaming them into the
/// output instead of from the IR.
class ParameterDataSource {
public:
  virtual ~ParameterDataSource();
  /// The parameter's dtype and shape as written (the IR's type may differ
  /// only by a cast the source applies).
  virtual bool provides(llvm::StringRef parameter) const = 0;
  /// The number of bytes the parameter's data takes.
  virtual uint64_t byteSize(llvm::StringRef parameter) const = 0;
  /// Writes the parameter's bytes, in order, through `sink`.
  virtual llvm::Error
  write(llvm::StringRef parameter,
        llvm::function_ref<llvm::Error(llvm::ArrayRef<uint8_t>)> sink) = 0;
};

struct MindIRExportOptions {
  /// The MindSpore version the file is for. "2.2" writes primitive init
  /// arguments as attributes and mind_ir_version 1 (every 2.x loads it);
  /// "2.3" and later write them as inputs and mind_ir_version 2. Empty: the
  /// version the module was imported from, else 2.2.
  std::string targetVersion;
  /// Weights whose total exceeds this go to `<name>_variables/data_0` next to
  /// `<name>_graph.mindir`, as MindSpore does past 1 GiB.
  uint64_t externalDataThreshold = 1ull << 30;
  /// Where parameter bytes come from when not from the IR.
  ParameterDataSource *dataSource = nullptr;
  /// Sync the files before renaming them into place.
  bool sync = true;
  /// Compute each file's SHA-256 as it is written (the CRC-32C always is).
  bool sha256 = false;
  /// Write the file holding the weights past the page cache when it is
  /// large (AtomicOutputFile::Options::direct; ExportOptions::directWrites
  /// says when that pays).
  bool directWrites = false;
};

/// What an export wrote.
struct MindIRExportResult {
  /// The graph file, and the data file when the weights went outside; their
  /// sizes, CRC-32C, and SHA-256 in hex when asked for.
  std::vector<std::string> files;
  std::vector<uint64_t> sizes;
  std::vector<uint32_t> crc32c;
  std::vector<std::string> sha256;
  uint64_t parameterBytes = 0;
  bool externalData = false;
};

/// Writes the module as a MindIR file at `path` (`<stem>.mindir`; with
/// external data `<stem>_graph.mindir` and `<stem>_variables/data_0`), each
/// file under a temporary name renamed into place when complete.
mlir::FailureOr<MindIRExportResult>
exportMindIR(mlir::ModuleOp module, llvm::StringRef path,
             const MindIRExportOptions &options = {});

/// A module whose graphs are serialized once and written any number of
/// times, each time with other parameter data: one file per device of a
/// device program.
class MindIRWriter {
public:
  static mlir::FailureOr<std::unique_ptr<MindIRWriter>>
  create(mlir::ModuleOp module, const MindIRExportOptions &options = {});
  ~MindIRWriter();

  /// Writes the file(s) at `path` as exportMindIR() does, parameter data
  /// from `data` (null: from the IR). Several threads may write at once,
  /// each with its own data source.
  llvm::Expected<MindIRExportResult> write(llvm::StringRef path,
                                           ParameterDataSource *data) const;

private:
  MindIRWriter();
  struct Impl;
  std::unique_ptr<Impl> impl;
};

/// Serializes the module as a MindIR file into `os`, weights inline.
mlir::LogicalResult exportMindIR(mlir::ModuleOp module, llvm::raw_ostream &os,
                                 const MindIRExportOptions &options = {});

/// Registers --import-mindir and --export-mindir with mlir-translate.
void registerMindIRTranslations();

/// The element type of a MindSpore dtype, and back.
mlir::Type getElementType(mlir::MLIRContext *context, DType dtype);
std::optional<DType> getDType(mlir::Type elementType);

} // namespace mindshard

#endif // MINDSHARD_TARGET_MINDIR_H
