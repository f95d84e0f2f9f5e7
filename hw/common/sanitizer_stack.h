#pragma once
// AddressSanitizer and SystemC's coroutines.
//
// Debian's SystemC 2.3.4 runs SC_THREADs on QuickThreads stacks and reports each switch to
// ASan (__sanitizer_start/finish_switch_fiber), but incompletely:
//  - a switch back to the main coroutine (the kernel running on sc_main's stack) passes the
//    main coroutine's stack as (NULL, 0), so afterwards ASan believes the current stack has
//    top 0;
//  - a thread that returns is left through qt_abort without any annotation, so ASan keeps
//    the dead thread's stack bounds for whatever runs next;
//  - it passes fake_stack_save = NULL on every switch, which tells ASan the coroutine it
//    leaves is finished and frees its fake stack: ASAN_OPTIONS=detect_stack_use_after_return=1
//    therefore crashes (SEGV) at the first wait() of a thread. Keep it off (.ci/sanitize).
// With wrong bounds, the next `throw` on the main stack (__cxa_throw calls
// __asan_handle_no_return, which unpoisons the stack from the current frame to the "top")
// is ignored with a warning and the frames it unwinds stay poisoned: a later call that reuses
// that stack memory is then reported as a stack-buffer-overflow that is not one.
// Exceptions thrown inside threads are not affected (a thread is entered through an annotated
// switch, and SimContext parks them); the rethrow after sc_start() returns is.
namespace sx {

// Tells ASan (when this translation unit is built with it; otherwise does nothing) that
// execution is on the calling thread's own stack again. Call on the main thread after
// sc_start() returns, before anything may throw.
void sanitizer_resume_main_stack();

}  // namespace sx
