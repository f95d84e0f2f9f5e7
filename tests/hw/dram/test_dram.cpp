// DRAM model tests. Every TEST_CASE elaborates its own testbench (one process per case under
// ctest). Cycle numbers are derived from configs/dram/lpddr4-3200.json at tCK = 0.625 ns:
//   tRCD = ceil(18/0.625)=29   tRP = 29   tRAS = ceil(42/0.625)=68   tCL = RL = 17.5/0.625 = 28
//   tCWL = WL = 8.75/0.625 = 14   tBURST = BL16/2 = 8   tCCD = 8   tRTP = max(12, 8) = 12
//   tRFC = 280/0.625 = 448   tREFI = floor(3904/0.625) = 6246
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>

#include "hw/dram/dram.h"
#include "hw/dram/fr_fcfs_scheduler.h"
#include "tests/hw/dram/test_initiator.h"
#include "sw/common/error.h"

using namespace sx;
using sc_core::sc_time;
using sc_core::SC_NS;

namespace {

std::string preset(const char* name) { return std::string(SX_SOURCE_DIR) + "/configs/dram/" + name; }

struct Bench {
    Dram dram;
    DramTestInitiator init;
    Bench(const DramConfig& cfg, unsigned outstanding)
        : dram("dram", cfg), init("init", outstanding) {
        init.socket.bind(dram.socket);
    }
    uint64_t addr(uint32_t bank, uint32_t row, uint32_t col) const {
        DramAddress a;
        a.bank = bank; a.row = row; a.column = col;
        return dram.mapper().encode(a);
    }
    sc_time cyc(uint64_t n) const { return dram.clock_period() * double(n); }
    uint64_t cycles(const sc_time& t) const { return uint64_t(t.value() / dram.clock_period().value()); }
};

DramConfig lpddr4() { return load_dram_config(preset("lpddr4-3200.json")); }

}  // namespace

TEST_CASE("dram: preset timings convert as derived in the comments", "[dram]") {
    const DramConfig c = lpddr4();
    CHECK(c.t.tRCD == 29); CHECK(c.t.tRP == 29); CHECK(c.t.tRAS == 68); CHECK(c.t.tCL == 28);
    CHECK(c.t.tCWL == 14); CHECK(c.t.tBURST == 8); CHECK(c.t.tCCD_S == 8); CHECK(c.t.tRTP == 12);
    CHECK(c.t.tRFC == 448); CHECK(c.t.tREFI == 6246);
    CHECK(c.bytes_per_burst() == 64);
    CHECK(c.peak_bandwidth_bytes_per_s() == Approx(12.8e9));
    // A 60 MHz link clock rescales ns timings and limits bandwidth to width x data rate.
    const DramConfig slow = load_dram_config(preset("lpddr4-3200.json"), 1, 64, 60.0);
    CHECK(slow.t.tRCD == 4);   // max(ceil(18 / 16.67) = 2, min_tck 4)
    CHECK(slow.t.tCL == 2);    // ceil(17.5 / 16.67) = 2
    CHECK(slow.peak_bandwidth_bytes_per_s() == Approx(64 / 8 * 2 * 60e6));
    CHECK(slow.bytes_per_burst() == 128);
}

TEST_CASE("dram: read to a closed bank costs tRCD + tCL + tBURST", "[dram]") {
    Bench b(lpddr4(), 1);
    b.init.add(b.addr(0, 0, 0), 64, false);
    sc_core::sc_start();
    // ACT at 0, RD at tRCD = 29, data from 29 + tCL = 57 to 57 + tBURST = 65.
    CHECK(b.cycles(b.init.requests()[0].begin_resp) == 29 + 28 + 8);
    CHECK(b.init.requests()[0].begin_resp == sc_time(40.625, SC_NS));
    const DramStats s = b.dram.stats();
    CHECK(s.activates == 1); CHECK(s.row_misses == 1); CHECK(s.row_hits == 0); CHECK(s.bytes_read == 64);
}

TEST_CASE("dram: write to a closed bank costs tRCD + tCWL + tBURST", "[dram]") {
    Bench b(lpddr4(), 1);
    b.init.add(b.addr(0, 0, 0), 64, true);
    sc_core::sc_start();
    // ACT at 0, WR at 29, data from 29 + tCWL = 43 to 43 + 8 = 51.
    CHECK(b.cycles(b.init.requests()[0].begin_resp) == 29 + 14 + 8);
    CHECK(b.dram.stats().bytes_written == 64);
}

TEST_CASE("dram: row hits are tCCD-limited back to back and cost tCL + tBURST alone", "[dram]") {
    Bench b(lpddr4(), 4);
    b.init.add(b.addr(0, 0, 0), 64, false);
    b.init.add(b.addr(0, 0, 1), 64, false);             // same row, in flight with the first
    b.init.add(b.addr(0, 0, 2), 64, false, b.cyc(100)); // same row, bank idle and open
    sc_core::sc_start();
    auto& r = b.init.requests();
    CHECK(b.cycles(r[0].begin_resp) == 65);
    // 2nd RD waits tCCD after the first: 29 + 8 = 37, data ends 37 + 28 + 8 = 73.
    CHECK(b.cycles(r[1].begin_resp) == 73);
    // 3rd: RD at 100 (row open, all timings met), data ends 100 + 28 + 8 = 136: latency 36.
    CHECK(b.cycles(r[2].begin_resp) - 100 == 36);
    const DramStats s = b.dram.stats();
    CHECK(s.row_hits == 2); CHECK(s.row_misses == 1); CHECK(s.activates == 1);
}

TEST_CASE("dram: another row in the same bank costs tRP + tRCD + tCL + tBURST", "[dram]") {
    Bench b(lpddr4(), 1);
    b.init.add(b.addr(0, 0, 0), 64, false);
    b.init.add(b.addr(0, 1, 0), 64, false, b.cyc(200));
    sc_core::sc_start();
    // At 200 every earlier constraint (tRAS from 0: 68, tRTP from 29: 41) is met:
    // PRE 200, ACT 200 + 29 = 229, RD 229 + 29 = 258, data end 258 + 28 + 8 = 294.
    CHECK(b.cycles(b.init.requests()[1].begin_resp) - 200 == 29 + 29 + 28 + 8);
    const DramStats s = b.dram.stats();
    CHECK(s.activates == 2); CHECK(s.precharges == 1); CHECK(s.row_misses == 2);
}

static void stream(const char* file, uint32_t req_bytes, unsigned outstanding, uint64_t total,
                   int channels = 1, int width = 0, std::optional<double> mhz = std::nullopt) {
    const DramConfig cfg = load_dram_config(preset(file), channels, width, mhz);
    Bench b(cfg, outstanding);
    for (uint64_t a = 0; a < total; a += req_bytes) b.init.add(a, req_bytes, false);
    const auto w0 = std::chrono::steady_clock::now();
    sc_core::sc_start();
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
    REQUIRE(b.init.completed() == total / req_bytes);
    const double secs = b.init.last_response().to_seconds();
    const double bw = double(total) / secs;
    const double peak = cfg.peak_bandwidth_bytes_per_s();
    const DramStats s = b.dram.stats();
    std::printf("%s x%d ch @ %.0f MHz: %llu B in %u-B requests, %u outstanding: %.3f GB/s of %.3f GB/s peak = %.1f%%; "
                "%llu refreshes, %llu ACT, hit rate %.3f; wall %.3f s = %.2f M bursts/s, %.2f M transactions/s\n",
                cfg.name.c_str(), cfg.channels, cfg.clock_mhz, (unsigned long long)total, req_bytes, outstanding, bw / 1e9, peak / 1e9,
                100 * bw / peak, (unsigned long long)s.refreshes, (unsigned long long)s.activates,
                double(s.row_hits) / double(s.bursts()), wall, double(s.bursts()) / wall / 1e6,
                double(total / req_bytes) / wall / 1e6);
    CHECK(bw >= 0.85 * peak);
    CHECK(bw <= peak);
    CHECK(s.bytes_read == total);
}

TEST_CASE("dram: streaming 1 MiB read sustains >= 85% of LPDDR4-3200 peak", "[dram]") {
    stream("lpddr4-3200.json", 1024, 8, 1 << 20);
}

TEST_CASE("dram: streaming 1 MiB read sustains >= 85% of DDR4-2400 peak", "[dram]") {
    stream("ddr4-2400.json", 1024, 8, 1 << 20);
}

TEST_CASE("dram: two channels double the streamed bandwidth", "[dram]") {
    // row:bank:column:channel puts consecutive bursts on alternate channels: peak 25.6 GB/s.
    stream("lpddr4-3200.json", 1024, 8, 1 << 20, 2);
}

TEST_CASE("dram: a 60 MHz 64-bit link limits bandwidth to 0.96 GB/s", "[dram]") {
    // 64 bit x 2 transfers x 60 MHz = 0.96 GB/s; the stream must approach and never exceed it.
    stream("lpddr4-3200.json", 1024, 8, 1 << 20, 1, 64, 60.0);
}

TEST_CASE("dram: streaming 64-byte transactions (simulation speed figure)", "[dram]") {
    stream("lpddr4-3200.json", 64, 16, 16 << 20);
}

TEST_CASE("dram: FR-FCFS serves a younger row hit before an older miss", "[dram]") {
    Bench b(lpddr4(), 4);
    b.init.add(b.addr(0, 0, 0), 64, false);                 // opens row 0, done at 65
    const std::size_t miss = b.init.add(b.addr(0, 1, 0), 64, false, b.cyc(100));  // older
    const std::size_t hit = b.init.add(b.addr(0, 0, 1), 64, false, b.cyc(100));   // younger
    sc_core::sc_start();
    auto& r = b.init.requests();
    // Both arrive at 100. The hit's RD issues at 100 -> data end 136. The miss's PRE waits
    // for the hit (no precharge of a row with pending hits) and tRTP: 100 + 12 = 112;
    // ACT 141, RD 170, data end 170 + 36 = 206.
    CHECK(b.cycles(r[hit].begin_resp) == 136);
    CHECK(b.cycles(r[miss].begin_resp) == 206);
    CHECK(r[hit].begin_resp < r[miss].begin_resp);
}

TEST_CASE("dram: back-pressure, third request waits for a queue slot", "[dram]") {
    DramConfig cfg = lpddr4();
    cfg.request_queue_depth = 2;
    Bench b(cfg, 8);
    for (uint32_t c = 0; c < 3; ++c) b.init.add(b.addr(0, 0, c), 64, false);
    sc_core::sc_start();
    auto& r = b.init.requests();
    CHECK(b.cycles(r[0].end_req) == 0);
    CHECK(b.cycles(r[1].end_req) == 0);
    // The first transaction leaves the queue when its only RD issues, at tRCD = 29.
    CHECK(b.cycles(r[2].begin_req) == 0);
    CHECK(b.cycles(r[2].end_req) == 29);
    // RDs at 29, 37, 45 (tCCD apart): data ends 65, 73, 81.
    CHECK(b.cycles(r[0].begin_resp) == 65);
    CHECK(b.cycles(r[1].begin_resp) == 73);
    CHECK(b.cycles(r[2].begin_resp) == 81);
}

TEST_CASE("dram: refresh every tREFI blocks the bank for tRFC", "[dram]") {
    const DramConfig cfg = lpddr4();
    Bench b(cfg, 1);
    b.init.add(b.addr(0, 0, 0), 64, false);
    b.init.add(b.addr(0, 0, 1), 64, false, b.cyc(6246));   // arrives exactly when REF is due
    sc_core::sc_start();
    // At 6246 the refresh goes first: PREA 6246 (bank 0 open), REF 6246 + tRP = 6275, banks
    // blocked until 6275 + tRFC = 6723: ACT 6723, RD 6752, data end 6752 + 36 = 6788.
    CHECK(b.cycles(b.init.requests()[1].begin_resp) - 6246 == 29 + 448 + 29 + 28 + 8);
    CHECK(b.dram.stats().refreshes == 1);
    // Idle from here: ten tREFI periods in total, no wake-ups needed, still ten refreshes.
    sc_core::sc_start(b.cyc(10 * 6246 + 1) - sc_core::sc_time_stamp());
    const DramStats s = b.dram.stats();
    CHECK(s.refreshes == 10);
    CHECK(s.refresh_pj == Approx(10 * cfg.e.ref_pj));
    CHECK(s.background_pj > 0);
}

TEST_CASE("dram: data written is read back, backdoor and TLM agree", "[dram]") {
    Bench b(lpddr4(), 4);
    std::vector<uint8_t> pat(4096);
    for (std::size_t i = 0; i < pat.size(); ++i) pat[i] = uint8_t(i * 7 + 3);
    std::vector<uint8_t> pre(256);
    for (std::size_t i = 0; i < pre.size(); ++i) pre[i] = uint8_t(255 - i);
    b.dram.write_backdoor(1 << 20, pre.data(), pre.size());
    b.init.add(0x10000, 4096, true, sc_core::SC_ZERO_TIME, pat.data());
    const std::size_t rd = b.init.add(0x10000, 4096, false);
    const std::size_t rd2 = b.init.add(1 << 20, 256, false);
    const std::size_t zero = b.init.add(0x200000, 128, false);
    b.init.add(0x10040, 64, true, sc_core::SC_ZERO_TIME, pre.data());   // overwrite burst 1
    const std::size_t rd3 = b.init.add(0x10000, 192, false);
    sc_core::sc_start();
    auto& r = b.init.requests();
    CHECK(r[rd].data == pat);
    CHECK(r[rd2].data == pre);
    CHECK(r[zero].data == std::vector<uint8_t>(128, 0));
    std::vector<uint8_t> expect(pat.begin(), pat.begin() + 192);
    std::memcpy(expect.data() + 64, pre.data(), 64);
    CHECK(r[rd3].data == expect);
    std::vector<uint8_t> back(4096);
    b.dram.read_backdoor(0x10000, back.data(), back.size());
    std::memcpy(pat.data() + 64, pre.data(), 64);
    CHECK(back == pat);
    const DramStats s = b.dram.stats();
    CHECK(s.bytes_written == 4096 + 64);
    CHECK(s.bytes_read == 4096 + 256 + 128 + 192);
}

TEST_CASE("dram: per-layer statistics by snapshot difference", "[dram]") {
    Bench b(lpddr4(), 2);
    b.init.add(0, 4096, false);
    b.init.add(0, 4096, false, b.cyc(10000));
    sc_core::sc_start(b.cyc(5000));
    const DramStats first = b.dram.stats();
    sc_core::sc_start();
    const DramStats d = b.dram.stats() - first;
    CHECK(first.bytes_read == 4096);
    CHECK(d.bytes_read == 4096);
    CHECK(d.row_hits + d.row_misses == 64);
    CHECK(d.read_pj == Approx(64 * b.dram.config().e.rd_burst_pj));
    CHECK(d.elapsed_cycles == b.cycles(sc_core::sc_time_stamp()) - 5000);
    CHECK(d.background_pj > 0);
}

TEST_CASE("dram: bad preset fields give InputError naming the field", "[dram]") {
    const std::string path = preset("lpddr4-3200.json");
    const json good = load_json_file(path);
    auto field_of = [&](const std::function<void(json&)>& edit) -> std::string {
        json doc = good;
        edit(doc);
        try {
            parse_dram_config(JsonNode(doc, path), 1, 0, std::nullopt);
        } catch (const InputError& e) {
            CHECK(e.file() == path);
            return e.field();
        }
        return "(no error)";
    };
    CHECK(field_of([](json& d) { d["timing"]["tRCD"]["ns"] = -1; }) == "/timing/tRCD/ns");
    CHECK(field_of([](json& d) { d["banks"]["value"] = 6; }) == "/banks/value");
    CHECK(field_of([](json& d) { d["rows"]["source"] = ""; }) == "/rows/source");
    CHECK(field_of([](json& d) { d["clock_mhz"].erase("source"); }).find("/clock_mhz") == 0);
    CHECK(field_of([](json& d) { d["timing"].erase("tRP"); }).find("/timing") == 0);
    CHECK(field_of([](json& d) { d["timing"]["tRCDD"] = d["timing"]["tRCD"]; }).find("/timing") == 0);
    CHECK(field_of([](json& d) { d["controller"]["address_mapping"] = "row:bank:column"; }) ==
          "/controller/address_mapping");
    CHECK(field_of([](json& d) { d["energy"]["rails"][1]["idd4r"]["value"] = "big"; }) ==
          "/energy/rails/1/idd4r/value");
    CHECK(field_of([](json& d) {}) == "(no error)");
}

namespace {

// FR-FCFS that does not let the controller collapse a transaction's bursts into one candidate:
// every buffered burst is listed, as before the collapse existed.
class EveryBurstFrFcfs final : public DramScheduler {
public:
    DramDecision choose(const DramCandidate* c, std::size_t n, const uint8_t* hit, uint64_t now) const override {
        return inner_.choose(c, n, hit, now);
    }
    bool collapses_equal_candidates() const override { return false; }

private:
    FrFcfsScheduler inner_;
};

// The same random traffic (reads and writes, 1-16 bursts, sequential runs and random rows,
// random issue times, 8 outstanding) through two DRAMs in one simulation: the default FR-FCFS
// (collapsed candidates) and EveryBurstFrFcfs. Every request's END_REQ and BEGIN_RESP time,
// the data read and the statistics must be equal.
void collapse_matches_every_burst(const char* file, uint32_t seed, int channels = 1) {
    const DramConfig cfg = load_dram_config(preset(file), channels);
    Dram fast("fast", cfg), plain("plain", cfg, std::make_unique<EveryBurstFrFcfs>());
    DramTestInitiator fi("fast_init", 8), pi("plain_init", 8);
    fi.socket.bind(fast.socket);
    pi.socket.bind(plain.socket);
    const uint64_t bpb = cfg.bytes_per_burst();
    std::mt19937_64 g(seed);
    uint64_t t = 0, next_addr = 0;
    std::vector<uint8_t> data;
    for (int i = 0; i < 600; ++i) {
        const uint32_t len = uint32_t(bpb * (1 + g() % 16));
        uint64_t addr;
        if (g() % 3) addr = next_addr;   // continue a stream: row hits, equal bursts
        else addr = (g() % (cfg.capacity_bytes() / bpb - 16)) * bpb;
        if (addr + len > cfg.capacity_bytes()) addr = 0;
        next_addr = addr + len;
        const bool write = g() % 4 == 0;
        t += g() % 3 == 0 ? g() % 200 : 0;
        data.resize(len);
        for (auto& v : data) v = uint8_t(g());
        const sc_time at = fast.clock_period() * double(t);
        fi.add(addr, len, write, at, write ? data.data() : nullptr);
        pi.add(addr, len, write, at, write ? data.data() : nullptr);
    }
    sc_core::sc_start();
    REQUIRE(fi.completed() == 600);
    REQUIRE(pi.completed() == 600);
    for (std::size_t i = 0; i < 600; ++i) {
        const auto &a = fi.requests()[i], &b = pi.requests()[i];
        INFO("request " << i);
        CHECK(a.end_req == b.end_req);
        CHECK(a.begin_resp == b.begin_resp);
        CHECK(a.data == b.data);
    }
    const DramStats x = fast.stats(), y = plain.stats();
    CHECK(x.activates == y.activates);
    CHECK(x.precharges == y.precharges);
    CHECK(x.refreshes == y.refreshes);
    CHECK(x.row_hits == y.row_hits);
    CHECK(x.row_misses == y.row_misses);
    CHECK(x.busy_cycles == y.busy_cycles);
    CHECK(x.background_pj == y.background_pj);
    CHECK(x.activates > 0);
    CHECK(x.row_hits > x.row_misses);   // the streams do produce runs of equal bursts
}

}  // namespace

TEST_CASE("dram: one candidate per run of a transaction's bursts decides as one per burst (LPDDR4)", "[dram]") {
    collapse_matches_every_burst("lpddr4-3200.json", 7);
}

TEST_CASE("dram: one candidate per run of a transaction's bursts decides as one per burst (8-byte link)", "[dram]") {
    collapse_matches_every_burst("eyeriss-link-60mhz.json", 11);
}

TEST_CASE("dram: one candidate per run of a transaction's bursts decides as one per burst (2 channels)", "[dram]") {
    // A transaction's bursts alternate channels (row:bank:column:channel): each channel keeps
    // its own runs.
    collapse_matches_every_burst("lpddr4-3200.json", 5, 2);
}
