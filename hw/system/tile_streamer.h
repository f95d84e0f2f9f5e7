#pragma once
// The double-buffered load / compute / store hand-off, as one block a design's controller
// drives. Each operand (input tiles, weight tiles, output tiles, ...) is a stream of buffer
// halves guarded by a semaphore: the producer side takes a free half (acquire(): it waits only
// when every half is in use), fills it through ticketed DMA loads (load(), wait_loads()), and
// hands the work item to the consumer through a bounded FIFO (hand_off()); the consumer gives
// the half back with release() when it has read the last of it. Resident operands are loaded
// once (load_resident_once()) and hold a half for the whole layer.
//
// The design describes only its tiles (which DRAM ranges go to which buffer addresses) and its
// loop order; waiting, ticket bookkeeping and the progress-monitor texts are here.
// Everything runs in the caller's SystemC thread (release() from the consumer's).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <systemc>

#include "hw/common/sim_context.h"
#include "hw/dma/dma.h"

namespace sx {

class TileStreamer {
public:
    explicit TileStreamer(SimContext& ctx) : ctx_(ctx) {}

    // A stream of `halves` buffer halves; `wait_text` is what the controller reports while it
    // waits for a free half. Returns the stream's id. Call during elaboration.
    int add_stream(const std::string& name, int halves, const char* wait_text);
    // The progress-monitor entry of the controller that drives the streamer (its waits are
    // reported there).
    void set_monitor(int monitor) { mon_ = monitor; }
    void attach(Dma& dma) { dma_ = &dma; }

    // The semaphore of a stream (for consumers that post it themselves).
    sc_core::sc_semaphore& halves(int stream) { return streams_[static_cast<std::size_t>(stream)]->sem; }

    // Waits for a free half of `stream`, takes it and returns its index (0, 1, 0, ...).
    int acquire(int stream);
    // Hands a half of `stream` back (the consumer has read the last of it).
    void release(int stream) { halves(stream).post(); }
    // Restarts every stream's half sequence at half 0 (start of a layer; all halves free).
    void begin_layer();

    // A load of the tile being filled: submitted to the DMA (blocks while its queue is full).
    void load(const DmaCommand& cmd);
    // Waits until every load since the last call has its data in the buffer.
    void wait_loads();
    // True the first time per layer (the caller then loads its resident operand).
    bool load_resident_once();

    // Hands `item` to the consumer through `q`, waiting while the FIFO is full.
    template <typename T>
    void hand_off(sc_core::sc_fifo<T>& q, const T& item, const char* wait_text) {
        ctx_.monitor.waiting(mon_, wait_text);
        q.write(item);
        ctx_.monitor.waiting(mon_, "");
    }

private:
    struct Stream {
        Stream(const std::string& n, int halves, const char* w)
            : name(n), sem(n.c_str(), halves), halves(halves), wait_text(w) {}
        std::string name;
        sc_core::sc_semaphore sem;
        int halves;
        const char* wait_text;
        int current = -1;  // half most recently acquired
    };

    SimContext& ctx_;
    Dma* dma_ = nullptr;
    int mon_ = 0;
    std::vector<std::unique_ptr<Stream>> streams_;
    std::vector<uint64_t> tickets_;  // loads the next hand-off waits for
    bool resident_loaded_ = false;
};

}  // namespace sx
