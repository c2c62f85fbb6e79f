// How a run ended.
#pragma once

#include "core/enum_names.h"

namespace parlab {

// kOk: verified; kFailed: verification failed; kError: the kernel (or its I/O) threw;
// kTimeout: stopped or abandoned by the watchdog (see watchdog.h); kSkipped: not run,
// because this MPI library lacks what the run needs (KernelInfo::unavailable): the reason
// is the message, and a skipped run is no failure.
enum class RunStatus { kOk, kFailed, kError, kTimeout, kSkipped };
inline constexpr EnumNames<RunStatus, 5> kRunStatusNames{{{{RunStatus::kOk, "ok"},
                                                           {RunStatus::kFailed, "failed"},
                                                           {RunStatus::kError, "error"},
                                                           {RunStatus::kTimeout, "timeout"},
                                                           {RunStatus::kSkipped, "skipped"}}}};

}  // namespace parlab
