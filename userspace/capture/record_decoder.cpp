#include "capture/record_decoder.h"

namespace agentprof {

namespace {
template <typename T>
const T* as(const void* data, size_t size) {
  return size >= sizeof(T) ? static_cast<const T*>(data) : nullptr;
}
}  // namespace

bool decode_record(const void* data, size_t size, CaptureHandler& handler, DecodeStats& stats) {
  stats.records++;
  stats.bytes += size;
  if (size < sizeof(ap_event_header)) {
    stats.malformed++;
    return false;
  }
  const auto* hdr = static_cast<const ap_event_header*>(data);
  switch (hdr->kind) {
    case AP_EV_DATA: {
      if (size < AP_DATA_HEADER_SIZE) break;
      const auto* e = static_cast<const ap_data_event*>(data);
      if (e->len > AP_CHUNK_SIZE || AP_DATA_HEADER_SIZE + e->len > size || e->dir > 1) break;
      handler.on_data(*e);
      return true;
    }
    case AP_EV_CONN:
      if (const auto* e = as<ap_conn_event>(data, size)) {
        handler.on_conn(*e);
        return true;
      }
      break;
    case AP_EV_CLOSE:
      if (const auto* e = as<ap_close_event>(data, size)) {
        handler.on_close(*e);
        return true;
      }
      break;
    case AP_EV_EXEC:
      if (const auto* e = as<ap_exec_event>(data, size)) {
        handler.on_exec(*e);
        return true;
      }
      break;
    case AP_EV_EXIT:
      if (const auto* e = as<ap_exit_event>(data, size)) {
        handler.on_exit(*e);
        return true;
      }
      break;
    case AP_EV_MMAP_EXEC:
      if (const auto* e = as<ap_mmap_event>(data, size)) {
        handler.on_mmap_exec(*e);
        return true;
      }
      break;
    default:
      break;
  }
  stats.malformed++;
  return false;
}

}  // namespace agentprof
