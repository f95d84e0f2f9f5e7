#pragma once
// One layer as the SCNN / DCNN PE array sees it: the planar mapping, the weight blocks in
// broadcast order (one per output-channel group and input channel) with their FIFO and DRAM
// sizes, the per-PE activation tiles of the current image, the output accumulators and the
// counters the energy model needs. The PE array policy (sparse Cartesian product for SCNN,
// dense dot products for DCNN) does the per-block arithmetic and says how many cycles a PE
// needs for it.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "hw/common/output_requant.h"
#include "hw/scnn/halo_links.h"
#include "hw/scnn/planar_mapping.h"
#include "hw/scnn/scnn_params.h"
#include "sw/workload/workload.h"

namespace sx::scnn {

struct WgtEntry {
    int32_t k;      // output channel
    int16_t r, s;
    int32_t v;
};
struct ActEntry {
    int32_t h, w;
    int32_t v;
};

// One piece of the weight stream: the weights of input channel c for the output channels of
// group g (a Kc x R x S block), or a part of such a block. A block larger than half the
// weight FIFO is cut, at weight-vector boundaries, into pieces of at most half the FIFO, so
// that one piece is consumed while the next one is filled (docs/scnn.md, "Weight FIFO");
// the PE runs every activation vector of its tile against one piece before the next.
struct WeightBlock {
    int64_t group = 0;
    int64_t c = 0;            // input channel
    int target = -1;          // -1: broadcast to every PE; else the one PE holding channel c
    int64_t k0 = 0, k1 = 0;   // output channels of the block (those of the group that use c)
    uint32_t fifo_entries = 0;  // weight vectors of this piece
    uint64_t dram_bytes = 0;
    uint64_t dram_addr = 0;
    uint64_t nonzeros = 0;
    // What a reader needs to decode the piece's bytes (LayerEngine::decode_piece): the stored
    // entries (compressed: placeholders included; raw: values) and, sparse, the positions
    // [d0, d1) of the block's broadcast-order sequence the piece covers (zeros included).
    uint64_t stream_entries = 0;
    uint64_t d0 = 0, d1 = 0;
    // Filled only by decode_piece (the host's blocks carry sizes, not values):
    std::vector<WgtEntry> w;        // sparse: the piece's non-zeros ordered by phase
    std::vector<uint32_t> offs;     // phase p occupies w[offs[p] .. offs[p+1])
    std::vector<int32_t> dv;        // dense: values of vectors v0..v1, F (or fewer) channels each
    int64_t v0 = 0, v1 = 0;         // dense: weight vectors [v0, v1) of the block, vector
                                    // v = (k vector v / (R S), tap v % (R S))
};

// One weight FIFO entry: up to F weights of one stride phase (sparse), or F channels at one
// tap (dense).
struct FifoVector {
    uint8_t n = 0;       // weights in the vector
    uint8_t phase = 0;   // sparse: stride phase of its weights
};

// A piece as it sits in one PE's weight FIFO (WeightBroadcast::view()): its entries
// j = 0 .. n-1 are entries first + j of a ring of `cap` entries, each a FifoVector with its
// weights at w[((first + j) % cap) x F ..]. The PE reads its weights in place from there.
struct FifoView {
    const FifoVector* v = nullptr;
    const WgtEntry* w = nullptr;
    uint64_t first = 0, n = 0;
    uint32_t cap = 1;
    int F = 1;
    const FifoVector& vec(uint64_t j) const { return v[(first + j) % cap]; }
    const WgtEntry* weights(uint64_t j) const {
        return w + static_cast<std::size_t>((first + j) % cap) * static_cast<std::size_t>(F);
    }
};

// One output channel of one PE as the post-processing unit stored it (ReLU, requantised,
// compressed or raw): `bytes` at `offset` of its group's store.
struct OutStream {
    int64_t n = 0;            // image
    int pe = 0;
    int64_t k = 0;
    uint64_t offset = 0, bytes = 0, entries = 0, values = 0;
    uint64_t dram_addr = 0;   // set when the store is issued
};

struct EngineCounters {
    uint64_t products = 0;          // multiplications delivered to an accumulator
    uint64_t products_discarded = 0;// issued but outside the output plane
    uint64_t mult_slots = 0;        // multiplier slots issued (16 per array cycle)
    uint64_t zero_gated = 0;        // DCNN-opt: multiplications gated by a zero operand
    uint64_t array_cycles = 0;
    uint64_t conflict_stalls = 0;
    uint64_t acc_reads = 0, acc_writes = 0;
    uint64_t fifo_reads = 0;        // weight-vector reads from the FIFO (replays included)
    uint64_t iaram_reads = 0;       // activation-vector reads
    uint64_t iaram_words = 0;       // IARAM port words read for them (iaram_port.h)
    uint64_t iaram_stalls = 0;      // array cycles waiting for the IARAM port (sum over PEs)
};

class LayerEngine {
public:
    LayerEngine(const Layer& L, const ScnnParams& prm, int pe_rows, int pe_cols, bool sparse, bool compressed,
                const std::vector<int8_t>& weights, const std::vector<int8_t>& inputs, int value_bits);

    const Layer& layer() const { return L_; }
    const ScnnParams& params() const { return prm_; }
    const PlanarMapping& mapping() const { return map_; }
    bool sparse() const { return sparse_; }
    int phases() const { return static_cast<int>(L_.stride * L_.stride); }
    int act_phase(int64_t h, int64_t w) const {
        return static_cast<int>(((h + L_.padding) % L_.stride) * L_.stride + (w + L_.padding) % L_.stride);
    }

    // Pieces of one image in broadcast order; group g's are [group_begin[g], group_begin[g+1]).
    std::vector<WeightBlock> blocks;
    std::vector<std::size_t> group_begin;
    uint64_t weight_bytes = 0;      // all blocks
    // The weight stream as the host writes it into DRAM: every piece's bytes at its dram_addr.
    std::vector<uint8_t> weight_image;
    // A piece with its values, decoded from `bytes` (its dram_bytes as they reached the PE).
    // Throws SimulationError when the bytes do not decode to the piece's shape.
    WeightBlock decode_piece(const WeightBlock& b, const uint8_t* bytes) const;

    // PEs that can have work in this layer, ascending: those with an output tile or input of
    // their own (planar tiling: the active PE rows x the active PE columns; channel split: the
    // first max(C, K) PEs). Every other PE receives the broadcast weights and does nothing
    // with them, so host memory and time follow the layer, not the PE count (2^20 PEs on a
    // 16 x 16 map hold at most ~32 x 32 active PEs).
    const std::vector<int>& active_pes() const { return active_; }
    int64_t idle_pes() const { return static_cast<int64_t>(map_.pes()) - static_cast<int64_t>(active_.size()); }

    // Activation tiles of image n (built by load_image); empty for PEs outside active_pes().
    void load_image(int64_t n);
    int64_t image() const { return n_; }
    const std::vector<ActEntry>& acts(int pe, int64_t c) const;
    const std::vector<uint32_t>& act_offs(int pe, int64_t c) const;
    uint64_t act_bytes(int pe, int64_t c) const;
    uint64_t image_act_bytes() const { return image_act_bytes_; }
    // What an image's input tiles take at most (every value of every tile stored, whatever
    // the data): the same for every image; known after the first load_image.
    uint64_t image_act_bound() const { return image_act_bound_; }
    // The image's input tiles as the host writes them into DRAM: channel-major, within a
    // channel the active PEs' tiles in active_pes() order (act_bytes each, at act_offset).
    std::vector<uint8_t> act_image;
    uint64_t act_offset(int pe, int64_t c) const;
    // Decodes PE `pe`'s tile of channel c from `bytes` (as it sits in the PE's IARAM): the
    // activations the PE array works on (acts() for SCNN, tile_at() for the dense PE).
    void decode_acts(int pe, int64_t c, const uint8_t* bytes);
    // Dense PE: the decoded tile of channel c, rows [h0, h1) x columns [w0, w1) of the plane,
    // row-major (empty for a PE without one).
    struct TileView {
        const int32_t* v = nullptr;
        int64_t h0 = 0, h1 = 0, w0 = 0, w1 = 0;
        bool holds(int64_t h, int64_t w) const { return v && h >= h0 && h < h1 && w >= w0 && w < w1; }
        int32_t at(int64_t h, int64_t w) const { return v[(h - h0) * (w1 - w0) + (w - w0)]; }
    };
    TileView tile(int pe, int64_t c) const;

    // Post-processing of a finished group for PE `pe`: its outputs read from the accumulators,
    // ReLU + requantise, compressed (or raw) per output channel; returns the bytes written to
    // OARAM, appends one OutStream per channel (offsets from the start of the returned bytes).
    // `bits`, if given: appended per output value, the bits the encoder emits for it (an entry,
    // a placeholder or nothing; raw: the value; the last value of a stream also its padding to
    // a byte), summing to 8 x the bytes returned: what the PPU writes to OARAM (ppu.h).
    std::vector<uint8_t> pack_outputs(int pe, int64_t g, std::vector<OutStream>& streams, uint64_t& outputs,
                                      std::vector<uint32_t>* bits = nullptr) const;
    // True when `bytes` (read back from DRAM) decode to the values the PPU produced for s.
    bool output_stream_matches(const OutStream& s, const uint8_t* bytes) const;
    // Puts the values `bytes` (read back from DRAM) decode to at their places of `stored`
    // (N x K x P x Q int8), in the order ppu_values produced them; returns the values placed.
    std::size_t place_stream(const OutStream& s, const uint8_t* bytes, std::vector<int8_t>& stored) const;
    // The layer's requantisation (LayerJob::requant), applied by the PPU; null: ReLU +
    // requant_shift() (sw/reference). Set before the first group ends.
    const OutputRequant* requant = nullptr;

    // Accumulators of PE `pe` (active PEs only): the current group's partial sums at
    // mapping().acc_addr() (channel split: at k - group base). run_block adds products here.
    int32_t* acc(int pe) { return acc_[static_cast<std::size_t>(slot_of(pe))].data(); }
    // End of group g: the halo exchange (each PE adds the partial sums of its region outside
    // its tile into the accumulators of the PE whose tile holds them; channel split: the
    // reduction of every PE's partial sums), then each PE's tile is read out into `outputs`
    // and the accumulators are cleared for the next group. Returns the partial sums that
    // crossed between PEs. `runs` (planar tiling), if given: per active slot, the halo
    // transfers in the order the PE sends them (receiver = active slot), for halo_exchange().
    uint64_t end_group(int64_t g, std::vector<std::vector<HaloRun>>* runs = nullptr);

    std::vector<int32_t> outputs;   // N x K x P x Q, as read out of the accumulators
    int32_t& out(int64_t n, int64_t k, int64_t p, int64_t q) {
        return outputs[static_cast<std::size_t>(((n * L_.K + k) * map_.P + p) * map_.Q + q)];
    }
    int8_t weight(int64_t k, int64_t cl, int64_t r, int64_t s) const {
        return weights_[static_cast<std::size_t>(((k * cg_ + cl) * L_.R + r) * L_.S + s)];
    }
    int64_t conv_group_of_k(int64_t k) const { return k / kg_; }
    int64_t channels_per_group() const { return cg_; }
    EngineCounters cnt;
    // IARAM read port (iaram_port.h): word width in bits (the input buffer's port_width_bits;
    // 0: not modelled), bits per stored activation entry, and per PE slot the cycles its port
    // may read ahead into the next piece (the previous piece's last vector in the array).
    uint32_t iaram_word_bits = 0;
    uint32_t act_entry_bits() const { return static_cast<uint32_t>(value_bits_ + (compressed_ ? 4 : 0)); }
    std::vector<uint64_t> iaram_lead;
    // Channel split: per active slot, the slot its partial sums go to in the reduction (-1: the
    // root, PE 0): left along each PE row, then up column 0 (halo_links.h, reduction_tree).
    std::vector<int> reduction_parents() const;

private:
    // Position of `pe` in active_pes(), -1 if idle.
    int64_t slot_of(int pe) const;
    std::size_t idx(int64_t slot, int64_t c) const { return static_cast<std::size_t>(slot) * static_cast<std::size_t>(L_.C) + static_cast<std::size_t>(c); }
    void find_active_pes();
    uint32_t value_entry_bits() const;
    void build_blocks();
    const int8_t* input_plane(int64_t c) const;  // H x W of image n, channel c (host side only)
    std::vector<int32_t> ppu_values(int64_t n, int pe, int64_t k) const;  // requantised outputs of (pe, k)
    // Start of each stride phase in a block's broadcast-order sequence of kb channels.
    std::vector<uint64_t> phase_starts(int64_t kb) const;

    Layer L_;
    ScnnParams prm_;
    PlanarMapping map_;
    bool sparse_, compressed_;
    const std::vector<int8_t>& weights_;
    const std::vector<int8_t>& inputs_;
    int value_bits_;
    int64_t cg_ = 1, kg_ = 1;   // input / output channels per conv group
    int64_t n_ = -1;
    std::vector<int> active_;
    std::vector<int> active_rows_, active_cols_;  // planar tiling: sorted PE rows / columns
    std::vector<std::vector<ActEntry>> acts_;
    std::vector<std::vector<uint32_t>> act_offs_;
    std::vector<uint64_t> act_bytes_, act_off_, act_entries_;
    struct Region {
        int32_t h0 = 0, h1 = 0, w0 = 0, w1 = 0;
    };
    std::vector<Region> region_;              // input region of each (PE, channel) tile
    std::vector<std::vector<int32_t>> tiles_; // dense PE: decoded tiles
    std::vector<std::vector<int32_t>> acc_;   // per active PE: accumulator storage
    uint64_t image_act_bytes_ = 0, image_act_bound_ = 0;
};

// The PE array's arithmetic: cycles PE `pe` needs for block `b` of the current image, with the
// products accumulated into e.outputs. One implementation per design.
class PeArrayPolicy {
public:
    virtual ~PeArrayPolicy() = default;
    virtual bool sparse() const = 0;
    // `first_use`, if given: per FIFO entry of the piece (piece_to_fifo order), the cycle offset
    // from the piece's start at which the PE first reads it (UINT64_MAX: never), so that the
    // broadcast can let the PE start before the piece's last entry has landed.
    // The PE reads the piece's weights in place from its FIFO (`fifo`); `header`: the piece's
    // shape (group, c, target, k0/k1, v0/v1; its weight vectors are not read).
    virtual uint64_t run_fifo(LayerEngine& e, int pe, const WeightBlock& header, const FifoView& fifo,
                              std::vector<uint64_t>* first_use = nullptr) = 0;
    // The same for a decoded piece (b.w / b.offs or b.dv), laid out as FIFO entries first
    // (piece_to_fifo): tests and tools without a broadcast model.
    uint64_t run_block(LayerEngine& e, int pe, const WeightBlock& b, std::vector<uint64_t>* first_use = nullptr);
};

// `bank_mapping`: a name from bank_mapping_names() (bank_mapping.h).
std::unique_ptr<PeArrayPolicy> make_sparse_pe_array(int accumulator_banks, const std::string& bank_mapping = "interleaved",
                                                    int crossbar_queue_entries = 0);

}  // namespace sx::scnn
