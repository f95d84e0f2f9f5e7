#pragma once
// sxsim exit codes (README, docs/formats.md).
namespace sx {
constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;   // a failed check, watchdog or internal error
constexpr int kExitBadInput = 2;  // malformed input: the message names file, field, expectation
}  // namespace sx
