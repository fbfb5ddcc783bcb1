//===- FormatsTest.cpp - checkpoint, strategy and crypto round trips ------===//
//
// Part of mindshard. What the writers write, the readers read back: record
// chunking and CRC trailers, safetensors, strategy files in both forms, group
// files, group names, and encryption in each mode.
//
//===----------------------------------------------------------------------===//

#include "../TestSupport.h"
#include "mindshard/Formats/Checkpoint.h"
#include "mindshard/Formats/Crypto.h"
#include "mindshard/Formats/DType.h"
#include "mindshard/Formats/Digest.h"
#include "mindshard/Formats/FileIO.h"
#include "mindshard/Formats/Strategy.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include "gtest/gtest.h"

#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <numeric>
#include <unistd.h>

using namespace mindshard;

namespace mindshard {
void PrintTo(const TensorLayout &layout, std::ostream *os) {
  *os << layout.str();
}
} // namespace mindshard

namespace {

using mindshard::test::TempDir;

std::vector<uint8_t> iota(size_t count) {
  std::vector<uint8_t> bytes(count);
  std::iota(bytes.begin(), bytes.end(), 0);
  return bytes;
}

template <typename T> T unwrap(llvm::Expected<T> value) {
  EXPECT_TRUE(static_cast<bool>(value)) << llvm::toString(value.takeError());
  return std::move(*value);
}

// The CRC trailer is checked over files larger than the part read at a
// time, and an index of runs of small records (read ahead in windows) sees
// every record.
TEST(CheckpointTest, CrcCoversEveryPartOfALargeFile) {
  TempDir dir;
  std::string path = dir.file("large.ckpt");
  CheckpointWriter::Options options;
  options.crc = true;
  auto writer = unwrap(CheckpointWriter::create(path, options));
  std::vector<uint8_t> big = iota(3 << 20);
  ASSERT_FALSE(static_cast<bool>(
      writer->writeTensor("big", DType::Float32, {3 << 18}, big)));
  std::vector<uint8_t> small = iota(4096);
  for (int i = 0; i < 300; ++i)
    ASSERT_FALSE(static_cast<bool>(writer->writeTensor(
        "small." + std::to_string(i), DType::Float32, {1024}, small)));
  ASSERT_FALSE(static_cast<bool>(writer->commit()));

  auto checkpoint = unwrap(Checkpoint::open(path));
  EXPECT_TRUE(checkpoint->crcVerified());
  EXPECT_EQ(checkpoint->tensors().size(), 301u);
  ASSERT_NE(checkpoint->find("small.299"), nullptr);

  // One byte's bits flipped in the second MiB of tensor data.
  {
    std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
    file.seekg(1500000);
    char byte = static_cast<char>(file.get());
    file.seekp(1500000);
    file.put(static_cast<char>(~byte));
  }
  llvm::Expected<std::unique_ptr<Checkpoint>> corrupt = Checkpoint::open(path);
  ASSERT_FALSE(static_cast<bool>(corrupt));
  EXPECT_NE(llvm::toString(corrupt.takeError()).find("CRC mismatch"),
            std::string::npos);
}

TEST(CheckpointTest, WriterCutsLargeTensorsIntoRecords) {
  TempDir dir;
  std::string path = dir.file("cut.ckpt");
  std::vector<uint8_t> data = iota(1000 * 4);
  CheckpointWriter::Options options;
  options.maxRecordBytes = 1024;
  options.crc = true;
  auto writer = unwrap(CheckpointWriter::create(path, options));
  ASSERT_FALSE(static_cast<bool>(
      writer->writeTensor("w", DType::Float32, {1000}, data)));
  std::vector<uint8_t> scalar = {1, 0, 0, 0};
  ASSERT_FALSE(
      static_cast<bool>(writer->writeTensor("step", DType::Int32, {}, scalar)));
  ASSERT_FALSE(static_cast<bool>(writer->commit()));

  auto checkpoint = unwrap(Checkpoint::open(path));
  EXPECT_TRUE(checkpoint->crcVerified());
  const TensorEntry *w = checkpoint->find("w");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->segments.size(), 4u); // 4000 bytes in records of 1024
  EXPECT_EQ(w->shape, (llvm::SmallVector<int64_t, 4>{1000}));
  std::vector<uint8_t> back(w->numBytes);
  checkpoint->read(*w, 0, w->numBytes, back.data());
  EXPECT_EQ(back, data);
  // A read across record boundaries.
  std::vector<uint8_t> middle(100);
  checkpoint->read(*w, 1000, 100, middle.data());
  EXPECT_TRUE(std::equal(middle.begin(), middle.end(), data.begin() + 1000));
  // Scalars are written with dims [0] and read back as scalars.
  const TensorEntry *step = checkpoint->find("step");
  ASSERT_NE(step, nullptr);
  EXPECT_TRUE(step->shape.empty());
}

TEST(CheckpointTest, WriterRejectsWrongByteCounts) {
  TempDir dir;
  auto writer = unwrap(CheckpointWriter::create(dir.file("bad.ckpt")));
  ASSERT_FALSE(
      static_cast<bool>(writer->beginTensor("w", DType::Float16, {4})));
  std::vector<uint8_t> tooMany(10);
  llvm::Error error = writer->append(tooMany);
  ASSERT_TRUE(static_cast<bool>(error));
  EXPECT_NE(llvm::toString(std::move(error)).find("2 bytes more"),
            std::string::npos);
}

TEST(CheckpointTest, UncommittedFilesLeaveNothing) {
  TempDir dir;
  std::string path = dir.file("never.ckpt");
  {
    auto writer = unwrap(CheckpointWriter::create(path));
    ASSERT_FALSE(
        static_cast<bool>(writer->writeTensor("w", DType::Int8, {3}, iota(3))));
  }
  EXPECT_FALSE(llvm::sys::fs::exists(path));
  std::error_code ec;
  llvm::sys::fs::directory_iterator it(dir.file(""), ec), end;
  EXPECT_TRUE(it == end) << "a temporary file was left behind";
}

TEST(CheckpointTest, SafetensorsRoundTrip) {
  TempDir dir;
  std::string path = dir.file("w.safetensors");
  std::vector<uint8_t> w = iota(24), b = iota(6);
  ASSERT_FALSE(static_cast<bool>(
      writeSafetensors(path, {{"w", DType::Float32, {2, 3}, w},
                              {"b", DType::BFloat16, {3}, b}})));
  auto checkpoint = unwrap(Checkpoint::open(path));
  EXPECT_EQ(checkpoint->format(), Checkpoint::Format::Safetensors);
  ASSERT_EQ(checkpoint->tensors().size(), 2u);
  EXPECT_EQ(checkpoint->tensors()[0].name, "w");
  EXPECT_EQ(checkpoint->tensors()[1].dtype, DType::BFloat16);
  llvm::ArrayRef<uint8_t> bytes =
      checkpoint->contiguousBytes(checkpoint->tensors()[1]);
  EXPECT_EQ(std::vector<uint8_t>(bytes.begin(), bytes.end()), b);
  ASSERT_EQ(checkpoint->metadata().size(), 1u);
  EXPECT_EQ(checkpoint->metadata()[0].second, "ms");
}

TEST(StrategyTest, ProtobufAndJsonRoundTrip) {
  ParameterLayout flat;
  flat.name = "w";
  flat.layout = TensorLayout::fromFlatMap({2, 1, 4}, {1, 0});
  flat.layout.optShardSize = 2;
  flat.layout.optShardStep = 4;
  ParameterLayout nested;
  nested.name = "table";
  nested.layout.devMatrix = {2, 2};
  nested.layout.tensorMap = {{1, 0}};
  nested.layout.splitShape = {1, 2, 2, 3};
  nested.layout.indicesOffset = {0, 1, 3, 5};
  OpStrategy strategy;
  strategy.name = "MatMul_w";
  strategy.splits = {{2, 1}, {1, 4}};
  StrategyFile file;
  file.currentStage = 1;
  file.layouts = {flat, nested};
  file.strategies = {strategy};

  TempDir dir;
  for (const char *name : {"s.ckpt", "s.json"}) {
    std::string path = dir.file(name);
    ASSERT_FALSE(static_cast<bool>(writeStrategyFile(path, file)));
    StrategyFile back = unwrap(readStrategyFile(path));
    ASSERT_EQ(back.layouts.size(), 2u) << name;
    const ParameterLayout *w = back.findLayout("w");
    const ParameterLayout *table = back.findLayout("table");
    ASSERT_TRUE(w && table) << name;
    EXPECT_EQ(w->layout, flat.layout) << name;
    EXPECT_EQ(table->layout, nested.layout) << name;
    ASSERT_NE(back.findStrategy("MatMul_w"), nullptr) << name;
    EXPECT_EQ(back.findStrategy("MatMul_w")->splits, strategy.splits);
  }
}

TEST(StrategyTest, PipelineStagesArePrefixed) {
  StrategyFile stage0, stage1;
  stage0.layouts.push_back({"a", TensorLayout::fromFlatMap({2}, {0}), {}});
  stage1.layouts.push_back({"b", TensorLayout::fromFlatMap({2}, {-1}), {}});
  StrategyFile merged = mergePipelineStrategies({stage0, stage1});
  std::string text = serializeStrategyJson(merged);
  EXPECT_NE(text.find("\"0-a\""), std::string::npos);
  EXPECT_NE(text.find("\"1-b\""), std::string::npos);
  StrategyFile back = unwrap(parseStrategyJson("merged.json", text));
  EXPECT_TRUE(back.pipelineMerged);
  EXPECT_EQ(back.findLayout("b")->layout.stage, 1);
  EXPECT_EQ(back.stageCount(), 2);
}

TEST(StrategyTest, GroupFileRoundTrip) {
  TempDir dir;
  GroupFile groups;
  groups.groups.push_back({"4-6301172352641561019", {0, 1, 2, 3}});
  groups.restoreRanks = {0, 4};
  std::string path = dir.file("group_config.pb");
  ASSERT_FALSE(static_cast<bool>(writeGroupFile(path, groups)));
  GroupFile back = unwrap(readGroupFile(path));
  ASSERT_EQ(back.groups.size(), 1u);
  EXPECT_EQ(back.groups[0].name, "4-6301172352641561019");
  EXPECT_EQ(back.groups[0].ranks, groups.groups[0].ranks);
  EXPECT_EQ(back.restoreRanks, groups.restoreRanks);
}

/// Names that appear in MindSpore's IR dumps and unit tests.
TEST(StrategyTest, GroupNamesMatchMindSpore) {
  EXPECT_EQ(communicationGroupName({0, 1}, 8), "2-5004544844489628105");
  EXPECT_EQ(communicationGroupName({0, 1, 2, 3}, 8), "4-6301172352641561019");
  EXPECT_EQ(communicationGroupName({6, 4, 2, 0}, 8), "4-5226697808808137312");
  EXPECT_EQ(communicationGroupName({0, 1, 2, 3}, 4), "hccl_world_group");
  EXPECT_EQ(communicationGroupName({0, 1}, 2, "nccl_world_group"),
            "nccl_world_group");
}

class CryptoTest : public ::testing::TestWithParam<std::pair<CipherMode, int>> {
};

TEST_P(CryptoTest, EncryptThenDecrypt) {
  auto [mode, keyLength] = GetParam();
  DecryptKey key;
  key.mode = mode;
  key.key = iota(keyLength);
  // Three records: the record size is small to exercise the loop.
  std::vector<uint8_t> plaintext = iota(1000);
  std::vector<uint8_t> cipher = unwrap(encrypt(plaintext, key, 400));
  EXPECT_TRUE(looksEncrypted(cipher));
  std::vector<uint8_t> back = unwrap(decrypt("test", cipher, key));
  EXPECT_EQ(back, plaintext);

  // A wrong key fails cleanly.
  DecryptKey wrong = key;
  wrong.key[0] ^= 1;
  llvm::Expected<std::vector<uint8_t>> failed = decrypt("test", cipher, wrong);
  if (failed) {
    // CBC without an integrity check can decrypt to garbage with valid
    // padding by chance; it must not be the plaintext.
    EXPECT_NE(*failed, plaintext);
  } else {
    EXPECT_NE(llvm::toString(failed.takeError()).find("wrong key"),
              std::string::npos);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Modes, CryptoTest,
    ::testing::Values(std::pair(CipherMode::AesGcm, 16),
                      std::pair(CipherMode::AesGcm, 32),
                      std::pair(CipherMode::AesCbc, 16),
                      std::pair(CipherMode::AesCbc, 24),
                      std::pair(CipherMode::Sm4Cbc, 16)),
    [](const ::testing::TestParamInfo<std::pair<CipherMode, int>> &info) {
      std::string name = getCipherModeName(info.param.first).str() + "_" +
                         std::to_string(info.param.second * 8);
      std::replace(name.begin(), name.end(), '-', '_');
      return name;
    });

TEST(CryptoTest, EncryptedCheckpointsOpenWithTheirKey) {
  TempDir dir;
  std::string plain = dir.file("plain.ckpt");
  auto writer = unwrap(CheckpointWriter::create(plain));
  ASSERT_FALSE(static_cast<bool>(
      writer->writeTensor("w", DType::Float32, {4}, iota(16))));
  ASSERT_FALSE(static_cast<bool>(writer->commit()));
  auto mapped = unwrap(MappedFile::open(plain));

  DecryptKey key;
  key.key = iota(16);
  std::vector<uint8_t> cipher = unwrap(encrypt(mapped->bytes(), key));
  std::string encrypted = dir.file("encrypted.ckpt");
  auto output = unwrap(AtomicOutputFile::create(encrypted));
  ASSERT_FALSE(static_cast<bool>(output->write(cipher)));
  ASSERT_FALSE(static_cast<bool>(output->commit()));

  CheckpointReadOptions options;
  options.key = key;
  auto checkpoint = unwrap(Checkpoint::open(encrypted, options));
  EXPECT_TRUE(checkpoint->isEncrypted());
  ASSERT_NE(checkpoint->find("w"), nullptr);
}

} // namespace

namespace {

/// CRC-32C one bit at a time, straight from the definition.
uint32_t slowCrc32c(llvm::ArrayRef<uint8_t> bytes) {
  uint32_t crc = 0xffffffffu;
  for (uint8_t byte : bytes) {
    crc ^= byte;
    for (int bit = 0; bit < 8; ++bit)
      crc = (crc >> 1) ^ (crc & 1 ? 0x82f63b78u : 0);
  }
  return ~crc;
}

TEST(DigestTest, Crc32cMatchesTheDefinition) {
  const char *check = "123456789";
  EXPECT_EQ(crc32c(0, llvm::ArrayRef<uint8_t>(
                          reinterpret_cast<const uint8_t *>(check), 9)),
            0xe3069283u);
  // Sizes on both sides of the long (3 x 8 KiB) and short (3 x 256 B)
  // rounds of lanes, odd tails, and starts off the 8-byte grid.
  std::vector<uint8_t> bytes(300007);
  for (size_t i = 0; i < bytes.size(); ++i)
    bytes[i] = uint8_t(i * 2654435761u >> 13);
  for (size_t start : {0ul, 3ul})
    for (size_t size : {0ul, 1ul, 7ul, 767ul, 768ul, 769ul, 24575ul, 24576ul,
                        24577ul, 25344ul, 65536ul, 196611ul, 300000ul}) {
      llvm::ArrayRef<uint8_t> part(bytes.data() + start, size);
      EXPECT_EQ(crc32c(0, part), slowCrc32c(part)) << start << "+" << size;
    }
  // Streaming and combining agree with one pass.
  llvm::ArrayRef<uint8_t> all(bytes);
  uint32_t whole = crc32c(0, all);
  uint32_t head = crc32c(0, all.take_front(100000));
  EXPECT_EQ(crc32c(head, all.drop_front(100000)), whole);
  EXPECT_EQ(crc32cCombine(head, crc32c(0, all.drop_front(100000)),
                          all.size() - 100000),
            whole);
}

TEST(DigestTest, Sha256MatchesTheStandard) {
  Sha256 hash;
  const char *abc = "abc";
  hash.update(
      llvm::ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(abc), 3));
  EXPECT_EQ(hash.finish(), "ba7816bf8f01cfea414140de5dae2223"
                           "b00361a396177a9cb410ff61f20015ad");
}

TEST(DTypeTest, FloatConversionsRoundToNearestEven) {
  EXPECT_EQ(floatToHalf(1.0f), 0x3c00);
  EXPECT_EQ(floatToHalf(65504.0f), 0x7bff);
  EXPECT_EQ(floatToHalf(1e6f), 0x7c00);
  EXPECT_EQ(halfToFloat(0x0001), 5.960464477539063e-08f);
  EXPECT_EQ(floatToBFloat16(1.0f), 0x3f80);
  // 1 + 2^-8 is halfway between two bfloat16 values: it rounds to even.
  EXPECT_EQ(floatToBFloat16(1.00390625f), 0x3f80);
  EXPECT_EQ(bfloat16ToFloat(0x3f81), 1.0078125f);
  float values[] = {1.5f, -2.25f};
  uint8_t half[4];
  ASSERT_TRUE(convertFloats(DType::Float32,
                            reinterpret_cast<const uint8_t *>(values),
                            DType::Float16, half, 2));
  uint16_t first;
  std::memcpy(&first, half, 2);
  EXPECT_EQ(first, 0x3e00);
  EXPECT_FALSE(convertFloats(DType::Int32,
                             reinterpret_cast<const uint8_t *>(values),
                             DType::Float16, half, 2));
}

} // namespace

namespace {

TEST(FileIOTest, ReleasingASmallFileKeepsItsBytes) {
  // A file this small is read into the heap, not mapped: dropping its
  // "pages" would zero them.
  llvm::SmallString<128> path;
  ASSERT_FALSE(llvm::sys::fs::createTemporaryFile("small", "bin", path));
  std::vector<uint8_t> bytes(12000);
  for (size_t i = 0; i < bytes.size(); ++i)
    bytes[i] = uint8_t(i % 251 + 1);
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(path, ec);
    ASSERT_FALSE(ec);
    os.write(reinterpret_cast<const char *>(bytes.data()), bytes.size());
  }
  llvm::Expected<std::unique_ptr<MappedFile>> file = MappedFile::open(path);
  ASSERT_TRUE(static_cast<bool>(file));
  (*file)->release(0, bytes.size());
  (*file)->willNeed(0, bytes.size());
  EXPECT_EQ(
      std::vector<uint8_t>((*file)->bytes().begin(), (*file)->bytes().end()),
      bytes);
  llvm::sys::fs::remove(path);
}

} // namespace

namespace {

/// Bytes that differ from their neighbours and from any shifted copy.
std::vector<uint8_t> patterned(size_t count) {
  std::vector<uint8_t> bytes(count);
  for (size_t i = 0; i < count; ++i)
    bytes[i] = uint8_t((i * 2654435761u) >> 11);
  return bytes;
}

/// True when files in `dir` can be opened for direct I/O: then the direct
/// paths must be taken, not their fallbacks.
bool supportsDirectIO(const TempDir &dir) {
  std::string probe = dir.file("probe");
  int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_DIRECT, 0644);
  if (fd < 0)
    return false;
  ::close(fd);
  llvm::sys::fs::remove(probe);
  return true;
}

std::vector<uint8_t> readWholeFile(llvm::StringRef path) {
  std::ifstream in(path.str(), std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

// Direct writes go out in aligned blocks from a thread, and the last bytes
// (less than an alignment) through the cache: every size around the block
// and alignment boundaries, written in uneven pieces, must come out whole.
TEST(FileIOTest, DirectWritesKeepEveryByte) {
  TempDir dir;
  constexpr uint64_t kMiB = 1 << 20;
  for (uint64_t size :
       {uint64_t(0), uint64_t(1), uint64_t(4095), uint64_t(4096),
        uint64_t(4097), kMiB - 1, kMiB, kMiB + 1, 3 * kMiB, 7 * kMiB + 4097}) {
    std::string path = dir.file("out-" + std::to_string(size));
    AtomicOutputFile::Options options;
    options.direct = true;
    std::unique_ptr<AtomicOutputFile> file =
        unwrap(AtomicOutputFile::create(path, options));
    EXPECT_EQ(file->writesDirect(), supportsDirectIO(dir));
    std::vector<uint8_t> bytes = patterned(size);
    llvm::ArrayRef<uint8_t> rest(bytes);
    for (uint64_t piece = 1; !rest.empty(); piece = piece * 3 + 7) {
      uint64_t length = std::min<uint64_t>(piece, rest.size());
      ASSERT_FALSE(static_cast<bool>(file->write(rest.take_front(length))));
      rest = rest.drop_front(length);
    }
    EXPECT_EQ(file->size(), size);
    ASSERT_FALSE(static_cast<bool>(file->commit()));
    EXPECT_EQ(readWholeFile(path), bytes) << size;
    EXPECT_EQ(file->crc32c(), crc32c(0, bytes)) << size;
  }
}

TEST(FileIOTest, DiscardedDirectWritesLeaveNothing) {
  TempDir dir;
  std::string path = dir.file("out");
  AtomicOutputFile::Options options;
  options.direct = true;
  std::unique_ptr<AtomicOutputFile> file =
      unwrap(AtomicOutputFile::create(path, options));
  std::vector<uint8_t> bytes = patterned(5 << 20);
  ASSERT_FALSE(static_cast<bool>(file->write(bytes)));
  std::string temporary = file->temporaryPath().str();
  file.reset();
  EXPECT_FALSE(llvm::sys::fs::exists(path));
  EXPECT_FALSE(llvm::sys::fs::exists(temporary));
}

// A stream reads aligned parts past the cache and hands on only the bytes
// asked for, whatever the offset, size and scratch size.
TEST(FileIOTest, StreamHandsOnExactlyTheRange) {
  TempDir dir;
  std::string path = dir.file("in");
  std::vector<uint8_t> bytes = patterned((3 << 20) + 123);
  {
    std::unique_ptr<AtomicOutputFile> file =
        unwrap(AtomicOutputFile::create(path));
    ASSERT_FALSE(static_cast<bool>(file->write(bytes)));
    ASSERT_FALSE(static_cast<bool>(file->commit()));
  }
  std::unique_ptr<MappedFile> file =
      unwrap(MappedFile::open(path, /*directReads=*/true));
  EXPECT_EQ(file->streamsDirect(MappedFile::kDirectReadBytes),
            supportsDirectIO(dir));
  EXPECT_FALSE(file->streamsDirect(MappedFile::kDirectReadBytes - 1));
  EXPECT_FALSE(unwrap(MappedFile::open(path))->streamsDirect(1 << 30));
  struct Range {
    uint64_t offset, size;
  };
  for (Range range :
       {Range{0, bytes.size()}, Range{1, 300000}, Range{4095, 4097},
        Range{4096, 1 << 20}, Range{12345, 2 << 20},
        Range{bytes.size() - 262144 - 5, 262144 + 5},
        Range{bytes.size() - 7, 7}, Range{17, 0}})
    for (uint64_t scratchBytes : {uint64_t(8192), uint64_t(1 << 20)}) {
      AlignedBuffer scratch(scratchBytes);
      std::vector<uint8_t> out;
      llvm::Error error = file->stream(
          range.offset, range.size, scratch, [&](llvm::ArrayRef<uint8_t> part) {
            EXPECT_LE(part.size(), scratch.size());
            out.insert(out.end(), part.begin(), part.end());
            return llvm::Error::success();
          });
      ASSERT_FALSE(static_cast<bool>(error))
          << llvm::toString(std::move(error));
      EXPECT_EQ(out,
                std::vector<uint8_t>(bytes.begin() + range.offset,
                                     bytes.begin() + range.offset + range.size))
          << range.offset << "+" << range.size << " by " << scratchBytes;
    }
  // Past the end is an error naming the file.
  AlignedBuffer scratch(8192);
  llvm::Error error =
      file->stream(bytes.size() - 10, 11, scratch, [](llvm::ArrayRef<uint8_t>) {
        return llvm::Error::success();
      });
  ASSERT_TRUE(static_cast<bool>(error));
  EXPECT_NE(llvm::toString(std::move(error)).find(path), std::string::npos);
}

TEST(FileIOTest, AlignedBuffersAreAlignedAndReused) {
  uint8_t *first;
  {
    AlignedBuffer buffer(5000);
    EXPECT_EQ(buffer.size(), 8192u);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(buffer.data()) % kDirectIOAlignment,
              0u);
    first = buffer.data();
  }
  AlignedBuffer again(8192);
  EXPECT_EQ(again.data(), first);
  AlignedBuffer moved = std::move(again);
  EXPECT_EQ(moved.data(), first);
  EXPECT_EQ(again.data(), nullptr);
}

} // namespace
