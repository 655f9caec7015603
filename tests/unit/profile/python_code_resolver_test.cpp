#include <catch2/catch.hpp>

#include <cstring>
#include <map>

#include "profile/python_code_resolver.h"
#include "profile/python_process.h"

using namespace agentprof::profile;

namespace {

// A fake address space: byte ranges at addresses.
class FakeMemory : public MemoryReader {
 public:
  std::map<uint64_t, std::vector<uint8_t>> regions;
  int reads = 0;
  void put(uint64_t addr, const void* data, size_t n) {
    auto& r = regions[addr];
    r.assign(static_cast<const uint8_t*>(data), static_cast<const uint8_t*>(data) + n);
  }
  template <typename T>
  void put_value(uint64_t addr, T v) { put(addr, &v, sizeof(v)); }
  bool read(pid_t, uint64_t address, void* out, size_t size) override {
    reads++;
    for (const auto& [start, bytes] : regions) {
      if (address >= start && address + size <= start + bytes.size()) {
        memcpy(out, bytes.data() + (address - start), size);
        return true;
      }
    }
    return false;
  }
};

constexpr uint64_t kCodeType = 0x9000;

// A compact str at `addr`: ASCII (kind 1) or UCS-2 (kind 2) data after the header.
void put_str(FakeMemory& m, const PythonOffsets& o, uint64_t addr, const std::u16string& text, bool ascii) {
  std::vector<uint8_t> obj(size_t(ascii ? o.unicode_ascii_data : o.unicode_compact_data) + text.size() * 2, 0);
  int64_t length = int64_t(text.size());
  memcpy(obj.data() + o.unicode_length, &length, 8);
  uint32_t kind = ascii ? 1 : 2;
  uint32_t state = (kind << 2) | (1u << 5) | (uint32_t(ascii) << 6);
  memcpy(obj.data() + o.unicode_state, &state, 4);
  uint8_t* data = obj.data() + (ascii ? o.unicode_ascii_data : o.unicode_compact_data);
  for (size_t i = 0; i < text.size(); i++) {
    if (ascii) data[i] = uint8_t(text[i]);
    else memcpy(data + 2 * i, &text[i], 2);
  }
  m.put(addr, obj.data(), obj.size());
}

void put_code(FakeMemory& m, const PythonOffsets& o, uint64_t addr, uint64_t type, uint64_t name,
              uint64_t qualname, uint64_t file, int32_t line) {
  std::vector<uint8_t> obj(200, 0);
  memcpy(obj.data() + o.object_type, &type, 8);
  memcpy(obj.data() + o.code_name, &name, 8);
  memcpy(obj.data() + o.code_qualname, &qualname, 8);
  memcpy(obj.data() + o.code_filename, &file, 8);
  memcpy(obj.data() + o.code_firstlineno, &line, 4);
  m.put(addr, obj.data(), obj.size());
}

}  // namespace

TEST_CASE("python version from the interpreter's path") {
  CHECK(python_version_from_path("/usr/bin/python3.11") == PythonVersion{3, 11});
  CHECK(python_version_from_path("/usr/lib/x86_64-linux-gnu/libpython3.12.so.1.0") == PythonVersion{3, 12});
  CHECK(python_version_from_path("/opt/py/bin/python3.13d") == PythonVersion{3, 13});
  CHECK_FALSE(python_version_from_path("/usr/bin/python3"));
  CHECK_FALSE(python_version_from_path("/usr/bin/python3.11-config"));
  CHECK_FALSE(python_version_from_path("/usr/lib/python3.11/lib-dynload/_ssl.cpython-311.so"));
  CHECK_FALSE(python_version_from_path("/usr/bin/node"));
}

TEST_CASE("only 3.11 has a verified offset table entry") {
  auto o = python_offsets_for({3, 11});
  REQUIRE(o);
  CHECK(o->verified);
  CHECK(o->frame_code == 32);
  CHECK_FALSE(python_offsets_for({3, 9}));
  CHECK_FALSE(python_offsets_for({3, 14}));
}

TEST_CASE("code objects resolve to qualified name, file and first line; others to nothing") {
  PythonOffsets o = *python_offsets_for({3, 11});
  FakeMemory m;
  put_str(m, o, 0x1000, u"Worker.run", true);
  put_str(m, o, 0x2000, u"run", true);
  put_str(m, o, 0x3000, u"/srv/caf\u00e9.py", false);  // non-ASCII path: UCS-2 storage
  put_code(m, o, 0x5000, kCodeType, 0x2000, 0x1000, 0x3000, 42);
  put_code(m, o, 0x6000, 0x7777 /* not PyCode_Type */, 0x2000, 0x1000, 0x3000, 1);
  put_code(m, o, 0x7000, kCodeType, 0x2000, 0x1000, 0xdead000 /* unreadable */, 1);

  PythonCodeResolver resolver(m);
  auto code = resolver.resolve(1, o, kCodeType, 0x5000);
  REQUIRE(code);
  CHECK(code->name == "Worker.run");
  CHECK(code->file == "/srv/caf\xc3\xa9.py");
  CHECK(code->first_line == 42);
  int reads = m.reads;
  CHECK(resolver.resolve(1, o, kCodeType, 0x5000)->name == "Worker.run");
  CHECK(m.reads == reads);  // cached
  CHECK(resolver.stats().cache_hits == 1);

  CHECK_FALSE(resolver.resolve(1, o, kCodeType, 0x6000));
  CHECK_FALSE(resolver.resolve(1, o, kCodeType, 0x7000));
  CHECK_FALSE(resolver.resolve(1, o, kCodeType, 0xbad0000));
  CHECK(resolver.stats().failures == 3);
}

TEST_CASE("absurd string lengths are rejected, not allocated") {
  PythonOffsets o = *python_offsets_for({3, 11});
  FakeMemory m;
  std::vector<uint8_t> obj(64, 0);
  int64_t length = int64_t(1) << 40;
  uint32_t state = (1u << 2) | (1u << 5) | (1u << 6);
  memcpy(obj.data() + o.unicode_length, &length, 8);
  memcpy(obj.data() + o.unicode_state, &state, 4);
  m.put(0x1000, obj.data(), obj.size());
  put_str(m, o, 0x3000, u"f.py", true);
  put_code(m, o, 0x5000, kCodeType, 0x1000, 0, 0x3000, 1);
  PythonCodeResolver resolver(m);
  CHECK_FALSE(resolver.resolve(1, o, kCodeType, 0x5000));
}
