//===- MindIRCommon.h - shared by MindIR import and export ------*- C++ -*-===//
//
// Part of mindshard. What the importer and the exporter must agree on: how
// MindIR values map to MLIR attributes and types, and where each dedicated
// op's arguments live in a MindIR node (inputs or primitive attributes) in
// each generation of the format.
//
//===----------------------------------------------------------------------===//

#ifndef MINDSHARD_LIB_TARGET_MINDIRCOMMON_H
#define MINDSHARD_LIB_TARGET_MINDIRCOMMON_H

#include "mind_ir.pb.h"

#include "MindIR/MindIR.h"
#include "mindshard/Formats/DType.h"

#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"

#include <optional>

namespace mindshard::mindir_format {

using irpb::AttributeProto;
using irpb::TensorProto;

/// What kind of value an op argument holds.
enum class ArgKind { Bool, Int, Float, IntList, String, Type };

/// One argument of a dedicated op after its tensor inputs, in MindSpore's
/// order.
struct ArgSpec {
  /// MindSpore's name (also the op's property name).
  llvm::StringLiteral name;
  ArgKind kind;
  /// A node input in every MindIR generation (Reshape's shape, Gather's
  /// axis); otherwise an init argument: a primitive attribute in files for
  /// MindSpore up to 2.2, a trailing input from 2.3 (mind_ir_version 2).
  bool alwaysInput;
};

/// Where a dedicated op's operands and properties come from.
struct OpSpec {
  llvm::StringLiteral name;
  /// The number of tensor operands, or -1 when they come as one tuple
  /// input (Concat).
  int tensorInputs;
  llvm::SmallVector<ArgSpec, 5> args;
};

/// The spec of the dedicated op for MindSpore primitive `name`, if any.
const OpSpec *lookupOpSpec(llvm::StringRef name);

/// Strips a DoSignature wrapper ("S-Prim-" up to 2.1, "S_Prim_" after).
llvm::StringRef stripSignaturePrefix(llvm::StringRef name);

/// The MLIR type of a MindIR tensor description (dims, data_type); dims -1
/// is a dynamic extent, a single -2 an unknown rank.
mlir::Type getTensorType(mlir::MLIRContext *context, const TensorProto &tensor);
/// The element type of a MindIR data type, or !mindir.any.
mlir::Type getElementType(mlir::MLIRContext *context, int64_t dataType);
/// The MindIR data type of an element type, or std::nullopt.
std::optional<int> getDataType(mlir::Type elementType);

/// The abstract a node's "shape" attribute describes: a tensor, tuple,
/// scalar or monad type; !mindir.any when absent or unknown.
mlir::Type getAbstractType(mlir::MLIRContext *context,
                           const AttributeProto &shape);
/// The "shape" attribute describing a value of `type`.
void setAbstract(mlir::Type type, AttributeProto &shape);

/// A MindIR value as an attribute, with the type a `mindir.Constant` of it
/// has. Never fails: values without an MLIR counterpart become
/// #mindir.object.
std::pair<mlir::Attribute, mlir::Type>
convertValue(mlir::MLIRContext *context, const AttributeProto &proto);
/// The MindIR encoding of an attribute made by convertValue() or by a pass.
/// Returns false when the attribute has no MindIR form.
bool encodeValue(mlir::Attribute value, AttributeProto &proto);

/// An op argument read from a converted value, checked against its kind.
std::optional<mlir::Attribute> convertArg(mlir::MLIRContext *context,
                                          const ArgSpec &spec,
                                          mlir::Attribute value);
/// The value an op property is written as.
mlir::Attribute encodeArg(mlir::MLIRContext *context, const ArgSpec &spec,
                          mlir::Attribute property);

/// True when a value has `kind` (for folding constant inputs).
bool isTypeValue(mlir::Attribute value);

} // namespace mindshard::mindir_format

#endif // MINDSHARD_LIB_TARGET_MINDIRCOMMON_H
