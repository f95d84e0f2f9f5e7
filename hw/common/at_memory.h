#pragma once
// A minimal TLM-2.0 approximately-timed memory target: accepts one request per cycle
// (END_REQ one cycle after BEGIN_REQ, so back-pressure exists), returns data after a fixed
// latency over a data bus of `bytes_per_cycle`, responses in order, one at a time
// (BEGIN_RESP waits for the previous END_RESP). It is a test stub and a stand-in where the
// real DRAM model (hw/dram) is not wanted: no banks, no refresh.
#include <cstdint>
#include <deque>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

namespace sx {

class AtMemory : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<AtMemory> socket;

    AtMemory(sc_core::sc_module_name name, uint64_t size_bytes, sc_core::sc_time clk, uint64_t latency_cycles,
             uint64_t bytes_per_cycle);

    void backdoor_write(uint64_t addr, const uint8_t* src, uint64_t n);
    void backdoor_read(uint64_t addr, uint8_t* dst, uint64_t n) const;

    uint64_t read_bytes = 0, write_bytes = 0, requests = 0;

private:
    tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& p, tlm::tlm_phase& ph, sc_core::sc_time& d);
    void end_req_thread();
    void resp_thread();

    std::vector<uint8_t> mem_;
    sc_core::sc_time clk_;
    uint64_t latency_, bpc_;
    tlm::tlm_generic_payload* pending_req_ = nullptr;  // accepted BEGIN_REQ waiting for END_REQ
    sc_core::sc_event req_event_, resp_event_, end_resp_event_;
    struct Resp {
        tlm::tlm_generic_payload* p;
        sc_core::sc_time ready;
    };
    std::deque<Resp> resp_q_;
    sc_core::sc_time bus_free_ = sc_core::SC_ZERO_TIME;
    bool waiting_end_resp_ = false;
};

}  // namespace sx
