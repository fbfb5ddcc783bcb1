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
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
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

//===----------------------------------------------------------------------===//
// MappedFile
//===----------------------------------------------------------------------===//

llvm::Expected<std::unique_ptr<MappedFile>>
MappedFile::open(llvm::StringRef path) {
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

llvm::Expected<std::unique_ptr<AtomicOutputFile>>
AtomicOutputFile::create(llvm::StringRef path) {
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

llvm::Error AtomicOutputFile::commit(bool syncData) {
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
