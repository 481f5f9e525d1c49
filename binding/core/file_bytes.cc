#include "core/file_bytes.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/errors.h"

namespace dofa {

FileBytes::FileBytes(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(codes::kModelLoad, "cannot open '" + path + "': " + std::strerror(errno));
  struct stat info;
  if (fstat(fd, &info) != 0) {
    const int error = errno;
    close(fd);
    throw Error(codes::kModelLoad, "cannot read '" + path + "': " + std::strerror(error));
  }
  size_ = static_cast<size_t>(info.st_size);
  if (size_ > 0) {
    // MAP_POPULATE: the pages are mapped now, in one go, rather than one page fault at a time as they are read.
    void* mapped = mmap(nullptr, size_, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    if (mapped == MAP_FAILED) {
      const int error = errno;
      close(fd);
      throw Error(codes::kModelLoad, "cannot map '" + path + "': " + std::strerror(error));
    }
    data_ = static_cast<const uint8_t*>(mapped);
  }
  close(fd);
}

FileBytes::~FileBytes() {
  if (data_ != nullptr) munmap(const_cast<uint8_t*>(data_), size_);
}

}  // namespace dofa
