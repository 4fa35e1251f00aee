# SPDX-License-Identifier: GPL-2.0
"""Bundle Debian's python3 for the test VM (tests/vm/examples_run.sh).

    /usr/bin/python3 -S tests/vm/pybundle.py OUT SCRIPT...

The guest is a busybox initramfs with no Python, so this copies the
interpreter, the stdlib modules the given scripts import (and only those:
a few MB, not the whole stdlib) and every shared library they load into
OUT, laid out as a Python home:

    OUT/bin/python3  OUT/lib/*.so*  OUT/lib/python3.X/...

The guest runs PYTHONHOME=OUT LD_LIBRARY_PATH=OUT/lib OUT/bin/python3 -S,
with OUT/lib/ld-linux-x86-64.so.2 linked at /lib64.  Run it with the
interpreter to bundle: the modules a probe of that interpreter has loaded
(with -S, as in the guest) after running the scripts' top level and an
empty asyncio loop (asyncio imports some modules only when a loop starts)
are the modules to copy.
Sources go with unchecked-hash .pyc files, so the guest neither recompiles
them (the copies' mtimes change) nor shows tracebacks without source.
"""

import compileall
import os
import py_compile
import re
import shutil
import subprocess
import sys
import sysconfig


def shared_libs(path):
    """The libraries ldd resolves for an ELF file (with the loader)."""
    out = subprocess.run(["ldd", path], check=True, capture_output=True,
                         text=True).stdout
    return re.findall(r"(/\S+\.so[.\d]*)", out)


# Run by the interpreter being bundled, in a process of its own, so that
# only the scripts' imports count (not this bundler's): each script's body
# runs as a module not named __main__, then an empty asyncio loop.
PROBE = r"""
import os, sys
for path in sys.argv[1:]:
    sys.path.insert(0, os.path.dirname(path))  # its neighbours, as in the guest
    with open(path) as f:
        exec(compile(f.read(), path, "exec"), {"__name__": "probe", "__file__": path})
if "asyncio" in sys.modules:
    sys.modules["asyncio"].run(sys.modules["asyncio"].sleep(0))
for mod in list(sys.modules.values()):
    origin = getattr(getattr(mod, "__spec__", None), "origin", None)
    if origin:
        print(origin)
"""


def main():
    out, scripts = sys.argv[1], sys.argv[2:]
    stdlib = sysconfig.get_paths()["stdlib"]
    probe = subprocess.run([sys.executable, "-S", "-c", PROBE] + scripts,
                           check=True, stdout=subprocess.PIPE, text=True).stdout
    files = {os.path.join(stdlib, "os.py")}   # the home's landmark
    for origin in probe.splitlines():
        if os.path.isfile(origin) and origin.startswith(stdlib + "/"):
            files.add(origin)
    pylib = os.path.join(out, "lib", os.path.basename(stdlib))
    libs = set(shared_libs(sys.executable))
    for src in sorted(files):
        dst = os.path.join(pylib, os.path.relpath(src, stdlib))
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copyfile(src, dst)
        if src.endswith(".so"):
            libs.update(shared_libs(src))
    os.makedirs(os.path.join(out, "bin"), exist_ok=True)
    shutil.copyfile(sys.executable, os.path.join(out, "bin", "python3"))
    os.chmod(os.path.join(out, "bin", "python3"), 0o755)
    for lib in sorted(libs):
        shutil.copyfile(lib, os.path.join(out, "lib", os.path.basename(lib)))
        os.chmod(os.path.join(out, "lib", os.path.basename(lib)), 0o755)
    if not compileall.compile_dir(
            pylib, quiet=1,
            invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH):
        sys.exit("pybundle: compiling the stdlib subset failed")
    print("pybundle: %d stdlib files, %d shared libraries" % (len(files), len(libs)))


if __name__ == "__main__":
    main()
