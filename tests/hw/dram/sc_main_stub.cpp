// libsystemc.so refers to sc_main; Catch2 provides main(), so sc_main is never called.
extern "C" int sc_main(int, char**) { return 0; }
