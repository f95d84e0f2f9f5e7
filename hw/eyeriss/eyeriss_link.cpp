#include "hw/eyeriss/eyeriss_link.h"

#include <algorithm>
#include <cstring>

#include "hw/eyeriss/rlc.h"
#include "sw/common/error.h"

namespace sx::eyeriss {

using namespace sc_core;

EyerissLink::EyerissLink(sc_module_name name, SimContext& ctx, Dma& dma, GlobalBuffer& glb, GlobalBuffer& fifo,
                         uint32_t chunk_bytes, int run_bits, int pairs_per_word)
    : sc_module(name), ctx_(ctx), dma_(dma), glb_(glb), fifo_(fifo), chunk_(chunk_bytes), run_bits_(run_bits),
      pairs_per_word_(pairs_per_word) {
    mon_ = ctx.monitor.add("eyeriss_link");
    SC_THREAD(run);
}

void EyerissLink::submit(LinkJob* job) {
    job->done = false;
    q_.push_back(job);
    submit_ev_.notify(SC_ZERO_TIME);
}

void EyerissLink::wait(LinkJob* job) {
    while (!job->done) sc_core::wait(done_ev_);
}

void EyerissLink::wait_psums_read(LinkJob* job) {
    while (!job->psums_read && !job->done) sc_core::wait(read_ev_);
}

void EyerissLink::release(LinkJob* job) {
    job->released = true;
    release_ev_.notify(SC_ZERO_TIME);
}

// Jobs run in submission order, with one exception that keeps the controller and the link
// free of a wait-for cycle. A ring load (one GLB ifmap slot) writes its head into the space
// the previous block has left and then stalls until the controller releases the tail, which it
// does only when the current block's last use ends. Meanwhile the controller submits a store
// after every psum residency and, to bound them, waits for the store two residencies back.
// When a strip's ifmaps stay resident across three or more psum blocks (VGG-16 conv1_1 at
// 224x224 on the 60 MHz link: one ring slot, 6 psum blocks per strip), that store sat in the
// queue behind the stalled load: controller -> store -> link -> load tail -> controller, a
// deadlock (watchdog "eyeriss_link waits for DMA"). Hence: while a load is stalled on its
// tail, the idle link sends the queued stores chunk by chunk through the FIFO half the load
// is not using, and the load resumes at the next chunk boundary once released (write-back
// fills the stalled prefetch's idle link time; it delays the tail by at most one chunk).
// Every other wait of the controller on the link is for a load; loads are queued in use
// order and the controller releases each load's tail before it waits for the next load. So
// the link always progresses once the DMA does.
void EyerissLink::run() {
    guarded(ctx_, [&] {
        for (;;) {
            while (q_.empty()) sc_core::wait(submit_ev_);
            LinkJob* j = q_.front();
            ctx_.monitor.waiting(mon_, "DMA");
            if (j->store) do_store(*j);
            else do_load(*j);
            ctx_.monitor.waiting(mon_, "");
            q_.pop_front();
            finish(j);
        }
    });
}

void EyerissLink::finish(LinkJob* j) {
    j->done = true;
    ctx_.monitor.progress();
    done_ev_.notify(SC_ZERO_TIME);
    read_ev_.notify(SC_ZERO_TIME);
}

void EyerissLink::do_load(LinkJob& j) {
    // Two FIFO halves: one chunk in flight while the previous one is decoded.
    struct Chunk {
        uint64_t ticket, slot, bytes;
        std::size_t range;
    };
    std::deque<Chunk> inflight;
    std::vector<int16_t> vals;
    RlcDecoder dec(run_bits_, 0, 0, INT64_MAX, pairs_per_word_);
    std::size_t dec_range = SIZE_MAX;
    std::vector<uint8_t> carry;  // raw loads may split a 16-bit value across chunks
    uint64_t glb_cursor = j.glb_addr;
    int next_slot = 0;
    auto drain = [&] {
        const Chunk c = inflight.front();
        inflight.pop_front();
        dma_.wait_done(c.ticket);
        const uint8_t* src = fifo_.data(c.slot, c.bytes);
        fifo_.post(c.slot, c.bytes, false);  // the decoder's read; nobody waits on it
        fifo_words += (c.bytes + 7) / 8;
        vals.clear();
        if (j.rlc) {
            if (c.range != dec_range) {  // a new range: its own skip and value count
                const LinkRange& r = j.ranges[c.range];
                dec = RlcDecoder(run_bits_, r.skip_pairs, r.skip_values, r.values, pairs_per_word_);
                dec_range = c.range;
            }
            dec.feed(src, c.bytes, vals);
        } else {
            carry.insert(carry.end(), src, src + c.bytes);
            const std::size_t whole = carry.size() / 2;
            vals.resize(whole);
            std::memcpy(vals.data(), carry.data(), whole * 2);
            carry.erase(carry.begin(), carry.begin() + static_cast<std::ptrdiff_t>(whole * 2));
        }
        codec_values += vals.size();
        j.values_written += static_cast<int64_t>(vals.size());
        uint64_t done = 0;
        const uint64_t nb = vals.size() * 2;
        while (done < nb) {
            const uint64_t written = glb_cursor - j.glb_addr;
            if (!j.released && written >= j.head_bytes) {
                // Back-pressure into the FIFO; the link sends queued stores meanwhile (run()).
                ctx_.monitor.waiting(mon_, "GLB space: the controller's release of a ring load's tail");
                while (!j.released)
                    if (!store_chunk_while_stalled(c.slot)) sc_core::wait(release_ev_ | submit_ev_);
                ctx_.monitor.waiting(mon_, "DMA");
            }
            uint64_t part = nb - done;
            if (!j.released) part = std::min(part, j.head_bytes - written);
            uint64_t addr = glb_cursor;
            if (j.ring_bytes) {
                const uint64_t pos = (j.ring_offset + written) % j.ring_bytes;
                part = std::min(part, j.ring_bytes - pos);
                addr = j.glb_addr + pos;
            }
            std::memcpy(glb_.data(addr, part), reinterpret_cast<const uint8_t*>(vals.data()) + done, part);
            BufferAccess w = glb_.issue_write(addr, part);
            glb_.wait(w);
            glb_cursor += part;
            done += part;
        }
    };
    for (std::size_t ri = 0; ri < j.ranges.size(); ++ri) {
        const LinkRange& r = j.ranges[ri];
        for (uint64_t off = 0; off < r.bytes; off += chunk_) {
            const uint64_t b = std::min<uint64_t>(chunk_, r.bytes - off);
            if (inflight.size() == 2) drain();
            const uint64_t slot = static_cast<uint64_t>(next_slot) * chunk_;
            next_slot ^= 1;
            inflight.push_back({dma_.submit({r.addr + off, b, false, &fifo_, slot}), slot, b, ri});
        }
    }
    while (!inflight.empty()) drain();
    const int64_t got = static_cast<int64_t>((glb_cursor - j.glb_addr) / 2);
    if (got != j.values_expected)
        throw SimulationError("eyeriss link: load decoded " + std::to_string(got) + " values, expected " +
                              std::to_string(j.values_expected));
}

void EyerissLink::read_psums(LinkJob& j) {
    if (j.psums_read) return;
    if (j.glb_read_bytes) {
        BufferAccess r = glb_.issue_read(j.glb_read_addr, j.glb_read_bytes);
        glb_.wait(r);
    }
    codec_values += j.glb_read_bytes / 2;
    if (j.encode) j.encode(j);
    j.psums_read = true;
    read_ev_.notify(SC_ZERO_TIME);
}

bool EyerissLink::store_chunk_while_stalled(uint64_t slot) {
    auto it = std::find_if(q_.begin(), q_.end(), [](const LinkJob* x) { return x->store; });
    if (it == q_.end()) return false;
    LinkJob* s = *it;
    read_psums(*s);
    const uint64_t b = std::min<uint64_t>(chunk_, s->bytes.size() - s->sent);
    if (b) {
        std::memcpy(fifo_.data(slot, b), s->bytes.data() + s->sent, b);
        BufferAccess w = fifo_.issue_write(slot, b);
        fifo_.wait(w);
        fifo_words += (b + 7) / 8;
        dma_.wait_done(dma_.submit({s->dram_addr + s->sent, b, true, &fifo_, slot}));
        s->sent += b;
    }
    if (s->sent == s->bytes.size()) {
        q_.erase(std::find(q_.begin(), q_.end(), s));  // found again: q_ may have grown meanwhile
        finish(s);
    }
    return true;
}

void EyerissLink::do_store(LinkJob& j) {
    read_psums(j);
    std::deque<std::pair<uint64_t, uint64_t>> inflight;  // ticket, slot
    int next_slot = 0;
    for (uint64_t off = j.sent; off < j.bytes.size(); off += chunk_) {
        const uint64_t b = std::min<uint64_t>(chunk_, j.bytes.size() - off);
        if (inflight.size() == 2) {
            dma_.wait_done(inflight.front().first);
            inflight.pop_front();
        }
        const uint64_t slot = static_cast<uint64_t>(next_slot) * chunk_;
        next_slot ^= 1;
        std::memcpy(fifo_.data(slot, b), j.bytes.data() + off, b);
        BufferAccess w = fifo_.issue_write(slot, b);
        fifo_.wait(w);
        fifo_words += (b + 7) / 8;
        inflight.push_back({dma_.submit({j.dram_addr + off, b, true, &fifo_, slot}), slot});
    }
    while (!inflight.empty()) {
        dma_.wait_done(inflight.front().first);
        inflight.pop_front();
    }
}

}  // namespace sx::eyeriss
