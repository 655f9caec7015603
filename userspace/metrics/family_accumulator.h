// The cumulative state of one metric family: its series keyed by label set, with a bound on how
// many distinct label sets it keeps. Not thread-safe (MetricsRegistry serializes access).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "metrics/metric_snapshot.h"

namespace agentprof {

class FamilyAccumulator {
 public:
  // `bounds` is used by histograms only; `max_series` >= 1 counts the overflow series too.
  FamilyAccumulator(MetricFamily description, std::vector<double> bounds, size_t max_series);

  // Counters: adds `delta` (>= 0) to the series; beyond the bound, to the overflow series.
  // Gauges and counters kept elsewhere: sets the value; beyond the bound, dropped and counted.
  void add(const std::vector<MetricLabel>& labels, double delta);
  void set(const std::vector<MetricLabel>& labels, double value);
  // Histograms: one observation. Bucket i holds (bounds[i-1], bounds[i]]; the last is +Inf.
  void record(const std::vector<MetricLabel>& labels, double value);

  const MetricFamily& family() const { return family_; }
  // Observations folded into the overflow series or (set) dropped because the family was full.
  uint64_t overflowed() const { return overflowed_; }

 private:
  // Index of the series for `labels` in family_.numbers or family_.histograms; creates it, or
  // returns the overflow series when the family already holds max_series_ - 1 ordinary series.
  size_t series_index(const std::vector<MetricLabel>& labels);
  size_t create_series(std::vector<MetricLabel> labels);

  MetricFamily family_;
  std::vector<double> bounds_;
  size_t max_series_;
  std::unordered_map<std::string, size_t> index_;  // encoded label set -> series index
  size_t overflow_index_ = SIZE_MAX;
  uint64_t overflowed_ = 0;
};

}  // namespace agentprof
