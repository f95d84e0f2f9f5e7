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

InputError::InputError(const std::string& message, const InputError& first)
    : std::runtime_error(message),
      file_(first.file_),
      field_(first.field_),
      expected_(first.expected_),
      found_(first.found_) {}

InputError InputError::all_of(const std::vector<InputError>& problems) {
    if (problems.empty()) throw std::logic_error("InputError::all_of needs at least one problem");
    if (problems.size() == 1) return problems.front();
    std::string msg = std::to_string(problems.size()) + " problems, one per line:";
    for (const InputError& e : problems) msg += std::string("\n  ") + e.what();
    return InputError(msg, problems.front());
}

}  // namespace sx
