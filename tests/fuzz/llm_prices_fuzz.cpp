// Fuzzes user price files: any text either merges or is rejected with a message, and a table
// that accepted it still prices calls without crashing or producing negative costs.
#include <cstdlib>
#include <string>
#include <string_view>

#include "llm/pricing.h"

using namespace agentprof;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  PriceTable table;
  std::string error;
  size_t before = table.size();
  if (!table.merge_json(text, "fuzz", error)) {
    if (error.empty() || table.size() != before) std::abort();
    return 0;
  }
  LlmCall call;
  call.operation = "chat";
  call.input_tokens = 1000;
  call.output_tokens = 10;
  call.cache_read_tokens = 100;
  for (std::string_view model : {"gpt-4o", "a", "claude-sonnet-4-5-20250929", "x-y-z"}) {
    call.response_model = std::string(model);
    if (auto cost = table.cost(call); cost && !(*cost >= 0)) std::abort();
  }
  return 0;
}
