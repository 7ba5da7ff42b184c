// SPDX-License-Identifier: MIT
// Compaction limits (set_compaction_limit), on both engines: under a limit, allocate,
// allocate_pinned, reallocate and handle-table growth move a bounded number of bytes per call;
// they fail with compaction_deferred only while free bytes would hold the request, and the main
// loop's defrag_step() calls (or defrag()) then make the room. Seeds are printed; TINYMEM_SEED
// replays one.
#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "engines.hpp"

using namespace tinymem;

namespace {

// What one call may move under a limit of `limit` bytes, besides the block a reallocation moves
// itself: basic_pool's allocate may run its step and grow the handle table (a step and one
// block of at most the limit); the lean engine has no table growth to pay for.
template <class Pool>
constexpr std::size_t steps_per_call = 1;
template <class Config>
constexpr std::size_t steps_per_call<basic_pool<Config>> = 3;

template <class Pool>
constexpr bool has_allocate_pinned = false;
template <class Config>
constexpr bool has_allocate_pinned<basic_pool<Config>> = true;

// A randomised churn under a limit: every call within its bound, every failure honest, every
// byte kept, check() after every operation.
template <class Pool>
class limited_churn {
public:
    using handle = typename Pool::handle;

    limited_churn(std::size_t pool_bytes, std::size_t limit, std::uint64_t seed)
        : buffer_(pool_bytes), pool_(std::span<std::byte>(buffer_)), limit_(limit), rng_(seed) {
        BOOST_REQUIRE(pool_.usable());
        pool_.set_compaction_limit(limit);
        BOOST_REQUIRE(pool_.compaction_limit() == limit);
    }

    void run(std::uint64_t ops) {
        for (op_ = 0; op_ < ops; ++op_) {
            const auto r = below(100);
            if (r < 45) allocate();
            else if (r < 78) deallocate();
            else if (r < 90) reallocate();
            else main_loop_steps(1 + below(4));
            test::require_ok(pool_);
            if (op_ % 64 == 0) all_hold();
        }
        all_hold();
        BOOST_TEST_MESSAGE("  " << ops << " operations: " << allocated_ << " allocations, " << deferred_
                                << " deferred (" << after_steps_ << " served after the main loop's steps, " << after_defrag_
                                << " after defrag(), " << after_lift_ << " only without the limit, " << refused_unlimited_
                                << " refused without it too), " << refused_
                                << " refused otherwise, " << reallocated_ << " reallocations, " << pool_.stats().bytes_moved
                                << " bytes moved");
    }
    std::uint64_t deferred() const { return deferred_; }
    std::uint64_t served_after_steps() const { return after_steps_; }

private:
    struct block {
        handle h;
        std::size_t bytes;
        std::uint32_t id;
    };

    std::size_t below(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }
    std::uint64_t moved() const { return pool_.bytes_moved(); }
    // Mostly blocks a step can move; one in twenty larger than the limit, which steps never move.
    std::size_t random_size() {
        if (below(20) == 0) return limit_ + 1 + below(limit_);
        return 1 + below(limit_ / 2);
    }

    void all_hold() {
        for (const auto& b : blocks_)
            BOOST_REQUIRE_MESSAGE(test::holds(pool_, b.h, b.id, b.bytes), "op " << op_ << ": block " << b.id << " changed");
    }

    // One call that may compact: at most its steps' bytes (plus `own` bytes: a block it moves).
    void expect_bounded(std::uint64_t before, std::size_t own, const char* what) {
        const std::uint64_t bound = steps_per_call<Pool> * limit_ + own;
        BOOST_REQUIRE_MESSAGE(moved() - before <= bound, "op " << op_ << ": " << what << " moved " << moved() - before
                                                                 << " bytes under a limit of " << limit_ << " (bound " << bound << ")");
    }

    handle try_allocate(std::size_t bytes, bool pinned) {
        if constexpr (has_allocate_pinned<Pool>)
            if (pinned) return pool_.allocate_pinned(bytes);
        return pool_.allocate(bytes);
    }

    void allocate() {
        const std::size_t bytes = random_size();
        const bool pinned = has_allocate_pinned<Pool> && below(50) == 0;
        const auto free_before = pool_.stats().free_bytes;
        const std::uint64_t before = moved();
        handle h = try_allocate(bytes, pinned);
        expect_bounded(before, 0, "allocate");
        if (!h && (pool_.last_error() == error::compaction_deferred || pool_.last_error() == error::compaction_limited)) {
            ++deferred_;
            // Free bytes for the request (and, with no free handle, the table's next granule).
            BOOST_REQUIRE_MESSAGE(free_before >= bytes, "op " << op_ << ": " << to_string(pool_.last_error()) << " for "
                                                              << bytes << " bytes with " << free_before << " free");
            h = after_deferral(bytes, pinned);
        }
        if (!h) {
            const error e = pool_.last_error();
            BOOST_REQUIRE_MESSAGE((e == error::out_of_memory || e == error::out_of_handles || e == error::fragmented_by_pins ||
                                   (e == error::too_large && bytes > pool_.capacity() / 2)),
                                  "op " << op_ << ": allocate(" << bytes << ") failed with " << to_string(e));
            ++refused_;
            return;
        }
        ++allocated_;
        const auto id = next_id_++;
        test::fill(pool_, h, id, bytes);
        blocks_.push_back({h, bytes, id});
    }

    // The deferral (or limited answer) was honest: the main loop's steps, then defrag(), then the
    // limit lifted serve the request, unless a rule with no limit would refuse it too.
    handle after_deferral(std::size_t bytes, bool pinned) {
        // Steps done, a request is deferred again only when the failed call itself left a hole
        // for them (basic_pool: the handle table grew into the block after it, which moved), and
        // never a third time: waiting for steps must not be waiting forever.
        for (int round = 0; round < 2; ++round) {
            main_loop_steps(std::size_t(-1));
            if (handle h = try_allocate(bytes, pinned)) return ++after_steps_, h;
            BOOST_REQUIRE(pool_.last_error() != error::none);
            if (pool_.last_error() != error::compaction_deferred) break;
            BOOST_REQUIRE_MESSAGE(round == 0, "op " << op_ << ": deferred again after the main loop's steps, twice");
        }
        pool_.defrag();
        if (handle h = try_allocate(bytes, pinned)) return ++after_defrag_, h;
        // Still deferred: a block larger than the limit must move for the handle table (only an
        // unlimited call moves it), or the request needs the last free bytes.
        pool_.set_compaction_limit(~std::size_t{0});
        handle h = try_allocate(bytes, pinned);
        pool_.set_compaction_limit(limit_);
        if (h) {
            ++after_lift_;
        } else {
            // Compacted, the free space did not hold it after all: only blocks that never move
            // (allocate_pinned) or the handle table can be why, and the lean engine has neither.
            ++refused_unlimited_;
            BOOST_REQUIRE_MESSAGE(pool_.last_error() != error::compaction_deferred &&
                                      pool_.last_error() != error::compaction_limited,
                                  "deferred or limited without a limit");
            BOOST_REQUIRE_MESSAGE(has_allocate_pinned<Pool>, "op " << op_ << ": deferred, then refused with "
                                                                   << to_string(pool_.last_error()) << " once compacted");
        }
        return h;
    }

    // The main loop: steps of the limit's budget until one says the pool is compact (or `n`).
    void main_loop_steps(std::size_t n) {
        for (std::size_t i = 0; i < n; ++i) {
            const std::uint64_t before = moved();
            const bool done = pool_.defrag_step(limit_);
            BOOST_REQUIRE(moved() - before <= limit_);
            if (done) break;
            BOOST_REQUIRE_MESSAGE(i < 1000000, "defrag_step does not finish");
        }
    }

    void deallocate() {
        if (blocks_.empty()) return;
        const std::size_t i = below(blocks_.size());
        BOOST_REQUIRE(test::holds(pool_, blocks_[i].h, blocks_[i].id, blocks_[i].bytes));
        const std::uint64_t before = moved();
        BOOST_REQUIRE(pool_.deallocate(blocks_[i].h));
        BOOST_REQUIRE(moved() == before);
        blocks_[i] = blocks_.back();
        blocks_.pop_back();
    }

    void reallocate() {
        if (blocks_.empty()) return;
        block& b = blocks_[below(blocks_.size())];
        const std::size_t bytes = below(3) == 0 ? 1 + below(b.bytes) : b.bytes + 1 + below(limit_ / 2);
        const std::size_t own = pool_.size(b.h) + 2 * Pool::granule; // the block and its header
        const auto free_before = pool_.stats().free_bytes;
        const std::uint64_t before = moved();
        const bool ok = pool_.reallocate(b.h, bytes);
        expect_bounded(before, own, "reallocate");
        ++reallocated_;
        if (!ok) {
            const error e = pool_.last_error();
            BOOST_REQUIRE_MESSAGE((e == error::out_of_memory || e == error::fragmented_by_pins ||
                                   ((e == error::compaction_deferred || e == error::compaction_limited) && free_before + own >= bytes) ||
                                   e == error::pinned ||
                                   (e == error::too_large && bytes > pool_.capacity() / 2)),
                                  "op " << op_ << ": reallocate(" << bytes << ") failed with " << to_string(e));
            BOOST_REQUIRE(test::holds(pool_, b.h, b.id, b.bytes));
            return;
        }
        const std::size_t keep = std::min(bytes, b.bytes);
        BOOST_REQUIRE(test::holds(pool_, b.h, b.id, keep));
        test::fill(pool_, b.h, b.id, bytes);
        b.bytes = bytes;
    }

    std::vector<std::byte> buffer_;
    Pool pool_;
    std::size_t limit_;
    std::mt19937_64 rng_;
    std::vector<block> blocks_;
    std::uint64_t op_ = 0, allocated_ = 0, deferred_ = 0, after_steps_ = 0, after_defrag_ = 0, after_lift_ = 0,
                  refused_unlimited_ = 0, refused_ = 0, reallocated_ = 0;
    std::uint32_t next_id_ = 1;
};

template <class Pool>
void churn_under_limits(const char* name) {
    std::uint64_t deferred = 0, served_after_steps = 0;
    for (const std::size_t pool_bytes : {2048u, 8192u, 32768u})
        for (const std::size_t limit : {64u, 256u, 1024u}) {
            const std::uint64_t seed = test::seed_for(name);
            BOOST_TEST_MESSAGE(name << ": " << pool_bytes << "-byte pool, limit " << limit);
            limited_churn<Pool> c(pool_bytes, limit, seed);
            c.run(std::max<std::uint64_t>(2000, TINYMEM_RANDOM_OPS / 200));
            deferred += c.deferred();
            served_after_steps += c.served_after_steps();
        }
    // The workload does reach the limits, and the main loop's steps serve most deferrals.
    BOOST_TEST(deferred > 0u);
    BOOST_TEST(served_after_steps * 2 > deferred);
}

// Three movable blocks around two holes: gathering the free bytes needs a compaction.
template <class Pool>
struct fragmented {
    alignas(16) std::byte buffer[1024];
    Pool p{buffer};
    std::vector<typename Pool::handle> kept;
    std::size_t free_after = 0;
    fragmented() {
        std::vector<typename Pool::handle> all;
        while (auto h = p.allocate(40)) all.push_back(h);
        for (std::size_t i = 0; i < all.size(); ++i) {
            if (i % 2 == 0) {
                BOOST_REQUIRE(p.deallocate(all[i]));
            } else {
                test::fill(p, all[i], std::uint32_t(i), 40);
                kept.push_back(all[i]);
            }
        }
        free_after = p.stats().free_bytes;
    }
    bool intact() const {
        for (std::size_t k = 0; k < kept.size(); ++k)
            if (!test::holds(p, kept[k], std::uint32_t(2 * k + 1), 40)) return false;
        return p.check().ok();
    }
};

template <class Pool>
void deferred_then_served_by_steps() {
    fragmented<Pool> f;
    auto& p = f.p;
    BOOST_TEST(p.compaction_limit() == ~std::size_t{0}); // the default: no limit
    p.set_compaction_limit(64);
    BOOST_TEST(p.compaction_limit() == 64u);
    const std::size_t want = f.free_after / 2; // more than any hole, less than the free bytes
    BOOST_REQUIRE(want > 100u);
    const auto before = p.stats();
    BOOST_TEST(!p.allocate(want));
    BOOST_TEST(p.last_error() == error::compaction_deferred);
    const auto after = p.stats();
    BOOST_TEST(after.bytes_moved - before.bytes_moved <= steps_per_call<Pool> * 64u);
    BOOST_TEST(after.failed[std::size_t(error::compaction_deferred)] == before.failed[std::size_t(error::compaction_deferred)] + 1);
    BOOST_TEST(after.live_blocks == before.live_blocks);
    BOOST_TEST(after.free_bytes == before.free_bytes);
    BOOST_TEST(f.intact());
    // The main loop's steps gather the free space; then the request fits.
    unsigned steps = 0;
    while (!p.defrag_step(64)) BOOST_REQUIRE(++steps < 10000u);
    const auto h = p.allocate(want);
    BOOST_TEST(h);
    BOOST_TEST(f.intact());
    // Lifting the limit: an allocation compacts as far as it needs again.
    BOOST_REQUIRE(p.deallocate(h));
    p.set_compaction_limit(~std::size_t{0});
    BOOST_TEST(p.compaction_limit() == ~std::size_t{0});
    p.set_compaction_limit(std::size_t(1) << 40); // saturates to no limit
    BOOST_TEST(p.compaction_limit() == ~std::size_t{0});
}

template <class Pool>
void unlimited_compacts_at_once() {
    fragmented<Pool> f;
    const std::size_t want = f.free_after / 2;
    BOOST_TEST(f.p.allocate(want));
    BOOST_TEST(f.intact());
}

// With nothing left for a step to do, a request the free bytes would hold but pinned blocks
// split is fragmented_by_pins, as without a limit: deferring it would send the caller to
// compact for nothing.
template <class Pool>
void pins_are_not_deferred() {
    alignas(16) std::byte buffer[1024];
    Pool p{buffer};
    p.set_compaction_limit(256);
    std::vector<typename Pool::handle> all;
    while (auto h = p.allocate(40)) all.push_back(h);
    BOOST_REQUIRE(all.size() > 6u);
    std::vector<typename Pool::pin_guard> pins;
    for (std::size_t i = 0; i < all.size(); ++i) {
        if (i % 2 == 0) BOOST_REQUIRE(p.deallocate(all[i]));
        else pins.push_back(p.pin(all[i]));
    }
    while (!p.defrag_step(256)) {}
    const auto free_bytes = p.stats().free_bytes;
    BOOST_TEST(!p.allocate(free_bytes / 2));
    BOOST_TEST(p.last_error() == error::fragmented_by_pins);
    test::require_ok(p);
}

// The main loop's steps at `budget` until one says the pool is compact.
template <class Pool>
void steps_until_done(Pool& p, std::size_t budget) {
    for (unsigned i = 0; !p.defrag_step(budget); ++i) BOOST_REQUIRE(i < 100000u);
}

// A request that steps can never serve is not deferred: with the pool full (no room for the
// request, nor for the handle table to grow), the answer is out_of_memory under a limit as
// without one, at once and after the main loop's steps and a defrag() (issue 18, item 2: it was
// compaction_deferred forever).
template <class Pool>
void exhausted_is_not_deferred() {
    alignas(16) std::byte buffer[2048];
    Pool p{buffer};
    std::vector<typename Pool::handle> all;
    while (auto h = p.allocate(64)) all.push_back(h);
    // No free handle either, with a few bytes left: a block takes what a free slot would serve
    // but two granules (the table cannot grow behind 64-byte blocks under a limit of 256).
    for (;;) {
        const auto s = p.stats();
        const std::size_t keep = 2 * Pool::granule + sizeof(typename Pool::word_type);
        if (s.free_handles == 0 || s.free_bytes <= keep) break;
        const auto h = p.allocate(s.free_bytes - keep);
        if (!h) break;
        all.push_back(h);
    }
    BOOST_REQUIRE(p.stats().free_bytes < 100u);
    p.set_compaction_limit(256);
    for (int round = 0; round < 3; ++round) {
        BOOST_TEST(!p.allocate(100));
        BOOST_TEST(to_string(p.last_error()) == to_string(error::out_of_memory));
        for (int i = 0; i < 1000; ++i) p.defrag_step(256);
        if (round == 1) p.defrag();
    }
    test::require_ok(p);
}

// Three 40-byte blocks, then one larger than the limit, then 40-byte blocks; every other small
// block freed. The main loop's steps never move the large block, so the hole before it stays:
// a request larger than what steps gather but within the free bytes needs compaction beyond the
// limit. It is compaction_deferred at most until the steps are done, then compaction_limited
// (issue 18: it stayed compaction_deferred forever); lifting the limit serves it.
template <class Pool>
void deferral_ends_where_only_a_large_block_stands() {
    alignas(16) std::byte buffer[2048];
    Pool p{buffer};
    if constexpr (requires { p.reserve_handles(1); }) BOOST_REQUIRE(p.reserve_handles(64)); // no table growth
    constexpr std::size_t limit = 64;
    std::vector<typename Pool::handle> before_large, after_large;
    for (int i = 0; i < 3; ++i) before_large.push_back(p.allocate(40));
    const auto large = p.allocate(300);
    BOOST_REQUIRE(large);
    test::fill(p, large, 7, 300);
    while (auto h = p.allocate(40)) after_large.push_back(h);
    std::size_t front = 0; // the hole before the large block, headers included
    for (auto h : before_large) {
        front += p.size(h) + sizeof(typename Pool::word_type);
        BOOST_REQUIRE(p.deallocate(h));
    }
    std::vector<typename Pool::handle> kept;
    for (std::size_t i = 0; i < after_large.size(); ++i) {
        if (i % 2 == 0) BOOST_REQUIRE(p.deallocate(after_large[i]));
        else kept.push_back(after_large[i]);
    }
    p.set_compaction_limit(limit);
    steps_until_done(p, limit);
    const auto s = p.stats();
    // More than the steps gathered behind the large block, within the free bytes.
    const std::size_t want = s.free_bytes - front + 8;
    BOOST_REQUIRE(want > 200u);
    error last = error::none;
    for (int round = 0; round < 3; ++round) {
        BOOST_TEST_REQUIRE(!p.allocate(want));
        last = p.last_error();
        if (last != error::compaction_deferred) break;
        steps_until_done(p, limit);
    }
    BOOST_TEST(to_string(last) == to_string(error::compaction_limited));
    BOOST_TEST(test::holds(p, large, 7, 300));
    test::require_ok(p);
    p.set_compaction_limit(~std::size_t{0});
    BOOST_TEST(bool(p.allocate(want)));
    BOOST_TEST(test::holds(p, large, 7, 300));
    test::require_ok(p);
}

// basic_pool: with no free handle, the table grows into the first block, which must move; when
// that block is larger than the limit, no step ever moves it, so the request is
// compaction_limited, not deferred forever (issue 18); without the limit it is served.
template <class Config>
void table_growth_behind_a_large_block_is_limited() {
    using pool_type = basic_pool<Config>;
    alignas(16) std::byte buffer[4096];
    pool_type p{buffer};
    std::vector<typename pool_type::handle> all;
    while (p.stats().free_bytes > 1200 || p.stats().free_handles != 0) {
        const auto h = p.allocate(200);
        BOOST_REQUIRE(h);
        test::fill(p, h, std::uint32_t(all.size()), 200);
        all.push_back(h);
    }
    p.defrag(); // the first block after the table is a 200-byte one
    p.set_compaction_limit(64);
    error last = error::none;
    for (int round = 0; round < 3; ++round) {
        BOOST_TEST_REQUIRE(!p.allocate(8));
        last = p.last_error();
        if (last != error::compaction_deferred) break;
        steps_until_done(p, 64);
    }
    BOOST_TEST(to_string(last) == to_string(error::compaction_limited));
    test::require_ok(p);
    p.set_compaction_limit(~std::size_t{0});
    BOOST_TEST(bool(p.allocate(8)));
    for (std::size_t i = 0; i < all.size(); ++i) BOOST_TEST(test::holds(p, all[i], std::uint32_t(i), 200));
    test::require_ok(p);
}

// basic_pool: growing a 600-byte block to 1,200 bytes with 900 bytes free in small holes, under
// a limit of 256: without the limit, reallocate compacts and shifts the blocks after it up (about
// 2.4 KB); under it, the call never says out_of_memory (issue 18, item 3: it did, forever): it is
// compaction_deferred while steps run, then compaction_limited; lifting the limit serves it.
template <class Config>
void growth_beyond_the_limit_is_limited() {
    using pool_type = basic_pool<Config>;
    alignas(16) std::byte buffer[4096];
    pool_type p{buffer};
    BOOST_REQUIRE(p.reserve_handles(64));
    const auto big = p.allocate(600);
    BOOST_REQUIRE(big);
    test::fill(p, big, 1000, 600);
    std::vector<typename pool_type::handle> small;
    while (auto h = p.allocate(96)) small.push_back(h);
    std::vector<std::pair<typename pool_type::handle, std::uint32_t>> kept;
    std::size_t freed = 0;
    for (std::size_t i = 0; i < small.size(); ++i) {
        if (i % 2 == 0 && freed < 9) {
            BOOST_REQUIRE(p.deallocate(small[i]));
            ++freed;
        } else {
            test::fill(p, small[i], std::uint32_t(i), 96);
            kept.emplace_back(small[i], std::uint32_t(i));
        }
    }
    const auto s = p.stats();
    BOOST_REQUIRE(s.free_bytes >= 900u);
    BOOST_REQUIRE(s.largest_free_bytes < 200u);
    p.set_compaction_limit(256);
    error last = error::none;
    for (int round = 0; round < 3; ++round) {
        BOOST_TEST_REQUIRE(!p.reallocate(big, 1200));
        last = p.last_error();
        BOOST_TEST(to_string(last) != to_string(error::out_of_memory));
        if (last != error::compaction_deferred) break;
        steps_until_done(p, 256);
    }
    BOOST_TEST(to_string(last) == to_string(error::compaction_limited));
    BOOST_TEST(test::holds(p, big, 1000, 600));
    test::require_ok(p);
    // Growth the free bytes do not hold is out_of_memory, limit or not.
    BOOST_TEST(!p.reallocate(big, 600 + s.free_bytes + 64));
    BOOST_TEST(to_string(p.last_error()) == to_string(error::out_of_memory));
    p.set_compaction_limit(~std::size_t{0});
    BOOST_TEST(p.reallocate(big, 1200));
    BOOST_TEST(test::holds(p, big, 1000, 600));
    for (const auto& [h, id] : kept) BOOST_TEST(test::holds(p, h, id, 96));
    test::require_ok(p);
}

} // namespace

BOOST_AUTO_TEST_SUITE(compaction_limit)

// ---- both engines ------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE_TEMPLATE(an_exhausted_pool_is_out_of_memory_not_deferred, Pool, test::engines_by_configuration) {
    exhausted_is_not_deferred<Pool>();
}
BOOST_AUTO_TEST_CASE_TEMPLATE(a_deferral_ends_where_only_a_large_block_stands, Pool, test::engines_16_32) {
    deferral_ends_where_only_a_large_block_stands<Pool>();
}
BOOST_AUTO_TEST_CASE_TEMPLATE(defers_then_the_main_loop_serves, Pool, test::engines) {
    deferred_then_served_by_steps<Pool>();
}
BOOST_AUTO_TEST_CASE_TEMPLATE(without_a_limit_compacts_at_once, Pool, test::engines) {
    unlimited_compacts_at_once<Pool>();
}
BOOST_AUTO_TEST_CASE_TEMPLATE(fragmentation_by_pins_is_not_deferred, Pool, test::engines) {
    pins_are_not_deferred<Pool>();
}
BOOST_AUTO_TEST_CASE_TEMPLATE(churn_under_a_limit, Pool, test::engines_16_32) {
    churn_under_limits<Pool>(test::engine_name<Pool>().c_str());
}

// ---- basic_pool alone: its handle table grows into the heap, and reallocate shifts neighbours ---

BOOST_AUTO_TEST_CASE(table_growth_behind_a_large_block_is_compaction_limited) {
    table_growth_behind_a_large_block_is_limited<config16>();
    table_growth_behind_a_large_block_is_limited<config16_g8>();
    table_growth_behind_a_large_block_is_limited<config17>();
    table_growth_behind_a_large_block_is_limited<config32>();
}
BOOST_AUTO_TEST_CASE(reallocate_growth_beyond_the_limit_is_compaction_limited) {
    growth_beyond_the_limit_is_limited<config16>();
    growth_beyond_the_limit_is_limited<config16_g8>();
    growth_beyond_the_limit_is_limited<config17>();
    growth_beyond_the_limit_is_limited<config32>();
}

BOOST_AUTO_TEST_SUITE_END()

// step_skipped_ means the same in both engines: the smallest block the steps of a pass left
// alone (larger than their budget). That is the block a larger budget moves first, so it decides
// whether steps of that budget still have work: after steps of 100 bytes skipped a 200-byte and
// a 600-byte block, steps of 300 bytes must move the 200-byte one (had the largest been kept,
// they would report the pool compact and never move it), and under a compaction limit of 300 a
// request is compaction_limited only once just blocks larger than 300 stand before holes.
namespace {
template <class Pool>
void smallest_skipped_block_decides() {
    alignas(16) std::byte buffer[4096];
    Pool p{std::span<std::byte>(buffer)};
    if constexpr (has_allocate_pinned<Pool>) BOOST_REQUIRE(p.reserve_handles(32)); // no table growth
    std::vector<std::pair<typename Pool::handle, std::size_t>> kept; // handle, bytes
    auto make = [&](std::size_t bytes) {
        const auto h = p.allocate(bytes);
        if (h) {
            test::fill(p, h, std::uint32_t(kept.size()), bytes);
            kept.emplace_back(h, bytes);
        }
        return h;
    };
    const auto hole1 = p.allocate(64);
    BOOST_REQUIRE(make(600));
    const auto hole2 = p.allocate(64);
    const auto medium = make(200);
    BOOST_REQUIRE(hole1 && hole2 && medium);
    while (make(512)) {}
    while (make(16)) {}
    BOOST_REQUIRE(p.deallocate(hole1));
    BOOST_REQUIRE(p.deallocate(hole2));
    auto all_hold = [&] {
        for (std::size_t i = 0; i < kept.size(); ++i)
            BOOST_TEST_REQUIRE(test::holds(p, kept[i].first, std::uint32_t(i), kept[i].second));
        test::require_ok(p);
    };
    // Steps of 100 bytes move neither the 600-byte nor the 200-byte block.
    const void* const medium_at = p.data(medium);
    steps_until_done(p, 100);
    BOOST_TEST(p.data(medium) == medium_at);
    BOOST_TEST(p.defrag_step(100)); // nothing more for this budget
    all_hold();
    // Steps of 300 bytes have work: the 200-byte block.
    const auto moved = p.bytes_moved();
    BOOST_TEST(!p.defrag_step(300));
    steps_until_done(p, 300);
    BOOST_TEST(p.bytes_moved() > moved);
    BOOST_TEST(p.data(medium) < medium_at);
    all_hold();
    // Now only blocks larger than 300 bytes stand before the holes: steps of 300 bytes are done
    // for good, and a request the holes hold together is compaction_limited at once.
    BOOST_TEST(p.defrag_step(300));
    p.set_compaction_limit(300);
    BOOST_TEST(!p.allocate(100));
    BOOST_TEST(to_string(p.last_error()) == to_string(error::compaction_limited));
    all_hold();
    p.set_compaction_limit(~std::size_t{0});
    BOOST_TEST(bool(p.allocate(100)));
    all_hold();
}
} // namespace

BOOST_AUTO_TEST_SUITE(compaction_limit)
BOOST_AUTO_TEST_CASE(basic_pool_smallest_skipped_block_decides) { smallest_skipped_block_decides<basic_pool<config16>>(); }
BOOST_AUTO_TEST_CASE(bump_pool_smallest_skipped_block_decides) { smallest_skipped_block_decides<basic_bump_pool<config16>>(); }
BOOST_AUTO_TEST_SUITE_END()

// basic_pool's quick lists cache every freed small block without a limit (the allocation that
// finds no hole compacts and swallows cached blocks), but under a limit only while the cache
// holds at most half the free bytes: a request of another size would otherwise wait for steps
// to merge cached blocks (compaction_deferred).
namespace {
template <class Config>
void cache_share_follows_the_limit() {
    alignas(16) std::byte buffer[4096];
    for (const bool limited : {false, true}) {
        basic_pool<Config> p{std::span<std::byte>(buffer)};
        if (limited) p.set_compaction_limit(256);
        std::vector<typename basic_pool<Config>::handle> blocks;
        while (const auto h = p.allocate(24)) blocks.push_back(h);
        BOOST_REQUIRE(blocks.size() > 64);
        const std::size_t free_before = p.stats().free_bytes;
        // Every other block: no two freed blocks touch, so each is a candidate for its quick list.
        for (std::size_t i = 0; i < blocks.size(); i += 2) BOOST_REQUIRE(p.deallocate(blocks[i]));
        const auto s = p.stats();
        test::require_ok(p);
        BOOST_TEST_MESSAGE("  " << (limited ? "limited" : "unlimited") << ": free " << s.free_bytes << " B, cached "
                                << s.cached_bytes << " B, free before " << free_before << " B");
        if (limited) {
            BOOST_TEST(2 * s.cached_bytes <= s.free_bytes);
            BOOST_TEST(s.cached_bytes < s.free_bytes - free_before); // some freed blocks were merged
        } else {
            BOOST_TEST(s.cached_bytes == s.free_bytes - free_before); // every freed block cached
        }
        // Either way a request of another size is served: at once without a limit (compaction
        // swallows cached blocks), after the main loop's steps under one.
        auto big = p.allocate(200);
        if (!big) {
            BOOST_TEST(limited);
            BOOST_TEST(to_string(p.last_error()) == to_string(error::compaction_deferred));
            while (!p.defrag_step(256)) {}
            big = p.allocate(200);
        }
        BOOST_TEST(bool(big));
        test::require_ok(p);
    }
}
} // namespace

BOOST_AUTO_TEST_SUITE(compaction_limit)
BOOST_AUTO_TEST_CASE(cache_share_follows_the_limit_config16) { cache_share_follows_the_limit<config16>(); }
BOOST_AUTO_TEST_CASE(cache_share_follows_the_limit_config17) { cache_share_follows_the_limit<config17>(); }
BOOST_AUTO_TEST_CASE(cache_share_follows_the_limit_config32) { cache_share_follows_the_limit<config32>(); }
BOOST_AUTO_TEST_SUITE_END()
