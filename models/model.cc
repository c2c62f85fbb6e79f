#include "models/model.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <utility>

namespace parlab {
namespace {

struct Entry {
  int position;
  std::unique_ptr<ExecutionModel> model;
};

std::vector<Entry>& Entries() {
  static std::vector<Entry> entries;
  return entries;
}

std::vector<const ExecutionModel*>& Table() {
  static std::vector<const ExecutionModel*> table;
  return table;
}

}  // namespace

ModelRegistration::ModelRegistration(std::unique_ptr<ExecutionModel> model, int position) {
  if (FindModel(model->name()) != nullptr) {  // two plug-ins with one name: a build error
    std::fprintf(stderr, "parlab: two models register the name '%s'\n", model->name().c_str());
    std::abort();
  }
  std::vector<Entry>& entries = Entries();
  const auto at = std::upper_bound(entries.begin(), entries.end(), position,
                                   [](int p, const Entry& e) { return p < e.position; });
  entries.insert(at, Entry{position, std::move(model)});
  Table().clear();
  for (const Entry& entry : entries) Table().push_back(entry.model.get());
}

const std::vector<const ExecutionModel*>& ModelTable() { return Table(); }

const ExecutionModel* FindModel(const std::string& name) {
  for (const ExecutionModel* model : ModelTable())
    if (model->name() == name) return model;
  return nullptr;
}

}  // namespace parlab
