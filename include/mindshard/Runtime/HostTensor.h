//===- HostTensor.h - tensors of the reference executor ---------*- C++ -*-===//
//
// Part of mindshard. The reference executor computes in float32: float16 and
// bfloat16 values are widened, integers and booleans are held as floats
// (exact up to 2^24, which covers indices into tables of any practical
// vocabulary). A tensor keeps the MindSpore dtype it stands for, so that
// results are written back in it.
//
//===----------------------------------------------------------------------===//

#ifndef MINDSHARD_RUNTIME_HOSTTENSOR_H
#define MINDSHARD_RUNTIME_HOSTTENSOR_H

#include "mindshard/Formats/DType.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace mindshard {

struct HostTensor {
  DType dtype = DType::Float32;
  llvm::SmallVector<int64_t, 4> shape;
  std::vector<float> data;

  HostTensor() = default;
  HostTensor(DType dtype, llvm::ArrayRef<int64_t> shape)
      : dtype(dtype), shape(shape.begin(), shape.end()),
        data(numElements(shape), 0.0f) {}

  static int64_t numElements(llvm::ArrayRef<int64_t> shape);
  int64_t numElements() const { return data.size(); }
  int64_t rank() const { return shape.size(); }

  /// Decodes raw little-endian bytes of `dtype` (float16 and bfloat16
  /// widened).
  static llvm::Expected<HostTensor> fromBytes(DType dtype,
                                              llvm::ArrayRef<int64_t> shape,
                                              llvm::ArrayRef<uint8_t> bytes);
  /// The tensor's values as raw little-endian bytes of its dtype.
  std::vector<uint8_t> toBytes() const;
};

/// The elements at `begin + index * strides` for every index in `shape`.
HostTensor stridedSlice(const HostTensor &tensor, llvm::ArrayRef<int64_t> begin,
                        llvm::ArrayRef<int64_t> strides,
                        llvm::ArrayRef<int64_t> shape);

/// Reads a .npy file (little-endian, C order; f2, f4, f8, i1 to i8, u1 to
/// u8, b1).
llvm::Expected<HostTensor> readNpy(llvm::StringRef path);
/// Writes a tensor as .npy in its dtype (bfloat16 as float32).
llvm::Error writeNpy(llvm::StringRef path, const HostTensor &tensor);
/// Reads a raw little-endian file of the given dtype and shape.
llvm::Expected<HostTensor> readRaw(llvm::StringRef path, DType dtype,
                                   llvm::ArrayRef<int64_t> shape);

/// How far apart two tensors are.
struct Comparison {
  double maxAbsolute = 0;
  double maxRelative = 0;
  /// Elements outside `atol + rtol * |expected|`.
  int64_t mismatches = 0;
  int64_t worstIndex = -1;
};
llvm::Expected<Comparison> compare(const HostTensor &actual,
                                   const HostTensor &expected, double rtol,
                                   double atol);

} // namespace mindshard

#endif // MINDSHARD_RUNTIME_HOSTTENSOR_H
