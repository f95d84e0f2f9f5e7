#include "sw/workflow/report.h"

#include <cstdio>
#include <filesystem>

#include "sw/workflow/csv_table.h"

namespace fs = std::filesystem;

namespace sx {

namespace {

std::string fixed(double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

std::string ratio_text(const std::optional<double>& q) { return q ? fixed(*q, 2) + "x" : "-"; }

// Quantity of a Figures in display units.
double pick(const Figures& f, const std::string& q) {
    if (q == "latency") return f.latency_us;
    if (q == "energy") return f.energy_pj * 1e-6;     // uJ
    if (q == "edp") return f.edp_pj_us() * 1e-9;      // uJ*ms
    if (q == "area") return f.area_mm2;
    if (q == "static_power") return f.static_power_mw;
    return f.dram_bytes / 1024.0;                     // KiB
}

std::string unit_of(const std::string& q) {
    if (q == "latency") return "latency us";
    if (q == "energy") return "energy uJ";
    if (q == "edp") return "EDP uJ*ms";
    return "DRAM KiB";
}

std::string html_escape(const std::string& s) {
    std::string o;
    for (char c : s) {
        if (c == '<') o += "&lt;";
        else if (c == '>') o += "&gt;";
        else if (c == '&') o += "&amp;";
        else o += c;
    }
    return o;
}

std::string render_html(const Table& t) {
    std::string o = "<table>\n";
    for (std::size_t i = 0; i < t.size(); ++i) {
        o += "<tr>";
        for (std::size_t j = 0; j < t[i].size(); ++j) {
            const char* tag = i == 0 ? "th" : "td";
            o += std::string("<") + tag + (j ? " class=\"num\"" : "") + ">" + html_escape(t[i][j]) + "</" + tag + ">";
        }
        o += "</tr>\n";
    }
    return o + "</table>\n";
}

}  // namespace

std::string base64_encode(const std::string& in) {
    static const char* tbl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        const uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
        out += tbl[v >> 18], out += tbl[(v >> 12) & 63], out += tbl[(v >> 6) & 63], out += tbl[v & 63];
    }
    if (i + 1 == in.size()) {
        const uint32_t v = uint8_t(in[i]) << 16;
        out += tbl[v >> 18], out += tbl[(v >> 12) & 63], out += "==";
    } else if (i + 2 == in.size()) {
        const uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
        out += tbl[v >> 18], out += tbl[(v >> 12) & 63], out += tbl[(v >> 6) & 63], out += '=';
    }
    return out;
}

Table totals_table(const CompareResult& r) {
    Table t{{"design", "MAC units", "area mm2", "static mW", "latency us", "energy uJ", "EDP uJ*ms", "DRAM KiB",
             "area ratio", "latency ratio", "energy ratio", "EDP ratio", "DRAM ratio"}};
    const CompareDesign& ref = r.ref();
    for (const auto& d : r.designs) {
        if (d.status != "ok") {
            // The error itself is listed with the designs (report) and on stderr (console).
            t.push_back({d.name, std::to_string(d.normalization.mac_units_after), "-", "-", d.status, "-", "-", "-", "-",
                         "-", "-", "-", "-"});
            continue;
        }
        const bool base = ref.status == "ok";
        auto q = [&](const std::string& k) {
            return base ? ratio_text(r.ratio(pick(d.total, k), pick(ref.total, k))) : std::string("-");
        };
        t.push_back({d.name, std::to_string(d.normalization.mac_units_after), fixed(d.total.area_mm2, 3),
                     fixed(d.total.static_power_mw, 2), fixed(d.total.latency_us, 1),
                     fixed(d.total.energy_pj * 1e-6, 2), fixed(d.total.edp_pj_us() * 1e-9, 3),
                     fixed(d.total.dram_bytes / 1024.0, 1), q("area"), q("latency"), q("energy"), q("edp"), q("dram")});
    }
    return t;
}

Table layer_table(const CompareResult& r, const std::string& quantity) {
    Table t{{"layer (" + unit_of(quantity) + ")"}};
    const CompareDesign& ref = r.ref();
    for (const auto& d : r.designs) {
        if (d.status != "ok") continue;
        t[0].push_back(d.name);
        if (d.name != r.reference) t[0].push_back(d.name + " / " + r.reference);
    }
    auto add_row = [&](const std::string& label, auto get) {
        std::vector<std::string> row{label};
        const Figures* base = get(ref);
        for (const auto& d : r.designs) {
            if (d.status != "ok") continue;
            const Figures* f = get(d);
            row.push_back(f ? fixed(pick(*f, quantity), quantity == "edp" ? 4 : 2) : "-");
            if (d.name != r.reference)
                row.push_back(f && base ? ratio_text(r.ratio(pick(*f, quantity), pick(*base, quantity))) : "-");
        }
        t.push_back(row);
    };
    for (const auto& name : r.layer_order)
        add_row(name, [&](const CompareDesign& d) -> const Figures* {
            if (d.status != "ok") return nullptr;
            const auto it = d.layers.find(name);
            return it == d.layers.end() ? nullptr : &it->second;
        });
    add_row("total", [&](const CompareDesign& d) -> const Figures* { return d.status == "ok" ? &d.total : nullptr; });
    return t;
}

Table breakdown_table(const CompareResult& r) {
    Table t{{"energy component (uJ, share)"}};
    for (const auto& d : r.designs)
        if (d.status == "ok") t[0].push_back(d.name);
    for (std::size_t i = 0; i < r.components.size(); ++i) {
        std::vector<std::string> row{r.components[i]};
        for (const auto& d : r.designs) {
            if (d.status != "ok") continue;
            const double v = i < d.total.energy_by_component.size() ? d.total.energy_by_component[i] : 0;
            const double share = d.total.energy_pj > 0 ? 100.0 * v / d.total.energy_pj : 0;
            row.push_back(fixed(v * 1e-6, 3) + " (" + fixed(share, 1) + "%)");
        }
        t.push_back(row);
    }
    std::vector<std::string> total{"total"};
    for (const auto& d : r.designs)
        if (d.status == "ok") total.push_back(fixed(d.total.energy_pj * 1e-6, 3));
    t.push_back(total);
    return t;
}

std::string render_markdown(const Table& t) {
    std::string o;
    for (std::size_t i = 0; i < t.size(); ++i) {
        o += "|";
        for (const auto& c : t[i]) o += " " + c + " |";
        o += "\n";
        if (i == 0) {
            o += "|";
            for (std::size_t j = 0; j < t[i].size(); ++j) o += j ? "---:|" : "---|";
            o += "\n";
        }
    }
    return o;
}

void write_compare_report(const CompareResult& r, const std::string& dir, const std::vector<std::string>& images) {
    struct Section {
        std::string title;
        Table table;
    };
    std::vector<Section> sections = {
        {"Totals", totals_table(r)},
        {"Energy breakdown (whole network)", breakdown_table(r)},
        {"Latency per layer", layer_table(r, "latency")},
        {"Energy per layer", layer_table(r, "energy")},
        {"Energy-delay product per layer", layer_table(r, "edp")},
        {"DRAM traffic per layer", layer_table(r, "dram")},
    };
    std::string intro_md, intro_html;
    intro_md += "Workload: **" + r.model + "**. Reference design: **" + r.reference +
                "** (ratios are design / reference; below 1 is better).\n\n";
    intro_md += "Normalization: " + r.normalization + ".\n\n";
    intro_html += "<p>Workload: <b>" + html_escape(r.model) + "</b>. Reference design: <b>" + html_escape(r.reference) +
                  "</b> (ratios are design / reference; below 1 is better).</p>\n<p>Normalization: " +
                  html_escape(r.normalization) + ".</p>\n<ul>\n";
    for (const auto& d : r.designs) {
        std::string line = d.name + " (" + d.arch + ")";
        for (const auto& n : d.normalization.notes) line += "; " + n;
        if (d.status != "ok") line += "; " + d.status + ": " + d.error;
        intro_md += "- " + line + "\n";
        intro_html += "<li>" + html_escape(line) + "</li>\n";
    }
    intro_md += "\nUnits: latency in us, energy in uJ, EDP in uJ*ms, DRAM traffic in KiB (reads + writes). "
                "Per-layer figures cover the simulated (compute) layers.\n";
    intro_html += "</ul>\n<p>Units: latency in us, energy in uJ, EDP in uJ*ms, DRAM traffic in KiB (reads + writes).</p>\n";

    std::string md = "# Design comparison: " + r.model + "\n\n" + intro_md + "\n";
    std::string html = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Design comparison: " +
                       html_escape(r.model) +
                       "</title>\n<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto}"
                       "table{border-collapse:collapse;margin:1em 0;font-size:90%}td,th{border:1px solid #bbb;"
                       "padding:2px 8px}td.num,th.num{text-align:right}img{max-width:100%}</style></head><body>\n"
                       "<h1>Design comparison: " +
                       html_escape(r.model) + "</h1>\n" + intro_html;
    for (std::size_t i = 0; i < sections.size(); ++i) {
        md += "## " + sections[i].title + "\n\n" + render_markdown(sections[i].table) + "\n";
        html += "<h2>" + html_escape(sections[i].title) + "</h2>\n" + render_html(sections[i].table);
        if (i == 1 && !images.empty()) {
            md += "## Plots\n\n";
            html += "<h2>Plots</h2>\n";
            for (const auto& img : images) {
                md += "![" + fs::path(img).stem().string() + "](" + img + ")\n\n";
                std::string data;
                try {
                    data = read_text_file((fs::path(dir) / img).string());
                } catch (const std::exception&) {
                    continue;
                }
                html += "<p><img alt=\"" + html_escape(fs::path(img).stem().string()) +
                        "\" src=\"data:image/png;base64," + base64_encode(data) + "\"></p>\n";
            }
        }
    }
    html += "</body></html>\n";
    write_file_atomic((fs::path(dir) / "report.md").string(), md);
    write_file_atomic((fs::path(dir) / "report.html").string(), html);
}

}  // namespace sx
