#pragma once
// A small approximately-timed initiator for DRAM tests and benchmarks: issues a list of
// requests in order (each not before its issue time), at most `max_outstanding` in flight,
// obeying the base protocol (no BEGIN_REQ before the previous END_REQ), and records the
// BEGIN_REQ / END_REQ / BEGIN_RESP times of each. Header-only test code (lives under tests/, issue 12).
#include <cstdint>
#include <deque>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

namespace sx {

class DramTestInitiator : public sc_core::sc_module {
public:
    struct Request {
        uint64_t addr = 0;
        uint32_t len = 0;
        bool write = false;
        sc_core::sc_time issue_at;
        std::vector<uint8_t> data;   // write payload / read result
        sc_core::sc_time begin_req, end_req, begin_resp;
        bool done = false;
    };

    SC_HAS_PROCESS(DramTestInitiator);
    tlm_utils::simple_initiator_socket<DramTestInitiator> socket;

    DramTestInitiator(sc_core::sc_module_name name, unsigned max_outstanding = 1)
        : sc_module(name), socket("socket"), max_outstanding_(max_outstanding) {
        socket.register_nb_transport_bw(this, &DramTestInitiator::nb_transport_bw);
        SC_THREAD(run);
    }

    // Requests must be added before sc_start (before end of elaboration). Returns the index.
    std::size_t add(uint64_t addr, uint32_t len, bool write,
                    sc_core::sc_time issue_at = sc_core::SC_ZERO_TIME, const uint8_t* wdata = nullptr) {
        Request r;
        r.addr = addr; r.len = len; r.write = write; r.issue_at = issue_at;
        r.data.assign(len, 0);
        if (wdata) r.data.assign(wdata, wdata + len);
        reqs_.push_back(std::move(r));
        return reqs_.size() - 1;
    }
    std::deque<Request>& requests() { return reqs_; }
    std::size_t completed() const { return completed_; }
    sc_core::sc_time last_response() const { return last_resp_; }

private:
    void end_of_elaboration() override { payloads_ = std::vector<tlm::tlm_generic_payload>(reqs_.size()); }

    void run() {
        for (std::size_t i = 0; i < reqs_.size(); ++i) {
            Request& r = reqs_[i];
            if (r.issue_at > sc_core::sc_time_stamp()) wait(r.issue_at - sc_core::sc_time_stamp());
            while (in_flight_ >= max_outstanding_) wait(resp_ev_);
            tlm::tlm_generic_payload& gp = payloads_[i];
            gp.set_command(r.write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
            gp.set_address(r.addr);
            gp.set_data_ptr(r.data.data());
            gp.set_data_length(r.len);
            gp.set_streaming_width(r.len);
            gp.set_byte_enable_ptr(nullptr);
            gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
            r.begin_req = sc_core::sc_time_stamp();
            ++in_flight_;
            req_open_ = true;
            tlm::tlm_phase ph = tlm::BEGIN_REQ;
            sc_core::sc_time d = sc_core::SC_ZERO_TIME;
            const tlm::tlm_sync_enum ret = socket->nb_transport_fw(gp, ph, d);
            if (ret == tlm::TLM_UPDATED && ph == tlm::END_REQ) {
                r.end_req = sc_core::sc_time_stamp() + d;
                req_open_ = false;
            }
            while (req_open_) wait(end_req_ev_);
        }
    }

    tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                       sc_core::sc_time& d) {
        Request& r = reqs_[std::size_t(&gp - payloads_.data())];
        if (ph == tlm::END_REQ) {
            r.end_req = sc_core::sc_time_stamp() + d;
            req_open_ = false;
            end_req_ev_.notify(sc_core::SC_ZERO_TIME);
            return tlm::TLM_ACCEPTED;
        }
        if (ph == tlm::BEGIN_RESP) {
            r.begin_resp = sc_core::sc_time_stamp() + d;
            r.done = true;
            last_resp_ = r.begin_resp;
            --in_flight_;
            ++completed_;
            resp_ev_.notify(sc_core::SC_ZERO_TIME);
            return tlm::TLM_COMPLETED;
        }
        return tlm::TLM_ACCEPTED;
    }

    unsigned max_outstanding_;
    unsigned in_flight_ = 0;
    bool req_open_ = false;
    std::size_t completed_ = 0;
    sc_core::sc_time last_resp_;
    std::deque<Request> reqs_;
    std::vector<tlm::tlm_generic_payload> payloads_;   // sized at end of elaboration
    sc_core::sc_event end_req_ev_, resp_ev_;
};

}  // namespace sx
