#include "sw/workflow/slurm_options.h"

#include <regex>

#include "sw/common/error.h"

namespace sx {

void check_slurm_time(const std::string& v, const std::string& file, const std::string& field) {
    // sbatch --time formats; anything else sbatch would refuse only at submission, after the
    // plan is written, so it is refused here.
    static const std::regex re(R"(^(\d+|\d+:\d{1,2}|\d+:\d{1,2}:\d{1,2}|\d+-\d{1,2}|\d+-\d{1,2}:\d{1,2}|\d+-\d{1,2}:\d{1,2}:\d{1,2}|UNLIMITED|INFINITE)$)");
    if (!std::regex_match(v, re))
        throw InputError(file, field, "a Slurm time limit: MINUTES, M:S, H:M:S, D-H, D-H:M or D-H:M:S", "'" + v + "'");
}

void check_slurm_mem(const std::string& v, const std::string& file, const std::string& field) {
    static const std::regex re(R"(^[1-9]\d{0,8}[KMGT]?$)");
    if (!std::regex_match(v, re))
        throw InputError(file, field, "memory per node as a positive integer with an optional K, M, G or T suffix (MiB without)",
                         "'" + v + "'");
}

void check_slurm_partition(const std::string& v, const std::string& file, const std::string& field) {
    static const std::regex re(R"(^[A-Za-z0-9_.\-]+(,[A-Za-z0-9_.\-]+)*$)");
    if (!std::regex_match(v, re))
        throw InputError(file, field, "a partition name (letters, digits, _ . -; several separated by commas)", "'" + v + "'");
}

namespace {

// Whether an sbatch argument sets an option sxsim sets itself. sbatch (getopt_long) also takes
// a short option with its value attached ("-ofile") and any unambiguous prefix of a long one
// ("--outp=x" is --output): given after sxsim's own, either would silently replace it.
bool sets_own_option(const std::string& arg) {
    if (arg.size() >= 2 && arg[0] == '-' && arg[1] != '-')
        return arg.find_first_of("aoeD") == 1;  // -a, -o, -e, -D with or without their value
    if (arg.rfind("--", 0) != 0) return false;
    const std::string name = arg.substr(0, arg.find('='));
    if (name.size() <= 2) return false;
    for (const char* own : {"--array", "--output", "--error", "--parsable", "--wrap", "--chdir"})
        if (std::string(own).rfind(name, 0) == 0) return true;
    return false;
}

}  // namespace

SlurmOptions parse_slurm_options(const JsonNode& n) {
    n.expect_object();
    n.expect_only({"partition", "time_limit", "mem", "array_limit", "points_per_task", "sbatch_args"});
    SlurmOptions s;
    if (n.has("partition")) {
        s.partition = n.get_string("partition");
        check_slurm_partition(s.partition, n.file(), n.at("partition").pointer());
    }
    if (n.has("time_limit")) {
        s.time_limit = n.get_string("time_limit");
        check_slurm_time(s.time_limit, n.file(), n.at("time_limit").pointer());
    }
    if (n.has("mem")) {
        const JsonNode m = n.at("mem");
        s.mem = m.value().is_number_unsigned() ? std::to_string(m.as_int(1)) : m.as_string();
        check_slurm_mem(s.mem, n.file(), m.pointer());
    }
    s.array_limit = n.get_int_or("array_limit", 0, 1, 1000000);
    s.points_per_task = n.get_int_or("points_per_task", 1, 1, 1000000);
    if (auto a = n.find("sbatch_args")) {
        a->expect_array();
        for (std::size_t i = 0; i < a->size(); ++i) {
            const std::string arg = a->at(i).as_string();
            if (arg.empty()) a->at(i).fail("a non-empty sbatch argument (e.g. \"--qos=long\")");
            if (sets_own_option(arg))
                a->at(i).fail("an sbatch option other than those sxsim sets itself (--array, --output, --error, "
                              "--parsable, --wrap, --chdir, in any form: -o FILE, -oFILE, --outp=FILE ...)");
            s.sbatch_args.push_back(arg);
        }
    }
    return s;
}

}  // namespace sx
