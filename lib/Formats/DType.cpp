//===- DType.cpp - MindSpore element types --------------------------------===//
//
// Part of mindshard.
//
//===----------------------------------------------------------------------===//

#include "mindshard/Formats/DType.h"

#include "llvm/ADT/StringSwitch.h"

#include <cstring>

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

float mindshard::halfToFloat(uint16_t h) {
  uint32_t sign = (h & 0x8000u) << 16, exponent = (h >> 10) & 0x1f,
           mantissa = h & 0x3ff;
  uint32_t bits;
  if (exponent == 0) {
    if (mantissa == 0) {
      bits = sign;
    } else {
      // A subnormal: normalise it.
      exponent = 127 - 15 + 1;
      while (!(mantissa & 0x400)) {
        mantissa <<= 1;
        --exponent;
      }
      bits = sign | exponent << 23 | (mantissa & 0x3ff) << 13;
    }
  } else if (exponent == 31) {
    bits = sign | 0x7f800000u | mantissa << 13;
  } else {
    bits = sign | (exponent + 127 - 15) << 23 | mantissa << 13;
  }
  float value;
  std::memcpy(&value, &bits, 4);
  return value;
}

uint16_t mindshard::floatToHalf(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  uint32_t sign = (bits >> 16) & 0x8000u;
  int32_t exponent = ((bits >> 23) & 0xff) - 127 + 15;
  uint32_t mantissa = bits & 0x7fffff;
  if (((bits >> 23) & 0xff) == 0xff)
    return sign | 0x7c00u | (mantissa ? 0x200u : 0);
  if (exponent >= 31)
    return sign | 0x7c00u;
  if (exponent <= 0) {
    if (exponent < -10)
      return sign;
    mantissa |= 0x800000;
    uint32_t shift = 14 - exponent;
    uint32_t half = mantissa >> shift;
    uint32_t rest = mantissa & ((1u << shift) - 1);
    uint32_t halfway = 1u << (shift - 1);
    if (rest > halfway || (rest == halfway && (half & 1)))
      ++half;
    return sign | half;
  }
  uint32_t half = sign | exponent << 10 | mantissa >> 13;
  uint32_t rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest == 0x1000 && (half & 1)))
    ++half;
  return half;
}

float mindshard::bfloat16ToFloat(uint16_t value) {
  uint32_t bits = uint32_t(value) << 16;
  float result;
  std::memcpy(&result, &bits, 4);
  return result;
}

uint16_t mindshard::floatToBFloat16(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  if ((bits & 0x7fffffffu) > 0x7f800000u)
    return uint16_t((bits >> 16) | 0x40); // A quiet NaN stays a NaN.
  bits += 0x7fff + ((bits >> 16) & 1);
  return uint16_t(bits >> 16);
}

bool mindshard::convertFloats(DType from, const uint8_t *in, DType to,
                              uint8_t *out, uint64_t count) {
  auto isConvertible = [](DType type) {
    return type == DType::Float16 || type == DType::BFloat16 ||
           type == DType::Float32 || type == DType::Float64;
  };
  if (!isConvertible(from) || !isConvertible(to))
    return false;
  unsigned inBytes = getElementBits(from) / 8,
           outBytes = getElementBits(to) / 8;
  for (uint64_t i = 0; i < count; ++i, in += inBytes, out += outBytes) {
    double value = 0;
    uint16_t bits16;
    float single;
    switch (from) {
    case DType::Float16:
      std::memcpy(&bits16, in, 2);
      value = halfToFloat(bits16);
      break;
    case DType::BFloat16:
      std::memcpy(&bits16, in, 2);
      value = bfloat16ToFloat(bits16);
      break;
    case DType::Float32:
      std::memcpy(&single, in, 4);
      value = single;
      break;
    default:
      std::memcpy(&value, in, 8);
      break;
    }
    switch (to) {
    case DType::Float16:
      bits16 = floatToHalf(float(value));
      std::memcpy(out, &bits16, 2);
      break;
    case DType::BFloat16:
      bits16 = floatToBFloat16(float(value));
      std::memcpy(out, &bits16, 2);
      break;
    case DType::Float32:
      single = float(value);
      std::memcpy(out, &single, 4);
      break;
    default:
      std::memcpy(out, &value, 8);
      break;
    }
  }
  return true;
}
