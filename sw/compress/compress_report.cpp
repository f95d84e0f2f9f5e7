#include "sw/compress/compress_report.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "sw/common/error.h"

namespace sx {

namespace {

std::string fmt(const char* f, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, f, v);
    return buf;
}

std::string err_cell(double e, const char* f) { return e < 0 ? std::string("n/a") : fmt(f, e); }

std::vector<std::string> row_cells(const LayerReport& r, bool csv) {
    const char* pf = csv ? "%.6g" : "%.3f";
    return {r.name,
            r.kind,
            std::to_string(r.params),
            std::to_string(r.fp32_bytes),
            std::to_string(r.int8_bytes),
            std::to_string(r.image_bytes),
            fmt(csv ? "%.6g" : "%.2f", r.compression),
            fmt(pf, r.row_sparsity),
            fmt(pf, r.element_sparsity),
            fmt(csv ? "%.6g" : "%.2f", r.bits_per_weight),
            err_cell(r.rel_error, csv ? "%.6g" : "%.4f"),
            err_cell(r.rel_error_float, csv ? "%.6g" : "%.4f"),
            fmt(csv ? "%.6g" : "%.1f", r.iterations_mean),
            std::to_string(r.iterations_max),
            std::to_string(r.theta_reductions),
            fmt(csv ? "%.6g" : "%.2f", r.seconds),
            r.synthetic ? "yes" : "no",
            std::to_string(r.image_bits),
            std::to_string(r.reference_bits),
            fmt(csv ? "%.6g" : "%.2f", r.image_bits ? 8.0 * double(r.int8_bytes) / double(r.image_bits) : 0.0),
            fmt(csv ? "%.6g" : "%.2f", r.reference_bits ? 8.0 * double(r.int8_bytes) / double(r.reference_bits) : 0.0),
            std::to_string(r.ce_rows),
            std::to_string(r.ce_nonzero_rows),
            std::to_string(r.ce_nonzero_elements),
            std::to_string(r.shift_limited_blocks)};
}

const std::vector<std::string>& headers() {
    static const std::vector<std::string> h = {
        "layer",          "kind",           "params",         "fp32_bytes",      "int8_bytes",     "image_bytes",
        "compression",    "row_sparsity",   "element_sparsity", "bits_per_weight", "rel_error",    "rel_error_float",
        "iterations_mean", "iterations_max", "theta_reduced_blocks", "cpu_seconds", "synthetic",
        "image_bits", "reference_bits", "int8_over_image", "int8_over_reference", "ce_rows", "nonzero_ce_rows",
        "nonzero_ce_elements", "shift_limited_blocks"};
    return h;
}

}  // namespace

std::string report_csv(const CompressReport& rep) {
    std::ostringstream out;
    const auto& h = headers();
    for (std::size_t i = 0; i < h.size(); ++i) out << (i ? "," : "") << h[i];
    out << "\n";
    auto line = [&](const LayerReport& r) {
        const auto cells = row_cells(r, true);
        for (std::size_t i = 0; i < cells.size(); ++i) out << (i ? "," : "") << cells[i];
        out << "\n";
    };
    for (const auto& r : rep.layers) line(r);
    line(rep.total);
    return out.str();
}

void write_report_csv(const CompressReport& rep, const std::string& path) {
    std::ofstream out(path, std::ios::trunc);
    if (!out) throw InputError(path, "--report", "a writable CSV path", "it cannot be opened");
    out << report_csv(rep);
    if (!out) throw InputError(path, "--report", "a writable CSV path", "writing failed");
}

std::string report_table(const CompressReport& rep) {
    const std::vector<std::string> h = {"layer", "kind", "params", "fp32 B", "int8 B", "image B", "ratio", "row sp",
                                        "elem sp", "bits/w", "rel err", "err fp", "iter", "iter max", "theta-",
                                        "cpu s", "synthetic", "image bits", "ref bits", "x int8", "x int8 ref",
                                        "Ce rows", "nz rows", "nz elems", "shift-lim"};
    std::vector<std::vector<std::string>> rows;
    for (const auto& r : rep.layers) rows.push_back(row_cells(r, false));
    rows.push_back(row_cells(rep.total, false));
    std::vector<std::size_t> w(h.size());
    for (std::size_t i = 0; i < h.size(); ++i) w[i] = h[i].size();
    for (const auto& r : rows)
        for (std::size_t i = 0; i < r.size(); ++i) w[i] = std::max(w[i], r[i].size());
    std::ostringstream out;
    auto line = [&](const std::vector<std::string>& cells) {
        for (std::size_t i = 0; i < cells.size(); ++i) {
            const std::string pad(w[i] - cells[i].size(), ' ');
            out << (i ? "  " : "") << (i < 2 ? cells[i] + pad : pad + cells[i]);
        }
        out << "\n";
    };
    out << rep.network << (rep.synthetic ? ": SYNTHETIC weights (generated, not from a trained model)" : "")
        << "\n";
    line(h);
    std::size_t total_w = 0;
    for (std::size_t x : w) total_w += x + 2;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        if (i + 1 == rows.size()) out << std::string(total_w - 2, '-') << "\n";
        line(rows[i]);
    }
    out << "bits counted: 'image bits' = 8 x 'image B', the true size: per decomposed layer 24-byte block records\n"
           "  (int8 basis, shift, rows, scale) + 1 bit per Ce row + 12 bits (three 4-bit codes) per non-zero Ce row;\n"
           "  raw and raw-fallback layers 8 bits per weight; the total adds the file header and layer table.\n"
           "  'ref bits' = the reference transcription's count (1 bit per Ce row + 4 bits per non-zero Ce element,\n"
           "  bases not counted; raw layers 8 bits per weight). 'x int8' = 8 x params / image bits,\n"
           "  'x int8 ref' = 8 x params / ref bits. kind raw-fallback: decomposable, but the decomposed form was\n"
           "  larger than int8 weights, so the layer is stored raw";
    if (rep.total.fallbacks > 0) out << " (" << rep.total.fallbacks << " layer(s) here)";
    out << ".\n";
    if (rep.wall_seconds > 0)
        out << "wall time " << fmt("%.2f", rep.wall_seconds) << " s on " << rep.threads << " thread(s)\n";
    return out.str();
}

}  // namespace sx
