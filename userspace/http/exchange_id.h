// Allocation of exchange ids, unique across every HttpStage of the process.
#pragma once

#include "http/exchange_sink.h"

namespace agentprof {

// Never returns 0, so 0 can mean "no exchange".
ExchangeId allocate_exchange_id();

}  // namespace agentprof
