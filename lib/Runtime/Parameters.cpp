//===- Parameters.cpp - parameter values for the reference executor -------===//
//
// Part of mindshard.
//
//===----------------------------------------------------------------------===//

#include "mindshard/Runtime/Parameters.h"

#include "MindIR/MindIR.h"
#include "mindshard/Formats/Checkpoint.h"
#include "mindshard/Layout/TensorLayout.h"

#include "mlir/IR/SymbolTable.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace mindshard;
using namespace mindshard::mindir;

static llvm::Error parameterError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// Device `rank`'s slice of the whole tensor `whole` of parameter `name`,
/// cut by the parameter's predict layout; the slice must have type `type`.
static llvm::Expected<HostTensor>
sliceForDevice(ModuleOp module, StringRef name, const HostTensor &whole,
               RankedTensorType type, int64_t rank) {
  auto parameter = module
                       ? SymbolTable::lookupNearestSymbolFrom<ParameterOp>(
                             module, StringAttr::get(module.getContext(), name))
                       : ParameterOp();
  if (!parameter || !parameter.getPredictLayout())
    return parameterError(llvm::formatv(
        "parameter '{0}' has shape {1}, the graph reads {2}, and it has no "
        "predict layout to cut a slice by",
        name, formatList(whole.shape), formatList(type.getShape())));
  TensorLayout layout = parameter.getPredictLayout()->getTensorLayout();
  llvm::Expected<Box> box = layout.slice(whole.shape, rank);
  if (!box)
    return parameterError("parameter '" + name +
                          "': " + llvm::toString(box.takeError()));
  if (box->shape != SmallVector<int64_t, 4>(type.getShape()))
    return parameterError(llvm::formatv(
        "parameter '{0}': rank {1}'s slice {2} of the predict layout {3} does "
        "not have the shape the graph reads, {4}",
        name, rank, box->str(), layout.str(), formatList(type.getShape())));
  SmallVector<int64_t, 4> strides(box->shape.size(), 1);
  return stridedSlice(whole, box->offsets, strides, box->shape);
}

llvm::Expected<HostTensor> NetworkParameters::get(StringRef name,
                                                  RankedTensorType type) {
  auto parameter = SymbolTable::lookupNearestSymbolFrom<ParameterOp>(
      module, StringAttr::get(module.getContext(), name));
  if (!parameter)
    return fromWeights(name, type);
  if (std::optional<ElementsAttr> value = parameter.getValue())
    return tensorFromAttr(*value, parameter.getType());
  // The slices mindshard-attach-slices attached, one per device.
  if (auto slices = parameter->getAttrOfType<ArrayAttr>(
          MindIRDialect::kSliceValuesAttr)) {
    if (rank >= static_cast<int64_t>(slices.size()))
      return parameterError(llvm::formatv(
          "parameter '{0}' has slices for {1} devices, not for rank {2}", name,
          slices.size(), rank));
    auto slice = cast<ElementsAttr>(slices[rank]);
    return tensorFromAttr(slice, slice.getType());
  }
  if (auto global = parameter->getAttrOfType<ElementsAttr>(
          MindIRDialect::kGlobalValueAttr)) {
    llvm::Expected<HostTensor> whole = tensorFromAttr(global, global.getType());
    if (!whole)
      return whole.takeError();
    return sliceForDevice(module, name, *whole, type, rank);
  }
  if (!weights)
    return parameterError("parameter '" + name +
                          "' has no data; give a checkpoint of the weights");
  return fromWeights(name, type);
}

llvm::Expected<HostTensor>
NetworkParameters::fromWeights(StringRef name, RankedTensorType type) {
  const TensorEntry *entry = weights ? weights->find(name) : nullptr;
  if (!entry)
    return parameterError(
        (weights ? weights->path() + ": no parameter '" + name + "'"
                 : "the network reads parameter '" + name +
                       "', which it does not declare")
            .str());
  std::vector<uint8_t> bytes(entry->numBytes);
  weights->read(*entry, 0, bytes.size(), bytes.data());
  llvm::Expected<HostTensor> whole =
      HostTensor::fromBytes(entry->dtype, entry->shape, bytes);
  if (!whole)
    return parameterError(weights->path() + ": parameter '" + name +
                          "': " + llvm::toString(whole.takeError()));
  if (whole->shape == SmallVector<int64_t, 4>(type.getShape()))
    return whole;
  llvm::Expected<HostTensor> slice =
      sliceForDevice(module, name, *whole, type, rank);
  if (!slice)
    return parameterError(weights->path() + ": " +
                          llvm::toString(slice.takeError()));
  return slice;
}
