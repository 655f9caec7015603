#include "endpoint/flame_routes.h"

#include <chrono>
#include <thread>

#include "exporters/flame/profile_writer.h"
#include "profile/continuous_profiler.h"
#include "profile/profile_merge.h"
#include "profile/sampler.h"

namespace agentprof {

namespace {

uint64_t total_samples(const Profile& p) {
  uint64_t n = 0;
  for (const StackSample& s : p.samples) n += s.count;
  return n;
}

HttpReply render_reply(const Profile& profile, FlameFormat format, const std::string& title, const std::string& name) {
  ProfileWriteOptions options;
  options.svg.title = title;
  options.speedscope.name = title;
  HttpReply reply;
  std::string error;
  if (!render_profile(profile, profile_format_of(format), options, reply.body, error))
    return HttpReply::text(500, "rendering the profile failed: " + error);
  reply.content_type = content_type_of(format);
  reply.headers.emplace_back("Content-Disposition",
                             "attachment; filename=\"" + name + "." + file_extension_of(format) + "\"");
  reply.headers.emplace_back("X-Agentprof-Samples", std::to_string(total_samples(profile)));
  reply.headers.emplace_back("X-Agentprof-Lost-Samples", std::to_string(profile.lost_samples));
  return reply;
}

}  // namespace

FlameRoutes::FlameRoutes(const profile::ContinuousProfiler* continuous) : continuous_(continuous) {}

void FlameRoutes::add_to(LocalHttpServer& server) {
  server.post("/debug/flame", [this](const HttpRequest& r) { return capture(r); });
  server.get("/debug/flame/continuous", [this](const HttpRequest& r) { return continuous(r); });
}

HttpReply FlameRoutes::capture(const HttpRequest& request) {
  FlameCaptureRequest req;
  std::string error;
  if (!parse_capture_request(request, req, error)) {
    ++stats_.bad_requests;
    return HttpReply::text(400, error);
  }
  bool idle = false;
  if (!capturing_.compare_exchange_strong(idle, true)) {
    ++stats_.busy_rejections;
    return HttpReply::text(409, "another capture is running: one at a time, try again when it ends");
  }
  struct Release {
    std::atomic<bool>& flag;
    ~Release() { flag = false; }
  } release{capturing_};

  profile::SamplerOptions options;
  options.scope.pids = req.pids;
  options.frequency_hz = req.frequency_hz;
  profile::Sampler sampler;
  if (!sampler.start(options)) return HttpReply::text(503, "cannot start sampling: " + sampler.error());
  using Clock = std::chrono::steady_clock;
  auto start = Clock::now();
  auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(req.seconds));
  auto next_collect = start + std::chrono::seconds(1);
  while (!cancelled_ && Clock::now() < deadline) {
    std::this_thread::sleep_until(std::min({next_collect, deadline, Clock::now() + std::chrono::milliseconds(100)}));
    if (Clock::now() >= next_collect) {
      sampler.collect();  // symbolize while the processes are alive
      next_collect += std::chrono::seconds(1);
    }
  }
  Profile profile = sampler.finish();
  if (cancelled_) return HttpReply::text(503, "agentprof is shutting down; capture abandoned");
  ++stats_.captures;
  std::string pids;
  for (uint32_t pid : req.pids) pids += (pids.empty() ? "" : "-") + std::to_string(pid);
  return render_reply(profile, req.format, "agentprof CPU profile, pid " + pids, "agentprof-" + pids);
}

HttpReply FlameRoutes::continuous(const HttpRequest& request) const {
  FlameContinuousRequest req;
  std::string error;
  if (!parse_continuous_request(request, req, error)) {
    ++stats_.bad_requests;
    return HttpReply::text(400, error);
  }
  if (!continuous_ || !continuous_->running())
    return HttpReply::text(404, "continuous profiling is off (profiling.enabled: false, --no-profiling, or it "
                                "could not start: see agentprof's log)");
  auto windows = continuous_->windows();
  if (windows.empty()) {
    HttpReply r = HttpReply::text(503, "no continuous-profiling window has closed yet; windows close every " +
                                           std::to_string(continuous_->options().window_seconds) + " s");
    r.headers.emplace_back("Retry-After", std::to_string(continuous_->options().window_seconds));
    return r;
  }
  Profile merged = profile::merge_profiles(windows, req.pids);
  HttpReply reply = render_reply(merged, req.format, "agentprof continuous CPU profile", "agentprof-continuous");
  reply.headers.emplace_back("X-Agentprof-Windows", std::to_string(windows.size()));
  return reply;
}

}  // namespace agentprof
