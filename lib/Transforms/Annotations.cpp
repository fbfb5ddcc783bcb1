//===- Annotations.cpp - how the passes record their results --------------===//
//
// Part of mindshard.
//
//===----------------------------------------------------------------------===//

#include "Annotations.h"

using namespace mlir;
using namespace mindshard;
using namespace mindshard::mindir;

func::FuncOp annotations::getMainGraph(ModuleOp module) {
  if (auto name = module->getAttrOfType<FlatSymbolRefAttr>(
          MindIRDialect::kMainGraphAttr))
    return module.lookupSymbol<func::FuncOp>(name);
  auto funcs = module.getOps<func::FuncOp>();
  if (std::distance(funcs.begin(), funcs.end()) == 1)
    return *funcs.begin();
  return nullptr;
}

std::optional<TensorLayout> annotations::getLayout(Value value) {
  if (auto arg = dyn_cast<BlockArgument>(value)) {
    auto func = dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp());
    if (!func)
      return std::nullopt;
    if (auto layout = func.getArgAttrOfType<LayoutAttr>(
            arg.getArgNumber(), MindIRDialect::kLayoutAttr))
      return layout.getTensorLayout();
    return std::nullopt;
  }
  Operation *op = value.getDefiningOp();
  Attribute attr = op->getAttr(MindIRDialect::kLayoutAttr);
  if (auto layout = dyn_cast_or_null<LayoutAttr>(attr))
    return layout.getTensorLayout();
  if (auto layouts = dyn_cast_or_null<ArrayAttr>(attr)) {
    unsigned index = cast<OpResult>(value).getResultNumber();
    if (index < layouts.size())
      return cast<LayoutAttr>(layouts[index]).getTensorLayout();
  }
  return std::nullopt;
}

ArrayAttr annotations::toLayoutArray(MLIRContext *context,
                                     ArrayRef<TensorLayout> layouts) {
  SmallVector<Attribute> attrs;
  for (const TensorLayout &layout : layouts)
    attrs.push_back(LayoutAttr::get(context, layout));
  return ArrayAttr::get(context, attrs);
}

void annotations::setResultLayouts(Operation *op,
                                   ArrayRef<TensorLayout> layouts) {
  op->setAttr(MindIRDialect::kLayoutAttr,
              toLayoutArray(op->getContext(), layouts));
}
