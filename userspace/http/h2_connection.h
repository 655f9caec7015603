// One HTTP/2 connection seen by the http stage (RFC 9113): frames of both directions, header blocks
// through one HPACK decoder per direction, and every request stream turned into an exchange for
// the ExchangeSink, exactly as HttpConnection does for HTTP/1 — so the LLM stage cannot tell them
// apart. A lost byte (gap) or a malformed header block leaves the HPACK tables unknown: the open
// exchanges end there and the rest of the connection is dropped, counted.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <vector>

#include "common/connection.h"
#include "http/exchange_sink.h"
#include "http/h2_body.h"
#include "http/h2_frame_reader.h"
#include "http/hpack_decoder.h"
#include "http/http_limits.h"
#include "http/http_stats.h"

namespace agentprof {

class H2Connection final {
 public:
  // `client_dir`: the direction that sent the connection preface; requests travel that way.
  H2Connection(ExchangeSink& sink, const HttpLimits& limits, HttpStats& stats, Direction client_dir);
  ~H2Connection();
  H2Connection(const H2Connection&) = delete;
  H2Connection& operator=(const H2Connection&) = delete;

  // The client direction's bytes start with the 24-byte preface; the server's with its SETTINGS.
  void on_bytes(const ConnMeta& meta, Direction dir, uint64_t ts_ns, std::span<const uint8_t> bytes);
  void on_gap(const ConnMeta& meta, Direction dir);
  void on_close(const ConnMeta& meta, uint64_t ts_ns);
  bool stopped() const { return stopped_; }

 private:
  struct Stream {
    ExchangeId id = 0;
    bool request_ended = false;
    bool response_started = false;
    std::unique_ptr<H2Body> request_body;
    std::unique_ptr<H2Body> response_body;
  };
  // One direction: its frames, its HPACK table, the header block being collected.
  struct Side final : H2FrameHandler {
    Side(H2Connection& c, Direction d, size_t max_frame) : connection(c), dir(d), reader(max_frame) {}
    bool on_frame(const H2Frame& frame) override { return connection.on_frame(dir, frame); }
    H2Connection& connection;
    Direction dir;
    H2FrameReader reader;
    HpackDecoder hpack;
    size_t preface_left = 0;  // preface bytes still to check (client side)
    bool in_block = false;    // HEADERS/PUSH_PROMISE seen, END_HEADERS not yet
    uint8_t block_type = 0;
    uint32_t block_stream = 0;
    bool block_end_stream = false;
    std::vector<uint8_t> block;
  };

  bool on_frame(Direction dir, const H2Frame& frame);
  bool start_block(Side& side, const H2Frame& frame, std::span<const uint8_t> fragment, bool end_stream);
  bool finish_block(Side& side);
  void on_settings(Direction dir, const H2Frame& frame);
  void request_headers(uint32_t stream_id, HttpHeaders&& fields, bool end_stream);
  void response_headers(uint32_t stream_id, HttpHeaders&& fields, bool end_stream);
  void on_data(Direction dir, uint32_t stream_id, std::span<const uint8_t> data, bool end_stream);
  void end_request(Stream& s, BodyEnd end);
  void end_response(uint32_t stream_id, BodyEnd end);
  void finish(std::map<uint32_t, Stream>::iterator it);
  void reset_stream(uint32_t stream_id);
  // Decoding cannot go on: every open exchange ends with `end`, later bytes are dropped.
  void stop(BodyEnd end);
  Side& side(Direction d) { return d == client_dir_ ? *client_ : *server_; }

  ExchangeSink& sink_;
  const HttpLimits& limits_;
  HttpStats& stats_;
  const Direction client_dir_;
  std::unique_ptr<Side> client_;
  std::unique_ptr<Side> server_;
  std::map<uint32_t, Stream> streams_;  // open exchanges by stream id (ids only grow: oldest first)
  const ConnMeta* meta_ = nullptr;      // metadata of the StreamSink call being handled
  uint64_t ts_ = 0;                     // capture time of the bytes being handled
  bool stopped_ = false;
};

}  // namespace agentprof
