// The capture summary printed on exit and on SIGUSR1: everything captured and every way bytes
// were lost, each with its own counter.
#pragma once

#include <cstdio>

namespace agentprof {

class BpfLoader;
class CaptureRouter;
class StreamTable;
struct DecodeStats;
class TlsAttacher;
class AnalysisChain;
class HoldReleaser;

struct LossReportInputs {
  const BpfLoader* loader;
  const CaptureRouter* router;
  const StreamTable* streams;
  const DecodeStats* decode;
  const TlsAttacher* attacher;
  const AnalysisChain* chain;
  const HoldReleaser* holds = nullptr;  // with --hold-new-executables
};

void print_loss_report(const LossReportInputs& in, FILE* out);

}  // namespace agentprof
