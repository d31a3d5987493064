#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Windows compile check without a Windows Qt (scripts/windows-check.sh, part 1).

Every C++ file under src/, tests/ and bench/ is compiled with mingw-w64 (-fsyntax-only) using
the flags the Linux build gives it (compile_commands.json: include directories, Qt's module
defines, the generated moc/ui headers), translated for Windows: the compiler defines _WIN32, so
Qt's headers set Q_OS_WIN and every `#ifdef Q_OS_WIN` branch is compiled; the defines Qt and the
project add only on Windows are added. Linux-only flags and the host's system include directory
are dropped; the host's Qt, QCoro and OpenSSL headers stand in for the Windows ones (the same
versions). Files that are not in the build on Windows are listed in LINUX_ONLY with the reason.

Results are cached like ccache's preprocessor mode: a file whose preprocessed text (with the
source and build directories written as placeholders), compiler and flags were already checked
clean is not compiled again (--cache-dir, default /var/cache/punchdrop-mingw/syntax when
writable; PUNCHDROP_WINDOWS_SYNTAX_CACHE=off disables it). Preprocessing costs a fraction of
the check, so a CI run over a tree where few files changed takes a minute, not half an hour.

It cannot see MSVC-only errors, Qt-for-Windows feature differences or link errors: that is the
cross build's job (scripts/build-windows.sh) and the release workflow's.
"""
import argparse
import concurrent.futures
import hashlib
import re
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time

# Built only on Linux (their CMake says so); each with the reason.
LINUX_ONLY = {
    # The NAT lab: network namespaces, nftables and conntrack (tests/natlab/CMakeLists.txt).
    "tests/natlab/": "Linux network namespaces",
    # libFuzzer entry points: clang + libFuzzer on Linux only (tests/fuzz/CMakeLists.txt).
    "tests/fuzz/": "libFuzzer (clang, Linux)",
    # LAN tests: two network namespaces on a bridge (tests/lan/CMakeLists.txt).
    "tests/lan/": "Linux network namespaces",
    # The gateway clients: PUNCHDROP_PORT_MAPPING is off on Windows, whose build has neither
    # libnatpmp nor libminiupnpc (src/net/client/CMakeLists.txt, CMakeLists.txt).
    "src/net/client/natpmpgateway.": "port mapping (off on Windows)",
    "src/net/client/upnpgateway.": "port mapping (off on Windows)",
    "src/net/client/pcpgateway.": "port mapping (off on Windows)",
    "tests/unit/tst_pcpgateway.": "port mapping (off on Windows)",
    # Server clusters: PUNCHDROP_CLUSTER is off on Windows, whose build has no hiredis
    # (src/net/server/CMakeLists.txt); the server there refuses --redis.
    "src/net/server/redisconnection.": "server clusters (off on Windows)",
    "src/net/server/servercluster.": "server clusters (off on Windows)",
    "tests/unit/tst_servercluster.": "server clusters (off on Windows)",
    "tests/unit/tst_redisconnection.": "server clusters (off on Windows)",
}
# Compile definitions whose value differs in the Windows build (the Linux flags are translated).
WINDOWS_DEFINE_VALUES = {"-DPUNCHDROP_HAVE_PORT_MAPPING=1": "-DPUNCHDROP_HAVE_PORT_MAPPING=0"}
# Defined on Windows by Qt's CMake (UNICODE) and by cmake/ProjectOptions.cmake (WIN32 branch).
WINDOWS_DEFINES = ["-DUNICODE", "-D_UNICODE", "-DNOMINMAX", "-DWIN32_LEAN_AND_MEAN"]
# -DPUNCHDROP_CLUSTER: off on Windows (no hiredis), so its code is checked without it.
DROP_FLAGS = {"-fPIC", "-fPIE", "-pie", "-c", "-g", "-MD", "-DPUNCHDROP_CLUSTER"}
DROP_PREFIXES = ("-fsanitize", "-D_FORTIFY_SOURCE", "-O", "-fno-omit-frame-pointer",
                 "-fcolor-diagnostics", "-fdiagnostics-color", "-Werror")
HOST_SYSTEM_INCLUDES = {"/usr/include", "/usr/local/include", "/usr/include/x86_64-linux-gnu"}


def openssl_shim(tmp):
    """An include directory with the host's OpenSSL headers and xxhash.h (header-only use), and
    no other host header."""
    target = os.path.join(tmp, "include", "openssl")
    os.makedirs(target)
    for source in ("/usr/include/openssl", "/usr/include/x86_64-linux-gnu/openssl"):
        if os.path.isdir(source):
            for name in os.listdir(source):
                link = os.path.join(target, name)
                if not os.path.exists(link):
                    os.symlink(os.path.join(source, name), link)
    if os.path.exists("/usr/include/xxhash.h"):
        os.symlink("/usr/include/xxhash.h", os.path.join(tmp, "include", "xxhash.h"))
    return os.path.join(tmp, "include")


def translate(arguments):
    """Host compile arguments (without compiler, -o, source) to mingw ones."""
    out = []
    skip_next = False
    i = 0
    while i < len(arguments):
        a = arguments[i]
        i += 1
        if skip_next:
            skip_next = False
            continue
        if a in ("-o", "-MF", "-MT", "-MQ"):
            skip_next = True
            continue
        if a in DROP_FLAGS or a.startswith(DROP_PREFIXES):
            continue
        if a in ("-isystem", "-I") and i < len(arguments):
            path = arguments[i]
            i += 1
            if path in HOST_SYSTEM_INCLUDES:
                continue
            path = path.replace("/mkspecs/linux-g++", "/mkspecs/win32-g++")
            out += [a, path]
            continue
        if a.startswith("-I") and a[2:] in HOST_SYSTEM_INCLUDES:
            continue
        out.append(WINDOWS_DEFINE_VALUES.get(a, a))
    return out


MOC = "/usr/lib/qt6/libexec/moc"
MOC_INCLUDE = re.compile(r'^#include "([A-Za-z0-9_]+\.moc)"', re.MULTILINE)


def windows_moc(source, flags, out_dir):
    """The file's own `#include "x.moc"`, generated again as on Windows.

    The Linux build ran moc without _WIN32, so a slot declared only `#ifndef Q_OS_WIN` is in its
    output; CMake's AUTOMOC on Windows passes the compiler's predefined macros to moc. Returns
    an include directory with the regenerated file, or None when the file includes no .moc."""
    with open(source, encoding="utf-8") as f:
        match = MOC_INCLUDE.search(f.read())
    if not match:
        return None
    os.makedirs(out_dir, exist_ok=True)
    moc_flags = [a for a in flags if a.startswith(("-D", "-I"))]
    for i, a in enumerate(flags):
        if a == "-isystem" and i + 1 < len(flags):
            moc_flags.append("-I" + flags[i + 1])
    subprocess.run([MOC, "-D_WIN32", "-DWIN32", "-DQ_OS_WIN", "-DQ_OS_WIN32", "-DQ_OS_WIN64"]
                   + moc_flags + [source, "-o", os.path.join(out_dir, match.group(1))],
                   check=True, capture_output=True)
    return out_dir


DEFAULT_CACHE = "/var/cache/punchdrop-mingw/syntax"


def cache_dir(requested):
    """The directory for passed-check stamps, or None when caching is off or impossible."""
    if requested == "off":
        return None
    path = requested or DEFAULT_CACHE
    try:
        os.makedirs(path, exist_ok=True)
    except OSError:
        return None
    return path if os.access(path, os.W_OK) else None


def check_key(command, cwd, placeholders, version, werror):
    """Hash of what decides the check's outcome: compiler identity, the flags and the
    preprocessed text, with machine-specific directories replaced by placeholders (so another
    clone of the same tree hits). None when preprocessing fails (the real check reports it)."""
    pre = subprocess.run([a for a in command if a != "-fsyntax-only"] + ["-E", "-P"], cwd=cwd,
                         capture_output=True)
    if pre.returncode != 0:
        return None
    text, flags = pre.stdout, " ".join(command[1:-1])
    for path, name in placeholders:
        text = text.replace(path.encode(), name.encode())
        flags = flags.replace(path, name)
    digest = hashlib.sha256()
    for part in (version, flags.encode(), b"werror" if werror else b"", text):
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()


def command_arguments(entry):
    if "arguments" in entry:
        return list(entry["arguments"])
    return shlex.split(entry["command"])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--source-dir", required=True)
    parser.add_argument("--build-dir", required=True, help="a configured and built Linux tree")
    parser.add_argument("--compiler", default="x86_64-w64-mingw32-g++-posix")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--werror", action="store_true")
    parser.add_argument("--cache-dir", default=os.environ.get("PUNCHDROP_WINDOWS_SYNTAX_CACHE"),
                        help="stamps of passed checks ('off': none)")
    parser.add_argument("files", nargs="*", help="only these (relative to the source dir)")
    options = parser.parse_args()
    source_dir = os.path.realpath(options.source_dir)
    with open(os.path.join(options.build_dir, "compile_commands.json")) as f:
        database = json.load(f)

    by_file = {}
    for entry in database:
        path = os.path.realpath(os.path.join(entry["directory"], entry["file"]))
        by_file.setdefault(path, entry)

    wanted = []
    for top in ("src", "tests", "bench"):
        for root, _, names in os.walk(os.path.join(source_dir, top)):
            for name in sorted(names):
                if name.endswith(".cpp"):
                    wanted.append(os.path.join(root, name))
    if options.files:
        wanted = [os.path.realpath(os.path.join(source_dir, f)) for f in options.files]

    checks, skipped, missing = [], [], []
    for path in sorted(wanted):
        relative = os.path.relpath(path, source_dir)
        reason = next((r for prefix, r in LINUX_ONLY.items() if relative.startswith(prefix)), None)
        if reason:
            skipped.append((relative, reason))
        elif path in by_file:
            checks.append((relative, by_file[path]))
        else:
            missing.append(relative)

    stamps = cache_dir(options.cache_dir)
    build_dir = os.path.realpath(options.build_dir)
    hits = []
    with tempfile.TemporaryDirectory(prefix="punchdrop-wincheck-") as tmp:
        shim = openssl_shim(tmp)
        # Longest first: the build and temporary directories may lie inside the source dir.
        version = subprocess.run([options.compiler, "--version"], capture_output=True).stdout
        placeholders = sorted([(build_dir, "@BUILD@"), (source_dir, "@SOURCE@"), (tmp, "@TMP@")],
                              key=lambda p: -len(p[0]))

        def check(item):
            relative, entry = item
            arguments = command_arguments(entry)
            host_source = arguments[-1]
            flags = translate(arguments[1:-1])
            moc_dir = windows_moc(os.path.join(entry["directory"], host_source), flags,
                                  os.path.join(tmp, "moc", relative.replace("/", "_")))
            if moc_dir:
                flags = ["-I", moc_dir] + flags
            command = ([options.compiler, "-fsyntax-only"] + WINDOWS_DEFINES + flags
                       + ["-isystem", shim] + (["-Werror"] if options.werror else [])
                       + [host_source])
            started = time.monotonic()
            key = stamps and check_key(command, entry["directory"], placeholders, version,
                                          options.werror)
            stamp = key and os.path.join(stamps, key)
            if stamp and os.path.exists(stamp):
                hits.append(relative)
                return relative, 0, "", time.monotonic() - started
            result = subprocess.run(command, cwd=entry["directory"], capture_output=True,
                                    text=True)
            passed = result.returncode == 0 and not (options.werror and result.stderr.strip())
            if stamp and passed:
                with open(stamp, "w", encoding="utf-8") as f:
                    f.write(relative + "\n")
            return relative, result.returncode, result.stderr, time.monotonic() - started

        failures = []
        started = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(max_workers=options.jobs) as pool:
            for relative, code, errors, _ in pool.map(check, checks):
                if code != 0 or (options.werror and errors.strip()):
                    failures.append(relative)
                    print(f"FAIL {relative}\n{errors}", flush=True)
    for relative in missing:
        print(f"FAIL {relative}: in no Linux target, so nothing says how to compile it "
              f"(add it to a target, or to LINUX_ONLY in {os.path.relpath(__file__, source_dir)} "
              f"with the reason)")
    print(f"windows syntax check: {len(checks) - len(failures)}/{len(checks)} files compile for "
          f"Windows (mingw {options.compiler}), {len(skipped)} Linux-only files not checked "
          f"({', '.join(sorted(set(r for _, r in skipped)))}), "
          f"{len(hits)} unchanged since a clean check (cache {stamps or 'off'}), "
          f"{time.monotonic() - started:.0f} s")
    return 1 if failures or missing else 0


if __name__ == "__main__":
    sys.exit(main())
