#!/usr/bin/env bash
# Imports every MindIR file under a folder, exports it, imports the export
# and checks that both imports print the same IR. Prints one line per file
# and a summary; exits non-zero if any file fails.
set -u
root=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
key=30313233343536373839414243444546 # the key in the encrypted files' names
passed=0
failed=0
while IFS= read -r file; do
  options=()
  case $file in *encrpty_key_0123456789ABCDEF*) options=(--decrypt-key-hex $key) ;; esac
  if mindshard-translate --import-mindir "$file" "${options[@]}" -o "$work/first.mlir" &&
      mindshard-translate --export-mindir "$work/first.mlir" -o "$work/exported.mindir" &&
      mindshard-translate --import-mindir "$work/exported.mindir" -o "$work/second.mlir" &&
      cmp -s "$work/first.mlir" "$work/second.mlir"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAILED: $file"
  fi
done < <(find "$root" -name '*.mindir*' | sort)
echo "round trip: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
