#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

// libsystemc.so references sc_main; Catch2 owns main() here, so provide a weak, unused
// sc_main (a test file may still define its own).
extern "C" __attribute__((weak)) int sc_main(int, char**) { return 0; }
