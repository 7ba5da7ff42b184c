// SPDX-License-Identifier: MIT
// Allocation traces for the bench: the text format of bench/TRACES.md, a reader and a seeded
// churn generator (so tests and users need no outside traces). Hosted code: bench only.
#ifndef TINYMEM_BENCH_TRACE_HPP
#define TINYMEM_BENCH_TRACE_HPP

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace tinymem_bench {

enum class op_kind : std::uint8_t { alloc, free, resize };

struct op {
    op_kind kind;
    std::uint8_t align_log2; // alloc: log2 of the alignment asked for; 0 = the allocator's default
    std::uint32_t id;
    std::uint32_t size; // bytes requested (0 in the file becomes 1; see trace::zero_sizes)
    std::size_t align() const { return align_log2 ? std::size_t(1) << align_log2 : 0; }
};

struct trace {
    std::string name;                  // file name without directory and .trace
    std::vector<op> ops;
    std::size_t header_peak = 0;       // peak_live_bytes from the header (0 when absent)
    std::size_t peak_live = 0;         // recomputed from the ops (sizes as requested)
    std::size_t max_live_blocks = 0;
    std::size_t ids = 0;               // largest id + 1
    std::size_t zero_sizes = 0;        // requests of 0 bytes, replayed as 1 byte
    std::size_t total_alloc_bytes = 0; // sum of every a and r size (what a monotonic arena needs)
    std::size_t aligned = 0;           // allocations with an alignment field
    std::size_t max_align = 0;         // the largest alignment field (0 when none)
    std::string error;                 // non-empty when the file could not be read
};

inline std::string base_name(const std::string& path) {
    std::string n = path.substr(path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/') + 1);
    if (n.size() > 6 && n.compare(n.size() - 6, 6, ".trace") == 0) n.resize(n.size() - 6);
    return n;
}

// Reads a trace (format: bench/TRACES.md); checks that ids are used consistently (a before f/r,
// no double a) and that an alignment field is a power of two.
inline trace read_trace(const std::string& path) {
    trace t;
    t.name = base_name(path);
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        t.error = "cannot open " + path;
        return t;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string text = ss.str();
    std::vector<std::uint32_t> live_size; // size + 1 while live, 0 when not
    std::size_t live = 0, live_blocks = 0, line_no = 0;
    std::size_t pos = 0;
    auto fail = [&](const std::string& what) {
        t.error = path + ":" + std::to_string(line_no) + ": " + what;
        return t;
    };
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string::npos) end = text.size();
        const std::string line = text.substr(pos, end - pos);
        pos = end + 1;
        ++line_no;
        if (line.empty()) continue;
        if (line[0] == '#') {
            const auto k = line.find("peak_live_bytes=");
            if (k != std::string::npos && t.header_peak == 0)
                t.header_peak = std::strtoull(line.c_str() + k + 16, nullptr, 10);
            continue;
        }
        char kind = 0;
        unsigned long long id = 0, size = 0, align = 0;
        const int n = std::sscanf(line.c_str(), "%c %llu %llu %llu", &kind, &id, &size, &align);
        if (n < 2 || id > 0xFFFFFFFull) return fail("bad line '" + line + "'");
        if (id >= live_size.size()) live_size.resize(id + 1, 0);
        op o{};
        o.id = std::uint32_t(id);
        if (kind == 'a' || kind == 'r') {
            if (n < 3 || size > 0xFFFFFFFFull) return fail("bad size in '" + line + "'");
            if (n == 4) {
                // The optional alignment of an allocation (aligned_alloc, posix_memalign, ...).
                if (kind != 'a' || align == 0 || (align & (align - 1)) != 0 || align > (1ull << 31))
                    return fail("bad alignment in '" + line + "'");
                o.align_log2 = std::uint8_t(__builtin_ctzll(align));
                ++t.aligned;
                t.max_align = std::max(t.max_align, std::size_t(align));
            }
            if (size == 0) {
                ++t.zero_sizes;
                size = 1;
            }
            o.size = std::uint32_t(size);
            t.total_alloc_bytes += size;
            if (kind == 'a') {
                if (live_size[id] != 0) return fail("id allocated twice");
                o.kind = op_kind::alloc;
                ++live_blocks;
            } else {
                if (live_size[id] == 0) return fail("resize of an id that is not live");
                o.kind = op_kind::resize;
                live -= live_size[id] - 1;
            }
            live_size[id] = std::uint32_t(size + 1);
            live += size;
        } else if (kind == 'f') {
            if (live_size[id] == 0) return fail("free of an id that is not live");
            o.kind = op_kind::free;
            live -= live_size[id] - 1;
            live_size[id] = 0;
            --live_blocks;
        } else {
            return fail("unknown operation '" + line + "'");
        }
        t.peak_live = std::max(t.peak_live, live);
        t.max_live_blocks = std::max(t.max_live_blocks, live_blocks);
        t.ops.push_back(o);
    }
    t.ids = live_size.size();
    if (t.ops.empty()) t.error = path + ": no operations";
    return t;
}

// A churn trace: objects of 8-256 bytes (and `big_percent` % of 1-4 KiB buffers) allocated
// until about `live_target` bytes are live, then random frees, allocations and resizes
// around that level. A few requests are for 0 bytes, as malloc(0) traces have.
// align_percent: that % of the allocations ask for an alignment of 16 to 4096 bytes (the
// optional alignment field); 0 draws no number for it, so the trace is as without the option.
inline std::string generate_churn(std::uint64_t seed, std::size_t ops, std::size_t live_target,
                                  unsigned big_percent = 3, unsigned align_percent = 0) {
    std::mt19937_64 rng(seed);
    auto uniform = [&](std::size_t lo, std::size_t hi) {
        return std::uniform_int_distribution<std::size_t>(lo, hi)(rng);
    };
    auto size_of = [&]() -> std::size_t {
        if (uniform(0, 999) == 0) return 0;
        if (uniform(0, 99) < big_percent) return uniform(1024, 4096);
        return uniform(8, 256);
    };
    std::vector<std::uint32_t> live_ids, free_ids;
    std::vector<std::size_t> sizes;
    std::size_t live = 0, peak = 0, max_blocks = 0, next_id = 0;
    std::string body;
    body.reserve(ops * 12);
    for (std::size_t i = 0; i < ops; ++i) {
        const std::size_t roll = uniform(0, 99);
        const bool grow = live < live_target;
        if (!live_ids.empty() && roll < 5) {
            const std::size_t k = uniform(0, live_ids.size() - 1);
            const std::uint32_t id = live_ids[k];
            const std::size_t s = size_of();
            live = live - sizes[id] + s;
            sizes[id] = s;
            body += "r " + std::to_string(id) + " " + std::to_string(s) + "\n";
        } else if (!live_ids.empty() && (!grow || roll < 30)) {
            const std::size_t k = uniform(0, live_ids.size() - 1);
            const std::uint32_t id = live_ids[k];
            live_ids[k] = live_ids.back();
            live_ids.pop_back();
            live -= sizes[id];
            free_ids.push_back(id);
            body += "f " + std::to_string(id) + "\n";
        } else {
            std::uint32_t id;
            if (!free_ids.empty()) {
                id = free_ids.back();
                free_ids.pop_back();
            } else {
                id = std::uint32_t(next_id++);
                sizes.push_back(0);
            }
            const std::size_t s = size_of();
            sizes[id] = s;
            live += s;
            live_ids.push_back(id);
            body += "a " + std::to_string(id) + " " + std::to_string(s);
            if (align_percent != 0 && uniform(0, 99) < align_percent)
                body += " " + std::to_string(std::size_t(1) << uniform(4, 12));
            body += "\n";
        }
        peak = std::max(peak, live);
        max_blocks = std::max(max_blocks, live_ids.size());
    }
    return "# tinymem-trace v1 source=tinymem-gen-trace-churn-live" + std::to_string(live_target) + "-seed" +
           std::to_string(seed) + " ops=" + std::to_string(ops) + " peak_live_bytes=" + std::to_string(peak) +
           " max_live_blocks=" + std::to_string(max_blocks) + "\n" + body;
}

} // namespace tinymem_bench

#endif
