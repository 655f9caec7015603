#include "http/exchange_id.h"

#include <atomic>

namespace agentprof {

ExchangeId allocate_exchange_id() {
  static std::atomic<ExchangeId> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace agentprof
