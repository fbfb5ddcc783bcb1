//===- Progress.cpp - a progress bar for long copies ----------------------===//
//
// Part of mindshard.
//
//===----------------------------------------------------------------------===//

#include "mindshard/Export/Progress.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mindshard;

std::string mindshard::formatBytes(uint64_t bytes) {
  static const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = bytes;
  unsigned unit = 0;
  while (value >= 1024 && unit + 1 < std::size(units)) {
    value /= 1024;
    ++unit;
  }
  if (unit == 0)
    return llvm::formatv("{0} B", bytes).str();
  return llvm::formatv("{0:f1} {1}", value, units[unit]).str();
}

Progress::Progress(llvm::StringRef label, uint64_t totalBytes, bool enabled,
                   llvm::raw_ostream &os)
    : label(label.str()), total(totalBytes), os(os),
      start(std::chrono::steady_clock::now()) {
  if (!enabled)
    return;
  drawer = std::thread([this] {
    std::unique_lock<std::mutex> lock(mutex);
    while (!stop.wait_for(lock, std::chrono::milliseconds(200),
                          [this] { return stopping; }))
      draw(false);
    draw(true);
  });
}

Progress::~Progress() { finish(); }

double Progress::elapsed() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

void Progress::finish() {
  if (!drawer.joinable())
    return;
  {
    std::lock_guard<std::mutex> lock(mutex);
    stopping = true;
  }
  stop.notify_all();
  drawer.join();
}

void Progress::draw(bool final) {
  uint64_t now = done;
  double seconds = elapsed();
  double rate = seconds > 0 ? now / seconds : 0;
  double fraction = total ? std::min(1.0, double(now) / total) : 1.0;
  constexpr int width = 24;
  int filled = int(fraction * width);
  std::string bar(filled, '=');
  if (filled < width)
    bar += '>' + std::string(width - filled - 1, ' ');
  std::string left = "";
  if (!final && rate > 0 && now < total)
    left = llvm::formatv("  {0:f0}s left", (total - now) / rate).str();
  os << llvm::formatv("\r{0} [{1}] {2} / {3}  {4}/s{5}\x1b[K", label, bar,
                      formatBytes(now), formatBytes(total),
                      formatBytes(uint64_t(rate)), left);
  if (final)
    os << "\n";
  os.flush();
}
