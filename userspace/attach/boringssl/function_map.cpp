#include "attach/boringssl/function_map.h"

#include <algorithm>
#include <cstring>

namespace agentprof::boringssl {

namespace {

// How far back from a site we look for an int3-padded function boundary, and how much code one
// function may span: BoringSSL functions are far smaller; anything larger is not trusted.
constexpr uint64_t kMaxBacktrack = 1u << 20;
constexpr uint64_t kMaxDecode = 2u << 20;

bool ends_flow(InsnKind k) {
  return k == InsnKind::kRet || k == InsnKind::kJmp || k == InsnKind::kCall || k == InsnKind::kNop ||
         k == InsnKind::kInt3;
}

}  // namespace

long DecodedFunction::index_of(uint64_t a) const {
  auto it = std::lower_bound(insns.begin(), insns.end(), a,
                             [](const Insn& i, uint64_t v) { return i.addr < v; });
  if (it == insns.end() || it->addr != a) return -1;
  return static_cast<long>(it - insns.begin());
}

bool DecodedFunction::is_branch_target(uint64_t a) const {
  return std::binary_search(branch_targets.begin(), branch_targets.end(), a);
}

bool has_frame_prologue(const CodeWindow& w, uint64_t a) {
  static const uint8_t kPrologue[4] = {0x55, 0x48, 0x89, 0xe5};
  return w.contains(a) && w.available(a) >= 4 && std::memcmp(w.at(a), kPrologue, 4) == 0;
}

bool FunctionMap::is_call_target(uint64_t a) const {
  return std::binary_search(call_targets_.begin(), call_targets_.end(), a);
}

bool FunctionMap::plausible_start(uint64_t a) const {
  return (a & 15) == 0 && (is_call_target(a) || has_frame_prologue(window_, a));
}

const DecodedFunction* FunctionMap::containing(uint64_t addr, std::string* why) {
  auto lookup = [&]() -> const DecodedFunction* {
    auto it = functions_.upper_bound(addr);
    if (it == functions_.begin()) return nullptr;
    --it;
    if (addr >= it->second.end) return nullptr;
    return &it->second;
  };
  if (!window_.contains(addr)) {
    *why = "address outside the analysed code window";
    return nullptr;
  }
  const DecodedFunction* f = lookup();
  if (!f) {
    // Nearest int3-padded boundary before addr that looks like a function start.
    uint64_t a = addr & ~uint64_t{15};
    bool found = false;
    while (a > window_.vaddr && addr - a <= kMaxBacktrack) {
      if (*window_.at(a - 1) == 0xcc && plausible_start(a)) {
        found = true;
        break;
      }
      a -= 16;
    }
    if (!found) {
      *why = "no int3-padded function boundary within 1 MiB before the site";
      return nullptr;
    }
    if (!decode_from(a, addr, why)) return nullptr;
    f = lookup();
    if (!f) {
      *why = "site not covered by decoded functions";
      return nullptr;
    }
  }
  if (f->index_of(addr) < 0) {
    *why = "site is not an instruction boundary";
    return nullptr;
  }
  return f;
}

bool FunctionMap::decode_from(uint64_t region_start, uint64_t must_reach, std::string* why) {
  DecodedFunction cur;
  cur.start = region_start;
  uint64_t a = region_start;
  InsnKind prev = InsnKind::kInt3;
  auto close = [&](uint64_t end) {
    cur.end = end;
    cur.frame_prologue = has_frame_prologue(window_, cur.start);
    cur.call_target = is_call_target(cur.start);
    std::sort(cur.branch_targets.begin(), cur.branch_targets.end());
    cur.branch_targets.erase(std::unique(cur.branch_targets.begin(), cur.branch_targets.end()),
                             cur.branch_targets.end());
    // Keep the first decoding of a range; a later overlapping one adds nothing trustworthy.
    functions_.emplace(cur.start, std::move(cur));
    cur = DecodedFunction{};
  };
  while (true) {
    if (a - region_start > kMaxDecode) {
      *why = "function too large to trust";
      return false;
    }
    // int3 padding ends a function even when the next one is neither called directly nor framed.
    bool after_padding = prev == InsnKind::kInt3 && (a & 15) == 0;
    if (a != cur.start && ends_flow(prev) && (after_padding || plausible_start(a))) {
      close(a);
      if (a > must_reach) return true;
      if (functions_.count(a)) return true;  // joined code decoded earlier
      cur.start = a;
    }
    if (!window_.contains(a)) {
      if (a > must_reach && !cur.insns.empty()) {
        close(a);
        return true;
      }
      *why = "decoding ran out of the analysed code window";
      return false;
    }
    Insn in;
    if (!decoder_.decode(window_.at(a), window_.available(a), a, in)) {
      if (a > must_reach && !cur.insns.empty()) {
        close(a);  // data or padding after the function: its end
        return true;
      }
      *why = "undecodable bytes before the site";
      return false;
    }
    if (in.direct && (in.kind == InsnKind::kJmp || in.kind == InsnKind::kCondJmp))
      cur.branch_targets.push_back(in.target);
    cur.insns.push_back(in);
    prev = in.kind;
    a += in.size;
  }
}

}  // namespace agentprof::boringssl
