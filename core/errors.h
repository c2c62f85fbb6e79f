// The one exception for bad input (config, command line, journal, report): the user must
// change something. main() prints it as one `parlab: error:` line and exits with 2.
#pragma once

#include <stdexcept>
#include <string>

namespace parlab {

// Always one line: control characters echoed from the input (a newline inside a bad
// value, say) are escaped, so the error stays a single `parlab: error:` line.
class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(const std::string& message);
};

// `text` with newlines and other control characters written as escapes.
std::string EscapeControlCharacters(const std::string& text);

}  // namespace parlab
