#include "hw/dram/dram_config.h"

#include <cmath>
#include <stdexcept>

#include "sw/common/error.h"

namespace sx {

namespace {

bool is_pow2(uint64_t v) { return v && !(v & (v - 1)); }
uint32_t log2u(uint64_t v) { uint32_t n = 0; while ((uint64_t(1) << n) < v) ++n; return n; }

// Every number in a preset is {"value": x, "source": "..."}: the source is mandatory so that
// no figure enters the model without a reference.
void expect_source(const JsonNode& n) {
    const std::string s = n.get_string("source");
    if (s.empty()) n.at("source").fail("a non-empty string naming the datasheet / spec / paper");
}

// A preset entry {"value": ..., "source": "...", "note": "..."}, validated except its value.
JsonNode sourced_entry(const JsonNode& parent, const std::string& key) {
    JsonNode n = parent.at(key);
    n.expect_object();
    n.expect_only({"value", "source", "note"});
    expect_source(n);
    return n;
}

double sourced_double(const JsonNode& parent, const std::string& key, double min, double max) {
    return sourced_entry(parent, key).get_double("value", min, max);
}

int64_t sourced_int(const JsonNode& parent, const std::string& key, int64_t min, int64_t max) {
    return sourced_entry(parent, key).get_int("value", min, max);
}

void require_pow2(const JsonNode& parent, const std::string& key, int64_t v) {
    if (!is_pow2(uint64_t(v))) parent.at(key).at("value").fail("a power of two (address bits are sliced)");
}

// A timing is {"ns": x, "min_tck": n, "source"} (converted at the effective clock, rounded
// up: a minimum delay must never be shortened) or {"tck": n, "source"} (fixed in cycles).
// round_down is for maxima (tREFI: refreshing late is illegal).
uint32_t timing_cycles(const JsonNode& timing, const std::string& key, double tck_ns,
                       bool round_down = false) {
    JsonNode n = timing.at(key);
    n.expect_object();
    n.expect_only({"ns", "min_tck", "tck", "source", "note"});
    expect_source(n);
    if (n.has("tck")) {
        if (n.has("ns")) n.fail("either \"tck\" or \"ns\" (+ optional \"min_tck\"), not both");
        return uint32_t(n.get_int("tck", 0, 1 << 24));
    }
    if (!n.has("ns")) n.fail("a member \"ns\" or \"tck\"");
    const double ns = n.get_double("ns", 0.0, 1e7);
    const int64_t min_tck = n.get_int_or("min_tck", 0, 0, 1 << 24);
    const double cyc = ns / tck_ns;
    // The epsilon keeps 17.5 ns / 0.625 ns from rounding to 29 through floating-point noise.
    const double c = round_down ? std::floor(cyc + 1e-9) : std::ceil(cyc - 1e-9);
    return uint32_t(std::max<double>(c, double(min_tck)));
}

DramAddrField parse_field(const JsonNode& node, const std::string& name) {
    if (name == "row") return DramAddrField::Row;
    if (name == "bank") return DramAddrField::Bank;
    if (name == "column") return DramAddrField::Column;
    if (name == "channel") return DramAddrField::Channel;
    node.fail("a ':'-separated permutation of row, bank, column, channel (MSB first)");
}

}  // namespace

std::string DramConfig::mapping_text() const {
    static const char* names[] = {"row", "bank", "column", "channel"};
    std::string s;
    for (std::size_t i = 0; i < mapping.size(); ++i) s += (i ? ":" : "") + std::string(names[int(mapping[i])]);
    return s;
}

DramConfig parse_dram_config(const JsonNode& p, int channels, int bus_width_bits,
                             std::optional<double> clock_mhz_override) {
    p.expect_object();
    p.expect_only({"name", "description", "standard", "clock_mhz", "transfers_per_clock",
                   "bus_width_bits", "burst_length", "banks", "bank_groups", "rows", "columns",
                   "timing", "energy", "controller", "notes"});
    DramConfig c;
    c.file = p.file();
    c.name = p.get_string("name");
    // channels, bus_width_bits and the clock override are the configuration's fields, not the
    // preset's: the configuration loader validates them (and names the field or the --set
    // option that wrote them). Here they are arguments, and a bad one is a caller's bug.
    if (channels < 1 || channels > 1024 || !is_pow2(uint64_t(channels)))
        throw std::invalid_argument("parse_dram_config: channels " + std::to_string(channels) +
                                    " is not a power of two in [1, 1024]");
    c.channels = channels;

    const double preset_clock = sourced_double(p, "clock_mhz", 1.0, 1e5);
    c.clock_mhz = preset_clock;
    if (clock_mhz_override) {
        if (!(*clock_mhz_override > 0))
            throw std::invalid_argument("parse_dram_config: clock override " + std::to_string(*clock_mhz_override) +
                                        " MHz is not > 0");
        c.clock_mhz = *clock_mhz_override;
    }
    c.transfers_per_clock = int(sourced_int(p, "transfers_per_clock", 1, 8));
    const int preset_width = int(sourced_int(p, "bus_width_bits", 8, 1024));
    require_pow2(p, "bus_width_bits", preset_width);
    c.bus_width_bits = preset_width;
    if (bus_width_bits != 0) {
        if (bus_width_bits < 8 || bus_width_bits > 1024 || !is_pow2(uint64_t(bus_width_bits)))
            throw std::invalid_argument("parse_dram_config: bus width " + std::to_string(bus_width_bits) +
                                        " bits is not a power of two in [8, 1024]");
        c.bus_width_bits = bus_width_bits;
    }
    c.burst_length = int(sourced_int(p, "burst_length", 1, 64));
    require_pow2(p, "burst_length", c.burst_length);
    c.banks = int(sourced_int(p, "banks", 1, 1024));
    require_pow2(p, "banks", c.banks);
    c.bank_groups = p.has("bank_groups") ? int(sourced_int(p, "bank_groups", 1, 64)) : 1;
    if (c.banks % c.bank_groups != 0) p.at("bank_groups").at("value").fail("a divisor of banks");
    c.rows = int(sourced_int(p, "rows", 1, 1 << 24));
    require_pow2(p, "rows", c.rows);
    c.columns = int(sourced_int(p, "columns", 1, 1 << 20));
    require_pow2(p, "columns", c.columns);
    if (c.columns < c.burst_length) p.at("columns").at("value").fail("an integer >= burst_length");

    // --- timing ---
    const JsonNode t = p.at("timing");
    t.expect_object();
    t.expect_only({"tRCD", "tRP", "tRAS", "tCL", "tCWL", "tCCD_S", "tCCD_L", "tRRD_S", "tRRD_L",
                   "tFAW", "tWR", "tWTR_S", "tWTR_L", "tRTP", "tRFC", "tREFI"});
    const double tck = c.tck_ns();
    DramTimings& T = c.t;
    T.tRCD = timing_cycles(t, "tRCD", tck);
    T.tRP = timing_cycles(t, "tRP", tck);
    T.tRAS = timing_cycles(t, "tRAS", tck);
    T.tCL = timing_cycles(t, "tCL", tck);
    T.tCWL = timing_cycles(t, "tCWL", tck);
    T.tCCD_S = timing_cycles(t, "tCCD_S", tck);
    T.tCCD_L = t.has("tCCD_L") ? timing_cycles(t, "tCCD_L", tck) : T.tCCD_S;
    T.tRRD_S = timing_cycles(t, "tRRD_S", tck);
    T.tRRD_L = t.has("tRRD_L") ? timing_cycles(t, "tRRD_L", tck) : T.tRRD_S;
    T.tFAW = timing_cycles(t, "tFAW", tck);
    T.tWR = timing_cycles(t, "tWR", tck);
    T.tWTR_S = timing_cycles(t, "tWTR_S", tck);
    T.tWTR_L = t.has("tWTR_L") ? timing_cycles(t, "tWTR_L", tck) : T.tWTR_S;
    T.tRTP = timing_cycles(t, "tRTP", tck);
    T.tRFC = timing_cycles(t, "tRFC", tck);
    T.tREFI = timing_cycles(t, "tREFI", tck, /*round_down=*/true);
    T.tBURST = uint32_t(c.burst_length / c.transfers_per_clock);
    if (T.tBURST == 0) p.at("burst_length").at("value").fail("at least transfers_per_clock");
    if (T.tCCD_S < T.tBURST) t.at("tCCD_S").fail("at least burst_length / transfers_per_clock cycles (data bus)");
    if (T.tRCD == 0 || T.tRP == 0 || T.tCL == 0) t.fail("tRCD, tRP and tCL of at least one cycle");
    if (T.tREFI <= T.tRFC + T.tRP) t.at("tREFI").fail("a refresh interval longer than tRFC + tRP");
    T.tRTW = T.tCL + T.tBURST + 2 > T.tCWL ? T.tCL + T.tBURST + 2 - T.tCWL : 1;

    // --- energy (DRAMPower formulas, IDD in mA, VDD in V, times in ns -> pJ) ---
    const JsonNode e = p.at("energy");
    e.expect_object();
    e.expect_only({"devices_per_channel", "rails", "note"});
    const double devices = sourced_double(e, "devices_per_channel", 1e-3, 1e4) *
                           double(c.bus_width_bits) / double(preset_width);
    const JsonNode rails = e.at("rails");
    rails.expect_array();
    if (rails.size() == 0) rails.fail("at least one supply rail");
    const double tRAS_ns = T.tRAS * tck, tRP_ns = T.tRP * tck;
    const double tB_ns = T.tBURST * tck, tRFC_ns = T.tRFC * tck;
    for (std::size_t i = 0; i < rails.size(); ++i) {
        const JsonNode r = rails.at(i);
        r.expect_object();
        r.expect_only({"name", "vdd", "idd0", "idd2n", "idd3n", "idd4r", "idd4w", "idd5", "note"});
        const double v = sourced_double(r, "vdd", 0.1, 5.0);
        const double idd0 = sourced_double(r, "idd0", 0, 1e4), idd2n = sourced_double(r, "idd2n", 0, 1e4);
        const double idd3n = sourced_double(r, "idd3n", 0, 1e4), idd4r = sourced_double(r, "idd4r", 0, 1e4);
        const double idd4w = sourced_double(r, "idd4w", 0, 1e4), idd5 = sourced_double(r, "idd5", 0, 1e4);
        // DRAMPower: E_act = VDD (IDD0 - IDD3N) tRAS, E_pre = VDD (IDD0 - IDD2N) tRP, i.e.
        // IDD0 over tRC minus the standby current that background energy already counts.
        c.e.act_pj += devices * v * std::max(0.0, idd0 - idd3n) * tRAS_ns;
        c.e.pre_pj += devices * v * std::max(0.0, idd0 - idd2n) * tRP_ns;
        c.e.rd_burst_pj += devices * v * std::max(0.0, idd4r - idd3n) * tB_ns;
        c.e.wr_burst_pj += devices * v * std::max(0.0, idd4w - idd3n) * tB_ns;
        c.e.ref_pj += devices * v * std::max(0.0, idd5 - idd3n) * tRFC_ns;
        c.e.bg_active_mw += devices * v * idd3n;
        c.e.bg_precharged_mw += devices * v * idd2n;
    }

    // --- controller ---
    std::string mapping = "row:bank:column:channel";
    if (auto ctl = p.find("controller")) {
        ctl->expect_object();
        ctl->expect_only({"request_queue_depth", "scheduler_buffer_depth", "address_mapping", "page_policy", "note"});
        if (ctl->has("request_queue_depth")) c.request_queue_depth = int(sourced_int(*ctl, "request_queue_depth", 1, 4096));
        if (ctl->has("scheduler_buffer_depth")) c.scheduler_buffer_depth = int(sourced_int(*ctl, "scheduler_buffer_depth", 1, 4096));
        if (ctl->has("page_policy")) ctl->get_enum("page_policy", {"open"});
        if (ctl->has("address_mapping")) mapping = ctl->get_string("address_mapping");
    }
    {
        const JsonNode where = p.find("controller") && p.at("controller").has("address_mapping")
                                   ? p.at("controller").at("address_mapping") : p;
        bool seen[4] = {false, false, false, false};
        std::size_t start = 0;
        while (start <= mapping.size()) {
            std::size_t end = mapping.find(':', start);
            if (end == std::string::npos) end = mapping.size();
            DramAddrField f = parse_field(where, mapping.substr(start, end - start));
            if (seen[int(f)]) where.fail("each of row, bank, column, channel exactly once");
            seen[int(f)] = true;
            c.mapping.push_back(f);
            start = end + 1;
        }
        if (c.mapping.size() != 4) where.fail("each of row, bank, column, channel exactly once");
    }
    return c;
}

DramConfig load_dram_config(const std::string& path, int channels, int bus_width_bits,
                            std::optional<double> clock_mhz_override) {
    const json doc = load_json_file(path);
    return parse_dram_config(JsonNode(doc, path), channels, bus_width_bits, clock_mhz_override);
}

DramAddressMapper::DramAddressMapper(const DramConfig& c) {
    uint64_t size[4];
    size[int(DramAddrField::Row)] = uint64_t(c.rows);
    size[int(DramAddrField::Bank)] = uint64_t(c.banks);
    size[int(DramAddrField::Column)] = c.bursts_per_row();
    size[int(DramAddrField::Channel)] = uint64_t(c.channels);
    uint32_t shift = log2u(c.bytes_per_burst());
    for (auto it = c.mapping.rbegin(); it != c.mapping.rend(); ++it) {
        shift_[int(*it)] = shift;
        mask_[int(*it)] = size[int(*it)] - 1;
        shift += log2u(size[int(*it)]);
    }
}

uint64_t DramAddressMapper::encode(const DramAddress& a) const {
    return (uint64_t(a.row) << shift_[0]) | (uint64_t(a.bank) << shift_[1]) |
           (uint64_t(a.column) << shift_[2]) | (uint64_t(a.channel) << shift_[3]);
}

}  // namespace sx
