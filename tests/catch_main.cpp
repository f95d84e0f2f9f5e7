#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <cstdio>
#include <system_error>

#include "tests/test_scratch.h"

// libsystemc.so references sc_main; Catch2 owns main() here, so provide a weak, unused
// sc_main (a test file may still define its own).
extern "C" __attribute__((weak)) int sc_main(int, char**) { return 0; }

namespace {
// Removes the scratch paths of a test case that passed (tests/test_scratch.h); keeps those of
// a failing one and says where they are.
struct ScratchCleanup : Catch::TestEventListenerBase {
    using TestEventListenerBase::TestEventListenerBase;
    void testCaseEnded(const Catch::TestCaseStats& stats) override {
        auto& paths = sx::test::scratch_paths();
        const bool passed = stats.totals.assertions.failed == 0 && stats.totals.testCases.failed == 0;
        for (const auto& p : paths) {
            if (passed) {
                std::error_code ec;
                std::filesystem::remove_all(p, ec);
            } else {
                std::fprintf(stderr, "scratch kept for debugging: %s\n", p.string().c_str());
            }
        }
        paths.clear();
    }
};
}  // namespace

CATCH_REGISTER_LISTENER(ScratchCleanup)
