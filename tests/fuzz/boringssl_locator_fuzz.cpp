// Fuzzes the stripped-BoringSSL locator with small ELF files: either the raw input, or a generated
// fixture (shape chosen by the input) with input-driven byte mutations. Whatever the input, the
// locator must not crash, and any address it reports must be a frame-prologue function start.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "attach/boringssl/boringssl_locator.h"
#include "attach/boringssl/location_cache.h"
// The fixture generator is shared with the unit tests; compiled in here because fuzz targets are
// single-source executables.
#include "../unit/boringssl/fixture_builder.cpp"

namespace {

std::vector<uint8_t> make_input(const uint8_t* data, size_t size) {
  if (size == 0 || (data[0] & 1) == 0) return std::vector<uint8_t>(data, data + size);
  bssl_fixture::Spec spec;
  uint8_t bits = size > 1 ? data[1] : 0;
  spec.func_zero_order = bits & 1;
  spec.file_reg_64bit = bits & 2;
  spec.shared_error_call = bits & 4;
  spec.duplicate_ssl_write = bits & 8;
  spec.missing_reason = bits & 16;
  spec.destructor_call = bits & 32;
  spec.build_id = bits & 64;
  std::vector<uint8_t> img = bssl_fixture::build(spec).image;
  // Remaining input: (offset lo, offset hi, xor value) triples.
  for (size_t i = 2; i + 2 < size; i += 3) {
    size_t off = (size_t{data[i]} | size_t{data[i + 1]} << 8) % img.size();
    img[off] ^= data[i + 2];
  }
  return img;
}

bool prologue_at(const std::vector<uint8_t>& img, uint64_t off) {
  return off + 4 <= img.size() && std::memcmp(img.data() + off, "\x55\x48\x89\xe5", 4) == 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > (1u << 16)) return 0;
  std::vector<uint8_t> img = make_input(data, size);
  int fd = memfd_create("bssl-fuzz", MFD_CLOEXEC);
  if (fd < 0) return 0;
  if (!img.empty() && write(fd, img.data(), img.size()) != static_cast<ssize_t>(img.size())) {
    close(fd);
    return 0;
  }
  const std::string path = "/proc/self/fd/" + std::to_string(fd);
  using namespace agentprof::boringssl;
  (void)may_embed_boringssl(path);
  BoringSslLocation loc = locate_boringssl(path);
  if (loc.found) {
    if (!prologue_at(img, loc.ssl_write) || !prologue_at(img, loc.ssl_read) || loc.ssl_write == loc.ssl_read)
      abort();
    if (loc.destructor_found && !prologue_at(img, loc.ssl_free_destructor)) abort();
  }
  close(fd);
  // The cache parser sees the same bytes as an entry.
  (void)parse_cache_entry("k", std::string(reinterpret_cast<const char*>(data), size));
  return 0;
}
