"""The Spack recipe (spack/packages/parlab/package.py) stays in step with the CMake
options (CMakeLists.txt). Spack is not available here, so the recipe is parsed with ast,
never imported: every option() is passed in cmake_args, every PARLAB_ name the recipe
passes is a CMake option or cache variable, every define_from_variant names a declared
variant, every variant is used, and the recipe has the parts of a built-in package."""
import ast
import os
import re

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
RECIPE = os.path.join(ROOT, "spack", "packages", "parlab", "package.py")


def cmake_options(text):
    options = set(re.findall(r"^\s*option\(\s*(PARLAB_\w+)", text, re.M))
    cached = set(re.findall(r"^\s*set\(\s*(PARLAB_\w+)\s[^)]*\bCACHE\b", text, re.M | re.S))
    return options, cached


def calls(tree, name):
    """Every call of `name(...)` or `self.name(...)`."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if called == name:
                yield node


def constant(node):
    assert isinstance(node, ast.Constant), ast.dump(node)
    return node.value


def recipe():
    with open(RECIPE) as f:
        return ast.parse(f.read(), RECIPE)


def parlab_class(tree):
    classes = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Parlab"]
    assert len(classes) == 1, "no class Parlab in the recipe"
    return classes[0]


def variants(tree):
    return {constant(c.args[0]): c for c in calls(tree, "variant")}


def test_every_cmake_option_is_passed_and_every_name_exists():
    with open(os.path.join(ROOT, "CMakeLists.txt")) as f:
        options, cached = cmake_options(f.read())
    assert {"PARLAB_NATIVE", "PARLAB_WERROR", "PARLAB_TESTS"} <= options, options
    tree = recipe()
    passed = {constant(c.args[0]) for c in calls(tree, "define_from_variant")}
    passed |= {constant(c.args[0]) for c in calls(tree, "define")}
    assert options <= passed, f"CMake options the recipe does not pass: {options - passed}"
    unknown = {p for p in passed if p.startswith("PARLAB_")} - options - cached
    assert not unknown, f"the recipe passes names CMakeLists.txt does not define: {unknown}"


def test_define_from_variant_names_declared_variants_and_every_variant_is_used():
    tree = recipe()
    declared = variants(tree)
    used = {constant(c.args[1]) for c in calls(tree, "define_from_variant")}
    assert used <= declared.keys(), f"undeclared variants: {used - declared.keys()}"
    source = ast.unparse(parlab_class(tree))
    unused = [v for v in declared if v not in used and f"variants['{v}']" not in source]
    assert not unused, f"variants passed to no CMake option: {unused}"
    for name, call in declared.items():
        keywords = {k.arg: k.value for k in call.keywords}
        assert "description" in keywords, f"variant {name}: a description"
        combination = ast.unparse(keywords.get("values", ast.Constant(""))).startswith(
            "any_combination_of(")
        assert "default" in keywords or combination, f"variant {name}: a default"


def test_it_has_the_parts_of_a_builtin_cmake_package():
    tree = recipe()
    cls = parlab_class(tree)
    assert [ast.unparse(b) for b in cls.bases] == ["CMakePackage"]
    assert ast.get_docstring(cls), "a package docstring (spack info shows it)"
    dependencies = {constant(c.args[0]).split("@")[0] for c in calls(tree, "depends_on")}
    assert {"mpi", "hdf5+mpi", "hwloc", "python", "py-h5py", "py-pandas", "cmake"} <= dependencies
    methods = {f.name: f for f in cls.body if isinstance(f, ast.FunctionDef)}
    assert "cmake_args" in methods
    tests = [m for name, m in methods.items() if name.startswith("test_")]
    assert tests, "a stand-alone test_ method (spack test run parlab)"
    for method in tests:
        assert ast.get_docstring(method), f"{method.name}: Spack prints the docstring"
    imports = [n for n in tree.body if isinstance(n, ast.ImportFrom) and n.module == "spack.package"]
    assert imports and imports[0].names[0].name == "*", "from spack.package import *"


def test_the_checker_catches_an_option_the_recipe_lacks(tmp_path):
    """The check can fail: a new option() that the recipe does not pass is found."""
    with open(os.path.join(ROOT, "CMakeLists.txt")) as f:
        text = f.read() + '\noption(PARLAB_NEW_PART "a part the recipe does not know" ON)\n'
    options, _ = cmake_options(text)
    passed = {constant(c.args[0]) for name in ("define", "define_from_variant")
              for c in calls(recipe(), name)}
    assert options - passed == {"PARLAB_NEW_PART"}
