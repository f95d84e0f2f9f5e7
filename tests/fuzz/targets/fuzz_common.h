#pragma once
// Shared by the fuzz targets: the contract is that a reader either succeeds or throws
// sx::InputError. Any other exception is reported and aborts, so libFuzzer records a crash
// (with the input) instead of silently accepting a wrong error type.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "sw/common/error.h"

namespace sx::fuzz {

template <typename F>
void expect_input_error_only(const char* what, F&& body) {
    try {
        body();
    } catch (const sx::InputError&) {
        // The documented failure mode for bad input.
    } catch (const std::bad_alloc&) {
        std::fprintf(stderr, "fuzz: %s: std::bad_alloc (an allocation sized by the input)\n", what);
        std::abort();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fuzz: %s: exception other than InputError: %s\n", what, e.what());
        std::abort();
    } catch (...) {
        std::fprintf(stderr, "fuzz: %s: unknown exception\n", what);
        std::abort();
    }
}

// Keeps computed values alive so the optimiser cannot drop the calls that produce them.
inline volatile double g_sink = 0;
inline void sink(double v) { g_sink = g_sink + v; }

}  // namespace sx::fuzz
