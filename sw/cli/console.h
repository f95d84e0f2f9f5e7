#pragma once
// Console output helpers shared by subcommands: aligned tables and progress lines on stderr.
#include <cstdio>
#include <string>
#include <vector>

namespace sx {

// A plain text table: right-aligned numeric columns, left-aligned first column.
class TextTable {
public:
    explicit TextTable(std::vector<std::string> header);
    void add_row(std::vector<std::string> cells);
    void add_separator();
    std::string render() const;

private:
    std::vector<std::string> header_;
    std::vector<std::vector<std::string>> rows_;  // empty row = separator
};

std::string format_fixed(double v, int decimals);
std::string format_count(double v);  // 1234567 -> "1.23 M"

// Progress on stderr: a single updating line on a terminal, one line per update otherwise.
class Progress {
public:
    Progress(std::string label, std::size_t total, bool enabled);
    void update(std::size_t done, const std::string& detail);
    void finish();

private:
    std::string label_;
    std::size_t total_;
    bool enabled_;
    bool tty_;
    double start_s_;
};

double wall_seconds();

}  // namespace sx
