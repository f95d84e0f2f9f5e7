#include "sw/common/error.h"

namespace sx {

static std::string format_input_error(const std::string& file, const std::string& field,
                                      const std::string& expected, const std::string& found) {
    std::string msg = file.empty() ? std::string("<input>") : file;
    if (!field.empty()) msg += ": " + field;
    msg += ": expected " + expected;
    if (!found.empty()) msg += ", found " + found;
    return msg;
}

InputError::InputError(std::string file, std::string field, std::string expected, std::string found)
    : std::runtime_error(format_input_error(file, field, expected, found)),
      file_(std::move(file)),
      field_(std::move(field)),
      expected_(std::move(expected)),
      found_(std::move(found)) {}

}  // namespace sx
