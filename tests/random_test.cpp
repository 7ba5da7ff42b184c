// SPDX-License-Identifier: MIT
// Randomised differential test: the pool against a reference model that knows every block's
// bytes. Random allocate / allocate_pinned / deallocate / reallocate / pin / unpin /
// defrag_step / defrag / stale-handle / reserve_handles calls, some under a compaction limit that
// comes and goes, with check() and a comparison of the live contents after every operation, over
// pools from 256 bytes to 4 MiB in every width and granule.
// Seeds are printed; TINYMEM_SEED replays one.
#include <memory>

#include "test_support.hpp"
#include "model/pool_model.hpp"

using namespace tinymem;

namespace {

template <class Config>
class differential {
public:
    using pool_type = basic_pool<Config>;
    using handle = typename pool_type::handle;
    // Live blocks: up to some 15,000 in the 1 MiB pool of small blocks.
    using model_type = tinymem_test::pool_model<pool_type, (std::size_t(1) << 15)>;

    differential(std::size_t pool_bytes, std::size_t max_size, std::uint64_t seed)
        : buffer_(pool_bytes), pool_(buffer_), max_size_(max_size), rng_(seed) {
        BOOST_REQUIRE(pool_.usable());
    }

    void run(std::uint64_t ops) {
        // Comparing every live byte after every operation costs O(pool) per operation: on the
        // largest pools it runs every `full_every` operations, the touched block always.
        const std::uint64_t full_every = buffer_.size() <= (std::size_t(256) << 10) ? 1 : 32;
        for (op_ = 0; op_ < ops; ++op_) {
            step();
            const auto r = pool_.check();
            if (!r.ok()) BOOST_FAIL("op " << op_ << ": check(): " << r.problem << " at byte " << r.offset);
            if (op_ % full_every == 0) compare_all();
        }
        compare_all();
        BOOST_TEST_MESSAGE("  " << ops << " ops, " << allocated_ << " allocations (" << failed_ << " refused), "
                                << pool_.stats().compactions << " compactions, " << pool_.stats().bytes_moved
                                << " bytes moved, " << model_.size() << " live at the end");
    }

private:
    std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : rng_() % n; }

    std::size_t random_size() {
        // Log-uniform: many small blocks, some large.
        const double span = std::log2(double(max_size_));
        const double e = std::uniform_real_distribution<double>(0, span)(rng_);
        return std::size_t(std::exp2(e)) + below(3);
    }

    // Plain comparisons in the hot path: a Boost assertion per block per operation would
    // dominate the run time. Any mismatch fails the test with its operation number.
    void expect(tinymem_test::mismatch m) {
        if (m) BOOST_FAIL("op " << op_ << ": " << m.what);
    }
    // A Boost assertion, where a block's bytes are written.
    void require(tinymem_test::mismatch m) { BOOST_REQUIRE_MESSAGE(!m, "op " << op_ << ": " << m.what); }
    void compare(std::size_t i) { expect(model_.check_block(pool_, i)); }
    void compare_all() { expect(model_.check_all(pool_)); }

    void expect_refusal(std::initializer_list<error> allowed) {
        const error e = pool_.last_error();
        bool ok = false;
        for (error a : allowed) ok = ok || a == e;
        BOOST_REQUIRE_MESSAGE(ok, "op " << op_ << ": unexpected error " << to_string(e));
    }

    bool limited() const { return pool_.compaction_limit() != ~std::size_t{0}; }

    // Under a compaction limit: a request the free bytes do not hold is never deferred; a
    // deferred one is not deferred again once the main loop's steps of the limit's budget are
    // done; a limited one, retried without the limit, is never deferred or limited, and is
    // served when stats() promised it just before. `retry` repeats the call; `promise` says
    // whether stats() promises it now.
    template <class Retry, class Promise>
    bool follow_up(std::size_t free_before, std::size_t bytes, Promise promise, Retry retry) {
        error e = pool_.last_error();
        if (e != error::compaction_deferred && e != error::compaction_limited) return false;
        BOOST_REQUIRE_MESSAGE(limited(), "op " << op_ << ": " << to_string(e) << " without a limit");
        BOOST_REQUIRE_MESSAGE(free_before >= bytes,
                              "op " << op_ << ": " << to_string(e) << " with " << free_before << " bytes free");
        // Deferred again only when the failed call itself left a hole for the steps (the table
        // grew into the block after it, which moved), and never a third time.
        for (int round = 0; e == error::compaction_deferred; ++round) {
            BOOST_REQUIRE_MESSAGE(round < 2, "op " << op_ << ": deferred again after the main loop's steps, twice");
            const std::size_t limit = pool_.compaction_limit();
            for (unsigned i = 0; !pool_.defrag_step(limit); ++i)
                BOOST_REQUIRE_MESSAGE(i < 1000000u, "op " << op_ << ": steps do not finish");
            if (retry()) return true;
            e = pool_.last_error();
        }
        if (e != error::compaction_limited) return false;
        const std::size_t limit = pool_.compaction_limit();
        pool_.set_compaction_limit(~std::size_t{0});
        const bool promised = promise();
        const bool ok = retry();
        pool_.set_compaction_limit(limit);
        if (ok) return true;
        e = pool_.last_error();
        BOOST_REQUIRE_MESSAGE(e != error::compaction_deferred && e != error::compaction_limited,
                              "op " << op_ << ": " << to_string(e) << " without a limit");
        BOOST_REQUIRE_MESSAGE(!promised, "op " << op_ << ": refused (" << to_string(e)
                                                << ") without the limit though stats() promised it");
        return false;
    }

    void allocate() {
        const std::size_t size = random_size();
        const std::size_t align = below(5) == 0 ? std::size_t(1) << below(9) : Config::granule;
        const bool fixed = below(20) == 0;
        // With no pinned or over-aligned block, whatever stats() promises must be served (under
        // a limit, once the limit is lifted).
        const auto before = pool_.stats();
        auto promise = [&] {
            return !fixed && align <= Config::granule && !model_.any_pinned_or_aligned() &&
                   size <= pool_.stats().largest_allocatable;
        };
        const bool promised = promise();
        if (model_.full()) return;
        auto call = [&] { return fixed ? pool_.allocate_pinned(size, align) : pool_.allocate(size, align); };
        handle h = call();
        ++allocated_;
        if (!h && limited()) follow_up(before.free_bytes, size, promise, [&] { return bool(h = call()); });
        if (!h) {
            ++failed_;
            BOOST_REQUIRE_MESSAGE(!promised || limited(), "op " << op_ << ": allocate(" << size << ") refused ("
                                                   << to_string(pool_.last_error()) << ") though stats() promised it");
            expect_refusal({error::out_of_memory, error::fragmented_by_pins, error::out_of_handles, error::too_large});
            return;
        }
        // The pattern's seed, then the draws the block's random bytes took before this model:
        // a seed printed then replays the same operations now.
        const auto id = std::uint32_t(rng_());
        rng_.discard(size - 1);
        require(model_.add(pool_, h, size, align, id, fixed));
    }

    void deallocate() {
        if (model_.empty()) return;
        const std::size_t i = below(model_.size());
        const handle h = model_[i].h;
        if (model_.deallocate_error(i) == error::pinned) {
            BOOST_REQUIRE(!pool_.deallocate(h));
            BOOST_REQUIRE(pool_.last_error() == error::pinned);
            return;
        }
        compare(i);
        BOOST_REQUIRE(pool_.deallocate(h));
        model_.remove(i);
    }

    void reallocate() {
        if (model_.empty()) return;
        const std::size_t i = below(model_.size());
        auto& b = model_[i];
        const std::size_t size = random_size();
        const std::size_t free_before = pool_.stats().free_bytes + pool_.size(b.h);
        bool ok = pool_.reallocate(b.h, size);
        if (!ok && limited())
            ok = follow_up(free_before, size, [] { return false; }, [&] { return pool_.reallocate(b.h, size); });
        if (!ok) {
            expect_refusal({error::out_of_memory, error::fragmented_by_pins, error::pinned, error::too_large});
            if (pool_.last_error() == error::pinned) BOOST_REQUIRE(model_type::pinned(b));
            compare(i);
            return;
        }
        if (size > b.bytes) {
            rng_.discard(size - b.bytes); // as allocate() does

            require(model_.resized(pool_, i, size));
        } else {
            expect(model_.resized(pool_, i, size));
        }
        compare(i);
    }

    void pin() {
        if (model_.empty()) return;
        const std::size_t i = below(model_.size());
        if (model_.pin_error(i) == error::pin_overflow) {
            BOOST_REQUIRE(!pool_.acquire_pin(model_[i].h));
            BOOST_REQUIRE(pool_.last_error() == error::pin_overflow);
            return;
        }
        BOOST_REQUIRE(pool_.acquire_pin(model_[i].h));
        model_.pinned_one(pool_, i);
    }

    void unpin() {
        for (std::size_t tries = 0; tries < 4 && !model_.empty(); ++tries) {
            const std::size_t i = below(model_.size());
            if (model_[i].fixed) continue;
            if (model_.unpin_error(i) == error::not_pinned) {
                BOOST_REQUIRE(!pool_.unpin(model_[i].h));
                BOOST_REQUIRE(pool_.last_error() == error::not_pinned);
                return;
            }
            BOOST_REQUIRE(pool_.unpin(model_[i].h));
            model_.unpinned_one(i);
            return;
        }
    }

    void stale() {
        // The last 64 freed handles: no slot's generation wraps in that time.
        if (model_.freed_count() == 0) return;
        const handle h = model_.freed_at(below(model_.freed_count())).h;
        BOOST_REQUIRE(!pool_.valid(h));
        BOOST_REQUIRE(pool_.data(h) == nullptr);
        expect(model_type::check_stale(pool_, h));
        BOOST_REQUIRE(!pool_.deallocate(h));
        BOOST_REQUIRE(pool_.last_error() == error::stale_handle);
    }

    // reserve_handles: a reservation the slots or the free bytes cannot meet is refused before
    // anything changes; one they can meet is met, or fails only for a pin in the table's way, or
    // under a limit.
    void reserve() {
        const auto before = pool_.stats();
        constexpr std::size_t word = sizeof(typename Config::word_type);
        const std::size_t table_slots = before.table_bytes / word;
        const std::size_t count = before.free_handles + below(below(8) == 0 ? 4 * table_slots + 64 : 8);
        const std::size_t extra = count - before.free_handles;
        const std::size_t slots_per_granule = Config::granule / word;
        const bool too_many = extra > Config::max_slots - table_slots;
        const bool too_big = (extra + slots_per_granule - 1) / slots_per_granule * Config::granule > before.free_bytes;
        if (pool_.reserve_handles(count)) {
            BOOST_REQUIRE_MESSAGE(!too_many && !too_big, "op " << op_ << ": reserve_handles met the impossible");
            BOOST_REQUIRE(pool_.stats().free_handles >= count);
            return;
        }
        const error e = pool_.last_error();
        if (too_many || too_big) {
            BOOST_REQUIRE_MESSAGE(e == (too_many ? error::out_of_handles : error::out_of_memory),
                                  "op " << op_ << ": reserve_handles refused with " << to_string(e));
            const auto after = pool_.stats();
            BOOST_REQUIRE_MESSAGE(after.table_bytes == before.table_bytes && after.free_bytes == before.free_bytes &&
                                      after.bytes_moved == before.bytes_moved,
                                  "op " << op_ << ": a refused reserve_handles changed the pool");
            return;
        }
        expect_refusal({error::out_of_handles, error::out_of_memory, error::compaction_deferred, error::compaction_limited});
        if (!limited()) BOOST_REQUIRE_MESSAGE(e != error::compaction_deferred && e != error::compaction_limited,
                                             "op " << op_ << ": " << to_string(e) << " without a limit");
    }

    // A compaction limit comes and goes (none most of the time).
    void toggle_limit() {
        if (limited()) pool_.set_compaction_limit(~std::size_t{0});
        else pool_.set_compaction_limit(std::size_t(16) << below(7));
    }

    void step() {
        if (below(400) == 0) toggle_limit();
        if (below(100) == 0) return reserve();
        const auto r = below(100);
        if (r < 34) allocate();
        else if (r < 60) deallocate();
        else if (r < 72) reallocate();
        else if (r < 79) pin();
        else if (r < 88) unpin();
        else if (r < 96) pool_.defrag_step(below(600));
        else if (r < 97) pool_.defrag();
        else stale();
    }

    std::vector<std::byte> buffer_;
    pool_type pool_;
    std::size_t max_size_;
    std::mt19937_64 rng_;
    // On the heap: the model holds its blocks in place.
    std::unique_ptr<model_type> model_ptr_ = std::make_unique<model_type>();
    model_type& model_ = *model_ptr_;
    std::uint64_t op_ = 0, allocated_ = 0, failed_ = 0;
};

template <class Config>
void run(const char* name, std::size_t pool_bytes, std::size_t max_size, double share) {
    const std::uint64_t seed = test::seed_for(name);
    const auto ops = std::uint64_t(double(TINYMEM_RANDOM_OPS) * share);
    differential<Config>(pool_bytes, max_size, seed).run(ops);
}

} // namespace

BOOST_AUTO_TEST_SUITE(randomised)

// Shares of TINYMEM_RANDOM_OPS: they add up to 1.
BOOST_AUTO_TEST_CASE(config16_256_bytes) { run<config16>("config16, 256 B", 256, 40, 0.16); }
BOOST_AUTO_TEST_CASE(config16_4_KiB) { run<config16>("config16, 4 KiB", 4096, 300, 0.20); }
BOOST_AUTO_TEST_CASE(config16_64_KiB) { run<config16>("config16, 64 KiB", 65536, 2048, 0.14); }
BOOST_AUTO_TEST_CASE(config16_without_quick_lists_4_KiB) {
    run<basic_config<std::uint16_t, 4, 0>>("config16 without quick lists, 4 KiB", 4096, 300, 0.20);
}
BOOST_AUTO_TEST_CASE(config16_g8_1_KiB) { run<config16_g8>("config16_g8, 1 KiB", 1024, 120, 0.14); }
BOOST_AUTO_TEST_CASE(config16_g8_256_KiB) { run<config16_g8>("config16_g8, 256 KiB", 262144, 8192, 0.05); }
BOOST_AUTO_TEST_CASE(config16_g16_16_KiB) {
    run<basic_config<std::uint16_t, 16>>("config16 granule 16, 16 KiB", 16384, 700, 0.10);
}
BOOST_AUTO_TEST_CASE(config17_1_MiB) { run<config17>("config17, 1 MiB", (std::size_t(1) << 20) - 8, 600, 0.04); }
BOOST_AUTO_TEST_CASE(config32_64_KiB) { run<config32>("config32, 64 KiB", 65536, 2048, 0.07); }
BOOST_AUTO_TEST_CASE(config32_4_MiB) { run<config32>("config32, 4 MiB", std::size_t(4) << 20, 65536, 0.03); }
BOOST_AUTO_TEST_CASE(config32_g16_1_MiB) { run<config32_g16>("config32_g16, 1 MiB", std::size_t(1) << 20, 16384, 0.07); }

BOOST_AUTO_TEST_SUITE_END()
