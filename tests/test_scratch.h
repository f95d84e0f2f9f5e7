#pragma once
// Scratch files and folders of a test process, removed when its test case passes. ctest runs
// each TEST_CASE in its own process, so without this every run left ~1,300 folders in the temp
// directory. A failing test keeps them for debugging: the Catch listener in catch_main.cpp
// prints each kept path. A process killed by a signal keeps them too (nothing runs after).
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <unistd.h>

namespace sx::test {

// The paths registered by this process since the last test case ended.
inline std::vector<std::filesystem::path>& scratch_paths() {
    static std::vector<std::filesystem::path> paths;
    return paths;
}

// Registers `path` (a file or a folder, existing or not yet) for removal when the current test
// case passes; returns it.
inline std::filesystem::path remove_after_test(const std::filesystem::path& path) {
    auto& paths = scratch_paths();
    if (std::find(paths.begin(), paths.end(), path) == paths.end()) paths.push_back(path);
    return path;
}

// <temp>/<name>_<pid> (the temp directory honours TMPDIR), created and registered.
inline std::filesystem::path scratch_dir(const std::string& name) {
    const std::filesystem::path d =
        std::filesystem::temp_directory_path() / (name + "_" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return remove_after_test(d);
}

}  // namespace sx::test
