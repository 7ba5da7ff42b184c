// SPDX-License-Identifier: MIT
// tinymem's self-checking test for bare-metal targets (Cortex-M under QEMU, or a real board).
// No Boost, no exceptions, no RTTI, no heap: pools and the churn's reference model (the one of
// every test, tests/model/pool_model.hpp) live in static arrays (.bss). Output goes through printf (semihosting); the exit status is the result:
// 0 when every check passed. Both engines are tested: basic_pool in four configurations, then
// the lean basic_bump_pool in the same ones (two on the Cortex-M0, whose flash holds no more).
// What both engines share is one template per case over the pool type, run by both suites
// (is_lean<Pool> adds the lean engine's own expectations); each suite adds its engine's own cases.
//
// The pools are 32 KiB (TINYMEM_TARGET_POOL_BYTES: tests/target/meson.build passes less for a
// board with little RAM); every size below that depends on the pool is written for 32 KiB and
// scaled, so the default build runs exactly the same test at any size.
//
// Arguments (semihosting has no environment; cross/qemu-semihost.sh forwards TINYMEM_* variables
// as NAME=VALUE arguments):
//   TINYMEM_SEED=N   seed of the randomised churn (default: the host's time, printed)
//   TINYMEM_OPS=N    churn operations per configuration and engine (default 20000)
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <new>
#include <span>

#include "tinymem_under_test.hpp"
#include "model/pool_model.hpp"

namespace {

// ---- checks ----------------------------------------------------------------------------------

unsigned long g_checks = 0;
unsigned long g_failures = 0;
const char* g_context = "";

// Out of line: inlined at each of the thousands of checks, it would not fit the M0's flash.
__attribute__((noinline)) bool check_(bool ok, const char* what, int line) {
    ++g_checks;
    if (!ok) {
        ++g_failures;
        if (g_failures <= 25) std::printf("FAIL [%s] line %d: %s\n", g_context, line, what);
    }
    return ok;
}
#define CHECK(cond) check_(static_cast<bool>(cond), #cond, __LINE__)
// The reference model's verdict (tests/model/pool_model.hpp) as one check, printed with what broke.
bool check_model_(tinymem_test::mismatch m, int line) { return check_(!m, m.what, line); }
#define CHECK_MODEL(verdict) check_model_((verdict), __LINE__)

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

using error = tinymem::error;

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

// The churn's reference model of a pool of type Pool: up to max_blocks live blocks, and the
// last 32 freed handles.
template <class Pool>
using churn_model = tinymem_test::pool_model<Pool, max_blocks, 32>;

// The suites (one per configuration) run one after another and share these. g_scratch holds a
// suite's handles, or in its churn (which uses none of them) the model. Models differ only in
// their handles' width, and config32's are the widest (new_model() checks that each fits).
constexpr std::size_t handle_entry = 8;
constexpr std::size_t scratch_bytes =
    max_handles * handle_entry > sizeof(churn_model<tinymem::basic_pool<tinymem::config32>>)
        ? max_handles * handle_entry
        : sizeof(churn_model<tinymem::basic_pool<tinymem::config32>>);
alignas(64) std::byte g_buffer[pool_bytes];
alignas(16) std::byte g_other_buffer[1024];
alignas(16) std::byte g_scratch[scratch_bytes];

// Block contents and pool invariants, for either engine (basic_pool, basic_bump_pool).
// The bytes are the model's pattern (tests/model/pool_model.hpp): it depends on the seed and the
// offset, so a moved, truncated or swapped block is noticed.
template <class Pool>
void fill(Pool& p, typename Pool::handle h, std::uint32_t seed, std::size_t bytes) {
    auto* d = static_cast<unsigned char*>(p.data(h));
    if (CHECK(d != nullptr)) tinymem_test::write_pattern(d, seed, 0, bytes);
}
template <class Pool>
bool holds(Pool& p, typename Pool::handle h, std::uint32_t seed, std::size_t bytes) {
    const auto* d = static_cast<const unsigned char*>(p.data(h));
    return d != nullptr && tinymem_test::holds_pattern(d, seed, bytes);
}
template <class Pool>
bool pool_ok(const Pool& p) {
    const tinymem::check_result r = p.check();
    if (!r.ok()) std::printf("  check(): %s at byte %lu\n", r.problem, static_cast<unsigned long>(r.offset));
    return r.ok();
}

// A suite's handle array (max_handles), built in g_scratch.
template <class Handle>
Handle* scratch_handles() {
    static_assert(sizeof(Handle) <= handle_entry && alignof(Handle) <= 16);
    auto* hs = reinterpret_cast<Handle*>(g_scratch);
    for (std::size_t i = 0; i < max_handles; ++i) ::new (static_cast<void*>(hs + i)) Handle{};
    return hs;
}
// The churn's model, empty, built in g_scratch over the suite's handles.
template <class Pool>
churn_model<Pool>& new_model() {
    static_assert(sizeof(churn_model<Pool>) <= sizeof g_scratch && alignof(churn_model<Pool>) <= 16);
    return *::new (static_cast<void*>(g_scratch)) churn_model<Pool>();
}

// The whole of g_buffer, which every suite's pools take in turn.
std::span<std::byte> whole() { return std::span<std::byte>(g_buffer, pool_bytes); }

// Whether Pool is the lean engine (basic_bump_pool): the shared cases below add what only its
// layout promises (where compaction puts each block, exact compaction counts).
template <class Pool>
inline constexpr bool is_lean = false;
template <class Config>
inline constexpr bool is_lean<tinymem::basic_bump_pool<Config>> = true;

// Allocates blocks of assorted sizes into hs[0..n), then frees every other one: a pool full of
// holes. Result: how many were allocated.
template <class Pool>
std::size_t fragment(Pool& p, typename Pool::handle* hs, std::size_t n) {
    std::size_t made = 0;
    for (; made < n; ++made) {
        const std::size_t bytes = 24 + (made * 37) % 180;
        hs[made] = p.allocate(bytes);
        if (!hs[made]) break;
        fill(p, hs[made], std::uint32_t(made), bytes);
    }
    for (std::size_t i = 0; i < made; i += 2) {
        CHECK(p.deallocate(hs[i]));
        hs[i] = typename Pool::handle{};
    }
    return made;
}
// Whether the blocks fragment() left still hold what it wrote.
template <class Pool>
bool survivors_hold(Pool& p, const typename Pool::handle* hs, std::size_t made) {
    bool ok = true;
    for (std::size_t i = 1; i < made; i += 2)
        ok = holds(p, hs[i], std::uint32_t(i), 24 + (i * 37) % 180) && ok;
    return ok;
}
// The lean engine: whether fragment()'s survivors sit in their order from the pool's first
// block on, with nothing between them but for holes before blocks of more than `larger` bytes
// (header included): what its compaction leaves.
template <class Pool>
bool survivors_packed(Pool& p, const typename Pool::handle* hs, std::size_t made, std::size_t larger) {
    static_assert(is_lean<Pool>);
    constexpr std::size_t word = sizeof(typename Pool::word_type);
    const std::byte* expect = g_buffer + Pool::config_type::granule;
    for (std::size_t i = 1; i < made; i += 2) {
        const auto* d = static_cast<const std::byte*>(p.data(hs[i]));
        if (d != expect && !(d > expect && p.size(hs[i]) + word > larger)) return false;
        expect = d + p.size(hs[i]) + word;
    }
    return true;
}

// Far more defrag_step calls than compacting `made` blocks and holes takes with a budget of two
// visits.
constexpr unsigned step_limit(std::size_t made) { return unsigned(8 * made + 64); }
// Steps until one returns true, checking that none moves more than its budget, and every 16
// steps the pool and fragment()'s survivors; with `interleave`, every fifth step is preceded by
// the allocation or the release of a 48-byte block, until a step finds nothing to do (then the
// block is released and the steps go on alone, so they end). Result: the steps
// taken, or 0 when `limit` steps did not finish; when not 0, the last step found nothing to do
// after the last other call.
template <class Pool>
unsigned steps_until_done(Pool& p, const typename Pool::handle* hs, std::size_t budget, unsigned limit, std::size_t made,
                          bool interleave) {
    typename Pool::handle extra{};
    for (unsigned steps = 1; steps <= limit; ++steps) {
        if (interleave && steps % 5 == 0) {
            if (extra) {
                CHECK(p.deallocate(extra));
                extra = typename Pool::handle{};
            } else {
                extra = p.allocate(48);
                CHECK(extra);
            }
        }
        const std::uint64_t moved = p.bytes_moved();
        const bool done = p.defrag_step(budget);
        if (!CHECK(p.bytes_moved() - moved <= budget)) return 0;
        if (steps % 16 == 0) {
            CHECK(pool_ok(p));
            CHECK(survivors_hold(p, hs, made));
        }
        if (done) {
            if (!extra) return steps;
            CHECK(p.deallocate(extra)); // then steps again, without other calls
            extra = typename Pool::handle{};
            interleave = false;
        }
    }
    if (extra) CHECK(p.deallocate(extra));
    return 0;
}

// The pin rules both engines share, on an empty pool: a pinned block refuses deallocate and
// stays through defrag() (the hole before it too), guards are move-only and nest with
// acquire_pin, pins nest up to max_pins, then overflow; unpin below zero fails. Leaves hs[i] for
// odd i in [3, n) live, unpinned and compacted; the rest freed.
template <class Pool>
void pin_rules(Pool& p, typename Pool::handle* hs, unsigned n) {
    constexpr std::size_t word = sizeof(typename Pool::word_type);
    for (unsigned i = 0; i < n; ++i) {
        hs[i] = p.allocate(20 + 7 * i);
        CHECK(hs[i]);
        fill(p, hs[i], 100 + i, 20 + 7 * i);
    }
    for (unsigned i = 0; i < n; i += 2) CHECK(p.deallocate(hs[i]));
    const auto mid = hs[n / 2 + 1];
    {
        auto guard = p.pin(mid);
        CHECK(guard && p.pin_count(mid) == 1 && guard.get_handle() == mid);
        const void* at = guard.data();
        CHECK(at == p.data(mid) && guard.template get<std::uint8_t>() == at);
        CHECK(p.stats().pinned_bytes == p.size(mid) + word);
        CHECK(!p.deallocate(mid) && p.last_error() == error::pinned);
        p.defrag();
        // Compact but for the hole the blocks before mid left behind them.
        CHECK(p.data(mid) == at);
        const tinymem::pool_stats s = p.stats();
        CHECK(s.free_bytes > s.largest_free_bytes);
        for (unsigned i = 1; i < n; i += 2) CHECK(holds(p, hs[i], 100 + i, 20 + 7 * i));
        CHECK(pool_ok(p));
        auto moved = static_cast<decltype(guard)&&>(guard); // guards are move-only
        CHECK(!guard && moved && p.pin_count(mid) == 1 && moved.data() == at);
        decltype(guard) other;
        CHECK(!other);
        other = static_cast<decltype(guard)&&>(moved);
        CHECK(!moved && other && p.pin_count(mid) == 1);
        CHECK(p.acquire_pin(mid) && p.pin_count(mid) == 2); // pins nest
        other.release();
        CHECK(!other && p.pin_count(mid) == 1 && p.unpin(mid));
    }
    CHECK(p.pin_count(mid) == 0 && p.stats().pinned_bytes == 0);
    // Unpinned, the hole before it closes.
    p.defrag();
    const tinymem::pool_stats s = p.stats();
    CHECK(s.largest_free_bytes == s.free_bytes && s.fragmentation_percent == 0);
    // Nested pins up to the limit, then overflow; unpin below zero fails.
    const auto h = hs[1];
    for (unsigned i = 0; i < Pool::max_pins; ++i) CHECK(p.acquire_pin(h));
    CHECK(p.pin_count(h) == Pool::max_pins);
    CHECK(!p.acquire_pin(h) && p.last_error() == error::pin_overflow);
    {
        auto guard = p.pin(h);
        CHECK(!guard && p.last_error() == error::pin_overflow);
    }
    CHECK(p.pin_count(h) == Pool::max_pins);
    for (unsigned i = 0; i < Pool::max_pins; ++i) CHECK(p.unpin(h));
    CHECK(!p.unpin(h) && p.last_error() == error::not_pinned);
    CHECK(p.pin_count(h) == 0 && p.deallocate(h));
    for (unsigned i = 3; i < n; i += 2) CHECK(holds(p, hs[i], 100 + i, 20 + 7 * i));
    CHECK(pool_ok(p));
}

// Compaction limits, for either engine: blocks of 40 bytes with every other one freed, a request
// larger than any hole. Without a limit it compacts at once; under a limit of 64 bytes it moves
// at most a few steps' bytes, fails with compaction_deferred and changes no block, and the main
// loop's defrag_step(64) calls then make the room.
template <class Pool>
void compaction_limit_rules(std::span<std::byte> buffer, typename Pool::handle* hs) {
    for (const bool limited : {false, true}) {
        Pool p(buffer);
        CHECK(p.compaction_limit() == ~std::size_t{0});
        unsigned n = 0;
        while (n < max_handles && (hs[n] = p.allocate(40))) ++n;
        for (unsigned i = 0; i < n; ++i) {
            if (i % 2 == 0) CHECK(p.deallocate(hs[i]));
            else fill(p, hs[i], 200 + i, 40);
        }
        const tinymem::pool_stats before = p.stats();
        const std::size_t want = before.free_bytes / 2;
        if (limited) p.set_compaction_limit(64);
        CHECK(p.compaction_limit() == (limited ? 64u : ~std::size_t{0}));
        auto h = p.allocate(want);
        if (limited) {
            CHECK(!h && p.last_error() == error::compaction_deferred);
            const tinymem::pool_stats after = p.stats();
            CHECK(after.bytes_moved - before.bytes_moved <= 3 * 64);
            CHECK(after.live_blocks == before.live_blocks && after.free_bytes == before.free_bytes);
            unsigned steps = 0;
            while (!p.defrag_step(64) && steps < 100000) ++steps;
            h = p.allocate(want);
        }
        CHECK(h && p.size(h) >= want);
        for (unsigned i = 1; i < n; i += 2) CHECK(holds(p, hs[i], 200 + i, 40));
        CHECK(pool_ok(p));
    }
}

// Issue 18, for either engine. A deferral ends: three 40-byte blocks freed before one larger than
// the limit, 40-byte blocks after it with every other one freed; once the main loop's steps are
// done (and a step that says so leaves nothing for the next), a request larger than what they
// gather is compaction_limited, not compaction_deferred forever, and is served without the
// limit. For basic_pool, a reserve_handles() beyond the slots is refused and changes nothing.
template <class Pool>
void limit_answers(std::span<std::byte> buffer, typename Pool::handle* hs) {
    Pool p(buffer.first(2048));
    if constexpr (requires { p.reserve_handles(1); }) {
        const tinymem::pool_stats before = p.stats();
        CHECK(!p.reserve_handles(std::size_t(Pool::config_type::max_slots) + 1) && p.last_error() == error::out_of_handles);
        CHECK(p.stats().table_bytes == before.table_bytes && p.stats().free_bytes == before.free_bytes);
        CHECK(p.reserve_handles(64));
    }
    unsigned n = 0;
    for (; n < 3; ++n) hs[n] = p.allocate(40);
    const auto large = p.allocate(300);
    CHECK(bool(large));
    fill(p, large, 77, 300);
    while (n < max_handles && (hs[n] = p.allocate(40))) ++n;
    std::size_t front = 0;
    for (unsigned i = 0; i < 3; ++i) {
        front += p.size(hs[i]) + sizeof(typename Pool::word_type);
        CHECK(p.deallocate(hs[i]));
    }
    for (unsigned i = 3; i < n; i += 2) CHECK(p.deallocate(hs[i]));
    p.set_compaction_limit(64);
    unsigned steps = 0;
    while (!p.defrag_step(64) && steps < 100000) ++steps;
    const std::uint64_t moved = p.bytes_moved();
    CHECK(p.defrag_step(64) && p.bytes_moved() == moved);
    const std::size_t want = p.stats().free_bytes - front + 8;
    CHECK(!p.allocate(want) && p.last_error() == error::compaction_limited);
    CHECK(holds(p, large, 77, 300));
    p.set_compaction_limit(~std::size_t{0});
    CHECK(bool(p.allocate(want)));
    CHECK(holds(p, large, 77, 300));
    CHECK(pool_ok(p));
}

// What stats() says of a pool full of holes, and of one defrag() compacted. Out of line, one
// copy for every pool type.
__attribute__((noinline)) void check_fragmented(const tinymem::pool_stats& s) {
    CHECK(s.largest_free_bytes < s.free_bytes);
    CHECK(s.fragmentation_percent > 0);
}
__attribute__((noinline)) void check_defragmented(const tinymem::pool_stats& s) {
    CHECK(s.largest_free_bytes == s.free_bytes);
    CHECK(s.fragmentation_percent == 0);
    CHECK(s.compactions >= 1 && s.bytes_moved > 0);
}

// defrag(), for either engine, over a pool full of holes: it closes them all, moves blocks and
// keeps their bytes, and a second one moves nothing. Then a request larger than any hole but
// within the free bytes compacts on demand. The lean engine also puts every block where its
// layout says, in exactly one compaction.
template <class Pool>
void defrag_rules(typename Pool::handle* hs) {
    {
        Pool p(whole());
        const std::size_t made = fragment(p, hs, max_handles);
        CHECK(made > scaled(100));
        check_fragmented(p.stats());
        p.defrag();
        const tinymem::pool_stats s = p.stats();
        check_defragmented(s);
        CHECK(survivors_hold(p, hs, made));
        if constexpr (is_lean<Pool>) CHECK(survivors_packed(p, hs, made, ~std::size_t{0}));
        CHECK(pool_ok(p));
        // Compact: a second defrag moves nothing.
        p.defrag();
        CHECK(p.stats().bytes_moved == s.bytes_moved);
    }
    Pool p(whole());
    const std::size_t made = fragment(p, hs, max_handles);
    const tinymem::pool_stats s = p.stats();
    const std::size_t want = s.largest_free_bytes + 256;
    CHECK(want < s.free_bytes);
    const auto big = p.allocate(want);
    CHECK(big && p.size(big) >= want);
    if constexpr (is_lean<Pool>) {
        CHECK(p.stats().compactions == s.compactions + 1);
        CHECK(survivors_packed(p, hs, made, ~std::size_t{0}));
    } else {
        CHECK(p.stats().compactions >= 1);
    }
    CHECK(survivors_hold(p, hs, made));
    CHECK(pool_ok(p));
}

// defrag_step, for either engine, over a pool full of holes, interleaved with other calls: with
// 256 bytes a step can move every block fragment() makes (up to 203 bytes and a header), so the
// steps end, none over its budget, with the pool compact and the blocks intact; a further step
// has nothing to do. The lean engine's blocks also sit where its layout says.
template <class Pool>
void defrag_step_rules(typename Pool::handle* hs) {
    Pool p(whole());
    const std::size_t made = fragment(p, hs, max_handles);
    const unsigned steps = steps_until_done(p, hs, 256, step_limit(made), made, true);
    if (CHECK(steps != 0)) {
        CHECK(steps > scaled(10));
        const tinymem::pool_stats s = p.stats();
        CHECK(s.largest_free_bytes == s.free_bytes);
        if constexpr (is_lean<Pool>) CHECK(survivors_packed(p, hs, made, ~std::size_t{0}));
        CHECK(p.defrag_step(256)); // compact: nothing to do
        std::printf("  [%s] defrag_step(256): %u steps to compact %lu blocks\n", g_context, steps,
                    static_cast<unsigned long>(made / 2));
    } else {
        std::printf("  [%s] defrag_step(256) not done after %u steps (%lu blocks, %lu B moved)\n", g_context,
                    step_limit(made), static_cast<unsigned long>(made / 2),
                    static_cast<unsigned long>(p.stats().bytes_moved));
    }
    CHECK(survivors_hold(p, hs, made));
    CHECK(pool_ok(p));
}

// Running out, for either engine: 200-byte blocks into hs until the pool refuses one, for lack
// of bytes or of handles, counted in stats(); the pool stays sound. With `report`, prints how
// full it got. Result: how many it allocated.
template <class Pool>
std::size_t fill_up(Pool& p, typename Pool::handle* hs, bool report) {
    std::size_t n = 0;
    while (n < max_handles && (hs[n] = p.allocate(200))) ++n;
    CHECK(n > scaled(50) && n < max_handles);
    CHECK(p.last_error() == error::out_of_memory || p.last_error() == error::out_of_handles);
    CHECK(p.stats().failed[unsigned(p.last_error())] >= 1);
    CHECK(pool_ok(p));
    if (report) {
        const tinymem::pool_stats full = p.stats();
        std::printf("  [%s] full after %lu blocks of 200 B: %lu B free, %lu free handles\n", g_context,
                    static_cast<unsigned long>(n), static_cast<unsigned long>(full.free_bytes),
                    static_cast<unsigned long>(full.free_handles));
    }
    return n;
}

// (These four cases stay out of line: inlined into the suites, they took more of the M0's flash.)
// Stale handles, for either engine: every use of freed handles a and c (c may be a, or have its
// slot reused already) is refused as stale; then a's slot gets reused, and both stay stale,
// never aliasing a new block.
template <class Pool>
__attribute__((noinline)) void stale_rules(Pool& p, typename Pool::handle a, typename Pool::handle c) {
    for (const auto h : {a, c}) {
        CHECK(!p.valid(h));
        CHECK(p.data(h) == nullptr);
        CHECK(p.size(h) == 0);
        CHECK(p.pin_count(h) == 0);
        CHECK(!p.deallocate(h) && p.last_error() == error::stale_handle);
        CHECK(!p.reallocate(h, 10) && p.last_error() == error::stale_handle);
        CHECK(!p.acquire_pin(h) && p.last_error() == error::stale_handle);
        CHECK(!p.unpin(h) && p.last_error() == error::stale_handle);
        auto guard = p.pin(h);
        CHECK(!guard && guard.data() == nullptr && p.last_error() == error::stale_handle);
    }
    for (int i = 0; i < 40; ++i) {
        const auto x = p.allocate(16);
        CHECK(x && x != a && x != c);
        CHECK(!p.valid(a) && p.data(a) == nullptr && !p.valid(c));
        if (i % 2 == 0) CHECK(p.deallocate(x));
    }
}

// Null, forged and foreign handles, for either engine: every call refuses each as invalid, and
// the foreign one (from another pool of the same type) stays its own pool's, where p's block b
// is not valid. (One loop over the three: the M0's flash holds the checks once.)
template <class Pool>
__attribute__((noinline)) void invalid_handle_rules(Pool& p, typename Pool::handle b) {
    using handle = typename Pool::handle;
    Pool q(std::span<std::byte>(g_other_buffer, sizeof g_other_buffer));
    const handle foreign = q.allocate(8);
    CHECK(foreign);
    for (const handle h : {handle{}, handle(~typename handle::value_type{0}), foreign}) {
        CHECK(!p.valid(h));
        CHECK(p.data(h) == nullptr);
        CHECK(p.size(h) == 0);
        CHECK(!p.deallocate(h) && p.last_error() == error::invalid_handle);
        CHECK(!p.reallocate(h, 8) && p.last_error() == error::invalid_handle);
        CHECK(!p.acquire_pin(h) && p.last_error() == error::invalid_handle);
        CHECK(!p.unpin(h) && p.last_error() == error::invalid_handle);
    }
    CHECK(q.valid(foreign) && !q.valid(b) && q.deallocate(foreign));
}

// Buffers that cannot hold a pool, for either engine: every allocation fails with bad_buffer,
// check() reports the pool unusable, steps have nothing to do; p's block b is not valid there.
// A buffer starting off the granule is rounded up, not misused. The lean engine also takes
// exactly four granules at the least.
template <class Pool>
__attribute__((noinline)) void bad_buffer_rules(typename Pool::handle b) {
    constexpr std::size_t granule = Pool::config_type::granule;
    const auto at = [](const void* d) { return static_cast<const std::byte*>(d); };
    {
        Pool tiny(std::span<std::byte>(g_other_buffer, 4));
        CHECK(!tiny.usable());
        CHECK(tiny.capacity() == 0);
        CHECK(!tiny.allocate(1) && tiny.last_error() == error::bad_buffer);
        CHECK(!tiny.allocate(1, 3) && tiny.last_error() == error::bad_buffer);
        CHECK(!tiny.valid(b) && tiny.data(b) == nullptr);
        CHECK(tiny.defrag_step(256) && !tiny.check().ok() && tiny.stats().capacity_bytes == 0);
        tiny.defrag();
        Pool none(std::span<std::byte>{});
        CHECK(!none.usable());
        CHECK(!none.allocate(1) && none.last_error() == error::bad_buffer);
    }
    if constexpr (is_lean<Pool>) {
        // Four granules are the least a pool takes; three are refused.
        Pool three(std::span<std::byte>(g_other_buffer, 3 * granule));
        CHECK(!three.usable());
        Pool four(std::span<std::byte>(g_other_buffer, 4 * granule));
        CHECK(four.usable() && four.capacity() == 4 * granule);
        const auto f = four.allocate(1);
        CHECK(f && pool_ok(four));
    }
    Pool odd(std::span<std::byte>(g_other_buffer + 1, sizeof g_other_buffer - 1));
    CHECK(odd.usable());
    CHECK(odd.capacity() <= sizeof g_other_buffer - granule);
    CHECK(odd.capacity() + 2 * granule > sizeof g_other_buffer);
    const auto o = odd.allocate(24);
    CHECK(o && aligned(odd.data(o), granule));
    CHECK(at(odd.data(o)) > g_other_buffer && at(odd.data(o)) + odd.size(o) <= g_other_buffer + sizeof g_other_buffer);
    CHECK(pool_ok(odd));
}

// What bad_request_rules' requests may change in stats() (`before` them, `after`): nothing but
// the failure counts, by one a request; `exact`, the lean engine's, counts each kind exactly (for
// basic_pool, at least the too_large ones). Out of line, one copy for every pool type.
__attribute__((noinline)) void check_refusals(const tinymem::pool_stats& before, const tinymem::pool_stats& after,
                                              bool exact) {
    CHECK(after.used_bytes == before.used_bytes && after.live_blocks == before.live_blocks);
    CHECK(after.free_bytes == before.free_bytes && after.bytes_moved == before.bytes_moved);
    const auto failed = [&](error e) { return after.failed[unsigned(e)] - before.failed[unsigned(e)]; };
    if (exact) {
        CHECK(failed(error::zero_size) == 2);
        CHECK(failed(error::too_large) == 6);
        CHECK(failed(error::bad_alignment) == 4);
        CHECK(failed(error::not_pinned) == 1);
    } else {
        CHECK(failed(error::too_large) >= 4);
    }
}

// Bad requests, for either engine, leave the pool as it was: each is refused with its error and
// counted in stats(); block b (`bytes` of pattern `seed`, size b_size) keeps its place, size and
// bytes. The lean engine also refuses over-alignment and a request of its whole capacity (with
// the header it does not fit), and counts each failure exactly.
template <class Pool>
__attribute__((noinline)) void bad_request_rules(Pool& p, typename Pool::handle b, std::uint32_t seed, std::size_t bytes,
                                                 std::size_t b_size) {
    constexpr std::size_t granule = Pool::config_type::granule;
    const void* const b_at = p.data(b);
    const tinymem::pool_stats before = p.stats();
    CHECK(!p.allocate(0) && p.last_error() == error::zero_size);
    CHECK(!p.allocate(std::size_t(-1)) && p.last_error() == error::too_large);
    CHECK(!p.allocate(std::size_t(-1) - granule) && p.last_error() == error::too_large);
    CHECK(!p.allocate(p.capacity() + 1) && p.last_error() == error::too_large);
    if constexpr (is_lean<Pool>)
        CHECK(!p.allocate(p.capacity()) && p.last_error() == error::too_large); // with its header
    CHECK(!p.allocate(16, 3) && p.last_error() == error::bad_alignment);
    CHECK(!p.allocate(16, 0) && p.last_error() == error::bad_alignment);
    if constexpr (is_lean<Pool>)
        CHECK(!p.allocate(16, 2 * granule) && p.last_error() == error::bad_alignment); // no over-alignment
    CHECK(!p.allocate(16, std::size_t(1) << 30) && p.last_error() == error::bad_alignment);
    CHECK(!p.reallocate(b, std::size_t(-1)) && p.last_error() == error::too_large);
    if constexpr (is_lean<Pool>) CHECK(!p.reallocate(b, p.capacity()) && p.last_error() == error::too_large);
    CHECK(!p.reallocate(b, 0) && p.last_error() == error::zero_size);
    CHECK(!p.unpin(b) && p.last_error() == error::not_pinned);
    CHECK(p.data(b) == b_at && holds(p, b, seed, bytes) && p.size(b) == b_size);
    check_refusals(before, p.stats(), is_lean<Pool>);
    CHECK(pool_ok(p));
}

// The churns' request sizes: mostly up to 64 bytes, some up to 1 KiB, a few up to 6 KiB (of a
// 32 KiB pool); and the new sizes of their reallocations: mostly up to 200 bytes, some up to
// 3000. Two draws of r each.
std::uint32_t request_bytes(rng& r) {
    const std::uint32_t kind = r.below(100);
    if (kind < 70) return 1 + r.below(64);
    if (kind < 95) return 1 + r.below(scaled(1024));
    return 1 + r.below(scaled(6000));
}
std::uint32_t resize_bytes(rng& r) { return 1 + r.below(r.below(4) == 0 ? scaled(3000) : 200); }

// A churn's request: a size drawn by request_bytes(), the granule as alignment but one time in
// `odd_one_in` a power of two up to 2^max_log2. Out of line, one copy for every churn.
struct request {
    std::uint32_t bytes, align;
};
__attribute__((noinline)) request draw_request(rng& r, std::uint32_t granule, std::uint32_t odd_one_in,
                                               std::uint32_t max_log2) {
    const std::uint32_t bytes = request_bytes(r);
    return {bytes, r.below(odd_one_in) == 0 ? 1u << r.below(max_log2 + 1) : granule};
}
// Checks that a churn's refused allocation says the pool has no room for it.
__attribute__((noinline)) void check_no_room(error e) {
    CHECK(e == error::out_of_memory || e == error::out_of_handles || e == error::fragmented_by_pins);
}
// A churn's allocation of a request drawn by draw_request(); a refusal must say there is no room
// (checked). Result: the handle (null when refused), the size and the alignment.
template <class Pool>
struct churn_request {
    typename Pool::handle h;
    std::uint32_t bytes, align;
};
template <class Pool>
churn_request<Pool> churn_allocate(Pool& p, rng& r, std::uint32_t odd_one_in, std::uint32_t max_log2) {
    const request q = draw_request(r, std::uint32_t(Pool::config_type::granule), odd_one_in, max_log2);
    const typename Pool::handle h = p.allocate(q.bytes, q.align);
    if (!h) check_no_room(p.last_error());
    return {h, q.bytes, q.align};
}

// Runs suite Suite (its cases()) under `name`: its handles in g_scratch, then the checks it made
// and those that failed, printed. Not inlined: main would hold every suite's frame at once,
// beyond the M0's stack.
template <class Suite>
__attribute__((noinline)) void run_suite(const char* name, std::uint64_t seed, unsigned long ops) {
    g_context = name;
    Suite::hs = scratch_handles<typename Suite::handle>();
    const unsigned long before = g_failures, checks = g_checks;
    Suite::cases(seed, ops);
    std::printf("[%s] %lu checks, %lu failed\n", name, g_checks - checks, g_failures - before);
}

// A pool<Bytes> in .bss, constructed by a static constructor (init_array).
tinymem::pool<scaled(8192)> g_bss_pool;

template <class Config>
struct suite {
    using pool_t = tinymem::basic_pool<Config>;
    using handle = typename pool_t::handle;
    static constexpr std::size_t granule = Config::granule;

    static inline handle* hs = nullptr; // in g_scratch (built by run_suite())

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
        stale_rules(p, a, a);
        CHECK(holds(p, b, 2, 1));
        invalid_handle_rules(p, b);
        // Bad requests leave the pool unchanged.
        bad_request_rules(p, b, 2, 1, p.size(b));
        bad_buffer_rules<pool_t>(b);
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
        pin_rules(p, hs, n);
        // allocate_pinned: placed at the top, never moves, freed with deallocate.
        const handle fixed = p.allocate_pinned(200);
        CHECK(fixed && p.pin_count(fixed) == pool_t::max_pins + 1);
        fill(p, fixed, 7, 200);
        const void* fixed_at = p.data(fixed);
        for (unsigned i = 3; i < n; i += 2)
            CHECK(static_cast<const std::byte*>(p.data(hs[i])) < static_cast<const std::byte*>(fixed_at));
        CHECK(p.deallocate(hs[3]));
        p.defrag();
        CHECK(p.data(fixed) == fixed_at && holds(p, fixed, 7, 200));
        CHECK(p.deallocate(fixed));
        CHECK(!p.valid(fixed));
        CHECK(pool_ok(p));
    }

    // ---- running out ----------------------------------------------------------------------
    static void exhaustion() {
        pool_t p(whole());
        const std::size_t n = fill_up(p, hs, true);
        // Small blocks still fit into what is left.
        const tinymem::pool_stats full = p.stats();
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
    // The model (tests/model/pool_model.hpp) checks each block it names and, after every call,
    // that no pinned block moved; every 128 calls, every block and stats() against it.
    static void churn(std::uint64_t seed, unsigned long ops) {
        rng r{seed};
        pool_t p(whole());
        churn_model<pool_t>& m = new_model<pool_t>();
        unsigned long allocs = 0, fails = 0, table_fails = 0, reallocs = 0, steps = 0, full_checks = 0;
        for (unsigned long op = 0; op < ops; ++op) {
            const std::uint32_t what = r.below(100);
            if (what < 40 && !m.full()) {
                const auto [h, bytes, align] = churn_allocate(p, r, 10, 6); // aligned 1 .. 64
                if (!h) {
                    ++fails;
                    const error e = p.last_error();
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
                CHECK_MODEL(m.add(p, h, bytes, align, std::uint32_t(r.next())));
            } else if (what < 70 && !m.empty()) {
                const std::size_t i = r.below(std::uint32_t(m.size()));
                const handle h = m[i].h;
                CHECK_MODEL(m.check_block(p, i));
                if (m[i].pins != 0) {
                    CHECK(!p.deallocate(h) && p.last_error() == m.deallocate_error(i));
                    CHECK(p.unpin(h));
                    m.unpinned_one(i);
                }
                CHECK(p.deallocate(h));
                m.remove(i);
                CHECK_MODEL(m.check_stale(p, h));
            } else if (what < 80 && !m.empty()) {
                const std::size_t i = r.below(std::uint32_t(m.size()));
                const std::uint32_t bytes = resize_bytes(r);
                if (p.reallocate(m[i].h, bytes)) {
                    ++reallocs;
                    // Then new contents (over a block that failed its check, none: the model
                    // may expect more bytes than it has).
                    const auto fresh = std::uint32_t(r.next());
                    if (CHECK_MODEL(m.resized(p, i, bytes))) m.rewrite(p, i, fresh);
                } else {
                    const error e = p.last_error();
                    CHECK(e == error::out_of_memory || e == error::out_of_handles ||
                          e == error::fragmented_by_pins || (m[i].pins != 0 && e == error::pinned));
                    CHECK_MODEL(m.check_block(p, i));
                }
            } else if (what < 85 && !m.empty()) {
                const std::size_t i = r.below(std::uint32_t(m.size()));
                if (m[i].pins != 0) {
                    CHECK(p.unpin(m[i].h));
                    m.unpinned_one(i);
                } else if (r.below(3) == 0) {
                    CHECK(p.acquire_pin(m[i].h));
                    m.pinned_one(p, i);
                }
            } else if (what < 97) {
                ++steps;
                p.defrag_step(16u << r.below(6));
            } else if (what < 98) {
                p.defrag();
            } else if (m.freed_count() > 0) {
                // A freed handle stays stale, even after its slot was reused.
                const handle old = m.freed_at(r.below(std::uint32_t(m.freed_count()))).h;
                CHECK_MODEL(m.check_stale(p, old));
                CHECK(!p.deallocate(old) && p.last_error() == error::stale_handle);
            }
            CHECK_MODEL(m.check_pins(p));
            if (op % 128 == 127) {
                ++full_checks;
                for (std::size_t i = 0; i < m.size(); ++i)
                    if (!CHECK_MODEL(m.check_block(p, i))) break;
                CHECK_MODEL(m.check_all(p));
                CHECK(pool_ok(p));
            }
        }
        for (std::size_t i = 0; i < m.size(); ++i) CHECK_MODEL(m.check_block(p, i));
        CHECK_MODEL(m.free_all(p, [](handle) {}));
        CHECK(pool_ok(p));
        CHECK_MODEL(m.check_all(p));
        const tinymem::pool_stats s = p.stats();
        std::printf("  [%s] churn: %lu ops, %lu allocations (%lu refused), %lu reallocations, "
                    "%lu defrag steps, %lu KiB moved, %lu full checks; %lu refusals while the table was full\n",
                    g_context, ops, allocs, fails, reallocs, steps,
                    static_cast<unsigned long>(s.bytes_moved / 1024), full_checks, table_fails);
    }

    static void cases(std::uint64_t seed, unsigned long ops) {
        basic();
        reallocation();
        pins();
        defrag_rules<pool_t>(hs);
        defrag_step_rules<pool_t>(hs);
        compaction_limit_rules<pool_t>(whole(), hs);
        limit_answers<pool_t>(whole(), hs);
        exhaustion();
        churn(seed, ops);
    }
};

// ---- the lean engine: basic_bump_pool ---------------------------------------------------------
// The same handles, errors and pins as basic_pool, but blocks go at the top, a freed block is a
// hole until a compaction slides the blocks after it down, over-alignment is refused and there
// is no allocate_pinned, handle_of or map. Its suites run after basic_pool's, over the same
// g_buffer and g_scratch (a model entry and a handle fit there as they do for basic_pool).
template <class Config>
struct bump_suite {
    using pool_t = tinymem::basic_bump_pool<Config>;
    using handle = typename pool_t::handle;
    using model_t = churn_model<pool_t>;
    static constexpr std::size_t granule = Config::granule;
    // Each block has one header word in the heap (just before its data) and one table word.
    static constexpr std::size_t word = sizeof(typename Config::word_type);
    static constexpr unsigned granule_log2 = granule == 4 ? 2 : granule == 8 ? 3 : 4;

    static inline handle* hs = nullptr; // in g_scratch (built by run_suite())

    static const std::byte* at(const void* p) { return static_cast<const std::byte*>(p); }
    // The granules a request takes (its header included) and the usable bytes it gets: the
    // header word sits in the granule before the data, so a block is a whole number of granules.
    static constexpr std::size_t granules(std::size_t bytes) { return (bytes + word + granule - 1) / granule; }
    static constexpr std::size_t usable(std::size_t bytes) { return granules(bytes) * granule - word; }
    // Where the block after `h` starts when nothing lies between them.
    static const std::byte* end_of(pool_t& p, handle h) { return at(p.data(h)) + p.size(h) + word; }

    // ---- allocate / deallocate, the layout, stale handles --------------------------------------
    static void basic() {
        pool_t p(whole());
        CHECK(p.usable());
        CHECK(p.capacity() == pool_bytes); // g_buffer is aligned: nothing is cut
        tinymem::pool_stats s = p.stats();
        CHECK(s.live_blocks == 0 && s.used_bytes == 0 && s.table_bytes == 0 && s.pinned_bytes == 0);
        CHECK(s.free_bytes + 2 * granule >= pool_bytes && s.free_bytes <= pool_bytes);
        CHECK(s.largest_free_bytes == s.free_bytes && s.fragmentation_percent == 0);
        // The largest request a fresh pool can serve, as stats() promises (its slot included).
        {
            const handle all = p.allocate(s.largest_allocatable);
            if (!CHECK(all))
                std::printf("  [%s] fresh pool: allocate(largest_allocatable = %lu) failed: %s\n", g_context,
                            static_cast<unsigned long>(s.largest_allocatable), tinymem::to_string(p.last_error()));
            else
                CHECK(p.deallocate(all));
        }
        CHECK(pool_ok(p));

        const handle a = p.allocate(100);
        CHECK(a && p.valid(a));
        CHECK(p.size(a) == usable(100));
        CHECK(aligned(p.data(a), granule));
        CHECK(p.template get<std::uint32_t>(a) == p.data(a));
        fill(p, a, 1, 100);
        const handle b = p.allocate(1);
        CHECK(b && b != a && p.size(b) == usable(1));
        fill(p, b, 2, 1);
        // The layout the header draws: the first block's data at granule 1 (its header before
        // it), the next block bumped right after it.
        if (CHECK(a && b)) {
            CHECK(at(p.data(a)) == g_buffer + granule);
            CHECK(at(p.data(b)) == end_of(p, a));
        }
        CHECK(holds(p, a, 1, 100) && holds(p, b, 2, 1));
        s = p.stats();
        CHECK(s.live_blocks == 2 && s.used_bytes == (granules(100) + granules(1)) * granule);
        CHECK(s.table_bytes == 2 * word && s.free_handles == 0);
        // The heap is the blocks, the free space and the table, but for under two granules of
        // rounding (the first header's granule, the table's last partial granule).
        CHECK(s.used_bytes + s.free_bytes + s.table_bytes <= p.capacity());
        CHECK(s.used_bytes + s.free_bytes + s.table_bytes + 2 * granule > p.capacity());
        CHECK(pool_ok(p));

        // A freed block below the top is a hole allocate() does not look at: the next block
        // still goes at the top, after b.
        const void* const a_at = p.data(a);
        CHECK(p.deallocate(a));
        const handle c = p.allocate(8);
        CHECK(c && at(p.data(c)) == end_of(p, b) && p.data(c) != a_at);
        s = p.stats();
        CHECK(s.free_bytes == s.largest_free_bytes + granules(100) * granule); // the top, and a's hole
        // Freeing the topmost block lowers the top: the next block takes its place.
        const void* const c_at = p.data(c);
        CHECK(p.deallocate(c));
        const handle c2 = p.allocate(8);
        CHECK(c2 && c2 != c && p.data(c2) == c_at);
        CHECK(holds(p, b, 2, 1));
        CHECK(pool_ok(p));

        // Every use of a freed handle is refused as stale.
        stale_rules(p, a, c);
        CHECK(holds(p, b, 2, 1));
        CHECK(pool_ok(p));

        // Null, forged and foreign handles: another bump pool's, and a basic_pool's (same type).
        invalid_handle_rules(p, b);
        {
            tinymem::basic_pool<Config> q(std::span<std::byte>(g_other_buffer, sizeof g_other_buffer));
            const handle foreign = q.allocate(8);
            CHECK(foreign && !p.valid(foreign));
            CHECK(!p.deallocate(foreign) && p.last_error() == error::invalid_handle);
            CHECK(!q.valid(b) && q.deallocate(foreign));
        }
        CHECK(holds(p, b, 2, 1));
        CHECK(pool_ok(p));
    }

    // ---- bad input leaves the pool as it was ------------------------------------------------
    static void bad_input() {
        pool_t p(whole());
        const handle b = p.allocate(40);
        fill(p, b, 3, 40);
        // Every alignment up to the granule is served (blocks are granule-aligned anyway).
        for (std::size_t align = 1; align <= granule; align *= 2) {
            const handle x = p.allocate(5, align);
            CHECK(x && aligned(p.data(x), granule));
            CHECK(p.deallocate(x));
        }
        bad_request_rules(p, b, 3, 40, usable(40));
        bad_buffer_rules<pool_t>(b);
    }

    // ---- bump_pool<Bytes>: the pool and its storage in one object ------------------------------
    // Built in g_buffer, which no other pool uses now: no new static array for the M0's 16 KiB.
    static void embedded() {
        using embedded_t = tinymem::bump_pool<scaled(8192), Config>;
        static_assert(sizeof(embedded_t) <= pool_bytes && alignof(embedded_t) <= 64);
        CHECK(sizeof(embedded_t) == scaled(8192)); // Bytes is the whole footprint
        auto* e = ::new (static_cast<void*>(g_buffer)) embedded_t;
        CHECK(e->usable());
        CHECK(e->capacity() <= sizeof(embedded_t) - sizeof(pool_t));
        CHECK(e->capacity() + granule >= sizeof(embedded_t) - sizeof(pool_t));
        const handle h = e->allocate(scaled(4000));
        CHECK(h && e->size(h) >= scaled(4000));
        if (h) {
            CHECK(at(e->data(h)) > at(e) && at(e->data(h)) + e->size(h) <= at(e) + sizeof(embedded_t));
            fill(*e, h, 4, scaled(4000));
            const handle g = e->allocate(scaled(1000));
            CHECK(g && e->deallocate(g));
            CHECK(holds(*e, h, 4, scaled(4000)));
            CHECK(e->deallocate(h));
        }
        CHECK(pool_ok(*e));
        e->~embedded_t();
    }

    // ---- reallocate ---------------------------------------------------------------------------
    // Each way a block changes size: shrink in place, grow at the top (the topmost block), move
    // to the top (any other); a pinned block only in place.
    static void reallocation() {
        {
            pool_t p(whole());
            const handle a = p.allocate(40), b = p.allocate(40);
            CHECK(a && b);
            fill(p, a, 10, 40);
            fill(p, b, 11, 40);
            const void* const a_at = p.data(a);
            // Shrink: in place, the prefix kept; the granules given back are a hole before b.
            CHECK(p.reallocate(a, 8));
            CHECK(p.data(a) == a_at && p.size(a) == usable(8) && holds(p, a, 10, 8));
            const tinymem::pool_stats s = p.stats();
            CHECK(s.free_bytes == s.largest_free_bytes + (granules(40) - granules(8)) * granule);
            CHECK(pool_ok(p));
            // Grow back: the hole after it would hold it, but only the topmost block grows in
            // place ("a block that is not the topmost grows by moving"), so it moves after b.
            CHECK(p.reallocate(a, 40));
            CHECK(p.valid(a) && p.size(a) == usable(40) && holds(p, a, 10, 8) && holds(p, b, 11, 40));
            if (!CHECK(at(p.data(a)) == end_of(p, b)))
                std::printf("  [%s] a block followed by a hole did not move to the top to grow\n", g_context);
            CHECK(pool_ok(p));
        }
        pool_t p(whole());
        const handle a = p.allocate(40), b = p.allocate(40), c = p.allocate(40);
        CHECK(a && b && c);
        fill(p, a, 13, 40);
        fill(p, b, 11, 40);
        fill(p, c, 12, 40);
        // Growing a block that is not the topmost moves it to the top, after c; the handle stays,
        // the old place is a hole.
        const tinymem::pool_stats before = p.stats();
        CHECK(p.reallocate(a, 200));
        CHECK(p.valid(a) && p.size(a) == usable(200) && at(p.data(a)) == end_of(p, c));
        CHECK(holds(p, a, 13, 40) && holds(p, b, 11, 40) && holds(p, c, 12, 40));
        const tinymem::pool_stats after = p.stats();
        CHECK(after.bytes_moved > before.bytes_moved);
        CHECK(after.free_bytes == after.largest_free_bytes + granules(40) * granule);
        CHECK(pool_ok(p));
        // The topmost block grows in place into the top, and shrinks in place giving it back:
        // the next block goes right after it.
        const void* const a_at = p.data(a);
        fill(p, a, 15, 200);
        CHECK(p.reallocate(a, scaled(4000)));
        CHECK(p.data(a) == a_at && p.size(a) == usable(scaled(4000)) && holds(p, a, 15, 200));
        CHECK(p.reallocate(a, 100));
        CHECK(p.data(a) == a_at && holds(p, a, 15, 100));
        const handle d = p.allocate(16);
        CHECK(d && at(p.data(d)) == end_of(p, a));
        fill(p, d, 16, 16);
        // The same size: nothing changes.
        CHECK(p.reallocate(a, p.size(a)) && p.data(a) == a_at && holds(p, a, 15, 100));
        CHECK(pool_ok(p));

        // Pinned, a block keeps its place: it shrinks in place, grows only when topmost, and is
        // refused with error::pinned otherwise.
        {
            auto guard = p.pin(a);
            CHECK(guard);
            CHECK(!p.reallocate(a, scaled(4000)) && p.last_error() == error::pinned); // d follows it
            CHECK(p.data(a) == a_at && holds(p, a, 15, 100) && p.size(a) == usable(100));
            CHECK(p.reallocate(a, 20) && p.data(a) == a_at && holds(p, a, 15, 20));
            CHECK(p.stats().pinned_bytes == granules(20) * granule);
            CHECK(pool_ok(p));
            // d freed, a is the last block: only free space follows it (the hole its shrink left,
            // then the top), so it should grow in place as the topmost.
            CHECK(p.deallocate(d));
            if (!CHECK(p.reallocate(a, scaled(2000))))
                std::printf("  [%s] a pinned last block with a hole after it cannot grow: %s\n", g_context,
                            tinymem::to_string(p.last_error()));
            CHECK(p.data(a) == a_at && holds(p, a, 15, 20));
            CHECK(pool_ok(p));
        }
        CHECK(p.stats().pinned_bytes == 0);
        CHECK(holds(p, b, 11, 40) && holds(p, c, 12, 40));
        // Truly topmost (the top right after it), a pinned block grows in place.
        p.defrag(); // a moves down over the holes; the top starts at its end
        {
            auto guard = p.pin(a);
            const void* const pinned_at = p.data(a);
            const handle e = p.allocate(16);
            CHECK(e && at(p.data(e)) == end_of(p, a));
            CHECK(e && p.deallocate(e)); // the top comes back down to a's end
            const std::size_t grown = p.size(a) + scaled(1000);
            CHECK(p.reallocate(a, grown) && p.data(a) == pinned_at && p.size(a) == usable(grown));
            CHECK(holds(p, a, 15, 20) && p.stats().pinned_bytes == p.size(a) + word);
        }
        CHECK(holds(p, b, 11, 40) && holds(p, c, 12, 40));
        CHECK(pool_ok(p));
    }

    // Growth that needs the pool rearranged, or that the pool cannot serve.
    static void reallocation_full() {
        const std::size_t cap = pool_bytes;
        {
            // A block that is not the topmost moves: y needs half the heap, the top has a fifth,
            // the hole x left two fifths: a compaction first.
            pool_t p(whole());
            const handle x = p.allocate(cap * 4 / 10), y = p.allocate(64), z = p.allocate(cap * 4 / 10);
            CHECK(x && y && z);
            fill(p, y, 20, 64);
            fill(p, z, 21, cap * 4 / 10);
            CHECK(p.deallocate(x));
            const tinymem::pool_stats before = p.stats();
            CHECK(p.reallocate(y, cap / 2) && p.size(y) >= cap / 2);
            const tinymem::pool_stats after = p.stats();
            CHECK(after.compactions == before.compactions + 1 && after.bytes_moved > before.bytes_moved);
            CHECK(holds(p, y, 20, 64) && holds(p, z, 21, cap * 4 / 10));
            CHECK(at(p.data(z)) < at(p.data(y)));
            CHECK(pool_ok(p));
        }
        {
            // The topmost block grows at the top after a compaction gathers the hole below it.
            pool_t p(whole());
            const handle x = p.allocate(cap * 4 / 10), y = p.allocate(cap * 4 / 10);
            CHECK(x && y);
            fill(p, y, 22, cap * 4 / 10);
            CHECK(p.deallocate(x));
            const tinymem::pool_stats before = p.stats();
            CHECK(p.reallocate(y, cap * 7 / 10) && p.size(y) >= cap * 7 / 10);
            CHECK(p.stats().compactions == before.compactions + 1);
            CHECK(at(p.data(y)) == g_buffer + granule && holds(p, y, 22, cap * 4 / 10));
            CHECK(pool_ok(p));
        }
        {
            // The last block, with only free space after it (the hole its shrink left, then the
            // top, after the block above it was freed), grows by less than the free bytes: it
            // should grow as the topmost does, not need its whole new size free.
            pool_t p(whole());
            const handle x = p.allocate(cap / 2), d = p.allocate(16);
            CHECK(x && d);
            fill(p, x, 27, cap / 4);
            CHECK(p.reallocate(x, cap / 4) && p.deallocate(d));
            const tinymem::pool_stats s = p.stats();
            CHECK(cap * 7 / 8 - p.size(x) < s.free_bytes);
            if (!CHECK(p.reallocate(x, cap * 7 / 8)))
                std::printf("  [%s] the last block, after a hole, cannot grow by %lu of %lu free bytes: %s\n", g_context,
                            static_cast<unsigned long>(cap * 7 / 8 - p.size(x)), static_cast<unsigned long>(s.free_bytes),
                            tinymem::to_string(p.last_error()));
            CHECK(holds(p, x, 27, cap / 4));
            CHECK(pool_ok(p));
        }
        {
            // A block that is not the topmost needs its whole new size free (documented): half
            // the heap cannot grow by 64 bytes with less than half free. Refused, nothing moved.
            pool_t p(whole());
            const handle x = p.allocate(cap / 2), y = p.allocate(64);
            CHECK(x && y);
            fill(p, x, 23, cap / 2);
            fill(p, y, 24, 64);
            const void* const x_at = p.data(x);
            const void* const y_at = p.data(y);
            const std::size_t x_size = p.size(x);
            CHECK(!p.reallocate(x, x_size + 64) && p.last_error() == error::out_of_memory);
            CHECK(p.data(x) == x_at && p.size(x) == x_size && holds(p, x, 23, cap / 2));
            CHECK(p.data(y) == y_at && holds(p, y, 24, 64));
            // More than all the free bytes: out_of_memory for the topmost block too.
            const tinymem::pool_stats s = p.stats();
            CHECK(!p.reallocate(y, 64 + s.free_bytes + granule) && p.last_error() == error::out_of_memory);
            CHECK(p.data(y) == y_at && p.size(y) == usable(64) && holds(p, y, 24, 64));
            CHECK(p.stats().bytes_moved == s.bytes_moved);
            CHECK(pool_ok(p));
        }
        {
            // A pinned block between the free space below and the topmost block: enough free
            // bytes in all, but compaction cannot join them.
            pool_t p(whole());
            const handle x = p.allocate(cap * 3 / 10), m = p.allocate(16), y = p.allocate(cap * 3 / 10);
            CHECK(x && m && y);
            fill(p, m, 25, 16);
            fill(p, y, 26, cap * 3 / 10);
            CHECK(p.acquire_pin(m));
            CHECK(p.deallocate(x));
            const void* const m_at = p.data(m);
            const void* const y_at = p.data(y);
            CHECK(!p.reallocate(y, cap * 7 / 10) && p.last_error() == error::fragmented_by_pins);
            CHECK(p.data(m) == m_at && holds(p, m, 25, 16));
            CHECK(p.data(y) == y_at && p.size(y) == usable(cap * 3 / 10) && holds(p, y, 26, cap * 3 / 10));
            CHECK(pool_ok(p));
            // Unpinned, the same request compacts and fits.
            CHECK(p.unpin(m));
            CHECK(p.reallocate(y, cap * 7 / 10) && holds(p, y, 26, cap * 3 / 10) && holds(p, m, 25, 16));
            CHECK(pool_ok(p));
        }
    }

    // ---- pins -------------------------------------------------------------------------------
    static void pins() {
        pool_t p(whole());
        pin_rules(p, hs, pool_bytes >= 16384 ? 40 : 16); // about 6 KiB, or 1 KiB
    }

    // A pinned block between two halves of free space: no compaction can join them.
    static void pinned_split() {
        pool_t p(whole());
        const std::size_t cap = pool_bytes;
        const handle a = p.allocate(cap / 2), mid = p.allocate(16), b = p.allocate(cap / 4);
        CHECK(a && mid && b);
        fill(p, mid, 30, 16);
        CHECK(p.acquire_pin(mid));
        const void* const mid_at = p.data(mid);
        CHECK(p.deallocate(a) && p.deallocate(b));
        tinymem::pool_stats s = p.stats();
        CHECK(s.free_bytes > cap * 7 / 8 && s.largest_free_bytes < cap * 5 / 8);
        CHECK(!p.allocate(cap * 5 / 8) && p.last_error() == error::fragmented_by_pins);
        CHECK(p.data(mid) == mid_at && holds(p, mid, 30, 16));
        CHECK(pool_ok(p));
        // What stats() calls allocatable, allocate() serves.
        s = p.stats();
        CHECK(s.largest_allocatable < cap * 5 / 8);
        const handle most = p.allocate(s.largest_allocatable);
        if (!CHECK(most))
            std::printf("  [%s] a pinned block splits the free space: allocate(largest_allocatable = %lu) failed: "
                        "%s (free %lu, largest free block %lu)\n",
                        g_context, static_cast<unsigned long>(s.largest_allocatable), tinymem::to_string(p.last_error()),
                        static_cast<unsigned long>(s.free_bytes), static_cast<unsigned long>(s.largest_free_bytes));
        else
            CHECK(p.deallocate(most));
        CHECK(p.data(mid) == mid_at && holds(p, mid, 30, 16));
        CHECK(pool_ok(p));
        // Unpinned, compaction joins the two: the request fits, the block moved.
        CHECK(p.unpin(mid));
        const handle big = p.allocate(cap * 5 / 8);
        CHECK(big && holds(p, mid, 30, 16) && p.data(mid) != mid_at);
        CHECK(pool_ok(p));
    }

    // ---- defrag_step: the lean engine's own cases (defrag_step_rules has the shared one) -------
    static void defrag_step() {
        // A smaller budget leaves the blocks larger than it where they are (with the holes
        // before them); a larger budget then moves them too.
        {
            pool_t p(whole());
            const std::size_t made = fragment(p, hs, max_handles);
            const unsigned steps = steps_until_done(p, hs, 128, step_limit(made), made, false);
            if (CHECK(steps != 0)) CHECK(survivors_packed(p, hs, made, 128));
            else std::printf("  [%s] defrag_step(128) not done after %u steps\n", g_context, step_limit(made));
            CHECK(survivors_hold(p, hs, made));
            CHECK(pool_ok(p));
            const unsigned more = steps_until_done(p, hs, 1024, step_limit(made), made, false);
            if (!CHECK(more != 0))
                std::printf("  [%s] defrag_step(1024) after defrag_step(128) not done after %u steps\n", g_context,
                            step_limit(made));
            const tinymem::pool_stats s = p.stats();
            CHECK(s.largest_free_bytes == s.free_bytes);
            CHECK(survivors_packed(p, hs, made, ~std::size_t{0}));
            CHECK(survivors_hold(p, hs, made));
            CHECK(pool_ok(p));
            CHECK(p.defrag_step(128) && p.defrag_step(1024));
        }
        // A pinned block stays through the steps, and so does the hole before it.
        {
            pool_t p(whole());
            const std::size_t made = fragment(p, hs, max_handles);
            const handle pinned = hs[made / 2 | 1];
            CHECK(p.acquire_pin(pinned));
            const void* const pinned_at = p.data(pinned);
            const unsigned steps = steps_until_done(p, hs, 512, step_limit(made), made, true);
            if (!CHECK(steps != 0))
                std::printf("  [%s] defrag_step(512) with a pinned block not done after %u steps\n", g_context,
                            step_limit(made));
            CHECK(p.data(pinned) == pinned_at);
            CHECK(survivors_hold(p, hs, made));
            CHECK(pool_ok(p));
            CHECK(p.unpin(pinned));
            CHECK(steps_until_done(p, hs, 512, step_limit(made), made, false) != 0);
            const tinymem::pool_stats s = p.stats();
            CHECK(s.largest_free_bytes == s.free_bytes);
            CHECK(survivors_packed(p, hs, made, ~std::size_t{0}));
            CHECK(pool_ok(p));
        }
    }

    // ---- running out ----------------------------------------------------------------------
    static void exhaustion() {
        pool_t p(whole());
        for (int round = 0; round < 2; ++round) {
            const std::size_t n = fill_up(p, hs, round == 0);
            const tinymem::pool_stats full = p.stats();
            // Full: the free bytes cannot hold another block (with its table word).
            CHECK(full.free_bytes < (granules(200) + 1) * granule);
            // No block can grow by more than the free bytes.
            fill(p, hs[0], 40, 200);
            CHECK(!p.reallocate(hs[0], 200 + full.free_bytes + granule) && p.last_error() == error::out_of_memory);
            CHECK(holds(p, hs[0], 40, 200));
            // A small block still fits into what is left, if its granules and a table word do.
            const handle small = p.allocate(4);
            CHECK(small || full.free_bytes < (granules(4) + 1) * granule);
            if (small) CHECK(p.deallocate(small));
            const std::uint32_t compactions = p.stats().compactions;
            if (round == 0) {
                // Freed from the bottom: holes, and the top lowered only by the last; the next
                // large request compacts them.
                for (std::size_t i = 0; i < n; ++i) CHECK(p.deallocate(hs[i]));
            } else {
                // Freed from the top down: each lowers the top, no hole is left.
                for (std::size_t i = n; i-- > 0;) CHECK(p.deallocate(hs[i]));
                const tinymem::pool_stats s = p.stats();
                CHECK(s.largest_free_bytes == s.free_bytes);
            }
            const tinymem::pool_stats s = p.stats();
            CHECK(s.live_blocks == 0 && s.used_bytes == 0 && s.pinned_bytes == 0);
            CHECK(s.free_bytes + s.table_bytes + 2 * granule > s.capacity_bytes);
            CHECK(pool_ok(p));
            // Everything is usable again as one block.
            const handle all = p.allocate(s.largest_allocatable);
            CHECK(all && p.size(all) >= s.largest_allocatable);
            CHECK(p.stats().compactions == compactions + (round == 0 ? 1u : 0u));
            CHECK(!p.allocate(1) && p.last_error() == error::out_of_memory);
            CHECK(pool_ok(p));
            if (all) CHECK(p.deallocate(all));
        }
    }

    // ---- randomised churn against the reference model ---------------------------------------
    // After each call: where every live block is. One that moved must have been allowed to
    // (`may_move`, and not pinned); if any moved, every block is checked against the model, else
    // block `touched` (npos: none), and all of them with stats() now and then (`all`), for stray
    // writes. Then the layout: blocks on granules, apart, below the table, holes within the free
    // bytes.
    static void check_model(pool_t& p, model_t& m, bool may_move, std::size_t touched, bool all) {
        bool moved = false;
        for (std::size_t i = 0; i < m.size(); ++i) {
            if (m.moved(p, i)) {
                moved = true;
                if (!CHECK(may_move && !m.pinned(m[i]))) break;
            }
        }
        m.seen(p);
        if (moved || all) {
            for (std::size_t i = 0; i < m.size(); ++i)
                if (!CHECK_MODEL(m.check_block(p, i))) break;
        } else if (touched != model_t::npos) {
            CHECK_MODEL(m.check_block(p, touched));
        }
        if (all) CHECK_MODEL(m.check_all(p));
        CHECK_MODEL(m.check_layout(p, g_buffer));
    }
    static void churn(std::uint64_t seed, unsigned long ops) {
        rng r{seed};
        pool_t p(whole());
        model_t& m = new_model<pool_t>();
        unsigned long allocs = 0, fails = 0, reallocs = 0, steps = 0, bad = 0;
        const char* failed_op = nullptr;
        for (unsigned long op = 0; op < ops; ++op) {
            const unsigned long failures = g_failures;
            const std::uint32_t what = r.below(100);
            bool may_move = false;
            std::size_t touched = model_t::npos;
            const char* name = "";
            if (what < 40 && !m.full()) {
                name = "allocate";
                may_move = true;
                const auto [h, bytes, align] = churn_allocate(p, r, 8, granule_log2); // aligned 1 .. granule
                if (!h) {
                    ++fails;
                    const error e = p.last_error();
                    // Why, in the numbers stats() gives (its free bytes use the present table).
                    const tinymem::pool_stats st = p.stats();
                    const std::size_t need = granules(bytes) * granule;
                    if (e == error::out_of_memory) CHECK(st.free_bytes < need);
                    if (e == error::out_of_handles) CHECK(st.free_handles == 0 && st.free_bytes >= need);
                    if (e == error::fragmented_by_pins) CHECK(st.pinned_bytes != 0 && st.free_bytes >= need);
                } else {
                    ++allocs;
                    // Valid, granule-aligned, at least `bytes`, unpinned; then its bytes written.
                    CHECK_MODEL(m.add(p, h, bytes, align, std::uint32_t(r.next())));
                    touched = m.size() - 1;
                }
            } else if (what < 68 && !m.empty()) {
                name = "deallocate";
                const std::size_t i = r.below(std::uint32_t(m.size()));
                const handle h = m[i].h;
                CHECK_MODEL(m.check_block(p, i));
                if (m[i].pins != 0) {
                    CHECK(!p.deallocate(h) && p.last_error() == m.deallocate_error(i));
                    while (m[i].pins != 0 && CHECK(p.unpin(h))) m.unpinned_one(i);
                }
                CHECK(p.deallocate(h));
                m.remove(i);
                CHECK_MODEL(m.check_stale(p, h));
            } else if (what < 80 && !m.empty()) {
                name = "reallocate";
                may_move = true;
                const std::size_t i = r.below(std::uint32_t(m.size()));
                touched = i;
                const handle h = m[i].h;
                const std::uint32_t bytes = resize_bytes(r);
                const std::size_t old_size = p.size(h);
                const void* const old_at = p.data(h);
                if (p.reallocate(h, bytes)) {
                    ++reallocs;
                    // Then new contents (over a block that failed its check, none: the model
                    // may expect more bytes than it has).
                    const auto fresh = std::uint32_t(r.next());
                    if (CHECK_MODEL(m.resized(p, i, bytes))) m.rewrite(p, i, fresh);
                    // Shrinking is in place, and a pinned block does not move at all.
                    if (bytes <= old_size || m[i].pins != 0) CHECK(p.data(h) == old_at);
                } else {
                    const error e = p.last_error();
                    CHECK(e == error::out_of_memory || e == error::out_of_handles || e == error::fragmented_by_pins ||
                          (m[i].pins != 0 && e == error::pinned));
                    CHECK(bytes > old_size && p.size(h) == old_size);
                    // out_of_memory: the free bytes cannot hold the growth (the topmost block)
                    // or the whole new size (any other, which moves).
                    const tinymem::pool_stats st = p.stats();
                    if (e == error::out_of_memory) CHECK(st.free_bytes < granules(bytes) * granule);
                    if (e == error::fragmented_by_pins) CHECK(st.pinned_bytes != 0);
                }
            } else if (what < 86 && !m.empty()) {
                name = "pin";
                const std::size_t i = r.below(std::uint32_t(m.size()));
                touched = i;
                if (m[i].pins != 0 && r.below(2) == 0) {
                    CHECK(p.unpin(m[i].h));
                    m.unpinned_one(i);
                } else if (m[i].pins < 3) {
                    CHECK(p.acquire_pin(m[i].h));
                    m.pinned_one(p, i);
                }
            } else if (what < 96) {
                name = "defrag_step";
                may_move = true;
                ++steps;
                const std::size_t budget = std::size_t(32) << r.below(5); // 32 .. 512
                const std::uint64_t moved = p.bytes_moved();
                p.defrag_step(budget);
                CHECK(p.bytes_moved() - moved <= budget);
            } else if (what < 97) {
                name = "defrag";
                may_move = true;
                p.defrag();
                // Compact: the only holes left are before pinned blocks.
                const tinymem::pool_stats st = p.stats();
                if (!m.any_pinned()) CHECK(st.largest_free_bytes == st.free_bytes);
                CHECK_MODEL(m.check_layout(p, g_buffer, std::size_t(-1)));
            } else if (what < 99) {
                name = "stale handle";
                if (m.freed_count() > 0) {
                    // A freed handle stays stale, even after its slot was reused.
                    const handle old = m.freed_at(r.below(std::uint32_t(m.freed_count()))).h;
                    CHECK_MODEL(m.check_stale(p, old));
                    CHECK(!p.deallocate(old) && p.last_error() == error::stale_handle);
                    CHECK(!p.reallocate(old, 8) && p.last_error() == error::stale_handle);
                    CHECK(!p.acquire_pin(old) && p.last_error() == error::stale_handle);
                }
            } else {
                // Bad input: refused with its error, nothing moves.
                name = "bad input";
                ++bad;
                const tinymem::pool_stats before = p.stats();
                CHECK(!p.allocate(0) && p.last_error() == error::zero_size);
                CHECK(!p.allocate(8, 2 * granule) && p.last_error() == error::bad_alignment);
                CHECK(!p.allocate(p.capacity()) && p.last_error() == error::too_large);
                if (!m.empty()) {
                    const std::size_t i = r.below(std::uint32_t(m.size()));
                    touched = i;
                    CHECK(!p.reallocate(m[i].h, 0) && p.last_error() == error::zero_size);
                    if (m[i].pins == 0) CHECK(!p.unpin(m[i].h) && p.last_error() == m.unpin_error(i));
                    else CHECK(!p.deallocate(m[i].h) && p.last_error() == m.deallocate_error(i));
                }
                const tinymem::pool_stats after = p.stats();
                CHECK(after.used_bytes == before.used_bytes && after.free_bytes == before.free_bytes &&
                      after.bytes_moved == before.bytes_moved);
            }
            CHECK(pool_ok(p));
            check_model(p, m, may_move, touched, op % 64 == 63);
            if (g_failures != failures && failed_op == nullptr) {
                failed_op = name;
                std::printf("  [%s] churn: first failure at op %lu (%s), %lu live blocks\n", g_context, op, name,
                            static_cast<unsigned long>(m.size()));
            }
        }
        for (std::size_t i = 0; i < m.size(); ++i) CHECK_MODEL(m.check_block(p, i));
        CHECK_MODEL(m.free_all(p, [](handle) {}));
        CHECK(pool_ok(p));
        const tinymem::pool_stats s = p.stats();
        CHECK(s.live_blocks == 0 && s.used_bytes == 0 && s.pinned_bytes == 0);
        CHECK_MODEL(m.check_all(p));
        std::printf("  [%s] churn: %lu ops, %lu allocations (%lu refused), %lu reallocations, "
                    "%lu defrag steps, %lu bad-input rounds, %lu compactions, %lu KiB moved\n",
                    g_context, ops, allocs, fails, reallocs, steps, bad, static_cast<unsigned long>(s.compactions),
                    static_cast<unsigned long>(s.bytes_moved / 1024));
    }

    static void cases(std::uint64_t seed, unsigned long ops) {
        basic();
        bad_input();
        embedded();
        reallocation();
        reallocation_full();
        pins();
        pinned_split();
        defrag_rules<pool_t>(hs);
        defrag_step_rules<pool_t>(hs);
        defrag_step();
        compaction_limit_rules<pool_t>(whole(), hs);
        limit_answers<pool_t>(whole(), hs);
        exhaustion();
        churn(seed, ops);
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

// Handle safety on the target: a stale handle is stale for exactly 2^generation_bits - 1
// reuses of its slot and aliases at the next (the documented bound), never with slot
// retirement on; pools created over another buffer while `a` lives never accept a's handle;
// every power-of-two alignment up to the pool's size is served aligned or refused with
// bad_alignment, never half made.
template <class Pool>
void handle_rules(const char* name) {
    g_context = name;
    using config = typename Pool::config_type;
    const unsigned long bound = (1ul << config::generation_bits) - 1;
    for (int retire = 0; retire < 2; ++retire) {
        Pool p(std::span<std::byte>(g_buffer, sizeof g_buffer));
        p.set_slot_retirement(retire != 0);
        const auto old = p.allocate(8);
        CHECK(old);
        unsigned held = 0; // every other slot of the table busy, so each reuse takes old's slot
        while (p.stats().free_handles != 0 && held < 64) held += p.allocate(8) ? 1u : 0u;
        CHECK(p.deallocate(old));
        bool aliased_early = false;
        for (unsigned long reuse = 1; reuse <= bound; ++reuse) {
            const auto h = p.allocate(8);
            aliased_early = aliased_early || !h || h == old || p.valid(old);
            p.deallocate(h);
        }
        CHECK(!aliased_early);
        const auto next = p.allocate(8);
        CHECK(retire ? (next && next != old && !p.valid(old)) : next == old);
        CHECK(p.check().ok());
    }
    {
        Pool a(std::span<std::byte>(g_buffer, sizeof g_buffer));
        const auto ha = a.allocate(16);
        bool foreign_accepted = false;
        for (int i = 0; i < 3000; ++i) {
            Pool b(std::span<std::byte>(g_other_buffer, sizeof g_other_buffer));
            const auto hb = b.allocate(16);
            foreign_accepted = foreign_accepted || !hb || b.valid(ha) || a.valid(hb);
        }
        CHECK(ha && !foreign_accepted);
    }
    {
        Pool p(std::span<std::byte>(g_buffer, sizeof g_buffer));
        for (std::size_t align = 1; align <= 2 * pool_bytes; align *= 2) {
            const auto h = p.allocate(16, align);
            if (h) {
                CHECK(aligned(p.data(h), align));
                CHECK(p.deallocate(h));
            } else {
                CHECK((p.last_error() == tinymem::error::bad_alignment &&
                       (align > p.capacity() || align > Pool::max_alignment)) ||
                      (p.last_error() == tinymem::error::out_of_memory && align > p.capacity() / 2));
            }
            CHECK(p.stats().live_blocks == 0u);
        }
        CHECK(p.check().ok());
    }
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

    handle_rules<tinymem::basic_pool<tinymem::config16>>("handles, basic_pool config16");
    handle_rules<tinymem::basic_bump_pool<tinymem::config16>>("handles, bump config16");

    run_suite<suite<tinymem::config16>>("config16", seed, ops);
    run_suite<suite<tinymem::config16_g8>>("config16_g8", seed + 1, ops);
    run_suite<suite<tinymem::config17>>("config17", seed + 3, ops);
    run_suite<suite<tinymem::config32>>("config32", seed + 2, ops);
    // The lean engine over the same buffers, after basic_pool's suites. A board with little RAM
    // (the Cortex-M0: 4 KiB pools) has little flash too: its 256 KiB do not hold all eight
    // suites, so there the lean engine runs in its two word sizes (config16's 32-bit words,
    // config32's 64-bit ones); the other builds run all four.
    run_suite<bump_suite<tinymem::config16>>("bump config16", seed + 4, ops);
#if TINYMEM_TARGET_POOL_BYTES >= 16384
    run_suite<bump_suite<tinymem::config16_g8>>("bump config16_g8", seed + 5, ops);
    run_suite<bump_suite<tinymem::config17>>("bump config17", seed + 6, ops);
#endif
    run_suite<bump_suite<tinymem::config32>>("bump config32", seed + 7, ops);

    const std::size_t used = stack_used();
    g_context = "stack";
    CHECK(used != std::size_t(-1)); // the paint reached the heap: the stack may have overrun it
    std::printf("tinymem target test: stack high water %lu bytes below main's frame (%lu bytes painted)\n",
                static_cast<unsigned long>(used), static_cast<unsigned long>(g_paint_high - g_paint_low));
    std::printf("tinymem target test: %lu checks, %lu failed: %s\n", g_checks, g_failures,
                g_failures == 0 ? "PASS" : "FAIL");
    return g_failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
