//===- MindIRCommon.cpp - shared by MindIR import and export --------------===//
//
// Part of mindshard.
//
//===----------------------------------------------------------------------===//

#include "MindIRCommon.h"

#include "mindshard/Target/MindIR.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSwitch.h"

using namespace mlir;
using namespace mindshard;
using namespace mindshard::mindir;
using namespace mindshard::mindir_format;

//===----------------------------------------------------------------------===//
// Op specs
//===----------------------------------------------------------------------===//

namespace {
constexpr bool kInput = true;
constexpr bool kInit = false;

const OpSpec kOpSpecs[] = {
    {"MatMul",
     2,
     {{"transpose_a", ArgKind::Bool, kInit},
      {"transpose_b", ArgKind::Bool, kInit}}},
    {"BatchMatMul",
     2,
     {{"transpose_a", ArgKind::Bool, kInit},
      {"transpose_b", ArgKind::Bool, kInit}}},
    {"Add", 2, {}},
    {"Sub", 2, {}},
    {"Mul", 2, {}},
    {"RealDiv", 2, {}},
    {"Neg", 1, {}},
    {"ReLU", 1, {}},
    {"GeLU", 1, {}},
    {"FastGeLU", 1, {}},
    {"SiLU", 1, {}},
    {"Sigmoid", 1, {}},
    {"Tanh", 1, {}},
    {"Exp", 1, {}},
    {"Sqrt", 1, {}},
    {"Cast", 1, {{"dst_type", ArgKind::Type, kInput}}},
    {"BiasAdd", 2, {{"data_format", ArgKind::String, kInit}}},
    {"Softmax", 1, {{"axis", ArgKind::IntList, kInit}}},
    {"LayerNorm",
     3,
     {{"begin_norm_axis", ArgKind::Int, kInit},
      {"begin_params_axis", ArgKind::Int, kInit},
      {"epsilon", ArgKind::Float, kInit}}},
    {"RmsNorm", 2, {{"epsilon", ArgKind::Float, kInit}}},
    {"Gather",
     2,
     {{"axis", ArgKind::Int, kInput}, {"batch_dims", ArgKind::Int, kInit}}},
    {"Reshape", 1, {{"shape", ArgKind::IntList, kInput}}},
    {"Transpose", 1, {{"perm", ArgKind::IntList, kInput}}},
    {"ReduceSum",
     1,
     {{"axis", ArgKind::IntList, kInput}, {"keep_dims", ArgKind::Bool, kInit}}},
    {"ReduceMean",
     1,
     {{"axis", ArgKind::IntList, kInput}, {"keep_dims", ArgKind::Bool, kInit}}},
    {"Concat", -1, {{"axis", ArgKind::Int, kInit}}},
    {"Split",
     1,
     {{"axis", ArgKind::Int, kInit}, {"output_num", ArgKind::Int, kInit}}},
    {"StridedSlice",
     1,
     {{"begin", ArgKind::IntList, kInput},
      {"end", ArgKind::IntList, kInput},
      {"strides", ArgKind::IntList, kInput},
      {"begin_mask", ArgKind::Int, kInit},
      {"end_mask", ArgKind::Int, kInit},
      {"ellipsis_mask", ArgKind::Int, kInit},
      {"new_axis_mask", ArgKind::Int, kInit},
      {"shrink_axis_mask", ArgKind::Int, kInit}}},
};
} // namespace

const OpSpec *mindir_format::lookupOpSpec(StringRef name) {
  for (const OpSpec &spec : kOpSpecs)
    if (spec.name == name)
      return &spec;
  return nullptr;
}

StringRef mindir_format::stripSignaturePrefix(StringRef name) {
  if (name.starts_with("S-Prim-") || name.starts_with("S_Prim_"))
    return name.drop_front(7);
  return name;
}

//===----------------------------------------------------------------------===//
// Types
//===----------------------------------------------------------------------===//

Type mindir_format::getElementType(MLIRContext *context, int64_t dataType) {
  Builder b(context);
  switch (dataType) {
  case TensorProto::FLOAT:
    return b.getF32Type();
  case TensorProto::UINT8:
    return b.getIntegerType(8, /*isSigned=*/false);
  case TensorProto::INT8:
    return b.getI8Type();
  case TensorProto::UINT16:
    return b.getIntegerType(16, false);
  case TensorProto::INT16:
    return b.getI16Type();
  case TensorProto::INT32:
    return b.getI32Type();
  case TensorProto::INT64:
    return b.getI64Type();
  case TensorProto::BOOL:
    return b.getI1Type();
  case TensorProto::FLOAT16:
    return b.getF16Type();
  case TensorProto::DOUBLE:
  case TensorProto::FLOAT64:
    return b.getF64Type();
  case TensorProto::UINT32:
    return b.getIntegerType(32, false);
  case TensorProto::UINT64:
    return b.getIntegerType(64, false);
  case TensorProto::COMPLEX64:
    return ComplexType::get(b.getF32Type());
  case TensorProto::COMPLEX128:
    return ComplexType::get(b.getF64Type());
  case TensorProto::BFLOAT16:
    return b.getBF16Type();
  case TensorProto::QINT4X2:
    return b.getIntegerType(4);
  default:
    return AnyType::get(context);
  }
}

std::optional<int> mindir_format::getDataType(Type type) {
  if (type.isF32())
    return TensorProto::FLOAT;
  if (type.isF16())
    return TensorProto::FLOAT16;
  if (type.isBF16())
    return TensorProto::BFLOAT16;
  if (type.isF64())
    return TensorProto::DOUBLE;
  if (auto integer = dyn_cast<IntegerType>(type)) {
    bool isUnsigned = integer.isUnsigned();
    switch (integer.getWidth()) {
    case 1:
      return TensorProto::BOOL;
    case 4:
      return TensorProto::QINT4X2;
    case 8:
      return isUnsigned ? TensorProto::UINT8 : TensorProto::INT8;
    case 16:
      return isUnsigned ? TensorProto::UINT16 : TensorProto::INT16;
    case 32:
      return isUnsigned ? TensorProto::UINT32 : TensorProto::INT32;
    case 64:
      return isUnsigned ? TensorProto::UINT64 : TensorProto::INT64;
    default:
      return std::nullopt;
    }
  }
  if (auto complex = dyn_cast<ComplexType>(type))
    return complex.getElementType().isF32() ? TensorProto::COMPLEX64
                                            : TensorProto::COMPLEX128;
  if (isa<AnyType>(type))
    return TensorProto::STRING;
  return std::nullopt;
}

Type mindir_format::getTensorType(MLIRContext *context,
                                  const TensorProto &tensor) {
  Type element = getElementType(context, tensor.data_type());
  if (tensor.dims_size() == 1 && tensor.dims(0) == -2)
    return UnrankedTensorType::get(element);
  SmallVector<int64_t> shape;
  for (int64_t dim : tensor.dims())
    shape.push_back(dim < 0 ? ShapedType::kDynamic : dim);
  return RankedTensorType::get(shape, element);
}

Type mindir_format::getAbstractType(MLIRContext *context,
                                    const AttributeProto &shape) {
  if (!shape.ref_attr_name().empty()) {
    // Legacy files: "shape:<name>," with the tensor description.
    if (StringRef(shape.ref_attr_name()).starts_with("shape:") &&
        shape.tensors_size() == 1)
      return getTensorType(context, shape.tensors(0));
    return AnyType::get(context);
  }
  switch (shape.type()) {
  case AttributeProto::TENSORS:
    if (shape.tensors_size() == 1)
      return getTensorType(context, shape.tensors(0));
    break;
  case AttributeProto::TUPLE:
  case AttributeProto::LIST: {
    SmallVector<Type> elements;
    for (const AttributeProto &element : shape.values())
      elements.push_back(getAbstractType(context, element));
    return TupleType::get(context, elements);
  }
  case AttributeProto::SCALAR:
    if (shape.tensors_size() == 1)
      return getElementType(context, shape.tensors(0).data_type());
    break;
  case AttributeProto::UMONAD:
    return UMonadType::get(context);
  case AttributeProto::IOMONAD:
    return IOMonadType::get(context);
  default:
    break;
  }
  return AnyType::get(context);
}

void mindir_format::setAbstract(Type type, AttributeProto &shape) {
  if (auto tensor = dyn_cast<TensorType>(type)) {
    shape.set_type(AttributeProto::TENSORS);
    TensorProto *proto = shape.add_tensors();
    proto->set_data_type(
        getDataType(tensor.getElementType()).value_or(TensorProto::UNDEFINED));
    if (!tensor.hasRank()) {
      proto->add_dims(-2);
      return;
    }
    for (int64_t dim : tensor.getShape())
      proto->add_dims(ShapedType::isDynamic(dim) ? -1 : dim);
    return;
  }
  if (auto tuple = dyn_cast<TupleType>(type)) {
    shape.set_type(AttributeProto::TUPLE);
    for (Type element : tuple.getTypes())
      setAbstract(element, *shape.add_values());
    return;
  }
  if (isa<UMonadType>(type)) {
    shape.set_type(AttributeProto::UMONAD);
    return;
  }
  if (isa<IOMonadType>(type)) {
    shape.set_type(AttributeProto::IOMONAD);
    return;
  }
  if (std::optional<int> dataType = getDataType(type);
      dataType && !isa<AnyType>(type)) {
    shape.set_type(AttributeProto::SCALAR);
    shape.add_tensors()->set_data_type(*dataType);
    return;
  }
  shape.set_type(AttributeProto::NONE);
}

//===----------------------------------------------------------------------===//
// Values
//===----------------------------------------------------------------------===//

namespace {
Attribute objectOf(MLIRContext *context, const AttributeProto &proto,
                   StringRef kind) {
  StringAttr text;
  if (proto.has_s())
    text = StringAttr::get(context, proto.s());
  ArrayAttr values;
  if (proto.values_size()) {
    SmallVector<Attribute> elements;
    for (const AttributeProto &element : proto.values())
      elements.push_back(convertValue(context, element).first);
    values = ArrayAttr::get(context, elements);
  }
  return ObjectAttr::get(context, kind, text, values);
}

StringRef kindName(int type) {
  if (AttributeProto::AttributeType_IsValid(type))
    return AttributeProto::AttributeType_Name(
        static_cast<AttributeProto::AttributeType>(type));
  return "UNKNOWN";
}

/// An integer attribute of a MindIR integer kind.
Attribute integerOf(MLIRContext *context, int kind, int64_t value) {
  Builder b(context);
  switch (kind) {
  case AttributeProto::INT8:
    return b.getIntegerAttr(b.getI8Type(), value);
  case AttributeProto::INT16:
    return b.getIntegerAttr(b.getI16Type(), value);
  case AttributeProto::INT32:
    return b.getIntegerAttr(b.getI32Type(), value);
  case AttributeProto::UINT8:
    return b.getIntegerAttr(b.getIntegerType(8, false), value);
  case AttributeProto::UINT16:
    return b.getIntegerAttr(b.getIntegerType(16, false), value);
  case AttributeProto::UINT32:
    return b.getIntegerAttr(b.getIntegerType(32, false), value);
  case AttributeProto::UINT64:
    return b.getIntegerAttr(b.getIntegerType(64, false),
                            APInt(64, static_cast<uint64_t>(value)));
  default:
    return b.getI64IntegerAttr(value);
  }
}

Attribute floatOf(MLIRContext *context, int kind, double value) {
  Builder b(context);
  switch (kind) {
  case AttributeProto::FLOAT16:
    return b.getF16FloatAttr(value);
  case AttributeProto::BFLOAT16:
    return b.getFloatAttr(b.getBF16Type(), value);
  case AttributeProto::DOUBLE:
    return b.getF64FloatAttr(value);
  default:
    return b.getF32FloatAttr(value);
  }
}

bool isIntegerKind(int kind) {
  switch (kind) {
  case AttributeProto::INT8:
  case AttributeProto::INT16:
  case AttributeProto::INT32:
  case AttributeProto::INT64:
  case AttributeProto::UINT8:
  case AttributeProto::UINT16:
  case AttributeProto::UINT32:
  case AttributeProto::UINT64:
    return true;
  default:
    return false;
  }
}

bool isFloatKind(int kind) {
  return kind == AttributeProto::FLOAT || kind == AttributeProto::FLOAT16 ||
         kind == AttributeProto::BFLOAT16 || kind == AttributeProto::DOUBLE;
}

/// A scalar held in the repeated field at `index` (sequence elements and
/// legacy lists), else in the singular field.
std::optional<Attribute> scalarAt(MLIRContext *context,
                                  const AttributeProto &proto, int index) {
  int kind = proto.type();
  Builder b(context);
  // A negative index reads the singular field.
  auto has = [&](int size) { return index >= 0 && index < size; };
  if (kind == AttributeProto::BOOL) {
    if (has(proto.ints_size()))
      return b.getBoolAttr(proto.ints(index) != 0);
    return b.getBoolAttr(proto.i() != 0);
  }
  if (isIntegerKind(kind))
    return integerOf(context, kind,
                     has(proto.ints_size()) ? proto.ints(index) : proto.i());
  if (kind == AttributeProto::DOUBLE)
    return floatOf(context, kind,
                   has(proto.doubles_size()) ? proto.doubles(index)
                                             : proto.d());
  if (isFloatKind(kind))
    return floatOf(context, kind,
                   has(proto.floats_size()) ? proto.floats(index) : proto.f());
  if (kind == AttributeProto::STRING)
    return b.getStringAttr(has(proto.strings_size()) ? proto.strings(index)
                                                     : proto.s());
  return std::nullopt;
}

Type typeOfValue(MLIRContext *context, Attribute value) {
  if (auto typed = dyn_cast<TypedAttr>(value))
    if (!isa<NoneType>(typed.getType()))
      return typed.getType();
  if (auto array = dyn_cast<ArrayAttr>(value)) {
    SmallVector<Type> elements;
    for (Attribute element : array)
      elements.push_back(typeOfValue(context, element));
    return TupleType::get(context, elements);
  }
  return AnyType::get(context);
}

/// A tensor value: dense elements of the described type.
Attribute tensorOf(MLIRContext *context, const TensorProto &tensor) {
  Type type = getTensorType(context, tensor);
  auto ranked = dyn_cast<RankedTensorType>(type);
  if (!tensor.has_raw_data()) {
    // A dtype object: TENSORS holding a data type and no data.
    if (tensor.dims_size() == 0)
      return TypeAttr::get(getElementType(context, tensor.data_type()));
    return TypeAttr::get(type);
  }
  const std::string &raw = tensor.raw_data();
  if (!ranked || !ranked.hasStaticShape() ||
      !ranked.getElementType().isIntOrFloat())
    return ObjectAttr::get(context, "TENSORS", StringAttr(), ArrayAttr());
  if (ranked.getElementType().isInteger(1)) {
    SmallVector<bool> bits;
    for (char byte : raw)
      bits.push_back(byte != 0);
    if (static_cast<int64_t>(bits.size()) != ranked.getNumElements())
      return ObjectAttr::get(context, "TENSORS", StringAttr(), ArrayAttr());
    return DenseElementsAttr::get(ranked, bits);
  }
  unsigned bits = ranked.getElementType().getIntOrFloatBitWidth();
  if (bits % 8 != 0 ||
      static_cast<uint64_t>(raw.size()) !=
          static_cast<uint64_t>(ranked.getNumElements()) * bits / 8)
    return ObjectAttr::get(context, "TENSORS", StringAttr(), ArrayAttr());
  return DenseElementsAttr::getFromRawBuffer(
      ranked, ArrayRef<char>(raw.data(), raw.size()));
}

/// A value written with MindSpore's legacy `ref_attr_name` encoding:
/// "scalar:value0", "scalar:Tuple[value1,...],", "scalar:List[...],",
/// "Monad:UMonad".
std::pair<Attribute, Type> convertLegacy(MLIRContext *context,
                                         const AttributeProto &proto) {
  StringRef ref = proto.ref_attr_name();
  if (ref == "Monad:UMonad")
    return {UnitAttr::get(context), UMonadType::get(context)};
  if (ref == "Monad:IOMonad")
    return {UnitAttr::get(context), IOMonadType::get(context)};
  if (ref.consume_front("scalar:")) {
    bool isTuple = ref.starts_with("Tuple[");
    bool isList = ref.starts_with("List[");
    if (isTuple || isList) {
      size_t count = ref.count("value");
      SmallVector<Attribute> elements;
      for (size_t i = 0; i < count; ++i)
        if (std::optional<Attribute> element = scalarAt(context, proto, i))
          elements.push_back(*element);
      ArrayAttr array = ArrayAttr::get(context, elements);
      if (isList)
        return {ListAttr::get(context, array), AnyType::get(context)};
      return {array, typeOfValue(context, array)};
    }
    if (std::optional<Attribute> scalar = scalarAt(context, proto, -1))
      return {*scalar, typeOfValue(context, *scalar)};
  }
  return {ObjectAttr::get(context, "LEGACY",
                          StringAttr::get(context, proto.ref_attr_name()),
                          ArrayAttr()),
          AnyType::get(context)};
}
} // namespace

std::pair<Attribute, Type>
mindir_format::convertValue(MLIRContext *context, const AttributeProto &proto) {
  if (!proto.ref_attr_name().empty())
    return convertLegacy(context, proto);

  Builder b(context);
  Type any = AnyType::get(context);
  int kind = proto.type();
  if (std::optional<Attribute> scalar = scalarAt(context, proto, -1))
    return {*scalar, typeOfValue(context, *scalar)};

  switch (kind) {
  case AttributeProto::TENSORS:
  case AttributeProto::TENSOR: {
    const TensorProto *tensor = nullptr;
    if (kind == AttributeProto::TENSOR && proto.has_t())
      tensor = &proto.t();
    else if (proto.tensors_size() == 1)
      tensor = &proto.tensors(0);
    if (!tensor)
      break;
    Attribute value = tensorOf(context, *tensor);
    return {value, isa<TypeAttr, ObjectAttr>(value)
                       ? any
                       : typeOfValue(context, value)};
  }
  case AttributeProto::TUPLE:
  case AttributeProto::LIST: {
    SmallVector<Attribute> elements;
    for (const AttributeProto &element : proto.values()) {
      // Scalar elements hold their value in the repeated field.
      if (std::optional<Attribute> scalar = scalarAt(context, element, 0);
          scalar && element.ref_attr_name().empty())
        elements.push_back(*scalar);
      else
        elements.push_back(convertValue(context, element).first);
    }
    ArrayAttr array = b.getArrayAttr(elements);
    if (kind == AttributeProto::LIST)
      return {ListAttr::get(context, array), any};
    return {array, typeOfValue(context, array)};
  }
  case AttributeProto::DICT: {
    SmallVector<NamedAttribute> entries;
    for (const AttributeProto &entry : proto.values())
      entries.emplace_back(b.getStringAttr(entry.name()),
                           convertValue(context, entry).first);
    return {b.getDictionaryAttr(entries), any};
  }
  case AttributeProto::UMONAD:
    return {UnitAttr::get(context), UMonadType::get(context)};
  case AttributeProto::IOMONAD:
    return {UnitAttr::get(context), IOMonadType::get(context)};
  default:
    break;
  }
  return {objectOf(context, proto, kindName(kind)), any};
}

namespace {
/// Sets the scalar kind and value of `proto`; `repeated` puts the value in
/// the repeated field (sequence elements), as MindSpore's loader reads them.
bool encodeScalar(Attribute value, AttributeProto &proto, bool repeated) {
  if (auto boolean = dyn_cast<BoolAttr>(value)) {
    proto.set_type(AttributeProto::BOOL);
    repeated ? proto.add_ints(boolean.getValue())
             : proto.set_i(boolean.getValue());
    return true;
  }
  if (auto integer = dyn_cast<IntegerAttr>(value)) {
    auto type = dyn_cast<IntegerType>(integer.getType());
    if (!type && !integer.getType().isIndex())
      return false;
    unsigned width = type ? type.getWidth() : 64;
    bool isUnsigned = type && type.isUnsigned();
    AttributeProto::AttributeType kind;
    switch (width) {
    case 1:
      kind = AttributeProto::BOOL;
      break;
    case 8:
      kind = isUnsigned ? AttributeProto::UINT8 : AttributeProto::INT8;
      break;
    case 16:
      kind = isUnsigned ? AttributeProto::UINT16 : AttributeProto::INT16;
      break;
    case 32:
      kind = isUnsigned ? AttributeProto::UINT32 : AttributeProto::INT32;
      break;
    default:
      kind = isUnsigned ? AttributeProto::UINT64 : AttributeProto::INT64;
    }
    int64_t number =
        isUnsigned ? static_cast<int64_t>(integer.getUInt()) : integer.getInt();
    proto.set_type(kind);
    repeated ? proto.add_ints(number) : proto.set_i(number);
    return true;
  }
  if (auto floating = dyn_cast<FloatAttr>(value)) {
    double number = floating.getValueAsDouble();
    Type type = floating.getType();
    if (type.isF64()) {
      proto.set_type(AttributeProto::DOUBLE);
      repeated ? proto.add_doubles(number) : proto.set_d(number);
      return true;
    }
    proto.set_type(type.isF16()    ? AttributeProto::FLOAT16
                   : type.isBF16() ? AttributeProto::BFLOAT16
                                   : AttributeProto::FLOAT);
    repeated ? proto.add_floats(number) : proto.set_f(number);
    return true;
  }
  if (auto text = dyn_cast<StringAttr>(value)) {
    proto.set_type(AttributeProto::STRING);
    repeated ? proto.add_strings(text.getValue().str())
             : proto.set_s(text.getValue().str());
    return true;
  }
  return false;
}

bool encodeTensor(Attribute value, TensorProto &tensor) {
  auto elements = dyn_cast<ElementsAttr>(value);
  if (!elements)
    return false;
  auto type = cast<ShapedType>(elements.getType());
  std::optional<int> dataType = getDataType(type.getElementType());
  if (!dataType)
    return false;
  tensor.set_name("value0");
  tensor.set_data_type(*dataType);
  for (int64_t dim : type.getShape())
    tensor.add_dims(dim);
  std::string *raw = tensor.mutable_raw_data();
  if (auto dense = dyn_cast<DenseElementsAttr>(value)) {
    if (type.getElementType().isInteger(1)) {
      for (bool bit : dense.getValues<bool>())
        raw->push_back(bit ? 1 : 0);
      return true;
    }
    if (dense.isSplat()) {
      ArrayRef<char> one = dense.getRawData();
      for (int64_t i = 0; i < type.getNumElements(); ++i)
        raw->append(one.data(), one.size());
      return true;
    }
    ArrayRef<char> data = dense.getRawData();
    raw->assign(data.data(), data.size());
    return true;
  }
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
    if (AsmResourceBlob *blob = resource.getRawHandle().getBlob()) {
      ArrayRef<char> data = blob->getData();
      raw->assign(data.data(), data.size());
      return true;
    }
  }
  return false;
}
} // namespace

bool mindir_format::encodeValue(Attribute value, AttributeProto &proto) {
  if (encodeScalar(value, proto, /*repeated=*/false))
    return true;
  if (isa<ElementsAttr>(value)) {
    proto.set_type(AttributeProto::TENSORS);
    return encodeTensor(value, *proto.add_tensors());
  }
  if (auto type = dyn_cast<TypeAttr>(value)) {
    proto.set_type(AttributeProto::TENSORS);
    TensorProto *tensor = proto.add_tensors();
    tensor->set_name("value0");
    Type element = type.getValue();
    if (auto shaped = dyn_cast<RankedTensorType>(element)) {
      for (int64_t dim : shaped.getShape())
        tensor->add_dims(ShapedType::isDynamic(dim) ? -1 : dim);
      element = shaped.getElementType();
    }
    tensor->set_data_type(getDataType(element).value_or(0));
    return true;
  }
  auto encodeElements = [&](ArrayAttr elements) {
    for (Attribute element : elements) {
      AttributeProto *item = proto.add_values();
      if (!encodeScalar(element, *item, /*repeated=*/true) &&
          !encodeValue(element, *item))
        return false;
    }
    return true;
  };
  if (auto array = dyn_cast<ArrayAttr>(value)) {
    proto.set_type(AttributeProto::TUPLE);
    return encodeElements(array);
  }
  if (auto list = dyn_cast<ListAttr>(value)) {
    proto.set_type(AttributeProto::LIST);
    return encodeElements(list.getElements());
  }
  if (auto strategy = dyn_cast<StrategyAttr>(value)) {
    proto.set_type(AttributeProto::TUPLE);
    Builder b(value.getContext());
    for (DenseI64ArrayAttr input : strategy.getInputs()) {
      AttributeProto *item = proto.add_values();
      item->set_type(AttributeProto::TUPLE);
      for (int64_t count : input.asArrayRef())
        encodeScalar(b.getI64IntegerAttr(count), *item->add_values(), true);
    }
    return true;
  }
  if (auto dictionary = dyn_cast<DictionaryAttr>(value)) {
    proto.set_type(AttributeProto::DICT);
    for (NamedAttribute entry : dictionary) {
      AttributeProto *item = proto.add_values();
      item->set_name(entry.getName().str());
      if (!encodeValue(entry.getValue(), *item))
        return false;
    }
    return true;
  }
  if (auto object = dyn_cast<ObjectAttr>(value)) {
    AttributeProto::AttributeType kind;
    if (!AttributeProto::AttributeType_Parse(object.getKind().str(), &kind)) {
      if (object.getKind() == "LEGACY" && object.getText()) {
        proto.set_ref_attr_name(object.getText().str());
        return true;
      }
      return false;
    }
    proto.set_type(kind);
    if (object.getText())
      proto.set_s(object.getText().str());
    if (object.getValues())
      for (Attribute element : object.getValues())
        if (!encodeValue(element, *proto.add_values()))
          return false;
    return true;
  }
  return false;
}

//===----------------------------------------------------------------------===//
// Op arguments
//===----------------------------------------------------------------------===//

bool mindir_format::isTypeValue(Attribute value) {
  return isa<TypeAttr>(value);
}

std::optional<Attribute> mindir_format::convertArg(MLIRContext *context,
                                                   const ArgSpec &spec,
                                                   Attribute value) {
  Builder b(context);
  auto integerOf = [](Attribute attr) -> std::optional<int64_t> {
    if (auto integer = dyn_cast<IntegerAttr>(attr))
      return integer.getValue().getSExtValue();
    if (auto boolean = dyn_cast<BoolAttr>(attr))
      return boolean.getValue();
    if (auto dense = dyn_cast<DenseIntElementsAttr>(attr))
      if (dense.getNumElements() == 1)
        return (*dense.begin()).getSExtValue();
    return std::nullopt;
  };
  switch (spec.kind) {
  case ArgKind::Bool:
    if (std::optional<int64_t> number = integerOf(value))
      return b.getBoolAttr(*number != 0);
    return std::nullopt;
  case ArgKind::Int:
    if (std::optional<int64_t> number = integerOf(value))
      return b.getI64IntegerAttr(*number);
    return std::nullopt;
  case ArgKind::Float:
    if (auto floating = dyn_cast<FloatAttr>(value))
      return b.getF32FloatAttr(floating.getValueAsDouble());
    if (std::optional<int64_t> number = integerOf(value))
      return b.getF32FloatAttr(static_cast<double>(*number));
    return std::nullopt;
  case ArgKind::IntList: {
    SmallVector<int64_t> list;
    if (auto array = dyn_cast<ArrayAttr>(value)) {
      for (Attribute element : array) {
        std::optional<int64_t> number = integerOf(element);
        if (!number || isa<BoolAttr>(element))
          return std::nullopt;
        list.push_back(*number);
      }
    } else if (auto dense = dyn_cast<DenseIntElementsAttr>(value)) {
      for (APInt element : dense)
        list.push_back(element.getSExtValue());
    } else if (std::optional<int64_t> number = integerOf(value)) {
      list.push_back(*number);
    } else {
      return std::nullopt;
    }
    return b.getDenseI64ArrayAttr(list);
  }
  case ArgKind::String:
    if (auto text = dyn_cast<StringAttr>(value))
      return text;
    return std::nullopt;
  case ArgKind::Type:
    if (auto type = dyn_cast<TypeAttr>(value)) {
      Type element = type.getValue();
      if (auto shaped = dyn_cast<ShapedType>(element))
        element = shaped.getElementType();
      return TypeAttr::get(element);
    }
    // MindIR version 2 passes a TypeId number.
    if (std::optional<int64_t> number = integerOf(value))
      if (std::optional<DType> dtype = parseTypeId(*number))
        return TypeAttr::get(mindshard::getElementType(context, *dtype));
    return std::nullopt;
  }
  return std::nullopt;
}

Attribute mindir_format::encodeArg(MLIRContext *context, const ArgSpec &spec,
                                   Attribute property) {
  Builder b(context);
  if (spec.kind == ArgKind::IntList)
    if (auto list = dyn_cast<DenseI64ArrayAttr>(property)) {
      SmallVector<Attribute> elements;
      for (int64_t value : list.asArrayRef())
        elements.push_back(b.getI64IntegerAttr(value));
      return b.getArrayAttr(elements);
    }
  return property;
}

//===----------------------------------------------------------------------===//
// DType <-> element type
//===----------------------------------------------------------------------===//

Type mindshard::getElementType(MLIRContext *context, DType dtype) {
  if (dtype == DType::String)
    return AnyType::get(context);
  return mindir_format::getElementType(context, getMindIRDataType(dtype));
}

std::optional<DType> mindshard::getDType(Type elementType) {
  std::optional<int> dataType = mindir_format::getDataType(elementType);
  if (!dataType || isa<AnyType>(elementType))
    return std::nullopt;
  return parseMindIRDataType(*dataType);
}
