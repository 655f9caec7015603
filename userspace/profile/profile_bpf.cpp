#include "profile/profile_bpf.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/perf_event.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "events.h"
#include "proc.skel.h"
#include "profile.skel.h"

namespace agentprof::profile {

struct ProfileBpf::Objects {
  proc_bpf* proc = nullptr;
  profile_bpf* prof = nullptr;
  ~Objects() {
    if (prof) profile_bpf__destroy(prof);
    if (proc) proc_bpf__destroy(proc);
  }
};

namespace {

std::string errno_text(int err) { return strerror(err < 0 ? -err : err); }

bool share(bpf_map* map, bpf_map* owner, std::string& error) {
  if (int err = bpf_map__reuse_fd(map, bpf_map__fd(owner))) {
    error = std::string("sharing map ") + bpf_map__name(map) + ": " + errno_text(err);
    return false;
  }
  return true;
}

// Every map of common.bpf.h exists once, in proc.bpf.o; profile.bpf.o reuses them (same as tls/sock).
bool share_common(profile_bpf* p, proc_bpf* o, std::string& e) {
  return share(p->maps.events, o->maps.events, e) && share(p->maps.ap_config_map, o->maps.ap_config_map, e) &&
         share(p->maps.traced_tgids, o->maps.traced_tgids, e) && share(p->maps.stats, o->maps.stats, e) &&
         share(p->maps.capture_ports, o->maps.capture_ports, e) && share(p->maps.conns, o->maps.conns, e) &&
         share(p->maps.generation_counter, o->maps.generation_counter, e) &&
         share(p->maps.ssl_calls, o->maps.ssl_calls, e) && share(p->maps.sock_calls, o->maps.sock_calls, e) &&
         share(p->maps.data_scratch, o->maps.data_scratch, e);
}

}  // namespace

ProfileBpf::ProfileBpf() : objects_(std::make_unique<Objects>()) {}
ProfileBpf::~ProfileBpf() { stop(); }

bool ProfileBpf::load(const ScopeFilter& scope, bool pid_scope) {
  libbpf_set_strict_mode(LIBBPF_STRICT_ALL);
  Objects& o = *objects_;
  o.proc = proc_bpf__open();
  if (!o.proc) {
    error_ = "opening proc.bpf.o: " + errno_text(errno);
    return false;
  }
  // Profiling reads no capture records: the smallest ring buffer will do (exec/exit records that
  // nobody reads are dropped and counted by the kernel side).
  bpf_map__set_max_entries(o.proc->maps.events, 1u << 20);
  if (int err = proc_bpf__load(o.proc)) {
    error_ = "loading proc.bpf.o: " + errno_text(err) + " (needs root or CAP_BPF+CAP_PERFMON, and BTF)";
    return false;
  }
  o.prof = profile_bpf__open();
  if (!o.prof) {
    error_ = "opening profile.bpf.o: " + errno_text(errno);
    return false;
  }
  if (!share_common(o.prof, o.proc, error_)) return false;
  if (int err = profile_bpf__load(o.prof)) {
    error_ = "loading profile.bpf.o: " + errno_text(err);
    return false;
  }
  ap_config cfg{};
  cfg.self_tgid = uint32_t(getpid());
  if (!scope.pids.empty() || pid_scope) cfg.filter |= AP_FILTER_PID;
  if (!scope.comm.empty()) {
    cfg.filter |= AP_FILTER_COMM;
    strncpy(cfg.comm, scope.comm.c_str(), AP_COMM_LEN - 1);
  }
  if (!scope.cgroup_path.empty()) {
    struct stat st;
    if (stat(scope.cgroup_path.c_str(), &st) != 0) {
      error_ = "cgroup " + scope.cgroup_path + ": " + strerror(errno);
      return false;
    }
    cfg.filter |= AP_FILTER_CGROUP;
    cfg.cgroup_id = st.st_ino;
  }
  for (uint32_t pid : scope.pids) add_traced_pid(pid);
  uint32_t zero = 0;
  if (int err = bpf_map__update_elem(o.proc->maps.ap_config_map, &zero, sizeof(zero), &cfg, sizeof(cfg), BPF_ANY)) {
    error_ = "writing config map: " + errno_text(err);
    return false;
  }
  // Only the fork tracepoint matters here (descendants join the --pid scope), but exit also
  // removes dead pids from traced_tgids.
  if (int err = proc_bpf__attach(o.proc)) {
    error_ = "attaching sched tracepoints: " + errno_text(err);
    return false;
  }
  return true;
}

bool ProfileBpf::start(uint32_t frequency_hz) {
  int ncpu = libbpf_num_possible_cpus();
  if (ncpu <= 0) {
    error_ = "cannot count CPUs";
    return false;
  }
  std::string last_error;
  for (int cpu = 0; cpu < ncpu; cpu++) {
    perf_event_attr attr{};
    attr.size = sizeof(attr);
    attr.type = PERF_TYPE_SOFTWARE;
    attr.config = PERF_COUNT_SW_CPU_CLOCK;
    attr.freq = 1;
    attr.sample_freq = frequency_hz;
    int fd = int(syscall(__NR_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC));
    if (fd < 0) {
      if (errno == ENODEV) continue;  // offline CPU
      last_error = "perf_event_open on CPU " + std::to_string(cpu) + ": " + strerror(errno);
      continue;
    }
    bpf_link* link = bpf_program__attach_perf_event(objects_->prof->progs.on_cpu_sample, fd);
    if (!link) {
      last_error = "attaching to the perf event of CPU " + std::to_string(cpu) + ": " + errno_text(errno);
      close(fd);
      continue;
    }
    perf_fds_.push_back(fd);
    links_.push_back(link);
  }
  if (links_.empty()) {
    error_ = last_error.empty() ? "no CPU could be sampled" : last_error;
    return false;
  }
  return true;
}

void ProfileBpf::stop() {
  for (bpf_link* link : links_) bpf_link__destroy(link);
  for (int fd : perf_fds_) close(fd);
  links_.clear();
  perf_fds_.clear();
}

std::vector<RawSample> ProfileBpf::drain_counts() {
  std::vector<RawSample> out;
  int fd = bpf_map__fd(objects_->prof->maps.sample_counts);
  if (batch_supported_) {
    constexpr uint32_t kBatch = 1024;
    std::vector<ap_sample_key> keys(kBatch);
    std::vector<uint64_t> values(kBatch);
    uint64_t in_batch = 0, out_batch = 0;
    bool first = true;
    for (;;) {
      uint32_t count = kBatch;
      int err = bpf_map_lookup_and_delete_batch(fd, first ? nullptr : &in_batch, &out_batch, keys.data(),
                                                values.data(), &count, nullptr);
      int saved = errno;
      for (uint32_t i = 0; i < count; i++) out.push_back({keys[i], values[i]});
      if (err == 0) {
        in_batch = out_batch;
        first = false;
        continue;
      }
      if (saved == ENOENT) return out;  // done
      if (first && count == 0 && (saved == EINVAL || saved == ENOTSUP || saved == EOPNOTSUPP)) {
        batch_supported_ = false;       // old kernel: iterate and delete instead
        break;
      }
      return out;
    }
  }
  ap_sample_key key{}, next{};
  std::vector<ap_sample_key> seen;
  bool have = bpf_map_get_next_key(fd, nullptr, &next) == 0;
  while (have) {
    key = next;
    have = bpf_map_get_next_key(fd, &key, &next) == 0;
    uint64_t value = 0;
    if (bpf_map_lookup_elem(fd, &key, &value) == 0) {
      bpf_map_delete_elem(fd, &key);
      out.push_back({key, value});
    }
  }
  return out;
}

std::vector<uint64_t> ProfileBpf::stack(int32_t id) {
  if (id < 0) return {};
  std::vector<uint64_t> ips(AP_PROF_STACK_DEPTH, 0);
  if (bpf_map_lookup_elem(bpf_map__fd(objects_->prof->maps.stack_traces), &id, ips.data()) != 0) return {};
  size_t n = 0;
  while (n < ips.size() && ips[n] != 0) n++;
  ips.resize(n);
  return ips;
}

void ProfileBpf::delete_stack(int32_t id) {
  if (id >= 0) bpf_map_delete_elem(bpf_map__fd(objects_->prof->maps.stack_traces), &id);
}

bool ProfileBpf::python_stack(uint64_t key, ap_py_stack& out) {
  return bpf_map_lookup_elem(bpf_map__fd(objects_->prof->maps.py_stacks), &key, &out) == 0;
}

void ProfileBpf::delete_python_stack(uint64_t key) {
  bpf_map_delete_elem(bpf_map__fd(objects_->prof->maps.py_stacks), &key);
}

bool ProfileBpf::set_python_process(uint32_t pid, const ap_py_proc& proc) {
  return bpf_map_update_elem(bpf_map__fd(objects_->prof->maps.py_procs), &pid, &proc, BPF_ANY) == 0;
}

void ProfileBpf::forget_python_process(uint32_t pid) {
  bpf_map_delete_elem(bpf_map__fd(objects_->prof->maps.py_procs), &pid);
}

bool ProfileBpf::set_llm_in_flight(uint32_t pid, uint32_t calls) {
  int fd = bpf_map__fd(objects_->prof->maps.llm_in_flight);
  if (calls == 0) return bpf_map_delete_elem(fd, &pid) == 0 || errno == ENOENT;
  return bpf_map_update_elem(fd, &pid, &calls, BPF_ANY) == 0;
}

bool ProfileBpf::add_traced_pid(uint32_t pid) {
  uint8_t one = 1;
  return bpf_map_update_elem(bpf_map__fd(objects_->proc->maps.traced_tgids), &pid, &one, BPF_ANY) == 0;
}

ProfileBpfStats ProfileBpf::read_stats() const {
  ProfileBpfStats stats;
  int ncpu = libbpf_num_possible_cpus();
  if (ncpu <= 0) return stats;
  std::vector<uint64_t> per_cpu(size_t(ncpu), 0);
  int fd = bpf_map__fd(objects_->prof->maps.prof_stats);
  for (uint32_t i = 0; i < AP_PROF_STAT_COUNT; i++) {
    if (bpf_map_lookup_elem(fd, &i, per_cpu.data()) == 0)
      for (uint64_t v : per_cpu) stats.counters[i] += v;
  }
  return stats;
}

}  // namespace agentprof::profile
