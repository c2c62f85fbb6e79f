# A Spack recipe for parlab, in the conventions of Spack's built-in packages
# (docs/install.md). Spack is not installed on the machines parlab is developed on: this
# file is checked by tests/install/test_spack_recipe.py (parsed, not imported), which keeps
# its variants in step with the option()s of CMakeLists.txt.
try:  # Spack >= 1.0 keeps the build systems in the package repository
    from spack_repo.builtin.build_systems.cmake import CMakePackage
except ImportError:  # Spack 0.x: spack.package provides them
    pass

from spack.package import *


class Parlab(CMakePackage):
    """parlab measures how work should be parallelised: a TOML experiment (kernels x
    execution models x shapes) runs under MPI, every raw per-rank timing goes into a
    self-describing parallel-HDF5 report, and parlab-analyze recomputes every figure from
    the raw samples and exports them for Hatchet/Thicket, Extra-P and roofline tools."""

    # Replace with the project's repository; `spack dev-build parlab@main` in a source
    # tree needs neither.
    homepage = "https://example.org/parlab"
    git = "https://example.org/parlab.git"

    version("main", branch="main")

    # One variant per CMake option (CMakeLists.txt); PARLAB_TESTS follows `--test`.
    variant("native", default=False,
            description="Tune for the build machine (-march=native); Spack's target= "
            "already sets the architecture flags")
    variant("werror", default=False, description="Treat compiler warnings as errors")
    variant("python", default=True,
            description="The python kernel: real CPython tasks in an embedded interpreter")
    variant("fuzz", default=False,
            description="Instrument for libFuzzer and build the config fuzzer (clang)")
    variant("sanitize", values=any_combination_of("address", "undefined", "thread"),
            description="Sanitizers to build with (PARLAB_SANITIZE)")

    conflicts("+fuzz", when="%gcc", msg="libFuzzer needs clang")
    conflicts("sanitize=thread", when="sanitize=address",
              msg="ThreadSanitizer and AddressSanitizer cannot be combined")

    depends_on("c", type="build")
    depends_on("cxx", type="build")
    depends_on("cmake@3.20:", type="build")
    depends_on("pkgconfig", type="build")

    depends_on("mpi")
    depends_on("hdf5+mpi")  # parallel HDF5: every rank writes its own samples
    depends_on("hwloc")
    depends_on("openblas")  # the dgemm kernel's `impl = "blas"` (BLA_VENDOR OpenBLAS)
    depends_on("tomlplusplus")
    depends_on("cli11")
    depends_on("nlohmann-json")
    depends_on("fmt")
    depends_on("googletest", type="test")

    # parlab-analyze and parlab-sweep (installed Python scripts and package).
    depends_on("python@3.9:", type="run")
    depends_on("python@3.9:", type=("build", "link", "run"), when="+python")  # embedded
    depends_on("py-h5py", type="run")
    depends_on("py-numpy", type="run")
    depends_on("py-pandas", type="run")
    depends_on("py-matplotlib", type="run")

    def cmake_args(self):
        sanitizers = [s for s in self.spec.variants["sanitize"].value if s != "none"]
        return [
            self.define_from_variant("PARLAB_NATIVE", "native"),
            self.define_from_variant("PARLAB_WERROR", "werror"),
            self.define_from_variant("PARLAB_PYTHON", "python"),
            self.define_from_variant("PARLAB_FUZZ", "fuzz"),
            self.define("PARLAB_SANITIZE", ",".join(sanitizers)),
            self.define("PARLAB_TESTS", self.run_tests),
        ]

    @run_after("install")
    def use_spack_python(self):
        """The scripts name Debian's /usr/bin/python3; here they run Spack's python."""
        python = self.spec["python"].command.path
        filter_file("/usr/bin/python3", python, self.prefix.bin.join("parlab-analyze"),
                    self.prefix.bin.join("parlab-sweep"),
                    join_path(self.prefix.share.parlab.slurm, "parlab.sbatch"),
                    join_path(self.prefix.libexec.parlab, "stop_ranks_launcher.py"),
                    string=True)

    def test_list(self):
        """parlab list names the kernels and the execution models"""
        parlab = which(self.prefix.bin.parlab)
        out = parlab("list", output=str.split, error=str.split)
        for name in ("dgemm", "stencil", "io", "serial", "hybrid"):
            assert name in out, f"parlab list does not name {name}"

    def test_run_and_analyze(self):
        """one shape of the installed tiny experiment under MPI, then its summary"""
        mpiexec = which(join_path(self.spec["mpi"].prefix.bin, "mpiexec"))
        config = join_path(self.prefix.share.parlab.config, "tiny.toml")
        mpiexec("-n", "1", self.prefix.bin.parlab, "run", config, "--shape", "1x1",
                "-o", "tiny.h5", "--quiet")
        analyze = which(self.prefix.bin.join("parlab-analyze"))
        out = analyze("summary", "tiny.h5", output=str.split, error=str.split)
        assert "dgemm size=96" in out, "the summary lacks the dgemm run"
