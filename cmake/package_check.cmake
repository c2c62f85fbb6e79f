# Read by cpack (CPACK_PROJECT_CONFIG_FILE).
if(CPACK_PARLAB_NATIVE)
  message(WARNING "parlab: this build is tuned for the build machine's CPU (PARLAB_NATIVE=ON, "
          "-march=native); the package may not run on other CPUs. For a package to "
          "distribute, configure with -DPARLAB_NATIVE=OFF.")
endif()
