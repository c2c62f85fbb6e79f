#include "harness/io_stage.h"

#include <algorithm>

#include "core/collective.h"

namespace parlab {

IoStage::IoStage(const RunSpec& spec, MPI_Comm comm, const Kernel& kernel) : kernel_(kernel) {
  if (!spec.io_stage) return;
  const std::span<const std::byte> data = kernel.CheckpointData();
  AgreeOrThrow(comm, data.empty() ? "io_stage: kernel '" + spec.kernel +
                                        "' has no state to checkpoint (use dgemm, triad or stencil)"
                                  : "");
  IoOptions options;
  options.mode = spec.io_stage->mode;
  options.layout = spec.io_stage->layout;
  options.dir = spec.io_stage->dir;
  options.sync = sync_ = spec.io_stage->sync;
  int level = MPI_THREAD_SINGLE;
  MPI_Query_thread(&level);
  options.progress = ResolveProgress(IoProgress::kAuto, {level, spec.model_info().event_loop()});
  snapshot_.resize(data.size());
  file_ = std::make_unique<CheckpointFile>(comm, options, data.size());
}

void IoStage::AfterRepetition(PhaseTimer& timer) {
  if (!file_) return;
  const std::span<const std::byte> data = kernel_.CheckpointData();
  if (!file_->nonblocking()) {
    {
      auto scope = timer.Measure(Phase::kIo);
      file_->Write(data.data());
    }
    auto scope = timer.Measure(Phase::kSync);
    if (sync_) file_->Sync();
    return;
  }
  Complete(timer);
  auto scope = timer.Measure(Phase::kPost);
  std::copy(data.begin(), data.end(), snapshot_.begin());
  file_->Post(snapshot_.data());
  pending_ = true;
}

void IoStage::Complete(PhaseTimer& timer) {
  if (!pending_) return;
  const double start = NowSeconds();
  const double sync_s = file_->Wait();  // the sync too, if asked (on the helper, if any)
  timer.Add(Phase::kSync, sync_s);
  timer.Add(Phase::kWait, NowSeconds() - start - sync_s);
  pending_ = false;
}

std::string IoStage::ProgressUsed() const {
  if (!file_) return "";
  return parlab::ProgressUsed(file_->options());
}

std::string IoStage::Verify() {
  if (!file_) return "";
  PhaseTimer untimed;
  Complete(untimed);
  std::vector<std::byte> back(snapshot_.size());
  file_->ReadBack(back.data());
  const std::span<const std::byte> data = kernel_.CheckpointData();
  const bool same = file_->nonblocking()
                        ? back == snapshot_
                        : std::equal(back.begin(), back.end(), data.begin(), data.end());
  return same ? "" : "io_stage: the checkpoint read back from " + file_->path() +
                         " differs from what was written";
}

}  // namespace parlab
