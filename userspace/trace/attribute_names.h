// Attribute keys written on LLM call spans: OpenTelemetry GenAI semantic conventions v1.41.0 where
// a name exists, agentprof.* for what the conventions do not cover. Exporters and the report read
// spans back by these same constants.
#pragma once

namespace agentprof::attr {

// gen_ai.* (semconv v1.41.0)
inline constexpr const char* kOperationName = "gen_ai.operation.name";
inline constexpr const char* kProviderName = "gen_ai.provider.name";
inline constexpr const char* kRequestModel = "gen_ai.request.model";
inline constexpr const char* kResponseModel = "gen_ai.response.model";
inline constexpr const char* kResponseId = "gen_ai.response.id";
inline constexpr const char* kRequestStream = "gen_ai.request.stream";
inline constexpr const char* kRequestMaxTokens = "gen_ai.request.max_tokens";
inline constexpr const char* kRequestTemperature = "gen_ai.request.temperature";
inline constexpr const char* kRequestTopP = "gen_ai.request.top_p";
inline constexpr const char* kResponseFinishReasons = "gen_ai.response.finish_reasons";
inline constexpr const char* kUsageInputTokens = "gen_ai.usage.input_tokens";
inline constexpr const char* kUsageOutputTokens = "gen_ai.usage.output_tokens";
inline constexpr const char* kUsageCacheReadInputTokens = "gen_ai.usage.cache_read.input_tokens";
inline constexpr const char* kUsageCacheCreationInputTokens = "gen_ai.usage.cache_creation.input_tokens";
inline constexpr const char* kUsageReasoningOutputTokens = "gen_ai.usage.reasoning.output_tokens";
inline constexpr const char* kResponseTimeToFirstChunk = "gen_ai.response.time_to_first_chunk";
inline constexpr const char* kConversationId = "gen_ai.conversation.id";
inline constexpr const char* kInputMessages = "gen_ai.input.messages";

// General OTel conventions.
inline constexpr const char* kServerAddress = "server.address";
inline constexpr const char* kServerPort = "server.port";
inline constexpr const char* kHttpRequestMethod = "http.request.method";
inline constexpr const char* kNetworkProtocolVersion = "network.protocol.version";
inline constexpr const char* kUrlPath = "url.path";
inline constexpr const char* kHttpResponseStatusCode = "http.response.status_code";
inline constexpr const char* kErrorType = "error.type";
inline constexpr const char* kProcessPid = "process.pid";
inline constexpr const char* kProcessExecutableName = "process.executable.name";
inline constexpr const char* kThreadId = "thread.id";
inline constexpr const char* kUserAgentOriginal = "user_agent.original";

// agentprof.*
inline constexpr const char* kApi = "agentprof.api";
inline constexpr const char* kOutputChunks = "agentprof.output_chunks";
inline constexpr const char* kChunkGapMeanS = "agentprof.chunk_gap.mean_s";
inline constexpr const char* kChunkGapMaxS = "agentprof.chunk_gap.max_s";
inline constexpr const char* kToolCallsCount = "agentprof.tool_calls.count";
inline constexpr const char* kToolCallsNames = "agentprof.tool_calls.names";
inline constexpr const char* kRetryCount = "agentprof.retry_count";
inline constexpr const char* kRatelimitRemainingRequests = "agentprof.ratelimit.remaining_requests";
inline constexpr const char* kRatelimitRemainingTokens = "agentprof.ratelimit.remaining_tokens";
inline constexpr const char* kRequestBodyBytes = "agentprof.request.body_bytes";
inline constexpr const char* kResponseBodyBytes = "agentprof.response.body_bytes";
inline constexpr const char* kCostUsd = "agentprof.cost_usd";
inline constexpr const char* kUsageMissing = "agentprof.usage.missing";
inline constexpr const char* kRequestTruncated = "agentprof.request.truncated";
inline constexpr const char* kResponseTruncated = "agentprof.response.truncated";
inline constexpr const char* kIncomplete = "agentprof.incomplete";
inline constexpr const char* kIncompleteReason = "agentprof.incomplete.reason";
inline constexpr const char* kTimingMissing = "agentprof.timing.missing";
inline constexpr const char* kOutputText = "agentprof.output.text";

// error.type value when the call failed only by being incomplete (no HTTP or provider error).
inline constexpr const char* kErrorTypeIncomplete = "agentprof.incomplete";

}  // namespace agentprof::attr
