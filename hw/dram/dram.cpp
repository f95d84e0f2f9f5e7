#include "hw/dram/dram.h"

#include <sstream>

#include "hw/common/sx_assert.h"
#include "hw/dram/fr_fcfs_scheduler.h"
#include "sw/common/error.h"

namespace sx {

using namespace sc_core;

Dram::Dram(sc_module_name name, const DramConfig& cfg, std::unique_ptr<DramScheduler> scheduler)
    : sc_module(name), socket("socket"), cfg_(cfg), mapper_(cfg),
      sched_(scheduler ? std::move(scheduler) : std::make_unique<FrFcfsScheduler>()),
      collapse_(sched_->collapses_equal_candidates()),
      period_(1e6 / cfg.clock_mhz, SC_PS) {
    period_units_ = period_.value();
    if (period_units_ == 0) throw SimulationError(std::string(basename()) + ": DRAM clock period below the time resolution");
    socket.register_nb_transport_fw(this, &Dram::nb_transport_fw);
    socket.register_transport_dbg(this, &Dram::transport_dbg);
    slots_.resize(std::size_t(cfg_.request_queue_depth));
    for (int i = cfg_.request_queue_depth - 1; i >= 0; --i) free_slots_.push_back(uint32_t(i));
    channels_.reserve(std::size_t(cfg_.channels));
    for (int c = 0; c < cfg_.channels; ++c) channels_.emplace_back(cfg_);

    SC_METHOD(controller);
    sensitive << wake_ev_;
    dont_initialize();
    SC_METHOD(responder);
    sensitive << resp_ev_;
    dont_initialize();
}

Dram::~Dram() = default;

uint64_t Dram::now_cycle() const {
    return (sc_time_stamp().value() + period_units_ - 1) / period_units_;
}

void Dram::wake_at(sc_event& ev, uint64_t cycle) {
    const sc_time at = period_ * double(cycle);
    const sc_time now = sc_time_stamp();
    // sc_event keeps the earlier of two pending notifications, so a later wake never hides
    // an earlier one.
    ev.notify(at > now ? at - now : SC_ZERO_TIME);
}

void Dram::write_backdoor(uint64_t addr, const void* src, std::size_t len) {
    if (addr + len > cfg_.capacity_bytes())
        throw SimulationError(std::string(basename()) + ": write_backdoor beyond DRAM capacity");
    store_.write(addr, static_cast<const uint8_t*>(src), len);
}

void Dram::read_backdoor(uint64_t addr, void* dst, std::size_t len) const {
    if (addr + len > cfg_.capacity_bytes())
        throw SimulationError(std::string(basename()) + ": read_backdoor beyond DRAM capacity");
    store_.read(addr, static_cast<uint8_t*>(dst), len);
}

unsigned int Dram::transport_dbg(tlm::tlm_generic_payload& gp) {
    const uint64_t a = gp.get_address();
    const std::size_t n = gp.get_data_length();
    if (a + n > cfg_.capacity_bytes()) return 0;
    if (gp.is_write()) store_.write(a, gp.get_data_ptr(), n);
    else if (gp.is_read()) store_.read(a, gp.get_data_ptr(), n);
    return unsigned(n);
}

void Dram::validate(const tlm::tlm_generic_payload& gp) const {
    const uint64_t bpb = bytes_per_burst();
    const uint64_t a = gp.get_address(), n = gp.get_data_length();
    const bool ok = (gp.is_read() || gp.is_write()) && n != 0 && n % bpb == 0 && a % bpb == 0 &&
                    a + n <= cfg_.capacity_bytes() && !gp.get_byte_enable_ptr() &&
                    (gp.get_streaming_width() == 0 || gp.get_streaming_width() >= n);
    if (ok) return;   // hot path: no string work
    std::ostringstream why;
    if (!gp.is_read() && !gp.is_write()) why << "command is neither read nor write";
    else if (n == 0 || n % bpb) why << "length " << n << " is not a positive multiple of the burst size " << bpb;
    else if (a % bpb) why << "address 0x" << std::hex << a << std::dec << " is not aligned to the burst size " << bpb;
    else if (a + n > cfg_.capacity_bytes()) why << "address range 0x" << std::hex << a << "+" << std::dec << n << " beyond capacity " << cfg_.capacity_bytes();
    else if (gp.get_byte_enable_ptr()) why << "byte enables are not supported";
    else why << "streaming width below length is not supported";
    throw SimulationError(std::string(name()) + ": bad transaction: " + why.str());
}

void Dram::accept(tlm::tlm_generic_payload& gp, const sc_time& delay) {
    SX_ASSERT(!free_slots_.empty(), std::string(name()) + ": a transaction accepted beyond request_queue_depth");
    const uint32_t s = free_slots_.back();
    free_slots_.pop_back();
    Txn& t = slots_[s];
    t.gp = &gp;
    t.addr = gp.get_address();
    t.write = gp.is_write();
    t.bursts = uint32_t(gp.get_data_length() / bytes_per_burst());
    t.fed = t.issued = 0;
    t.done = 0;
    const sc_time arr = sc_time_stamp() + delay;
    t.arrival = (arr.value() + period_units_ - 1) / period_units_;
    // Functional copy at acceptance: data follow acceptance order, timing is modelled apart.
    if (t.write) store_.write(t.addr, gp.get_data_ptr(), gp.get_data_length());
    else store_.read(t.addr, gp.get_data_ptr(), gp.get_data_length());
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
    if (gp.has_mm()) gp.acquire();
    ++outstanding_;
    to_feed_.push_back(s);
    wake_at(wake_ev_, t.arrival);
}

tlm::tlm_sync_enum Dram::nb_transport_fw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& phase,
                                         sc_time& delay) {
    if (phase == tlm::BEGIN_REQ) {
        validate(gp);
        if (pending_req_)
            throw SimulationError(std::string(name()) + ": BEGIN_REQ before END_REQ of the previous request");
        if (!free_slots_.empty()) {
            accept(gp, delay);
            phase = tlm::END_REQ;
            return tlm::TLM_UPDATED;
        }
        pending_req_ = &gp;
        pending_arrival_ = sc_time_stamp() + delay;
        return tlm::TLM_ACCEPTED;
    }
    if (phase == tlm::END_RESP) {
        if (&gp != resp_in_flight_)
            throw SimulationError(std::string(name()) + ": END_RESP for a transaction not in BEGIN_RESP");
        resp_in_flight_ = nullptr;
        if (gp.has_mm()) gp.release();
        resp_ev_.notify(SC_ZERO_TIME);
        return tlm::TLM_COMPLETED;
    }
    throw SimulationError(std::string(name()) + ": unexpected phase on nb_transport_fw");
}

bool Dram::feed() {
    bool fed_any = false;
    const uint32_t bpb = bytes_per_burst();
    const std::size_t depth = std::size_t(cfg_.scheduler_buffer_depth);
    while (!to_feed_.empty()) {
        const uint32_t s = to_feed_.front();
        Txn& t = slots_[s];
        while (t.fed < t.bursts) {
            const DramAddress a = mapper_.decode(t.addr + uint64_t(t.fed) * bpb);
            Channel& ch = channels_[a.channel];
            if (ch.buf.size() >= depth) return fed_any;   // in-order feeding: wait for room
            ch.buf.push_back(Burst{seq_++, t.arrival, s, a.bank, a.row, t.write, false});
            const Burst& b = ch.buf.back();
            const Burst* p = ch.buf.size() > 1 ? &ch.buf[ch.buf.size() - 2] : nullptr;
            if (collapse_ && p && p->bank == b.bank && p->row == b.row && p->write == b.write && p->arrival == b.arrival)
                ++ch.runs.back().count;   // same candidate as the run's oldest burst, younger
            else
                ch.runs.push_back(Channel::Run{uint32_t(ch.buf.size() - 1), 1});
            SX_ASSERT(ch.buf.size() <= depth, std::string(name()) + ": scheduler buffer beyond scheduler_buffer_depth");
            ++t.fed;
            fed_any = true;
        }
        to_feed_.pop_front();
    }
    return fed_any;
}

void Dram::commit_refreshes(Channel& ch, uint64_t now) const {
    while (ch.ref.next_due() <= now) {
        const RefreshManager::Issued r = ch.ref.refresh(ch.tc, ch.open_row.data(), uint32_t(cfg_.banks));
        ch.cands_valid = false;   // timing checker (and maybe open rows) changed
        if (r.banks_closed) {
            st_.precharges += r.banks_closed;
            st_.precharge_pj += cfg_.e.pre_pj * r.banks_closed;
            ch.active_cycles += r.pre_cycle - ch.active_since;
            ch.open_banks = 0;
        }
        ++st_.refreshes;
        st_.refresh_pj += cfg_.e.ref_pj;
    }
}

void Dram::add_candidates(Channel& ch) {
    for (uint32_t k = ch.ncands; k < ch.runs.size(); ++k) {
        const uint32_t i = ch.runs[k].first;
        const Burst& b = ch.buf[i];
        const int32_t open = ch.open_row[b.bank];
        DramCommand cmd;
        if (open == int32_t(b.row)) {
            cmd = b.write ? DramCommand::Wr : DramCommand::Rd;
            ch.has_hit[b.bank] = 1;
        } else {
            cmd = open < 0 ? DramCommand::Act : DramCommand::Pre;
        }
        uint64_t e = ch.tc.earliest(cmd, b.bank);
        if (e < b.arrival) e = b.arrival;
        // Field by field into its slot: a temporary pushed back was a store-forwarding stall.
        DramCandidate& c = ch.cands[k];
        c.earliest = e;
        c.seq = b.seq;
        c.index = i;
        c.bank = b.bank;
        c.cmd = cmd;
    }
    ch.ncands = uint32_t(ch.runs.size());
}

void Dram::build_candidates(Channel& ch) {
    std::fill(ch.has_hit.begin(), ch.has_hit.end(), uint8_t(0));
    ch.ncands = 0;
    add_candidates(ch);
    ch.cands_valid = true;
}

void Dram::update_candidates(Channel& ch) {
    // Valid candidates: nothing was issued since they were built, so the buffer only grew at
    // its end (feed) and the timing checker and open rows are those they were built with; a
    // rebuild would give the same entries and the same has_hit for the old bursts.
    if (ch.cands_valid) add_candidates(ch);
    else build_candidates(ch);
}

void Dram::issue(Channel& ch, const DramCandidate& c, uint64_t now) {
    Burst& b = ch.buf[c.index];
    ch.cands_valid = false;   // the timing checker, an open row or the buffer changes
    ch.tc.record(c.cmd, c.bank, now);
    switch (c.cmd) {
    case DramCommand::Act:
        ch.open_row[c.bank] = int32_t(b.row);
        b.caused_act = true;
        ++st_.activates;
        st_.activate_pj += cfg_.e.act_pj;
        if (ch.open_banks++ == 0) ch.active_since = now;
        return;
    case DramCommand::Pre:
        ch.open_row[c.bank] = -1;
        ++st_.precharges;
        st_.precharge_pj += cfg_.e.pre_pj;
        if (--ch.open_banks == 0) ch.active_cycles += now - ch.active_since;
        return;
    case DramCommand::Rd:
    case DramCommand::Wr:
        break;
    }
    const uint32_t bpb = bytes_per_burst();
    uint64_t data_end;
    if (b.write) {
        ++st_.write_bursts; st_.bytes_written += bpb; st_.write_pj += cfg_.e.wr_burst_pj;
        data_end = now + cfg_.t.tCWL + cfg_.t.tBURST;
    } else {
        ++st_.read_bursts; st_.bytes_read += bpb; st_.read_pj += cfg_.e.rd_burst_pj;
        data_end = now + cfg_.t.tCL + cfg_.t.tBURST;
    }
    if (b.caused_act) ++st_.row_misses; else ++st_.row_hits;
    st_.busy_cycles += cfg_.t.tBURST;
    const uint32_t s = b.txn;
    ch.buf.erase(ch.buf.begin() + c.index);
    // c is the candidate of the run at the same position; its oldest burst left the buffer.
    std::size_t k = std::size_t(&c - ch.cands.data());
    SX_ASSERT(k < ch.runs.size() && ch.runs[k].first == c.index, std::string(name()) + ": candidate and run out of step");
    if (--ch.runs[k].count == 0) ch.runs.erase(ch.runs.begin() + std::ptrdiff_t(k));
    else ++k;
    for (; k < ch.runs.size(); ++k) --ch.runs[k].first;
    Txn& t = slots_[s];
    // Burst conservation: a transaction issues each burst it was split into once, after it was fed.
    SX_ASSERT(t.gp && t.issued < t.fed && t.fed <= t.bursts,
              std::string(name()) + ": burst issued for a transaction with " + std::to_string(t.issued) + " of " +
                  std::to_string(t.bursts) + " bursts issued and " + std::to_string(t.fed) + " fed");
    if (data_end > t.done) t.done = data_end;
    if (++t.issued == t.bursts) {
        responses_.push(Resp{t.done, seq_++, t.gp});
        wake_at(resp_ev_, t.done);
        t.gp = nullptr;
        free_slots_.push_back(s);
        SX_ASSERT(free_slots_.size() <= slots_.size(), std::string(name()) + ": a request-queue slot freed twice");
        if (pending_req_) {
            tlm::tlm_generic_payload* gp = pending_req_;
            pending_req_ = nullptr;
            const sc_time now_t = sc_time_stamp();
            accept(*gp, pending_arrival_ > now_t ? pending_arrival_ - now_t : SC_ZERO_TIME);
            end_req_due_ = true;
            end_req_gp_ = gp;
        }
    }
}

uint64_t Dram::service(Channel& ch, uint64_t now) {
    commit_refreshes(ch, now);
    if (ch.buf.empty()) return UINT64_MAX;
    update_candidates(ch);
    DramDecision d = sched_->choose(ch.cands.data(), ch.ncands, ch.has_hit.data(), now);
    if (d.pick >= 0) {
        issue(ch, ch.cands[std::size_t(d.pick)], now);
        if (ch.buf.empty()) return UINT64_MAX;
        build_candidates(ch);
        d = sched_->choose(ch.cands.data(), ch.ncands, ch.has_hit.data(), now);
        if (d.pick >= 0) throw SimulationError(std::string(name()) + ": two commands in one cycle on one channel");
    }
    // A channel with work must also wake for its next refresh.
    return std::min(d.next_wake, ch.ref.next_due());
}

void Dram::controller() {
    const uint64_t now = now_cycle();
    if (period_ * double(now) != sc_time_stamp()) {   // align to the DRAM clock edge
        wake_at(wake_ev_, now);
        return;
    }
    feed();
    uint64_t next = UINT64_MAX;
    for (Channel& ch : channels_) next = std::min(next, service(ch, now));
    // Issued column commands may have freed buffer room and slots: feed, and if new bursts
    // arrived look again at the next cycle (they may be issuable right away).
    if (feed()) next = std::min(next, now + 1);
    if (next != UINT64_MAX) wake_at(wake_ev_, next);
    if (end_req_due_) {
        end_req_due_ = false;
        tlm::tlm_generic_payload* gp = end_req_gp_;
        tlm::tlm_phase ph = tlm::END_REQ;
        sc_time d = SC_ZERO_TIME;
        socket->nb_transport_bw(*gp, ph, d);   // the initiator may send its next BEGIN_REQ here
    }
}

void Dram::responder() {
    if (resp_in_flight_ || responses_.empty()) return;
    const uint64_t now = now_cycle();
    const Resp r = responses_.top();
    if (r.done > now || period_ * double(r.done) > sc_time_stamp()) {
        wake_at(resp_ev_, r.done);
        return;
    }
    responses_.pop();
    --outstanding_;
    resp_in_flight_ = r.gp;
    tlm::tlm_phase ph = tlm::BEGIN_RESP;
    sc_time d = SC_ZERO_TIME;
    const tlm::tlm_sync_enum ret = socket->nb_transport_bw(*r.gp, ph, d);
    if (ret == tlm::TLM_COMPLETED || (ret == tlm::TLM_UPDATED && ph == tlm::END_RESP)) {
        resp_in_flight_ = nullptr;
        if (r.gp->has_mm()) r.gp->release();
    }
    if (!resp_in_flight_ && !responses_.empty()) wake_at(resp_ev_, responses_.top().done);
}

DramStats Dram::stats() const {
    const uint64_t now = now_cycle();
    DramStats s = st_;
    double bg = 0;
    for (Channel& ch : channels_) {
        commit_refreshes(ch, now);
        uint64_t active = ch.active_cycles;
        if (ch.open_banks && now > ch.active_since) active += now - ch.active_since;
        if (active > now) active = now;
        bg += (double(active) * cfg_.e.bg_active_mw + double(now - active) * cfg_.e.bg_precharged_mw) * cfg_.tck_ns();
    }
    s = st_;   // refresh commits above may have added to st_
    s.background_pj = bg;
    s.elapsed_cycles = now;
    return s;
}

}  // namespace sx
