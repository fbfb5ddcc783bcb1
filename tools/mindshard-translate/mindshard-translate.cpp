//===- mindshard-translate.cpp - translations to and from mindir ----------===//
//
// Part of mindshard. MLIR's translate driver with mindshard's translations
// between MindIR files and the mindir dialect registered.
//
//===----------------------------------------------------------------------===//

#include "mindshard/Target/MindIR.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"
#include "mlir/Tools/mlir-translate/Translation.h"

int main(int argc, char **argv) {
  mindshard::registerMindIRTranslations();
  return mlir::failed(mlir::mlirTranslateMain(
      argc, argv, "mindshard translations between MindIR files and mindir\n"));
}
