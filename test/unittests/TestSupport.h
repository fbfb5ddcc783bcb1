//===- TestSupport.h - helpers the unit tests share -------------*- C++ -*-===//
//
// Part of mindshard.
//
//===----------------------------------------------------------------------===//

#ifndef MINDSHARD_TEST_UNITTESTS_TESTSUPPORT_H
#define MINDSHARD_TEST_UNITTESTS_TESTSUPPORT_H

#include "mindshard/Layout/TensorLayout.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include "gtest/gtest.h"

#include <string>
#include <vector>

namespace mindshard::test {

/// A fresh temporary folder, removed at the end of the test.
class TempDir {
public:
  TempDir() {
    EXPECT_FALSE(llvm::sys::fs::createUniqueDirectory("mindshard-test", path));
  }
  ~TempDir() { llvm::sys::fs::remove_directories(path); }
  std::string file(llvm::StringRef name) const {
    llvm::SmallString<256> result(path);
    llvm::sys::path::append(result, name);
    return std::string(result);
  }
  llvm::StringRef str() const { return path; }

private:
  llvm::SmallString<256> path;
};

/// The row-major element numbers of the whole tensor of `shape` that `rank`
/// holds under `layout`, in the order of its local tensor.
inline std::vector<int64_t> sliceElements(const TensorLayout &layout,
                                          llvm::ArrayRef<int64_t> shape,
                                          int64_t rank) {
  llvm::Expected<llvm::SmallVector<Region, 1>> regions =
      layout.regions(shape, rank);
  EXPECT_TRUE(static_cast<bool>(regions))
      << llvm::toString(regions.takeError());
  std::vector<int64_t> out;
  if (!regions)
    return out;
  llvm::SmallVector<int64_t, 4> strides = rowMajorStrides(shape);
  for (const Region &region : *regions) {
    llvm::SmallVector<int64_t, 4> index(shape.size(), 0);
    for (int64_t i = 0, e = region.box.numElements(); i < e; ++i) {
      int64_t flat = 0;
      for (size_t d = 0; d < shape.size(); ++d)
        flat += (region.box.offsets[d] + index[d]) * strides[d];
      out.push_back(flat);
      for (size_t d = shape.size(); d > 0; --d) {
        if (++index[d - 1] < region.box.shape[d - 1])
          break;
        index[d - 1] = 0;
      }
    }
  }
  return out;
}

} // namespace mindshard::test

#endif // MINDSHARD_TEST_UNITTESTS_TESTSUPPORT_H
