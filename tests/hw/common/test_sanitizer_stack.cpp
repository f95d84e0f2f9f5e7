// hw/common/sanitizer_stack.h: after sc_start() returns, a throw on the main stack must leave
// no poisoned frames behind. Meaningful under .ci/sanitize (ASan + UBSan build): without
// sanitizer_resume_main_stack(), ASan still holds the bounds of the last SystemC thread's
// stack, ignores the throw's __asan_handle_no_return ("False positive error reports may
// follow") and big_frame() below is reported as a stack-buffer-underflow. In a plain build
// the call does nothing and the case only checks that the exception arrives.
#include <catch2/catch.hpp>

#include <stdexcept>

#include <systemc>

#include "hw/common/sanitizer_stack.h"

using namespace sc_core;

namespace {

// Returns (terminates) after one wait: SystemC leaves a finished thread through qt_abort,
// the path without any ASan annotation.
struct OneShot : sc_module {
    SC_HAS_PROCESS(OneShot);
    explicit OneShot(sc_module_name n) : sc_module(n) { SC_THREAD(run); }
    void run() {
        wait(1, SC_NS);
        sc_stop();
    }
};

// Frames with ASan redzones between the throw and the catch.
__attribute__((noinline)) void throw_from_depth(int depth) {
    volatile char pad[64];
    pad[0] = static_cast<char>(depth);
    if (depth == 0) throw std::runtime_error("deep");
    throw_from_depth(depth - 1);
    pad[1] = pad[0];  // keeps the frame (and its redzones) alive across the call
}

// Writes over the stack the unwound frames occupied.
__attribute__((noinline)) int big_frame() {
    volatile char a[8192];
    for (int i = 0; i < 8192; ++i) a[i] = static_cast<char>(i);
    return a[8191];
}

}  // namespace

TEST_CASE("an exception on the main stack after sc_start leaves the stack usable") {
    OneShot m("m");
    sc_report_handler::set_actions("/OSCI/SystemC", SC_INFO, SC_DO_NOTHING);
    sc_start();
    sx::sanitizer_resume_main_stack();
    CHECK_THROWS_WITH(throw_from_depth(30), "deep");
    CHECK(big_frame() == static_cast<char>(8191));
}
