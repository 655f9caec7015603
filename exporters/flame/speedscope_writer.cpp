#include "exporters/flame/speedscope_writer.h"

#include <map>
#include <unordered_map>

#include "exporters/flame/frame_names.h"
#include "exporters/flame/frame_table.h"
#include "exporters/flame/profile_checks.h"
#include "exporters/flame/text_escape.h"

namespace agentprof::flame {
namespace {

struct ProfileGroup {
  std::string name;
  std::vector<size_t> samples;  // indices into Profile::samples
  uint64_t total_weight = 0;
};

void append_frame(std::string& out, std::string_view name, std::string_view file, uint32_t line) {
  out += "{\"name\":";
  append_json_quoted(out, name);
  if (!file.empty()) {
    out += ",\"file\":";
    append_json_quoted(out, file);
  }
  if (line != 0) out += ",\"line\":" + std::to_string(line);
  out += '}';
}

}  // namespace

bool render_speedscope(const Profile& profile, const SpeedscopeOptions& options, std::string& out,
                       std::string& error) {
  out.clear();
  uint64_t total = 0;
  if (!total_sample_count(profile, total, error)) return false;
  const uint64_t period = effective_period_ns(profile);
  constexpr uint64_t kMaxExact = uint64_t{1} << 53;  // JavaScript numbers
  if (period != 0 && total > kMaxExact / period) {
    error = "speedscope: samples x period exceeds 2^53 ns";
    return false;
  }
  const uint64_t weight_per_sample = period != 0 ? period : 1;

  const FrameTable table(profile);
  // Synthetic process frames (combined mode) follow the real ones in the shared table.
  std::map<uint32_t, uint32_t> process_frame_of_pid;
  std::vector<std::string> process_frame_names;
  std::map<uint32_t, ProfileGroup> groups_by_pid;  // per-process mode, sorted by pid
  ProfileGroup combined;
  combined.name = options.name;
  for (size_t s = 0; s < profile.samples.size(); ++s) {
    const StackSample& sample = profile.samples[s];
    if (sample.count == 0) continue;
    ProfileGroup* group = &combined;
    if (options.per_process) {
      group = &groups_by_pid[sample.pid];
      if (group->name.empty()) group->name = process_title(sample);
    } else if (!process_frame_of_pid.contains(sample.pid)) {
      process_frame_of_pid[sample.pid] = static_cast<uint32_t>(table.frames().size() + process_frame_names.size());
      process_frame_names.push_back(process_title(sample));
    }
    group->samples.push_back(s);
    group->total_weight += sample.count * weight_per_sample;
  }

  out += "{\"$schema\":\"https://www.speedscope.app/file-format-schema.json\",\"exporter\":\"agentprof\",\"name\":";
  append_json_quoted(out, options.name);
  out += ",\"activeProfileIndex\":0,\"shared\":{\"frames\":[";
  bool first = true;
  for (const Frame* frame : table.frames()) {
    if (!first) out += ',';
    first = false;
    append_frame(out, display_name(*frame), frame->file.empty() ? frame->module : frame->file, frame->line);
  }
  for (const std::string& name : process_frame_names) {
    if (!first) out += ',';
    first = false;
    append_frame(out, name, {}, 0);
  }
  out += "]},\"profiles\":[";

  auto append_group = [&](const ProfileGroup& group) {
    out += "{\"type\":\"sampled\",\"name\":";
    append_json_quoted(out, group.name);
    out += ",\"unit\":";
    out += period != 0 ? "\"nanoseconds\"" : "\"none\"";
    out += ",\"startValue\":0,\"endValue\":" + std::to_string(group.total_weight) + ",\"samples\":[";
    for (size_t i = 0; i < group.samples.size(); ++i) {
      if (i != 0) out += ',';
      out += '[';
      bool first_frame = true;
      if (!options.per_process) {
        out += std::to_string(process_frame_of_pid[profile.samples[group.samples[i]].pid]);
        first_frame = false;
      }
      for (const uint32_t id : table.exact_ids(group.samples[i])) {
        if (!first_frame) out += ',';
        first_frame = false;
        out += std::to_string(id);
      }
      out += ']';
    }
    out += "],\"weights\":[";
    for (size_t i = 0; i < group.samples.size(); ++i) {
      if (i != 0) out += ',';
      out += std::to_string(profile.samples[group.samples[i]].count * weight_per_sample);
    }
    out += "]}";
  };
  if (options.per_process && !groups_by_pid.empty()) {
    bool first_group = true;
    for (const auto& [pid, group] : groups_by_pid) {
      if (!first_group) out += ',';
      first_group = false;
      append_group(group);
    }
  } else {
    append_group(combined);  // also the one (empty) profile of an empty capture
  }
  out += "]}\n";
  return true;
}

}  // namespace agentprof::flame
