#include "metrics/family_accumulator.h"

#include <algorithm>
#include <utility>

#include "metrics/metric_names.h"

namespace agentprof {

namespace {

// Length-prefixed so that no choice of keys and values can make two label sets encode alike.
std::string encode(const std::vector<MetricLabel>& labels) {
  std::string key;
  for (const auto& l : labels) {
    key += std::to_string(l.key.size()) + ':' + l.key;
    key += std::to_string(l.value.size()) + ':' + l.value;
  }
  return key;
}

}  // namespace

FamilyAccumulator::FamilyAccumulator(MetricFamily description, std::vector<double> bounds,
                                     size_t max_series)
    : family_(std::move(description)), bounds_(std::move(bounds)), max_series_(std::max<size_t>(max_series, 1)) {
  family_.numbers.clear();
  family_.histograms.clear();
}

size_t FamilyAccumulator::create_series(std::vector<MetricLabel> labels) {
  if (family_.kind == MetricKind::kHistogram) {
    HistogramPoint p;
    p.labels = std::move(labels);
    p.bounds = bounds_;
    p.bucket_counts.assign(bounds_.size() + 1, 0);
    family_.histograms.push_back(std::move(p));
    return family_.histograms.size() - 1;
  }
  family_.numbers.push_back(NumberPoint{std::move(labels), 0});
  return family_.numbers.size() - 1;
}

size_t FamilyAccumulator::series_index(const std::vector<MetricLabel>& labels) {
  std::string key = encode(labels);
  auto it = index_.find(key);
  if (it != index_.end()) return it->second;
  // One slot stays reserved for the overflow series, so the family never exceeds max_series_.
  if (index_.size() >= max_series_ - 1) {
    ++overflowed_;
    if (overflow_index_ == SIZE_MAX) overflow_index_ = create_series({{metric::kOverflowLabel, "true"}});
    return overflow_index_;
  }
  size_t index = create_series(labels);
  index_.emplace(std::move(key), index);
  return index;
}

void FamilyAccumulator::add(const std::vector<MetricLabel>& labels, double delta) {
  family_.numbers[series_index(labels)].value += delta;
}

void FamilyAccumulator::set(const std::vector<MetricLabel>& labels, double value) {
  if (index_.find(encode(labels)) == index_.end() && index_.size() >= max_series_ - 1) {
    // A set value cannot be folded (summing last values of several series would be wrong every
    // time it is set again): a label set beyond the bound is dropped and counted instead.
    ++overflowed_;
    return;
  }
  family_.numbers[series_index(labels)].value = value;
}

void FamilyAccumulator::record(const std::vector<MetricLabel>& labels, double value) {
  HistogramPoint& p = family_.histograms[series_index(labels)];
  size_t bucket = size_t(std::lower_bound(p.bounds.begin(), p.bounds.end(), value) - p.bounds.begin());
  ++p.bucket_counts[bucket];
  if (p.count == 0) {
    p.min = p.max = value;
  } else {
    p.min = std::min(p.min, value);
    p.max = std::max(p.max, value);
  }
  ++p.count;
  p.sum += value;
}

}  // namespace agentprof
