// tinymem's self-checking test for bare-metal targets (Cortex-M under QEMU, or a real board).
// No Boost, no exceptions, no RTTI, no heap: pools and the reference model live in static
// arrays (.bss). Output goes through printf (semihosting); the exit status is the result:
// 0 when every check passed.
//
// The pools are 32 KiB (TINYMEM_TARGET_POOL_BYTES: tests/target/meson.build passes less for a
// board with little RAM); every size below that depends on the pool is written for 32 KiB and
// scaled, so the default build runs exactly the same test at any size.
//
// Arguments (semihosting has no environment; cross/qemu-semihost.sh forwards TINYMEM_* variables
// as NAME=VALUE arguments):
//   TINYMEM_SEED=N   seed of the randomised churn (default: the host's time, printed)
//   TINYMEM_OPS=N    churn operations per configuration (default 20000)
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <new>
#include <span>

#include "tinymem_under_test.hpp"

namespace {

// ---- checks ----------------------------------------------------------------------------------

unsigned long g_checks = 0;
unsigned long g_failures = 0;
const char* g_context = "";

bool check_(bool ok, const char* what, int line) {
    ++g_checks;
    if (!ok) {
        ++g_failures;
        if (g_failures <= 25) std::printf("FAIL [%s] line %d: %s\n", g_context, line, what);
    }
    return ok;
}
#define CHECK(cond) check_(static_cast<bool>(cond), #cond, __LINE__)

// ---- deterministic random numbers (splitmix64) ------------------------------------------------

struct rng {
    std::uint64_t state;
    std::uint64_t next() {
        std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    // Uniform in [0, n).
    std::uint32_t below(std::uint32_t n) { return std::uint32_t(next() % n); }
};

// The byte at `i` of a block filled with `seed`: depends on both, so a moved, truncated or
// swapped block is noticed.
inline std::uint8_t pattern(std::uint32_t seed, std::size_t i) {
    return std::uint8_t((seed * 2654435761u + std::uint32_t(i) * 131u) >> 11);
}

bool aligned(const void* p, std::size_t a) { return reinterpret_cast<std::uintptr_t>(p) % a == 0; }

#ifndef TINYMEM_TARGET_POOL_BYTES
#define TINYMEM_TARGET_POOL_BYTES 32768
#endif
constexpr std::size_t pool_bytes = TINYMEM_TARGET_POOL_BYTES;
static_assert(pool_bytes >= 4096 && pool_bytes % 4096 == 0, "TINYMEM_TARGET_POOL_BYTES: a multiple of 4 KiB");
// `bytes` of a 32 KiB pool, in this pool.
constexpr std::size_t scaled(std::size_t bytes) { return bytes * pool_bytes / 32768; }

// Live blocks the churn's reference model holds; handles fragment() and exhaustion() keep.
constexpr std::size_t max_blocks = scaled(512);
constexpr std::size_t max_handles = scaled(600) + 16;

// The suites (one per configuration) run one after another and share these. g_scratch holds a
// suite's model (max_blocks entries of at most model_entry bytes), then its handles.
constexpr std::size_t model_entry = 32, handle_entry = 8;
alignas(64) std::byte g_buffer[pool_bytes];
alignas(16) std::byte g_other_buffer[1024];
alignas(16) std::byte g_scratch[max_blocks * model_entry + max_handles * handle_entry];

// A pool<Bytes> in .bss, constructed by a static constructor (init_array).
tinymem::pool<scaled(8192)> g_bss_pool;

template <class Config>
struct suite {
    using pool_t = tinymem::basic_pool<Config>;
    using handle = typename pool_t::handle;
    using error = tinymem::error;
    static constexpr std::size_t granule = Config::granule;

    // Reference model of the churn: what each live block should hold.
    struct block {
        handle h;
        std::uint32_t bytes;
        std::uint32_t seed;
        std::uint32_t align;
        bool pinned;
        const void* pinned_at;
    };
    static_assert(sizeof(block) <= model_entry && alignof(block) <= 16 && sizeof(handle) <= handle_entry);
    // In g_scratch (built by run()): the model, then the handle array.
    static inline block* model = nullptr;
    static inline handle* hs = nullptr;
    static inline std::size_t live = 0;
    static inline handle freed_ring[32];
    static inline std::size_t freed_count = 0;

    static void fill(pool_t& p, handle h, std::uint32_t seed, std::size_t bytes) {
        auto* d = static_cast<std::uint8_t*>(p.data(h));
        if (!CHECK(d != nullptr)) return;
        for (std::size_t i = 0; i < bytes; ++i) d[i] = pattern(seed, i);
    }
    static bool holds(pool_t& p, handle h, std::uint32_t seed, std::size_t bytes) {
        const auto* d = static_cast<const std::uint8_t*>(p.data(h));
        if (d == nullptr) return false;
        for (std::size_t i = 0; i < bytes; ++i)
            if (d[i] != pattern(seed, i)) return false;
        return true;
    }
    static bool pool_ok(const pool_t& p) {
        const tinymem::check_result r = p.check();
        if (!r.ok()) std::printf("  check(): %s at byte %lu\n", r.problem, static_cast<unsigned long>(r.offset));
        return r.ok();
    }
    static std::span<std::byte> whole() { return std::span<std::byte>(g_buffer, pool_bytes); }

    // ---- allocate / deallocate, stale handles, bad input ----------------------------------
    static void basic() {
        pool_t p(whole());
        CHECK(p.usable());
        CHECK(p.capacity() > pool_bytes - 64 && p.capacity() <= pool_bytes);
        const handle a = p.allocate(100);
        CHECK(a);
        CHECK(p.valid(a));
        CHECK(p.size(a) >= 100);
        CHECK(aligned(p.data(a), granule));
        fill(p, a, 1, 100);
        const handle b = p.allocate(1);
        CHECK(b && p.size(b) >= 1 && b != a);
        fill(p, b, 2, 1);
        CHECK(holds(p, a, 1, 100) && holds(p, b, 2, 1));
        CHECK(p.handle_of(p.data(a)) == a);
        CHECK(!p.handle_of(static_cast<std::byte*>(p.data(a)) + 1));
        CHECK(p.last_error() == error::invalid_pointer);
        CHECK(!p.handle_of(g_other_buffer));
        CHECK(pool_ok(p));

        // Free, then every use of the old handle is refused as stale.
        CHECK(p.deallocate(a));
        CHECK(!p.valid(a));
        CHECK(p.data(a) == nullptr);
        CHECK(p.size(a) == 0);
        CHECK(!p.deallocate(a) && p.last_error() == error::stale_handle);
        CHECK(!p.reallocate(a, 10) && p.last_error() == error::stale_handle);
        CHECK(!p.pin(a) && p.last_error() == error::stale_handle);
        CHECK(!p.acquire_pin(a) && p.last_error() == error::stale_handle);
        // The slot gets reused; the old handle must stay stale and not alias the new block.
        for (int i = 0; i < 40; ++i) {
            const handle x = p.allocate(16);
            CHECK(x && x != a);
            CHECK(!p.valid(a) && p.data(a) == nullptr);
            if (i % 2 == 0) CHECK(p.deallocate(x));
        }
        CHECK(holds(p, b, 2, 1));

        // Null, forged and foreign handles.
        CHECK(!p.valid(handle{}));
        CHECK(p.data(handle{}) == nullptr);
        CHECK(!p.deallocate(handle{}) && p.last_error() == error::invalid_handle);
        const handle forged(~typename handle::value_type{0});
        CHECK(!p.valid(forged));
        CHECK(p.data(forged) == nullptr);
        CHECK(!p.deallocate(forged));
        pool_t q(std::span<std::byte>(g_other_buffer, sizeof g_other_buffer));
        const handle foreign = q.allocate(8);
        CHECK(foreign);
        CHECK(!p.valid(foreign));
        CHECK(!p.deallocate(foreign) && p.last_error() == error::invalid_handle);
        CHECK(q.valid(foreign) && q.deallocate(foreign));

        // Bad requests leave the pool unchanged.
        const tinymem::pool_stats before = p.stats();
        CHECK(!p.allocate(0) && p.last_error() == error::zero_size);
        CHECK(!p.allocate(std::size_t(-1)) && p.last_error() == error::too_large);
        CHECK(!p.allocate(std::size_t(-1) - granule) && p.last_error() == error::too_large);
        CHECK(!p.allocate(p.capacity() + 1) && p.last_error() == error::too_large);
        CHECK(!p.allocate(16, 3) && p.last_error() == error::bad_alignment);
        CHECK(!p.allocate(16, 0) && p.last_error() == error::bad_alignment);
        CHECK(!p.allocate(16, std::size_t(1) << 30) && p.last_error() == error::bad_alignment);
        CHECK(!p.reallocate(b, std::size_t(-1)) && p.last_error() == error::too_large);
        CHECK(!p.reallocate(b, 0));
        CHECK(holds(p, b, 2, 1));
        const tinymem::pool_stats after = p.stats();
        CHECK(after.used_bytes == before.used_bytes && after.live_blocks == before.live_blocks);
        CHECK(after.failed[unsigned(error::too_large)] >= before.failed[unsigned(error::too_large)] + 4);
        CHECK(pool_ok(p));

        // Buffers that cannot hold a pool.
        pool_t tiny(std::span<std::byte>(g_other_buffer, 4));
        CHECK(!tiny.usable());
        CHECK(!tiny.allocate(1) && tiny.last_error() == error::bad_buffer);
        pool_t none(std::span<std::byte>{});
        CHECK(!none.usable() && !none.allocate(1));
        // A buffer starting off the granule is rounded up, not misused.
        pool_t odd(std::span<std::byte>(g_other_buffer + 1, sizeof g_other_buffer - 1));
        CHECK(odd.usable());
        const handle o = odd.allocate(24);
        CHECK(o && aligned(odd.data(o), granule));
        CHECK(pool_ok(odd));
    }

    // ---- reallocate -----------------------------------------------------------------------
    static void reallocation() {
        pool_t p(whole());
        const handle a = p.allocate(40);
        const handle b = p.allocate(40);
        fill(p, a, 10, 40);
        fill(p, b, 11, 40);
        // b sits after a: growing a must move it, keeping handle and contents.
        CHECK(p.reallocate(a, 400));
        CHECK(p.valid(a) && p.size(a) >= 400);
        CHECK(holds(p, a, 10, 40) && holds(p, b, 11, 40));
        fill(p, a, 12, 400);
        // Shrink keeps the prefix.
        CHECK(p.reallocate(a, 8));
        CHECK(p.size(a) >= 8 && p.size(a) < 400);
        CHECK(holds(p, a, 12, 8));
        // Grow into the free space after it.
        CHECK(p.reallocate(a, 1000));
        CHECK(holds(p, a, 12, 8) && holds(p, b, 11, 40));
        CHECK(pool_ok(p));
        // A pinned block can grow only in place.
        const handle c = p.allocate(32);
        fill(p, c, 13, 32);
        {
            auto guard = p.pin(b);
            CHECK(guard);
            const void* at = guard.data();
            CHECK(!p.reallocate(b, scaled(4000)) && p.last_error() == error::pinned);
            CHECK(p.data(b) == at && holds(p, b, 11, 40));
            CHECK(p.reallocate(b, 16)); // shrinking in place is fine
            CHECK(p.data(b) == at && holds(p, b, 11, 16));
        }
        CHECK(p.reallocate(b, scaled(4000)) && holds(p, b, 11, 16));
        // Over-aligned blocks keep their alignment when they move.
        const handle d = p.allocate(24, 64);
        CHECK(d && aligned(p.data(d), 64));
        fill(p, d, 14, 24);
        CHECK(p.reallocate(d, scaled(3000)));
        CHECK(aligned(p.data(d), 64) && holds(p, d, 14, 24));
        CHECK(holds(p, c, 13, 32));
        CHECK(pool_ok(p));
    }

    // ---- pins -----------------------------------------------------------------------------
    static void pins() {
        pool_t p(whole());
        constexpr unsigned n = pool_bytes >= 16384 ? 40 : 16; // about 6 KiB, or 1 KiB
        for (unsigned i = 0; i < n; ++i) {
            hs[i] = p.allocate(20 + 7 * i);
            CHECK(hs[i]);
            fill(p, hs[i], 100 + i, 20 + 7 * i);
        }
        for (unsigned i = 0; i < n; i += 2) CHECK(p.deallocate(hs[i]));
        const handle mid = hs[n / 2 + 1];
        {
            auto guard = p.pin(mid);
            CHECK(guard && p.pin_count(mid) == 1);
            const void* at = guard.data();
            CHECK(!p.deallocate(mid) && p.last_error() == error::pinned);
            p.defrag();
            CHECK(p.data(mid) == at);
            for (unsigned i = 1; i < n; i += 2) CHECK(holds(p, hs[i], 100 + i, 20 + 7 * i));
            CHECK(pool_ok(p));
            auto moved = static_cast<decltype(guard)&&>(guard); // guards are move-only
            CHECK(!guard && moved && p.pin_count(mid) == 1);
        }
        CHECK(p.pin_count(mid) == 0);
        // Nested pins up to the limit, then overflow; unpin below zero fails.
        for (unsigned i = 0; i < pool_t::max_pins; ++i) CHECK(p.acquire_pin(hs[1]));
        CHECK(!p.acquire_pin(hs[1]) && p.last_error() == error::pin_overflow);
        for (unsigned i = 0; i < pool_t::max_pins; ++i) CHECK(p.unpin(hs[1]));
        CHECK(!p.unpin(hs[1]) && p.last_error() == error::not_pinned);
        // allocate_pinned: placed at the top, never moves, freed with deallocate.
        const handle fixed = p.allocate_pinned(200);
        CHECK(fixed && p.pin_count(fixed) == pool_t::max_pins + 1);
        fill(p, fixed, 7, 200);
        const void* fixed_at = p.data(fixed);
        for (unsigned i = 1; i < n; i += 2)
            CHECK(static_cast<const std::byte*>(p.data(hs[i])) < static_cast<const std::byte*>(fixed_at));
        CHECK(p.deallocate(hs[1]));
        p.defrag();
        CHECK(p.data(fixed) == fixed_at && holds(p, fixed, 7, 200));
        CHECK(p.deallocate(fixed));
        CHECK(!p.valid(fixed));
        CHECK(pool_ok(p));
    }

    // Allocates blocks of assorted sizes, then frees every other one: a pool full of holes.
    static std::size_t fragment(pool_t& p, handle* hs, std::size_t n) {
        std::size_t made = 0;
        for (; made < n; ++made) {
            const std::size_t bytes = 24 + (made * 37) % 180;
            hs[made] = p.allocate(bytes);
            if (!hs[made]) break;
            fill(p, hs[made], std::uint32_t(made), bytes);
        }
        for (std::size_t i = 0; i < made; i += 2) {
            CHECK(p.deallocate(hs[i]));
            hs[i] = handle{};
        }
        return made;
    }
    static bool survivors_hold(pool_t& p, const handle* hs, std::size_t made) {
        bool ok = true;
        for (std::size_t i = 1; i < made; i += 2)
            ok = holds(p, hs[i], std::uint32_t(i), 24 + (i * 37) % 180) && ok;
        return ok;
    }

    // ---- defrag and allocation through compaction ------------------------------------------
    static void defrag() {
        pool_t p(whole());
        const std::size_t made = fragment(p, hs, max_handles);
        CHECK(made > scaled(100));
        tinymem::pool_stats s = p.stats();
        CHECK(s.largest_free_bytes < s.free_bytes);
        CHECK(s.fragmentation_percent > 0);
        p.defrag();
        s = p.stats();
        CHECK(s.largest_free_bytes == s.free_bytes);
        CHECK(s.fragmentation_percent == 0);
        CHECK(s.compactions >= 1 && s.bytes_moved > 0);
        CHECK(survivors_hold(p, hs, made));
        CHECK(pool_ok(p));

        // A request larger than any hole but within the free bytes compacts on demand.
        pool_t q(whole());
        const std::size_t made2 = fragment(q, hs, max_handles);
        s = q.stats();
        const std::size_t want = s.largest_free_bytes + 256;
        CHECK(want < s.free_bytes);
        const handle big = q.allocate(want);
        CHECK(big);
        CHECK(q.stats().compactions >= 1);
        CHECK(survivors_hold(q, hs, made2));
        CHECK(pool_ok(q));
    }

    // ---- defrag_step: bounded, resumable, interleaved with other calls ---------------------
    // The budget (256 bytes) exceeds the largest block (204 bytes and a header): a step never
    // moves a block larger than its budget.
    static void defrag_step() {
        pool_t p(whole());
        const std::size_t made = fragment(p, hs, max_handles);
        unsigned steps = 0;
        handle extra{};
        for (;;) {
            const std::uint64_t moved = p.stats().bytes_moved;
            const bool done = p.defrag_step(256);
            CHECK(p.stats().bytes_moved - moved <= 256);
            ++steps;
            if (steps % 5 == 0) {
                // Other calls between steps.
                if (extra) {
                    CHECK(p.deallocate(extra));
                    extra = handle{};
                } else {
                    extra = p.allocate(48);
                    CHECK(extra);
                }
            }
            if (steps % 16 == 0) {
                CHECK(pool_ok(p));
                CHECK(survivors_hold(p, hs, made));
            }
            if (done || steps > 100000) break;
        }
        CHECK(steps > scaled(10));
        if (extra) CHECK(p.deallocate(extra));
        while (!p.defrag_step(256)) ++steps;
        const tinymem::pool_stats s = p.stats();
        CHECK(s.largest_free_bytes == s.free_bytes);
        CHECK(survivors_hold(p, hs, made));
        CHECK(pool_ok(p));
        CHECK(p.defrag_step(256)); // compact: nothing to do
        std::printf("  [%s] defrag_step(256): %u steps to compact %lu blocks\n", g_context, steps,
                    static_cast<unsigned long>(made / 2));
    }

    // ---- running out ----------------------------------------------------------------------
    static void exhaustion() {
        pool_t p(whole());
        std::size_t n = 0;
        while (n < max_handles && (hs[n] = p.allocate(200))) ++n;
        CHECK(n > scaled(50) && n < max_handles);
        CHECK(p.last_error() == error::out_of_memory || p.last_error() == error::out_of_handles);
        CHECK(p.stats().failed[unsigned(p.last_error())] >= 1);
        CHECK(pool_ok(p));
        // Small blocks still fit into what is left.
        const tinymem::pool_stats full = p.stats();
        std::printf("  [%s] full after %lu blocks of 200 B: %lu B free, %lu free handles\n", g_context,
                    static_cast<unsigned long>(n), static_cast<unsigned long>(full.free_bytes),
                    static_cast<unsigned long>(full.free_handles));
        const handle small = p.allocate(4);
        // With no free handle the table must grow into the first block (200 B, to be moved).
        CHECK(small || (full.free_handles == 0 && full.free_bytes < 200 + 2 * granule));
        for (std::size_t i = 0; i < n; ++i) CHECK(p.deallocate(hs[i]));
        if (small) CHECK(p.deallocate(small));
        const tinymem::pool_stats s = p.stats();
        CHECK(s.live_blocks == 0 && s.used_bytes == 0);
        CHECK(s.free_bytes + s.table_bytes + granule >= s.capacity_bytes - granule);
        // Everything is usable again as one block.
        const handle all = p.allocate(s.largest_allocatable);
        CHECK(all);
        CHECK(pool_ok(p));
    }

    // ---- randomised churn against the reference model ---------------------------------------
    static bool model_holds(pool_t& p, const block& b) {
        return p.valid(b.h) && p.size(b.h) >= b.bytes && aligned(p.data(b.h), b.align) &&
               (!b.pinned || p.data(b.h) == b.pinned_at) && holds(p, b.h, b.seed, b.bytes);
    }
    static void churn(std::uint64_t seed, unsigned long ops) {
        rng r{seed};
        pool_t p(whole());
        live = 0;
        freed_count = 0;
        unsigned long allocs = 0, fails = 0, table_fails = 0, reallocs = 0, steps = 0, moved_checks = 0;
        for (unsigned long op = 0; op < ops; ++op) {
            const std::uint32_t what = r.below(100);
            if (what < 40 && live < max_blocks) {
                std::uint32_t bytes;
                const std::uint32_t kind = r.below(100);
                if (kind < 70) bytes = 1 + r.below(64);
                else if (kind < 95) bytes = 1 + r.below(scaled(1024));
                else bytes = 1 + r.below(scaled(6000));
                std::uint32_t align = std::uint32_t(granule);
                if (r.below(10) == 0) align = 1u << r.below(7); // 1 .. 64
                const handle h = p.allocate(bytes, align);
                if (!h) {
                    ++fails;
                    const error e = p.last_error();
                    CHECK(e == error::out_of_memory || e == error::out_of_handles || e == error::fragmented_by_pins);
                    // out_of_memory means the free bytes cannot hold the request, unless the
                    // handle table is full: growing it must move the pool's first block, which
                    // needs a hole as large as that block (reported as out_of_memory too).
                    const tinymem::pool_stats st = p.stats();
                    if (e == error::out_of_memory && st.free_handles == 0) ++table_fails;
                    if (e == error::out_of_memory && st.free_handles != 0) {
                        if (!CHECK(st.free_bytes < bytes + 64 + align))
                            std::printf("  out_of_memory for %lu bytes (align %lu): free %lu, largest hole %lu, "
                                        "pinned %lu, live %lu, free handles %lu, table %lu\n",
                                        static_cast<unsigned long>(bytes), static_cast<unsigned long>(align),
                                        static_cast<unsigned long>(st.free_bytes),
                                        static_cast<unsigned long>(st.largest_free_bytes),
                                        static_cast<unsigned long>(st.pinned_bytes),
                                        static_cast<unsigned long>(st.live_blocks),
                                        static_cast<unsigned long>(st.free_handles),
                                        static_cast<unsigned long>(st.table_bytes));
                    }
                    continue;
                }
                ++allocs;
                const std::uint32_t s = std::uint32_t(r.next());
                fill(p, h, s, bytes);
                model[live++] = block{h, bytes, s, align < granule ? std::uint32_t(granule) : align, false, nullptr};
            } else if (what < 70 && live > 0) {
                const std::size_t i = r.below(std::uint32_t(live));
                block& b = model[i];
                CHECK(model_holds(p, b));
                if (b.pinned) {
                    CHECK(!p.deallocate(b.h) && p.last_error() == error::pinned);
                    CHECK(p.unpin(b.h));
                }
                CHECK(p.deallocate(b.h));
                freed_ring[freed_count++ % 32] = b.h;
                b = model[--live];
            } else if (what < 80 && live > 0) {
                block& b = model[r.below(std::uint32_t(live))];
                const std::uint32_t bytes = 1 + r.below(r.below(4) == 0 ? scaled(3000) : 200);
                if (p.reallocate(b.h, bytes)) {
                    ++reallocs;
                    const std::uint32_t keep = bytes < b.bytes ? bytes : b.bytes;
                    CHECK(holds(p, b.h, b.seed, keep));
                    CHECK(aligned(p.data(b.h), b.align));
                    if (b.pinned) CHECK(p.data(b.h) == b.pinned_at);
                    b.seed = std::uint32_t(r.next());
                    b.bytes = bytes;
                    fill(p, b.h, b.seed, bytes);
                } else {
                    const error e = p.last_error();
                    CHECK(e == error::out_of_memory || e == error::out_of_handles ||
                          e == error::fragmented_by_pins || (b.pinned && e == error::pinned));
                    CHECK(holds(p, b.h, b.seed, b.bytes));
                }
            } else if (what < 85 && live > 0) {
                block& b = model[r.below(std::uint32_t(live))];
                if (b.pinned) {
                    CHECK(p.data(b.h) == b.pinned_at);
                    CHECK(p.unpin(b.h));
                    b.pinned = false;
                } else if (r.below(3) == 0) {
                    CHECK(p.acquire_pin(b.h));
                    b.pinned = true;
                    b.pinned_at = p.data(b.h);
                }
            } else if (what < 97) {
                ++steps;
                p.defrag_step(16u << r.below(6));
            } else if (what < 98) {
                p.defrag();
            } else if (freed_count > 0) {
                // A freed handle stays stale, even after its slot was reused.
                const handle old = freed_ring[r.below(freed_count < 32 ? std::uint32_t(freed_count) : 32u)];
                CHECK(!p.valid(old) && p.data(old) == nullptr);
                CHECK(!p.deallocate(old) && p.last_error() == error::stale_handle);
            }
            if (op % 128 == 127) {
                ++moved_checks;
                for (std::size_t i = 0; i < live; ++i)
                    if (!CHECK(model_holds(p, model[i]))) break;
                CHECK(pool_ok(p));
                CHECK(p.stats().live_blocks == live);
            }
        }
        for (std::size_t i = 0; i < live; ++i) {
            CHECK(model_holds(p, model[i]));
            if (model[i].pinned) CHECK(p.unpin(model[i].h));
            CHECK(p.deallocate(model[i].h));
        }
        live = 0;
        CHECK(pool_ok(p));
        CHECK(p.stats().live_blocks == 0);
        const tinymem::pool_stats s = p.stats();
        std::printf("  [%s] churn: %lu ops, %lu allocations (%lu refused), %lu reallocations, "
                    "%lu defrag steps, %lu KiB moved, %lu full checks; %lu refusals while the table was full\n",
                    g_context, ops, allocs, fails, reallocs, steps,
                    static_cast<unsigned long>(s.bytes_moved / 1024), moved_checks, table_fails);
    }

    static void run(const char* name, std::uint64_t seed, unsigned long ops) {
        g_context = name;
        model = reinterpret_cast<block*>(g_scratch);
        for (std::size_t i = 0; i < max_blocks; ++i) ::new (static_cast<void*>(model + i)) block{};
        hs = reinterpret_cast<handle*>(g_scratch + max_blocks * model_entry);
        for (std::size_t i = 0; i < max_handles; ++i) ::new (static_cast<void*>(hs + i)) handle{};
        const unsigned long before = g_failures, checks = g_checks;
        basic();
        reallocation();
        pins();
        defrag();
        defrag_step();
        exhaustion();
        churn(seed, ops);
        std::printf("[%s] %lu checks, %lu failed\n", name, g_checks - checks, g_failures - before);
    }
};

// Stack high water: the free RAM between newlib's heap and the stack is filled with a pattern
// before the tests and searched afterwards for the deepest word they overwrote. On a board with
// 16 KiB of RAM this is what shows that the test (and the pools' calls) fit their stack.
extern "C" void* sbrk(std::ptrdiff_t increment); // newlib; strict -std=c++20 hides its declaration
constexpr std::uint32_t stack_paint = 0x5AC3A53Cu;
std::uintptr_t g_paint_low = 0, g_paint_high = 0;

__attribute__((noinline)) void paint_stack() {
    std::uint32_t here = 0;
    const auto sp = reinterpret_cast<std::uintptr_t>(&here);
    g_paint_high = (sp - 256) & ~std::uintptr_t(3);
    g_paint_low = (reinterpret_cast<std::uintptr_t>(sbrk(0)) + 256 + 3) & ~std::uintptr_t(3);
    if (g_paint_high - g_paint_low > 65536) g_paint_low = g_paint_high - 65536; // a large RAM: 64 KiB will do
    for (std::uintptr_t a = g_paint_low; a < g_paint_high; a += 4) *reinterpret_cast<volatile std::uint32_t*>(a) = stack_paint;
}
// Bytes of stack used below the painted top: from the deepest overwritten word up.
std::size_t stack_used() {
    std::uintptr_t a = g_paint_low;
    while (a < g_paint_high && *reinterpret_cast<volatile std::uint32_t*>(a) == stack_paint) a += 4;
    return a == g_paint_low ? std::size_t(-1) : std::size_t(g_paint_high - a);
}

std::uint64_t parse_number(const char* s) {
    std::uint64_t v = 0;
    while (*s >= '0' && *s <= '9') v = v * 10 + std::uint64_t(*s++ - '0');
    return v;
}

} // namespace

int main(int argc, char** argv) {
    std::uint64_t seed = std::uint64_t(std::time(nullptr));
    unsigned long ops = 20000;
    for (int i = 1; i < argc; ++i) {
        if (std::strncmp(argv[i], "TINYMEM_SEED=", 13) == 0) seed = parse_number(argv[i] + 13);
        else if (std::strncmp(argv[i], "TINYMEM_OPS=", 12) == 0) ops = parse_number(argv[i] + 12);
    }
    std::printf("tinymem target test: seed %lu (rerun with TINYMEM_SEED=%lu), %lu churn ops, "
                "%lu-byte pools, sizeof(void*) %u, sizeof(size_t) %u\n",
                static_cast<unsigned long>(seed), static_cast<unsigned long>(seed), ops,
                static_cast<unsigned long>(pool_bytes), unsigned(sizeof(void*)), unsigned(sizeof(std::size_t)));

    paint_stack();
    g_context = "pool<Bytes> in .bss";
    CHECK(g_bss_pool.usable());
    {
        const auto h = g_bss_pool.allocate(scaled(1000));
        CHECK(h && g_bss_pool.size(h) >= scaled(1000));
        CHECK(g_bss_pool.check().ok());
        CHECK(g_bss_pool.deallocate(h));
    }

    suite<tinymem::config16>::run("config16", seed, ops);
    suite<tinymem::config16_g8>::run("config16_g8", seed + 1, ops);
    suite<tinymem::config17>::run("config17", seed + 3, ops);
    suite<tinymem::config32>::run("config32", seed + 2, ops);

    const std::size_t used = stack_used();
    g_context = "stack";
    CHECK(used != std::size_t(-1)); // the paint reached the heap: the stack may have overrun it
    std::printf("tinymem target test: stack high water %lu bytes below main's frame (%lu bytes painted)\n",
                static_cast<unsigned long>(used), static_cast<unsigned long>(g_paint_high - g_paint_low));
    std::printf("tinymem target test: %lu checks, %lu failed: %s\n", g_checks, g_failures,
                g_failures == 0 ? "PASS" : "FAIL");
    return g_failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
