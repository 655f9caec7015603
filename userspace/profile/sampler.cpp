#include "profile/sampler.h"

#include <time.h>

#include <dirent.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "profile/stack_key.h"
#include "profile/stack_merger.h"

namespace agentprof::profile {

namespace {

uint64_t clock_ns(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return uint64_t(ts.tv_sec) * 1'000'000'000ull + uint64_t(ts.tv_nsec);
}

Frame to_profile_frame(const symbolizer::Frame& s, bool kernel) {
  Frame f;
  f.function = s.function.empty() ? symbolizer::kUnknownFunction : s.function;
  f.module = s.module;
  f.file = s.file;
  f.line = s.line;
  if (kernel) f.kind = FrameKind::kKernel;
  else if (s.module == "[perf-map]") f.kind = FrameKind::kJit;
  else if (!s.resolved && s.module.empty()) f.kind = FrameKind::kUnknown;
  else f.kind = FrameKind::kNative;
  return f;
}

Frame marker_frame(const char* name) {
  Frame f;
  f.function = name;
  f.kind = FrameKind::kUnknown;
  return f;
}

// Processes already descending from `roots` (the kernel only sees forks that happen from now on).
std::vector<uint32_t> with_descendants(const std::vector<uint32_t>& roots) {
  std::map<uint32_t, std::vector<uint32_t>> children;
  if (DIR* dir = opendir("/proc")) {
    while (dirent* e = readdir(dir)) {
      char* end = nullptr;
      unsigned long pid = strtoul(e->d_name, &end, 10);
      if (!end || *end || pid == 0) continue;
      std::ifstream stat("/proc/" + std::string(e->d_name) + "/stat");
      std::string text;
      std::getline(stat, text);
      size_t paren = text.rfind(')');  // comm may contain spaces and parentheses
      if (paren == std::string::npos) continue;
      std::istringstream rest(text.substr(paren + 1));
      std::string state;
      unsigned long ppid = 0;
      if (rest >> state >> ppid) children[uint32_t(ppid)].push_back(uint32_t(pid));
    }
    closedir(dir);
  }
  std::vector<uint32_t> out;
  std::set<uint32_t> seen;
  std::vector<uint32_t> todo(roots);
  while (!todo.empty()) {
    uint32_t pid = todo.back();
    todo.pop_back();
    if (!seen.insert(pid).second) continue;
    out.push_back(pid);
    for (uint32_t c : children[pid]) todo.push_back(c);
  }
  return out;
}

}  // namespace

Sampler::Sampler() = default;
Sampler::~Sampler() {
  if (running_) bpf_.stop();
}

bool Sampler::start(const SamplerOptions& options) {
  options_ = options;
  options_.scope.pids = with_descendants(options.scope.pids);
  if (options.frequency_hz == 0 || options.frequency_hz > 10000) {
    error_ = "frequency must be between 1 and 10000 Hz";
    return false;
  }
  if (!bpf_.load(options_.scope, options.targets_added_later)) {
    error_ = bpf_.error();
    return false;
  }
  // Register Python interpreters before the first sample so their frames are walked from the start;
  // processes found later (children, --comm matches) are registered when first sampled.
  if (options.python_frames)
    for (uint32_t pid : options_.scope.pids) discover_python(pid);
  reset_window();
  if (!bpf_.start(options.frequency_hz)) {
    error_ = bpf_.error();
    return false;
  }
  running_ = true;
  return true;
}

void Sampler::discover_python(uint32_t pid) {
  if (python_.count(pid) || python_skipped_.count(pid)) return;
  std::string why;
  auto process = find_python(pid_t(pid), &why);
  if (!process) {
    python_skipped_[pid] = why;
    return;
  }
  auto offsets = python_offsets_for(process->version);
  if (!offsets) return;  // find_python already checked; defensive
  ap_py_proc p{};
  p.tstate_current_addr = process->runtime_addr + uint64_t(offsets->runtime_tstate_current);
  p.tstate_cframe = offsets->tstate_cframe;
  p.cframe_current_frame = offsets->cframe_current_frame;
  p.tstate_native_tid = offsets->tstate_native_thread_id;
  p.frame_code = offsets->frame_code;
  p.frame_previous = offsets->frame_previous;
  p.frame_is_entry = offsets->frame_is_entry;
  p.frame_owner = offsets->frame_owner;
  p.owner_cstack = offsets->owner_cstack;
  p.frame_prev_instr = offsets->frame_prev_instr;
  if (!bpf_.set_python_process(pid, p)) {
    python_skipped_[pid] = "py_procs map full";
    return;
  }
  python_[pid] = PythonTarget{*process, *offsets};
  stats_.python_processes++;
}

const std::string& Sampler::comm_of(uint32_t pid) {
  auto it = comms_.find(pid);
  if (it != comms_.end()) return it->second;
  std::ifstream in("/proc/" + std::to_string(pid) + "/comm");
  std::string comm;
  if (!std::getline(in, comm)) comm = "[exited]";
  return comms_[pid] = comm;
}

void Sampler::add_sample(const RawSample& raw, std::unordered_map<int32_t, std::vector<Frame>>& user_cache,
                         std::unordered_map<int32_t, std::vector<Frame>>& kernel_cache) {
  const ap_sample_key& k = raw.key;
  uint32_t pid = k.pid;
  if (pids_seen_.insert(pid).second && options_.python_frames) discover_python(pid);
  comm_of(pid);

  auto frames_of = [&](int32_t id, bool kernel) -> const std::vector<Frame>* {
    auto& cache = kernel ? kernel_cache : user_cache;
    if (id < 0) return nullptr;
    // Stack ids are shared by all processes for kernel stacks but user addresses only mean something
    // in their process: the user cache is per collect pass and keyed by id, and an id is one stack.
    auto it = cache.find(id);
    if (it != cache.end()) return &it->second;
    std::vector<uint64_t> ips = bpf_.stack(id);
    if (ips.empty()) {
      stats_.stacks_missing += raw.count;
      return nullptr;
    }
    std::vector<symbolizer::Frame> symbols =
        kernel ? symbolizer_.symbolize_kernel(ips) : symbolizer_.symbolize(pid_t(pid), ips);
    std::vector<Frame> frames;
    frames.reserve(symbols.size());
    for (const auto& s : symbols) frames.push_back(to_profile_frame(s, kernel));
    return &cache.emplace(id, std::move(frames)).first->second;
  };

  static const std::vector<Frame> kNone;
  const std::vector<Frame>* user = frames_of(k.user_stack_id, false);
  const std::vector<Frame>* kernel = frames_of(k.kernel_stack_id, true);

  std::vector<PythonFrame> python;
  if (k.py_stack) {
    ap_py_stack py{};
    auto target = python_.find(pid);
    if (target == python_.end() || !bpf_.python_stack(k.py_stack, py)) {
      // Removed by the previous drain after this sample referenced it: say so, never drop silently.
      stats_.python_stacks_missing += raw.count;
      PythonFrame lost;
      lost.frame = marker_frame("[python frames lost]");
      lost.entry = true;
      python.push_back(std::move(lost));
    } else {
      uint32_t depth = py.depth > AP_PY_MAX_FRAMES ? AP_PY_MAX_FRAMES : py.depth;
      for (uint32_t i = 0; i < depth; i++) {
        PythonFrame pf;
        pf.entry = (py.code[i] & AP_PY_ENTRY_BIT) != 0;
        uint64_t code_addr = py.code[i] & ~AP_PY_ENTRY_BIT;
        auto code = python_resolver_.resolve(pid_t(pid), target->second.offsets,
                                             target->second.process.code_type_addr, code_addr);
        pf.frame.kind = FrameKind::kPython;
        if (code) {
          pf.frame.function = code->name;
          pf.frame.file = code->file;
          pf.frame.line = code->line_at(py.instr[i]);
          pf.frame.module = code->file;
        } else {
          pf.frame.function = "[python: unreadable code object]";
          stats_.python_unresolved += raw.count;
        }
        python.push_back(std::move(pf));
      }
      if (py.truncated) {
        PythonFrame cut;
        cut.frame = marker_frame("[python: deeper frames cut]");
        cut.entry = true;
        python.push_back(std::move(cut));
      }
    }
  }

  std::vector<Frame> stack = merge_stacks(kernel ? *kernel : kNone, user ? *user : kNone, python);
  // A user stack the kernel could not record, or one gone when read: the sample is kept (its CPU time
  // is real) under a marker at the root, and counted in lost_samples.
  bool user_missing = k.user_stack_id < 0 ? (k.kernel_stack_id < 0) : (user == nullptr);
  if (stack.empty() || user_missing) stack.insert(stack.begin(), marker_frame("[stack not recorded]"));

  auto [it, fresh] = sample_index_.emplace(stack_key(pid, stack), profile_.samples.size());
  if (fresh) {
    StackSample s;
    s.pid = pid;
    s.comm = comms_[pid];
    s.frames = std::move(stack);
    profile_.samples.push_back(std::move(s));
  }
  profile_.samples[it->second].count += raw.count;
  stats_.samples += raw.count;
  activity_.add(pid, (k.flags & AP_SAMPLE_LLM_IN_FLIGHT) != 0, raw.count);
}

void Sampler::collect() {
  std::vector<RawSample> raw = bpf_.drain_counts();
  std::unordered_map<int32_t, std::vector<Frame>> kernel_cache;
  // User stack ids are per address space content; one stack id = one address list, and the same list
  // in two processes symbolizes differently, so user frames are cached per (pid, id).
  std::map<uint32_t, std::unordered_map<int32_t, std::vector<Frame>>> user_caches;
  std::set<int32_t> stack_ids;
  std::set<uint64_t> py_keys;
  for (const RawSample& r : raw) {
    add_sample(r, user_caches[r.key.pid], kernel_cache);
    if (r.key.user_stack_id >= 0) stack_ids.insert(r.key.user_stack_id);
    if (r.key.kernel_stack_id >= 0) stack_ids.insert(r.key.kernel_stack_id);
    if (r.key.py_stack) py_keys.insert(r.key.py_stack);
  }
  // Stacks no sample used since the previous drain are removed, so the fixed-size maps never fill
  // during long captures. Stacks still in use stay: deleting a hot stack right after the drain would
  // orphan every sample taken meanwhile (symbolization can take a while), each shown as "[stack not
  // recorded]". A stale stack hit again just as it is deleted is the only such loss left (counted).
  for (int32_t id : stacks_used_last_drain_)
    if (!stack_ids.count(id)) bpf_.delete_stack(id);
  for (uint64_t key : python_stacks_used_last_drain_)
    if (!py_keys.count(key)) bpf_.delete_python_stack(key);
  stacks_used_last_drain_ = std::move(stack_ids);
  python_stacks_used_last_drain_ = std::move(py_keys);
  stats_.kernel = bpf_.read_stats();
}

void Sampler::reset_window() {
  profile_ = Profile{};
  profile_.frequency_hz = options_.frequency_hz;
  profile_.sample_period_ns = 1'000'000'000ull / options_.frequency_hz;
  profile_.start_unix_ns = clock_ns(CLOCK_REALTIME);
  start_monotonic_ns_ = clock_ns(CLOCK_MONOTONIC);
  sample_index_.clear();
}

void Sampler::close_window() {
  collect();
  profile_.duration_ns = clock_ns(CLOCK_MONOTONIC) - start_monotonic_ns_;
  const auto& c = stats_.kernel.counters;
  uint64_t lost = c[AP_PROF_COUNTS_FULL] + c[AP_PROF_LOST_USER_STACK] + stats_.stacks_missing;
  profile_.lost_samples = lost - lost_before_window_;
  lost_before_window_ = lost;
}

Profile Sampler::take_window() {
  close_window();
  Profile window = std::move(profile_);
  reset_window();
  return window;
}

Profile Sampler::finish() {
  if (running_) {
    bpf_.stop();
    running_ = false;
  }
  close_window();
  for (const auto& [pid, target] : python_) {
    bpf_.forget_python_process(pid);
    python_resolver_.forget_process(pid_t(pid));
  }
  return std::move(profile_);
}

bool Sampler::add_target(uint32_t pid) {
  bool ok = true;
  for (uint32_t p : with_descendants({pid})) ok = bpf_.add_traced_pid(p) && ok;
  return ok;
}

CpuActivitySplit Sampler::take_activity() {
  CpuActivitySplit out = std::move(activity_);
  activity_ = CpuActivitySplit{};
  return out;
}

void Sampler::forget_process(uint32_t pid) {
  pids_seen_.erase(pid);
  comms_.erase(pid);
  python_skipped_.erase(pid);
  if (python_.erase(pid)) {
    bpf_.forget_python_process(pid);
    python_resolver_.forget_process(pid_t(pid));
  }
  symbolizer_.forget_process(pid_t(pid));
}

void Sampler::forget_exited_processes() {
  std::set<uint32_t> known(pids_seen_);
  for (const auto& [pid, comm] : comms_) known.insert(pid);
  for (const auto& [pid, target] : python_) known.insert(pid);
  struct stat st;
  for (uint32_t pid : known)
    if (stat(("/proc/" + std::to_string(pid)).c_str(), &st) != 0) forget_process(pid);
}

std::string Sampler::python_notes() const {
  std::string out;
  for (const auto& [pid, target] : python_)
    out += "pid " + std::to_string(pid) + ": CPython " + std::to_string(target.process.version.major) + "." +
           std::to_string(target.process.version.minor) + " frames walked (" + target.process.binary + ")\n";
  // Interpreters found but not walked (unsupported version, no symbols): say why, so a flame graph
  // without Python frames is never mistaken for a process without Python code.
  for (const auto& [pid, why] : python_skipped_)
    if (why.find("CPython") != std::string::npos || why.find("_PyRuntime") != std::string::npos)
      out += "pid " + std::to_string(pid) + ": Python frames not walked: " + why + "\n";
  return out;
}

}  // namespace agentprof::profile
