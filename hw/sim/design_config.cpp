#include "hw/sim/design_config.h"

#include <exception>
#include <optional>

#include "hw/sim/timing_limits.h"
#include "sw/common/error.h"

namespace sx {

namespace {

// Whether the configuration file as written (no overrides) has `pointer` read by its design.
// `base` caches the parse; a file that does not parse alone reads nothing.
bool read_without_overrides(const ArchConfig& arch, const DesignParser& parse, const std::string& pointer,
                            std::optional<ArchConfig>& base) {
    if (!base) {
        try {
            base = load_arch_config(arch.file);
            base->design = parse(*base);
        } catch (const std::exception&) {
            base = ArchConfig{};
        }
    }
    return base->use && base->use->was_read(pointer);
}

}  // namespace

void configure_design(ArchConfig& arch) {
    if (arch.design.has_value()) return;
    const DesignParser* parse = find_design_parser(arch.dataflow);
    if (!parse) throw InputError(arch.file, "/dataflow", "a dataflow with a registered model", to_string(arch.dataflow));
    arch.design = (*parse)(arch);
    // Fields read only where they take effect (docs/formats.md) must not make a sweep's base
    // file unusable for the points whose values make them irrelevant; any other unread field,
    // and any field an override wrote, is still an error.
    // All the other problems (and every field refused as no longer supported) are reported in
    // one error: an old-format file is fixed in one round trip.
    std::optional<ArchConfig> base;
    std::vector<InputError> problems;
    for (const InputError& e : arch.unused_fields()) {
        const bool from_file = arch.origins && !arch.origins->empty() && e.file() == arch.file;
        if (!from_file || arch.use->was_read(e.field()) || arch.use->was_refused(e.field()) ||
            !read_without_overrides(arch, *parse, e.field(), base)) {
            problems.push_back(e);
            continue;
        }
        arch.use->mark(e.field());
        arch.notes.push_back(arch.file + ": " + e.field() + " is ignored: the " + to_string(arch.dataflow) +
                             " design reads it with the file's own values, not with this run's --set or sweep "
                             "values");
    }
    if (!problems.empty()) throw InputError::all_of(problems);
    check_timing_limits(arch);
}

}  // namespace sx
