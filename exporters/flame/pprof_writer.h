// pprof profile.proto (gzipped), as read by `go tool pprof`, Pyroscope and Grafana:
//  - sample types samples/count (index 0, pprof's convention) and cpu/nanoseconds (the default),
//    the latter only when the sampling period is known;
//  - one Location per distinct frame (with its line), one Function per function+module+file,
//    one Mapping per module; samples labelled with pid (num) and comm (str);
//  - period, time and duration from the Profile; lost samples as a comment.
// Frames carry no addresses (they are symbolized already), so mappings have no address ranges and
// declare has_functions so readers do not try to symbolize again.
#pragma once

#include <string>

#include "userspace/profile/profile.h"

namespace agentprof::flame {

// Serialized, uncompressed Profile message.
bool render_pprof_proto(const Profile& profile, std::string& out, std::string& error);
// The same, gzip-compressed: the contents of a .pb.gz file.
bool render_pprof_gz(const Profile& profile, std::string& out, std::string& error);

}  // namespace agentprof::flame
