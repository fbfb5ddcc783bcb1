//===- mindshard-opt.cpp - runs mindshard's passes on mindir modules ------===//
//
// Part of mindshard. MLIR's opt driver with the mindir dialect and
// mindshard's passes and pipelines registered.
//
//===----------------------------------------------------------------------===//

#include "MindIR/MindIR.h"
#include "mindshard/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::registerTransformsPasses();
  mindshard::registerShardingPipeline();

  mlir::DialectRegistry registry;
  registry.insert<mindshard::mindir::MindIRDialect, mlir::func::FuncDialect>();
  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "mindshard optimizer: passes over the mindir dialect\n",
      registry));
}
