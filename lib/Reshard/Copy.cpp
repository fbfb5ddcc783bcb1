//===- Copy.cpp - moving planned pieces from checkpoints to output --------===//
//
// Part of mindshard.
//
//===----------------------------------------------------------------------===//

#include "mindshard/Reshard/Copy.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"

#include <cstring>
#include <numeric>
#include <thread>

using namespace mindshard;
using llvm::ArrayRef;
using llvm::SmallVector;

TrainingCheckpoints::TrainingCheckpoints(std::vector<std::string> paths,
                                         CheckpointReadOptions options)
    : paths(std::move(paths)), options(std::move(options)) {
  for (size_t i = 0; i < this->paths.size(); ++i)
    slots.push_back(std::make_unique<Slot>());
}

/// Why `rank` has no checkpoint path.
static std::string notGiven(int64_t rank) {
  return llvm::formatv("the checkpoint of training rank {0} was not given",
                       rank);
}

std::optional<std::string> TrainingCheckpoints::whyMissing(int64_t rank) const {
  if (rank < 0 || rank >= size() || paths[rank].empty())
    return notGiven(rank);
  const std::string &path = paths[rank];
  if (llvm::sys::fs::is_directory(path))
    return path + " holds no .ckpt or .safetensors file";
  if (!llvm::sys::fs::exists(path))
    return path + " is missing";
  return std::nullopt;
}

llvm::Expected<const Checkpoint *> TrainingCheckpoints::get(int64_t rank) {
  if (rank < 0 || rank >= size() || paths[rank].empty())
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   notGiven(rank));
  Slot &slot = *slots[rank];
  std::lock_guard<std::mutex> lock(slot.mutex);
  if (!slot.checkpoint) {
    llvm::Expected<std::unique_ptr<Checkpoint>> checkpoint =
        Checkpoint::open(paths[rank], options);
    if (!checkpoint)
      return checkpoint.takeError();
    slot.checkpoint = std::move(*checkpoint);
  }
  return slot.checkpoint.get();
}

void TrainingCheckpoints::openAll(ArrayRef<int64_t> ranks, unsigned threads) {
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i; (i = next++) < ranks.size();)
      if (llvm::Expected<const Checkpoint *> checkpoint = get(ranks[i]);
          !checkpoint)
        llvm::consumeError(checkpoint.takeError());
  };
  std::vector<std::thread> pool;
  for (unsigned i = 1; i < std::max(1u, threads); ++i)
    pool.emplace_back(worker);
  worker();
  for (std::thread &thread : pool)
    thread.join();
}

namespace {

/// Copies boxes out of one tensor of a checkpoint.
class BoxReader {
public:
  BoxReader(const Checkpoint &checkpoint, const TensorEntry &entry,
            unsigned elementBytes)
      : checkpoint(checkpoint), entry(entry), elementBytes(elementBytes),
        contiguous(checkpoint.contiguousBytes(entry)) {}

  /// Copies the box of extents `shape` at `from` of the tensor into the
  /// row-major array `target` of shape `targetShape`, at `to`.
  void copy(ArrayRef<int64_t> from, ArrayRef<int64_t> to,
            ArrayRef<int64_t> shape, uint8_t *target,
            ArrayRef<int64_t> targetShape) const;

  /// Drops the pages of rows [begin, end) of dimension 0 from the process.
  void release(int64_t beginRow, int64_t endRow) const;
  /// Asks the kernel to read rows [begin, end) of dimension 0 ahead; with
  /// `streamed`, only the parts that stream() will not read past the page
  /// cache. Returns the bytes of those rows, read ahead or not.
  uint64_t prefetch(int64_t beginRow, int64_t endRow, bool streamed) const;
  /// Hands rows [begin, end) of dimension 0 to `sink` straight from the
  /// file (MappedFile::stream()), a part of at most `partBytes` at a time;
  /// no page of the mapping is touched.
  llvm::Error
  stream(int64_t beginRow, int64_t endRow, uint64_t partBytes,
         llvm::function_ref<llvm::Error(ArrayRef<uint8_t>)> sink) const;

private:
  void read(uint64_t offset, uint64_t size, uint8_t *out) const {
    if (!contiguous.empty())
      std::memcpy(out, contiguous.data() + offset, size);
    else
      checkpoint.read(entry, offset, size, out);
  }

  const Checkpoint &checkpoint;
  const TensorEntry &entry;
  unsigned elementBytes;
  ArrayRef<uint8_t> contiguous;
};

} // namespace

void BoxReader::copy(ArrayRef<int64_t> from, ArrayRef<int64_t> to,
                     ArrayRef<int64_t> shape, uint8_t *target,
                     ArrayRef<int64_t> targetShape) const {
  ArrayRef<int64_t> sourceShape = entry.shape;
  size_t rank = shape.size();
  if (rank == 0) {
    read(0, elementBytes, target);
    return;
  }
  // The longest run of elements that is contiguous in both arrays: the
  // innermost dimensions the box spans whole in both, plus one more.
  uint64_t run = 1;
  size_t outer = rank;
  while (outer > 0) {
    --outer;
    run *= shape[outer];
    if (shape[outer] != sourceShape[outer] ||
        shape[outer] != targetShape[outer])
      break;
  }
  if (run == 0)
    return;
  SmallVector<int64_t, 4> sourceStrides = rowMajorStrides(sourceShape);
  SmallVector<int64_t, 4> targetStrides = rowMajorStrides(targetShape);
  uint64_t runBytes = run * elementBytes;
  // Walk the dimensions before `outer` (and `outer` itself when the run
  // does not cover it whole).
  SmallVector<int64_t, 4> index(outer, 0);
  while (true) {
    int64_t source = 0, destination = 0;
    for (size_t d = 0; d < rank; ++d) {
      int64_t i = d < outer ? index[d] : 0;
      source += (from[d] + i) * sourceStrides[d];
      destination += (to[d] + i) * targetStrides[d];
    }
    read(source * elementBytes, runBytes, target + destination * elementBytes);
    size_t d = outer;
    while (d > 0) {
      if (++index[d - 1] < shape[d - 1])
        break;
      index[d - 1] = 0;
      --d;
    }
    if (d == 0)
      return;
  }
}

/// Calls `fn(fileOffset, size)` for the parts of the file that hold rows
/// [beginRow, endRow) of dimension 0 of a tensor.
static void forEachFileRange(const TensorEntry &entry, unsigned elementBytes,
                             int64_t beginRow, int64_t endRow,
                             llvm::function_ref<void(uint64_t, uint64_t)> fn) {
  uint64_t rowBytes =
      entry.shape.empty()
          ? elementBytes
          : uint64_t(product(ArrayRef<int64_t>(entry.shape).drop_front())) *
                elementBytes;
  uint64_t begin = beginRow * rowBytes, end = endRow * rowBytes;
  uint64_t position = 0;
  for (const Segment &segment : entry.segments) {
    uint64_t lo = std::max(begin, position);
    uint64_t hi = std::min(end, position + segment.size);
    if (lo < hi)
      fn(segment.offset + (lo - position), hi - lo);
    position += segment.size;
  }
}

void BoxReader::release(int64_t beginRow, int64_t endRow) const {
  forEachFileRange(entry, elementBytes, beginRow, endRow,
                   [&](uint64_t offset, uint64_t size) {
                     checkpoint.bytes().release(offset, size);
                   });
}

llvm::Error BoxReader::stream(
    int64_t beginRow, int64_t endRow, uint64_t partBytes,
    llvm::function_ref<llvm::Error(ArrayRef<uint8_t>)> sink) const {
  AlignedBuffer part(
      std::min<uint64_t>(partBytes, checkpoint.bytes().streamPartBytes()));
  llvm::Error result = llvm::Error::success();
  forEachFileRange(entry, elementBytes, beginRow, endRow,
                   [&](uint64_t offset, uint64_t size) {
                     if (!result)
                       result =
                           checkpoint.bytes().stream(offset, size, part, sink);
                   });
  return result;
}

uint64_t BoxReader::prefetch(int64_t beginRow, int64_t endRow,
                             bool streamed) const {
  const MappedFile &file = checkpoint.bytes();
  uint64_t bytes = 0;
  forEachFileRange(entry, elementBytes, beginRow, endRow,
                   [&](uint64_t offset, uint64_t size) {
                     if (!streamed || !file.streamsDirect(size))
                       file.willNeed(offset, size);
                     bytes += size;
                   });
  return bytes;
}

/// True when every piece is whole rows of its training slice and of the
/// predict slice, and no cast is asked for: the slice is then those rows one
/// after the other, streamed from the files in order.
static bool isRowStream(const SlicePlan &plan, DType dtype,
                        const CopyOptions &options) {
  if (outputDType(dtype, options) != dtype)
    return false;
  return llvm::all_of(plan.pieces, [&](const Piece &piece) {
    ArrayRef<int64_t> inner = ArrayRef<int64_t>(piece.shape).drop_front();
    return inner == ArrayRef<int64_t>(plan.shape).drop_front() &&
           inner == ArrayRef<int64_t>(piece.sourceShape).drop_front() &&
           llvm::all_of(ArrayRef<int64_t>(piece.sourceOffsets).drop_front(),
                        [](int64_t offset) { return offset == 0; });
  });
}

/// The rows [first, first + count) of dimension 0 that a piece reads.
static std::pair<int64_t, int64_t> pieceRows(const Piece &piece) {
  int64_t first = piece.sourceOffsets.empty() ? 0 : piece.sourceOffsets[0];
  int64_t count = piece.shape.empty() ? 1 : piece.shape[0];
  return {first, first + count};
}

uint64_t mindshard::prefetchSlice(TrainingCheckpoints &checkpoints,
                                  llvm::StringRef name, DType dtype,
                                  const SlicePlan &plan,
                                  const CopyOptions &options) {
  bool streamed = isRowStream(plan, dtype, options);
  uint64_t bytes = 0;
  for (const Piece &piece : plan.pieces) {
    llvm::Expected<const Checkpoint *> checkpoint =
        checkpoints.get(piece.sourceRank);
    if (!checkpoint) {
      // copySlice() reports it.
      llvm::consumeError(checkpoint.takeError());
      continue;
    }
    const TensorEntry *entry = (*checkpoint)->find(name);
    if (!entry)
      continue;
    unsigned elementBytes = std::max(1u, getElementBits(entry->dtype) / 8);
    auto [begin, end] = pieceRows(piece);
    bytes += BoxReader(**checkpoint, *entry, elementBytes)
                 .prefetch(begin, end, streamed);
  }
  return bytes;
}

llvm::Error
mindshard::copySlice(TrainingCheckpoints &checkpoints, llvm::StringRef name,
                     DType dtype, const SlicePlan &plan,
                     const CopyOptions &options,
                     llvm::function_ref<llvm::Error(ArrayRef<uint8_t>)> sink) {
  auto copyError = [&](const llvm::Twine &message) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "parameter '" + name + "': " + message);
  };
  unsigned bits = getElementBits(dtype);
  if (bits % 8 != 0)
    return copyError("cannot slice " + getCheckpointName(dtype) + " data");
  unsigned elementBytes = bits / 8;
  DType output = outputDType(dtype, options);

  // The readers of the pieces' tensors.
  std::vector<BoxReader> readers;
  for (const Piece &piece : plan.pieces) {
    llvm::Expected<const Checkpoint *> checkpoint =
        checkpoints.get(piece.sourceRank);
    if (!checkpoint)
      return copyError(llvm::toString(checkpoint.takeError()));
    const TensorEntry *entry = (*checkpoint)->find(name);
    if (!entry || entry->shape != piece.sourceShape || entry->dtype != dtype)
      return copyError(llvm::formatv(
          "{0} does not hold the {1} slice {2} the plan expects",
          checkpoints.path(piece.sourceRank), getCheckpointName(dtype),
          formatList(piece.sourceShape)));
    readers.emplace_back(**checkpoint, *entry, elementBytes);
  }

  // Have the kernel read every piece's rows ahead while the copy goes on,
  // but for those read past the page cache.
  bool streamed = isRowStream(plan, dtype, options);
  for (auto [piece, reader] : llvm::zip_equal(plan.pieces, readers)) {
    auto [begin, end] = pieceRows(piece);
    reader.prefetch(begin, end, streamed);
  }

  // A slice of whole rows goes to the sink straight from the files, piece
  // by piece in order.
  if (streamed) {
    std::vector<size_t> order(plan.pieces.size());
    std::iota(order.begin(), order.end(), 0);
    llvm::sort(order, [&](size_t a, size_t b) {
      return plan.pieces[a].targetOffsets < plan.pieces[b].targetOffsets;
    });
    for (size_t index : order) {
      auto [begin, end] = pieceRows(plan.pieces[index]);
      if (llvm::Error error = readers[index].stream(
              begin, end, options.blockBytes, [&](ArrayRef<uint8_t> bytes) {
                checkpoints.addBytesRead(bytes.size());
                return sink(bytes);
              }))
        return error;
    }
    return llvm::Error::success();
  }

  // Blocks of whole rows of dimension 0.
  ArrayRef<int64_t> shape = plan.shape;
  int64_t rows = shape.empty() ? 1 : shape[0];
  uint64_t rowElements = shape.empty() ? 1 : product(shape.drop_front());
  uint64_t rowBytes = rowElements * elementBytes;
  int64_t blockRows =
      std::max<int64_t>(1, rowBytes ? options.blockBytes / rowBytes : rows);
  // The pieces tile the slice (the plan was checked), so every byte of a
  // block is written before it is handed on.
  std::unique_ptr<uint8_t[]> buffer(
      new uint8_t[std::min<int64_t>(blockRows, rows) * rowBytes]);
  std::vector<uint8_t> converted;
  for (int64_t first = 0; first < rows; first += blockRows) {
    int64_t last = std::min(rows, first + blockRows);
    llvm::MutableArrayRef<uint8_t> block(buffer.get(),
                                         (last - first) * rowBytes);
    SmallVector<int64_t, 4> blockShape(shape);
    if (!blockShape.empty())
      blockShape[0] = last - first;
    for (auto [piece, reader] : llvm::zip_equal(plan.pieces, readers)) {
      if (shape.empty()) {
        reader.copy({}, {}, {}, block.data(), {});
        continue;
      }
      // The piece's rows inside this block.
      int64_t begin = std::max(first, piece.targetOffsets[0]);
      int64_t end = std::min(last, piece.targetOffsets[0] + piece.shape[0]);
      if (begin >= end)
        continue;
      SmallVector<int64_t, 4> from(piece.sourceOffsets),
          to(piece.targetOffsets), extent(piece.shape);
      from[0] += begin - piece.targetOffsets[0];
      to[0] = begin - first;
      extent[0] = end - begin;
      reader.copy(from, to, extent, block.data(), blockShape);
      reader.release(from[0], from[0] + extent[0]);
      checkpoints.addBytesRead(product(extent) * elementBytes);
    }
    if (output == dtype) {
      if (llvm::Error error = sink(block))
        return error;
      continue;
    }
    uint64_t count = (last - first) * rowElements;
    converted.resize(byteSize(output, count));
    if (!convertFloats(dtype, block.data(), output, converted.data(), count))
      return copyError("cannot cast " + getCheckpointName(dtype) + " to " +
                       getCheckpointName(output));
    if (llvm::Error error = sink(converted))
      return error;
  }
  return llvm::Error::success();
}
