//===- HostTensor.cpp - tensors of the reference executor -----------------===//
//
// Part of mindshard.
//
//===----------------------------------------------------------------------===//

#include "mindshard/Runtime/HostTensor.h"

#include "mindshard/Formats/FileIO.h"
#include "mindshard/Layout/TensorLayout.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>
#include <cstring>

using namespace mindshard;

int64_t HostTensor::numElements(llvm::ArrayRef<int64_t> shape) {
  return product(shape);
}

llvm::Expected<HostTensor>
HostTensor::fromBytes(DType dtype, llvm::ArrayRef<int64_t> shape,
                      llvm::ArrayRef<uint8_t> bytes) {
  HostTensor tensor(dtype, shape);
  uint64_t expected = byteSize(dtype, tensor.numElements());
  if (bytes.size() != expected)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        llvm::formatv("{0} bytes do not hold a {1} tensor of shape {2} ({3} "
                      "bytes)",
                      bytes.size(), getCheckpointName(dtype), formatList(shape),
                      expected));
  const uint8_t *p = bytes.data();
  auto load = [&](auto sample, size_t i) {
    decltype(sample) value;
    std::memcpy(&value, p + i * sizeof(value), sizeof(value));
    return value;
  };
  for (int64_t i = 0, e = tensor.numElements(); i < e; ++i) {
    float &out = tensor.data[i];
    switch (dtype) {
    case DType::Float32:
      out = load(float(), i);
      break;
    case DType::Float64:
      out = load(double(), i);
      break;
    case DType::Float16:
      out = halfToFloat(load(uint16_t(), i));
      break;
    case DType::BFloat16:
      out = bfloat16ToFloat(load(uint16_t(), i));
      break;
    case DType::Int8:
      out = load(int8_t(), i);
      break;
    case DType::UInt8:
    case DType::Bool:
      out = load(uint8_t(), i);
      break;
    case DType::Int16:
      out = load(int16_t(), i);
      break;
    case DType::UInt16:
      out = load(uint16_t(), i);
      break;
    case DType::Int32:
      out = load(int32_t(), i);
      break;
    case DType::UInt32:
      out = load(uint32_t(), i);
      break;
    case DType::Int64:
      out = load(int64_t(), i);
      break;
    case DType::UInt64:
      out = load(uint64_t(), i);
      break;
    case DType::Int4:
    case DType::String:
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "the executor does not compute with " +
                                         getCheckpointName(dtype));
    }
  }
  return tensor;
}

std::vector<uint8_t> HostTensor::toBytes() const {
  std::vector<uint8_t> bytes(byteSize(dtype, numElements()));
  uint8_t *p = bytes.data();
  auto store = [&](auto value, size_t i) {
    std::memcpy(p + i * sizeof(value), &value, sizeof(value));
  };
  for (int64_t i = 0, e = numElements(); i < e; ++i) {
    float value = data[i];
    switch (dtype) {
    case DType::Float32:
      store(value, i);
      break;
    case DType::Float64:
      store(double(value), i);
      break;
    case DType::Float16:
      store(floatToHalf(value), i);
      break;
    case DType::BFloat16:
      store(floatToBFloat16(value), i);
      break;
    case DType::Int8:
      store(int8_t(value), i);
      break;
    case DType::UInt8:
      store(uint8_t(value), i);
      break;
    case DType::Bool:
      store(uint8_t(value != 0), i);
      break;
    case DType::Int16:
      store(int16_t(value), i);
      break;
    case DType::UInt16:
      store(uint16_t(value), i);
      break;
    case DType::Int32:
      store(int32_t(value), i);
      break;
    case DType::UInt32:
      store(uint32_t(value), i);
      break;
    case DType::Int64:
      store(int64_t(value), i);
      break;
    case DType::UInt64:
      store(uint64_t(value), i);
      break;
    case DType::Int4:
    case DType::String:
      break;
    }
  }
  return bytes;
}

//===----------------------------------------------------------------------===//
// .npy and raw files
//===----------------------------------------------------------------------===//

static std::optional<DType> npyDType(llvm::StringRef descr) {
  if (descr.size() < 3 || (descr[0] != '<' && descr[0] != '|'))
    return std::nullopt;
  return llvm::StringSwitch<std::optional<DType>>(descr.drop_front())
      .Case("f2", DType::Float16)
      .Case("f4", DType::Float32)
      .Case("f8", DType::Float64)
      .Case("i1", DType::Int8)
      .Case("i2", DType::Int16)
      .Case("i4", DType::Int32)
      .Case("i8", DType::Int64)
      .Case("u1", DType::UInt8)
      .Case("u2", DType::UInt16)
      .Case("u4", DType::UInt32)
      .Case("u8", DType::UInt64)
      .Case("b1", DType::Bool)
      .Default(std::nullopt);
}

static const char *npyDescr(DType dtype) {
  switch (dtype) {
  case DType::Float16:
    return "<f2";
  case DType::Float64:
    return "<f8";
  case DType::Int8:
    return "|i1";
  case DType::Int16:
    return "<i2";
  case DType::Int32:
    return "<i4";
  case DType::Int64:
    return "<i8";
  case DType::UInt8:
    return "|u1";
  case DType::UInt16:
    return "<u2";
  case DType::UInt32:
    return "<u4";
  case DType::UInt64:
    return "<u8";
  case DType::Bool:
    return "|b1";
  default:
    return "<f4";
  }
}

llvm::Expected<HostTensor> mindshard::readNpy(llvm::StringRef path) {
  llvm::Expected<std::unique_ptr<MappedFile>> file = MappedFile::open(path);
  if (!file)
    return file.takeError();
  llvm::ArrayRef<uint8_t> bytes = (*file)->bytes();
  if (bytes.size() < 10 || std::memcmp(bytes.data(), "\x93NUMPY", 6) != 0)
    return fileError(path, "is not a .npy file");
  unsigned major = bytes[6];
  uint64_t headerLength, start;
  if (major == 1) {
    headerLength = bytes[8] | bytes[9] << 8;
    start = 10;
  } else {
    if (bytes.size() < 12)
      return fileError(path, "is not a .npy file");
    headerLength =
        bytes[8] | bytes[9] << 8 | bytes[10] << 16 | uint64_t(bytes[11]) << 24;
    start = 12;
  }
  if (start + headerLength > bytes.size())
    return fileError(path, "the .npy header runs past the end of the file");
  llvm::StringRef header(reinterpret_cast<const char *>(bytes.data() + start),
                         headerLength);
  // {'descr': '<f4', 'fortran_order': False, 'shape': (128, 96), }
  auto value = [&](llvm::StringRef key) {
    size_t at = header.find(("'" + key + "'").str());
    if (at == llvm::StringRef::npos)
      return llvm::StringRef();
    llvm::StringRef rest = header.drop_front(at + key.size() + 2).ltrim(" :");
    return rest;
  };
  llvm::StringRef descr = value("descr");
  descr = descr.drop_front().take_until([](char c) { return c == '\''; });
  std::optional<DType> dtype = npyDType(descr);
  if (!dtype)
    return fileError(path, "has dtype '" + descr +
                               "', which the executor does not read");
  if (value("fortran_order").starts_with("True"))
    return fileError(path, "is in Fortran order; save it in C order");
  llvm::StringRef shapeText = value("shape");
  shapeText =
      shapeText.drop_front().take_until([](char c) { return c == ')'; });
  llvm::SmallVector<int64_t, 4> shape;
  llvm::SmallVector<llvm::StringRef, 4> parts;
  shapeText.split(parts, ',', -1, false);
  for (llvm::StringRef part : parts) {
    part = part.trim();
    if (part.empty())
      continue;
    int64_t extent;
    if (part.getAsInteger(10, extent) || extent < 0)
      return fileError(path, "has a malformed shape '" + shapeText + "'");
    shape.push_back(extent);
  }
  llvm::Expected<HostTensor> tensor = HostTensor::fromBytes(
      *dtype, shape, bytes.drop_front(start + headerLength));
  if (!tensor)
    return fileError(path, llvm::toString(tensor.takeError()));
  return tensor;
}

llvm::Error mindshard::writeNpy(llvm::StringRef path,
                                const HostTensor &tensor) {
  HostTensor written = tensor;
  if (written.dtype == DType::BFloat16)
    written.dtype = DType::Float32;
  std::string shape;
  for (int64_t extent : written.shape)
    shape += std::to_string(extent) + ", ";
  if (written.shape.size() > 1)
    shape.erase(shape.size() - 2);
  else if (written.shape.size() == 1)
    shape.pop_back();
  std::string header =
      llvm::formatv(
          "{{'descr': '{0}', 'fortran_order': False, 'shape': ({1}), }",
          npyDescr(written.dtype), shape)
          .str();
  while ((10 + header.size() + 1) % 64 != 0)
    header += ' ';
  header += '\n';
  std::string prefix = "\x93NUMPY\x01";
  prefix += '\0';
  prefix += static_cast<char>(header.size() & 0xff);
  prefix += static_cast<char>(header.size() >> 8);
  llvm::Expected<std::unique_ptr<AtomicOutputFile>> output =
      AtomicOutputFile::create(path);
  if (!output)
    return output.takeError();
  if (llvm::Error error = (*output)->write(llvm::StringRef(prefix + header)))
    return error;
  if (llvm::Error error = (*output)->write(written.toBytes()))
    return error;
  return (*output)->commit(/*syncData=*/false);
}

llvm::Expected<HostTensor> mindshard::readRaw(llvm::StringRef path, DType dtype,
                                              llvm::ArrayRef<int64_t> shape) {
  llvm::Expected<std::unique_ptr<MappedFile>> file = MappedFile::open(path);
  if (!file)
    return file.takeError();
  llvm::Expected<HostTensor> tensor =
      HostTensor::fromBytes(dtype, shape, (*file)->bytes());
  if (!tensor)
    return fileError(path, llvm::toString(tensor.takeError()));
  return tensor;
}

llvm::Expected<Comparison> mindshard::compare(const HostTensor &actual,
                                              const HostTensor &expected,
                                              double rtol, double atol) {
  if (actual.shape != expected.shape)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "the output has shape " + formatList(actual.shape) +
            " but the expected one " + formatList(expected.shape));
  Comparison result;
  double worst = -1;
  for (int64_t i = 0, e = actual.numElements(); i < e; ++i) {
    double a = actual.data[i], b = expected.data[i];
    double difference = std::fabs(a - b);
    if (std::isnan(a) != std::isnan(b))
      difference = INFINITY;
    else if (std::isnan(a))
      difference = 0;
    double relative = difference / std::max(std::fabs(b), 1e-30);
    result.maxAbsolute = std::max(result.maxAbsolute, difference);
    if (difference > 0)
      result.maxRelative = std::max(result.maxRelative, relative);
    double excess = difference - (atol + rtol * std::fabs(b));
    if (excess > 0) {
      ++result.mismatches;
      if (excess > worst) {
        worst = excess;
        result.worstIndex = i;
      }
    }
  }
  return result;
}

HostTensor mindshard::stridedSlice(const HostTensor &tensor,
                                   llvm::ArrayRef<int64_t> begin,
                                   llvm::ArrayRef<int64_t> strides,
                                   llvm::ArrayRef<int64_t> shape) {
  HostTensor out(tensor.dtype, shape);
  llvm::SmallVector<int64_t, 4> in(tensor.shape.size(), 1);
  for (size_t d = tensor.shape.size(); d > 1; --d)
    in[d - 2] = in[d - 1] * tensor.shape[d - 1];
  llvm::SmallVector<int64_t, 4> index(shape.size(), 0);
  for (int64_t i = 0, e = out.numElements(); i < e; ++i) {
    int64_t source = 0;
    for (size_t d = 0; d < shape.size(); ++d)
      source += (begin[d] + index[d] * strides[d]) * in[d];
    out.data[i] = tensor.data[source];
    for (size_t d = shape.size(); d > 0; --d) {
      if (++index[d - 1] < shape[d - 1])
        break;
      index[d - 1] = 0;
    }
  }
  return out;
}
