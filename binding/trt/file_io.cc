#include "trt/file_io.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <unistd.h>

#include "core/errors.h"

namespace dofa {

bool ReadFileFrom(const std::string& path, uint64_t offset, std::vector<char>* bytes) {
  std::ifstream file(path, std::ios::binary | std::ios::ate);
  if (!file) return false;
  const std::streamoff size = file.tellg();
  if (size < 0 || offset > static_cast<uint64_t>(size)) return false;
  bytes->resize(static_cast<size_t>(static_cast<uint64_t>(size) - offset));
  file.seekg(static_cast<std::streamoff>(offset));
  return bytes->empty() || static_cast<bool>(file.read(bytes->data(), static_cast<std::streamsize>(bytes->size())));
}

bool ReadWholeFile(const std::string& path, std::vector<char>* bytes) { return ReadFileFrom(path, 0, bytes); }

void WriteFileAtomically(const std::string& path, const void* bytes, size_t size) {
  const std::string temporary = path + ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
    if (!file || !file.write(static_cast<const char*>(bytes), static_cast<std::streamsize>(size)) || !file.flush()) {
      std::remove(temporary.c_str());
      throw Error(codes::kInvalidArgument, "cannot write '" + temporary + "': " + std::strerror(errno));
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    const int error = errno;
    std::remove(temporary.c_str());
    throw Error(codes::kInvalidArgument, "cannot rename '" + temporary + "' to '" + path + "': " + std::strerror(error));
  }
}

}  // namespace dofa
