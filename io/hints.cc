#include "io/hints.h"

#include <stdexcept>

namespace parlab {

IoHints ParseHints(const std::string& text) {
  IoHints hints;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(';', start);
    if (end == std::string::npos) end = text.size();
    const std::string item = text.substr(start, end - start);
    const std::size_t equals = item.find('=');
    if (!item.empty()) {
      if (equals == std::string::npos || equals == 0)
        throw std::invalid_argument("hint '" + item + "' is not key=value");
      hints.emplace_back(item.substr(0, equals), item.substr(equals + 1));
    }
    start = end + 1;
  }
  return hints;
}

}  // namespace parlab
