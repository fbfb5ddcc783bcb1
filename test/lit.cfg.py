# -*- Python -*-
# The mindshard lit suite.

import os
import shutil
import sys

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "mindshard"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.mindshard_obj_root, "test")
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py",
                   "Inputs", "data", "unittests", "README.md"]

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%python", sys.executable))
config.substitutions.append(("%craft", "%s %s" % (
    sys.executable,
    os.path.join(config.mindshard_src_root, "test", "Inputs", "craft.py"))))
config.substitutions.append(("%data", os.path.join(
    config.mindshard_src_root, "test", "data")))
config.environment["FILECHECK_OPTS"] = "-enable-var-scope"

llvm_config.use_default_substitutions()

# Open MPI's launcher, for the tests of one rank per process.
if shutil.which("mpirun"):
    config.available_features.add("mpirun")
# The openssl command, to encrypt test checkpoints.
if shutil.which("openssl"):
    config.available_features.add("openssl")
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.mindshard_tools_dir,
                             append_path=True)

tools = [
    "mindshard-export",
    "mindshard-inspect",
    "mindshard-opt",
    "mindshard-run",
    "mindshard-translate",
]
llvm_config.add_tool_substitutions(tools, [config.mindshard_tools_dir])
