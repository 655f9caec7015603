#include "llm/provider_by_host.h"

#include <array>
#include <utility>

namespace agentprof {

namespace {

bool host_is_or_under(std::string_view host, std::string_view domain) {
  if (host == domain) return true;
  return host.size() > domain.size() && ends_with(host, domain) &&
         host[host.size() - domain.size() - 1] == '.';
}

}  // namespace

std::optional<std::string_view> provider_for_host(const RequestRoute& route) {
  std::string_view host = route.host;
  // Exact hosts (and their subdomains).
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 12> kHosts{{
      {"api.openai.com", "openai"},
      {"chatgpt.com", "openai"},
      {"api.anthropic.com", "anthropic"},
      {"generativelanguage.googleapis.com", "gcp.gemini"},
      {"cloudcode-pa.googleapis.com", "gcp.gemini"},
      {"aiplatform.googleapis.com", "gcp.vertex_ai"},
      {"api.deepseek.com", "deepseek"},
      {"openrouter.ai", "openrouter"},
      {"api.mistral.ai", "mistral_ai"},
      {"api.x.ai", "x_ai"},
      {"api.groq.com", "groq"},
      {"api.cohere.com", "cohere"},
  }};
  for (const auto& [domain, provider] : kHosts)
    if (host_is_or_under(host, domain)) return provider;
  // Regional endpoints: {region}-aiplatform.googleapis.com, bedrock-runtime.{region}.amazonaws.com.
  if (ends_with(host, "-aiplatform.googleapis.com")) return "gcp.vertex_ai";
  if (host.starts_with("bedrock-runtime.") && ends_with(host, ".amazonaws.com")) return "aws.bedrock";
  if (ends_with(host, ".openai.azure.com") || ends_with(host, ".cognitiveservices.azure.com") ||
      ends_with(host, ".services.ai.azure.com"))
    return "azure.ai.openai";
  if (route.server_port() == 11434) return "ollama";
  return std::nullopt;
}

}  // namespace agentprof
