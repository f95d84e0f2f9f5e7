#include "sw/workflow/point_inputs.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "sw/config/tech_table.h"

namespace fs = std::filesystem;

namespace sx {

namespace {

constexpr uint64_t kFnvOffset = 14695981039346656037ull;
constexpr uint64_t kFnvPrime = 1099511628211ull;

// The same function as fnv1a64(), continued over several chunks.
uint64_t fnv_update(uint64_t h, const char* data, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
        h ^= static_cast<unsigned char>(data[i]);
        h *= kFnvPrime;
    }
    return h;
}

// Streams the file in 1 MiB chunks: weight images and the executable may be large.
bool hash_file(const std::string& path, uint64_t& out) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    std::vector<char> buf(1 << 20);
    uint64_t h = kFnvOffset;
    while (in) {
        in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
        h = fnv_update(h, buf.data(), static_cast<std::size_t>(in.gcount()));
    }
    if (in.bad()) return false;
    out = h;
    return true;
}

fs::path absolute_normal(const std::string& path) {
    std::error_code ec;
    fs::path p = fs::absolute(path, ec);
    if (ec) p = path;
    return p.lexically_normal();
}

const std::vector<std::string>& role_order() {
    static const std::vector<std::string> order = {"config",      "technology", "dram_preset", "workload", "weights",
                                                   "activations", "overrides",  "run",         "simulator"};
    return order;
}

}  // namespace

std::string display_path(const std::string& path) {
    const fs::path abs = absolute_normal(path);
    std::error_code ec;
    const fs::path cwd = fs::current_path(ec);
    if (!ec) {
        const fs::path rel = abs.lexically_relative(cwd);
        if (!rel.empty() && *rel.begin() != "..") return rel.string();
    }
    return abs.string();
}

std::vector<std::pair<std::string, std::string>> config_references(const json& doc, const std::string& arch_path) {
    // Mirrors resolve_existing() in sw/config/arch_config.cpp (relative to the configuration's
    // folder, lexically normalised); tests/sw/workflow/test_point_inputs.cpp checks both agree
    // on every configuration in configs/.
    auto resolve = [&](const std::string& rel) {
        fs::path p(rel);
        if (p.is_relative()) p = fs::path(arch_path).parent_path() / p;
        return p.lexically_normal().string();
    };
    std::vector<std::pair<std::string, std::string>> refs;
    if (!doc.is_object()) return refs;
    const auto tech = doc.find("technology");
    if (tech != doc.end() && tech->is_string() && !tech->get<std::string>().empty())
        refs.emplace_back("technology", resolve(tech->get<std::string>()));
    const auto dram = doc.find("dram");
    if (dram != doc.end() && dram->is_object()) {
        const auto preset = dram->find("preset");
        if (preset != dram->end() && preset->is_string() && !preset->get<std::string>().empty())
            refs.emplace_back("dram_preset", resolve(preset->get<std::string>()));
    }
    return refs;
}

std::string DigestCache::file(const std::string& path) {
    const std::string key = absolute_normal(path).string();
    const auto it = files_.find(key);
    if (it != files_.end()) return it->second;
    uint64_t h = 0;
    std::error_code ec;
    const std::string d = fs::is_regular_file(key, ec) && hash_file(key, h) ? hex64(h) : "missing";
    files_[key] = d;
    return d;
}

std::vector<std::string> DigestCache::tech_files(const std::string& path) {
    const std::string key = absolute_normal(path).string();
    const auto it = tech_.find(key);
    if (it != tech_.end()) return it->second;
    // The loader follows /derive ("from", "sram_from") and lists every file it read. A table
    // that does not load leaves only itself: the point fails on it, and its identity still
    // follows the table's bytes.
    std::vector<std::string> files = {path};
    try {
        const TechTable t = load_tech_table(path);
        for (std::size_t i = 1; i < t.files.size(); ++i) files.push_back(t.files[i]);
    } catch (const std::exception&) {
    }
    tech_[key] = files;
    return files;
}

std::string DigestCache::npy_folder(const std::string& dir) {
    const std::string key = absolute_normal(dir).string();
    const auto it = folders_.find(key);
    if (it != folders_.end()) return it->second;
    std::error_code ec;
    std::string d = "missing";
    if (fs::is_directory(key, ec)) {
        // The simulator reads <folder>/<layer>.npy when it exists (synthetic inputs otherwise),
        // so adding, removing or editing any .npy file changes what a point reads.
        std::vector<std::string> names;
        for (const auto& e : fs::directory_iterator(key, ec))
            if (e.path().extension() == ".npy" && e.is_regular_file(ec)) names.push_back(e.path().filename().string());
        std::sort(names.begin(), names.end());
        std::string listing;
        for (const auto& n : names) listing += n + '\0' + file((fs::path(key) / n).string()) + '\n';
        d = hex64(fnv1a64(listing));
    }
    folders_[key] = d;
    return d;
}

std::string simulator_digest() {
    static const std::string digest = [] {
        uint64_t h = 0;
        // Unreadable /proc (unusual): every run then counts as another simulator, so nothing
        // stale is reused; the cost is rerunning points.
        return hash_file("/proc/self/exe", h) ? hex64(h) : "unknown-" + std::to_string(::getpid());
    }();
    return digest;
}

PointInputs collect_point_inputs(const PointSources& s, DigestCache& cache) {
    PointInputs in;
    in.push_back({"config", display_path(s.arch), cache.file(s.arch)});
    // The references are read from the configuration as the point sees it (its overrides may
    // name another technology table or preset). An unparsable configuration refers to nothing:
    // the point fails, and its identity still follows the configuration's bytes.
    try {
        const json doc = apply_overrides(load_json_file(s.arch), s.overrides);
        for (const auto& [role, path] : config_references(doc, s.arch)) {
            if (role != "technology") {
                in.push_back({role, display_path(path), cache.file(path)});
                continue;
            }
            // A derived table's numbers come from its base tables too: each file is an input.
            const std::vector<std::string> files = cache.tech_files(path);
            for (std::size_t i = 0; i < files.size(); ++i)
                in.push_back({i == 0 ? role : role + "/" + std::to_string(i), display_path(files[i]), cache.file(files[i])});
        }
    } catch (const std::exception&) {
    }
    in.push_back({"workload", display_path(s.model), cache.file(s.model)});
    if (!s.weights.empty()) in.push_back({"weights", display_path(s.weights), cache.file(s.weights)});
    if (!s.activations.empty())
        in.push_back({"activations", display_path(s.activations) + "/", cache.npy_folder(s.activations)});
    json o = json::object();
    for (const auto& [k, v] : s.overrides) o[k] = v;
    in.push_back({"overrides", "the swept values", hex64(fnv1a64(o.dump()))});
    in.push_back({"run", "run options (batch, seed, check)", hex64(fnv1a64(s.run_options.dump()))});
    in.push_back({"simulator", "the simulator (sxsim executable)", s.simulator});
    return in;
}

std::string point_id(const PointInputs& inputs) {
    json key = json::object();
    for (const auto& i : inputs) key[i.role] = i.digest;
    // nlohmann::json keeps object keys sorted: the dump is canonical.
    return hex64(fnv1a64(key.dump())).substr(0, 12);
}

std::string point_slot(const std::string& arch, const std::string& model, const Overrides& overrides) {
    json slot = {{"arch", absolute_normal(arch).string()}, {"model", absolute_normal(model).string()},
                 {"overrides", json::object()}};
    for (const auto& [k, v] : overrides) slot["overrides"][k] = v;
    return slot.dump();
}

json inputs_to_json(const PointInputs& inputs) {
    json j = json::object();
    for (const auto& i : inputs) j[i.role] = {{"label", i.label}, {"digest", i.digest}};
    return j;
}

std::vector<std::string> changed_inputs(const json& stored, const PointInputs& now) {
    std::vector<std::string> out;
    if (!stored.is_object()) return out;
    auto stored_digest = [&](const std::string& role) -> std::string {
        const auto it = stored.find(role);
        if (it == stored.end() || !it->is_object() || !it->contains("digest") || !(*it)["digest"].is_string()) return "";
        return (*it)["digest"].get<std::string>();
    };
    // A role is one of role_order(), or "<role>/<n>" for the n-th further file of that input
    // (the base tables of a derived technology table).
    auto base_of = [](const std::string& role) { return role.substr(0, role.find('/')); };
    for (const auto& base : role_order()) {
        std::vector<std::string> roles;
        for (const auto& i : now)
            if (base_of(i.role) == base) roles.push_back(i.role);
        for (const auto& [role, v] : stored.items())
            if (base_of(role) == base && std::find(roles.begin(), roles.end(), role) == roles.end()) roles.push_back(role);
        for (const auto& role : roles) {
            const auto cur = std::find_if(now.begin(), now.end(), [&](const PointInput& i) { return i.role == role; });
            const std::string before = stored_digest(role);
            if (cur != now.end()) {
                if (before != cur->digest) out.push_back(cur->label + (before.empty() ? " added" : " changed"));
            } else if (!before.empty()) {
                const json& s = stored[role];
                out.push_back((s.contains("label") && s["label"].is_string() ? s["label"].get<std::string>() : role) +
                              " no longer read");
            }
        }
    }
    return out;
}

}  // namespace sx
