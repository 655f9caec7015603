// check_mapped_image and the attacher's refusal, on real processes: a child runs a copy of an
// executable, the copy is replaced on disk (rename over it), and nothing is probed in the child —
// the refusal says why. No BPF is needed: refusals happen before any probe would be attached.
#include <catch2/catch.hpp>

#include "attach/elf_symbols.h"
#include "attach/mapped_image.h"
#include "attach/pinned_file.h"
#include "attach/proc_files.h"
#include "attach/tls_attacher.h"
#include "replaced_files.h"

using agentprof::MappedFile;
using agentprof::MappedImageCheck;
using agentprof::PinnedFile;
using Verdict = agentprof::MappedImageCheck::Verdict;

namespace {

MappedFile mapping_of(pid_t pid, const std::string& path) {
  for (const MappedFile& f : agentprof::mapped_files(uint32_t(pid)))
    if (f.path == path && f.executable) return f;
  FAIL("no executable mapping of " << path << " in pid " << pid);
  return {};
}

}  // namespace

TEST_CASE("a running executable matches the file at its path until that file is replaced", "[attach]") {
  replaced_files::TempDir dir;
  const std::string path = dir.path + "/prog";
  replaced_files::copy_file(AGENTPROF_TLS_SYMBOLS_FIXTURE, path);
  replaced_files::Child child(path, "30");

  MappedFile m = mapping_of(child.pid, path);
  CHECK_FALSE(m.deleted);
  PinnedFile at_path;
  REQUIRE(at_path.open(path));
  CHECK(agentprof::check_mapped_image(uint32_t(child.pid), m, true, at_path.identity()).verdict == Verdict::kSame);
  CHECK(agentprof::check_mapped_image(uint32_t(child.pid), m, false, at_path.identity()).verdict == Verdict::kSame);

  // Another file's identity (what a bind mount or a namespace trick would put at the path).
  PinnedFile other;
  REQUIRE(other.open("/bin/true"));
  MappedImageCheck exe = agentprof::check_mapped_image(uint32_t(child.pid), m, true, other.identity());
  CHECK(exe.verdict == Verdict::kReplaced);
  CHECK(exe.reason.find("is not the one process " + std::to_string(child.pid) + " maps") != std::string::npos);
  CHECK(agentprof::check_mapped_image(uint32_t(child.pid), m, false, other.identity()).verdict == Verdict::kReplaced);

  replaced_files::replace_by_rename(path, "/bin/true");
  MappedFile after = mapping_of(child.pid, path);
  CHECK(after.deleted);
  CHECK(after.inode == m.inode);
  MappedImageCheck deleted = agentprof::check_mapped_image(uint32_t(child.pid), after, true, {});
  CHECK(deleted.verdict == Verdict::kReplaced);
  CHECK(deleted.reason.find("deleted or replaced on disk") != std::string::npos);

  const pid_t gone = child.pid;
  child.kill_and_wait();
  CHECK(agentprof::check_mapped_image(uint32_t(gone), m, true, at_path.identity()).verdict == Verdict::kProcessGone);
}

TEST_CASE("the attacher refuses a replaced TLS executable and probes nothing", "[attach]") {
  replaced_files::TempDir dir;
  const std::string path = dir.path + "/tls_prog";
  replaced_files::copy_file(AGENTPROF_TLS_SYMBOLS_FIXTURE, path);
  replaced_files::Child child(path, "30");
  // The new file at the path also exports SSL_write/SSL_read, at other offsets: probing the running
  // process from it would be a guess. (/bin/true would do for the refusal; this shows it matters.)
  auto plain = agentprof::find_elf_functions(AGENTPROF_TLS_SYMBOLS_FIXTURE, {"SSL_write"});
  auto shifted = agentprof::find_elf_functions(AGENTPROF_TLS_SYMBOLS_FIXTURE_SHIFTED, {"SSL_write"});
  REQUIRE(plain.offsets.count("SSL_write"));
  REQUIRE(shifted.offsets.count("SSL_write"));
  REQUIRE(plain.offsets["SSL_write"] != shifted.offsets["SSL_write"]);
  replaced_files::replace_by_rename(path, AGENTPROF_TLS_SYMBOLS_FIXTURE_SHIFTED);

  agentprof::TlsAttacher attacher(agentprof::TlsPrograms{});
  attacher.scan_process(uint32_t(child.pid));
  for (const MappedFile& f : agentprof::mapped_files(uint32_t(child.pid)))
    UNSCOPED_INFO("mapped " << f.path << " exec=" << f.executable << " deleted=" << f.deleted);
  REQUIRE(attacher.targets().size() == 1);
  const agentprof::TlsTarget& t = attacher.targets()[0];
  CHECK(t.replaced);
  CHECK(t.probes == 0);
  CHECK(t.first_pid == uint32_t(child.pid));
  CHECK(t.seen_as == path);
  CHECK(t.error.find("deleted or replaced on disk") != std::string::npos);
  CHECK(attacher.probes_attached() == 0);
  CHECK(attacher.attach_failures() == 0);

  // Rescans (the attacher re-reads a new process's maps a few times) do not repeat the refusal.
  attacher.scan_process(uint32_t(child.pid));
  CHECK(attacher.targets().size() == 1);
}

TEST_CASE("a replaced executable without TLS is skipped silently", "[attach]") {
  replaced_files::TempDir dir;
  const std::string path = dir.path + "/sleeper";
  replaced_files::copy_file("/bin/sleep", path);
  replaced_files::Child child(path, "30");
  replaced_files::replace_by_rename(path, "/bin/true");
  agentprof::TlsAttacher attacher(agentprof::TlsPrograms{});
  attacher.scan_process(uint32_t(child.pid));
  CHECK(attacher.targets().empty());
}

TEST_CASE("the deleted suffix of /proc paths is recognised", "[attach]") {
  bool deleted = false;
  CHECK(agentprof::strip_deleted_suffix("/usr/bin/x (deleted)", &deleted) == "/usr/bin/x");
  CHECK(deleted);
  CHECK(agentprof::strip_deleted_suffix("/usr/bin/x", &deleted) == "/usr/bin/x");
  CHECK_FALSE(deleted);
  CHECK(agentprof::strip_deleted_suffix(" (deleted)", &deleted) == " (deleted)");
  CHECK_FALSE(deleted);
}
