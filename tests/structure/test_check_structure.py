"""The structure checker must catch each kind of violation it promises to (else its PASS on
the real tree would mean nothing)."""
import os
import subprocess
import sys

import pytest

CHECKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "check_structure.py")


def run(tree, files):
    for path, text in files.items():
        full = os.path.join(tree, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as handle:
            handle.write(text)
    result = subprocess.run([sys.executable, CHECKER, str(tree)], capture_output=True, text=True)
    return result.returncode, result.stdout


def test_a_clean_tree_passes(tmp_path):
    code, out = run(tmp_path, {"core/a.h": "#pragma once\n", "harness/b.cc": '#include "core/a.h"\n'})
    assert code == 0 and out.strip().endswith("PASS"), out


@pytest.mark.parametrize("files, finding", [
    ({"core/a.cc": '#include "harness/engine.h"\n'}, "from layer 'harness'"),
    ({"kernels/k.cc": '#include "models/model.h"\n'}, "from layer 'models'"),
    ({"harness/e.cc": 'void F(const S& s) { if (s.model == "serial") G(); }\n'},
     "compares a name as a string"),
    ({"report/r.cc": 'void F() {\n  hid_t g = H5Gcreate2(f, "x", 0, 0, 0);\n}\n'},
     "not owned by h5::Handle"),
    ({"io/f.cc": "void F() { MPI_File_open(c, p, 0, i, &f); }\n"}, "outside OpenMpiFile"),
    ({"kernels/s.cc": "void F() {\n  MPI_Comm_split(w, 0, 0,\n                 &raw);\n}\n"},
     "not created into its handle"),
    ({"app/big.cc": "int x;\n" * 401}, "401 lines"),
    ({"app/long.cc": "int F() {\n" + "  ++x;\n" * 61 + "}\n"}, "a function of 61 lines"),
])
def test_each_violation_is_found(tmp_path, files, finding):
    code, out = run(tmp_path, files)
    assert code == 1 and finding in out and out.strip().endswith("FAIL"), out
