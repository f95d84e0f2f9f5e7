#include "hw/common/sanitizer_stack.h"

#if defined(__SANITIZE_ADDRESS__)
#define SX_HAS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SX_HAS_ASAN 1
#endif
#endif

#ifdef SX_HAS_ASAN
#include <pthread.h>
#include <sanitizer/common_interface_defs.h>
#endif

namespace sx {

void sanitizer_resume_main_stack() {
#ifdef SX_HAS_ASAN
    pthread_attr_t attr;
    if (pthread_getattr_np(pthread_self(), &attr) != 0) return;
    void* bottom = nullptr;
    size_t size = 0;
    const int rc = pthread_attr_getstack(&attr, &bottom, &size);
    pthread_attr_destroy(&attr);
    if (rc != 0) return;
    // A "switch" from the stack ASan wrongly believes current to the real one. The fake stack
    // (detect_stack_use_after_return) is handed over, not dropped: sc_main's frames are live.
    void* fake_stack = nullptr;
    __sanitizer_start_switch_fiber(&fake_stack, bottom, size);
    __sanitizer_finish_switch_fiber(fake_stack, nullptr, nullptr);
#endif
}

}  // namespace sx
