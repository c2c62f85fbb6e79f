#include "core/mpi_transport.h"

#include <mpi.h>

#include <array>
#include <map>
#include <string_view>

namespace parlab {
namespace {

// Open MPI's names; another library simply exposes none of them.
constexpr std::array<std::string_view, 10> kTransportSettings = {
    "pml", "btl", "btl_vader_single_copy_mechanism", "btl_vader_eager_limit",
    "btl_vader_rndv_eager_limit", "btl_vader_max_send_size", "btl_tcp_eager_limit",
    "btl_tcp_rndv_eager_limit", "mpi_leave_pinned", "opal_cuda_support"};

std::string EnumItem(MPI_T_enum enumtype, int value) {
  int items = 0;
  char name[256] = {};
  int length = sizeof name;
  if (MPI_T_enum_get_info(enumtype, &items, name, &length) != MPI_SUCCESS) return std::to_string(value);
  for (int i = 0; i < items; ++i) {
    int item_value = 0;
    char item[256] = {};
    int item_length = sizeof item;
    if (MPI_T_enum_get_item(enumtype, i, &item_value, item, &item_length) == MPI_SUCCESS &&
        item_value == value)
      return item;
  }
  return std::to_string(value);
}

// The value of control variable `index` as text ("" when it cannot be read).
std::string ReadCvar(int index, MPI_Datatype type, MPI_T_enum enumtype) {
  MPI_T_cvar_handle handle = MPI_T_CVAR_HANDLE_NULL;
  int count = 0;
  if (MPI_T_cvar_handle_alloc(index, nullptr, &handle, &count) != MPI_SUCCESS) return "";
  std::string text;
  if (type == MPI_CHAR) {
    std::string buffer(static_cast<std::size_t>(count) + 1, '\0');
    if (MPI_T_cvar_read(handle, buffer.data()) == MPI_SUCCESS) text = buffer.c_str();
  } else if (count == 1) {
    alignas(8) unsigned char value[16] = {};
    if (MPI_T_cvar_read(handle, value) == MPI_SUCCESS) {
      if (type == MPI_INT) {
        const int v = *reinterpret_cast<int*>(value);
        text = enumtype != MPI_T_ENUM_NULL ? EnumItem(enumtype, v) : std::to_string(v);
      } else if (type == MPI_UNSIGNED) {
        text = std::to_string(*reinterpret_cast<unsigned*>(value));
      } else if (type == MPI_UNSIGNED_LONG) {
        text = std::to_string(*reinterpret_cast<unsigned long*>(value));
      } else if (type == MPI_UNSIGNED_LONG_LONG) {
        text = std::to_string(*reinterpret_cast<unsigned long long*>(value));
      } else if (type == MPI_LONG_LONG) {
        text = std::to_string(*reinterpret_cast<long long*>(value));
      } else if (type == MPI_DOUBLE) {
        text = std::to_string(*reinterpret_cast<double*>(value));
      }
    }
  }
  MPI_T_cvar_handle_free(&handle);
  return text;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> TransportSettings() {
  int provided = 0;
  if (MPI_T_init_thread(MPI_THREAD_SINGLE, &provided) != MPI_SUCCESS) return {};
  std::map<std::string_view, std::string> found;
  int count = 0;
  MPI_T_cvar_get_num(&count);
  for (int index = 0; index < count; ++index) {
    char name[256] = {};
    int name_length = sizeof name;
    int verbosity = 0, bind = 0, scope = 0, no_description = 0;
    MPI_Datatype type = MPI_DATATYPE_NULL;
    MPI_T_enum enumtype = MPI_T_ENUM_NULL;
    if (MPI_T_cvar_get_info(index, name, &name_length, &verbosity, &type, &enumtype, nullptr,
                            &no_description, &bind, &scope) != MPI_SUCCESS)
      continue;
    for (std::string_view wanted : kTransportSettings)
      if (wanted == name && bind == MPI_T_BIND_NO_OBJECT) found[wanted] = ReadCvar(index, type, enumtype);
  }
  MPI_T_finalize();
  std::vector<std::pair<std::string, std::string>> settings;
  for (std::string_view wanted : kTransportSettings) {
    const auto it = found.find(wanted);
    if (it != found.end() && !it->second.empty())
      settings.emplace_back("mpi_transport_" + std::string(wanted), it->second);
  }
  return settings;
}

}  // namespace parlab
