#include <catch2/catch.hpp>

#include <cstring>
#include <vector>

#include "capture/record_decoder.h"

using namespace agentprof;

namespace {
struct Counting : CaptureHandler {
  int data = 0, conn = 0, close = 0, exec = 0, exit = 0;
  size_t last_len = 0;
  void on_data(const ap_data_event& e) override { data++; last_len = e.len; }
  void on_conn(const ap_conn_event&) override { conn++; }
  void on_close(const ap_close_event&) override { close++; }
  void on_exec(const ap_exec_event&) override { exec++; }
  void on_exit(const ap_exit_event&) override { exit++; }
  void on_mmap_exec(const ap_mmap_event&) override {}
};
}  // namespace

TEST_CASE("data records are accepted only when their length fits the record") {
  std::vector<uint8_t> rec(AP_DATA_HEADER_SIZE + 100);
  auto* e = reinterpret_cast<ap_data_event*>(rec.data());
  e->hdr.kind = AP_EV_DATA;
  e->len = 100;
  Counting h;
  DecodeStats st;
  CHECK(decode_record(rec.data(), rec.size(), h, st));
  CHECK(h.data == 1);
  CHECK(h.last_len == 100);
  e->len = 101;  // claims more than the record holds
  CHECK_FALSE(decode_record(rec.data(), rec.size(), h, st));
  e->len = AP_CHUNK_SIZE + 1;
  CHECK_FALSE(decode_record(rec.data(), rec.size(), h, st));
  CHECK(st.malformed == 2);
  CHECK(h.data == 1);
}

TEST_CASE("short, unknown and control records") {
  Counting h;
  DecodeStats st;
  uint8_t tiny[4] = {};
  CHECK_FALSE(decode_record(tiny, sizeof(tiny), h, st));
  ap_event_header unknown{};
  unknown.kind = 99;
  CHECK_FALSE(decode_record(&unknown, sizeof(unknown), h, st));
  ap_close_event c{};
  c.hdr.kind = AP_EV_CLOSE;
  CHECK(decode_record(&c, sizeof(c), h, st));
  CHECK_FALSE(decode_record(&c, sizeof(c) - 1, h, st));
  ap_exit_event x{};
  x.hdr.kind = AP_EV_EXIT;
  CHECK(decode_record(&x, sizeof(x), h, st));
  CHECK(h.close == 1);
  CHECK(h.exit == 1);
  CHECK(st.malformed == 3);
  CHECK(st.records == 5);
}
