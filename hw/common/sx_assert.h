#pragma once
// SX_ASSERT(condition, message): an internal invariant of the model (buffer bounds, FIFO and
// queue occupancy, conservation of bursts/bytes/work between blocks). Compiled in only when
// the build defines SX_ASSERTIONS (cmake -DSX_ASSERTIONS=ON, as CI's test, sanitizer and fuzz
// builds do); in the release build the condition is not evaluated. A violation is a bug in the
// model, not bad input: it prints
//   sxsim: internal assertion failed: <file>:<line>: <condition>: <message>
// to stderr and aborts (a core dump / sanitizer report points at it). Bad input is never
// asserted: it is an sx::InputError (exit 2) with the field's JSON pointer.
// `message` may be any expression convertible to std::string; it is evaluated only on failure.
#include <cstdio>
#include <cstdlib>
#include <string>

namespace sx {

#ifdef SX_ASSERTIONS
inline constexpr bool kAssertionsEnabled = true;
#else
inline constexpr bool kAssertionsEnabled = false;
#endif

[[noreturn]] inline void assertion_failed(const char* condition, const char* file, int line, const std::string& message) {
    std::fprintf(stderr, "sxsim: internal assertion failed: %s:%d: %s: %s\n", file, line, condition, message.c_str());
    std::fflush(stderr);
    std::abort();
}

}  // namespace sx

#ifdef SX_ASSERTIONS
#define SX_ASSERT(condition, message)                                                   \
    do {                                                                                \
        if (!(condition)) ::sx::assertion_failed(#condition, __FILE__, __LINE__, (message)); \
    } while (0)
#else
// Not evaluated, but still compiled (a typo in an assertion breaks every build).
#define SX_ASSERT(condition, message) \
    do {                              \
        (void)sizeof(!(condition));   \
    } while (0)
#endif
