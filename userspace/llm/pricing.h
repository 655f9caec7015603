// Model list prices and the cost of a call. Prices are data (prices.json, compiled in as the
// default) that users can override or extend with their own file.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "llm/llm_call.h"

namespace agentprof {

// USD per 1M tokens.
struct TokenPrices {
  double input = 0;
  double output = 0;
  std::optional<double> cache_read;   // absent: billed as input
  std::optional<double> cache_write;  // absent: billed as input
};

struct ModelPrice {
  TokenPrices base;
  // Other prices once the input (incl. cached) exceeds a threshold; the highest crossed wins.
  std::vector<std::pair<int64_t, TokenPrices>> tiers;  // (above_input_tokens, prices), ascending
};

class PriceTable {
 public:
  // The table compiled in from userspace/llm/prices.json. False (with `error`) only if that file
  // is broken, which the unit tests rule out.
  bool load_defaults(std::string& error);
  // Adds or replaces models from a prices.json-shaped file. All or nothing: on error (unreadable
  // file, bad JSON, a bad field) the table is unchanged and `error` says where.
  bool merge_file(const std::string& path, std::string& error);
  bool merge_json(std::string_view text, std::string_view origin, std::string& error);

  // Exact (normalized) name, else the longest known name that is a prefix of it at a '-' ':' '@'
  // or '_' boundary (dated snapshots: gpt-4o-2024-08-06, claude-sonnet-4-5-20250929).
  const ModelPrice* find(std::string_view model) const;
  // Cost in USD of a call: response model, else request model. Absent when the model is unknown,
  // input or output counts are missing (output may be absent for embeddings), or the counts are
  // inconsistent (cached > input).
  std::optional<double> cost(const LlmCall& call) const;

  size_t size() const { return models_.size(); }

 private:
  std::map<std::string, ModelPrice, std::less<>> models_;
};

// Lower-case; drops routing prefixes ("openai/gpt-4o", "models/gemini-2.5-pro",
// "us.anthropic.claude-...") and maps Vertex's "@" version separator to "-".
std::string normalize_model_name(std::string_view model);

}  // namespace agentprof
