// How a run ended.
#pragma once

#include "core/enum_names.h"

namespace parlab {

// kOk: verified; kFailed: verification failed; kError: the kernel (or its I/O) threw;
// kTimeout: stopped or abandoned by the watchdog (see watchdog.h).
enum class RunStatus { kOk, kFailed, kError, kTimeout };
inline constexpr EnumNames<RunStatus, 4> kRunStatusNames{{{{RunStatus::kOk, "ok"},
                                                           {RunStatus::kFailed, "failed"},
                                                           {RunStatus::kError, "error"},
                                                           {RunStatus::kTimeout, "timeout"}}}};

}  // namespace parlab
