// SPDX-License-Identifier: MIT
// tinymem-replay: replays allocation traces into tinymem and its peers, side by side.
//
//   tinymem-replay [--out DIR] [--reps N] [--quick] [--timeline NAME] [--no-defrag] [--verdict] TRACE...
//   tinymem-replay --replay KIND:FOOTPRINT [--reps N] TRACE...   (one allocator, for profilers)
//   tinymem-replay --scan KIND:BELOW:ABOVE TRACE...   (every footprint around KIND's minimum)
//
// Per trace and allocator: the smallest footprint with no failed request (bisection; for
// tinymem's engines and best fit confirmed by the 8 footprints above it, see min_footprint()), the
// efficiency peak_live_bytes / footprint, and ns per operation at a roomy footprint (8 x peak live
// bytes) and, for tinymem's two engines (basic_pool and the lean basic_bump_pool), at a tight one
// (1.05 x that engine's own minimum, compactions included).
// Every footprint that is measured is also replayed once untimed with verification: each block
// holds a pattern derived from its id and offset, checked before every free, after every resize,
// and over all live blocks whenever the allocator moved anything; an over-aligned block's address
// is checked after its allocation, after every resize (a resize keeps the block's alignment) and
// whenever the allocator moved anything. A wrong answer exits 1.
// Also times defrag() of a fragmented 64 KiB pool against one memmove of its live bytes.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <memory_resource>
#include <new>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include "bestfit.hpp"
#include "svg.hpp"
#include "trace.hpp"

#include "../tests/tinymem_under_test.hpp"

namespace {

namespace tb = tinymem_bench;
using clock_type = std::chrono::steady_clock;

// ---- the pattern every verified replay writes ---------------------------------------------------
std::uint64_t mix(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}
// Byte i of a block with key k is byte (i % 8) of mix(k + i / 8).
void pattern_write(std::byte* p, std::size_t from, std::size_t to, std::uint64_t key) {
    std::size_t i = from;
    while (i < to) {
        const std::uint64_t w = mix(key + i / 8);
        unsigned char bytes[8];
        std::memcpy(bytes, &w, 8);
        for (std::size_t b = i % 8; b < 8 && i < to; ++b, ++i) p[i] = std::byte(bytes[b]);
    }
}
bool pattern_check(const std::byte* p, std::size_t n, std::uint64_t key) {
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const std::uint64_t w = mix(key + i / 8);
        if (std::memcmp(p + i, &w, 8) != 0) return false;
    }
    if (i < n) {
        const std::uint64_t w = mix(key + i / 8);
        if (std::memcmp(p + i, &w, n - i) != 0) return false;
    }
    return true;
}

// ---- allocators under one interface -------------------------------------------------------------
// Every fixed-footprint allocator's buffer: `bytes` zeroed bytes (as a vector's: no page is first
// touched in a timed replay) whose address is a multiple of `align`. Alignment is of addresses, so
// where an allocator puts an over-aligned block depends on its buffer's address modulo that
// alignment; with a heap-given address (a std::vector) the same footprint succeeded in one replay
// and failed in the next, and the minimum footprint changed with what was replayed before. Cost:
// one allocation and one memset of `bytes`.
struct aligned_arena {
    aligned_arena(std::size_t bytes, std::size_t a)
        : align_(a), size_(bytes), data_(static_cast<std::byte*>(::operator new(bytes, std::align_val_t(a)))) {
        std::memset(data_, 0, bytes);
    }
    ~aligned_arena() { ::operator delete(data_, std::align_val_t(align_)); }
    aligned_arena(const aligned_arena&) = delete;
    aligned_arena& operator=(const aligned_arena&) = delete;
    std::byte* data() const { return data_; }
    std::size_t size() const { return size_; }

private:
    std::size_t align_, size_;
    std::byte* data_;
};

// The alignment of every replay buffer on trace t: its largest alignment, at least 16 (which
// best_fit asks for; glibc's malloc gives 16 anyway, so a trace without the alignment field
// replays in buffers aligned as before). A footprint is the same number of bytes wherever it starts.
std::size_t arena_align(const tb::trace& t) { return std::max<std::size_t>(16, t.max_align); }

enum class tm_cfg { c16, c16_g8, c17, c32 };
const char* cfg_name(tm_cfg c) {
    switch (c) {
    case tm_cfg::c16: return "config16";
    case tm_cfg::c16_g8: return "config16_g8";
    case tm_cfg::c17: return "config17";
    default: return "config32";
    }
}

// Bump = false: tinymem's basic_pool; true: the lean engine, basic_bump_pool (same handles,
// data() and stats()).
template <class Config, bool Bump = false>
struct tm_adapter {
    using pool_t = std::conditional_t<Bump, tinymem::basic_bump_pool<Config>, tinymem::basic_pool<Config>>;
    using handle = typename pool_t::handle;
    static constexpr std::size_t control = sizeof(pool_t);
    aligned_arena buf;
    std::unique_ptr<pool_t> pool;
    std::vector<handle> h;
    std::uint64_t moved_mark = 0;
    tm_adapter(std::size_t buffer_bytes, const tb::trace& t) : buf(buffer_bytes, arena_align(t)), h(t.ids) {
        pool = std::make_unique<pool_t>(std::span<std::byte>(buf.data(), buf.size()));
    }
    bool usable() const { return pool->usable(); }
    bool alloc(std::uint32_t id, std::size_t n, std::size_t align) {
        h[id] = align > Config::granule ? pool->allocate(n, align) : pool->allocate(n);
        return bool(h[id]);
    }
    bool free(std::uint32_t id) { return pool->deallocate(h[id]); }
    bool resize(std::uint32_t id, std::size_t n) { return pool->reallocate(h[id], n); }
    std::byte* ptr(std::uint32_t id) { return static_cast<std::byte*>(pool->data(h[id])); }
    // Whether anything moved since the last call (compaction, table growth, a moving resize).
    bool moved() {
        const std::uint64_t m = pool->bytes_moved() + pool->compactions();
        const bool r = m != moved_mark;
        moved_mark = m;
        return r;
    }
    std::string final_check() {
        const auto c = pool->check();
        return c.ok() ? std::string() : std::string("tinymem check(): ") + c.problem;
    }
};

// Records the highest byte the monotonic resource has handed out (for the timeline).
class tracking_resource final : public std::pmr::memory_resource {
public:
    tracking_resource(std::pmr::memory_resource* up, const std::byte* lo) : up_(up), lo_(lo) {}
    std::size_t high = 0; // bytes from the buffer start up to the end of the highest block
private:
    void* do_allocate(std::size_t n, std::size_t a) override {
        void* p = up_->allocate(n, a);
        high = std::max<std::size_t>(high, std::size_t(static_cast<const std::byte*>(p) - lo_) + n);
        return p;
    }
    void do_deallocate(void* p, std::size_t n, std::size_t a) override { up_->deallocate(p, n, a); }
    bool do_is_equal(const memory_resource& o) const noexcept override { return this == &o; }
    std::pmr::memory_resource* up_;
    const std::byte* lo_;
};

constexpr std::size_t pmr_align = 8;

// Shared by the two pmr adapters: a fixed buffer, blocks by id, resize = allocate, copy, free.
struct pmr_base {
    aligned_arena buf;
    std::vector<void*> p;
    std::vector<std::uint32_t> sz;
    std::vector<std::uint32_t> al; // the alignment each block was allocated with
    // libstdc++ 12's unsynchronized_pool_resource can return a block less aligned than asked
    // (seen: 64 asked, 16 given), so the pool adapter asks for align - pmr_align more bytes at
    // pmr_align and aligns inside; raw keeps what the resource returned.
    std::vector<void*> raw;
    bool over_align = false;
    pmr_base(std::size_t bytes, const tb::trace& t, bool over = false, std::size_t buffer_align = 0)
        : buf(bytes, std::max(buffer_align, arena_align(t))), p(t.ids), sz(t.ids), al(t.ids, pmr_align), raw(t.ids), over_align(over) {}
    // What is asked of the resource for n bytes aligned to a (at least pmr_align).
    std::size_t asked(std::size_t n, std::size_t a) const { return over_align && a > pmr_align ? n + a - pmr_align : n; }
    std::size_t asked_align(std::size_t a) const { return over_align ? pmr_align : a; }
    template <class R>
    void release(R& r, std::uint32_t id) { r.deallocate(raw[id], asked(sz[id], al[id]), asked_align(al[id])); }
    std::byte* ptr(std::uint32_t id) { return static_cast<std::byte*>(p[id]); }
    bool moved() { return false; } // never moves a block the caller did not resize
    std::string final_check() { return {}; }
    template <class R>
    bool alloc_from(R& r, std::uint32_t id, std::size_t n, std::size_t align) {
        const std::size_t a = std::max(pmr_align, align);
        sz[id] = std::uint32_t(n);
        al[id] = std::uint32_t(a);
        try {
            raw[id] = r.allocate(asked(n, a), asked_align(a));
        } catch (const std::bad_alloc&) {
            return false;
        }
        const auto u = reinterpret_cast<std::uintptr_t>(raw[id]);
        p[id] = static_cast<std::byte*>(raw[id]) + (a - u % a) % a;
        return true;
    }
    // Resize = allocate with the block's alignment (a resize keeps it), copy, free the old block.
    template <class R>
    bool resize_in(R& r, std::uint32_t id, std::size_t n) {
        void* const old_raw = raw[id];
        void* const old_p = p[id];
        const std::size_t old_n = sz[id], a = al[id];
        if (!alloc_from(r, id, n, a)) {
            raw[id] = old_raw;
            p[id] = old_p;
            sz[id] = std::uint32_t(old_n);
            return false;
        }
        std::memcpy(p[id], old_p, std::min(n, old_n));
        r.deallocate(old_raw, asked(old_n, a), asked_align(a));
        return true;
    }
};

// std::pmr::unsynchronized_pool_resource over a monotonic_buffer_resource over a fixed buffer,
// null_memory_resource upstream. Footprint = buffer + both resource objects. The pool asks its
// upstream for chunks aligned to up to 4096 bytes (libstdc++ 12), so the buffer starts at a
// multiple of 4096: at a heap-given address the minimum footprint of one trace differed by a few
// KiB from one replay to the next.
struct pmr_pool_adapter : pmr_base {
    static constexpr std::size_t buffer_align = 4096;
    static constexpr std::size_t control =
        sizeof(std::pmr::monotonic_buffer_resource) + sizeof(std::pmr::unsynchronized_pool_resource);
    std::pmr::monotonic_buffer_resource mono;
    tracking_resource tracker;
    std::pmr::unsynchronized_pool_resource pool;
    pmr_pool_adapter(std::size_t bytes, const tb::trace& t, bool track = false)
        : pmr_base(bytes, t, true, buffer_align), mono(buf.data(), buf.size(), std::pmr::null_memory_resource()),
          tracker(&mono, buf.data()), pool(track ? static_cast<std::pmr::memory_resource*>(&tracker) : &mono) {}
    bool usable() const { return true; }
    bool alloc(std::uint32_t id, std::size_t n, std::size_t align) { return alloc_from(pool, id, n, align); }
    bool free(std::uint32_t id) {
        release(pool, id);
        return true;
    }
    bool resize(std::uint32_t id, std::size_t n) { return resize_in(pool, id, n); }
};

// std::pmr::monotonic_buffer_resource alone over a fixed buffer: frees nothing.
struct pmr_mono_adapter : pmr_base {
    static constexpr std::size_t control = sizeof(std::pmr::monotonic_buffer_resource);
    std::optional<std::pmr::monotonic_buffer_resource> mono;
    pmr_mono_adapter(std::size_t bytes, const tb::trace& t) : pmr_base(bytes, t) {
        mono.emplace(buf.data(), buf.size(), std::pmr::null_memory_resource());
    }
    bool usable() const { return true; }
    bool alloc(std::uint32_t id, std::size_t n, std::size_t align) { return alloc_from(*mono, id, n, align); }
    bool free(std::uint32_t id) {
        release(*mono, id);
        return true;
    }
    bool resize(std::uint32_t id, std::size_t n) { return resize_in(*mono, id, n); }
};

// glibc malloc: speed only (no fixed footprint). Frees what is left when destroyed. realloc()
// keeps only malloc's own alignment, so a block asked for more (al != 0) is resized by
// posix_memalign + copy + free: a resize keeps the block's alignment.
// Tracked: the trace has over-aligned requests, so each block's alignment and size are kept for
// its resizes. Untracked, the timed column pays for malloc, free and realloc alone, as a program
// calling them would.
template <bool Tracked>
struct malloc_adapter {
    std::vector<void*> p;
    std::vector<std::uint32_t> al; // the block's alignment when above malloc's, else 0 (tracked only)
    std::vector<std::uint32_t> sz; // the block's size when al != 0 (what the copy needs)
    explicit malloc_adapter(std::size_t ids) : p(ids, nullptr), al(Tracked ? ids : 0, 0), sz(Tracked ? ids : 0, 0) {}
    ~malloc_adapter() {
        for (void* q : p) std::free(q);
    }
    malloc_adapter(const malloc_adapter&) = delete;
    malloc_adapter& operator=(const malloc_adapter&) = delete;
    bool usable() const { return true; }
    bool alloc(std::uint32_t id, std::size_t n, std::size_t align) {
        if (align <= alignof(std::max_align_t)) {
            if constexpr (Tracked) al[id] = 0;
            return (p[id] = std::malloc(n)) != nullptr;
        }
        if constexpr (!Tracked) return false; // a trace without alignment fields asks for none
        al[id] = std::uint32_t(align);
        sz[id] = std::uint32_t(n);
        return posix_memalign(&p[id], align, n) == 0;
    }
    bool free(std::uint32_t id) {
        std::free(p[id]);
        p[id] = nullptr;
        return true;
    }
    bool resize(std::uint32_t id, std::size_t n) {
        void* q;
        if (!Tracked || al[id] == 0) {
            q = std::realloc(p[id], n);
            if (!q) return false;
        } else {
            if (posix_memalign(&q, al[id], n) != 0) return false;
            std::memcpy(q, p[id], std::min<std::size_t>(n, sz[id]));
            std::free(p[id]);
            sz[id] = std::uint32_t(n);
        }
        p[id] = q;
        return true;
    }
    std::byte* ptr(std::uint32_t id) { return static_cast<std::byte*>(p[id]); }
    bool moved() { return false; }
    std::string final_check() { return {}; }
};

// The non-moving reference (bench/bestfit.hpp): address-ordered best fit, 8-byte headers, over a
// fixed arena. Footprint = arena + the allocator object. The arena is aligned as every replay
// buffer (aligned_arena, arena_align()).
struct bestfit_adapter {
    static constexpr std::size_t control = sizeof(tb::best_fit);
    aligned_arena buf;
    tb::best_fit bf;
    std::vector<void*> p;
    std::vector<std::uint32_t> sz, al; // each block's size and alignment (a resize keeps it)
    bestfit_adapter(std::size_t bytes, const tb::trace& t)
        : buf(bytes, arena_align(t)), bf(buf.data(), bytes), p(t.ids), sz(t.ids), al(t.ids) {}
    bool usable() const { return true; }
    bool alloc(std::uint32_t id, std::size_t n, std::size_t align) {
        p[id] = bf.allocate(n, align);
        sz[id] = std::uint32_t(n);
        al[id] = std::uint32_t(align);
        return p[id] != nullptr;
    }
    bool free(std::uint32_t id) {
        bf.deallocate(p[id]);
        return true;
    }
    bool resize(std::uint32_t id, std::size_t n) {
        void* q = bf.reallocate(p[id], sz[id], n, al[id]);
        if (!q) return false;
        p[id] = q;
        sz[id] = std::uint32_t(n);
        return true;
    }
    std::byte* ptr(std::uint32_t id) { return static_cast<std::byte*>(p[id]); }
    bool moved() { return false; }
    std::string final_check() {
        const std::string c = bf.check();
        return c.empty() ? c : "best fit check(): " + c;
    }
};

// ---- replay --------------------------------------------------------------------------------------
enum class outcome { ok, failed, wrong };
struct replay_result {
    outcome out = outcome::ok;
    std::size_t at = 0;
    std::string what;
};

struct no_sample {
    void operator()(std::size_t) const {}
};

// The trace's operations on `a`. Verify = true: untimed, pattern-checked replay. Verify = false:
// what the timed replay runs (no pattern), and nothing else: the allocator's own consistency check
// is run(), not this (timed, it charged tinymem an O(blocks) check() that malloc does not run).
template <bool Verify, class A, class Sample = no_sample>
replay_result run_ops(A& a, const tb::trace& t, Sample&& sample = Sample{}) {
    std::vector<std::uint32_t> size, pos;
    std::vector<std::uint64_t> key;
    std::vector<std::uint32_t> live;
    std::vector<std::uint8_t> align_log2; // each block's alignment field (0: none), kept by resizes
    if constexpr (Verify) {
        align_log2.assign(t.ids, 0);
        size.assign(t.ids, 0);
        pos.assign(t.ids, 0);
        key.assign(t.ids, 0);
        live.reserve(t.max_live_blocks);
    }
    std::uint64_t serial = 0;
    auto block_ok = [&](std::uint32_t id, std::size_t n) {
        const std::byte* p = a.ptr(id);
        return p != nullptr && pattern_check(p, n, key[id]);
    };
    auto aligned = [&](std::uint32_t id) {
        const std::size_t al = std::size_t(1) << align_log2[id];
        return reinterpret_cast<std::uintptr_t>(a.ptr(id)) % al == 0;
    };
    auto all_ok = [&]() -> std::int64_t {
        for (std::uint32_t id : live)
            if (!block_ok(id, size[id]) || !aligned(id)) return id;
        return -1;
    };
    const std::size_t n_ops = t.ops.size();
    for (std::size_t i = 0; i < n_ops; ++i) {
        const tb::op& o = t.ops[i];
        switch (o.kind) {
        case tb::op_kind::alloc:
            if (!a.alloc(o.id, o.size, o.align())) return {outcome::failed, i, "allocation failed"};
            if constexpr (Verify) {
                align_log2[o.id] = o.align_log2;
                if (!aligned(o.id)) return {outcome::wrong, i, "block not aligned to " + std::to_string(o.align())};
                key[o.id] = mix(++serial) ^ (std::uint64_t(o.id) << 40);
                size[o.id] = o.size;
                pattern_write(a.ptr(o.id), 0, o.size, key[o.id]);
                pos[o.id] = std::uint32_t(live.size());
                live.push_back(o.id);
                if (a.moved())
                    if (const auto bad = all_ok(); bad >= 0)
                        return {outcome::wrong, i, "block " + std::to_string(bad) + " corrupted or misaligned after a move"};
            }
            break;
        case tb::op_kind::free:
            if constexpr (Verify) {
                if (!block_ok(o.id, size[o.id])) return {outcome::wrong, i, "block corrupted before free"};
                const std::uint32_t last = live.back();
                live[pos[o.id]] = last;
                pos[last] = pos[o.id];
                live.pop_back();
            }
            if (!a.free(o.id)) return {outcome::wrong, i, "free refused"};
            break;
        case tb::op_kind::resize:
            if constexpr (Verify) {
                if (!block_ok(o.id, size[o.id])) return {outcome::wrong, i, "block corrupted before resize"};
            }
            if (!a.resize(o.id, o.size)) {
                if constexpr (Verify) {
                    if (!block_ok(o.id, size[o.id])) return {outcome::wrong, i, "failed resize changed the block"};
                }
                return {outcome::failed, i, "resize failed"};
            }
            if constexpr (Verify) {
                const std::size_t old = size[o.id];
                if (!block_ok(o.id, std::min<std::size_t>(old, o.size)))
                    return {outcome::wrong, i, "resize lost the contents"};
                if (!aligned(o.id))
                    return {outcome::wrong, i, "resize lost the alignment to " + std::to_string(std::size_t(1) << align_log2[o.id])};
                if (o.size > old) pattern_write(a.ptr(o.id), old, o.size, key[o.id]);
                size[o.id] = o.size;
                if (a.moved())
                    if (const auto bad = all_ok(); bad >= 0)
                        return {outcome::wrong, i, "block " + std::to_string(bad) + " corrupted or misaligned after a move"};
            }
            break;
        }
        sample(i);
    }
    if constexpr (Verify) {
        if (const auto bad = all_ok(); bad >= 0)
            return {outcome::wrong, n_ops, "block " + std::to_string(bad) + " corrupted or misaligned at the end"};
    }
    return {};
}

// The allocator's own consistency check after a replay (tinymem's check(), best fit's): a wrong
// answer when it fails.
template <class A>
replay_result final_check(A& a, const tb::trace& t) {
    if (auto msg = a.final_check(); !msg.empty()) return {outcome::wrong, t.ops.size(), msg};
    return {};
}

// run_ops(), then final_check() when the replay succeeded.
template <bool Verify, class A, class Sample = no_sample>
replay_result run(A& a, const tb::trace& t, Sample&& sample = Sample{}) {
    const auto r = run_ops<Verify>(a, t, std::forward<Sample>(sample));
    return r.out == outcome::ok ? final_check(a, t) : r;
}

int g_wrong = 0; // verification failures seen (exit status)

void report_wrong(const std::string& who, const tb::trace& t, const replay_result& r) {
    std::fprintf(stderr, "WRONG ANSWER: %s on %s at op %zu: %s\n", who.c_str(), t.name.c_str(), r.at, r.what.c_str());
    ++g_wrong;
}

// ---- tinymem: config by pool size ----------------------------------------------------------------
// The densest configuration whose offsets reach the whole pool and whose table holds the trace's
// largest number of live blocks. Bump: the same choice for the lean engine, by its own control
// block and its own limit (basic_bump_pool takes at most max_granules - 1 granules, basic_pool
// max_granules).
template <bool Bump = false>
tm_cfg cfg_for_footprint(std::size_t f, const tb::trace& t) {
    auto fits = [&](auto config) {
        using C = decltype(config);
        constexpr std::size_t control = tm_adapter<C, Bump>::control;
        constexpr std::uint64_t granules = Bump ? C::max_granules - 1 : C::max_granules;
        return f >= control && (f - control) / C::granule <= granules && t.max_live_blocks <= C::max_slots;
    };
    if (fits(tinymem::config16{})) return tm_cfg::c16;
    if (fits(tinymem::config16_g8{})) return tm_cfg::c16_g8;
    if (fits(tinymem::config17{})) return tm_cfg::c17;
    return tm_cfg::c32;
}

// Calls fn(adapter&) on a fresh tinymem adapter (Bump: the lean engine) with total footprint f.
template <bool Bump = false, class Fn>
auto with_tinymem(std::size_t f, const tb::trace& t, Fn&& fn) {
    // The buffer is what the footprint leaves after the pool object.
    auto run = [&](auto config) {
        using adapter = tm_adapter<decltype(config), Bump>;
        adapter a(f - adapter::control, t);
        return fn(a);
    };
    switch (cfg_for_footprint<Bump>(f, t)) {
    case tm_cfg::c16: return run(tinymem::config16{});
    case tm_cfg::c16_g8: return run(tinymem::config16_g8{});
    case tm_cfg::c17: return run(tinymem::config17{});
    default: return run(tinymem::config32{});
    }
}

// tinymem_bump: the lean engine, basic_bump_pool (last, so the others keep their indices).
enum class alloc_kind { tinymem, pmr_pool, pmr_mono, malloc, tinymem_bump, bestfit };
const char* kind_name(alloc_kind k) {
    switch (k) {
    case alloc_kind::tinymem: return "tinymem";
    case alloc_kind::pmr_pool: return "pmr pool";
    case alloc_kind::pmr_mono: return "pmr monotonic";
    case alloc_kind::malloc: return "glibc malloc";
    case alloc_kind::tinymem_bump: return "tinymem bump";
    case alloc_kind::bestfit: return "best fit";
    }
    return "?";
}

// Runs fn on a fresh adapter of `kind` with total footprint f (malloc ignores f).
template <class Fn>
replay_result with_adapter(alloc_kind kind, std::size_t f, const tb::trace& t, Fn&& fn) {
    switch (kind) {
    case alloc_kind::tinymem: return with_tinymem(f, t, fn);
    case alloc_kind::pmr_pool: {
        pmr_pool_adapter a(f - pmr_pool_adapter::control, t);
        return fn(a);
    }
    case alloc_kind::pmr_mono: {
        pmr_mono_adapter a(f - pmr_mono_adapter::control, t);
        return fn(a);
    }
    case alloc_kind::malloc: {
        if (t.aligned != 0) {
            malloc_adapter<true> a(t.ids);
            return fn(a);
        }
        malloc_adapter<false> a(t.ids);
        return fn(a);
    }
    case alloc_kind::tinymem_bump: return with_tinymem<true>(f, t, fn);
    case alloc_kind::bestfit: {
        bestfit_adapter a(f - bestfit_adapter::control, t);
        return fn(a);
    }
    }
    return {};
}

std::size_t control_of(alloc_kind k) {
    switch (k) {
    case alloc_kind::tinymem: return tm_adapter<tinymem::config16>::control;
    case alloc_kind::tinymem_bump: return tm_adapter<tinymem::config16, true>::control;
    case alloc_kind::pmr_pool: return pmr_pool_adapter::control;
    case alloc_kind::pmr_mono: return pmr_mono_adapter::control;
    case alloc_kind::bestfit: return bestfit_adapter::control;
    default: return 0;
    }
}

int g_pmr_probes = 0, g_pmr_crashes = 0;

bool fits_here(alloc_kind k, std::size_t f, const tb::trace& t) {
    const auto r = with_adapter(k, f, t, [&](auto& a) {
        if (!a.usable()) return replay_result{outcome::failed, 0, "unusable"};
        return run<false>(a, t);
    });
    if (r.out == outcome::wrong) report_wrong(kind_name(k), t, r);
    return r.out == outcome::ok;
}

bool fits(alloc_kind k, std::size_t f, const tb::trace& t) {
    if (std::getenv("TINYMEM_BENCH_DEBUG")) std::fprintf(stderr, "fits %s %zu\n", kind_name(k), f);
    if (f <= control_of(k) + 64) return false;
    if (k != alloc_kind::pmr_pool) return fits_here(k, f, t);
    // libstdc++ 12's unsynchronized_pool_resource sometimes crashes (SIGSEGV inside do_allocate)
    // instead of throwing when its upstream runs out, depending on heap addresses. Each probe
    // therefore runs in a child process; a crash counts as a failed request.
    std::fflush(stdout);
    std::fflush(stderr);
    const pid_t child = fork();
    if (child < 0) return fits_here(k, f, t);
    if (child == 0) {
        // The child inherits the parent's count: only a wrong answer of its own is reported (3).
        const int wrong_before = g_wrong;
        const bool ok = fits_here(k, f, t);
        std::fflush(stderr);
        _exit(g_wrong != wrong_before ? 3 : ok ? 0 : 1);
    }
    int status = 0;
    waitpid(child, &status, 0);
    ++g_pmr_probes;
    if (WIFEXITED(status)) {
        if (WEXITSTATUS(status) == 3) ++g_wrong;
        return WEXITSTATUS(status) == 0;
    }
    ++g_pmr_crashes;
    return false;
}

// Verified replay at footprint f: ok, failed, or a wrong answer (counted).
replay_result verify_at(alloc_kind k, std::size_t f, const tb::trace& t) {
    auto r = with_adapter(k, f, t, [&](auto& a) {
        if (!a.usable()) return replay_result{outcome::failed, 0, "unusable"};
        return run<true>(a, t);
    });
    if (r.out == outcome::wrong) report_wrong(kind_name(k), t, r);
    return r;
}

// How many footprints above the bisection's min_footprint() also tries. Success is not monotone in
// the footprint for tinymem's engines and best fit (where blocks go, and when tinymem compacts,
// depend on the room at the end; docs/benchmarks.md, "What a minimum footprint means"): seen on
// phases-48k, tinymem failed 8 B above the footprint the bisection found. The pmr resources are
// monotone: the pool's requests to its monotonic upstream, and where that puts them in a buffer
// with a fixed start, do not depend on the buffer's size, only whether the last one fits.
int confirm_steps(alloc_kind k) {
    return k == alloc_kind::tinymem || k == alloc_kind::tinymem_bump || k == alloc_kind::bestfit ? 8 : 0;
}

// Smallest footprint with no failed request found by bisection to `step` bytes, then moved up
// until it and the confirm_steps(k) footprints above it, `step` bytes apart, all succeed (one at
// most `step` below it failed); nullopt if none up to `cap`. A footprint below the result may still
// succeed, one further above may fail. Cost: about log2(cap / step) + confirm_steps(k) replays,
// and confirm_steps(k) more per failure met above the bisection's footprint.
std::optional<std::size_t> min_footprint(alloc_kind k, const tb::trace& t, std::size_t cap, std::size_t step) {
    std::size_t lo = std::max<std::size_t>(t.peak_live / 2, control_of(k) + 64); // assumed to fail
    if (fits(k, lo, t)) return lo;
    std::size_t hi = std::max<std::size_t>(2 * t.peak_live, lo + step);
    while (!fits(k, hi, t)) {
        if (hi >= cap) return std::nullopt;
        lo = hi;
        hi = std::min(cap, hi * 2);
    }
    while (hi - lo > step) {
        const std::size_t mid = lo + (hi - lo) / 2;
        if (fits(k, mid, t)) hi = mid;
        else lo = mid;
    }
    // hi succeeded; a failure at f above it makes f + step the next candidate, checked in turn
    // (nothing above cap is tried).
    const std::size_t confirm = std::size_t(confirm_steps(k));
    for (std::size_t f = hi + step; f <= hi + confirm * step && f <= cap; f += step)
        if (!fits(k, f, t)) hi = f + step;
    if (hi > cap) return std::nullopt;
    return hi;
}

// The largest footprint the search for kind's minimum on t tries.
std::size_t search_cap(alloc_kind k, const tb::trace& t) {
    // The monotonic resource frees nothing: it needs about every byte ever requested.
    if (k == alloc_kind::pmr_mono) return 2 * t.total_alloc_bytes + 4096 + 64 * t.ops.size();
    return std::max<std::size_t>(64 * t.peak_live, 1u << 16);
}

// Minimum of `reps` timed replays, ns per op; nullopt when the replay fails.
std::optional<double> time_at(alloc_kind k, std::size_t f, const tb::trace& t, int reps) {
    double best = 1e300;
    for (int r = 0; r < reps; ++r) {
        double ns = 0;
        const auto res = with_adapter(k, f, t, [&](auto& a) {
            if (!a.usable()) return replay_result{outcome::failed, 0, "unusable"};
            const auto t0 = clock_type::now();
            const auto out = run_ops<false>(a, t);
            const auto t1 = clock_type::now();
            ns = double(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
            return out.out == outcome::ok ? final_check(a, t) : out;
        });
        if (res.out == outcome::wrong) report_wrong(kind_name(k), t, res);
        if (res.out != outcome::ok) return std::nullopt;
        best = std::min(best, ns / double(t.ops.size()));
    }
    return best;
}

// Why footprint f (8 bytes below a tinymem engine's minimum) is not enough: the failing request
// and the pool at that moment.
template <bool Bump>
std::string why_below(std::size_t f, const tb::trace& t, const std::vector<std::size_t>& live) {
    return with_tinymem<Bump>(f, t, [&](auto& a) {
        const auto res = run<false>(a, t);
        if (res.out != outcome::failed) return std::string("does not fail");
        const auto s = a.pool->stats();
        const auto& o = t.ops[res.at];
        return std::string(o.kind == tb::op_kind::alloc ? "allocate " : "resize to ") + std::to_string(o.size) +
               " B at op " + std::to_string(res.at) + ": " + tinymem::to_string(a.pool->last_error()) + "; live " +
               std::to_string(res.at ? live[res.at - 1] : 0) + " B in " + std::to_string(s.live_blocks) +
               " blocks, used " + std::to_string(s.used_bytes) + " B, table " + std::to_string(s.table_bytes) +
               " B, free " + std::to_string(s.free_bytes) + " B";
    });
}

// The layout floor: the smallest footprint in which any engine with this block layout could
// replay the trace, as if compaction were free and perfect. The pool object, plus at the worst
// moment every live block as the engine rounds it (a header word, then whole granules) and one
// table word per slot up to the live-block high water so far (slots are reused, never given
// back). A moving resize's second copy, the heap's end marker and alignment are left out: a
// lower bound, which shows how much of a minimum footprint the layout alone decides.
template <class Config, bool Bump>
std::size_t layout_floor_for(const tb::trace& t) {
    constexpr std::size_t word = sizeof(typename Config::word_type), g = Config::granule;
    auto block = [](std::size_t n) { return (n + word + g - 1) / g * g; };
    std::vector<std::size_t> sz(t.ids, 0);
    std::size_t blocks = 0, live = 0, slots = 0, worst = 0;
    for (const auto& o : t.ops) {
        if (sz[o.id] != 0) {
            blocks -= sz[o.id];
            --live;
            sz[o.id] = 0;
        }
        if (o.kind != tb::op_kind::free) {
            sz[o.id] = block(o.size);
            blocks += sz[o.id];
            slots = std::max(slots, ++live);
        }
        worst = std::max(worst, blocks + slots * word);
    }
    return tm_adapter<Config, Bump>::control + worst;
}
template <bool Bump>
std::size_t layout_floor(tm_cfg c, const tb::trace& t) {
    switch (c) {
    case tm_cfg::c16: return layout_floor_for<tinymem::config16, Bump>(t);
    case tm_cfg::c16_g8: return layout_floor_for<tinymem::config16_g8, Bump>(t);
    case tm_cfg::c17: return layout_floor_for<tinymem::config17, Bump>(t);
    default: return layout_floor_for<tinymem::config32, Bump>(t);
    }
}

// Compactions and bytes moved by one untimed replay of a tinymem engine at footprint f.
template <bool Bump>
std::pair<std::uint32_t, std::uint64_t> moves_at(std::size_t f, const tb::trace& t) {
    return with_tinymem<Bump>(f, t, [&](auto& a) {
        run<false>(a, t);
        const auto s = a.pool->stats();
        return std::pair<std::uint32_t, std::uint64_t>(s.compactions, s.bytes_moved);
    });
}

// ---- results -------------------------------------------------------------------------------------
struct trace_result {
    std::string name;
    std::size_t ops = 0, peak = 0, zero = 0;
    std::optional<std::size_t> min_fp[3]; // tinymem, pmr pool, pmr monotonic
    tm_cfg min_cfg = tm_cfg::c16, roomy_cfg = tm_cfg::c16;
    std::optional<double> roomy_ns[4];    // tinymem, pool, mono, malloc
    std::size_t speed_fp[4] = {};         // footprint of the timed replay (0: not timed)
    std::optional<double> tight_ns;
    std::size_t tight_fp = 0;
    std::uint32_t tight_compactions = 0;
    std::uint64_t tight_moved = 0;
    std::string why; // tinymem just below its minimum: where and why it fails
    std::size_t floor = 0; // layout_floor() in the configuration of the minimum
    std::size_t max_blocks = 0;
    // The non-moving reference (address-ordered best fit): its smallest footprint and roomy ns/op.
    std::optional<std::size_t> bf_min;
    std::optional<double> bf_roomy_ns;
    // The lean engine (basic_bump_pool): the same figures, its tight footprint 1.05 x its own minimum.
    struct {
        std::optional<std::size_t> min_fp;
        tm_cfg min_cfg = tm_cfg::c16, roomy_cfg = tm_cfg::c16;
        std::optional<double> roomy_ns, tight_ns;
        std::size_t tight_fp = 0;
        std::uint32_t tight_compactions = 0;
        std::uint64_t tight_moved = 0;
        std::string why;
        std::size_t floor = 0;
    } bump;
};

std::string fmt(double v, int prec = 2) { return tb::svg::num(v, prec); }
std::string opt_eff(const std::optional<std::size_t>& fp, std::size_t peak) {
    return fp ? fmt(double(peak) / double(*fp), 3) : std::string("fails");
}
std::string ratio(std::optional<double> a, std::optional<double> b, int prec = 2) {
    return (a && b && *b > 0) ? fmt(*a / *b, prec) : std::string("n/a");
}

// Efficiency targets of issue 4, by trace name.
std::optional<double> efficiency_target(const std::string& name) {
    if (name == "churn-6k") return 0.85;
    if (name == "churn-48k") return 0.90;
    if (name == "phases-48k") return 0.93;
    if (name == "churn-768k") return 0.90;
    return std::nullopt;
}

// ---- timeline ------------------------------------------------------------------------------------
tb::svg::panel timeline_tinymem(const tb::trace& t, std::size_t f, std::vector<std::size_t>& live_after) {
    tb::svg::panel p;
    p.title = "tinymem (" + std::string(cfg_name(cfg_for_footprint(f, t))) + "), footprint " + std::to_string(f) +
              " B (1.05 x its minimum)";
    p.lines = {{"live bytes (requested)", {}}, {"free bytes", {}}, {"largest free block", {}}};
    const std::size_t every = std::max<std::size_t>(1, t.ops.size() / 500);
    with_tinymem(f, t, [&](auto& a) {
        auto r = run<false>(a, t, [&](std::size_t i) {
            if (i % every != 0 && i + 1 != t.ops.size()) return;
            const auto s = a.pool->stats();
            p.x.push_back(double(i));
            p.lines[0].y.push_back(double(live_after[i]));
            p.lines[1].y.push_back(double(s.free_bytes));
            p.lines[2].y.push_back(double(s.largest_free_bytes));
        });
        if (r.out != outcome::ok) std::fprintf(stderr, "timeline: tinymem replay %s at op %zu\n", r.what.c_str(), r.at);
        return 0;
    });
    return p;
}

tb::svg::panel timeline_pmr(const tb::trace& t, std::size_t f, std::vector<std::size_t>& live_after) {
    tb::svg::panel p;
    p.title = "std::pmr::unsynchronized_pool_resource, footprint " + std::to_string(f) +
              " B (1.05 x its minimum); free = buffer - live, largest = untouched tail of the buffer";
    p.lines = {{"live bytes (requested)", {}}, {"free bytes", {}}, {"largest free block", {}}};
    const std::size_t every = std::max<std::size_t>(1, t.ops.size() / 500);
    pmr_pool_adapter a(f - pmr_pool_adapter::control, t, true);
    auto r = run<false>(a, t, [&](std::size_t i) {
        if (i % every != 0 && i + 1 != t.ops.size()) return;
        p.x.push_back(double(i));
        p.lines[0].y.push_back(double(live_after[i]));
        p.lines[1].y.push_back(double(a.buf.size() - live_after[i]));
        p.lines[2].y.push_back(double(a.buf.size() - a.tracker.high));
    });
    if (r.out != outcome::ok) std::fprintf(stderr, "timeline: pmr replay %s at op %zu\n", r.what.c_str(), r.at);
    return p;
}

tb::svg::panel timeline_bestfit(const tb::trace& t, std::size_t f, std::vector<std::size_t>& live_after) {
    tb::svg::panel p;
    p.title = "best fit (address-ordered, 8-byte headers, non-moving), footprint " + std::to_string(f) +
              " B (1.05 x its minimum)";
    p.lines = {{"live bytes (requested)", {}}, {"free bytes", {}}, {"largest free block", {}}};
    const std::size_t every = std::max<std::size_t>(1, t.ops.size() / 500);
    bestfit_adapter a(f - bestfit_adapter::control, t);
    auto r = run<false>(a, t, [&](std::size_t i) {
        if (i % every != 0 && i + 1 != t.ops.size()) return;
        p.x.push_back(double(i));
        p.lines[0].y.push_back(double(live_after[i]));
        p.lines[1].y.push_back(double(a.bf.free_bytes()));
        p.lines[2].y.push_back(double(a.bf.largest_free()));
    });
    if (r.out != outcome::ok) std::fprintf(stderr, "timeline: best fit replay %s at op %zu\n", r.what.c_str(), r.at);
    return p;
}

std::vector<std::size_t> live_bytes_after(const tb::trace& t) {
    std::vector<std::size_t> out(t.ops.size());
    std::vector<std::size_t> sz(t.ids, 0);
    std::size_t live = 0;
    for (std::size_t i = 0; i < t.ops.size(); ++i) {
        const auto& o = t.ops[i];
        if (o.kind == tb::op_kind::free) {
            live -= sz[o.id];
            sz[o.id] = 0;
        } else {
            live = live - sz[o.id] + o.size;
            sz[o.id] = o.size;
        }
        out[i] = live;
    }
    return out;
}

// ---- defrag() against memmove --------------------------------------------------------------------
struct defrag_result {
    std::size_t live_bytes = 0, free_bytes = 0, blocks = 0, holes = 0, walked = 0;
    double defrag_ns = 0, memmove_ns = 0, walk_ns = 0;
};

// What a compaction pass spends on finding its blocks: each block's header gives the next
// block's place, so the loads form one chain. Reads the headers from the lowest live block to the
// end sentinel (size 0) as sweep() does (the block layout of modules/tinymem/pool.hpp: a header
// word before each block's data, its size in granules in the low offset_bits; the same prefetch
// 512 bytes ahead) and does nothing else. Result: the blocks walked.
template <class Config>
__attribute__((noinline)) std::size_t walk_headers(const std::byte* first) {
    using word = typename Config::word_type;
    constexpr word size_mask = (word(1) << Config::offset_bits) - 1;
    std::size_t n = 0;
    for (const std::byte* p = first;; ++n) {
        word h;
        std::memcpy(&h, p - sizeof h, sizeof h);
        const std::size_t size = std::size_t(h & size_mask) * Config::granule;
        if (size == 0) return n;
        __builtin_prefetch(p + 512);
        p += size;
    }
}

// A 64 KiB pool filled with blocks of 8-256 B (patterned), half of them freed at random: the
// same pool for the same seed.
template <class Config>
struct fragmented_pool {
    using pool_t = tinymem::basic_pool<Config>;
    using handle = pool_t::handle;
    std::unique_ptr<pool_t> pool;
    std::vector<handle> hs;
    std::vector<std::uint64_t> keys;
    std::vector<std::size_t> sizes;
    std::vector<bool> gone;
    std::size_t freed = 0;

    fragmented_pool(std::vector<std::byte>& buf, std::uint64_t seed) {
        std::mt19937_64 rng(seed);
        pool = std::make_unique<pool_t>(std::span<std::byte>(buf));
        for (;;) {
            const std::size_t n = std::uniform_int_distribution<std::size_t>(8, 256)(rng);
            const handle h = pool->allocate(n);
            if (!h) break;
            hs.push_back(h);
            sizes.push_back(n);
            keys.push_back(mix(hs.size()));
        }
        for (std::size_t i = 0; i < hs.size(); ++i)
            pattern_write(static_cast<std::byte*>(pool->data(hs[i])), 0, sizes[i], keys[i]);
        std::vector<std::size_t> order(hs.size());
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
        std::shuffle(order.begin(), order.end(), rng);
        gone.assign(hs.size(), false);
        for (std::size_t i = 0; i < order.size() / 2; ++i) {
            if (!pool->deallocate(hs[order[i]])) return; // freed stays short: the caller fails
            gone[order[i]] = true;
            ++freed;
        }
    }
    bool ok() const { return freed == hs.size() / 2; }
    // The data of the lowest live block.
    const std::byte* lowest_live() const {
        const std::byte* first = nullptr;
        for (std::size_t i = 0; i < hs.size(); ++i)
            if (!gone[i]) {
                const auto* p = static_cast<const std::byte*>(pool->data(hs[i]));
                if (first == nullptr || p < first) first = p;
            }
        return first;
    }
};

template <class Config>
std::optional<defrag_result> defrag_bench(std::uint64_t seed, int reps) {
    defrag_result out;
    out.defrag_ns = out.memmove_ns = out.walk_ns = 1e300;
    std::vector<std::byte> buf(65536);
    std::vector<std::byte> mm(65536);
    auto ns = [](auto from, auto to) { return double(std::chrono::duration_cast<std::chrono::nanoseconds>(to - from).count()); };
    for (int r = 0; r < reps; ++r) {
        fragmented_pool<Config> f(buf, seed);
        if (!f.ok()) return std::nullopt;
        const auto before = f.pool->stats();
        const auto t0 = clock_type::now();
        f.pool->defrag();
        const auto t1 = clock_type::now();
        const auto after = f.pool->stats();
        if (!f.pool->check().ok() || after.largest_free_bytes != after.free_bytes) {
            std::fprintf(stderr, "WRONG ANSWER: defrag left %zu free bytes in holes, check: %s\n",
                         after.free_bytes - after.largest_free_bytes,
                         f.pool->check().ok() ? "ok" : f.pool->check().problem);
            ++g_wrong;
            return std::nullopt;
        }
        for (std::size_t i = 0; i < f.hs.size(); ++i)
            if (!f.gone[i] && !pattern_check(static_cast<std::byte*>(f.pool->data(f.hs[i])), f.sizes[i], f.keys[i])) {
                std::fprintf(stderr, "WRONG ANSWER: defrag corrupted block %zu\n", i);
                ++g_wrong;
                return std::nullopt;
            }
        out.live_bytes = before.used_bytes;
        out.free_bytes = before.free_bytes;
        out.blocks = f.hs.size();
        out.holes = f.freed;
        out.defrag_ns = std::min(out.defrag_ns, ns(t0, t1));
        // The header walk on the same pool built again (caches as the defrag found them).
        {
            fragmented_pool<Config> g(buf, seed);
            const std::byte* first = g.lowest_live();
            const auto w0 = clock_type::now();
            out.walked = walk_headers<Config>(first);
            const auto w1 = clock_type::now();
            out.walk_ns = std::min(out.walk_ns, ns(w0, w1));
        }
        // One memmove of the live bytes, down by the free bytes, in a warm 64 KiB buffer.
        std::memset(mm.data(), r, mm.size());
        const auto m0 = clock_type::now();
        std::memmove(mm.data(), mm.data() + out.free_bytes, out.live_bytes);
        const auto m1 = clock_type::now();
        volatile unsigned char sink = static_cast<unsigned char>(mm[std::size_t(r) % out.live_bytes]);
        (void)sink;
        out.memmove_ns = std::min(out.memmove_ns, ns(m0, m1));
    }
    return out;
}

// ---- the command line --------------------------------------------------------------------------
struct options {
    std::string out_dir;
    int reps = 5;
    bool quick = false, defrag = true, verdict = false;
    std::string timeline;
    std::string single; // --replay KIND:FOOTPRINT
    std::string scan;   // --scan KIND:BELOW:ABOVE
    std::vector<std::string> traces;
};

// Reads the arguments into `opt` (--quick: one timed repetition). Result: false after a usage
// message or a missing trace list on stderr (exit status 2); a missing option value exits 2 here.
bool parse_options(int argc, char** argv, options& opt) {
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "missing value after %s\n", a.c_str());
                std::exit(2);
            }
            return argv[++i];
        };
        if (a == "--out") opt.out_dir = value();
        else if (a == "--reps") opt.reps = std::max(1, std::atoi(value().c_str()));
        else if (a == "--quick") opt.quick = true;
        else if (a == "--timeline") opt.timeline = value();
        else if (a == "--no-defrag") opt.defrag = false;
        else if (a == "--verdict") opt.verdict = true;
        else if (a == "--replay") opt.single = value();
        else if (a == "--scan") opt.scan = value();
        else if (!a.empty() && a[0] == '-') {
            std::fprintf(stderr,
                         "usage: %s [--out DIR] [--reps N] [--quick] [--timeline NAME] [--no-defrag] [--verdict] TRACE...\n"
                         "       %s --replay KIND:FOOTPRINT [--reps N] TRACE...   (KIND: tinymem, bump (the lean\n"
                         "       engine, basic_bump_pool; also tinymem-bump), pool, mono, malloc, bestfit;\n"
                         "       FOOTPRINT in bytes, or Nx for N x peak live bytes; for profiling)\n"
                         "       %s --scan KIND:BELOW:ABOVE TRACE...   (every footprint from BELOW bytes under\n"
                         "       KIND's minimum footprint to ABOVE bytes over it, in steps of 8: is success monotone?)\n",
                         argv[0], argv[0], argv[0]);
            return false;
        } else opt.traces.push_back(a);
    }
    if (opt.quick) opt.reps = 1;
    if (opt.traces.empty() && !opt.defrag) {
        std::fprintf(stderr, "no traces given\n");
        return false;
    }
    return true;
}

// The allocator a command line names (--replay, --scan); nullopt (after a message) if none.
std::optional<alloc_kind> parse_kind(const std::string& kind) {
    if (kind == "tinymem") return alloc_kind::tinymem;
    if (kind == "bump" || kind == "tinymem-bump") return alloc_kind::tinymem_bump;
    if (kind == "pool") return alloc_kind::pmr_pool;
    if (kind == "mono") return alloc_kind::pmr_mono;
    if (kind == "malloc") return alloc_kind::malloc;
    if (kind == "bestfit") return alloc_kind::bestfit;
    std::fprintf(stderr, "unknown allocator %s\n", kind.c_str());
    return std::nullopt;
}

// --replay KIND:FOOTPRINT: one allocator at one footprint per trace, timed (and verified once):
// for profilers. Result: the exit status.
int replay_single(const options& opt) {
    const auto colon = opt.single.find(':');
    const std::string fp = colon == std::string::npos ? "8x" : opt.single.substr(colon + 1);
    const auto kind = parse_kind(opt.single.substr(0, colon));
    if (!kind) return 2;
    const alloc_kind k = *kind;
    for (const auto& path : opt.traces) {
        const auto t = tb::read_trace(path);
        if (!t.error.empty()) {
            std::fprintf(stderr, "%s\n", t.error.c_str());
            return 2;
        }
        std::size_t f = std::strtoull(fp.c_str(), nullptr, 10);
        if (!fp.empty() && fp.back() == 'x') f = std::size_t(std::strtod(fp.c_str(), nullptr) * double(t.peak_live));
        if (f <= control_of(k) + 64 && k != alloc_kind::malloc) {
            std::printf("%s %s footprint %zu: fails: not above the allocator object + 64 B (%zu B)\n",
                        t.name.c_str(), kind_name(k), f, control_of(k) + 64);
            continue;
        }
        const auto v = verify_at(k, f, t);
        const auto ns = v.out == outcome::ok ? time_at(k, f, t, opt.reps) : std::nullopt;
        std::string moves;
        if ((k == alloc_kind::tinymem || k == alloc_kind::tinymem_bump) && v.out == outcome::ok) {
            const auto m = k == alloc_kind::tinymem ? moves_at<false>(f, t) : moves_at<true>(f, t);
            moves = ", " + std::to_string(m.first) + " compactions, " + std::to_string(m.second) + " bytes moved";
        }
        std::printf("%s %s footprint %zu: %s%s\n", t.name.c_str(), kind_name(k), f,
                    ns ? (fmt(*ns, 1) + " ns/op").c_str() : ("fails: " + v.what).c_str(), moves.c_str());
    }
    return g_wrong != 0 ? 1 : 0;
}

// --scan KIND:BELOW:ABOVE: per trace, KIND's minimum footprint as the bench finds it
// (min_footprint), then the footprint search's own replay (fits(), unverified) at every footprint
// from BELOW bytes under it to ABOVE bytes over it in steps of 8. Prints the runs of successes and
// failures and whether success is monotone in the window. Cost: (BELOW + ABOVE) / 8 + 1 replays
// per trace on top of the search. Result: the exit status.
int scan_footprints(const options& opt) {
    const auto c1 = opt.scan.find(':'), c2 = c1 == std::string::npos ? c1 : opt.scan.find(':', c1 + 1);
    if (c2 == std::string::npos) {
        std::fprintf(stderr, "--scan KIND:BELOW:ABOVE\n");
        return 2;
    }
    const auto kind = parse_kind(opt.scan.substr(0, c1));
    if (!kind) return 2;
    if (*kind == alloc_kind::malloc) {
        std::fprintf(stderr, "--scan: glibc malloc has no fixed footprint\n");
        return 2;
    }
    const std::size_t below = std::strtoull(opt.scan.c_str() + c1 + 1, nullptr, 10) / 8 * 8;
    const std::size_t above = std::strtoull(opt.scan.c_str() + c2 + 1, nullptr, 10) / 8 * 8;
    for (const auto& path : opt.traces) {
        const auto t = tb::read_trace(path);
        if (!t.error.empty()) {
            std::fprintf(stderr, "%s\n", t.error.c_str());
            return 2;
        }
        if (*kind == alloc_kind::tinymem_bump && t.aligned != 0) {
            std::printf("%s %s: not measured (over-aligned requests)\n", t.name.c_str(), kind_name(*kind));
            continue;
        }
        const auto m = min_footprint(*kind, t, search_cap(*kind, t), 8);
        if (!m) {
            std::printf("%s %s: no minimum footprint found\n", t.name.c_str(), kind_name(*kind));
            continue;
        }
        std::string runs;
        std::size_t ok_below = 0, failed_above = 0, run_from = 0;
        int run_ok = -1; // the current run's outcome, -1 before the first footprint
        const std::size_t from = *m > below ? *m - below : 0, to = *m + above;
        auto close_run = [&](std::size_t end) {
            if (run_ok < 0) return;
            runs += (runs.empty() ? "" : ", ") + std::to_string(run_from) +
                    (end != run_from ? "-" + std::to_string(end) : std::string()) + (run_ok ? " ok" : " fail");
        };
        for (std::size_t f = from; f <= to; f += 8) {
            const bool ok = fits(*kind, f, t);
            if (ok && f < *m) ++ok_below;
            if (!ok && f >= *m) ++failed_above;
            if (int(ok) != run_ok) {
                close_run(f - 8);
                run_from = f;
                run_ok = int(ok);
            }
        }
        close_run(to);
        std::printf("%s %s: minimum %zu; %zu to %zu step 8: %zu ok below the minimum, %zu failing at or above it%s: %s\n",
                    t.name.c_str(), kind_name(*kind), *m, from, to, ok_below, failed_above,
                    ok_below + failed_above == 0 ? " (monotone here)" : " (NOT monotone)", runs.c_str());
        std::fflush(stdout);
    }
    return g_wrong != 0 ? 1 : 0;
}

// ---- the report ----------------------------------------------------------------------------------
// The markdown report: each part is printed as it is written (a long run shows its progress) and
// kept for replay.md.
struct report {
    std::string md;
    void operator()(const std::string& s) {
        std::fputs(s.c_str(), stdout);
        std::fflush(stdout);
        md += s;
    }
};

// The report's title and what its figures mean.
void write_intro(report& out, const options& opt) {
    out("# tinymem trace replay\n\n");
    out("Footprint = every byte given to the allocator: tinymem's buffer + sizeof(basic_pool<Config>) "
        "(the densest one that fits the pool and the trace's live blocks: config16 up to 256 KiB, config16_g8 up to "
        "512 KiB, config17 up to 1 MiB and 8,190 blocks, else config32; default alignment = granule); "
        "tinymem bump (lean): the lean engine basic_bump_pool<Config> (allocates at a top pointer, frees only mark "
        "blocks, compacts by sliding every block down when the top runs short), its buffer + "
        "sizeof(basic_bump_pool<Config>), the configuration chosen the same way (by its own control block, and "
        "one granule less per configuration); "
        "pmr: the fixed buffer + the resource objects (requests aligned to " + std::to_string(pmr_align) +
        "). Efficiency = peak live bytes / smallest footprint with no failed request (bisection to 8 bytes; "
        "for tinymem's engines and best fit moved up until the 8 footprints above it succeed too). "
        "ns/op: minimum of " + std::to_string(opt.reps) + " timed replays (steady_clock over the whole replay), "
        "roomy = 8 x peak live bytes, tight = 1.05 x the engine's own minimum (tinymem's for tinymem, the lean "
        "engine's for the lean engine; compactions included). "
        "Every measured footprint is also replayed untimed with pattern verification.\n\n");
}

// Reads every trace of the command line. Result: false after a trace's error on stderr.
bool read_traces(const options& opt, std::vector<tb::trace>& traces) {
    for (const auto& path : opt.traces) {
        auto t = tb::read_trace(path);
        if (!t.error.empty()) {
            std::fprintf(stderr, "%s\n", t.error.c_str());
            return false;
        }
        if (t.header_peak != 0 && t.header_peak != t.peak_live)
            std::fprintf(stderr, "note: %s header says peak_live_bytes=%zu, the ops give %zu (using the ops)\n",
                         t.name.c_str(), t.header_peak, t.peak_live);
        traces.push_back(std::move(t));
    }
    return true;
}

// ---- measuring one trace -------------------------------------------------------------------------
// The smallest footprint of `kind` with no failed request (to 8 bytes, up to `cap`), verified
// once there; printed on stderr.
std::optional<std::size_t> find_min(alloc_kind kind, const tb::trace& t, std::size_t cap) {
    const auto fp = min_footprint(kind, t, cap, 8);
    if (fp) {
        const auto v = verify_at(kind, *fp, t);
        if (v.out == outcome::failed) {
            std::fprintf(stderr, "WRONG ANSWER: %s on %s: the verified replay failed at the minimum footprint "
                                 "where the timed one succeeded (%s)\n", kind_name(kind), t.name.c_str(),
                         v.what.c_str());
            ++g_wrong;
        }
    }
    std::fprintf(stderr, "  %-14s min footprint %s\n", kind_name(kind),
                 fp ? std::to_string(*fp).c_str() : "none (fails)");
    return fp;
}

// The smallest footprints of every allocator on `t`, and for tinymem's two engines why 8 bytes
// less fail and the layout floor. Result: false when tinymem found no footprint (counted as a
// wrong answer): the trace is then left out of the tables.
bool measure_footprints(const tb::trace& t, trace_result& r) {
    r.name = t.name;
    r.ops = t.ops.size();
    r.peak = t.peak_live;
    r.zero = t.zero_sizes;
    std::fprintf(stderr, "[%s] %zu ops, peak live %zu B, %zu ids\n", t.name.c_str(), r.ops, r.peak, t.ids);
    const alloc_kind kinds[3] = {alloc_kind::tinymem, alloc_kind::pmr_pool, alloc_kind::pmr_mono};
    for (int k = 0; k < 3; ++k) r.min_fp[k] = find_min(kinds[k], t, search_cap(kinds[k], t));
    // The lean engine refuses over-aligned requests by design (bump_pool.hpp): not measured on a
    // trace that has them.
    const bool bump_applies = t.aligned == 0;
    if (bump_applies) r.bump.min_fp = find_min(alloc_kind::tinymem_bump, t, search_cap(alloc_kind::tinymem_bump, t));
    else std::fprintf(stderr, "  tinymem bump   not measured: the trace has over-aligned requests\n");
    r.bf_min = find_min(alloc_kind::bestfit, t, search_cap(alloc_kind::bestfit, t));
    r.max_blocks = t.max_live_blocks;
    if (!r.min_fp[0]) {
        std::fprintf(stderr, "tinymem found no footprint for %s\n", t.name.c_str());
        ++g_wrong;
        return false;
    }
    r.min_cfg = cfg_for_footprint(*r.min_fp[0], t);
    {
        // Why 8 bytes less is not enough: the failing request and the pool at that moment.
        const auto live = live_bytes_after(t);
        r.why = why_below<false>(*r.min_fp[0] - 8, t, live);
        r.floor = layout_floor<false>(r.min_cfg, t);
        if (r.bump.min_fp) {
            r.bump.min_cfg = cfg_for_footprint<true>(*r.bump.min_fp, t);
            r.bump.why = why_below<true>(*r.bump.min_fp - 8, t, live);
            r.bump.floor = layout_floor<true>(r.bump.min_cfg, t);
        } else if (bump_applies) {
            std::fprintf(stderr, "tinymem bump found no footprint for %s\n", t.name.c_str());
            ++g_wrong;
        }
    }
    return true;
}

// ns/op of every allocator on `t` at the roomy footprint (8 x peak live bytes) and of tinymem's
// two engines at their tight ones (1.05 x their own minimum), each verified first, then timed in
// opt.reps interleaved rounds; the compactions and bytes moved of one replay at each tight
// footprint. Requires: measure_footprints(t, r) succeeded.
void measure_speed(const tb::trace& t, const options& opt, trace_result& r) {
    const bool bump_applies = t.aligned == 0; // as measure_footprints()
    const std::size_t roomy = 8 * t.peak_live;
    r.roomy_cfg = cfg_for_footprint(roomy, t);
    const alloc_kind all[4] = {alloc_kind::tinymem, alloc_kind::pmr_pool, alloc_kind::pmr_mono, alloc_kind::malloc};
    // Verify every replay first, then time them in interleaved rounds (one replay of each per
    // round, the minimum kept), so load from other processes hits all of them alike.
    struct timed {
        alloc_kind kind;
        std::size_t footprint;
        std::optional<double>* ns;
    };
    std::vector<timed> timing;
    for (int k = 0; k < 4; ++k) {
        // A peer that fails at 8 x peak live bytes is timed at 1.25 x its own minimum instead.
        std::size_t f = roomy;
        if (k != 0 && k != 3 && r.min_fp[k] && *r.min_fp[k] > roomy)
            f = std::size_t(std::ceil(1.25 * double(*r.min_fp[k])));
        auto v = verify_at(all[k], f, t);
        if (v.out == outcome::ok) {
            timing.push_back({all[k], f, &r.roomy_ns[k]});
            r.speed_fp[k] = f;
        }
        if (k == 0 && v.out != outcome::ok) {
            std::fprintf(stderr, "tinymem failed at the roomy footprint on %s\n", t.name.c_str());
            ++g_wrong;
        }
    }
    // The best-fit reference at the same roomy footprint (at 1.25 x its minimum if it fails there).
    {
        std::size_t f = roomy;
        if (r.bf_min && *r.bf_min > roomy) f = std::size_t(std::ceil(1.25 * double(*r.bf_min)));
        if (r.bf_min && verify_at(alloc_kind::bestfit, f, t).out == outcome::ok)
            timing.push_back({alloc_kind::bestfit, f, &r.bf_roomy_ns});
    }
    // The lean engine at the same roomy footprint.
    r.bump.roomy_cfg = cfg_for_footprint<true>(roomy, t);
    if (!bump_applies) {
    } else if (verify_at(alloc_kind::tinymem_bump, roomy, t).out == outcome::ok) {
        timing.push_back({alloc_kind::tinymem_bump, roomy, &r.bump.roomy_ns});
    } else {
        std::fprintf(stderr, "tinymem bump failed at the roomy footprint on %s\n", t.name.c_str());
        ++g_wrong;
    }
    r.tight_fp = std::size_t(std::ceil(1.05 * double(*r.min_fp[0])));
    const bool tight_ok = verify_at(alloc_kind::tinymem, r.tight_fp, t).out == outcome::ok;
    if (tight_ok) timing.push_back({alloc_kind::tinymem, r.tight_fp, &r.tight_ns});
    // The lean engine's tight footprint: 1.05 x its own minimum.
    bool bump_tight_ok = false;
    if (r.bump.min_fp) {
        r.bump.tight_fp = std::size_t(std::ceil(1.05 * double(*r.bump.min_fp)));
        bump_tight_ok = verify_at(alloc_kind::tinymem_bump, r.bump.tight_fp, t).out == outcome::ok;
        if (bump_tight_ok) timing.push_back({alloc_kind::tinymem_bump, r.bump.tight_fp, &r.bump.tight_ns});
    }
    for (int round = 0; round < opt.reps; ++round)
        for (auto& job : timing) {
            const auto ns = time_at(job.kind, job.footprint, t, 1);
            if (ns && (!*job.ns || *ns < **job.ns)) *job.ns = ns;
        }
    if (tight_ok) {
        std::tie(r.tight_compactions, r.tight_moved) = moves_at<false>(r.tight_fp, t);
    } else if (t.aligned != 0) {
        // Over-aligned blocks keep gaps before them that compaction does not close (a known
        // limit: the request fails with fragmented_by_pins), so a footprint above the minimum
        // may still fail where blocks happen to land: reported, not a wrong answer.
        std::fprintf(stderr, "tinymem failed at the tight footprint on %s (over-aligned requests)\n", t.name.c_str());
    } else {
        std::fprintf(stderr, "tinymem failed at the tight footprint on %s\n", t.name.c_str());
        ++g_wrong;
    }
    if (bump_tight_ok) {
        std::tie(r.bump.tight_compactions, r.bump.tight_moved) = moves_at<true>(r.bump.tight_fp, t);
    } else if (r.bump.min_fp) {
        std::fprintf(stderr, "tinymem bump failed at the tight footprint on %s\n", t.name.c_str());
        ++g_wrong;
    }
}

// ---- the tables ----------------------------------------------------------------------------------
// Efficiency, the layout floor, why each engine fails 8 bytes below its minimum, and tinymem
// against the best-fit reference. Requires: results not empty.
void write_footprint_tables(report& out, const std::vector<trace_result>& results) {
    out("## Efficiency (peak live bytes / smallest footprint)\n\n");
    out("| trace | ops | peak live B | 0-byte requests (as 1 B) | tinymem min footprint B (config) | tinymem | pmr pool | pmr monotonic | tinymem / pmr pool | tinymem / monotonic | tinymem bump (lean) min footprint B (config) | tinymem bump (lean) | bump / tinymem |\n");
    out("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (const auto& r : results) {
        auto eff = [&](int k) -> std::optional<double> {
            if (!r.min_fp[k]) return std::nullopt;
            return double(r.peak) / double(*r.min_fp[k]);
        };
        out("| " + r.name + " | " + std::to_string(r.ops) + " | " + std::to_string(r.peak) + " | " +
            std::to_string(r.zero) + " | " + std::to_string(*r.min_fp[0]) + " (" + cfg_name(r.min_cfg) + ") | " +
            opt_eff(r.min_fp[0], r.peak) + " | " + opt_eff(r.min_fp[1], r.peak) + " | " +
            opt_eff(r.min_fp[2], r.peak) + " | " + ratio(eff(0), eff(1)) + " | " + ratio(eff(0), eff(2)) + " | " +
            (r.bump.min_fp ? std::to_string(*r.bump.min_fp) + " (" + cfg_name(r.bump.min_cfg) + ")"
                           : std::string("fails")) +
            " | " + opt_eff(r.bump.min_fp, r.peak) + " | " +
            // Efficiency over efficiency: tinymem's minimum footprint over the lean engine's.
            (r.bump.min_fp ? fmt(double(*r.min_fp[0]) / double(*r.bump.min_fp), 3) : std::string("n/a")) + " |\n");
    }
    out("\nbump / tinymem: the lean engine's efficiency over basic_pool's (below 1: the lean engine needs the "
        "larger footprint).\n");
    out("\nThe layout floor: the smallest footprint in which any engine with tinymem's block layout "
        "(in the configuration of its minimum) could replay the trace, as if compaction were free and perfect: "
        "the pool object, plus at the worst moment every live block with its header word rounded to whole "
        "granules and one table word per slot up to the live-block high water (a lower bound: a moving resize's "
        "second copy and the heap's end marker are left out). Efficiency at the floor is the most that layout "
        "allows; \"min / floor\" is what the engine needs beyond it.\n\n");
    out("| trace | tinymem floor B | efficiency at the floor | tinymem min / floor | bump (lean) floor B | efficiency "
        "at the floor | bump min / floor |\n|---|---|---|---|---|---|---|\n");
    for (const auto& r : results)
        out("| " + r.name + " | " + std::to_string(r.floor) + " | " + fmt(double(r.peak) / double(r.floor), 3) +
            " | " + fmt(double(*r.min_fp[0]) / double(r.floor), 4) + " | " +
            (r.bump.min_fp ? std::to_string(r.bump.floor) + " | " + fmt(double(r.peak) / double(r.bump.floor), 3) +
                                 " | " + fmt(double(*r.bump.min_fp) / double(r.bump.floor), 4)
                           : std::string("n/a | n/a | n/a")) +
            " |\n");
    out("\ntinymem 8 bytes below its minimum (what the bookkeeping costs at the critical moment):\n\n");
    for (const auto& r : results) out("- " + r.name + ": " + r.why + "\n");
    out("\ntinymem bump (lean) 8 bytes below its minimum:\n\n");
    for (const auto& r : results)
        out("- " + r.name + ": " + (r.bump.min_fp ? r.bump.why : std::string("no footprint found")) + "\n");
    out("\nThe pmr pool's footprint probes ran in child processes: " + std::to_string(g_pmr_crashes) + " of " +
        std::to_string(g_pmr_probes) + " crashed (SIGSEGV in libstdc++'s unsynchronized_pool_resource::do_allocate "
        "when its upstream ran out) and were counted as failures.\n");
    out("\n\"fails\": no footprint up to 64 x peak live bytes (the monotonic resource: up to 2 x all bytes ever requested) "
        "replays without a failed request.\n\n");
    out("## tinymem against the non-moving best-fit reference\n\n"
        "Best fit: address-ordered best fit over a fixed arena with an 8-byte header per block "
        "(bench/bestfit.hpp), the placement policy with the least fragmentation in the classic studies; "
        "footprint = arena + allocator object, found by the same bisection; the arena starts at an address aligned "
        "to the trace's largest alignment (over-aligned placements then do not depend on where it lies). "
        "tinymem min / best-fit min below 1: "
        "compaction needs less memory than the best a non-moving allocator could do. ns/op at roomy = 8 x peak "
        "live bytes (glibc malloc: no fixed footprint).\n\n");
    out("| trace | ops | peak live B | max live blocks | tinymem min B | best fit min B | pmr pool min B | tinymem eff. | "
        "best fit eff. | pmr pool eff. | tinymem / best fit (footprint) | tinymem min / layout floor | "
        "tinymem ns/op | best fit ns/op | malloc ns/op | tinymem / malloc | tight / roomy |\n");
    out("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (const auto& r : results) {
        auto b = [](const std::optional<std::size_t>& v) { return v ? std::to_string(*v) : std::string("fails"); };
        auto ns1 = [](const std::optional<double>& v) { return v ? fmt(*v, 1) : std::string("n/a"); };
        out("| " + r.name + " | " + std::to_string(r.ops) + " | " + std::to_string(r.peak) + " | " +
            std::to_string(r.max_blocks) + " | " + b(r.min_fp[0]) + " | " + b(r.bf_min) + " | " + b(r.min_fp[1]) +
            " | " + opt_eff(r.min_fp[0], r.peak) + " | " + opt_eff(r.bf_min, r.peak) + " | " +
            opt_eff(r.min_fp[1], r.peak) + " | " +
            (r.bf_min ? fmt(double(*r.min_fp[0]) / double(*r.bf_min), 3) : std::string("n/a")) + " | " +
            fmt(double(*r.min_fp[0]) / double(r.floor), 4) + " | " + ns1(r.roomy_ns[0]) + " | " +
            ns1(r.bf_roomy_ns) + " | " + ns1(r.roomy_ns[3]) + " | " + ratio(r.roomy_ns[0], r.roomy_ns[3]) +
            " | " + ratio(r.tight_ns, r.roomy_ns[0]) + " |\n");
    }
    out("\n");
}

// ns/op at the roomy and tight footprints, and the compactions at the tight ones.
void write_speed_table(report& out, const std::vector<trace_result>& results, const options& opt) {
    out("## Speed (ns per operation; ratios are tinymem / other, below 1 means tinymem is faster; but bump/tinymem "
        "is the lean engine over basic_pool, below 1 means the lean engine is faster)\n\n");
    out("| trace | tinymem roomy (config) | pmr pool | pmr monotonic | glibc malloc | tinymem/malloc | tinymem/pmr pool | tinymem/monotonic | tinymem tight (footprint B) | tight/roomy | compactions at tight | bytes moved at tight | tinymem bump (lean) roomy (config) | bump/tinymem roomy | bump tight (footprint B) | bump tight/roomy | bump compactions at tight | bump bytes moved at tight |\n");
    out("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    auto ns = [&](const std::optional<double>& v) { return v ? fmt(*v, 1) : std::string("fails"); };
    for (const auto& r : results) {
        auto peer = [&](int k) {
            std::string s = ns(r.roomy_ns[k]);
            if (r.roomy_ns[k] && r.speed_fp[k] != 8 * r.peak) s += " (at " + std::to_string(r.speed_fp[k]) + " B)";
            return s;
        };
        out("| " + r.name + " | " + ns(r.roomy_ns[0]) + " (" + cfg_name(r.roomy_cfg) + ") | " + peer(1) +
            " | " + peer(2) + " | " + ns(r.roomy_ns[3]) + " | " + ratio(r.roomy_ns[0], r.roomy_ns[3]) +
            " | " + ratio(r.roomy_ns[0], r.roomy_ns[1]) + " | " + ratio(r.roomy_ns[0], r.roomy_ns[2]) + " | " +
            ns(r.tight_ns) + " (" + std::to_string(r.tight_fp) + ") | " + ratio(r.tight_ns, r.roomy_ns[0]) +
            " | " + std::to_string(r.tight_compactions) + " | " + std::to_string(r.tight_moved) + " | " +
            ns(r.bump.roomy_ns) + " (" + cfg_name(r.bump.roomy_cfg) + ") | " + ratio(r.bump.roomy_ns, r.roomy_ns[0]) +
            " | " +
            (r.bump.min_fp ? ns(r.bump.tight_ns) + " (" + std::to_string(r.bump.tight_fp) + ")" : std::string("fails")) +
            " | " + ratio(r.bump.tight_ns, r.bump.roomy_ns) + " | " +
            (r.bump.tight_ns ? std::to_string(r.bump.tight_compactions) : std::string("n/a")) + " | " +
            (r.bump.tight_ns ? std::to_string(r.bump.tight_moved) : std::string("n/a")) + " |\n");
    }
    out("\nroomy = 8 x peak live bytes; a peer that fails there is timed at 1.25 x its own minimum footprint "
        "(shown as \"at N B\"); glibc malloc has no fixed footprint. ns/op: the minimum over " +
        std::to_string(opt.reps) + " rounds, each timing one whole replay of every column in turn. "
        "The last six columns are the lean engine (basic_bump_pool): roomy at the same 8 x peak live bytes, "
        "bump/tinymem roomy = its roomy ns/op over tinymem's (below 1 means the lean engine is faster), tight at "
        "1.05 x its own minimum footprint (not tinymem's), its tight/roomy, and the compactions and bytes moved "
        "of one replay at that tight footprint.\n\n");
}

// defrag() of a fragmented 64 KiB pool (seed TINYMEM_SEED, else 1) against one memmove of its
// live bytes, with quick lists and without, and its table. Result: the config16 figures, or
// nullopt when the benchmark failed.
std::optional<defrag_result> defrag_section(report& out, const options& opt) {
    std::uint64_t seed = 1;
    if (const char* env = std::getenv("TINYMEM_SEED")) seed = std::strtoull(env, nullptr, 10);
    std::optional<defrag_result> dr, dr_noquick;
    // config16 and the same without quick lists, in alternating rounds (minimum kept).
    const int runs = opt.quick ? 3 : 400;
    auto keep_best = [](std::optional<defrag_result>& best, const std::optional<defrag_result>& r) {
        if (!r) return false;
        if (!best) best = r;
        best->defrag_ns = std::min(best->defrag_ns, r->defrag_ns);
        best->memmove_ns = std::min(best->memmove_ns, r->memmove_ns);
        best->walk_ns = std::min(best->walk_ns, r->walk_ns);
        return true;
    };
    bool ok = true;
    for (int i = 0; i < runs && ok; ++i) {
        ok = keep_best(dr, defrag_bench<tinymem::config16>(seed, 1)) &&
             keep_best(dr_noquick, defrag_bench<tinymem::basic_config<std::uint16_t, 4, 0>>(seed, 1));
    }
    if (!ok) dr.reset();
    out("## defrag() of a 64 KiB pool (config16) against one memmove of its live bytes\n\n");
    if (dr) {
        out("Blocks of 8-256 B allocated until the pool is full, half freed at random (seed " +
            std::to_string(seed) + ", TINYMEM_SEED), minimum of " + std::to_string(runs) +
            " runs. The second row is the same pool without quick lists (`basic_config<std::uint16_t, 4, 0>`), "
            "where every freed block was merged at once; with them, defrag() merges the cached ones. "
            "\"header walk\" reads the block headers from the lowest live block to the end as defrag() does "
            "(each header gives the next block's place, so those loads wait for each other; the same prefetch) "
            "and does nothing else: the part of defrag() that is finding the blocks.\n\n");
        out("| pool | live blocks | holes | live bytes | free bytes | defrag() ns | memmove ns | ratio | header walk: blocks, ns | walk / memmove |\n|---|---|---|---|---|---|---|---|---|---|\n");
        for (const auto* d : {&dr, &dr_noquick}) {
            const auto& x = **d;
            out(std::string("| ") + (d == &dr ? "config16" : "without quick lists") + " | " +
                std::to_string(x.blocks - x.holes) + " | " + std::to_string(x.holes) + " | " +
                std::to_string(x.live_bytes) + " | " + std::to_string(x.free_bytes) + " | " + fmt(x.defrag_ns, 0) +
                " | " + fmt(x.memmove_ns, 0) + " | " + fmt(x.defrag_ns / x.memmove_ns) + " | " +
                std::to_string(x.walked) + ", " + fmt(x.walk_ns, 0) + " | " + fmt(x.walk_ns / x.memmove_ns) + " |\n");
        }
        out("\n");
    } else {
        out("defrag benchmark failed (see stderr)\n\n");
    }
    return dr;
}

// The targets of issues 4 and 20, for both engines: met or not.
void write_targets(report& out, const std::vector<trace_result>& results, const std::optional<defrag_result>& dr) {
    // Targets of issue 4.
    out("## Targets (issues 4 and 20)\n\n| target | measured | met |\n|---|---|---|\n");
    for (const auto& r : results) {
        if (const auto tgt = efficiency_target(r.name)) {
            const double e = double(r.peak) / double(*r.min_fp[0]);
            out("| " + r.name + " efficiency >= " + fmt(*tgt) + " | " + fmt(e, 3) + " (layout floor " +
                fmt(double(r.peak) / double(r.floor), 3) + ") | " + (e >= *tgt ? "yes" : "NO") + " |\n");
        }
        if (r.roomy_ns[0] && r.roomy_ns[3]) {
            const bool ok = *r.roomy_ns[0] <= *r.roomy_ns[3];
            out("| " + r.name + " roomy ns/op <= glibc malloc | " + fmt(*r.roomy_ns[0], 1) + " vs " +
                fmt(*r.roomy_ns[3], 1) + " (" + ratio(r.roomy_ns[0], r.roomy_ns[3]) + "x) | " + (ok ? "yes" : "NO") +
                " |\n");
        }
        if (r.tight_ns && r.roomy_ns[0]) {
            const double q = *r.tight_ns / *r.roomy_ns[0];
            out("| " + r.name + " tight ns/op <= 3 x roomy | " + fmt(q) + "x | " + (q <= 3 ? "yes" : "NO") + " |\n");
        }
    }
    // Issue 20: on every trace, synthetic and recorded.
    for (const auto& r : results) {
        if (r.bf_min) {
            const bool ok = *r.min_fp[0] <= *r.bf_min;
            out("| " + r.name + " efficiency >= best fit's | " + opt_eff(r.min_fp[0], r.peak) + " vs " +
                opt_eff(r.bf_min, r.peak) + " | " + (ok ? "yes" : "NO") + " |\n");
        }
        const double q = double(*r.min_fp[0]) / double(r.floor);
        out("| " + r.name + " min footprint within 0.5 % of the layout floor | " + fmt(q, 4) + "x | " +
            (q <= 1.005 ? "yes" : "NO") + " |\n");
    }
    // The same targets for the lean engine, apart: it is the other choice a user has.
    for (const auto& r : results) {
        if (const auto tgt = efficiency_target(r.name); tgt && r.bump.min_fp) {
            const double e = double(r.peak) / double(*r.bump.min_fp);
            out("| lean engine: " + r.name + " efficiency >= " + fmt(*tgt) + " | " + fmt(e, 3) + " (layout floor " +
                fmt(double(r.peak) / double(r.bump.floor), 3) + ") | " + (e >= *tgt ? "yes" : "NO") + " |\n");
        }
        if (r.bump.roomy_ns && r.roomy_ns[3]) {
            const bool ok = *r.bump.roomy_ns <= *r.roomy_ns[3];
            out("| lean engine: " + r.name + " roomy ns/op <= glibc malloc | " + fmt(*r.bump.roomy_ns, 1) + " vs " +
                fmt(*r.roomy_ns[3], 1) + " (" + ratio(r.bump.roomy_ns, r.roomy_ns[3]) + "x) | " + (ok ? "yes" : "NO") +
                " |\n");
        }
        if (r.bump.tight_ns && r.bump.roomy_ns) {
            const double q = *r.bump.tight_ns / *r.bump.roomy_ns;
            out("| lean engine: " + r.name + " tight ns/op <= 3 x roomy | " + fmt(q) + "x | " + (q <= 3 ? "yes" : "NO") +
                " |\n");
        }
    }
    if (dr) {
        const double q = dr->defrag_ns / dr->memmove_ns;
        out("| defrag() <= 2 x memmove (64 KiB) | " + fmt(q) + "x | " + (q <= 2 ? "yes" : "NO") + " |\n");
    }
    out("\n");
}

// scripts/will-it-help.sh: the answer in words, per trace.
void write_verdict(report& out, const std::vector<trace_result>& results) {
    out("## Verdict\n\n");
    for (const auto& r : results) {
        out("### " + r.name + ": " + std::to_string(r.ops) + " operations, peak " + std::to_string(r.peak) +
            " live bytes in at most " + std::to_string(r.max_blocks) + " blocks\n\n");
        const double tm = double(*r.min_fp[0]);
        std::string mem = "- Memory: tinymem replays it in " + std::to_string(*r.min_fp[0]) + " B (efficiency " +
                          opt_eff(r.min_fp[0], r.peak) + "); ";
        if (r.bf_min) {
            const double q = tm / double(*r.bf_min);
            mem += "the non-moving best-fit reference (address-ordered best fit) needs " + std::to_string(*r.bf_min) +
                   " B: tinymem " + (q <= 1 ? "saves " + fmt(100 * (1 - q), 1) + " %" : "needs " + fmt(100 * (q - 1), 1) + " % more") + "; ";
        }
        mem += r.min_fp[1] ? "std::pmr::unsynchronized_pool_resource needs " + std::to_string(*r.min_fp[1]) + " B (" +
                                 fmt(tm / double(*r.min_fp[1]), 2) + " x)."
                           : std::string("std::pmr::unsynchronized_pool_resource fails at every size tried.");
        out(mem + "\n");
        if (r.roomy_ns[0] && r.roomy_ns[3]) {
            const double q = *r.roomy_ns[0] / *r.roomy_ns[3];
            out("- Speed: tinymem " + fmt(*r.roomy_ns[0], 1) + " ns/op with room to spare (8 x peak live bytes), glibc "
                "malloc " + fmt(*r.roomy_ns[3], 1) + " ns/op: tinymem is " +
                (q <= 1 ? fmt(1 / q, 2) + " x as fast" : fmt(q, 2) + " x slower") + "; at 1.05 x its minimum footprint " +
                (r.tight_ns ? fmt(*r.tight_ns, 1) + " ns/op (" + fmt(*r.tight_ns / *r.roomy_ns[0], 2) + " x roomy, " +
                                  std::to_string(r.tight_compactions) + " compactions)"
                            : std::string("it was not timed")) +
                ".\n");
        }
        const bool smaller = r.bf_min && tm < double(*r.bf_min);
        out(std::string("- Verdict: ") +
            (smaller ? "tinymem runs this workload in less memory than the best-fit reference, the non-moving policy "
                       "with the least fragmentation"
                     : "the best-fit reference needs no more memory than tinymem here: compaction gains nothing on this "
                       "workload") +
            (r.roomy_ns[0] && r.roomy_ns[3] && *r.roomy_ns[0] <= *r.roomy_ns[3] ? ", at malloc's speed or better.\n\n"
                                                                                 : "; tinymem is slower than malloc on it.\n\n"));
    }
}

// ---- the files -----------------------------------------------------------------------------------
// efficiency.svg in `dir`: every allocator's efficiency on every trace.
void write_efficiency_chart(const std::string& dir, const std::vector<trace_result>& results) {
    std::vector<std::string> groups;
    std::vector<std::vector<double>> vals;
    for (const auto& r : results) {
        groups.push_back(r.name);
        std::vector<double> v;
        for (int k = 0; k < 3; ++k) v.push_back(r.min_fp[k] ? double(r.peak) / double(*r.min_fp[k]) : -1);
        v.push_back(r.bump.min_fp ? double(r.peak) / double(*r.bump.min_fp) : -1);
        v.push_back(r.bf_min ? double(r.peak) / double(*r.bf_min) : -1);
        vals.push_back(v);
    }
    std::ofstream(dir + "/efficiency.svg")
        << tb::svg::bar_chart("Efficiency = peak live bytes / smallest footprint (higher is better)", groups,
                              {"tinymem", "std::pmr::unsynchronized_pool_resource", "std::pmr::monotonic_buffer_resource",
                               "tinymem bump (lean)", "best fit (non-moving reference)"},
                              vals, 1.0);
}

// timeline-NAME.svg in opt.out_dir: live bytes, free bytes and the largest free block under
// tinymem, best fit and the pmr pool, for the trace --timeline names, else the first one the pmr
// pool can replay at all.
void write_timeline_chart(const options& opt, const std::vector<trace_result>& results,
                          const std::vector<tb::trace>& traces) {
    const trace_result* pick = nullptr;
    const tb::trace* pick_t = nullptr;
    for (std::size_t i = 0; i < results.size(); ++i) {
        const bool named = !opt.timeline.empty() && results[i].name == opt.timeline;
        if (named || (opt.timeline.empty() && !pick && results[i].min_fp[1])) {
            pick = &results[i];
            for (const auto& t : traces)
                if (t.name == results[i].name) pick_t = &t;
        }
    }
    if (pick && pick_t) {
        auto live = live_bytes_after(*pick_t);
        std::vector<tb::svg::panel> panels;
        panels.push_back(timeline_tinymem(*pick_t, pick->tight_fp, live));
        if (pick->bf_min)
            panels.push_back(timeline_bestfit(*pick_t, std::size_t(std::ceil(1.05 * double(*pick->bf_min))), live));
        if (pick->min_fp[1])
            panels.push_back(timeline_pmr(*pick_t, std::size_t(std::ceil(1.05 * double(*pick->min_fp[1]))), live));
        std::ofstream(opt.out_dir + "/timeline-" + pick->name + ".svg")
            << tb::svg::timeline("Trace " + pick->name + ": live bytes, free bytes and the largest free block",
                                 panels);
        std::fprintf(stderr, "wrote %s/timeline-%s.svg\n", opt.out_dir.c_str(), pick->name.c_str());
    }
}

// replay.md (the report as printed) and the charts, in opt.out_dir.
void write_files(const options& opt, const std::string& md, const std::vector<trace_result>& results,
                 const std::vector<tb::trace>& traces) {
    std::filesystem::create_directories(opt.out_dir);
    std::ofstream(opt.out_dir + "/replay.md") << md;
    if (!results.empty()) {
        write_efficiency_chart(opt.out_dir, results);
        write_timeline_chart(opt, results, traces);
    }
    std::fprintf(stderr, "wrote %s/replay.md and efficiency.svg\n", opt.out_dir.c_str());
}

} // namespace

int main(int argc, char** argv) {
    options opt;
    if (!parse_options(argc, argv, opt)) return 2;
    if (!opt.single.empty()) return replay_single(opt);
    if (!opt.scan.empty()) return scan_footprints(opt);

    report out;
    write_intro(out, opt);
    std::vector<tb::trace> traces;
    if (!read_traces(opt, traces)) return 2;
    std::vector<trace_result> results;
    for (const auto& t : traces) {
        trace_result r;
        if (!measure_footprints(t, r)) continue;
        measure_speed(t, opt, r);
        results.push_back(r);
    }
    if (!results.empty()) {
        write_footprint_tables(out, results);
        write_speed_table(out, results, opt);
    }
    std::optional<defrag_result> dr;
    if (opt.defrag) dr = defrag_section(out, opt);
    write_targets(out, results, dr);
    if (opt.verdict) write_verdict(out, results);
    if (!opt.out_dir.empty()) write_files(opt, out.md, results, traces);
    if (g_wrong != 0) {
        std::fprintf(stderr, "FAILED: %d wrong answers or failures where none may happen\n", g_wrong);
        return 1;
    }
    return 0;
}
