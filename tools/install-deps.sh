#!/bin/bash
# Installs everything parlab needs to build, run, test and plot, from Debian's packages.
set -euo pipefail
packages=(
  build-essential cmake ninja-build git pkg-config
  libopenmpi-dev openmpi-bin libhdf5-openmpi-dev hdf5-tools
  libtomlplusplus-dev libcli11-dev nlohmann-json3-dev libfmt-dev libopenblas-dev
  libgtest-dev libgmock-dev
  libhwloc-dev hwloc  # topology, placement and binding (machine/)
  libpython3-dev  # the python kernel embeds CPython
  python3-venv python3-pip  # the analysis package installed into a venv (python.install)
  clang libclang-rt-14-dev libomp-14-dev
  python3 python3-h5py python3-numpy python3-pandas python3-matplotlib
  python3-pytest
  chromium  # the HTML page is tested in it, headless (tests/python/test_html_browser.py)
  slurm-wlm munge
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
