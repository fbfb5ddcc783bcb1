//===- Slices.cpp - reading the slice plans a module records --------------===//
//
// Part of mindshard.
//
//===----------------------------------------------------------------------===//

#include "mindshard/Transforms/Slices.h"

using namespace mlir;
using namespace mindshard;
using namespace mindshard::mindir;

SlicePlan mindshard::getSlicePlan(SliceAttr slice) {
  SlicePlan plan;
  plan.rank = slice.getRank();
  plan.shape.assign(slice.getShape().begin(), slice.getShape().end());
  for (Attribute attr : slice.getPieces()) {
    auto piece = cast<PieceAttr>(attr);
    Piece &out = plan.pieces.emplace_back();
    out.sourceRank = piece.getRank();
    out.sourceShape.assign(piece.getSlice().begin(), piece.getSlice().end());
    out.sourceOffsets.assign(piece.getFrom().begin(), piece.getFrom().end());
    out.targetOffsets.assign(piece.getTo().begin(), piece.getTo().end());
    out.shape.assign(piece.getShape().begin(), piece.getShape().end());
  }
  return plan;
}

SliceAttr mindshard::getSliceAttr(MLIRContext *context, const SlicePlan &plan) {
  SmallVector<Attribute> pieces;
  for (const Piece &piece : plan.pieces)
    pieces.push_back(PieceAttr::get(context, piece.sourceRank,
                                    piece.sourceShape, piece.sourceOffsets,
                                    piece.targetOffsets, piece.shape));
  return SliceAttr::get(context, plan.rank, plan.shape,
                        ArrayAttr::get(context, pieces));
}

std::vector<std::string> mindshard::getTrainCheckpoints(ModuleOp module) {
  std::vector<std::string> paths;
  if (auto files = module->getAttrOfType<ArrayAttr>(
          MindIRDialect::kTrainCheckpointsAttr))
    for (Attribute file : files)
      paths.push_back(cast<StringAttr>(file).str());
  return paths;
}

std::optional<SlicePlan> mindshard::getSlicePlan(ParameterOp parameter,
                                                 int64_t rank) {
  auto slices = parameter->getAttrOfType<ArrayAttr>(MindIRDialect::kSlicesAttr);
  if (!slices || rank < 0 || rank >= static_cast<int64_t>(slices.size()))
    return std::nullopt;
  return getSlicePlan(cast<SliceAttr>(slices[rank]));
}

ElementsAttr mindshard::getSliceValue(ParameterOp parameter, int64_t rank) {
  auto values =
      parameter->getAttrOfType<ArrayAttr>(MindIRDialect::kSliceValuesAttr);
  if (!values || rank < 0 || rank >= static_cast<int64_t>(values.size()))
    return {};
  return cast<ElementsAttr>(values[rank]);
}
