#include "hw/common/at_memory.h"

#include <algorithm>
#include <cstring>

namespace sx {

using namespace sc_core;

AtMemory::AtMemory(sc_module_name name, uint64_t size_bytes, sc_time clk, uint64_t latency_cycles,
                   uint64_t bytes_per_cycle)
    : sc_module(name), socket("socket"), mem_(size_bytes, 0), clk_(clk), latency_(latency_cycles),
      bpc_(std::max<uint64_t>(1, bytes_per_cycle)) {
    SC_HAS_PROCESS(AtMemory);
    socket.register_nb_transport_fw(this, &AtMemory::nb_transport_fw);
    SC_THREAD(end_req_thread);
    SC_THREAD(resp_thread);
}

void AtMemory::backdoor_write(uint64_t addr, const uint8_t* src, uint64_t n) {
    if (addr + n > mem_.size()) mem_.resize(addr + n, 0);
    std::memcpy(mem_.data() + addr, src, n);
}

void AtMemory::backdoor_read(uint64_t addr, uint8_t* dst, uint64_t n) const {
    for (uint64_t i = 0; i < n; ++i) dst[i] = addr + i < mem_.size() ? mem_[addr + i] : 0;
}

tlm::tlm_sync_enum AtMemory::nb_transport_fw(tlm::tlm_generic_payload& p, tlm::tlm_phase& ph, sc_time& d) {
    if (ph == tlm::BEGIN_REQ) {
        if (pending_req_) SC_REPORT_ERROR("AtMemory", "BEGIN_REQ before END_REQ of the previous request");
        pending_req_ = &p;
        req_event_.notify(clk_ + d);
        return tlm::TLM_ACCEPTED;
    }
    if (ph == tlm::END_RESP) {
        waiting_end_resp_ = false;
        end_resp_event_.notify(SC_ZERO_TIME);
        return tlm::TLM_COMPLETED;
    }
    return tlm::TLM_ACCEPTED;
}

void AtMemory::end_req_thread() {
    for (;;) {
        wait(req_event_);
        tlm::tlm_generic_payload* p = pending_req_;
        pending_req_ = nullptr;
        ++requests;
        const uint64_t a = p->get_address(), n = p->get_data_length();
        if (a + n > mem_.size()) mem_.resize(a + n, 0);
        if (p->is_read()) {
            std::memcpy(p->get_data_ptr(), mem_.data() + a, n);
            read_bytes += n;
        } else {
            std::memcpy(mem_.data() + a, p->get_data_ptr(), n);
            write_bytes += n;
        }
        p->set_response_status(tlm::TLM_OK_RESPONSE);
        const sc_time start = std::max(sc_time_stamp() + clk_ * static_cast<double>(latency_), bus_free_);
        bus_free_ = start + clk_ * static_cast<double>((n + bpc_ - 1) / bpc_);
        resp_q_.push_back({p, bus_free_});
        resp_event_.notify(SC_ZERO_TIME);
        tlm::tlm_phase ph = tlm::END_REQ;
        sc_time d = SC_ZERO_TIME;
        socket->nb_transport_bw(*p, ph, d);
    }
}

void AtMemory::resp_thread() {
    for (;;) {
        while (resp_q_.empty()) wait(resp_event_);
        Resp r = resp_q_.front();
        resp_q_.pop_front();
        if (r.ready > sc_time_stamp()) wait(r.ready - sc_time_stamp());
        tlm::tlm_phase ph = tlm::BEGIN_RESP;
        sc_time d = SC_ZERO_TIME;
        waiting_end_resp_ = true;
        const tlm::tlm_sync_enum s = socket->nb_transport_bw(*r.p, ph, d);
        if (s == tlm::TLM_COMPLETED || (s == tlm::TLM_UPDATED && ph == tlm::END_RESP)) waiting_end_resp_ = false;
        while (waiting_end_resp_) wait(end_resp_event_);
    }
}

}  // namespace sx
