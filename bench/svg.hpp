// SPDX-License-Identifier: MIT
// Hand-rolled SVG charts for the bench (no dependencies): grouped bars and line timelines.
#ifndef TINYMEM_BENCH_SVG_HPP
#define TINYMEM_BENCH_SVG_HPP

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

namespace tinymem_bench::svg {

inline const char* color(std::size_t i) {
    static const char* c[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"};
    return c[i % 6];
}

inline std::string num(double v, int prec = 2) {
    char b[64];
    std::snprintf(b, sizeof b, "%.*f", prec, v);
    return b;
}

inline std::string escape(const std::string& s) {
    std::string o;
    for (char ch : s) {
        if (ch == '<') o += "&lt;";
        else if (ch == '>') o += "&gt;";
        else if (ch == '&') o += "&amp;";
        else o += ch;
    }
    return o;
}

// values[group][series]; a negative value is drawn as "n/a" (no bar).
inline std::string bar_chart(const std::string& title, const std::vector<std::string>& groups,
                             const std::vector<std::string>& series,
                             const std::vector<std::vector<double>>& values, double y_max) {
    const double W = 760, H = 400, left = 60, right = 20, top = 50, bottom = 80;
    const double pw = W - left - right, ph = H - top - bottom;
    std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(W, 0) + "\" height=\"" + num(H, 0) +
                    "\" font-family=\"sans-serif\" font-size=\"12\">\n";
    s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
    s += "<text x=\"" + num(W / 2, 0) + "\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">" + escape(title) + "</text>\n";
    for (int i = 0; i <= 5; ++i) {
        const double v = y_max * i / 5, y = top + ph - ph * i / 5;
        s += "<line x1=\"" + num(left) + "\" x2=\"" + num(left + pw) + "\" y1=\"" + num(y) + "\" y2=\"" + num(y) +
             "\" stroke=\"#ddd\"/>\n";
        s += "<text x=\"" + num(left - 6) + "\" y=\"" + num(y + 4) + "\" text-anchor=\"end\">" + num(v) + "</text>\n";
    }
    const double gw = pw / double(std::max<std::size_t>(groups.size(), 1));
    const double bw = gw * 0.8 / double(std::max<std::size_t>(series.size(), 1));
    for (std::size_t g = 0; g < groups.size(); ++g) {
        const double gx = left + gw * double(g) + gw * 0.1;
        for (std::size_t k = 0; k < series.size(); ++k) {
            const double v = values[g][k];
            const double x = gx + bw * double(k);
            if (v < 0) {
                s += "<text x=\"" + num(x + bw / 2) + "\" y=\"" + num(top + ph - 4) +
                     "\" text-anchor=\"middle\" font-size=\"9\">n/a</text>\n";
                continue;
            }
            const double h = ph * std::min(v, y_max) / y_max;
            s += "<rect x=\"" + num(x) + "\" y=\"" + num(top + ph - h) + "\" width=\"" + num(bw - 2) + "\" height=\"" +
                 num(h) + "\" fill=\"" + color(k) + "\"/>\n";
            s += "<text x=\"" + num(x + bw / 2) + "\" y=\"" + num(top + ph - h - 3) +
                 "\" text-anchor=\"middle\" font-size=\"9\">" + num(v) + "</text>\n";
        }
        s += "<text x=\"" + num(gx + gw * 0.4) + "\" y=\"" + num(top + ph + 16) + "\" text-anchor=\"middle\">" +
             escape(groups[g]) + "</text>\n";
    }
    for (std::size_t k = 0; k < series.size(); ++k) {
        const double x = left + 10 + 230 * double(k % 3), y = H - 36 + 16 * double(k / 3);
        s += "<rect x=\"" + num(x) + "\" y=\"" + num(y - 10) + "\" width=\"12\" height=\"12\" fill=\"" + color(k) + "\"/>\n";
        s += "<text x=\"" + num(x + 16) + "\" y=\"" + num(y) + "\">" + escape(series[k]) + "</text>\n";
    }
    return s + "</svg>\n";
}

struct line_series {
    std::string name;
    std::vector<double> y; // one value per x sample
};

struct panel {
    std::string title;
    std::vector<double> x;
    std::vector<line_series> lines;
};

// Panels stacked vertically, each with its own x axis (operation index) and y axis (bytes).
inline std::string timeline(const std::string& title, const std::vector<panel>& panels) {
    const double W = 860, PH = 260, left = 80, right = 20, top = 40, gap = 70;
    const double H = top + double(panels.size()) * (PH + gap) + 10;
    std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(W, 0) + "\" height=\"" + num(H, 0) +
                    "\" font-family=\"sans-serif\" font-size=\"12\">\n";
    s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
    s += "<text x=\"" + num(W / 2, 0) + "\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">" + escape(title) + "</text>\n";
    for (std::size_t p = 0; p < panels.size(); ++p) {
        const panel& pn = panels[p];
        const double y0 = top + double(p) * (PH + gap) + 20, pw = W - left - right, ph = PH - 40;
        double x_max = 1, y_max = 1;
        for (double x : pn.x) x_max = std::max(x_max, x);
        for (const auto& l : pn.lines)
            for (double v : l.y) y_max = std::max(y_max, v);
        s += "<text x=\"" + num(left) + "\" y=\"" + num(y0 - 6) + "\" font-size=\"13\">" + escape(pn.title) + "</text>\n";
        for (int i = 0; i <= 4; ++i) {
            const double v = y_max * i / 4, y = y0 + ph - ph * i / 4;
            s += "<line x1=\"" + num(left) + "\" x2=\"" + num(left + pw) + "\" y1=\"" + num(y) + "\" y2=\"" + num(y) +
                 "\" stroke=\"#ddd\"/>\n";
            s += "<text x=\"" + num(left - 6) + "\" y=\"" + num(y + 4) + "\" text-anchor=\"end\">" + num(v, 0) + "</text>\n";
        }
        for (int i = 0; i <= 4; ++i) {
            const double x = left + pw * i / 4;
            s += "<text x=\"" + num(x) + "\" y=\"" + num(y0 + ph + 14) + "\" text-anchor=\"middle\">" +
                 num(x_max * i / 4, 0) + "</text>\n";
        }
        s += "<text x=\"" + num(left + pw / 2) + "\" y=\"" + num(y0 + ph + 28) +
             "\" text-anchor=\"middle\">operation</text>\n";
        for (std::size_t k = 0; k < pn.lines.size(); ++k) {
            std::string pts;
            const auto& l = pn.lines[k];
            for (std::size_t i = 0; i < l.y.size() && i < pn.x.size(); ++i)
                pts += num(left + pw * pn.x[i] / x_max, 1) + "," + num(y0 + ph - ph * l.y[i] / y_max, 1) + " ";
            s += "<polyline fill=\"none\" stroke-width=\"1.3\" stroke=\"" + std::string(color(k)) + "\" points=\"" + pts +
                 "\"/>\n";
            const double lx = left + 10 + 200 * double(k);
            s += "<rect x=\"" + num(lx) + "\" y=\"" + num(y0 + ph + 34) + "\" width=\"12\" height=\"4\" fill=\"" +
                 color(k) + "\"/>\n";
            s += "<text x=\"" + num(lx + 16) + "\" y=\"" + num(y0 + ph + 40) + "\">" + escape(l.name) + "</text>\n";
        }
    }
    return s + "</svg>\n";
}

} // namespace tinymem_bench::svg

#endif
