#include "llm/pricing.h"

#include <simdjson.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "llm/json_fields.h"

namespace agentprof {

extern const std::string_view kDefaultPricesJson;  // generated from prices.json

namespace {

using simdjson::dom::element;

bool is_boundary(char c) { return c == '-' || c == ':' || c == '@' || c == '_'; }

// Reads one price field; missing is fine when `required` is false.
bool read_price(element obj, std::string_view key, bool required, std::optional<double>& out,
                const std::string& where, std::string& error) {
  auto v = json::field(obj, key);
  if (!v) {
    if (required) error = where + ": missing \"" + std::string(key) + "\"";
    return !required;
  }
  auto n = json::number(*v);
  if (!n || *n < 0) {
    error = where + ": \"" + std::string(key) + "\" must be a non-negative number";
    return false;
  }
  out = n;
  return true;
}

bool read_prices(element obj, const std::string& where, TokenPrices& out, std::string& error) {
  if (!obj.is_object()) {
    error = where + ": must be an object";
    return false;
  }
  std::optional<double> in, gen;
  if (!read_price(obj, "input", true, in, where, error)) return false;
  if (!read_price(obj, "output", true, gen, where, error)) return false;
  if (!read_price(obj, "cache_read", false, out.cache_read, where, error)) return false;
  if (!read_price(obj, "cache_write", false, out.cache_write, where, error)) return false;
  out.input = *in;
  out.output = *gen;
  return true;
}

}  // namespace

std::string normalize_model_name(std::string_view model) {
  std::string s(model);
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  if (size_t slash = s.rfind('/'); slash != std::string::npos) s.erase(0, slash + 1);
  // Bedrock: [region.]provider.model ("us.anthropic.claude-sonnet-4-20250514-v1:0").
  for (std::string_view region : {"us.", "eu.", "apac.", "global.", "jp.", "au.", "ca."})
    if (s.starts_with(region) && s.find('.', region.size()) != std::string::npos) {
      s.erase(0, region.size());
      break;
    }
  for (std::string_view vendor : {"anthropic.", "openai.", "meta.", "amazon.", "mistral.", "cohere."})
    if (s.starts_with(vendor)) {
      s.erase(0, vendor.size());
      break;
    }
  std::replace(s.begin(), s.end(), '@', '-');
  return s;
}

bool PriceTable::load_defaults(std::string& error) {
  return merge_json(kDefaultPricesJson, "built-in prices.json", error);
}

bool PriceTable::merge_file(const std::string& path, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = path + ": cannot open price file";
    return false;
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    error = path + ": read error";
    return false;
  }
  return merge_json(text.str(), path, error);
}

bool PriceTable::merge_json(std::string_view text, std::string_view origin, std::string& error) {
  const std::string where(origin);
  simdjson::dom::parser parser;
  element root;
  if (auto err = parser.parse(text.data(), text.size()).get(root); err) {
    error = where + ": invalid JSON (" + simdjson::error_message(err) + ")";
    return false;
  }
  auto models = json::object(root, "models");
  if (!models) {
    error = where + ": expected an object {\"models\": {name: prices}}";
    return false;
  }
  std::map<std::string, ModelPrice, std::less<>> parsed;
  for (auto [key, value] : simdjson::dom::object(*models)) {
    std::string name = normalize_model_name(key);
    std::string at = where + ": model \"" + std::string(key) + "\"";
    if (name.empty()) {
      error = at + ": empty name";
      return false;
    }
    ModelPrice price;
    if (!read_prices(value, at, price.base, error)) return false;
    if (auto tiers = json::field(value, "tiers")) {
      simdjson::dom::array arr;
      if (tiers->get_array().get(arr) != simdjson::SUCCESS) {
        error = at + ": \"tiers\" must be an array";
        return false;
      }
      for (element tier : arr) {
        auto above = json::count(tier, "above_input_tokens");
        if (!above) {
          error = at + ": each tier needs a non-negative integer \"above_input_tokens\"";
          return false;
        }
        TokenPrices tp;
        if (!read_prices(tier, at + " tier", tp, error)) return false;
        price.tiers.emplace_back(*above, tp);
      }
      std::sort(price.tiers.begin(), price.tiers.end(),
                [](const auto& a, const auto& b) { return a.first < b.first; });
    }
    parsed[name] = std::move(price);
  }
  for (auto& [name, price] : parsed) models_[name] = std::move(price);
  return true;
}

const ModelPrice* PriceTable::find(std::string_view model) const {
  if (model.empty()) return nullptr;
  std::string name = normalize_model_name(model);
  if (auto it = models_.find(name); it != models_.end()) return &it->second;
  const ModelPrice* best = nullptr;
  size_t best_len = 0;
  // Candidates are the keys sorting at or before `name`; a prefix key sorts before it.
  for (auto it = models_.begin(); it != models_.end() && it->first <= name; ++it) {
    const std::string& key = it->first;
    if (key.size() < name.size() && name.starts_with(key) && is_boundary(name[key.size()]) &&
        key.size() > best_len) {
      best = &it->second;
      best_len = key.size();
    }
  }
  return best;
}

std::optional<double> PriceTable::cost(const LlmCall& call) const {
  const ModelPrice* price = nullptr;
  if (call.response_model) price = find(*call.response_model);
  if (!price && call.request_model) price = find(*call.request_model);
  if (!price || !call.input_tokens) return std::nullopt;
  if (!call.output_tokens && call.operation != "embeddings") return std::nullopt;
  int64_t input = *call.input_tokens;
  int64_t cache_read = call.cache_read_tokens.value_or(0);
  int64_t cache_write = call.cache_creation_tokens.value_or(0);
  int64_t uncached = input - cache_read - cache_write;
  if (uncached < 0) return std::nullopt;  // inconsistent counts: no number beats a wrong one
  const TokenPrices* p = &price->base;
  for (const auto& [above, tier] : price->tiers)
    if (input > above) p = &tier;
  double usd = double(uncached) * p->input + double(cache_read) * p->cache_read.value_or(p->input) +
               double(cache_write) * p->cache_write.value_or(p->input) +
               double(call.output_tokens.value_or(0)) * p->output;
  return usd / 1e6;
}

}  // namespace agentprof
