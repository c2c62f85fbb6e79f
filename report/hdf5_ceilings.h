// /environment/ceilings: the machine's measured ceilings in the report (schema in
// docs/report.md), so every rate can be read against its roof.
#pragma once

#include <hdf5.h>

#include "machine/probe.h"

namespace parlab {

// Collective over the report's ranks, which all hold the same `got` (ObtainCeilings
// guarantees it); world rank 0 writes the data. Disabled ceilings are a group with
// status "disabled" and the reason, and no datasets.
void WriteCeilingsGroup(hid_t environment, const ObtainedCeilings& got, bool root);

}  // namespace parlab
