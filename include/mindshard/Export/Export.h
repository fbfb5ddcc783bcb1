//===- Export.h - the whole export job --------------------------*- C++ -*-===//
//
// Part of mindshard. From the single-device network, the training strategy
// and the training checkpoints, writes one MindIR file (or checkpoint) per
// device, with the predict strategy, the communication groups and a
// manifest of checksums: the pipeline of mindshard-export, usable as a
// library.
//
//===----------------------------------------------------------------------===//

#ifndef MINDSHARD_EXPORT_EXPORT_H
#define MINDSHARD_EXPORT_EXPORT_H

#include "mindshard/Formats/Crypto.h"
#include "mindshard/Formats/DType.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace mindshard {

/// This process's share of a job run as several processes.
struct ProcessGroup {
  int64_t index = 0;
  int64_t count = 1;
  /// What set it: "Open MPI", "MPICH", "Slurm", "torchrun".
  std::string launcher;
  /// What tells this launch from every other, the same in each of its
  /// processes (the launcher's job id); empty when unknown. The processes
  /// of a launch with an id move their files into place only once every
  /// one of them has written and verified its own.
  std::string launchId;
};

/// The process group the launcher's environment describes (Open MPI,
/// MPICH/Intel MPI, Slurm, torchrun), if any, with the launch id that
/// launcher gives: PMIx's namespace or Open MPI's job id; PMIx's namespace
/// for MPICH where it has one; Slurm's job and step ids; torchrun's
/// rendezvous id (unless it is the default "none") and restart count.
llvm::Expected<std::optional<ProcessGroup>> processGroupFromEnvironment();

enum class EmitKind { MindIR, Checkpoint };

struct ExportOptions {
  /// The single-device network: MindIR, or the dialect's text (.mlir).
  std::string network;
  /// The training strategy file, or one per pipeline stage.
  std::vector<std::string> trainStrategies;
  /// The training checkpoints: a path with `{rank}` standing for the rank,
  /// or a folder of rank_N folders (the newest .ckpt or .safetensors in
  /// each is taken).
  std::string checkpointPattern;
  std::string checkpointDir;
  /// The number of devices to serve on.
  int64_t devices = 0;
  /// Op strategies to prefer over the training strategy's.
  std::string predictStrategy;
  /// The device ranks to write; empty for all of this process's share.
  std::vector<int64_t> ranks;
  /// Run as one of several processes: this one writes ranks r with
  /// r % count == index. Not with `ranks`.
  ProcessGroup process;
  /// Whether the processes of a launch with an id wait for each other
  /// before moving their files into place, and how long a process waits
  /// for another to join before it gives up.
  bool launchWait = true;
  std::chrono::seconds launchTimeout{300};
  /// Devices written at once.
  unsigned jobs = 1;
  bool progress = false;
  /// Print the time each step took.
  bool timings = false;
  /// Re-read what was written and check it against the manifest.
  bool verify = false;
  /// Record every file's SHA-256 (what sha256sum prints) in the manifest
  /// besides its CRC-32C.
  bool sha256 = false;
  EmitKind emit = EmitKind::MindIR;
  /// Convert floating-point weights to this dtype.
  std::optional<DType> castTo;
  /// The MindSpore version the MindIR files are for (see
  /// MindIRExportOptions::targetVersion).
  std::string targetVersion;
  /// Per-device weights past this size go to external data files.
  uint64_t externalDataThreshold = 1ull << 30;
  std::string outputDir;
  bool sync = true;
  /// Read large slices past the page cache (O_DIRECT) where the file
  /// system allows it: the bytes go from the disk into a few buffers of
  /// mindshard's own, and the cache is neither filled nor evicted for bytes
  /// that are read once.
  bool directReads = true;
  /// Write large files past the page cache too. Off by default: writes
  /// through the cache, written back as they go, keep many requests in
  /// flight, where a direct writer has one per file. On the project's
  /// build machine, after another process had used and freed 3 GiB, direct
  /// writes made an export take 1.6x as long (2.1 s against 1.3 s), and
  /// they gained nothing otherwise (docs/performance.md).
  bool directWrites = false;
  /// Verify the CRC trailers of training checkpoints that have one.
  bool verifyCrc = true;
  std::optional<DecryptKey> key;
};

/// What an export wrote.
struct ExportSummary {
  int64_t devices = 0;
  int64_t trainRanks = 0;
  std::vector<int64_t> ranksWritten;
  std::vector<std::string> files;
  uint64_t bytesWritten = 0;
  uint64_t bytesRead = 0;
  double seconds = 0;
};

/// Runs the export. Progress and the summary go to `log`; errors name the
/// file, parameter and rank at fault. The files are written in a staging
/// folder inside the output folder and moved into place once all are
/// written (and verified), replacing an earlier export's; on failure the
/// output folder is left as it was.
llvm::Expected<ExportSummary> runExport(mlir::MLIRContext &context,
                                        const ExportOptions &options,
                                        llvm::raw_ostream &log);

/// Re-reads an export's files and checks them against its manifests (the
/// given ones, else every manifest in the folder): file sizes and checksums,
/// and every tensor's CRC-32C.
llvm::Error verifyExport(llvm::StringRef outputDir, llvm::raw_ostream &log,
                         llvm::ArrayRef<std::string> manifests = {});

/// Prints what an export holds: per parameter, its whole shape, its
/// predict layout and the part of it each device holds.
llvm::Error printExport(llvm::StringRef outputDir, llvm::raw_ostream &os);

} // namespace mindshard

#endif // MINDSHARD_EXPORT_EXPORT_H
