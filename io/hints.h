// MPI_Info hints for checkpoint files, given in a config as "key=value;key=value".
#pragma once

#include <string>

#include "io/backend.h"

namespace parlab {

// "key=value;key=value" -> pairs; throws std::invalid_argument on a malformed item.
IoHints ParseHints(const std::string& text);

}  // namespace parlab
