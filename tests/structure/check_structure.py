#!/usr/bin/python3
"""check_structure.py SOURCE_DIR: the rules the tree's structure promises (docs/architecture.md),
checked on every source file. Prints one line per violation and FAIL, or PASS.

- layers: a file includes only headers of its own folder or of a lower layer;
- names: no run status, I/O mode, model or kernel name is compared as a string outside the
  table that defines it (code compares enums);
- handles: MPI files and HDF5 objects are created only into their RAII wrappers;
- size: no C++ source file over 400 lines, no function over 60 lines."""
import os
import re
import sys

LAYERS = {"core": 0, "machine": 1, "io": 2, "kernels": 3, "models": 3, "harness": 4,
          "report": 5, "app": 6}
NAMES = ("ok failed error timeout serial threads processes hybrid gil async blocking "
         "nonblocking independent hdf5 shared-file file-per-rank none test thread continue "
         "stop dgemm montecarlo triad counter wait empty fault stencil io pingpong mutex "
         "atomic critical reduction racy rows blocks blas blocked").split()
_ALTERNATIVES = "|".join(map(re.escape, NAMES))
COMPARE = re.compile(r'[=!]=\s*"(%s)"|"(%s)"\s*[=!]=' % (_ALTERNATIVES, _ALTERNATIVES))
H5_CREATE = re.compile(r"\bH5(F(create|open)|D(create2?|open2?|get_space)|G(create2?|open2?)|"
                       r"S(create(_simple)?|copy)|P(create)|T(create|copy)|A(create2?))\(")
MPI_CREATE = re.compile(r"\bMPI_(Comm_(split|dup|create)|Cart_create|Type_(vector|contiguous|"
                        r"create_\w+)|Info_create)\(")
INCLUDE = re.compile(r'^#include "([a-z_]+)/[^"]+"', re.M)


def sources(root):
    for layer in LAYERS:
        folder = os.path.join(root, layer)
        for dirpath, _, files in os.walk(folder):
            for name in sorted(files):
                if name.endswith((".h", ".cc")):
                    yield layer, os.path.join(dirpath, name)


def strip_strings_and_comments(line):
    line = re.sub(r"//.*", "", line)
    return line


def check_layers(layer, path, text, problems):
    for match in INCLUDE.finditer(text):
        target = match.group(1)
        if target not in LAYERS or target == layer:
            continue
        if LAYERS[target] >= LAYERS[layer]:
            problems.append(f"{path}: includes {match.group(0)[10:-1]} from layer '{target}', "
                            f"which is not below '{layer}'")


def check_names(path, text, problems):
    for number, line in enumerate(text.splitlines(), 1):
        code = strip_strings_and_comments(line)
        if COMPARE.search(code):
            problems.append(f"{path}:{number}: compares a name as a string: {line.strip()}")


def statements(text):
    """(first line number, text) of each statement, comments removed: calls that span lines
    are checked whole."""
    number, first, current = 0, 1, ""
    for line in text.splitlines():
        number += 1
        if not current.strip():
            first = number
        current += " " + strip_strings_and_comments(line)
        if current.rstrip().endswith((";", "{", "}")):
            yield first, current
            current = ""


def check_handles(path, text, problems):
    name = os.path.basename(path)
    for number, code in statements(text):
        line = code
        if H5_CREATE.search(code) and name not in ("h5.cc",) and "Handle" not in code \
                and "Check(" not in code:
            problems.append(f"{path}:{number}: HDF5 object not owned by h5::Handle: {line.strip()}")
        if "MPI_File_open(" in code and name != "mpi_util.cc":
            problems.append(f"{path}:{number}: MPI_File_open outside OpenMpiFile: {line.strip()}")
        if MPI_CREATE.search(code) and ".out()" not in code:
            problems.append(f"{path}:{number}: MPI object not created into its handle (.out()): "
                            f"{line.strip()}")


def check_size(path, text, problems):
    lines = text.count("\n")
    if lines > 400:
        problems.append(f"{path}: {lines} lines (at most 400)")
    for first, length in function_lengths(text):
        if length > 60:
            problems.append(f"{path}:{first}: a function of {length} lines (at most 60)")


def function_lengths(text):
    """(first line, body lines) of every function body: a '{' after a ')' and qualifiers
    that is not inside another function (lambdas count toward their function)."""
    kinds, starts = [], []
    code = re.sub(r"//[^\n]*", "", text)
    code = re.sub(r'"(\\.|[^"\\\n])*"', '""', code)
    code = re.sub(r"'(\\.|[^'\\])'", "''", code)
    line, head = 1, ""
    for char in code:
        if char == "\n":
            line += 1
            head += " "
            continue
        if char == "{":
            in_function = "f" in kinds
            tail = head.rstrip()[-300:]
            function = (not in_function
                        and re.search(r"\)\s*(const|override|final|noexcept|\s)*$", tail) is not None
                        and not re.search(r"\b(if|for|while|switch|catch)\s*\(", tail))
            kinds.append("f" if function else "o")
            starts.append(line)
            head = ""
        elif char == "}":
            if kinds:
                kind, first = kinds.pop(), starts.pop()
                if kind == "f":
                    yield first, line - first - 1
            head = ""
        elif char == ";":
            head = ""
        else:
            head += char


def main(root):
    problems = []
    for layer, path in sources(root):
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        relative = os.path.relpath(path, root)
        check_layers(layer, relative, text, problems)
        check_names(relative, text, problems)
        check_handles(relative, text, problems)
        check_size(relative, text, problems)
    for problem in problems:
        print(problem)
    print("FAIL" if problems else "PASS")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "."))
