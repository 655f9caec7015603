// Identity and metadata of one captured connection, shared by every pipeline stage.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace agentprof {

// Egress: bytes the traced process sent (SSL_write, write, send...). Ingress: bytes it received.
enum class Direction : uint8_t { kEgress = 0, kIngress = 1 };

enum class Transport : uint8_t { kTls = 1, kSocket = 2 };

// Whether the traced process opened the connection (client) or accepted it (server).
enum class Role : uint8_t { kUnknown = 0, kClient = 1, kServer = 2 };

// One connection of one process. `id` is the SSL* for TLS and the fd for sockets; `generation`
// is assigned by the kernel side each time an id starts a new connection, so reuse of an fd or a
// freed-and-reallocated SSL* never mixes two streams.
struct ConnKey {
  uint32_t tgid = 0;
  Transport transport = Transport::kTls;
  uint64_t id = 0;
  uint64_t generation = 0;

  bool operator==(const ConnKey&) const = default;
};

struct ConnKeyHash {
  size_t operator()(const ConnKey& k) const noexcept {
    uint64_t h = k.id * 0x9E3779B97F4A7C15ull;
    h ^= (uint64_t(k.tgid) << 32 | uint64_t(k.transport)) + 0x632BE59BD9B4E019ull + (h << 6) + (h >> 2);
    h ^= k.generation * 0xC2B2AE3D27D4EB4Full;
    return size_t(h ^ (h >> 29));
  }
};

struct Endpoint {
  std::string address;  // textual IPv4/IPv6 address, empty when unknown
  uint16_t port = 0;    // 0 when unknown
  bool known() const { return port != 0; }
};

struct ConnMeta {
  ConnKey key;
  uint32_t tid = 0;    // thread that last did I/O on the connection
  std::string comm;    // process name (task comm of the thread group leader when known)
  Role role = Role::kUnknown;
  Endpoint local;
  Endpoint remote;
};

}  // namespace agentprof
