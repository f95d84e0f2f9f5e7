#include "hw/system/tile_streamer.h"

#include "sw/common/error.h"

namespace sx {

int TileStreamer::add_stream(const std::string& name, int halves, const char* wait_text) {
    streams_.push_back(std::make_unique<Stream>(name, halves, wait_text));
    return static_cast<int>(streams_.size()) - 1;
}

int TileStreamer::acquire(int stream) {
    Stream& s = *streams_[static_cast<std::size_t>(stream)];
    ctx_.monitor.waiting(mon_, s.wait_text);
    s.sem.wait();
    ctx_.monitor.waiting(mon_, "");
    s.current = (s.current + 1) % s.halves;
    return s.current;
}

void TileStreamer::begin_layer() {
    for (auto& s : streams_) s->current = -1;
    tickets_.clear();
    resident_loaded_ = false;
}

void TileStreamer::load(const DmaCommand& cmd) {
    if (!dma_) throw SimulationError("tile streamer: no DMA attached");
    ctx_.monitor.waiting(mon_, "DMA loads of the next tile");  // submit blocks while the DMA queue is full
    tickets_.push_back(dma_->submit(cmd));
}

void TileStreamer::wait_loads() {
    ctx_.monitor.waiting(mon_, "DMA loads of the next tile");
    for (uint64_t t : tickets_) dma_->wait_done(t);
    tickets_.clear();
}

bool TileStreamer::load_resident_once() {
    if (resident_loaded_) return false;
    resident_loaded_ = true;
    return true;
}

}  // namespace sx
