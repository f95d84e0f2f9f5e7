// sxsim: the SmartExchange accelerator model's command line. Subcommands are thin layers over
// the hw/ and sw/ libraries; exit codes: 0 success, 2 bad input, 1 failed check or internal error.
#include <cstdio>
#include <cstdlib>
#include <exception>

#include <CLI/CLI.hpp>

#include "sw/cli/cmd_run.h"
#include "sw/cli/exit_codes.h"
#include "sw/common/error.h"
#ifdef SX_HAVE_COMPRESS
#include "sw/cli/cmd_compress.h"
#endif
#ifdef SX_HAVE_WORKFLOW
#include "sw/cli/cmd_workflow.h"
#endif

// libsystemc.so references sc_main; sxsim owns main() and drives SystemC itself.
extern "C" __attribute__((weak)) int sc_main(int, char**) { return 0; }

int main(int argc, char** argv) {
    // SystemC prints a banner on first use; sxsim output is meant for tables and pipes.
    setenv("SYSC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
    CLI::App app{"sxsim: cycle-accurate SystemC/TLM-2.0 model of the SmartExchange DNN accelerator, "
                 "with Eyeriss, SCNN and dense baselines on the same infrastructure"};
    app.require_subcommand(1);
    sx::add_run_command(app);
#ifdef SX_HAVE_COMPRESS
    sx::add_compress_command(app);
#endif
#ifdef SX_HAVE_WORKFLOW
    sx::add_workflow_commands(app);
#endif
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);  // prints help or the parse error
        return code == 0 ? sx::kExitOk : sx::kExitBadInput;
    } catch (const sx::InputError& e) {
        std::fprintf(stderr, "sxsim: error: %s\n", e.what());
        return sx::kExitBadInput;
    } catch (const sx::CheckError& e) {
        std::fprintf(stderr, "sxsim: check failed: %s\n", e.what());
        return sx::kExitFailure;
    } catch (const sx::ExternalError& e) {
        std::fprintf(stderr, "sxsim: error from an external system: %s\n", e.what());
        return sx::kExitFailure;
    } catch (const sx::SimulationError& e) {
        std::fprintf(stderr, "sxsim: simulation error: %s\n", e.what());
        return sx::kExitFailure;
    } catch (const std::bad_alloc&) {
        std::fprintf(stderr, "sxsim: out of memory\n");
        return sx::kExitFailure;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "sxsim: internal error: %s\n", e.what());
        return sx::kExitFailure;
    }
    return sx::kExitOk;
}
