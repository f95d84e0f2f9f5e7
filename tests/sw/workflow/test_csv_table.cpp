#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sw/workflow/csv_table.h"
#include "tests/test_scratch.h"

using namespace sx;
namespace fs = std::filesystem;

TEST_CASE("CSV cells with commas, quotes and newlines round-trip") {
    const std::vector<std::string> cells = {"plain", "a,b", "say \"hi\"", "two\nlines", ""};
    const std::string text = csv_line({"c1", "c2", "c3", "c4", "c5"}) + csv_line(cells);
    const CsvData d = parse_csv(text);
    CHECK(d.dropped_rows == 0);
    REQUIRE(d.rows.size() == 1);
    CHECK(d.rows[0] == cells);
}

TEST_CASE("a torn last line and rows of the wrong width are dropped, not misread") {
    const CsvData d = parse_csv("a,b,c\n1,2,3\n4,5\n6,7,8\n9,1");
    CHECK(d.dropped_rows == 2);  // "4,5" (width) and "9,1" (no newline: cut short)
    REQUIRE(d.rows.size() == 2);
    CHECK(d.rows[1][0] == "6");
    const CsvData q = parse_csv("a,b\n1,\"open quote\n");
    CHECK(q.rows.empty());
    CHECK(q.dropped_rows == 1);
}

TEST_CASE("record tables grow their column set and leave missing cells empty") {
    RecordTable t;
    t.add({{"point_id", "p1"}, {"x", "1"}});
    t.add({{"point_id", "p2"}, {"y", "2"}});
    CHECK(t.columns() == std::vector<std::string>{"point_id", "x", "y"});
    CHECK(t.to_csv() == "point_id,x,y\np1,1,\np2,,2\n");
    RecordTable u;
    u.load(parse_csv(t.to_csv()));
    CHECK(u.size() == 2);
    CHECK(u.get(1, "y") == "2");
    u.remove_where("point_id", "p1");
    CHECK(u.size() == 1);
    CHECK(u.get(0, "point_id") == "p2");
}

TEST_CASE("atomic file replacement: a concurrent reader sees the old or the new file, never a mix") {
    const fs::path dir = fs::temp_directory_path() / ("sx_atomic_" + std::to_string(getpid()));
    fs::create_directories(dir);
    sx::test::remove_after_test(dir);
    const std::string path = (dir / "t.csv").string();
    const std::string a = "h\n" + std::string(200000, 'a') + "\n";
    const std::string b = "h\n" + std::string(100000, 'b') + "\n";
    write_file_atomic(path, a);
    const pid_t writer = fork();
    REQUIRE(writer >= 0);
    if (writer == 0) {
        for (int i = 0; i < 300; ++i) write_file_atomic(path, i % 2 ? a : b);
        _exit(0);
    }
    int reads = 0, torn = 0;
    while (true) {
        int status = 0;
        const bool done = waitpid(writer, &status, WNOHANG) == writer;
        std::ifstream in(path, std::ios::binary);
        const std::string got((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        ++reads;
        if (got != a && got != b) ++torn;
        if (done) break;
    }
    CHECK(torn == 0);
    CHECK(reads > 1);
    // No temporary files are left behind.
    int files = 0;
    for (const auto& e : fs::directory_iterator(dir)) (void)e, ++files;
    CHECK(files == 1);
    fs::remove_all(dir);
}
