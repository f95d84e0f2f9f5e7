#include "sw/workflow/sweep_spec.h"

#include <filesystem>

#include "sw/common/error.h"

namespace fs = std::filesystem;

namespace sx {

namespace {

std::string resolve(const JsonNode& n, const std::string& spec_path) {
    const std::string p = n.as_string();
    if (p.empty()) n.fail("a non-empty path");
    if (fs::path(p).is_absolute()) return p;
    return (fs::path(spec_path).parent_path() / p).lexically_normal().string();
}

// The child receives the pointer verbatim, so it must address a field: JsonNode names it.
std::string member_pointer(const JsonNode& n, const std::string& key, const std::string& file) {
    try {
        check_pointer(key, file);
    } catch (const InputError&) {
        n.fail_member(key, "a member named by a JSON pointer such as \"/pe_array/dim_m\"");
    }
    return key;
}

}  // namespace

SweepSpec parse_sweep_spec(const json& doc, const std::string& path) {
    const JsonNode root(doc, path);
    root.expect_object();
    root.expect_only({"description", "arch", "models", "mode", "params", "points", "batch", "seed", "timeout_s",
                      "weights", "activations", "slurm"});
    SweepSpec s;
    s.file = path;
    s.description = root.get_string_or("description", "");
    if (root.has("arch")) s.arch = resolve(root.at("arch"), path);
    if (auto models = root.find("models")) {
        if (models->value().is_string()) {
            s.models.push_back(resolve(*models, path));
        } else {
            models->expect_array();
            for (std::size_t i = 0; i < models->size(); ++i) s.models.push_back(resolve(models->at(i), path));
        }
    }
    s.mode = root.get_enum_or("mode", {"product", "zip"}, "product") == "zip" ? CombineMode::Zip : CombineMode::Product;
    if (auto params = root.find("params")) {
        params->expect_object();
        for (const auto& key : params->keys()) {
            const JsonNode v = params->at(key);
            ParamAxis axis;
            axis.pointer = member_pointer(*params, key, path);
            if (v.value().is_string()) {
                // A string is a list/range in command-line syntax ("8,16,32", "4:64:x2").
                axis.values = parse_value_list(v.as_string(), path, v.pointer());
                axis.origins.assign(axis.values.size(), ValueOrigin{path, v.pointer()});
            } else if (v.value().is_array()) {
                if (v.size() == 0) v.fail("a non-empty array of values");
                for (std::size_t i = 0; i < v.size(); ++i) {
                    axis.values.push_back(v.at(i).value());
                    axis.origins.push_back(ValueOrigin{path, v.at(i).pointer()});
                }
            } else {
                v.fail("an array of values or a range string such as \"200:1000:200\"");
            }
            s.params.push_back(std::move(axis));
        }
    }
    if (auto points = root.find("points")) {
        points->expect_array();
        for (std::size_t i = 0; i < points->size(); ++i) {
            const JsonNode p = points->at(i);
            p.expect_object();
            Overrides o;
            std::map<std::string, ValueOrigin> where;
            for (const auto& key : p.keys()) {
                o[member_pointer(p, key, path)] = p.at(key).value();
                where[key] = ValueOrigin{path, p.at(key).pointer()};
            }
            s.points.push_back(std::move(o));
            s.point_origins.push_back(std::move(where));
        }
    }
    if (root.has("weights")) s.weights = resolve(root.at("weights"), path);
    if (root.has("activations")) s.activations = resolve(root.at("activations"), path);
    if (root.has("batch")) s.batch = root.get_int("batch", 1);
    if (root.has("seed")) s.seed = static_cast<uint64_t>(root.get_int("seed", 0));
    if (root.has("timeout_s")) s.timeout_s = root.get_double("timeout_s", 0);
    if (auto slurm = root.find("slurm")) s.slurm = parse_slurm_options(*slurm);
    return s;
}

SweepSpec load_sweep_spec(const std::string& path) { return parse_sweep_spec(load_json_file(path), path); }

}  // namespace sx
