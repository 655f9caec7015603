#include "endpoint/metrics_route.h"

#include <exception>

#include "exporters/prometheus/prometheus_text.h"

namespace agentprof {

void add_metrics_route(LocalHttpServer& server, SnapshotProvider provider, MetricsRouteStats* stats) {
  server.get("/metrics", [provider = std::move(provider), stats](const HttpRequest&) {
    try {
      HttpReply reply;
      reply.body = render_prometheus_text(provider());
      reply.content_type = kPrometheusTextContentType;
      if (stats) ++stats->scrapes;
      return reply;
    } catch (const std::exception& e) {
      if (stats) ++stats->failed_scrapes;
      return HttpReply::text(500, std::string("snapshot failed: ") + e.what());
    }
  });
}

}  // namespace agentprof
