#pragma once
// Errors that cross the library boundary. The command line maps InputError to exit code 2
// and everything else to exit code 1 (see sw/cli/exit_codes.h).
#include <stdexcept>
#include <string>
#include <vector>

namespace sx {

// Bad input: names the file, the field (a JSON pointer, or a byte offset / section name for
// binary files) and what was expected, so the user can fix the input without reading code.
class InputError : public std::runtime_error {
public:
    InputError(std::string file, std::string field, std::string expected, std::string found = "");
    // Several independent problems of one input reported at once (every stale field of an
    // old-format configuration), so that the user fixes them in one round trip. what() says
    // how many, then one line per problem ("  file: field: expected ..."); file(), field(),
    // expected() and found() are the first problem's. One problem is returned as it is.
    // `problems` must not be empty.
    static InputError all_of(const std::vector<InputError>& problems);

    const std::string& file() const { return file_; }
    const std::string& field() const { return field_; }
    const std::string& expected() const { return expected_; }
    const std::string& found() const { return found_; }

private:
    InputError(const std::string& message, const InputError& first);
    std::string file_, field_, expected_, found_;
};

// A functional check failed (simulated outputs differ from the reference), or an internal
// consistency check (conservation of bytes or MACs) was violated: exit code 1.
class CheckError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The simulation stopped making progress (watchdog) or hit an impossible state: exit code 1.
class SimulationError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A system the tool drives on the user's behalf failed or refused (the Slurm commands: an
// unknown partition, no cluster configured, squeue unreachable): not the simulation's fault and
// not a malformed input of ours; the message says which system and what it answered. Exit 1.
class ExternalError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace sx
