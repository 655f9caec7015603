#include "exporters/flame/pprof_writer.h"

#include <limits>
#include <string_view>
#include <unordered_map>

#include "exporters/flame/frame_names.h"
#include "exporters/flame/frame_table.h"
#include "exporters/flame/gzip.h"
#include "exporters/flame/profile_checks.h"
#include "exporters/flame/text_escape.h"
#include "proto/profile.pb.h"

namespace agentprof::flame {
namespace {

namespace pb = perftools::profiles;

// The string table: index 0 is "". Keys are views of strings that outlive the table (the Profile's
// or literals); stored values are made valid UTF-8, which proto3 readers insist on.
class StringTable {
 public:
  explicit StringTable(pb::Profile& profile) : profile_(profile) { index(""); }
  int64_t index(std::string_view text) {
    auto [it, inserted] = ids_.try_emplace(text, static_cast<int64_t>(ids_.size()));
    if (inserted) profile_.add_string_table(to_valid_utf8(text));
    return it->second;
  }
  // For strings built on the fly: keeps them alive for the view keys.
  int64_t index_owned(std::string text) {
    owned_.push_back(std::make_unique<std::string>(std::move(text)));
    return index(*owned_.back());
  }

 private:
  pb::Profile& profile_;
  std::unordered_map<std::string_view, int64_t> ids_;
  std::vector<std::unique_ptr<std::string>> owned_;
};

void set_value_type(pb::ValueType* vt, StringTable& strings, std::string_view type, std::string_view unit) {
  vt->set_type(strings.index(type));
  vt->set_unit(strings.index(unit));
}

bool build(const Profile& profile, pb::Profile& out, std::string& error) {
  uint64_t total = 0;
  if (!total_sample_count(profile, total, error)) return false;
  const uint64_t period = effective_period_ns(profile);
  constexpr uint64_t kInt64Max = std::numeric_limits<int64_t>::max();
  if (period > kInt64Max || (period != 0 && total > kInt64Max / period)) {
    error = "pprof: samples x period overflows int64 nanoseconds";
    return false;
  }

  StringTable strings(out);
  set_value_type(out.add_sample_type(), strings, "samples", "count");
  if (period != 0) {
    set_value_type(out.add_sample_type(), strings, "cpu", "nanoseconds");
    set_value_type(out.mutable_period_type(), strings, "cpu", "nanoseconds");
    out.set_period(static_cast<int64_t>(period));
    out.set_default_sample_type(strings.index("cpu"));
  }
  out.set_time_nanos(static_cast<int64_t>(std::min<uint64_t>(profile.start_unix_ns, kInt64Max)));
  out.set_duration_nanos(static_cast<int64_t>(std::min<uint64_t>(profile.duration_ns, kInt64Max)));
  if (profile.lost_samples != 0) {
    out.add_comment(strings.index_owned("lost_samples=" + std::to_string(profile.lost_samples)));
  }

  const FrameTable table(profile);
  // Mappings: one per module, ids from 1.
  std::unordered_map<std::string_view, uint64_t> mapping_of_module;
  auto mapping_id = [&](const Frame& frame) -> uint64_t {
    if (frame.module.empty()) return 0;
    auto [it, inserted] = mapping_of_module.try_emplace(frame.module, mapping_of_module.size() + 1);
    if (inserted) {
      pb::Mapping* m = out.add_mapping();
      m->set_id(it->second);
      m->set_filename(strings.index(frame.module));
      m->set_has_functions(true);
    }
    pb::Mapping* m = out.mutable_mapping(static_cast<int>(it->second - 1));
    if (!frame.file.empty()) m->set_has_filenames(true);
    if (frame.line != 0) m->set_has_line_numbers(true);
    return it->second;
  };
  // Functions: one per line-less frame identity, ids from 1 (merged id + 1).
  std::vector<uint64_t> function_of_merged(table.merged_count(), 0);
  auto function_id = [&](uint32_t exact) -> uint64_t {
    const uint32_t merged = table.merged_id(exact);
    if (function_of_merged[merged] == 0) {
      const Frame& frame = table.merged_frame(merged);
      pb::Function* f = out.add_function();
      function_of_merged[merged] = static_cast<uint64_t>(out.function_size());
      f->set_id(function_of_merged[merged]);
      const int64_t name = strings.index(display_name(frame));
      f->set_name(name);
      f->set_system_name(name);
      f->set_filename(strings.index(frame.file));
    }
    return function_of_merged[merged];
  };
  // Locations: one per exact frame, id = exact id + 1.
  for (uint32_t exact = 0; exact < table.frames().size(); ++exact) {
    const Frame& frame = *table.frames()[exact];
    pb::Location* loc = out.add_location();
    loc->set_id(exact + 1);
    loc->set_mapping_id(mapping_id(frame));
    pb::Line* line = loc->add_line();
    line->set_function_id(function_id(exact));
    line->set_line(frame.line);
  }

  const int64_t pid_key = strings.index("pid");
  const int64_t comm_key = strings.index("comm");
  for (size_t s = 0; s < profile.samples.size(); ++s) {
    const StackSample& sample = profile.samples[s];
    if (sample.count == 0) continue;
    pb::Sample* ps = out.add_sample();
    const auto& ids = table.exact_ids(s);
    ps->mutable_location_id()->Reserve(static_cast<int>(ids.size()));
    for (auto it = ids.rbegin(); it != ids.rend(); ++it) ps->add_location_id(*it + 1);  // leaf first
    ps->add_value(static_cast<int64_t>(sample.count));
    if (period != 0) ps->add_value(static_cast<int64_t>(sample.count * period));
    pb::Label* pid = ps->add_label();
    pid->set_key(pid_key);
    pid->set_num(sample.pid);
    pb::Label* comm = ps->add_label();
    comm->set_key(comm_key);
    comm->set_str(strings.index(sample.comm));
  }
  return true;
}

}  // namespace

bool render_pprof_proto(const Profile& profile, std::string& out, std::string& error) {
  out.clear();
  pb::Profile message;
  if (!build(profile, message, error)) return false;
  if (!message.SerializeToString(&out)) {
    out.clear();
    error = "pprof: serialization failed (profile larger than 2 GiB?)";
    return false;
  }
  return true;
}

bool render_pprof_gz(const Profile& profile, std::string& out, std::string& error) {
  std::string raw;
  if (!render_pprof_proto(profile, raw, error)) return false;
  return gzip_compress(raw, out, error);
}

}  // namespace agentprof::flame
