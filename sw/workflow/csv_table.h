#pragma once
// CSV tables for the sweep and compare outputs: a reader that tolerates a torn last line (a
// file written by someone else while we were killed), an ordered table of records whose
// column set grows as records arrive, and atomic file replacement.
#include <string>
#include <utility>
#include <vector>

namespace sx {

struct CsvData {
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows;
    std::size_t dropped_rows = 0;  // rows with the wrong number of cells or an unterminated last line
};

// RFC 4180: quoted cells may contain commas, quotes ("") and newlines.
CsvData parse_csv(const std::string& text);
CsvData read_csv_file(const std::string& path);  // empty CsvData if the file does not exist

std::string csv_cell(const std::string& s);  // quoted only when needed
std::string csv_line(const std::vector<std::string>& cells);

// A table of records, each an ordered list of (column, value). Columns appear in the order
// they are first seen; a record lacking a column leaves its cell empty.
class RecordTable {
public:
    using Record = std::vector<std::pair<std::string, std::string>>;

    void add(const Record& record);
    void load(const CsvData& csv);
    // Removes every record whose `column` equals `value`.
    void remove_where(const std::string& column, const std::string& value);
    // Stable reorder: records whose `column` is not in `keys` first (as they were), then the
    // others in the order of `keys`.
    void order_by(const std::string& column, const std::vector<std::string>& keys);

    std::size_t size() const { return records_.size(); }
    const std::vector<std::string>& columns() const { return columns_; }
    const Record& record(std::size_t i) const { return records_[i]; }
    std::string get(std::size_t i, const std::string& column) const;  // "" if absent
    // Sets (or adds, as the record's last and, if new, the table's last column) a cell.
    void set(std::size_t i, const std::string& column, const std::string& value);
    std::string to_csv() const;

private:
    std::vector<std::string> columns_;
    std::vector<Record> records_;
};

// Replace `path` with `content` atomically: write a temporary file in the same folder, flush
// it to disk, rename it over the target. Readers see the old or the new file, never a mix.
void write_file_atomic(const std::string& path, const std::string& content);
std::string read_text_file(const std::string& path);  // InputError if unreadable

}  // namespace sx
