#include "symbolizer/symbolizer.h"

#include <fcntl.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace agentprof::symbolizer {
namespace {

constexpr const char* kKernelModule = "[kernel.kallsyms]";
constexpr const char* kPerfMapModule = "[perf-map]";
constexpr const char* kVdsoPath = "[vdso]";

bool read_whole_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  out = buffer.str();
  return !in.bad();
}

// The pid as the process itself sees it (innermost pid namespace): runtimes name their perf map
// /tmp/perf-<that pid>.map, which differs from the host pid inside containers.
std::string namespace_pid(const std::string& proc_pid_dir, pid_t host_pid) {
  std::string status;
  if (read_whole_file(proc_pid_dir + "/status", status)) {
    size_t pos = status.find("\nNSpid:");
    if (pos != std::string::npos) {
      size_t eol = status.find('\n', pos + 1);
      std::string line = status.substr(pos + 7, eol == std::string::npos ? std::string::npos : eol - pos - 7);
      size_t last = line.find_last_of(" \t");
      std::string value = last == std::string::npos ? line : line.substr(last + 1);
      if (!value.empty() && value.find_first_not_of("0123456789") == std::string::npos) return value;
    }
  }
  return std::to_string(host_pid);
}

std::string hex_range(uint64_t start, uint64_t end) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%llx-%llx", static_cast<unsigned long long>(start),
                static_cast<unsigned long long>(end));
  return buffer;
}

void add_source_line(const ElfModule& module, uint64_t vaddr, Frame& frame) {
  if (auto source = module.source_line(vaddr)) {
    frame.file = std::move(source->file);
    frame.line = source->line;
  }
}

void set_unknown(Frame& frame, std::string module, uint64_t offset) {
  frame.function = kUnknownFunction;
  frame.module = std::move(module);
  frame.offset = offset;
  frame.resolved = false;
}

}  // namespace

struct Symbolizer::MappingState {
  bool tried = false;
  std::shared_ptr<const ElfModule> module;
  int64_t adjustment = 0;  // file offset -> ELF virtual address
};

struct Symbolizer::ProcessState {
  std::string proc_dir;  // "/proc/PID"
  std::vector<Mapping> maps;
  std::vector<MappingState> slots;  // parallel to maps
  bool maps_read_once = false;
  Clock::time_point maps_read_at{};
  std::unique_ptr<PerfMap> perf_map;
  Clock::time_point perf_map_read_at{};
  uint64_t last_used = 0;
};

Symbolizer::Symbolizer(SymbolizerOptions options)
    : options_(std::move(options)), modules_(options_.debug_files, options_.max_modules) {}

Symbolizer::~Symbolizer() = default;

Symbolizer::ProcessState& Symbolizer::process(pid_t pid) {
  auto it = processes_.find(pid);
  if (it == processes_.end()) {
    if (processes_.size() >= options_.max_processes && !processes_.empty()) {
      auto oldest = processes_.begin();
      for (auto p = processes_.begin(); p != processes_.end(); ++p) {
        if (p->second->last_used < oldest->second->last_used) oldest = p;
      }
      processes_.erase(oldest);
      ++stats_.processes_evicted;
    }
    auto state = std::make_unique<ProcessState>();
    state->proc_dir = options_.proc_dir + "/" + std::to_string(pid);
    it = processes_.emplace(pid, std::move(state)).first;
  }
  it->second->last_used = ++use_clock_;
  return *it->second;
}

bool Symbolizer::read_maps(ProcessState& state) {
  state.maps_read_at = Clock::now();
  state.maps_read_once = true;
  std::string text;
  ++stats_.maps_reads;
  if (!read_whole_file(state.proc_dir + "/maps", text) || text.empty()) {
    // The process exited: keep the mappings we had so its last stacks still symbolize.
    ++stats_.maps_read_failures;
    return false;
  }
  MapsParseResult parsed = parse_maps(text);
  stats_.maps_malformed_lines += parsed.malformed_lines;
  // Keep already-resolved modules for mappings that did not change (same range, offset and inode).
  std::vector<MappingState> slots(parsed.mappings.size());
  for (size_t i = 0; i < parsed.mappings.size(); ++i) {
    const Mapping& m = parsed.mappings[i];
    long old = find_mapping(state.maps, m.start);
    if (old >= 0) {
      const Mapping& o = state.maps[old];
      if (o.start == m.start && o.end == m.end && o.offset == m.offset && o.inode == m.inode && o.path == m.path) {
        slots[i] = state.slots[old];
      }
    }
  }
  state.maps = std::move(parsed.mappings);
  state.slots = std::move(slots);
  return true;
}

void Symbolizer::resolve_module(ProcessState& state, MappingState& slot, const Mapping& m) {
  slot.tried = true;
  const std::string root = state.proc_dir + "/root";
  int fd = -1;
  if (!m.deleted) {
    fd = ::open((root + m.path).c_str(), O_RDONLY | O_CLOEXEC);
    struct stat st{};
    if (fd >= 0 && (fstat(fd, &st) != 0 || st.st_ino != m.inode)) {
      ::close(fd);  // replaced on disk since it was mapped: the path now names another file
      fd = -1;
    }
  }
  if (fd < 0) {
    // The exact mapped file, even when deleted or replaced (needs the same privileges as ptrace).
    fd = ::open((state.proc_dir + "/map_files/" + hex_range(m.start, m.end)).c_str(), O_RDONLY | O_CLOEXEC);
  }
  if (fd < 0) {
    ++stats_.module_open_failures;
    return;
  }
  std::string error;
  slot.module = modules_.get(fd, ElfModule::Origin{root, m.path}, &error);
  ::close(fd);
  if (!slot.module) {
    ++stats_.module_open_failures;
    return;
  }
  slot.adjustment = slot.module->vaddr_adjustment(m.offset);
}

bool Symbolizer::lookup_perf_map(pid_t pid, ProcessState& state, uint64_t address, Frame& frame) {
  const auto now = Clock::now();
  if (!state.perf_map) {
    state.perf_map = std::make_unique<PerfMap>(state.proc_dir + "/root/tmp/perf-" +
                                               namespace_pid(state.proc_dir, pid) + ".map");
    state.perf_map->refresh();
    state.perf_map_read_at = now;
    ++stats_.perf_map_reads;
  }
  const PerfMapEntry* entry = state.perf_map->find(address);
  if (entry == nullptr && now - state.perf_map_read_at >= options_.min_reread_interval) {
    state.perf_map->refresh();  // the runtime may have appended new JIT code
    state.perf_map_read_at = now;
    ++stats_.perf_map_reads;
    entry = state.perf_map->find(address);
  }
  if (entry == nullptr) return false;
  frame.function = entry->name;
  frame.module = kPerfMapModule;
  frame.offset = address - entry->start;
  frame.resolved = true;
  return true;
}

const ElfModule* Symbolizer::vdso_module() {
  if (vdso_tried_) return vdso_.get();
  vdso_tried_ = true;
  uint64_t base = getauxval(AT_SYSINFO_EHDR);
  if (base == 0) return nullptr;
  std::string text;
  if (!read_whole_file("/proc/self/maps", text)) return nullptr;
  for (const Mapping& m : parse_maps(text).mappings) {
    if (m.path != kVdsoPath || m.start != base) continue;
    // Copy our own mapping (a few pages): the module must own the bytes its names point into.
    const char* begin = reinterpret_cast<const char*>(m.start);
    std::string error;
    if (auto image = ElfImage::from_bytes(std::vector<char>(begin, begin + (m.end - m.start)), &error)) {
      vdso_ = ElfModule::load(std::move(image), ElfModule::Origin{"", kVdsoPath}, options_.debug_files);
    }
    break;
  }
  return vdso_.get();
}

void Symbolizer::symbolize_one(pid_t pid, ProcessState& state, uint64_t address, Frame& frame) {
  long index = find_mapping(state.maps, address);
  if (index < 0 && (!state.maps_read_once || Clock::now() - state.maps_read_at >= options_.min_reread_interval)) {
    read_maps(state);  // a library loaded since the last read, or a first look
    index = find_mapping(state.maps, address);
  }
  if (index >= 0) {
    const Mapping& m = state.maps[index];
    MappingState& slot = state.slots[index];
    if (m.file_backed()) {
      if (!slot.tried) resolve_module(state, slot, m);
      if (slot.module) {
        uint64_t vaddr = address - m.start + m.offset + static_cast<uint64_t>(slot.adjustment);
        if (auto hit = slot.module->lookup(vaddr)) {
          frame.function = slot.module->name(hit->index);
          frame.module = m.path;
          frame.offset = hit->offset;
          frame.resolved = true;
          if (options_.source_lines) add_source_line(*slot.module, vaddr, frame);
        } else {
          set_unknown(frame, m.path, vaddr);
        }
        return;
      }
    }
    if (m.path == kVdsoPath) {
      if (const ElfModule* vdso = vdso_module()) {
        uint64_t vaddr = address - m.start + static_cast<uint64_t>(vdso->vaddr_adjustment(0));
        if (auto hit = vdso->lookup(vaddr)) {
          frame.function = vdso->name(hit->index);
          frame.module = kVdsoPath;
          frame.offset = hit->offset;
          frame.resolved = true;
          return;
        }
      }
      set_unknown(frame, kVdsoPath, address - m.start);
      return;
    }
    // Not an ELF file (anonymous or memfd code): JIT output described by the runtime's perf map.
    if (lookup_perf_map(pid, state, address, frame)) return;
    set_unknown(frame, m.path.empty() ? "[anon]" : m.path, address - m.start);
    return;
  }
  if (lookup_perf_map(pid, state, address, frame)) return;
  set_unknown(frame, "", address);
}

std::vector<Frame> Symbolizer::symbolize(pid_t pid, std::span<const uint64_t> addresses, FirstAddress first) {
  std::vector<Frame> frames(addresses.size());
  if (addresses.empty()) return frames;
  ProcessState& state = process(pid);
  for (size_t i = 0; i < addresses.size(); ++i) {
    Frame& frame = frames[i];
    frame.address = addresses[i];
    bool is_return = i > 0 || first == FirstAddress::kReturnAddress;
    uint64_t lookup = is_return && addresses[i] > 0 ? addresses[i] - 1 : addresses[i];
    symbolize_one(pid, state, lookup, frame);
    ++stats_.frames;
    if (!frame.resolved) ++stats_.unknown_frames;
  }
  return frames;
}

std::vector<Frame> Symbolizer::symbolize_file(const std::string& path, std::span<const uint64_t> vaddrs) {
  std::vector<Frame> frames(vaddrs.size());
  std::shared_ptr<const ElfModule> module;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    std::string error;
    module = modules_.get(fd, ElfModule::Origin{"", path}, &error);
    ::close(fd);
  }
  for (size_t i = 0; i < vaddrs.size(); ++i) {
    Frame& frame = frames[i];
    frame.address = vaddrs[i];
    std::optional<ElfModule::Hit> hit = module ? module->lookup(vaddrs[i]) : std::nullopt;
    if (hit) {
      frame.function = module->name(hit->index);
      frame.module = path;
      frame.offset = hit->offset;
      frame.resolved = true;
      if (options_.source_lines) add_source_line(*module, vaddrs[i], frame);
    } else {
      set_unknown(frame, path, vaddrs[i]);
    }
  }
  return frames;
}

bool Symbolizer::refresh_kernel_symbols() {
  kernel_loaded_ = true;
  kernel_loaded_at_ = Clock::now();
  ++stats_.kallsyms_loads;
  return kernel_.load_file(options_.kallsyms_path);
}

std::vector<Frame> Symbolizer::symbolize_kernel(std::span<const uint64_t> addresses, FirstAddress first) {
  std::vector<Frame> frames(addresses.size());
  if (!kernel_loaded_) refresh_kernel_symbols();
  for (size_t i = 0; i < addresses.size(); ++i) {
    Frame& frame = frames[i];
    frame.address = addresses[i];
    bool is_return = i > 0 || first == FirstAddress::kReturnAddress;
    uint64_t lookup = is_return && addresses[i] > 0 ? addresses[i] - 1 : addresses[i];
    auto hit = kernel_.find(lookup);
    if (!hit && Clock::now() - kernel_loaded_at_ >= options_.min_kallsyms_reload_interval) {
      refresh_kernel_symbols();  // a module may have been loaded since
      hit = kernel_.find(lookup);
    }
    ++stats_.frames;
    if (!hit) {
      set_unknown(frame, kKernelModule, lookup);
      ++stats_.unknown_frames;
      continue;
    }
    frame.function = std::string(hit->name);
    frame.module = hit->module.empty() ? std::string(kKernelModule) : "[" + std::string(hit->module) + "]";
    frame.offset = hit->offset;
    frame.resolved = true;
  }
  return frames;
}

void Symbolizer::invalidate_process(pid_t pid) {
  auto it = processes_.find(pid);
  if (it == processes_.end()) return;
  // A new program image: new mappings and, with a fresh runtime, a new perf map.
  it->second->maps.clear();
  it->second->slots.clear();
  it->second->maps_read_once = false;
  it->second->perf_map.reset();
}

void Symbolizer::forget_process(pid_t pid) { processes_.erase(pid); }

}  // namespace agentprof::symbolizer
