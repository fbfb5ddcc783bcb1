//===- ckpt-index.cpp - benchmark: indexing and reading checkpoints -------===//
//
// Part of mindshard's benchmarks (not a test).
//
//   mindshard-bench-ckpt write FILE SIZE [TENSOR_SIZE] [crc]
//       writes a .ckpt of SIZE (GiB, or with a suffix k, m or g) in tensors
//       of TENSOR_SIZE (MiB, or with a suffix; default 64 MiB), with
//       MindSpore's CRC trailer if `crc` is given
//   mindshard-bench-ckpt index FILE
//       opens FILE and prints the time, peak memory and bytes read from the
//       disk it took (from a cold page cache, the last counts what the
//       kernel read ahead around the record headers)
//   mindshard-bench-ckpt read FILE
//       copies every tensor's bytes out of the mapped file and prints the
//       rate, next to a plain memcpy of a buffer of the same size
//
//===----------------------------------------------------------------------===//

#include "mindshard/Formats/Checkpoint.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cstring>
#include <fstream>
#include <sys/resource.h>

using namespace mindshard;

static double seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

static long peakRssKiB() {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

/// The bytes this process has had read from storage (not the page cache).
static uint64_t diskReadBytes() {
  std::ifstream io("/proc/self/io");
  std::string key;
  uint64_t value = 0;
  while (io >> key >> value)
    if (key == "read_bytes:")
      return value;
  return 0;
}

/// "4k", "32m", "2g", or a bare number in units of 2^`shift` bytes.
static uint64_t parseSize(llvm::StringRef text, unsigned shift) {
  if (text.consume_back("k"))
    shift = 10;
  else if (text.consume_back("m"))
    shift = 20;
  else if (text.consume_back("g"))
    shift = 30;
  uint64_t value = 0;
  if (text.getAsInteger(10, value))
    value = 1;
  return value << shift;
}

static int fail(llvm::Error error) {
  llvm::errs() << "error: " << llvm::toString(std::move(error)) << "\n";
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    llvm::errs() << "usage: mindshard-bench-ckpt write|index|read FILE ...\n";
    return 2;
  }
  std::string command = argv[1], path = argv[2];

  if (command == "write") {
    uint64_t fileBytes = parseSize(argc > 3 ? argv[3] : "1", 30);
    uint64_t tensorBytes = parseSize(argc > 4 ? argv[4] : "64", 20);
    uint64_t count = fileBytes / tensorBytes;
    CheckpointWriter::Options options;
    options.sync = false;
    options.crc = argc > 5 && llvm::StringRef(argv[5]) == "crc";
    auto writer = CheckpointWriter::create(path, options);
    if (!writer)
      return fail(writer.takeError());
    std::vector<uint8_t> chunk(tensorBytes);
    for (size_t i = 0; i < chunk.size(); ++i)
      chunk[i] = static_cast<uint8_t>(i * 2654435761u >> 13);
    int64_t rows = tensorBytes / 4 / 1024;
    for (uint64_t i = 0; i < count; ++i)
      if (llvm::Error error = (*writer)->writeTensor(
              llvm::formatv("layers.{0}.weight", i).str(), DType::Float32,
              {rows, 1024}, chunk))
        return fail(std::move(error));
    if (llvm::Error error = (*writer)->commit())
      return fail(std::move(error));
    llvm::outs() << llvm::formatv("wrote {0} tensors of {1} KiB\n", count,
                                  tensorBytes >> 10);
    return 0;
  }

  // A CRC trailer, when there is one, is checked as an export checks it.
  CheckpointReadOptions options;
  long baselineKiB = peakRssKiB();
  uint64_t diskBefore = diskReadBytes();
  auto start = std::chrono::steady_clock::now();
  auto checkpoint = Checkpoint::open(path, options);
  if (!checkpoint)
    return fail(checkpoint.takeError());
  double indexSeconds = seconds(start);
  uint64_t diskBytes = diskReadBytes() - diskBefore;
  uint64_t total = 0;
  for (const TensorEntry &entry : (*checkpoint)->tensors())
    total += entry.numBytes;

  if (command == "index") {
    llvm::outs() << llvm::formatv(
        "{0} tensors, {1:f1} MiB: indexed in {2:f3} ms, {3} KiB read from "
        "the disk, peak RSS {4} KiB ({5} KiB before opening)\n",
        (*checkpoint)->tensors().size(), total / double(1 << 20),
        indexSeconds * 1000, diskBytes / 1024, peakRssKiB(), baselineKiB);
    return 0;
  }

  // read: copy each tensor into a 64 MiB buffer, twice (the first pass warms
  // the page cache), against memcpy between two buffers of the same size.
  std::vector<uint8_t> buffer(64 << 20), source(64 << 20, 1);
  double copySeconds = 0;
  for (int pass = 0; pass < 2; ++pass) {
    start = std::chrono::steady_clock::now();
    for (const TensorEntry &entry : (*checkpoint)->tensors())
      for (uint64_t offset = 0; offset < entry.numBytes;
           offset += buffer.size()) {
        uint64_t size =
            std::min<uint64_t>(buffer.size(), entry.numBytes - offset);
        (*checkpoint)->read(entry, offset, size, buffer.data());
      }
    copySeconds = seconds(start);
  }
  start = std::chrono::steady_clock::now();
  for (uint64_t done = 0; done < total; done += source.size())
    std::memcpy(buffer.data(), source.data(),
                std::min<uint64_t>(source.size(), total - done));
  double memcpySeconds = seconds(start);
  llvm::outs() << llvm::formatv(
      "read {0:f1} MiB from the mapped file at {1:f2} GB/s; memcpy of the same "
      "bytes: {2:f2} GB/s ({3:f0}%)\n",
      total / double(1 << 20), total / copySeconds / 1e9,
      total / memcpySeconds / 1e9, 100 * memcpySeconds / copySeconds);
  return 0;
}
