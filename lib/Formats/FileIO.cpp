//===- FileIO.cpp - mapped inputs, atomic outputs, format errors ----------===//
//
// Part of mindshard.
//
//===----------------------------------------------------------------------===//

#include "mindshard/Formats/FileIO.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Signals.h"

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <mutex>
#include <sys/mman.h>
#include <thread>
#include <unistd.h>

using namespace mindshard;

llvm::Error mindshard::formatError(llvm::StringRef path, uint64_t offset,
                                   const llvm::Twine &message) {
  return llvm::createStringError(
      llvm::inconvertibleErrorCode(),
      llvm::formatv("{0}: at byte {1}: {2}", path, offset, message.str()));
}

llvm::Error mindshard::fileError(llvm::StringRef path,
                                 const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 path + ": " + message);
}

static llvm::Error errnoError(llvm::StringRef path, llvm::StringRef action) {
  return fileError(path, llvm::Twine("cannot ") + action + ": " +
                             std::strerror(errno));
}

static uint64_t alignDown(uint64_t value) {
  return value & ~(kDirectIOAlignment - 1);
}
static uint64_t alignUp(uint64_t value) {
  return alignDown(value + kDirectIOAlignment - 1);
}

/// pread() until `size` bytes are in or the file ends; the bytes read, or
/// -1 with errno set.
static int64_t readFully(int fd, uint8_t *out, uint64_t size, uint64_t offset) {
  uint64_t got = 0;
  while (got < size) {
    ssize_t n = ::pread(fd, out + got, size - got, offset + got);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return -1;
    if (n == 0)
      break;
    got += n;
  }
  return got;
}

/// pwrite() of all of `bytes` at `offset`; false with errno set.
static bool writeFully(int fd, llvm::ArrayRef<uint8_t> bytes, uint64_t offset) {
  while (!bytes.empty()) {
    ssize_t n = ::pwrite(fd, bytes.data(), bytes.size(), offset);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    bytes = bytes.drop_front(n);
    offset += n;
  }
  return true;
}

//===----------------------------------------------------------------------===//
// AlignedBuffer
//===----------------------------------------------------------------------===//

namespace {
/// Buffers given back, by size, for the next AlignedBuffer of that size:
/// the last given back first, as its pages are the likeliest to be in the
/// processor's cache.
struct BufferPool {
  std::mutex mutex;
  std::map<uint64_t, std::vector<uint8_t *>> free;
};
} // namespace

static BufferPool &bufferPool() {
  // Never destroyed: buffers may be given back while the process exits.
  static BufferPool *pool = new BufferPool();
  return *pool;
}

AlignedBuffer::AlignedBuffer(uint64_t size) : capacity(alignUp(size)) {
  if (capacity == 0)
    return;
  BufferPool &pool = bufferPool();
  {
    std::lock_guard<std::mutex> lock(pool.mutex);
    std::vector<uint8_t *> &free = pool.free[capacity];
    if (!free.empty()) {
      bytes = free.back();
      free.pop_back();
      return;
    }
  }
  void *memory = nullptr;
  if (::posix_memalign(&memory, kDirectIOAlignment, capacity) != 0)
    llvm::report_bad_alloc_error("cannot allocate an I/O buffer");
  bytes = static_cast<uint8_t *>(memory);
}

AlignedBuffer::~AlignedBuffer() {
  if (!bytes)
    return;
  BufferPool &pool = bufferPool();
  std::lock_guard<std::mutex> lock(pool.mutex);
  pool.free[capacity].push_back(bytes);
}

AlignedBuffer &AlignedBuffer::operator=(AlignedBuffer &&other) noexcept {
  if (this != &other) {
    AlignedBuffer old(std::move(*this));
    bytes = other.bytes;
    capacity = other.capacity;
    other.bytes = nullptr;
    other.capacity = 0;
  }
  return *this;
}

//===----------------------------------------------------------------------===//
// MappedFile
//===----------------------------------------------------------------------===//

llvm::Expected<std::unique_ptr<MappedFile>>
MappedFile::open(llvm::StringRef path, bool directReads) {
  if (llvm::sys::fs::is_directory(path))
    return fileError(path, "is a folder, not a file");
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
      llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                  /*RequiresNullTerminator=*/false,
                                  /*IsVolatile=*/false);
  if (!buffer)
    return fileError(path, "cannot open: " + buffer.getError().message());
  std::unique_ptr<MappedFile> file(new MappedFile());
  file->filePath = path.str();
  file->buffer = std::move(*buffer);
  file->mapped =
      file->buffer->getBufferKind() == llvm::MemoryBuffer::MemoryBuffer_MMap;
  std::string name = path.str();
  file->fd = ::open(name.c_str(), O_RDONLY | O_CLOEXEC);
  // A small file is read into memory whole anyway.
  if (directReads && file->mapped)
    file->directFd = ::open(name.c_str(), O_RDONLY | O_DIRECT | O_CLOEXEC);
  file->data = llvm::ArrayRef<uint8_t>(
      reinterpret_cast<const uint8_t *>(file->buffer->getBufferStart()),
      file->buffer->getBufferSize());
  return file;
}

std::unique_ptr<MappedFile> MappedFile::fromBytes(llvm::StringRef path,
                                                  std::vector<uint8_t> bytes) {
  std::unique_ptr<MappedFile> file(new MappedFile());
  file->filePath = path.str();
  file->owned = std::move(bytes);
  file->data = file->owned;
  return file;
}

/// The page-aligned part of [offset, offset + size) within the data.
static std::pair<const uint8_t *, size_t>
alignedRange(llvm::ArrayRef<uint8_t> data, uint64_t offset, uint64_t size,
             bool inner) {
  static const uint64_t page = llvm::sys::Process::getPageSizeEstimate();
  uintptr_t begin = reinterpret_cast<uintptr_t>(data.data() + offset);
  uintptr_t end = begin + size;
  if (inner) {
    begin = (begin + page - 1) & ~(page - 1);
    end &= ~(page - 1);
  } else {
    begin &= ~(page - 1);
    end = (end + page - 1) & ~(page - 1);
  }
  if (end <= begin)
    return {nullptr, 0};
  return {reinterpret_cast<const uint8_t *>(begin), end - begin};
}

void MappedFile::release(uint64_t offset, uint64_t size) const {
  if (!isMapped() || offset >= data.size())
    return;
  size = std::min<uint64_t>(size, data.size() - offset);
  auto [begin, length] = alignedRange(data, offset, size, /*inner=*/true);
  if (length)
    ::madvise(const_cast<uint8_t *>(begin), length, MADV_DONTNEED);
}

MappedFile::~MappedFile() {
  if (fd >= 0)
    ::close(fd);
  if (directFd >= 0)
    ::close(directFd);
}

llvm::Error MappedFile::read(uint64_t offset, uint64_t size,
                             uint8_t *out) const {
  if (offset > data.size() || size > data.size() - offset)
    return fileError(filePath, llvm::formatv("a read of {0} bytes at {1} "
                                             "leaves the file of {2} bytes",
                                             size, offset, data.size()));
  if (fd < 0) {
    std::memcpy(out, data.data() + offset, size);
    return llvm::Error::success();
  }
  while (size > 0) {
    ssize_t n = ::pread(fd, out, size, offset);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return n < 0 ? errnoError(filePath, "read")
                   : fileError(filePath, "ends early: was it cut short "
                                         "while being read?");
    out += n;
    offset += n;
    size -= n;
  }
  return llvm::Error::success();
}

llvm::Error MappedFile::stream(
    uint64_t offset, uint64_t size, AlignedBuffer &scratch,
    llvm::function_ref<llvm::Error(llvm::ArrayRef<uint8_t>)> sink) const {
  assert(scratch.size() >= 2 * kDirectIOAlignment && "scratch too small");
  if (offset > data.size() || size > data.size() - offset)
    return fileError(filePath, llvm::formatv("a read of {0} bytes at {1} "
                                             "leaves the file of {2} bytes",
                                             size, offset, data.size()));
  uint64_t at = offset, end = offset + size;
  // Bytes in memory go to the sink as they are.
  if (fd < 0)
    return size ? sink(data.slice(offset, size)) : llvm::Error::success();

  if (streamsDirect(size)) {
    while (at < end) {
      // Aligned reads: the first starts at most an alignment early, the
      // others where the one before ended.
      uint64_t base = alignDown(at);
      uint64_t want = std::min(scratch.size(), alignUp(end) - base);
      int64_t got = readFully(directFd, scratch.data(), want, base);
      // A file system may take O_DIRECT at open and refuse it here; read
      // the rest through the cache then.
      if (got < 0 && errno == EINVAL)
        break;
      if (got < 0)
        return errnoError(filePath, "read");
      if (base + got <= at)
        return fileError(filePath, "ends early: was it cut short while "
                                   "being read?");
      uint64_t stop = std::min<uint64_t>(end, base + got);
      if (llvm::Error error = sink(
              llvm::ArrayRef<uint8_t>(scratch.data() + (at - base), stop - at)))
        return error;
      at = stop;
    }
  }
  while (at < end) {
    uint64_t length = std::min<uint64_t>(scratch.size(), end - at);
    if (llvm::Error error = read(at, length, scratch.data()))
      return error;
    if (llvm::Error error =
            sink(llvm::ArrayRef<uint8_t>(scratch.data(), length)))
      return error;
    at += length;
  }
  return llvm::Error::success();
}

void MappedFile::willNeed(uint64_t offset, uint64_t size) const {
  if (offset >= data.size())
    return;
  size = std::min<uint64_t>(size, data.size() - offset);
  if (fd >= 0) {
    ::posix_fadvise(fd, offset, size, POSIX_FADV_WILLNEED);
    return;
  }
  if (!isMapped())
    return;
  auto [begin, length] = alignedRange(data, offset, size, /*inner=*/false);
  if (length)
    ::madvise(const_cast<uint8_t *>(begin), length, MADV_WILLNEED);
}

void MappedFile::adviseRandom(bool random) const {
  if (!isMapped() || data.empty())
    return;
  auto [begin, length] = alignedRange(data, 0, data.size(), /*inner=*/false);
  if (length)
    ::madvise(const_cast<uint8_t *>(begin), length,
              random ? MADV_RANDOM : MADV_NORMAL);
}

//===----------------------------------------------------------------------===//
// AtomicOutputFile
//===----------------------------------------------------------------------===//

/// Writes a file with O_DIRECT from a thread of its own. The caller fills
/// a ring of aligned blocks in order; each full block is written by the
/// thread while the caller fills the next, so that producing the bytes and
/// writing them overlap. Every block but the last is full, so block `n`
/// lands at `n * kBlockBytes`.
class AtomicOutputFile::DirectWriter {
public:
  DirectWriter(int directFd, int bufferedFd, llvm::StringRef path)
      : directFd(directFd), bufferedFd(bufferedFd), path(path.str()) {
    for (unsigned i = 0; i < kBlocks; ++i)
      blocks.emplace_back(kBlockBytes);
    thread = std::thread([this] { run(); });
  }
  /// Abandons what is not written yet.
  ~DirectWriter() {
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (failure.empty())
        failure = "discarded";
    }
    stop();
    ::close(directFd);
  }

  /// Copies `bytes` into the blocks, waiting only when all of them wait to
  /// be written.
  llvm::Error append(llvm::ArrayRef<uint8_t> bytes) {
    while (!bytes.empty()) {
      if (filled == kBlockBytes) {
        if (llvm::Error error = submit(kBlockBytes))
          return error;
        filled = 0;
      }
      uint64_t chunk = std::min<uint64_t>(bytes.size(), kBlockBytes - filled);
      std::memcpy(blocks[submitted % kBlocks].data() + filled, bytes.data(),
                  chunk);
      filled += chunk;
      bytes = bytes.drop_front(chunk);
    }
    return llvm::Error::success();
  }

  /// Writes every aligned byte, stops the thread and hands back the bytes
  /// left (fewer than an alignment) with their offset in the file.
  llvm::Error finish(llvm::ArrayRef<uint8_t> &tail, uint64_t &tailOffset) {
    uint64_t aligned = alignDown(filled);
    uint64_t offset = submitted * kBlockBytes;
    if (aligned)
      if (llvm::Error error = submit(aligned))
        return error;
    stop();
    if (!failure.empty())
      return fileError(path, failure);
    const AlignedBuffer &last =
        blocks[(aligned ? submitted - 1 : submitted) % kBlocks];
    tail = llvm::ArrayRef<uint8_t>(last.data() + aligned, filled - aligned);
    tailOffset = offset + aligned;
    return llvm::Error::success();
  }

private:
  static constexpr unsigned kBlocks = 3;
  static constexpr uint64_t kBlockBytes = 1 << 20;

  /// Queues the block being filled, of `size` bytes, and waits until the
  /// next one is free.
  llvm::Error submit(uint64_t size) {
    std::unique_lock<std::mutex> lock(mutex);
    sizes[submitted % kBlocks] = size;
    ++submitted;
    changed.notify_all();
    changed.wait(lock, [&] {
      return submitted - written < kBlocks || !failure.empty();
    });
    if (!failure.empty())
      return fileError(path, failure);
    return llvm::Error::success();
  }

  void stop() {
    std::unique_lock<std::mutex> lock(mutex);
    if (!thread.joinable())
      return;
    stopping = true;
    changed.notify_all();
    lock.unlock();
    thread.join();
  }

  void run() {
    std::unique_lock<std::mutex> lock(mutex);
    while (true) {
      changed.wait(lock, [&] { return written < submitted || stopping; });
      if (written == submitted)
        return;
      uint64_t block = written;
      // After a failure the rest is not written.
      bool skip = !failure.empty();
      lock.unlock();
      std::string error = skip ? "" : writeBlock(block);
      lock.lock();
      ++written;
      if (!error.empty() && failure.empty())
        failure = std::move(error);
      changed.notify_all();
    }
  }

  std::string writeBlock(uint64_t block) {
    llvm::ArrayRef<uint8_t> bytes(blocks[block % kBlocks].data(),
                                  sizes[block % kBlocks]);
    uint64_t offset = block * kBlockBytes;
    if (useDirect && writeFully(directFd, bytes, offset))
      return "";
    // A file system may take O_DIRECT at open and refuse it here.
    if (useDirect && errno == EINVAL)
      useDirect = false;
    if (!useDirect && writeFully(bufferedFd, bytes, offset))
      return "";
    return std::string("cannot write: ") + std::strerror(errno);
  }

  int directFd;
  int bufferedFd;
  std::string path;
  std::vector<AlignedBuffer> blocks;
  uint64_t sizes[kBlocks] = {};
  /// Bytes in the block being filled, block number `submitted`.
  uint64_t filled = 0;
  bool useDirect = true;

  std::mutex mutex;
  std::condition_variable changed;
  uint64_t submitted = 0;
  uint64_t written = 0;
  bool stopping = false;
  std::string failure;
  std::thread thread;
};

AtomicOutputFile::AtomicOutputFile() = default;

llvm::Expected<std::unique_ptr<AtomicOutputFile>>
AtomicOutputFile::create(llvm::StringRef path, const Options &options) {
  static std::atomic<unsigned> counter{0};
  std::unique_ptr<AtomicOutputFile> file(new AtomicOutputFile());
  file->finalPath = path.str();
  file->tempPath =
      llvm::formatv("{0}.tmp-{1}-{2}", path, ::getpid(), counter.fetch_add(1))
          .str();
  file->fd = ::open(file->tempPath.c_str(),
                    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (file->fd < 0)
    return errnoError(file->tempPath, "create");
  // An interrupted run must not leave the temporary behind.
  llvm::sys::RemoveFileOnSignal(file->tempPath);
  if (options.direct &&
      options.expectedBytes.value_or(kDirectWriteBytes) >= kDirectWriteBytes) {
    int directFd =
        ::open(file->tempPath.c_str(), O_WRONLY | O_DIRECT | O_CLOEXEC);
    if (directFd >= 0)
      file->direct =
          std::make_unique<DirectWriter>(directFd, file->fd, file->tempPath);
  }
  return file;
}

AtomicOutputFile::~AtomicOutputFile() { discard(); }

void AtomicOutputFile::computeSha256() { hasher = std::make_unique<Sha256>(); }

/// Bytes written between two requests to start writing back to disk.
static constexpr uint64_t kWritebackBytes = 16ull << 20;

llvm::Error AtomicOutputFile::write(llvm::ArrayRef<uint8_t> bytes) {
  crc = mindshard::crc32c(crc, bytes);
  if (hasher)
    hasher->update(bytes);
  if (direct) {
    written += bytes.size();
    return direct->append(bytes);
  }
  const uint8_t *cursor = bytes.data();
  size_t left = bytes.size();
  while (left > 0) {
    ssize_t n = ::write(fd, cursor, left);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return errnoError(tempPath, "write");
    }
    cursor += n;
    left -= n;
  }
  written += bytes.size();
  // Start writing back what was written so far, so that the disk works
  // while more is computed and the final sync has little left to do.
  if (written - writtenBack >= kWritebackBytes) {
    ::sync_file_range(fd, writtenBack, written - writtenBack,
                      SYNC_FILE_RANGE_WRITE);
    writtenBack = written;
  }
  return llvm::Error::success();
}

llvm::Error AtomicOutputFile::finishDirect() {
  llvm::ArrayRef<uint8_t> tail;
  uint64_t tailOffset = 0;
  llvm::Error error = direct->finish(tail, tailOffset);
  if (!error && !writeFully(fd, tail, tailOffset))
    error = errnoError(tempPath, "write");
  direct.reset();
  return error;
}

llvm::Error AtomicOutputFile::commit(bool syncData) {
  if (direct)
    if (llvm::Error error = finishDirect())
      return error;
  if (hasher) {
    sha256Hex = hasher->finish();
    hasher.reset();
  }
  if (syncData && ::fsync(fd) != 0)
    return errnoError(tempPath, "sync");
  if (::close(fd) != 0) {
    fd = -1;
    return errnoError(tempPath, "close");
  }
  fd = -1;
  if (std::error_code ec = llvm::sys::fs::rename(tempPath, finalPath))
    return fileError(finalPath, "cannot rename " + tempPath +
                                    " into place: " + ec.message());
  llvm::sys::DontRemoveFileOnSignal(tempPath);
  tempPath.clear();
  if (syncData)
    return syncDirectory(llvm::sys::path::parent_path(finalPath));
  return llvm::Error::success();
}

void AtomicOutputFile::discard() {
  direct.reset();
  if (fd >= 0) {
    ::close(fd);
    fd = -1;
  }
  if (!tempPath.empty()) {
    llvm::sys::fs::remove(tempPath);
    llvm::sys::DontRemoveFileOnSignal(tempPath);
    tempPath.clear();
  }
}

llvm::Error mindshard::syncDirectory(llvm::StringRef path) {
  std::string dir = path.empty() ? "." : path.str();
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return errnoError(dir, "open folder");
  int result = ::fsync(fd);
  ::close(fd);
  if (result != 0)
    return errnoError(dir, "sync folder");
  return llvm::Error::success();
}
