//===- Copy.h - planned pieces from checkpoints to output -------*- C++ -*-===//
//
// Part of mindshard. Carries out a slice plan: the slice's bytes are
// gathered from the mapped training checkpoints in blocks of rows and
// handed to a sink (the output file) in order, so that at most one block is
// ever held in memory, whatever the size of the parameter. Bytes are copied
// in the checkpoint's dtype unless a cast is asked for.
//
//===----------------------------------------------------------------------===//

#ifndef MINDSHARD_RESHARD_COPY_H
#define MINDSHARD_RESHARD_COPY_H

#include "mindshard/Formats/Checkpoint.h"
#include "mindshard/Reshard/Plan.h"

#include "llvm/ADT/STLFunctionalExtras.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>

namespace mindshard {

/// The training run's checkpoints by rank, each indexed the first time it
/// is needed. Safe to share between threads.
class TrainingCheckpoints {
public:
  /// `paths[r]` is rank r's checkpoint; an empty path is a rank whose file
  /// is not available (an error only if a plan needs it).
  TrainingCheckpoints(std::vector<std::string> paths,
                      CheckpointReadOptions options);

  int64_t size() const { return paths.size(); }
  llvm::StringRef path(int64_t rank) const { return paths[rank]; }
  llvm::ArrayRef<std::string> allPaths() const { return paths; }
  /// Why rank `rank`'s checkpoint is not there to read, when it is not:
  /// no path given, nothing at the path, or a folder (of `rank_N` folders,
  /// one without a checkpoint in it).
  std::optional<std::string> whyMissing(int64_t rank) const;
  /// Rank `rank`'s checkpoint, indexed on first use.
  llvm::Expected<const Checkpoint *> get(int64_t rank);
  /// Indexes the checkpoints of `ranks`, `threads` at a time (indexing a
  /// cold file waits on the disk for each record header). A file that
  /// cannot be opened is reported by the get() that needs it.
  void openAll(llvm::ArrayRef<int64_t> ranks, unsigned threads);
  /// The bytes copied out of the checkpoints so far.
  uint64_t bytesRead() const { return readBytes; }
  void addBytesRead(uint64_t bytes) { readBytes += bytes; }

private:
  struct Slot {
    std::mutex mutex;
    std::unique_ptr<Checkpoint> checkpoint;
  };
  std::vector<std::string> paths;
  CheckpointReadOptions options;
  std::vector<std::unique_ptr<Slot>> slots;
  std::atomic<uint64_t> readBytes{0};
};

struct CopyOptions {
  /// Convert floating-point data to this dtype.
  std::optional<DType> castTo;
  /// The most bytes of a slice held in memory at once (at least one row of
  /// dimension 0 is).
  uint64_t blockBytes = 16ull << 20;
};

/// The dtype a slice is written in.
inline DType outputDType(DType source, const CopyOptions &options) {
  return options.castTo && isFloat(source) ? *options.castTo : source;
}

/// Asks the kernel to read ahead the checkpoint bytes that copySlice() will
/// read for `plan` through the page cache (those it reads past the cache,
/// it reads when it needs them); returns the number of bytes copySlice()
/// will read.
uint64_t prefetchSlice(TrainingCheckpoints &checkpoints, llvm::StringRef name,
                       DType dtype, const SlicePlan &plan,
                       const CopyOptions &options);

/// Writes the bytes of the slice planned by `plan` of parameter `name`
/// (held as `dtype` in the checkpoints), row-major, through `sink`.
llvm::Error
copySlice(TrainingCheckpoints &checkpoints, llvm::StringRef name, DType dtype,
          const SlicePlan &plan, const CopyOptions &options,
          llvm::function_ref<llvm::Error(llvm::ArrayRef<uint8_t>)> sink);

} // namespace mindshard

#endif // MINDSHARD_RESHARD_COPY_H
