//===- DType.h - MindSpore element types ------------------------*- C++ -*-===//
//
// Part of mindshard. The element types that MindSpore writes, with their
// names in each format: checkpoint `tensor_type` strings, MindIR
// `TensorProto.DataType` numbers, safetensors dtype strings and MindSpore's
// TypeId numbers (Cast's dtype input in MindIR version 2).
//
//===----------------------------------------------------------------------===//

#ifndef MINDSHARD_FORMATS_DTYPE_H
#define MINDSHARD_FORMATS_DTYPE_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>

namespace mindshard {

enum class DType : uint8_t {
  Bool,
  Int4,
  Int8,
  UInt8,
  Int16,
  UInt16,
  Int32,
  UInt32,
  Int64,
  UInt64,
  Float16,
  BFloat16,
  Float32,
  Float64,
  /// MindSpore's `str` checkpoint entries: UTF-32 text, 4 bytes a character.
  String,
};

/// The checkpoint name: "Float32", "BFloat16", "Int4", "str", ...
llvm::StringRef getCheckpointName(DType type);
/// Parses a checkpoint `tensor_type`, also accepting the lowercase numpy
/// names that MapTensor entries use ("float32", "int64").
std::optional<DType> parseCheckpointName(llvm::StringRef name);

/// The MindIR TensorProto.DataType number (FLOAT = 1, ..., QINT4X2 = 18);
/// Float64 is written as DOUBLE (11), as MindSpore does.
int getMindIRDataType(DType type);
/// Parses a MindIR data type, accepting both DOUBLE (11) and FLOAT64 (17).
std::optional<DType> parseMindIRDataType(int64_t dataType);

/// The safetensors dtype string: "F32", "BF16", "I64", "BOOL", ...
std::optional<llvm::StringRef> getSafetensorsName(DType type);
std::optional<DType> parseSafetensorsName(llvm::StringRef name);

/// MindSpore's TypeId number (kNumberTypeFloat32 = 43, ...).
std::optional<int64_t> getTypeId(DType type);
std::optional<DType> parseTypeId(int64_t typeId);

/// Bytes per element; Int4 packs two elements a byte (see byteSize()), str
/// takes 4 bytes a character.
unsigned getElementBits(DType type);
/// Bytes that `numElements` elements take.
uint64_t byteSize(DType type, uint64_t numElements);

bool isFloat(DType type);

/// IEEE half and bfloat16 to and from float32, rounding to nearest even.
float halfToFloat(uint16_t value);
uint16_t floatToHalf(float value);
float bfloat16ToFloat(uint16_t value);
uint16_t floatToBFloat16(float value);

/// Converts `count` elements between the float dtypes (Float16, BFloat16,
/// Float32, Float64); false when either dtype is not one of them.
bool convertFloats(DType from, const uint8_t *in, DType to, uint8_t *out,
                   uint64_t count);

} // namespace mindshard

#endif // MINDSHARD_FORMATS_DTYPE_H
