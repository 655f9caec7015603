// StreamTable: connection table and per-direction reordering.
//
// Counting conventions (StreamStats):
//  - Conservation: bytes_received == bytes_delivered + duplicate_bytes + pending_bytes
//    + rejected_bytes at every moment (no byte is silently lost).
//  - Connections: connections_opened == connections_closed + connections_expired
//    + connections_evicted + open_connections (closed = close(), close_process(), close_all()).
//  - gap_bytes counts every declared hole; overflow_bytes is the part of it declared early because
//    a memory bound was reached (bytes given up on to respect the bound), a subset of gap_bytes.
//  - Memory bounds are checked against PendingSegments::charged_bytes() (payload plus a per-segment
//    overhead), so pending_bytes (payload) never exceeds the limits once add() returns.
//
// Sink callbacks must not call back into the table, not even stats() (no re-entrancy): they run
// in the middle of updates. Calls that would modify the table are asserted against in debug builds.
#include "stream/stream_table.h"

#include <array>
#include <cassert>
#include <limits>
#include <list>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "stream/pending_segments.h"

namespace agentprof {

namespace {

struct Connection;

struct DirectionState {
  Connection* conn = nullptr;
  Direction dir = Direction::kEgress;
  uint64_t next_pos = 0;  // next byte position to deliver
  PendingSegments pending;
  // Membership in Impl::pending_dirs_ (directions holding bytes), for tick() and the total bound.
  bool listed = false;
  std::list<DirectionState*>::iterator list_pos;
};

constexpr size_t kDirections = 2;  // Direction::kEgress, Direction::kIngress

struct Connection {
  ConnMeta meta;
  uint64_t last_active_ns = 0;
  std::array<DirectionState, kDirections> dirs;
};

using ConnList = std::list<Connection>;

void add_saturating(uint64_t& counter, uint64_t amount) {
  counter = amount > std::numeric_limits<uint64_t>::max() - counter ? std::numeric_limits<uint64_t>::max()
                                                                      : counter + amount;
}

void merge_endpoint(Endpoint& known, const Endpoint& update) {
  if (!update.address.empty()) known.address = update.address;
  if (update.port != 0) known.port = update.port;
}

}  // namespace

struct StreamTable::Impl {
  Impl(StreamSink& s, StreamLimits l) : sink(s), limits(l) {
    if (limits.max_connections == 0) limits.max_connections = 1;
  }

  StreamSink& sink;
  StreamLimits limits;
  StreamStats stats;
  size_t charged_total = 0;  // sum of charged_bytes() over all directions
  uint64_t now_hint_ns = 0;  // latest time seen (chunk, tick or close), never decreases
  bool in_callback = false;

  // Least recently active first; nodes are stable so the maps can point into the list.
  ConnList lru;
  std::unordered_map<ConnKey, ConnList::iterator, ConnKeyHash> by_key;
  std::unordered_map<uint32_t, std::unordered_set<Connection*>> by_tgid;
  // Directions holding out-of-order bytes, in the order they started holding.
  std::list<DirectionState*> pending_dirs;

  // --- sink calls, guarded against re-entrancy --------------------------------------------
  struct CallbackGuard {
    explicit CallbackGuard(bool& f) : flag(f) {
      assert(!flag && "StreamSink callbacks must not call back into StreamTable");
      flag = true;
    }
    ~CallbackGuard() { flag = false; }
    bool& flag;
  };

  void emit_bytes(DirectionState& d, uint64_t ts_ns, std::span<const uint8_t> bytes) {
    if (bytes.empty()) return;
    stats.bytes_delivered += bytes.size();
    CallbackGuard guard(in_callback);
    sink.on_bytes(d.conn->meta, d.dir, ts_ns, bytes);
  }

  void emit_gap(DirectionState& d, uint64_t missing, bool forced_by_bound) {
    stats.gaps++;
    // Corrupt positions can claim holes near 2^64: saturate rather than wrap.
    add_saturating(stats.gap_bytes, missing);
    if (forced_by_bound) add_saturating(stats.overflow_bytes, missing);
    CallbackGuard guard(in_callback);
    sink.on_gap(d.conn->meta, d.dir, missing);
  }

  // --- pending bookkeeping ----------------------------------------------------------------
  // Runs `change` on d.pending and keeps the totals and the pending list in step with it.
  template <typename Change>
  void with_pending(DirectionState& d, Change&& change) {
    const size_t charged_before = d.pending.charged_bytes();
    const size_t payload_before = d.pending.payload_bytes();
    change();
    charged_total = charged_total - charged_before + d.pending.charged_bytes();
    stats.pending_bytes = stats.pending_bytes - payload_before + d.pending.payload_bytes();
    if (d.pending.empty() && d.listed) {
      pending_dirs.erase(d.list_pos);
      d.listed = false;
    } else if (!d.pending.empty() && !d.listed) {
      d.list_pos = pending_dirs.insert(pending_dirs.end(), &d);
      d.listed = true;
    }
  }

  // Delivers the held segments that continue d.next_pos.
  void drain(DirectionState& d) {
    if (d.pending.empty() || d.pending.first_pos() != d.next_pos) return;
    with_pending(d, [&] {
      d.next_pos = d.pending.drain_contiguous(
          d.next_pos, [&](uint64_t ts, std::span<const uint8_t> b) { emit_bytes(d, ts, b); });
    });
  }

  // Gives up on the hole before the first held segment and delivers what follows it.
  void declare_hole(DirectionState& d, bool forced_by_bound) {
    if (d.pending.empty()) return;
    if (d.pending.first_pos() < d.next_pos) {  // cannot happen; guarantees progress if it did
      with_pending(d, [&] { stats.duplicate_bytes += d.pending.discard_before(d.next_pos); });
      if (d.pending.empty()) return;
    }
    const uint64_t first = d.pending.first_pos();
    if (first > d.next_pos) {
      emit_gap(d, first - d.next_pos, forced_by_bound);
      d.next_pos = first;
    }
    drain(d);
  }

  void enforce_bounds(DirectionState& d) {
    while (d.pending.charged_bytes() > limits.max_pending_bytes_per_direction) {
      declare_hole(d, /*forced_by_bound=*/true);
    }
    while (charged_total > limits.max_pending_bytes_total && !pending_dirs.empty()) {
      declare_hole(*pending_dirs.front(), /*forced_by_bound=*/true);
    }
  }

  // --- connections --------------------------------------------------------------------------
  void touch(ConnList::iterator it, uint64_t ts_ns) {
    if (ts_ns > now_hint_ns) now_hint_ns = ts_ns;
    // Stamped with the monotone hint so the LRU list stays sorted by last activity.
    it->last_active_ns = now_hint_ns;
    lru.splice(lru.end(), lru, it);
  }

  ConnList::iterator find_or_create(const ConnKey& key) {
    auto found = by_key.find(key);
    if (found != by_key.end()) return found->second;
    if (lru.size() >= limits.max_connections) end_connection(lru.begin(), CloseReason::kEvicted, now_hint_ns);
    auto it = lru.emplace(lru.end());
    it->meta.key = key;
    it->last_active_ns = now_hint_ns;
    for (size_t i = 0; i < it->dirs.size(); ++i) {
      it->dirs[i].conn = &*it;
      it->dirs[i].dir = Direction(i);
    }
    by_key.emplace(key, it);
    by_tgid[key.tgid].insert(&*it);
    stats.connections_opened++;
    stats.open_connections++;
    return it;
  }

  void end_connection(ConnList::iterator it, CloseReason reason, uint64_t ts_ns) {
    if (ts_ns > now_hint_ns) now_hint_ns = ts_ns;
    for (DirectionState& d : it->dirs) {
      while (!d.pending.empty()) declare_hole(d, /*forced_by_bound=*/false);
    }
    {
      CallbackGuard guard(in_callback);
      sink.on_close(it->meta, reason, ts_ns);
    }
    switch (reason) {
      case CloseReason::kExpired: stats.connections_expired++; break;
      case CloseReason::kEvicted: stats.connections_evicted++; break;
      default: stats.connections_closed++; break;
    }
    stats.open_connections--;
    const ConnKey key = it->meta.key;
    auto tgid_it = by_tgid.find(key.tgid);
    if (tgid_it != by_tgid.end()) {
      tgid_it->second.erase(&*it);
      if (tgid_it->second.empty()) by_tgid.erase(tgid_it);
    }
    by_key.erase(key);
    lru.erase(it);
  }

  // --- add ------------------------------------------------------------------------------------
  void add(const ConnKey& key, Direction dir, uint64_t pos, uint64_t ts_ns, uint32_t tid,
           std::span<const uint8_t> bytes) {
    stats.chunks++;
    stats.bytes_received += bytes.size();
    const size_t dir_index = static_cast<size_t>(dir);
    if (dir_index >= kDirections) {  // not a Direction value: corrupt record
      stats.rejected_bytes += bytes.size();
      return;
    }
    ConnList::iterator it = find_or_create(key);
    touch(it, ts_ns);
    if (tid != 0) it->meta.tid = tid;
    DirectionState& d = it->dirs[dir_index];

    // Hot path: exactly in order, nothing held. Zero-copy.
    if (pos == d.next_pos && d.pending.empty()) {
      d.next_pos += bytes.size();
      emit_bytes(d, ts_ns, bytes);
      return;
    }
    if (bytes.empty()) return;

    // Positions past 2^64 cannot be real: keep what fits, reject the rest.
    const uint64_t room = std::numeric_limits<uint64_t>::max() - pos;
    if (bytes.size() > room) {
      stats.rejected_bytes += bytes.size() - room;
      bytes = bytes.first(room);
    }
    const uint64_t end = pos + bytes.size();

    if (end <= d.next_pos) {  // entirely delivered already
      stats.duplicate_bytes += bytes.size();
      return;
    }
    if (pos < d.next_pos) {  // partly delivered already
      const uint64_t overlap = d.next_pos - pos;
      stats.duplicate_bytes += overlap;
      bytes = bytes.subspan(overlap);
      pos = d.next_pos;
    }

    if (pos == d.next_pos) {
      // Fills the hole: deliver straight from the caller's buffer, drop held copies it covers.
      d.next_pos = end;
      emit_bytes(d, ts_ns, bytes);
      with_pending(d, [&] { stats.duplicate_bytes += d.pending.discard_before(d.next_pos); });
      drain(d);
      return;
    }

    stats.out_of_order_chunks++;
    with_pending(d, [&] { stats.duplicate_bytes += d.pending.insert(pos, ts_ns, bytes).duplicate; });
    enforce_bounds(d);
  }

  // --- tick -----------------------------------------------------------------------------------
  void tick(uint64_t now_ns) {
    if (now_ns > now_hint_ns) now_hint_ns = now_ns;
    for (auto it = pending_dirs.begin(); it != pending_dirs.end();) {
      DirectionState& d = **it;
      ++it;  // declare_hole may unlist d, never another direction
      while (!d.pending.empty() && now_ns >= d.pending.first_ts_ns() &&
             now_ns - d.pending.first_ts_ns() >= limits.reorder_window_ns) {
        declare_hole(d, /*forced_by_bound=*/false);
      }
    }
    while (!lru.empty() && now_ns >= lru.front().last_active_ns &&
           now_ns - lru.front().last_active_ns >= limits.idle_timeout_ns) {
      end_connection(lru.begin(), CloseReason::kExpired, now_ns);
    }
  }
};

StreamTable::StreamTable(StreamSink& sink, StreamLimits limits)
    : impl_(std::make_unique<Impl>(sink, limits)) {}

StreamTable::~StreamTable() = default;

// Every entry point checks that it is not called from inside a sink callback.
#define AGENTPROF_ASSERT_NOT_IN_CALLBACK() \
  assert(!impl_->in_callback && "StreamSink callbacks must not call back into StreamTable")

void StreamTable::update_meta(const ConnMeta& meta) {
  AGENTPROF_ASSERT_NOT_IN_CALLBACK();
  auto it = impl_->find_or_create(meta.key);
  impl_->touch(it, 0);
  ConnMeta& known = it->meta;
  if (meta.tid != 0) known.tid = meta.tid;
  if (!meta.comm.empty()) known.comm = meta.comm;
  if (meta.role != Role::kUnknown) known.role = meta.role;
  merge_endpoint(known.local, meta.local);
  merge_endpoint(known.remote, meta.remote);
}

void StreamTable::add(const ConnKey& key, Direction dir, uint64_t pos, uint64_t ts_ns, uint32_t tid,
                      std::span<const uint8_t> bytes) {
  AGENTPROF_ASSERT_NOT_IN_CALLBACK();
  impl_->add(key, dir, pos, ts_ns, tid, bytes);
}

void StreamTable::close(const ConnKey& key, CloseReason reason, uint64_t ts_ns) {
  AGENTPROF_ASSERT_NOT_IN_CALLBACK();
  auto found = impl_->by_key.find(key);
  if (found == impl_->by_key.end()) return;  // never seen, or already ended (evicted, expired)
  impl_->end_connection(found->second, reason, ts_ns);
}

void StreamTable::close_process(uint32_t tgid, uint64_t ts_ns) {
  AGENTPROF_ASSERT_NOT_IN_CALLBACK();
  auto found = impl_->by_tgid.find(tgid);
  if (found == impl_->by_tgid.end()) return;
  // end_connection edits the set; work on a copy of the keys.
  std::vector<ConnKey> keys;
  keys.reserve(found->second.size());
  for (const Connection* c : found->second) keys.push_back(c->meta.key);
  for (const ConnKey& key : keys) close(key, CloseReason::kProcessExited, ts_ns);
}

void StreamTable::tick(uint64_t now_ns) {
  AGENTPROF_ASSERT_NOT_IN_CALLBACK();
  impl_->tick(now_ns);
}

void StreamTable::close_all(uint64_t ts_ns) {
  AGENTPROF_ASSERT_NOT_IN_CALLBACK();
  while (!impl_->lru.empty()) impl_->end_connection(impl_->lru.begin(), CloseReason::kShutdown, ts_ns);
}

const StreamStats& StreamTable::stats() const { return impl_->stats; }

}  // namespace agentprof
