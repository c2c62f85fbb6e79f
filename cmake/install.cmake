# `cmake --install BUILD --prefix P` (docs/install.md). The layout is relocatable: every
# script finds its siblings relative to its own real path, so P may be moved or be a
# package's /usr.
#   P/bin/parlab, parlab-analyze, parlab-sweep
#   P/share/parlab/python/parlab_analysis/   (what P/bin/parlab-analyze imports)
#   P/share/parlab/slurm/parlab.sbatch, P/share/parlab/config/*.toml
#   P/libexec/parlab/stop_ranks_launcher.py  (parlab.sbatch's mpirun fallback)
#   P/share/doc/parlab/README.md, docs/     (the README's links hold)
include(GNUInstallDirs)
# `make install` and cpack install what is built and build nothing: "all" holds the test
# suite (minutes on two cores), which neither the prefix nor the .deb contains. Build
# `--target parlab` (or everything) first.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY TRUE)
set(PARLAB_INSTALL_DATADIR ${CMAKE_INSTALL_DATADIR}/parlab)
set(PARLAB_INSTALL_LIBEXECDIR ${CMAKE_INSTALL_LIBEXECDIR}/parlab)

install(TARGETS parlab RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(PROGRAMS python/parlab-analyze slurm/parlab-sweep DESTINATION ${CMAKE_INSTALL_BINDIR})
# The whole package (data files a module may read too), without compiled files.
install(DIRECTORY python/parlab_analysis DESTINATION ${PARLAB_INSTALL_DATADIR}/python
        PATTERN "__pycache__" EXCLUDE PATTERN "*.pyc" EXCLUDE)
install(PROGRAMS slurm/parlab.sbatch DESTINATION ${PARLAB_INSTALL_DATADIR}/slurm)
install(DIRECTORY config/ DESTINATION ${PARLAB_INSTALL_DATADIR}/config
        FILES_MATCHING PATTERN "*.toml")
install(PROGRAMS tools/stop_ranks_launcher.py DESTINATION ${PARLAB_INSTALL_LIBEXECDIR})
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
# docs/ kept as a folder beside README.md, so the README's links (docs/...) hold.
install(DIRECTORY docs DESTINATION ${CMAKE_INSTALL_DOCDIR})

# The build tree has the same relative layout for the launcher, so parlab.sbatch finds it
# beside build/bin/parlab as it does beside P/bin/parlab.
configure_file(tools/stop_ranks_launcher.py
               ${CMAKE_BINARY_DIR}/${PARLAB_INSTALL_LIBEXECDIR}/stop_ranks_launcher.py COPYONLY)
