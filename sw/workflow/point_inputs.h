#pragma once
// What a simulation point reads, and the identity built from it. A point of a sweep or a
// comparison is reused on resume only when its identity is unchanged, so the identity covers
// the content (bytes, not paths or dates) of every input the child `sxsim run` reads:
//   config       the configuration file (--arch)
//   technology   the technology table it names (/technology, after the point's overrides);
//                "technology/1", "technology/2", ...: each table it derives from (/derive
//                "from" and "sram_from", recursively: TechTable::files), as editing a base
//                table changes the derived one's numbers
//   dram_preset  the DRAM preset it names (/dram/preset, after the point's overrides)
//   workload     the workload file (JSON or ONNX)
//   weights      the weight image (.sxw), when given
//   activations  the activations folder: names and contents of its *.npy files, when given
//   overrides    the point's --set values
//   run          the run options (batch, seed, check)
//   simulator    the simulator: a digest of the running sxsim executable's bytes
// Relative references inside a configuration resolve against the configuration's folder, as
// sw/config's loader resolves them. docs/tutorial.md ("Interrupting and resuming") explains
// the choices for users.
#include <map>
#include <string>
#include <vector>

#include "sw/workflow/sweep_params.h"

namespace sx {

struct PointInput {
    std::string role;    // one of the roles above
    std::string label;   // what the user is told changed: a path (relative to the working
                         // folder when inside it) or a name such as "run options"
    std::string digest;  // 16 hex digits of FNV-1a 64 over the content; "missing" if unreadable
};
using PointInputs = std::vector<PointInput>;  // in the order of the roles above

// Everything a point's child process is given.
struct PointSources {
    std::string arch;         // configuration file
    std::string model;        // workload file
    std::string weights;      // "" if none
    std::string activations;  // folder, "" if none
    Overrides overrides;
    json run_options;         // {"batch", "seed", "check"}
    std::string simulator;    // simulator digest (simulator_digest(), or a test's value)
};

// Files a configuration document (overrides already applied) refers to, as (role, path)
// pairs with paths resolved like sw/config's loader (relative to the configuration's folder,
// lexically normalised). A reference that is absent or not a string is left out: such a
// configuration fails validation in the point itself.
std::vector<std::pair<std::string, std::string>> config_references(const json& doc, const std::string& arch_path);

// Digests of files and folders, each read once per command however many points share it.
// The file is streamed (no copy of a large weight image or executable in memory).
class DigestCache {
public:
    std::string file(const std::string& path);       // "missing" if it cannot be read
    std::string npy_folder(const std::string& dir);  // sorted *.npy names + contents
    // The technology table at `path`, then every table it derives from (TechTable::files);
    // only `path` if the table does not load.
    std::vector<std::string> tech_files(const std::string& path);
private:
    std::map<std::string, std::string> files_, folders_;
    std::map<std::string, std::vector<std::string>> tech_;
};

// A digest of the running executable (/proc/self/exe: the running binary even if a rebuild
// replaced the file since). Computed once per process.
std::string simulator_digest();

// The inputs of one point; `cache` avoids hashing shared files again for every point.
PointInputs collect_point_inputs(const PointSources& sources, DigestCache& cache);

// The point id: 12 hex digits of FNV-1a 64 over the canonical JSON {role: digest}. Paths do
// not enter (a moved checkout resumes); any change of content gives a new id.
std::string point_id(const PointInputs& inputs);

// Where a point sits in a sweep, independent of its inputs' contents: the configuration and
// workload paths (absolute) and the overrides. A stored point with the same slot and another
// id is a stale result of this point.
std::string point_slot(const std::string& arch, const std::string& model, const Overrides& overrides);

// {role: {"label", "digest"}} for point.json, and what differs between a stored record of
// that form and the current inputs, in role order: "<label> changed", "<label> added" (an
// input the stored point did not read), "<label> no longer read".
json inputs_to_json(const PointInputs& inputs);
std::vector<std::string> changed_inputs(const json& stored, const PointInputs& now);

// A path as the user should read it: relative to the working folder when inside it.
std::string display_path(const std::string& path);

}  // namespace sx
