#include "sw/common/json_reader.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "sw/common/error.h"

namespace sx {

std::string escape_pointer_token(const std::string& key) {
    std::string out;
    for (char c : key) {
        if (c == '~') out += "~0";
        else if (c == '/') out += "~1";
        else out += c;
    }
    return out;
}

namespace {

std::string join(const std::vector<std::string>& items, const std::string& sep) {
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) out += (i ? sep : "") + items[i];
    return out;
}

std::string range_text(const char* kind, double min, double max, bool integral) {
    auto fmt = [integral](double v) {
        std::ostringstream os;
        if (integral) os << static_cast<long long>(v);
        else os << v;
        return os.str();
    };
    const bool has_min = std::isfinite(min) && min > -9.2e18;
    const bool has_max = std::isfinite(max) && max < 9.2e18;
    std::string s = kind;
    if (has_min && has_max) s += " in [" + fmt(min) + ", " + fmt(max) + "]";
    else if (has_min) s += " >= " + fmt(min);
    else if (has_max) s += " <= " + fmt(max);
    return s;
}
}  // namespace

namespace {
// parse_json_text, or (syntax_is_error false) nullopt for text that is not JSON at all.
std::optional<json> parse_checked(const std::string& text, const std::string& origin, bool syntax_is_error) {
    // Hardening (docs/hardening.md): nlohmann parses deep nesting fine, but dump() (error
    // messages, run.json provenance) recurses per level and overflows the stack on e.g.
    // 200000 nested '['. No project file nests deeper than a handful of levels.
    constexpr int kMaxDepth = 100;
    // nlohmann keeps the last of two equal keys of an object, so a field written twice (an
    // edit that added a line instead of changing one) would silently take its second value.
    // Each open container is tracked while parsing: its keys (objects) or the index of its
    // current element (arrays), which also gives the JSON pointer of the duplicate.
    struct Open {
        bool object = false;
        std::set<std::string> keys;
        std::string token;  // the current member's key, or the current element's index
        long long index = -1;
    };
    std::vector<Open> open;
    const auto pointer_to = [&](const std::string& key) {
        std::string p;
        for (std::size_t i = 0; i + 1 < open.size(); ++i) p += "/" + open[i].token;
        return p + "/" + escape_pointer_token(key);
    };
    const auto next_element = [&] {
        if (!open.empty() && !open.back().object) open.back().token = std::to_string(++open.back().index);
    };
    const json::parser_callback_t checks = [&](int depth, json::parse_event_t event, json& parsed) {
        using E = json::parse_event_t;
        if (depth > kMaxDepth && (event == E::object_start || event == E::array_start))
            throw InputError(origin, "", "JSON nested at most " + std::to_string(kMaxDepth) + " levels deep",
                             "deeper nesting");
        switch (event) {
        case E::object_start:
        case E::array_start:
            next_element();
            open.emplace_back();
            open.back().object = event == E::object_start;
            break;
        case E::object_end:
        case E::array_end:
            if (!open.empty()) open.pop_back();
            break;
        case E::key: {
            const std::string key = parsed.get<std::string>();
            if (!open.empty() && !open.back().keys.insert(key).second)
                throw InputError(origin, pointer_to(key), "each key once in an object",
                                 "'" + key + "' a second time (JSON keeps only one of the values)");
            if (!open.empty()) open.back().token = escape_pointer_token(key);
            break;
        }
        case E::value:
            next_element();
            break;
        }
        return true;
    };
    // Translate a byte offset into line:column, which is what editors show.
    const auto position = [&](std::size_t byte) {
        std::size_t line = 1, col = 1;
        for (std::size_t i = 0; i + 1 < byte && i < text.size(); ++i) {
            if (text[i] == '\n') { ++line; col = 1; } else { ++col; }
        }
        return "line " + std::to_string(line) + " column " + std::to_string(col);
    };
    if (!syntax_is_error) {
        try {
            return json::parse(text, checks);
        } catch (const json::exception&) {
            return std::nullopt;
        }
    }
    try {
        return json::parse(text, checks);
    } catch (const json::parse_error& e) {
        throw InputError(origin, position(e.byte), "valid JSON", std::string("a syntax error (") + e.what() + ")");
    } catch (const json::exception& e) {
        // Hardening (fuzz_config/fuzz_workload finding): the parser also throws out_of_range
        // 406 for numbers beyond double range (e.g. 1e400), which is bad input too. It carries
        // no offset; the message quotes the number, so locate its first occurrence.
        const std::string what = e.what();
        const auto q0 = what.find('\''), q1 = what.rfind('\'');
        std::string where = "a number";
        if (q0 != std::string::npos && q1 > q0) {
            const auto at = text.find(what.substr(q0 + 1, q1 - q0 - 1));
            if (at != std::string::npos) where = position(at + 1);
        }
        throw InputError(origin, where, "numbers within double range (about 1.8e308)", what);
    }
}
}  // namespace

json parse_json_text(const std::string& text, const std::string& origin) { return *parse_checked(text, origin, true); }

std::optional<json> try_parse_json_text(const std::string& text, const std::string& origin) {
    return parse_checked(text, origin, false);
}

json parse_json_or_string(const std::string& text, const std::string& origin) {
    auto value = try_parse_json_text(text, origin);
    return value ? std::move(*value) : json(text);
}

json load_json_file(const std::string& path) {
    // Hardening (bad-input suite): a folder opens as an empty stream and used to be reported
    // as a JSON syntax error at line 1 column 1.
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
        throw InputError(path, "", "a JSON file", "a directory");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError(path, "", "a readable JSON file", "it cannot be opened");
    std::ostringstream buf;
    buf << in.rdbuf();
    return parse_json_text(buf.str(), path);
}

std::string describe_json(const json& value) {
    if (value.is_null()) return "null";  // not "null null"
    std::string type = value.type_name();
    std::string text = value.dump();
    if (text.size() > 60) text = text.substr(0, 57) + "...";
    return type + " " + text;
}

void ValueOrigins::add(const std::string& doc_pointer, ValueOrigin origin) {
    entries_[doc_pointer] = std::move(origin);
}

std::optional<ValueOrigin> ValueOrigins::find(const std::string& doc_pointer) const {
    // The deepest entry that is doc_pointer itself or one of its parents (a whole token prefix:
    // "/dram" holds "/dram/channels", not "/dram_x").
    std::optional<ValueOrigin> best;
    std::size_t best_len = 0;
    for (const auto& [ptr, origin] : entries_) {
        const bool holds = doc_pointer.compare(0, ptr.size(), ptr) == 0 &&
                           (doc_pointer.size() == ptr.size() || doc_pointer[ptr.size()] == '/');
        if (!holds || (best && ptr.size() < best_len)) continue;
        best = ValueOrigin{origin.file, origin.pointer + doc_pointer.substr(ptr.size())};
        best_len = ptr.size();
    }
    return best;
}

JsonNode::JsonNode(const json& value, std::string file, std::string pointer, std::shared_ptr<const ValueOrigins> origins)
    : value_(&value), file_(std::move(file)), pointer_(std::move(pointer)), origins_(std::move(origins)) {}

JsonNode JsonNode::child(const json& value, std::string pointer) const {
    JsonNode c(value, file_, std::move(pointer), origins_);
    c.use_ = use_;
    if (use_) use_->mark(c.pointer_);
    return c;
}

JsonNode JsonNode::tracked(std::shared_ptr<FieldUse> use) const {
    JsonNode c = *this;
    c.use_ = std::move(use);
    return c;
}

void JsonNode::collect_unread(const std::string& expected, std::vector<InputError>& out) const {
    if (!use_ || !value_->is_object()) return;
    for (const auto& [key, v] : value_->items()) {  // nlohmann's object keeps keys sorted
        JsonNode member(v, file_, child_pointer(key), origins_);
        member.use_ = use_;
        if (use_->was_refused(member.pointer_)) continue;  // reported as refused
        if (!use_->was_read(member.pointer_)) {
            out.push_back(member.error_at(member.pointer_, expected,
                                          "a field '" + key + "' that nothing reads here (it would have no effect)"));
            continue;
        }
        member.collect_unread(expected, out);
    }
}

std::vector<InputError> JsonNode::unread_fields(const std::string& expected) const {
    if (!use_) return {};
    std::vector<InputError> out = use_->refused();
    collect_unread(expected, out);
    return out;
}

void JsonNode::expect_all_read(const std::string& expected) const {
    const std::vector<InputError> problems = unread_fields(expected);
    if (!problems.empty()) throw InputError::all_of(problems);
}

void JsonNode::reject_unsupported(const std::string& key, const std::string& why) const {
    if (!value_->is_object() || !value_->contains(key)) return;
    const InputError e = error_at(child_pointer(key), "no field '" + key + "' (not supported: " + why + "; remove it)",
                                  describe_json(value_->at(key)));
    if (!use_) throw e;
    use_->refuse(child_pointer(key), e);
}

ValueOrigin JsonNode::origin() const {
    if (origins_)
        if (auto o = origins_->find(pointer_)) return *o;
    return ValueOrigin{file_, pointer()};
}

InputError JsonNode::error_at(const std::string& pointer, const std::string& expected, const std::string& found) const {
    if (origins_)
        if (auto o = origins_->find(pointer)) return InputError(o->file, o->pointer, expected, found);
    return InputError(file_, pointer.empty() ? root_pointer() : pointer, expected, found);
}

void JsonNode::fail_at(const std::string& pointer, const std::string& expected, const std::string& found) const {
    throw error_at(pointer, expected, found);
}

const std::string& JsonNode::root_pointer() {
    static const std::string root = "/";
    return root;
}

std::string JsonNode::child_pointer(const std::string& key) const {
    return pointer_ + "/" + escape_pointer_token(key);
}

std::string JsonNode::found() const { return describe_json(*value_); }

void JsonNode::fail(const std::string& expected) const { fail_at(pointer_, expected, found()); }

void JsonNode::fail(const std::string& expected, const std::string& found) const { fail_at(pointer_, expected, found); }

void JsonNode::fail_member(const std::string& key, const std::string& expected) const {
    if (value_->is_object() && value_->contains(key)) at(key).fail(expected);
    fail_at(child_pointer(key), expected, "nothing (the field is missing)");
}

void JsonNode::expect_object() const {
    if (!value_->is_object()) fail("an object");
}

void JsonNode::expect_array() const {
    if (!value_->is_array()) fail("an array");
}

void JsonNode::expect_only(const std::vector<std::string>& allowed) const {
    expect_object();
    // Every unknown member of this object in one error (an old or misspelt file often has several).
    std::vector<InputError> unknown;
    for (const auto& [key, v] : value_->items()) {
        if (use_ && use_->was_refused(child_pointer(key))) continue;  // reported with the others
        if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
            unknown.push_back(error_at(child_pointer(key), "one of the known fields (" + join(allowed, ", ") + ")",
                                       "an unknown field '" + key + "'"));
    }
    if (!unknown.empty()) throw InputError::all_of(unknown);
}

bool JsonNode::has(const std::string& key) const { return value_->is_object() && value_->contains(key); }

JsonNode JsonNode::at(const std::string& key) const {
    expect_object();
    auto it = value_->find(key);
    if (it == value_->end()) fail_at(child_pointer(key), "a value", "nothing (the field is missing)");
    return child(*it, child_pointer(key));
}

std::optional<JsonNode> JsonNode::find(const std::string& key) const {
    expect_object();
    auto it = value_->find(key);
    if (it == value_->end()) return std::nullopt;
    return child(*it, child_pointer(key));
}

JsonNode JsonNode::at(std::size_t index) const {
    expect_array();
    if (index >= value_->size()) fail("an array with at least " + std::to_string(index + 1) + " elements");
    return child((*value_)[index], pointer_ + "/" + std::to_string(index));
}

std::size_t JsonNode::size() const {
    expect_array();
    return value_->size();
}

std::vector<std::string> JsonNode::keys() const {
    expect_object();
    std::vector<std::string> out;
    for (const auto& [key, v] : value_->items()) out.push_back(key);
    std::sort(out.begin(), out.end());
    return out;
}

int64_t JsonNode::as_int(int64_t min, int64_t max) const {
    const std::string what = range_text("an integer", static_cast<double>(min), static_cast<double>(max), true);
    int64_t v = 0;
    if (value_->is_number_integer()) {
        if (value_->is_number_unsigned() && value_->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) fail(what);
        v = value_->get<int64_t>();
    } else if (value_->is_number_float()) {
        const double d = value_->get<double>();
        if (!std::isfinite(d) || std::floor(d) != d || std::fabs(d) > 9.0e18) fail(what);
        v = static_cast<int64_t>(d);
    } else {
        fail(what);
    }
    if (v < min || v > max) fail(what);
    return v;
}

double JsonNode::as_double(double min, double max) const {
    const std::string what = range_text("a number", min, max, false);
    if (!value_->is_number()) fail(what);
    const double v = value_->get<double>();
    if (!std::isfinite(v) || v < min || v > max) fail(what);
    return v;
}

std::string JsonNode::as_string() const {
    if (!value_->is_string()) fail("a string");
    return value_->get<std::string>();
}

bool JsonNode::as_bool() const {
    if (!value_->is_boolean()) fail("true or false");
    return value_->get<bool>();
}

std::string JsonNode::as_enum(const std::vector<std::string>& options) const {
    std::string what = "one of \"" + join(options, "\", \"") + "\"";
    if (!value_->is_string()) fail(what);
    std::string v = value_->get<std::string>();
    if (std::find(options.begin(), options.end(), v) == options.end()) fail(what);
    return v;
}

int64_t JsonNode::get_int(const std::string& key, int64_t min, int64_t max) const { return at(key).as_int(min, max); }
int64_t JsonNode::get_int_or(const std::string& key, int64_t fallback, int64_t min, int64_t max) const {
    auto n = find(key);
    return n ? n->as_int(min, max) : fallback;
}
double JsonNode::get_double(const std::string& key, double min, double max) const { return at(key).as_double(min, max); }
double JsonNode::get_double_or(const std::string& key, double fallback, double min, double max) const {
    auto n = find(key);
    return n ? n->as_double(min, max) : fallback;
}
std::string JsonNode::get_string(const std::string& key) const { return at(key).as_string(); }
std::string JsonNode::get_string_or(const std::string& key, const std::string& fallback) const {
    auto n = find(key);
    return n ? n->as_string() : fallback;
}
bool JsonNode::get_bool(const std::string& key) const { return at(key).as_bool(); }
bool JsonNode::get_bool_or(const std::string& key, bool fallback) const {
    auto n = find(key);
    return n ? n->as_bool() : fallback;
}
std::string JsonNode::get_enum(const std::string& key, const std::vector<std::string>& options) const {
    return at(key).as_enum(options);
}
std::string JsonNode::get_enum_or(const std::string& key, const std::vector<std::string>& options,
                                  const std::string& fallback) const {
    auto n = find(key);
    return n ? n->as_enum(options) : fallback;
}

}  // namespace sx
