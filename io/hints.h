// MPI_Info hints for checkpoint files, given in a config as "key=value;key=value".
#pragma once

#include <string>

#include "io/backend.h"

namespace parlab {

// "key=value;key=value" -> pairs; throws std::invalid_argument on a malformed item, on a
// key given twice, and on a value out of range for a hint with a known meaning (the MPI
// standard's reserved hints and ROMIO's: a cb_nodes of 0 divides by zero inside Open MPI).
// Other keys are passed on as given; libraries ignore hints they do not know.
IoHints ParseHints(const std::string& text);

}  // namespace parlab
