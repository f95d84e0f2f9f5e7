#pragma once
// Shared by the tests of tools/scnn_density_sweep.py: run the tool with /usr/bin/python3 (Debian
// matplotlib) as a child process, and read its CSV.
#include <catch2/catch.hpp>

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "tests/cli/sxsim_process.h"

namespace sx::density_sweep_test {

using namespace sx::cli_test;

inline const std::string kPython = "/usr/bin/python3";
inline const std::string kTool = std::string(SX_SOURCE_DIR) + "/tools/scnn_density_sweep.py";

inline std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::string item;
    std::istringstream in(s);
    while (std::getline(in, item, sep)) out.push_back(item);
    if (!s.empty() && s.back() == sep) out.push_back("");
    return out;
}

// density_sweep.csv as rows of column -> text (the tool writes no quoted fields).
inline std::vector<std::map<std::string, std::string>> read_csv_rows(const std::string& path) {
    std::istringstream in(read_file(path));
    std::string line;
    std::getline(in, line);
    const auto header = split(line, ',');
    std::vector<std::map<std::string, std::string>> rows;
    while (std::getline(in, line)) {
        const auto cells = split(line, ',');
        REQUIRE(cells.size() == header.size());
        std::map<std::string, std::string> r;
        for (std::size_t i = 0; i < header.size(); ++i) r[header[i]] = cells[i];
        rows.push_back(r);
    }
    return rows;
}

inline ProcessResult run_tool(const Scratch& s, std::vector<std::string> args, int timeout_s = 300) {
    args.insert(args.begin(), kTool);
    return run_process(s, kPython, args, timeout_s);
}

}  // namespace sx::density_sweep_test
