//===- Progress.h - a progress bar for long copies --------------*- C++ -*-===//
//
// Part of mindshard. Bytes done out of bytes to do, the rate and the time
// left, redrawn on one stderr line a few times a second while work goes on
// in other threads.
//
//===----------------------------------------------------------------------===//

#ifndef MINDSHARD_EXPORT_PROGRESS_H
#define MINDSHARD_EXPORT_PROGRESS_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace mindshard {

/// "1.5 GiB", "312 KiB", "17 B".
std::string formatBytes(uint64_t bytes);

class Progress {
public:
  /// Draws on `os` when `enabled`; counting goes on either way.
  Progress(llvm::StringRef label, uint64_t totalBytes, bool enabled,
           llvm::raw_ostream &os = llvm::errs());
  ~Progress();

  /// Records bytes done; callable from any thread.
  void add(uint64_t bytes) { done += bytes; }
  uint64_t bytesDone() const { return done; }
  /// Seconds since the start.
  double elapsed() const;
  /// Stops drawing and clears the line.
  void finish();

private:
  void draw(bool final);

  std::string label;
  uint64_t total;
  llvm::raw_ostream &os;
  std::atomic<uint64_t> done{0};
  std::chrono::steady_clock::time_point start;
  std::mutex mutex;
  std::condition_variable stop;
  bool stopping = false;
  std::thread drawer;
};

} // namespace mindshard

#endif // MINDSHARD_EXPORT_PROGRESS_H
