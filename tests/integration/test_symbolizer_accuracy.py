"""Symbolizer accuracy against llvm-symbolizer (LLVM) on real binaries: libc, libssl and node.

Runnable alone:  cd tests/integration && /usr/bin/python3 -m unittest test_symbolizer_accuracy
The tool is $AGENTPROF_BUILD/symbolizer/agentprof_symbolize (AGENTPROF_BUILD defaults to <repo>/build).

How names are compared (documented here because both tools are right in different ways):
- Addresses: 1000 in total, split over the three binaries, drawn with a fixed seed as a random FUNC
  symbol with a size (from .symtab/.dynsym of the binary and of its separate debug file, i.e. what
  both tools can see) plus a random offset inside that size.
- Inlining: llvm-symbolizer reports the chain of inlined frames from DWARF; our symbolizer reports the
  physical function from the symbol table. We compare against the LAST (outermost) frame of the chain,
  which is the function that owns the machine code.
- Aliases: several symbols can name the same code (malloc / __libc_malloc / __malloc). A name agrees if
  it equals the reference, or if the reference name is a symbol starting at the same address as the
  function we returned (same code, another name).
- Clones: GCC's .cold / .part.N / .isra.N / .constprop.N copies are separate symbols, but DWARF names
  them after the source function; both sides are compared without the clone suffix.
- Demangling: the reference's mangled names are demangled by GNU c++filt (LLVM spells lambdas and
  template arguments differently); where DWARF has no name, binutils addr2line is the reference.
- Normalisation: symbol versions ("@@GLIBC_2.2.5") are dropped; DWARF may give an unqualified C++ name
  ("Foo") where the symbol table has the qualified demangled one ("ns::Foo(int)") — that counts as
  agreement when the qualified name without its parameter list ends with "::Foo" or equals it.
"""
import bisect
import os
import random
import re
import shutil
import subprocess
import unittest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("AGENTPROF_BUILD", os.path.join(REPO, "build"))
if not os.path.isabs(BUILD):
    BUILD = os.path.join(REPO, BUILD)
TOOL = os.path.join(BUILD, "symbolizer", "agentprof_symbolize")

TARGETS = [
    "/lib/x86_64-linux-gnu/libc.so.6",
    "/usr/lib/x86_64-linux-gnu/libssl.so.3",
    "/usr/bin/node",
]
TOTAL_ADDRESSES = 1000
REQUIRED_AGREEMENT = 0.99


def build_id(path):
    out = subprocess.run(["readelf", "-n", path], capture_output=True, text=True).stdout
    m = re.search(r"Build ID: ([0-9a-f]+)", out)
    return m.group(1) if m else None


def debug_file(path):
    bid = build_id(path)
    if bid:
        candidate = "/usr/lib/debug/.build-id/%s/%s.debug" % (bid[:2], bid[2:])
        if os.path.exists(candidate):
            return candidate
    return None


def function_symbols(path):
    """[(address, size, name)] of FUNC/IFUNC symbols defined in path (all symbol tables)."""
    out = subprocess.run(["readelf", "-sW", path], capture_output=True, text=True).stdout
    symbols = []
    for line in out.splitlines():
        parts = line.split()
        # Num: Value Size Type Bind Vis Ndx Name
        if len(parts) < 8 or not parts[0].endswith(":") or parts[3] not in ("FUNC", "IFUNC"):
            continue
        if parts[6] == "UND":
            continue
        try:
            address = int(parts[1], 16)
            size = int(parts[2], 0) if not parts[2].startswith("0x") else int(parts[2], 16)
        except ValueError:
            continue
        if address == 0:
            continue
        symbols.append((address, size, parts[7].split("@")[0]))
    return symbols


def demangle_all(names):
    names = list(names)
    if not names:
        return {}
    out = subprocess.run(["c++filt"], input="\n".join(names) + "\n", capture_output=True, text=True).stdout
    return dict(zip(names, out.splitlines()))


def run_tool(mode, target, addresses):
    proc = subprocess.run([TOOL, mode, str(target)], input="".join("%x\n" % a for a in addresses),
                          capture_output=True, text=True, check=True)
    rows = []
    for line in proc.stdout.splitlines():
        address, function, offset, module = line.split("\t")
        rows.append((int(address, 16), function, int(offset, 16), module))
    return rows


def llvm_symbolize(path, addresses):
    """Reference names, demangled by GNU c++filt (the same demangler family as ours, so that LLVM's
    own spelling of lambdas and clones does not count as disagreement)."""
    import json
    proc = subprocess.run(["llvm-symbolizer", "--no-demangle", "--output-style=JSON", "--obj=" + path],
                          input="".join("0x%x\n" % a for a in addresses), capture_output=True, text=True,
                          check=True)
    names = []
    for line in proc.stdout.splitlines():
        record = json.loads(line)
        frames = record.get("Symbol") or [{}]
        names.append(frames[-1].get("FunctionName", ""))  # outermost = physical function
    # DWARF can describe a function without a name (assembly, some libgcc routines): ask binutils'
    # addr2line, which then falls back to the symbol table, for those.
    missing = [i for i, n in enumerate(names) if n in ("", "??")]
    if missing:
        out = subprocess.run(["addr2line", "-f", "-e", path] + ["0x%x" % addresses[i] for i in missing],
                             capture_output=True, text=True, check=True).stdout.splitlines()
        for k, i in enumerate(missing):
            names[i] = out[2 * k] if 2 * k < len(out) else "??"
    demangled = demangle_all(set(names))
    return [demangled.get(n, n) for n in names]


CLONE_SUFFIX = re.compile(r"(\.(cold|part\.\d+|isra\.\d+|constprop\.\d+|lto_priv\.\d+|localalias|\d+))+$")


def strip_clone(name):
    """Compiler clones keep the source function's name in DWARF: 'f [clone .isra.0]' / 'f.cold' -> 'f'."""
    name = re.sub(r"( \[clone [^\]]*\])+$", "", name)
    return CLONE_SUFFIX.sub("", name)


def strip_params(name):
    """'ns::f(int) const' -> 'ns::f' (the parameter list starts at the last top-level '(')."""
    depth = 0
    for i in range(len(name) - 1, -1, -1):
        c = name[i]
        if c == ")":
            depth += 1
        elif c == "(":
            depth -= 1
            if depth == 0:
                return name[:i]
    return name


def names_agree(ours, reference, aliases):
    if ours == reference or reference in aliases:
        return True
    ours, reference = strip_clone(ours), strip_clone(reference)
    if ours == reference or reference in {strip_clone(a) for a in aliases}:
        return True
    qualified = strip_params(ours)
    return qualified == reference or qualified.endswith("::" + reference)


@unittest.skipUnless(os.path.exists(TOOL), "build agentprof_symbolize first (AGENTPROF_BUILD=%s)" % BUILD)
@unittest.skipUnless(shutil.which("llvm-symbolizer"), "llvm-symbolizer not installed")
class SymbolizerAccuracyTest(unittest.TestCase):
    def test_agrees_with_llvm_symbolizer_on_random_function_addresses(self):
        rng = random.Random(20261123)
        per_target = TOTAL_ADDRESSES // len(TARGETS)
        total = agreed = alias_agreed = 0
        report = []
        for index, target in enumerate(TARGETS):
            if not os.path.exists(target):
                self.skipTest("missing " + target)
            symbols = function_symbols(target)
            extra = debug_file(target)
            if extra:
                symbols += function_symbols(extra)
            sized = [s for s in symbols if s[1] > 0]
            self.assertGreater(len(sized), 100, target)
            count = per_target + (TOTAL_ADDRESSES - per_target * len(TARGETS) if index == 0 else 0)
            addresses = []
            for _ in range(count):
                start, size, _name = rng.choice(sized)
                addresses.append(start + rng.randrange(size))
            # Names at each start address (aliases), demangled like both tools print them.
            by_start = {}
            for start, _size, name in symbols:
                by_start.setdefault(start, set()).add(name)
            demangled = demangle_all({n for names in by_start.values() for n in names})
            ours = run_tool("file", target, addresses)
            reference = llvm_symbolize(target, addresses)
            self.assertEqual(len(ours), len(addresses))
            self.assertEqual(len(reference), len(addresses))
            for (address, function, offset, _module), ref in zip(ours, reference):
                total += 1
                aliases = {demangled.get(n, n) for n in by_start.get(address - offset, ())}
                if function == ref:
                    agreed += 1
                elif names_agree(function, ref, aliases):
                    agreed += 1
                    alias_agreed += 1
                else:
                    report.append("%s 0x%x: ours=%r reference=%r" % (os.path.basename(target), address,
                                                                      function, ref))
        rate = agreed / total
        print("\nsymbolizer accuracy: %d/%d agree (%.2f%%), %d of them through aliases, clones or DWARF short names"
              % (agreed, total, 100.0 * rate, alias_agreed))
        for line in report[:20]:
            print("  disagree: " + line)
        self.assertEqual(total, TOTAL_ADDRESSES)
        self.assertGreaterEqual(rate, REQUIRED_AGREEMENT, "\n".join(report[:50]))

    def test_source_lines_agree_with_llvm_symbolizer(self):
        """file:line from DWARF line tables (libc through its debug file, node's partial DWARF).
        Compared with llvm-symbolizer's innermost frame by file base name and line (the tools join
        compilation directory and file name differently)."""
        import json
        rng = random.Random(99)
        both = agreed = missing = extra = 0
        for target in ("/lib/x86_64-linux-gnu/libc.so.6", "/usr/bin/node"):
            symbols = function_symbols(target)
            extra_file = debug_file(target)
            if extra_file:
                symbols += function_symbols(extra_file)
            sized = [s for s in symbols if s[1] > 0]
            addresses = [start + rng.randrange(size) for start, size, _ in (rng.choice(sized) for _ in range(300))]
            proc = subprocess.run([TOOL, "--lines", "file", target], input="".join("%x\n" % a for a in addresses),
                                  capture_output=True, text=True, check=True)
            ours = [line.split("\t")[4] for line in proc.stdout.splitlines()]
            ref = subprocess.run(["llvm-symbolizer", "--output-style=JSON", "--obj=" + target],
                                 input="".join("0x%x\n" % a for a in addresses), capture_output=True, text=True,
                                 check=True).stdout.splitlines()
            self.assertEqual(len(ours), len(addresses))
            for mine, record in zip(ours, ref):
                frame = (json.loads(record).get("Symbol") or [{}])[0]
                ref_line = frame.get("Line", 0)
                if mine and ref_line:
                    both += 1
                    file, line = mine.rsplit(":", 1)
                    if os.path.basename(file) == os.path.basename(frame["FileName"]) and int(line) == ref_line:
                        agreed += 1
                elif ref_line:
                    missing += 1
                elif mine:
                    extra += 1
        print("\nsource lines: %d/%d agree, %d only in reference, %d only ours" % (agreed, both, missing, extra))
        self.assertGreater(both, 250)
        self.assertGreaterEqual(agreed, 0.99 * both)
        self.assertLessEqual(missing + extra, 0.01 * (both + missing + extra))

    def test_live_process_addresses_match_file_addresses(self):
        """The same libc functions, addressed through a running process's maps (PIE bias)."""
        libc = None
        with open("/proc/self/maps") as maps:
            lines = maps.read().splitlines()
        for line in lines:
            fields = line.split()
            if len(fields) >= 6 and "libc.so" in fields[5]:
                libc = fields[5]
                break
        self.assertIsNotNone(libc)
        # Load bias: mapping of file offset 0 minus the lowest PT_LOAD vaddr (0 for shared libraries).
        base = min(int(l.split()[0].split("-")[0], 16) for l in lines
                   if l.split()[-1] == libc and int(l.split()[2], 16) == 0)
        rng = random.Random(7)
        sized = [s for s in function_symbols(libc) if s[1] > 0]
        vaddrs = [s[0] + rng.randrange(s[1]) for s in rng.sample(sized, 200)]
        by_file = run_tool("file", libc, vaddrs)
        by_pid = run_tool("pid-ips", os.getpid(), [base + v for v in vaddrs])
        for (_a, file_fn, file_off, _m), (_b, pid_fn, pid_off, module) in zip(by_file, by_pid):
            self.assertEqual((file_fn, file_off), (pid_fn, pid_off))
            self.assertTrue(module.endswith("libc.so.6"), module)


if __name__ == "__main__":
    unittest.main()
