// A whole file mapped read-only into memory (the page cache's pages, no copy), unmapped with the object.
// E_MODEL_LOAD naming the file when it cannot be opened or mapped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace dofa {

class FileBytes {
 public:
  explicit FileBytes(const std::string& path);
  ~FileBytes();
  FileBytes(const FileBytes&) = delete;
  FileBytes& operator=(const FileBytes&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace dofa
