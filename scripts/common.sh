# Shared by mindshard's scripts: installing what is missing and building.
# Source it; it defines MINDSHARD_ROOT, MINDSHARD_BUILD and the functions
# below.

MINDSHARD_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MINDSHARD_BUILD=${MINDSHARD_BUILD:-$MINDSHARD_ROOT/build}

# The Debian 12 packages the build and the tests need. LLVM/MLIR 22 come from
# bookworm-security.
MINDSHARD_PACKAGES=(
  cmake ninja-build g++ python3
  llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools
  libprotobuf-dev protobuf-compiler
  libgtest-dev libssl-dev zlib1g-dev
  openmpi-bin
)

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# Installs the packages given that are not installed yet.
ensure_packages() {
  local missing=()
  local package
  for package in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null |
        grep -q "install ok installed"; then
      missing+=("$package")
    fi
  done
  if [ ${#missing[@]} -eq 0 ]; then
    return 0
  fi
  say "installing ${missing[*]}"
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    sudo=(sudo)
  fi
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq \
    --no-install-recommends "${missing[@]}" >/dev/null
}

# Configures (once) and builds mindshard in $MINDSHARD_BUILD.
build_mindshard() {
  if [ ! -f "$MINDSHARD_BUILD/build.ninja" ]; then
    say "configuring in $MINDSHARD_BUILD"
    cmake -G Ninja -S "$MINDSHARD_ROOT" -B "$MINDSHARD_BUILD" \
      -DCMAKE_BUILD_TYPE=Release \
      -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
      -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit >/dev/null
  fi
  say "building"
  ninja -C "$MINDSHARD_BUILD" -j "$(nproc)" "$@"
}
