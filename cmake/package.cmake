# `cpack -G DEB` in the build tree: parlab_<version>_<arch>.deb with what install.cmake
# installs under /usr. The shared libraries' packages (Open MPI, parallel HDF5, hwloc,
# OpenMP, OpenBLAS, libstdc++) come from dpkg-shlibdeps on the binary; the programs and
# Python modules the scripts run are listed here.
set(CPACK_PACKAGE_NAME parlab)
set(CPACK_PACKAGE_VENDOR "parlab")
set(CPACK_PACKAGE_CONTACT "parlab maintainers <parlab@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "measures how work should be parallelised (MPI, OpenMP, parallel HDF5)")
set(CPACK_PACKAGE_DESCRIPTION
    "parlab runs TOML experiments (kernels x execution models x shapes) under mpirun and \
writes every raw per-rank timing to a self-describing HDF5 report; parlab-analyze \
recomputes every figure from the raw samples and exports them for Hatchet, Extra-P and \
roofline tools; parlab-sweep and parlab.sbatch run experiments on SLURM.")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_GENERATOR DEB)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# mpirun for `parlab run`; Debian's python3 modules for parlab-analyze (h5py: serial is
# enough, it only reads finished reports).
set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "openmpi-bin, python3 (>= 3.9), python3-h5py, python3-numpy, python3-pandas, python3-matplotlib")
# h5dump for reading reports by hand; SLURM for parlab.sbatch and parlab-sweep.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "hdf5-tools")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "slurm-client")
# Checked when cpack runs: a package of a -march=native build runs only on CPUs like this one.
set(CPACK_PROJECT_CONFIG_FILE ${CMAKE_CURRENT_LIST_DIR}/package_check.cmake)
set(CPACK_PARLAB_NATIVE ${PARLAB_NATIVE})
include(CPack)
