// Counters of the http stage. Everything the stage could not parse, decode or pair is counted here.
#pragma once

#include <cstdint>

namespace agentprof {

struct HttpStats {
  uint64_t requests = 0;                 // request heads parsed
  uint64_t responses = 0;                // final (non-1xx) response heads parsed
  uint64_t informational_responses = 0;  // 1xx heads skipped (100 Continue, 103 Early Hints...)
  uint64_t exchanges_done = 0;           // on_exchange_done calls
  uint64_t unmatched_responses = 0;      // responses with no request waiting: followed, not delivered
  uint64_t early_responses = 0;          // final response seen before its request ended
  uint64_t dropped_exchanges = 0;        // requests not handed on to respect max_open_exchanges
  uint64_t parse_errors = 0;             // bad start line, header block or framing: parser resynced
  uint64_t heads_too_large = 0;          // subset of parse_errors: head over max_head_bytes
  uint64_t bad_header_lines = 0;         // header lines without a colon, skipped
  uint64_t gaps = 0;                     // on_gap calls on HTTP or undecided connections
  uint64_t bodies_cut_by_gap = 0;        // messages ended with BodyEnd::kGap
  uint64_t truncated_bodies = 0;         // bodies that reached max_decoded_body_bytes
  uint64_t decode_errors = 0;            // corrupt or incomplete content-encoded bodies
  uint64_t unsupported_encodings = 0;    // subset of decode_errors: unknown content coding
  uint64_t connections_not_http = 0;     // first bytes were not HTTP/1 (TLS records, binary...)
  uint64_t http2_connections = 0;        // started with the HTTP/2 preface: decoded by H2Connection
  uint64_t h2_undecodable_connections = 0;  // HTTP/2 decoding stopped: a gap, a malformed frame or
                                            // header block (the HPACK table is lost with it)
  uint64_t h2_reset_streams = 0;         // exchanges ended by RST_STREAM
  uint64_t h2_pushed_streams = 0;        // server pushes (PUSH_PROMISE): not requests, skipped
  uint64_t upgraded_connections = 0;     // 101 Switching Protocols or CONNECT tunnel: parsing stopped
  uint64_t open_connections = 0;         // current
};

}  // namespace agentprof
