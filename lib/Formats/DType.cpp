//===- DType.cpp - MindSpore element types --------------------------------===//
//
// Part of mindshard.
//
//===----------------------------------------------------------------------===//

#include "mindshard/Formats/DType.h"

#include "llvm/ADT/StringSwitch.h"

using namespace mindshard;

namespace {
/// One row per element type: its names and numbers in every format.
struct DTypeInfo {
  DType type;
  const char *checkpointName;
  int mindirDataType;
  const char *safetensorsName; // nullptr when safetensors has none
  int64_t typeId;              // -1 when unknown
  unsigned bits;
};

// TypeIds are MindSpore's kNumberType* values, stable through 2.x.
constexpr DTypeInfo kTypes[] = {
    {DType::Bool, "Bool", 9, "BOOL", 30, 8},
    {DType::Int4, "Int4", 18, nullptr, -1, 4},
    {DType::Int8, "Int8", 3, "I8", 32, 8},
    {DType::UInt8, "UInt8", 2, "U8", 37, 8},
    {DType::Int16, "Int16", 5, "I16", 33, 16},
    {DType::UInt16, "UInt16", 4, "U16", 38, 16},
    {DType::Int32, "Int32", 6, "I32", 34, 32},
    {DType::UInt32, "UInt32", 12, "U32", 39, 32},
    {DType::Int64, "Int64", 7, "I64", 35, 64},
    {DType::UInt64, "UInt64", 13, "U64", 40, 64},
    {DType::Float16, "Float16", 10, "F16", 42, 16},
    {DType::BFloat16, "BFloat16", 16, "BF16", 45, 16},
    {DType::Float32, "Float32", 1, "F32", 43, 32},
    {DType::Float64, "Float64", 11, "F64", 44, 64},
    {DType::String, "str", 8, nullptr, -1, 32},
};

const DTypeInfo &info(DType type) {
  return kTypes[static_cast<unsigned>(type)];
}
} // namespace

llvm::StringRef mindshard::getCheckpointName(DType type) {
  return info(type).checkpointName;
}

std::optional<DType> mindshard::parseCheckpointName(llvm::StringRef name) {
  for (const DTypeInfo &row : kTypes)
    if (name == row.checkpointName)
      return row.type;
  // MapTensor entries carry numpy's lowercase names.
  return llvm::StringSwitch<std::optional<DType>>(name)
      .Case("bool", DType::Bool)
      .Case("int8", DType::Int8)
      .Case("uint8", DType::UInt8)
      .Case("int16", DType::Int16)
      .Case("uint16", DType::UInt16)
      .Case("int32", DType::Int32)
      .Case("uint32", DType::UInt32)
      .Case("int64", DType::Int64)
      .Case("uint64", DType::UInt64)
      .Case("float16", DType::Float16)
      .Case("bfloat16", DType::BFloat16)
      .Case("float32", DType::Float32)
      .Case("float64", DType::Float64)
      .Default(std::nullopt);
}

int mindshard::getMindIRDataType(DType type) {
  return info(type).mindirDataType;
}

std::optional<DType> mindshard::parseMindIRDataType(int64_t dataType) {
  if (dataType == 17) // FLOAT64, an alias of DOUBLE
    return DType::Float64;
  for (const DTypeInfo &row : kTypes)
    if (row.mindirDataType == dataType)
      return row.type;
  return std::nullopt;
}

std::optional<llvm::StringRef> mindshard::getSafetensorsName(DType type) {
  if (!info(type).safetensorsName)
    return std::nullopt;
  return llvm::StringRef(info(type).safetensorsName);
}

std::optional<DType> mindshard::parseSafetensorsName(llvm::StringRef name) {
  for (const DTypeInfo &row : kTypes)
    if (row.safetensorsName && name == row.safetensorsName)
      return row.type;
  return std::nullopt;
}

std::optional<int64_t> mindshard::getTypeId(DType type) {
  if (info(type).typeId < 0)
    return std::nullopt;
  return info(type).typeId;
}

std::optional<DType> mindshard::parseTypeId(int64_t typeId) {
  for (const DTypeInfo &row : kTypes)
    if (row.typeId == typeId)
      return row.type;
  return std::nullopt;
}

unsigned mindshard::getElementBits(DType type) { return info(type).bits; }

uint64_t mindshard::byteSize(DType type, uint64_t numElements) {
  return (numElements * getElementBits(type) + 7) / 8;
}

bool mindshard::isFloat(DType type) {
  return type == DType::Float16 || type == DType::BFloat16 ||
         type == DType::Float32 || type == DType::Float64;
}
