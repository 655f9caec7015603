#include "cli/flame_command.h"

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <thread>

#include "cli/signals.h"
#include "exporters/flame/profile_writer.h"
#include "profile/sampler.h"

namespace agentprof {

CLI::App* add_flame_command(CLI::App& app, FlameOptions& o) {
  CLI::App* cmd = app.add_subcommand("flame", "Sample CPU stacks of processes and write a flame graph");
  cmd->add_option("--pid", o.pids, "Sample these processes and their descendants");
  cmd->add_option("--comm", o.comm, "Sample processes with this name");
  cmd->add_option("--cgroup", o.cgroup, "Sample this cgroup v2 directory (and below)");
  cmd->add_option("--duration", o.duration_s, "Seconds to sample")->check(CLI::Range(0.1, 86400.0));
  cmd->add_option("--frequency", o.frequency_hz, "Samples per second per CPU")->check(CLI::Range(1, 10000));
  cmd->add_option("-o,--output", o.output, "Output file: .svg, .folded, .pb.gz or .json")->required();
  cmd->add_flag("--no-python", o.no_python, "Do not walk CPython frames");
  cmd->add_flag("--quiet", o.quiet, "No progress line");
  cmd->add_option("--mark-llm-in-flight", o.llm_in_flight_pids, "Testing: count PID's samples as during an LLM call")
      ->group("");
  return cmd;
}

int run_flame(const FlameOptions& o) {
  ProfileFormat format;
  std::string error;
  if (!profile_format_for_path(o.output, format, error)) {
    fprintf(stderr, "agentprof flame: %s\n", error.c_str());
    return 2;
  }
  if (o.pids.empty() && o.comm.empty() && o.cgroup.empty()) {
    fprintf(stderr, "agentprof flame: choose what to sample with --pid, --comm or --cgroup\n");
    return 2;
  }
  profile::SamplerOptions options;
  options.scope.pids = o.pids;
  options.scope.comm = o.comm;
  options.scope.cgroup_path = o.cgroup;
  options.frequency_hz = o.frequency_hz;
  options.python_frames = !o.no_python;
  install_signal_handlers();
  profile::Sampler sampler;
  if (!sampler.start(options)) {
    fprintf(stderr, "agentprof flame: %s\n", sampler.error().c_str());
    return 1;
  }
  for (uint32_t pid : o.llm_in_flight_pids) sampler.set_llm_in_flight(pid, 1);
  fprintf(stderr, "agentprof: ready\n");
  using Clock = std::chrono::steady_clock;
  auto start = Clock::now();
  auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.duration_s));
  auto next_collect = start + std::chrono::seconds(1);
  bool tty = isatty(2);
  while (!g_stop_requested && Clock::now() < deadline) {
    std::this_thread::sleep_until(std::min({next_collect, deadline, Clock::now() + std::chrono::milliseconds(100)}));
    if (Clock::now() < next_collect) continue;
    next_collect += std::chrono::seconds(1);
    sampler.collect();  // drains and symbolizes while processes are alive (perf maps, /proc/PID/maps)
    if (!o.quiet) {
      double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
      fprintf(stderr, "%sagentprof: sampling %.0f/%.0f s, %llu samples%s", tty ? "\r" : "", elapsed, o.duration_s,
              (unsigned long long)sampler.samples_so_far(), tty ? "" : "\n");
      fflush(stderr);
    }
  }
  Profile profile = sampler.finish();
  if (!o.quiet && tty) fprintf(stderr, "\n");
  const auto& s = sampler.stats();
  const auto& k = s.kernel.counters;
  fprintf(stderr, "agentprof: %llu samples, %zu distinct stacks, %llu lost (map full %llu, user stack %llu, "
                  "stack gone %llu)\n",
          (unsigned long long)s.samples, profile.samples.size(), (unsigned long long)profile.lost_samples,
          (unsigned long long)k[AP_PROF_COUNTS_FULL], (unsigned long long)k[AP_PROF_LOST_USER_STACK],
          (unsigned long long)s.stacks_missing);
  std::string py = sampler.python_notes();
  if (!py.empty()) fprintf(stderr, "%s", py.c_str());
  if (k[AP_PROF_PY_READ_FAIL] || k[AP_PROF_PY_STACKS_FULL] || k[AP_PROF_PY_TRUNCATED] || s.python_unresolved ||
      s.python_stacks_missing)
    fprintf(stderr, "agentprof: python: %llu read failures, %llu stacks dropped (map full), %llu truncated, "
                    "%llu frames unresolved, %llu stacks gone when read\n",
            (unsigned long long)k[AP_PROF_PY_READ_FAIL], (unsigned long long)k[AP_PROF_PY_STACKS_FULL],
            (unsigned long long)k[AP_PROF_PY_TRUNCATED], (unsigned long long)s.python_unresolved,
            (unsigned long long)s.python_stacks_missing);
  std::string split = profile::format_activity_split(sampler.activity(), sampler.comms(), o.frequency_hz);
  if (!split.empty()) fprintf(stderr, "%s", split.c_str());
  if (!write_profile(profile, o.output, error)) {
    fprintf(stderr, "agentprof flame: writing %s: %s\n", o.output.c_str(), error.c_str());
    return 1;
  }
  fprintf(stderr, "agentprof: wrote %s\n", o.output.c_str());
  return 0;
}

}  // namespace agentprof
