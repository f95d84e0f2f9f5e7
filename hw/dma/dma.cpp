#include "hw/dma/dma.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "sw/common/error.h"

namespace sx {

using namespace sc_core;

Dma::Dma(sc_module_name name, SimContext& ctx, int max_outstanding, uint32_t transfer_bytes, uint32_t align_bytes,
         int queue_depth, bool cross_domain, uint32_t sync_cycles)
    : sc_module(name), socket("socket"), ctx_(ctx), mon_id_(ctx.monitor.add(std::string(name))),
      max_outstanding_(std::max(1, max_outstanding)), align_(std::max<uint32_t>(1, align_bytes)),
      queue_("queue", std::max(1, queue_depth)), cross_domain_(cross_domain), sync_cycles_(sync_cycles) {
    burst_bytes_ = std::max(align_, (std::max<uint32_t>(1, transfer_bytes) + align_ - 1) / align_ * align_);
    SC_HAS_PROCESS(Dma);
    socket.register_nb_transport_bw(this, &Dma::nb_transport_bw);
    SC_THREAD(issue_thread);
    if (cross_domain_) SC_THREAD(sync_thread);
}

uint64_t Dma::submit(const DmaCommand& cmd) {
    if (cmd.buffer == nullptr) throw SimulationError("dma: command without a buffer");
    const uint64_t t = commands_.size();
    commands_.push_back(cmd);
    tickets_.push_back({});
    if (cmd.bytes == 0) {
        tickets_[t].all_issued = true;
        tickets_[t].done_cycle = ctx_.now_cycles();
        return t;
    }
    queue_.write(t);
    return t;
}

bool Dma::done(uint64_t ticket) const {
    const Ticket& t = tickets_.at(ticket);
    if (!(t.all_issued && t.remaining == 0 && t.done_cycle <= ctx_.now_cycles())) return false;
    for (const BufferAccess& a : t.writes)
        if (!commands_[ticket].buffer->done(a)) return false;
    return true;
}

void Dma::wait_done(uint64_t ticket) {
    for (;;) {
        const Ticket& t = tickets_.at(ticket);
        if (t.all_issued && t.remaining == 0) {
            // The waits below yield, and tickets_ may grow meanwhile: no reference kept across them.
            std::vector<BufferAccess> writes = std::move(tickets_[ticket].writes);
            tickets_[ticket].writes.clear();
            GlobalBuffer& b = *commands_[ticket].buffer;
            for (BufferAccess& a : writes) b.wait(a);
            ctx_.wait_until(tickets_.at(ticket).done_cycle);
            return;
        }
        wait(done_ev_);
    }
}

void Dma::wait_all() {
    // Tickets before settled_ were waited for by an earlier call (their done cycles are past):
    // starting there keeps a call proportional to the new tickets, not to every ticket of the run.
    for (; settled_ < tickets_.size(); ++settled_) wait_done(settled_);
}

Dma::Slot* Dma::alloc_slot() {
    if (free_slots_.empty()) {
        slots_.push_back(std::make_unique<Slot>());
        Slot* s = slots_.back().get();
        s->data.resize(burst_bytes_);
        s->p.set_mm(this);
        slot_of_[&s->p] = s;
        return s;
    }
    Slot* s = free_slots_.back();
    free_slots_.pop_back();
    return s;
}

void Dma::free(tlm::tlm_generic_payload* p) {
    Slot* s = slot_of_.at(p);
    p->reset();  // clears extensions; keeps mm
    free_slots_.push_back(s);
}

void Dma::issue_thread() {
    guarded(ctx_, [&] {
        for (;;) {
            issuing_ = false;
            const uint64_t t = queue_.read();
            issuing_ = true;
            const DmaCommand cmd = commands_[t];
            if (cmd.to_dram && (cmd.dram_addr % align_ != 0 || cmd.bytes % align_ != 0))
                throw SimulationError("dma: store of " + std::to_string(cmd.bytes) + " bytes at " +
                                      std::to_string(cmd.dram_addr) + " is not aligned to the " +
                                      std::to_string(align_) + "-byte burst");
            const uint64_t end = cmd.dram_addr + cmd.bytes;
            uint64_t addr = cmd.dram_addr / align_ * align_;
            while (addr < end) {
                // One transaction: whole bursts, not crossing a transfer_bytes boundary.
                const uint64_t limit = std::min<uint64_t>(addr / burst_bytes_ * burst_bytes_ + burst_bytes_,
                                                          (end + align_ - 1) / align_ * align_);
                const uint64_t n = limit - addr;
                const uint64_t u0 = std::max(addr, cmd.dram_addr), u1 = std::min(limit, end);
                const uint64_t ready = ctx_.now_cycles();
                while (outstanding_ >= max_outstanding_) {
                    ctx_.monitor.waiting(mon_id_, "a response (all outstanding slots busy)");
                    wait(resp_ev_);
                }
                while (req_in_progress_) {
                    ctx_.monitor.waiting(mon_id_, "END_REQ from the DRAM target");
                    wait(end_req_ev_);
                }
                ctx_.monitor.waiting(mon_id_, "");
                stats.req_stall_cycles += ctx_.now_cycles() - ready;
                Slot* s = alloc_slot();
                s->ticket = t;
                s->buffer = cmd.buffer;
                s->buffer_addr = cmd.buffer_addr + (u0 - cmd.dram_addr);
                s->skip = u0 - addr;
                s->useful = u1 - u0;
                tlm::tlm_generic_payload& p = s->p;
                p.set_address(addr);
                p.set_data_length(static_cast<unsigned>(n));
                p.set_streaming_width(static_cast<unsigned>(n));
                p.set_data_ptr(s->data.data());
                p.set_byte_enable_ptr(nullptr);
                p.set_dmi_allowed(false);
                p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
                if (cmd.to_dram) {
                    BufferAccess rd = cmd.buffer->issue_read(s->buffer_addr, n);
                    cmd.buffer->wait(rd);
                    std::memcpy(s->data.data(), cmd.buffer->data(s->buffer_addr, n), n);
                    stats.buffer_bytes_out += n;
                    p.set_command(tlm::TLM_WRITE_COMMAND);
                } else {
                    p.set_command(tlm::TLM_READ_COMMAND);
                }
                p.acquire();
                ++tickets_[t].remaining;
                ++outstanding_;
                ++stats.bursts;
                stats.first_request_cycle = std::min(stats.first_request_cycle, ctx_.now_cycles());
                req_in_progress_ = true;
                req_payload_ = &p;
                tlm::tlm_phase ph = tlm::BEGIN_REQ;
                sc_time d = SC_ZERO_TIME;
                const tlm::tlm_sync_enum r = socket->nb_transport_fw(p, ph, d);
                if (r == tlm::TLM_UPDATED && ph == tlm::END_REQ) {
                    req_in_progress_ = false;
                } else if (r == tlm::TLM_COMPLETED || (r == tlm::TLM_UPDATED && ph == tlm::BEGIN_RESP)) {
                    req_in_progress_ = false;
                    on_response(p);
                }
                addr = limit;
            }
            tickets_[t].all_issued = true;
            if (tickets_[t].remaining == 0) done_ev_.notify(SC_ZERO_TIME);
        }
    });
}

tlm::tlm_sync_enum Dma::nb_transport_bw(tlm::tlm_generic_payload& p, tlm::tlm_phase& ph, sc_time& d) {
    if (ph == tlm::END_REQ) {
        req_in_progress_ = false;
        end_req_ev_.notify(SC_ZERO_TIME);
        return tlm::TLM_ACCEPTED;
    }
    if (ph == tlm::BEGIN_RESP) {
        if (req_in_progress_ && &p == req_payload_) {
            // BEGIN_RESP implies END_REQ for this payload if it was the one in the request phase.
            req_in_progress_ = false;
            end_req_ev_.notify(SC_ZERO_TIME);
        }
        try {
            on_response(p);
        } catch (...) {
            ctx_.fail(std::current_exception());
        }
        return tlm::TLM_COMPLETED;
    }
    return tlm::TLM_ACCEPTED;
}

void Dma::on_response(tlm::tlm_generic_payload& p) {
    if (!cross_domain_) {
        deliver(p);
        return;
    }
    // First core edge at or after the arrival (a memory-clock edge), then the synchronizer.
    uint64_t edge = ctx_.now_cycles();
    if (sc_time_stamp() > ctx_.cycles(edge)) ++edge;
    sync_q_.push_back({edge + sync_cycles_, &p});
    sync_ev_.notify(SC_ZERO_TIME);
}

void Dma::sync_thread() {
    guarded(ctx_, [&] {
        for (;;) {
            while (sync_q_.empty()) wait(sync_ev_);
            // A fixed-latency pipeline: in the exactness test mode it is stepped cycle by cycle.
            const uint64_t land = sync_q_.front().land;
            ctx_.advance(land, 0, "dma: clock-domain synchronizer", [&](uint64_t now) { return land <= now; });
            while (!sync_q_.empty() && sync_q_.front().land <= ctx_.now_cycles()) {
                tlm::tlm_generic_payload* p = sync_q_.front().p;
                sync_q_.pop_front();
                deliver(*p);
            }
        }
    });
}

void Dma::deliver(tlm::tlm_generic_payload& p) {
    Slot* s = slot_of_.at(&p);
    if (p.get_response_status() != tlm::TLM_OK_RESPONSE)
        throw SimulationError("dma: DRAM returned " + p.get_response_string() + " for address " +
                              std::to_string(p.get_address()));
    const uint64_t n = p.get_data_length();
    uint64_t done = ctx_.now_cycles();
    if (p.is_read()) {
        // Not a thread: the write is issued now and waited for by wait_done().
        tickets_[s->ticket].writes.push_back(s->buffer->issue_write(s->buffer_addr, s->useful));
        std::memcpy(s->buffer->data(s->buffer_addr, s->useful), s->data.data() + s->skip, s->useful);
        stats.read_bytes += n;
        stats.buffer_bytes_in += s->useful;
        stats.overfetch_bytes += n - s->useful;
    } else {
        stats.write_bytes += n;
        stats.last_write_done_cycle = std::max(stats.last_write_done_cycle, done);
    }
    Ticket& t = tickets_[s->ticket];
    t.done_cycle = std::max(t.done_cycle, done);
    --t.remaining;
    --outstanding_;
    ctx_.monitor.progress();
    resp_ev_.notify(SC_ZERO_TIME);
    if (t.remaining == 0) done_ev_.notify(SC_ZERO_TIME);
    p.release();
}

}  // namespace sx
