#include "harness/interrupt.h"

#include <csignal>

namespace parlab {
namespace {

volatile std::sig_atomic_t g_stop_signal = 0;

extern "C" void RecordStop(int signal) { g_stop_signal = signal; }

}  // namespace

void InstallStopHandlers() {
  struct sigaction action {};
  action.sa_handler = RecordStop;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
}

int LocalStopSignal() { return g_stop_signal; }

int AgreedStopSignal(MPI_Comm comm) {
  int mine = g_stop_signal;
  int agreed = 0;
  MPI_Allreduce(&mine, &agreed, 1, MPI_INT, MPI_MAX, comm);
  return agreed;
}

const char* SignalName(int signal) {
  switch (signal) {
    case SIGTERM: return "SIGTERM";
    case SIGINT: return "SIGINT";
    default: return "a signal";
  }
}

}  // namespace parlab
