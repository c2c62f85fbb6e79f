#include "core/errors.h"

#include <fmt/format.h>

namespace parlab {

std::string EscapeControlCharacters(const std::string& text) {
  std::string line;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '\n') line += "\\n";
    else if (byte < 0x20 || byte == 0x7f) line += fmt::format("\\x{:02x}", byte);
    else line += c;
  }
  return line;
}

ConfigError::ConfigError(const std::string& message)
    : std::runtime_error(EscapeControlCharacters(message)) {}

}  // namespace parlab
