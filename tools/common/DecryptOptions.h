//===- DecryptOptions.h - the key options of reading tools ------*- C++ -*-===//
//
// Part of mindshard. `--decrypt-key-hex HEX`, `--decrypt-key-file FILE` and
// `--decrypt-mode AES-GCM|AES-CBC|SM4-CBC`, with MINDSHARD_DECRYPT_KEY (hex)
// as the fallback for the key. Construct one before parsing the command line.
//
//===----------------------------------------------------------------------===//

#ifndef MINDSHARD_TOOLS_COMMON_DECRYPTOPTIONS_H
#define MINDSHARD_TOOLS_COMMON_DECRYPTOPTIONS_H

#include "mindshard/Formats/Crypto.h"

#include "llvm/Support/CommandLine.h"

namespace mindshard {

struct DecryptOptions {
  explicit DecryptOptions(llvm::cl::OptionCategory &category)
      : keyHex("decrypt-key-hex",
               llvm::cl::desc("Key of encrypted inputs, in hex (or set "
                              "MINDSHARD_DECRYPT_KEY)"),
               llvm::cl::value_desc("hex"), llvm::cl::cat(category)),
        keyFile("decrypt-key-file",
                llvm::cl::desc("File holding the raw key of encrypted inputs"),
                llvm::cl::value_desc("file"), llvm::cl::cat(category)),
        mode("decrypt-mode",
             llvm::cl::desc("Cipher of encrypted inputs: AES-GCM (default), "
                            "AES-CBC or SM4-CBC"),
             llvm::cl::init("AES-GCM"), llvm::cl::cat(category)) {}

  llvm::Expected<std::optional<DecryptKey>> resolve() const {
    return resolveDecryptKey(keyHex, keyFile, mode);
  }

  llvm::cl::opt<std::string> keyHex;
  llvm::cl::opt<std::string> keyFile;
  llvm::cl::opt<std::string> mode;
};

} // namespace mindshard

#endif // MINDSHARD_TOOLS_COMMON_DECRYPTOPTIONS_H
