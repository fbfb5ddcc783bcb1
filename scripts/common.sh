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
  openmpi-bin openssl
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

# Configures and builds mindshard in $MINDSHARD_BUILD; arguments are extra
# CMake settings (-DNAME=VALUE).
build_mindshard() {
  if [ ! -f "$MINDSHARD_BUILD/build.ninja" ] || [ $# -gt 0 ]; then
    say "configuring in $MINDSHARD_BUILD"
    cmake -G Ninja -S "$MINDSHARD_ROOT" -B "$MINDSHARD_BUILD" \
      -DCMAKE_BUILD_TYPE=Release \
      -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
      -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit "$@" >/dev/null
  fi
  say "building"
  ninja -C "$MINDSHARD_BUILD" -j "$(nproc)"
}

# Builds mindshard with AddressSanitizer, UndefinedBehaviorSanitizer and
# assertions (LLVM's headers' too) in $MINDSHARD_BUILD-sanitize.
build_sanitized() {
  local sanitized_build=$MINDSHARD_BUILD-sanitize
  if [ ! -f "$sanitized_build/build.ninja" ]; then
    say "configuring the sanitized build in $sanitized_build"
    cmake -G Ninja -S "$MINDSHARD_ROOT" -B "$sanitized_build" \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" \
      -DMINDSHARD_SANITIZE=address,undefined \
      -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
      -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit >/dev/null
  fi
  say "building with sanitizers"
  ninja -C "$sanitized_build" -j "$(nproc)"
}

# Builds the libFuzzer targets with clang in $MINDSHARD_BUILD-fuzz.
build_fuzzers() {
  local fuzz_build=$MINDSHARD_BUILD-fuzz
  if [ ! -f "$fuzz_build/build.ninja" ]; then
    say "configuring the fuzzers in $fuzz_build"
    # Assertions on: an input that breaks an assumption of ours or of
    # LLVM's headers is a finding too.
    cmake -G Ninja -S "$MINDSHARD_ROOT" -B "$fuzz_build" \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
      -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
      -DMINDSHARD_ENABLE_FUZZERS=ON \
      -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
      -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit >/dev/null
  fi
  say "building the fuzzers"
  ninja -C "$fuzz_build" -j "$(nproc)" mindshard-fuzz-checkpoint \
    mindshard-fuzz-safetensors mindshard-fuzz-strategy mindshard-fuzz-mindir \
    mindshard-fuzz-crypto mindshard-fuzz-plan
}

# Fills a fuzz target's corpus folder with the test files it reads.
seed_corpus() {
  local target=$1 corpus=$2
  mkdir -p "$corpus"
  local data=$MINDSHARD_ROOT/test/data pattern
  case $target in
    checkpoint) pattern='*.ckpt' ;;
    safetensors) pattern='*.safetensors' ;;
    strategy | plan) pattern='*strategy*' ;;
    mindir) pattern='*.mindir*' ;;
    crypto) pattern='*encrpty*' ;;
  esac
  find "$data" -name "$pattern" -size -300k | while read -r file; do
    cp -n "$file" "$corpus/seed-$(basename "$file")" 2>/dev/null || true
  done
  if [ "$target" = safetensors ]; then
    python3 "$MINDSHARD_ROOT/test/Inputs/craft.py" safetensors \
      "$corpus/seed-minimal.safetensors" \
      '{"__metadata__":{"format":"ms"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"BF16","shape":[],"data_offsets":[8,10]}}' 10
  fi
}
