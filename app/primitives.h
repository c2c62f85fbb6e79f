// `parlab primitives`: the classic threads / processes / async comparison table, measured:
// creation overhead, memory per worker, context-switch cost and communication cost.
#pragma once

#include <mpi.h>

#include <nlohmann/json.hpp>

namespace parlab {

// Collective over world (MPI figures need 2 ranks; with 1 they are reported missing).
nlohmann::json MeasurePrimitives(MPI_Comm world);

// The table in the classic shape, numbers instead of adjectives.
std::string FormatPrimitives(const nlohmann::json& figures);

// Entry point of a process started by MPI_Comm_spawn from MeasurePrimitives.
int RunSpawnedChild();

}  // namespace parlab
