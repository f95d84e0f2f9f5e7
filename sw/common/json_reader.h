#pragma once
// Validating access to JSON documents. Every failure is an InputError naming the file, the
// JSON pointer of the field and what was expected, e.g.
//   configs/x.json: /buffers/input/banks: expected an integer >= 1, found -2
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sw/common/error.h"

namespace sx {

// An object key as one JSON pointer token (RFC 6901): '~' -> "~0", '/' -> "~1".
std::string escape_pointer_token(const std::string& key);

using json = nlohmann::json;

// Parse a JSON file; syntax errors and unreadable files become InputError. Every JSON the tool
// reads goes through these: they also refuse a key written twice in one object (InputError at
// the JSON pointer of the second, "expected each key once"; nlohmann alone keeps the last
// value silently) and nesting deeper than 100 levels. `origin` names the text in errors.
json load_json_file(const std::string& path);
json parse_json_text(const std::string& text, const std::string& origin);
// For values that are JSON when they parse and plain strings otherwise (--set, --param): the
// document, or nullopt when `text` is not JSON; a duplicate key or too deep nesting is still
// an InputError (that text is JSON, written wrongly).
std::optional<json> try_parse_json_text(const std::string& text, const std::string& origin);
// The command-line value rule of --set and --param: `text` as JSON when it parses (8, 0.5, true,
// "x", [1, 2]), else the string itself. Same errors as try_parse_json_text.
json parse_json_or_string(const std::string& text, const std::string& origin);

// Where a value was written: a file (or a command-line option such as "--set") and the JSON
// pointer of the value there ("" when the option's value is the value itself).
struct ValueOrigin {
    std::string file;
    std::string pointer;
};

// Where the values of a document assembled from several places were written. A configuration
// is its file with some subtrees replaced before validation (--set, sweep parameters, compare
// normalisation); each replaced subtree is recorded here, so that an error about a value
// inside it names the place the user wrote the value, not the file it replaced.
class ValueOrigins {
public:
    // The value at `doc_pointer` (and everything under it) was written at `origin`.
    void add(const std::string& doc_pointer, ValueOrigin origin);
    // The origin of the value at `doc_pointer`: the deepest recorded subtree holding it, its
    // pointer extended by the rest of `doc_pointer`; nullopt if the value is the document's own.
    std::optional<ValueOrigin> find(const std::string& doc_pointer) const;
    bool empty() const { return entries_.empty(); }

private:
    std::map<std::string, ValueOrigin> entries_;
};

class JsonNode;

// The members of a document that its parsers read (JSON pointers). A configuration is parsed
// by several modules (sw/config for the shared fields, each design for its own section);
// after all of them, a member nobody read is a field the run would silently ignore: an
// error (issue 12: an unknown or unused key is an error naming its JSON pointer).
// It also collects the members refused as no longer supported (JsonNode::reject_unsupported
// on a tracked node), so that an old-format file gets all of them in one error.
class FieldUse {
public:
    void mark(const std::string& pointer) { read_.insert(pointer); }
    bool was_read(const std::string& pointer) const { return read_.count(pointer) != 0; }
    void refuse(const std::string& pointer, const InputError& why) {
        if (refused_at_.insert(pointer).second) refused_.push_back(why);
    }
    bool was_refused(const std::string& pointer) const { return refused_at_.count(pointer) != 0; }
    const std::vector<InputError>& refused() const { return refused_; }  // in the order refused

private:
    std::set<std::string> read_;
    std::set<std::string> refused_at_;
    std::vector<InputError> refused_;
};

class JsonNode {
public:
    // `origins` (optional) says which subtrees of the document were written elsewhere than
    // `file`: errors about values there name that place instead (see ValueOrigins).
    JsonNode(const json& value, std::string file, std::string pointer = "",
             std::shared_ptr<const ValueOrigins> origins = nullptr);

    // The same node, recording in `use` every member read through it and its children
    // (at, find and the get_* getters; has() is not a read).
    JsonNode tracked(std::shared_ptr<FieldUse> use) const;
    // On a tracked node: one InputError (InputError::all_of) listing every member refused as
    // unsupported (reject_unsupported), then every member (depth first, keys sorted) of the
    // objects under this node that nobody read; objects that were read are searched, other
    // values are leaves. `expected` says what is accepted, e.g. "a field the eyeriss design uses".
    void expect_all_read(const std::string& expected) const;
    // The problems expect_all_read would report, one InputError each (empty: none).
    std::vector<InputError> unread_fields(const std::string& expected) const;

    const json& value() const { return *value_; }
    const std::string& file() const { return file_; }
    const std::string& pointer() const { return pointer_.empty() ? root_pointer() : pointer_; }
    // Where this value was written: (file(), pointer()) unless it came from an override.
    ValueOrigin origin() const;

    bool has(const std::string& key) const;
    JsonNode at(const std::string& key) const;           // required member (object expected)
    std::optional<JsonNode> find(const std::string& key) const;
    JsonNode at(std::size_t index) const;                // array element
    std::size_t size() const;                            // array length (array expected)
    std::vector<std::string> keys() const;               // object keys, sorted

    void expect_object() const;
    void expect_array() const;
    // Rejects members not in `allowed`: catches typos such as "dim_n" for "dim_m". All the
    // unknown members of the object are named in one error (InputError::all_of).
    void expect_only(const std::vector<std::string>& allowed) const;
    // Rejects a member that used to exist (or is documented elsewhere) but is not supported:
    // the error says so and why, instead of "unknown field". On a tracked node the error is
    // recorded (expect_all_read reports it with the others; expect_only skips the member);
    // otherwise it is thrown at once.
    void reject_unsupported(const std::string& key, const std::string& why) const;

    // Typed getters on this node.
    int64_t as_int(int64_t min = std::numeric_limits<int64_t>::min(),
                   int64_t max = std::numeric_limits<int64_t>::max()) const;
    double as_double(double min = -std::numeric_limits<double>::infinity(),
                     double max = std::numeric_limits<double>::infinity()) const;
    std::string as_string() const;
    bool as_bool() const;
    std::string as_enum(const std::vector<std::string>& options) const;

    // Typed getters on a member: required, and optional with a default.
    int64_t get_int(const std::string& key, int64_t min = std::numeric_limits<int64_t>::min(),
                    int64_t max = std::numeric_limits<int64_t>::max()) const;
    int64_t get_int_or(const std::string& key, int64_t fallback,
                       int64_t min = std::numeric_limits<int64_t>::min(),
                       int64_t max = std::numeric_limits<int64_t>::max()) const;
    double get_double(const std::string& key, double min = -std::numeric_limits<double>::infinity(),
                      double max = std::numeric_limits<double>::infinity()) const;
    double get_double_or(const std::string& key, double fallback,
                         double min = -std::numeric_limits<double>::infinity(),
                         double max = std::numeric_limits<double>::infinity()) const;
    std::string get_string(const std::string& key) const;
    std::string get_string_or(const std::string& key, const std::string& fallback) const;
    bool get_bool(const std::string& key) const;
    bool get_bool_or(const std::string& key, bool fallback) const;
    std::string get_enum(const std::string& key, const std::vector<std::string>& options) const;
    std::string get_enum_or(const std::string& key, const std::vector<std::string>& options,
                            const std::string& fallback) const;

    // Raise an InputError at this node (or at one of its members).
    // Both name origin(): where the user wrote the value.
    [[noreturn]] void fail(const std::string& expected) const;
    [[noreturn]] void fail(const std::string& expected, const std::string& found) const;
    [[noreturn]] void fail_member(const std::string& key, const std::string& expected) const;

private:
    static const std::string& root_pointer();
    std::string child_pointer(const std::string& key) const;
    std::string found() const;
    JsonNode child(const json& value, std::string pointer) const;
    [[noreturn]] void fail_at(const std::string& pointer, const std::string& expected, const std::string& found) const;
    InputError error_at(const std::string& pointer, const std::string& expected, const std::string& found) const;
    void collect_unread(const std::string& expected, std::vector<InputError>& out) const;

    const json* value_;
    std::string file_;
    std::string pointer_;
    std::shared_ptr<const ValueOrigins> origins_;
    std::shared_ptr<FieldUse> use_;  // null: reads are not recorded
};

// Short rendering of a JSON value for error messages (truncated).
std::string describe_json(const json& value);

}  // namespace sx
