// SPDX-License-Identifier: MIT
// The lean engine, basic_bump_pool / bump_pool: a randomised differential test against a model
// of every block's bytes and of the layout, the errors (each leaving the pool intact), and the
// documented behaviour of allocation at the top, growth, compaction, steps and pins.
// Seeds are printed; TINYMEM_SEED replays one, TINYMEM_RANDOM_OPS scales the run.
#include <algorithm>
#include <bit>
#include <cstdio>
#include <initializer_list>
#include <iostream>
#include <iterator>
#include <memory>
#include <type_traits>
#include <utility>

#include "test_support.hpp"
#include "model/pool_model.hpp"

using namespace tinymem;

namespace {

// What the engine's documentation promises, spelled out from the outside.
template <class Config>
struct geometry {
    static constexpr std::size_t G = Config::granule;
    static constexpr std::size_t hb = sizeof(typename Config::word_type); // header and table word
    // Granules a request takes, its header included.
    static constexpr std::size_t granules(std::size_t bytes) { return (bytes + hb + G - 1) / G; }
    // The largest request an empty pool of `capacity` bytes can ever serve (one table word).
    static std::size_t max_request(std::size_t capacity) { return (capacity / G - 1) * G - hb; }
    // The largest usable buffer: one granule less than the offsets address.
    static constexpr std::size_t max_buffer = (std::size_t(Config::max_granules) - 1) * G;
};

std::size_t failed_of(const pool_stats& s, error e) { return s.failed[std::size_t(e)]; }

// The counts that describe the pool's blocks (not its history).
bool same_blocks(const pool_stats& a, const pool_stats& b) {
    return a.used_bytes == b.used_bytes && a.free_bytes == b.free_bytes && a.table_bytes == b.table_bytes &&
           a.live_blocks == b.live_blocks && a.free_handles == b.free_handles && a.pinned_bytes == b.pinned_bytes;
}
// Nothing at all happened but one failure of `e` was counted.
bool only_failed(const pool_stats& before, const pool_stats& after, error e) {
    if (!same_blocks(before, after) || before.bytes_moved != after.bytes_moved ||
        before.compactions != after.compactions || before.largest_free_bytes != after.largest_free_bytes)
        return false;
    for (std::size_t i = 0; i < error_count; ++i)
        if (after.failed[i] != before.failed[i] + (i == std::size_t(e) ? 1u : 0u)) return false;
    return true;
}

// ---- the randomised differential test ------------------------------------------------------

#define fail_at(msg) BOOST_FAIL("seed " << seed_ << ", op " << op_ << ": " << msg)
// TINYMEM_TRACE=1 in the environment prints every operation of a replayed run to stderr.
#define trace(msg)                                                                                               \
    do {                                                                                                         \
        if (trace_) std::cerr << "op " << op_ << ": " << msg << "\n";                                        \
    } while (0)
#define expect_that(cond, msg)                                                                                   \
    do {                                                                                                         \
        if (!(cond)) fail_at(msg);                                                                               \
    } while (0)

template <class Config>
class differential {
public:
    using pool_type = basic_bump_pool<Config>;
    using handle = typename pool_type::handle;
    // Live blocks: up to some 9,000 in the 1 MiB pool; freed handles: the last 128.
    using model_type = tinymem_test::pool_model<pool_type, (std::size_t(1) << 14), 128>;
    using geo = geometry<Config>;
    static constexpr std::size_t G = geo::G;
    static constexpr std::size_t hb = geo::hb;

    differential(std::size_t pool_bytes, std::size_t skew, std::size_t max_size, std::uint64_t seed)
        : buffer_(pool_bytes + skew), pool_(std::span<std::byte>(buffer_).subspan(skew)), max_size_(max_size),
          seed_(seed), rng_(seed) {
        BOOST_REQUIRE(pool_.usable());
        const auto start = reinterpret_cast<std::uintptr_t>(buffer_.data() + skew);
        base_ = buffer_.data() + skew + (G - start % G) % G;
        BOOST_REQUIRE_EQUAL(pool_.capacity(), (pool_bytes - std::size_t(base_ - buffer_.data() - skew)) / G * G);
        other_h_ = other_.allocate(8);
        BOOST_REQUIRE(other_h_);
    }

    void run(std::uint64_t ops) {
        // check() and the pinned pointers after every operation. Comparing every live byte and
        // the layout is O(pool): pools up to 4 KiB do it after every operation, larger ones every
        // `full_every_` operations and after every defrag; the block an operation touched, and
        // the counters it changed, are checked by the operation itself.
        for (op_ = 0; op_ < ops; ++op_) {
            step();
            const auto r = pool_.check();
            if (!r.ok()) fail_at("check(): " << r.problem << " at byte " << r.offset);
            check_pins();
            if (op_ % full_every_ == 0) compare_all();
        }
        compare_all();
        const auto s = pool_.stats();
        std::string why;
        for (std::size_t e = 1; e < error_count; ++e)
            if (refusals_[e] != 0) why += std::string(why.empty() ? "" : ", ") + to_string(error(e)) + " " + std::to_string(refusals_[e]);
        BOOST_TEST_MESSAGE("  " << ops << " ops, " << allocated_ << " allocations (" << refused_ << " refused), "
                                << reallocated_ << " reallocations (" << realloc_refused_ << " refused; " << why << "), "
                                << s.compactions << " compactions, " << s.bytes_moved << " bytes moved, "
                                << model_.size() << " live at the end");
        // The run must have exercised what it is for.
        BOOST_TEST(allocated_ > refused_);
        BOOST_TEST(reallocated_ > realloc_refused_);
        if (ops >= 20000) {
            BOOST_TEST(s.compactions > 0u);
            BOOST_TEST(s.bytes_moved > 0u);
        }
    }

private:
    std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : rng_() % n; }

    std::size_t random_size() {
        // Log-uniform: many small blocks, some large; now and then one near the whole pool.
        if (below(200) == 0) return 1 + below(geo::max_request(pool_.capacity()));
        const double span = std::log2(double(max_size_));
        const double e = std::uniform_real_distribution<double>(0, span)(rng_);
        return std::size_t(std::exp2(e)) + below(3);
    }

    std::size_t block_granules(handle h) const { return (pool_.size(h) + hb) / G; }
    // For traces: a handle's value and its block's offset from the heap start.
    static std::string name(handle h) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "#%llx", static_cast<unsigned long long>(h.value()));
        return buf;
    }
    std::ptrdiff_t offset_of(handle h) {
        const void* d = pool_.data(h);
        return d ? static_cast<const std::byte*>(d) - base_ : -1;
    }
    bool any_pinned() const { return model_.any_pinned(); }

    // Plain comparisons in the hot path; any mismatch fails with the seed and operation.
    // `after`: the call that left the pool so, for the message.
    void expect(tinymem_test::mismatch m, const char* after = "the last call") {
        if (!m) return;
        if (m.block == model_type::npos) fail_at("after " << after << ": " << m.what);
        const handle h = model_[m.block].h;
        fail_at("after " << after << ": " << m.what << ": block " << name(h) << " of " << pool_.size(h) + hb
                         << " B at " << offset_of(h));
    }
    void compare(std::size_t i) { expect(model_.check_block(pool_, i)); }
    void check_pins() { expect(model_.check_pins(pool_)); }

    // Every block's bytes, pins and place, and the counters against the model (the blocks in
    // the heap, granule-aligned, not overlapping).
    void compare_all() {
        expect(model_.check_all(pool_));
        expect(model_.check_layout(pool_, base_));
    }

    // Compact but for holes before pinned blocks and before blocks of more than `limit` bytes
    // (SIZE_MAX: none).
    void expect_compact(std::size_t limit, const char* after) {
        compare_all();
        expect(model_.check_layout(pool_, base_, limit), after);
    }

    // A failure of `e` was counted once, and no block changed (its bytes included: every
    // failure on pools up to 64 KiB, and on larger ones every failure that moved blocks).
    void expect_counted(const pool_stats& before, error e) {
        const auto after = pool_.stats();
        expect_that(after.failed[std::size_t(e)] == before.failed[std::size_t(e)] + 1, "failure not counted");
        expect_that(same_blocks(before, after), "a failed call changed the blocks");
        if (buffer_.size() <= (std::size_t(64) << 10) || after.bytes_moved != before.bytes_moved) compare_all();
    }

    void allocate() {
        std::size_t size = random_size();
        std::size_t align = G;
        const auto kind = below(50);
        const auto before = pool_.stats();
        if (kind == 0 || kind == 1) {
            // Too large: just above what an empty pool could hold, or absurd.
            size = kind == 0 ? geo::max_request(pool_.capacity()) + 1 + below(3 * G) : SIZE_MAX - below(64);
            expect_that(!pool_.allocate(size), "allocate(" << size << ") of a too large size succeeded");
            expect_that(pool_.last_error() == error::too_large, "allocate(" << size << "): " << to_string(pool_.last_error()));
            expect_that(only_failed(before, pool_.stats(), error::too_large), "a too large request changed the pool");
            return;
        }
        if (kind == 2) {
            static constexpr std::size_t bad[] = {0, 3, 6, 12, 24, 2 * G, 4 * G, 4096, SIZE_MAX};
            align = bad[below(std::size(bad))];
            expect_that(!pool_.allocate(size, align), "allocate(" << size << ", " << align << ") succeeded");
            expect_that(pool_.last_error() == error::bad_alignment, "bad alignment: " << to_string(pool_.last_error()));
            expect_that(only_failed(before, pool_.stats(), error::bad_alignment), "a bad alignment changed the pool");
            return;
        }
        if (kind < 12) align = std::size_t(1) << below(std::countr_zero(G) + 1);
        const std::size_t need = geo::granules(size);
        const std::size_t free_g = before.free_bytes / G;
        const bool new_slot = before.free_handles == 0;
        const bool slot_limit = new_slot && before.table_bytes / hb == std::size_t(Config::max_slots);
        const bool too_large = size > geo::max_request(pool_.capacity());
        const bool pins = any_pinned();
        // Enough free bytes, nothing pinned: allocate must compact and serve it (a new table
        // word takes at most a granule of them).
        const bool promised = !pins && !too_large && !slot_limit && need + (new_slot ? 1 : 0) <= free_g;
        const handle h = pool_.allocate(size, align);
        // With nothing pinned, stats().largest_allocatable is exact.
        if (!pins && !slot_limit)
            expect_that(bool(h) == (size <= before.largest_allocatable),
                        "allocate(" << size << ") " << (h ? "served" : "refused") << ", but largest_allocatable was "
                                    << before.largest_allocatable << " (" << before.free_bytes << " B free, "
                                    << before.free_handles << " free handles)");
        trace("allocate(" << size << ", " << align << ") -> " << name(h) << " " << to_string(pool_.last_error())
                          << " at " << offset_of(h));
        ++allocated_;
        if (!h) {
            ++refused_;
            const error e = pool_.last_error();
            ++refusals_[std::size_t(e)];
            expect_that(!promised, "allocate(" << size << ") refused (" << to_string(e) << ") with " << before.free_bytes
                                               << " free bytes and nothing pinned");
            switch (e) {
            case error::too_large: expect_that(too_large, "too_large for " << size); break;
            case error::out_of_memory:
                expect_that(!too_large && free_g < need + (new_slot ? 1 : 0),
                            "out_of_memory for " << size << " B with " << before.free_bytes << " B free");
                break;
            case error::out_of_handles:
                expect_that(new_slot && (slot_limit || free_g >= need), "out_of_handles with a free handle or no room");
                break;
            case error::fragmented_by_pins:
                expect_that(pins && free_g >= need, "fragmented_by_pins for " << size << " B with " << before.free_bytes
                                                                              << " B free, pins: " << pins);
                break;
            default: fail_at("allocate: unexpected error " << to_string(e));
            }
            expect_counted(before, e);
            return;
        }
        expect_that(pool_.last_error() == error::none, "last_error() after a success");
        const auto* d = static_cast<const std::byte*>(pool_.data(h));
        expect_that(pool_.valid(h) && d != nullptr, "a new handle is not valid");
        expect_that(reinterpret_cast<std::uintptr_t>(d) % std::max(align, G) == 0, "misaligned block");
        expect_that(pool_.size(h) >= size && pool_.size(h) < size + G, "size " << pool_.size(h) << " for " << size);
        expect_that(pool_.pin_count(h) == 0u, "a new block is pinned");
        // The top is above every block: a new block lies past all the others.
        for (const auto& o : model_)
            expect_that(static_cast<const std::byte*>(pool_.data(o.h)) < d, "a new block below an older one");
        const auto after = pool_.stats();
        expect_that(after.used_bytes == before.used_bytes + need * G, "used_bytes grew by the wrong amount");
        expect_that(after.table_bytes == before.table_bytes + (new_slot ? hb : 0), "the table grew wrongly");
        // Free bytes fall by the block, and by at most a granule for a new table word.
        const std::size_t lost = before.free_bytes - after.free_bytes;
        expect_that(lost == need * G || (new_slot && lost == need * G + G),
                    "free bytes fell by " << lost << " for a block of " << need * G << " B");
        expect(model_.add(pool_, h, size, align, std::uint32_t(rng_())));
        if (after.compactions != before.compactions && full_every_ == 1) compare_all();
    }

    void deallocate() {
        if (model_.empty()) return;
        const std::size_t i = below(model_.size());
        const auto& b = model_[i];
        const auto before = pool_.stats();
        if (model_.deallocate_error(i) == error::pinned) {
            expect_that(!pool_.deallocate(b.h), "deallocate of a pinned block succeeded");
            expect_that(pool_.last_error() == error::pinned, "deallocate pinned: " << to_string(pool_.last_error()));
            expect_that(only_failed(before, pool_.stats(), error::pinned), "a refused free changed the pool");
            return;
        }
        compare(i);
        const std::size_t bytes = pool_.size(b.h) + hb;
        trace("deallocate(" << name(b.h) << ") at " << offset_of(b.h) << ", " << bytes << " B");
        expect_that(pool_.deallocate(b.h), "deallocate failed: " << to_string(pool_.last_error()));
        expect_that(pool_.last_error() == error::none, "last_error() after a success");
        const auto after = pool_.stats();
        expect_that(after.used_bytes + bytes == before.used_bytes, "used_bytes did not fall by the block");
        expect_that(after.free_bytes == before.free_bytes + bytes, "free_bytes did not grow by the block");
        expect_that(after.live_blocks + 1 == before.live_blocks && after.free_handles == before.free_handles + 1,
                    "live / free handle counts after a free");
        expect_that(after.bytes_moved == before.bytes_moved && after.compactions == before.compactions,
                    "deallocate moved blocks");
        expect_that(!pool_.valid(b.h) && pool_.data(b.h) == nullptr, "a freed handle is still valid");
        model_.remove(i);
    }

    void reallocate() {
        if (model_.empty()) return;
        const std::size_t i = below(model_.size());
        auto& b = model_[i];
        // A third small growths, a fifth shrinks, the rest a new random size; now and then too large.
        const std::size_t old_size = b.bytes;
        std::size_t size = random_size();
        const auto kind = below(15);
        if (kind < 5) size = old_size + 1 + below(std::max<std::size_t>(std::min(old_size / 2, max_size_), 2 * G));
        else if (kind < 8) size = 1 + below(old_size);
        if (below(100) == 0) size = geo::max_request(pool_.capacity()) + 1 + below(G);
        const auto before = pool_.stats();
        const std::size_t cur = block_granules(b.h), need = geo::granules(size);
        const bool too_large = size > geo::max_request(pool_.capacity());
        const std::size_t extra = need > cur ? need - cur : 0;
        const void* at = pool_.data(b.h);
        const bool pins = any_pinned();
        bool highest = true; // no block above it: it is the topmost one, or holes alone follow it
        for (const auto& o : model_)
            if (pool_.data(o.h) > at) highest = false;
        // A block that is not the topmost needs its whole new size free (it moves to the top); the
        // topmost one only the growth. With nothing pinned, that many free bytes do.
        const bool promised = !pins && !too_large && (highest ? extra : need) * G <= before.free_bytes;
        ++reallocated_;
        const bool ok = pool_.reallocate(b.h, size);
        trace("reallocate(" << name(b.h) << ", " << size << ") from " << cur * G << " B at " << static_cast<const std::byte*>(at) - base_
                            << " -> " << to_string(pool_.last_error()) << " at " << offset_of(b.h));
        if (!ok) {
            ++realloc_refused_;
            const error e = pool_.last_error();
            ++refusals_[std::size_t(e)];
            expect_that(!promised, "reallocate(" << size << ") of " << b.bytes << " refused ("
                                                 << to_string(e) << ") with " << before.free_bytes
                                                 << " B free and nothing pinned");
            expect_that(need > cur, "a shrink failed: " << to_string(e));
            switch (e) {
            case error::too_large: expect_that(too_large, "too_large for " << size); break;
            case error::out_of_memory:
                expect_that(!too_large && before.free_bytes < (highest && b.pins == 0 ? extra : need) * G,
                            "out_of_memory growing to " << need * G << " B with " << before.free_bytes << " B free"
                                                        << (highest ? " (the highest block)" : ""));
                break;
            case error::fragmented_by_pins:
                expect_that(pins && before.free_bytes >= extra * G, "fragmented_by_pins growing by "
                                                                        << extra * G << " B, " << before.free_bytes
                                                                        << " B free, pins: " << pins);
                break;
            case error::pinned: expect_that(b.pins != 0, "pinned error for an unpinned block"); break;
            default: fail_at("reallocate: unexpected error " << to_string(e));
            }
            expect_counted(before, e);
            if (e == error::too_large || e == error::pinned)
                expect_that(pool_.stats().bytes_moved == before.bytes_moved, "a refused reallocate moved blocks");
            return;
        }
        expect_that(pool_.last_error() == error::none, "last_error() after a success");
        expect_that(block_granules(b.h) == need, "the block holds " << block_granules(b.h) << " granules, wanted " << need);
        const auto after = pool_.stats();
        expect_that(after.used_bytes + cur * G == before.used_bytes + need * G, "used_bytes after reallocate");
        expect_that(after.live_blocks == before.live_blocks && after.table_bytes == before.table_bytes,
                    "reallocate changed the block or table count");
        if (need <= cur) {
            expect_that(pool_.data(b.h) == at, "a shrink moved the block");
            expect_that(after.bytes_moved == before.bytes_moved, "a shrink moved bytes");
        }
        if (b.pins != 0) expect_that(pool_.data(b.h) == at, "a pinned block moved to grow");
        // The kept prefix holds its bytes; the new ones are written.
        expect(model_.resized(pool_, i, size));
        if (after.bytes_moved != before.bytes_moved && full_every_ == 1) compare_all();
    }

    void pin() {
        if (model_.empty()) return;
        const std::size_t i = below(model_.size());
        const auto& b = model_[i];
        const auto before = pool_.stats();
        if (model_.pin_error(i) == error::pin_overflow) {
            expect_that(!pool_.acquire_pin(b.h), "a pin past max_pins succeeded");
            expect_that(pool_.last_error() == error::pin_overflow, "pin overflow: " << to_string(pool_.last_error()));
            expect_that(only_failed(before, pool_.stats(), error::pin_overflow), "a refused pin changed the pool");
            return;
        }
        const void* at = pool_.data(b.h);
        trace("acquire_pin(" << name(b.h) << ") at " << offset_of(b.h));
        expect_that(pool_.acquire_pin(b.h), "acquire_pin failed: " << to_string(pool_.last_error()));
        expect_that(pool_.data(b.h) == at, "pinning moved the block");
        model_.pinned_one(pool_, i);
        if (b.pins == 1) {
            expect_that(pool_.stats().pinned_bytes == before.pinned_bytes + pool_.size(b.h) + hb, "pinned_bytes");
        }
    }

    void unpin() {
        if (model_.empty()) return;
        // Mostly a pinned block (pins would pile up otherwise), now and then any block.
        std::vector<std::size_t> pinned;
        if (below(8) != 0)
            for (std::size_t i = 0; i < model_.size(); ++i)
                if (model_[i].pins != 0) pinned.push_back(i);
        const std::size_t i = pinned.empty() ? below(model_.size()) : pinned[below(pinned.size())];
        const auto& b = model_[i];
        const auto before = pool_.stats();
        if (model_.unpin_error(i) == error::not_pinned) {
            expect_that(!pool_.unpin(b.h), "unpin of an unpinned block succeeded");
            expect_that(pool_.last_error() == error::not_pinned, "unpin: " << to_string(pool_.last_error()));
            expect_that(only_failed(before, pool_.stats(), error::not_pinned), "a refused unpin changed the pool");
            return;
        }
        trace("unpin(" << name(b.h) << ") at " << offset_of(b.h));
        expect_that(pool_.unpin(b.h), "unpin failed: " << to_string(pool_.last_error()));
        model_.unpinned_one(i);
        if (b.pins == 0) {
            expect_that(pool_.stats().pinned_bytes + pool_.size(b.h) + hb == before.pinned_bytes, "pinned_bytes");
        }
    }

    // One step of a random budget (tiny ones included): it keeps to its budget.
    bool defrag_step(std::size_t budget) {
        const auto before = pool_.stats();
        const bool done = pool_.defrag_step(budget);
        const auto after = pool_.stats();
        trace("defrag_step(" << budget << ") -> " << done << ", moved " << after.bytes_moved - before.bytes_moved);
        expect_that(after.bytes_moved - before.bytes_moved <= budget,
                    "defrag_step(" << budget << ") moved " << after.bytes_moved - before.bytes_moved << " B");
        expect_that(same_blocks(before, after), "defrag_step changed the counts");
        return done;
    }
    void defrag_step() { defrag_step(below(4) == 0 ? below(2 * pool_type::visit_cost) : below(2500)); }

    // Steps of one budget until they settle; each keeps to the budget.
    // With a budget above the whole heap no block is too large for a step, and the pool is then
    // compact but for holes before pinned blocks. (With smaller budgets, which holes may stay is
    // left to the dedicated tests: the engine remembers only the largest block a pass skipped.)
    void drain() {
        const bool whole = below(2) == 0;
        const std::size_t budget = whole ? 2 * pool_.capacity() + 1024 : below(4) == 0 ? below(2 * pool_type::visit_cost) : below(4000);
        // Steps make progress whatever their budget (each visits at least two blocks).
        // Settled: true twice running, the second moving nothing. (One true is not enough: a
        // pass that began with a smaller budget ends true, and the next step starts another;
        // see defrag_step_true_means_a_further_step_moves_nothing.)
        const std::size_t limit = 8 * (model_.size() + 1) + 64;
        bool settled = false, was_done = false;
        for (std::size_t calls = 0; calls < limit && !settled; ++calls) {
            const auto moved = pool_.stats().bytes_moved;
            const bool done = defrag_step(budget);
            settled = was_done && done && pool_.stats().bytes_moved == moved;
            was_done = done;
        }
        expect_that(settled, "defrag_step(" << budget << ") did not settle in " << limit << " calls");
        check_pins();
        if (whole) {
            expect_compact(SIZE_MAX, "steps larger than the heap"); // no block is exempt
            if (!any_pinned()) {
                const auto s = pool_.stats();
                expect_that(s.largest_free_bytes == s.free_bytes, "after whole steps the free space is split");
            }
        }
    }

    void defrag() {
        const auto before = pool_.stats();
        trace("defrag()");
        pool_.defrag();
        const auto after = pool_.stats();
        expect_that(same_blocks(before, after), "defrag changed the counts");
        expect_that(after.compactions == before.compactions + 1, "defrag not counted as a compaction");
        expect_compact(SIZE_MAX, "defrag()");
        if (!any_pinned()) {
            expect_that(after.largest_free_bytes == after.free_bytes && after.fragmentation_percent == 0u,
                        "after defrag() with no pins the free space is not one block: largest "
                            << after.largest_free_bytes << " of " << after.free_bytes << ", "
                            << after.fragmentation_percent << " %");
        }
        const std::size_t budget = below(5000);
        expect_that(pool_.defrag_step(budget), "defrag_step after defrag() has work");
        expect_that(pool_.stats().bytes_moved == after.bytes_moved, "defrag_step after defrag() moved bytes");
    }

    // Calls on handles that name no live block: each fails and changes nothing.
    void bad_handle() {
        const auto before = pool_.stats();
        handle h;
        error e;
        // Handles freed in the last 101 frees: a slot's generation cannot wrap in that time.
        const std::size_t recent = std::min<std::size_t>(model_.freed_count(), 101);
        const auto kind = below(4);
        if (kind < 2 && recent != 0) {
            h = model_.freed_at(model_.freed_count() - recent + below(recent)).h;
            e = error::stale_handle;
        } else if (kind == 2 || model_.empty()) {
            h = other_h_; // another pool's live handle
            e = error::invalid_handle;
        } else {
            // A live handle's tag and generation with a slot past the table.
            using V = typename handle::value_type;
            const V slot_mask = (V(1) << Config::slot_bits) - 1;
            const V slot = V(before.table_bytes / hb + below(3));
            h = handle(V((model_[below(model_.size())].h.value() & ~slot_mask) | slot));
            e = error::invalid_handle;
        }
        expect_that(!pool_.valid(h) && pool_.data(h) == nullptr && pool_.size(h) == 0 && pool_.pin_count(h) == 0,
                    "a bad handle resolves");
        bool ok = false;
        switch (below(5)) {
        case 0: ok = pool_.deallocate(h); break;
        case 1: ok = pool_.reallocate(h, random_size()); break;
        case 2: ok = pool_.acquire_pin(h); break;
        case 3: ok = pool_.unpin(h); break;
        case 4: ok = bool(pool_.pin(h)); break;
        }
        expect_that(!ok, "a call on a bad handle succeeded");
        expect_that(pool_.last_error() == e, "bad handle: " << to_string(pool_.last_error()) << ", wanted " << to_string(e));
        expect_that(only_failed(before, pool_.stats(), e), "a call on a bad handle changed the pool");
    }

    void step() {
        // A fill target that wanders between half full and nearly full: above it, frees
        // outnumber allocations; below it, the other way round.
        if (op_ % 2000 == 0) target_ = 0.4 + 0.6 * double(below(1001)) / 1000.0;
        if (op_ % 8 == 0) over_ = double(pool_.stats().used_bytes) > target_ * double(pool_.capacity());
        const bool over = over_;
        const auto r = below(100);
        if (r < (over ? 20 : 36)) allocate();
        else if (r < 54) deallocate();
        else if (r < 70) reallocate();
        else if (r < 76) pin();
        else if (r < 84) unpin();
        else if (r < 92) defrag_step();
        else if (r < 94) drain();
        else if (r < 95) defrag();
        else bad_handle();
    }

    std::vector<std::byte> buffer_;
    pool_type pool_;
    std::byte* base_ = nullptr;
    std::size_t max_size_;
    std::uint64_t seed_;
    std::mt19937_64 rng_;
    // On the heap: the model holds its blocks in place.
    std::unique_ptr<model_type> model_ptr_ = std::make_unique<model_type>();
    model_type& model_ = *model_ptr_;
    alignas(16) std::byte other_buffer_[256] = {};
    pool_type other_{other_buffer_};
    handle other_h_;
    bool trace_ = std::getenv("TINYMEM_TRACE") != nullptr;
    double target_ = 0.9;
    bool over_ = false;
    const std::uint64_t full_every_ = buffer_.size() <= 4096 ? 1 : buffer_.size() <= (std::size_t(64) << 10) ? 8 : 64;
    std::uint32_t refusals_[error_count] = {};
    std::uint64_t op_ = 0, allocated_ = 0, refused_ = 0, reallocated_ = 0, realloc_refused_ = 0;
};
#undef expect_that
#undef fail_at
#undef trace

// `share` of TINYMEM_RANDOM_OPS (at least 1000 operations); the bump suite's shares add up to
// about a fifth: some 260,000 operations by default, about 10 s in a debug build.
template <class Config>
void run(const char* name, std::size_t pool_bytes, std::size_t max_size, double share, std::size_t skew = 0) {
    const std::uint64_t seed = test::seed_for(name);
    const auto ops = std::max<std::uint64_t>(1000, std::uint64_t(double(TINYMEM_RANDOM_OPS) * share));
    differential<Config>(pool_bytes, skew, max_size, seed).run(ops);
}

// ---- fixtures for the error and behaviour tests ---------------------------------------------

using fixture = test::three_blocks<basic_bump_pool<config16>>;

template <class Pool>
const std::byte* at(const Pool& p, typename Pool::handle h) {
    return static_cast<const std::byte*>(p.data(h));
}

} // namespace

BOOST_AUTO_TEST_SUITE(bump)

// ---- randomised -------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(random_config16_300_bytes) { run<config16>("bump config16, 300 B", 300, 40, 0.030, 1); }
BOOST_AUTO_TEST_CASE(random_config16_4_KiB) { run<config16>("bump config16, 4 KiB", 4096, 300, 0.030); }
BOOST_AUTO_TEST_CASE(random_config16_64_KiB) { run<config16>("bump config16, 64 KiB", 65536, 2048, 0.018); }
BOOST_AUTO_TEST_CASE(random_config16_256_KiB) {
    run<config16>("bump config16, 256 KiB", geometry<config16>::max_buffer, 6000, 0.010);
}
BOOST_AUTO_TEST_CASE(random_config16_g8_1_KiB) { run<config16_g8>("bump config16_g8, 1 KiB", 1024, 120, 0.030, 4); }
BOOST_AUTO_TEST_CASE(random_config16_g8_64_KiB) {
    run<config16_g8>("bump config16_g8, 64 KiB", 65536, 3000, 0.015);
}
BOOST_AUTO_TEST_CASE(random_config16_g16_16_KiB) {
    run<basic_config<std::uint16_t, 16>>("bump config16 granule 16, 16 KiB", 16384, 700, 0.020);
}
BOOST_AUTO_TEST_CASE(random_config17_1_MiB) {
    run<config17>("bump config17, 1 MiB", geometry<config17>::max_buffer, 1200, 0.008);
}
BOOST_AUTO_TEST_CASE(random_config32_512_bytes) { run<config32>("bump config32, 512 B", 512, 60, 0.030, 3); }
BOOST_AUTO_TEST_CASE(random_config32_64_KiB) { run<config32>("bump config32, 64 KiB", 65536, 2048, 0.018); }
BOOST_AUTO_TEST_CASE(random_config32_1_MiB) {
    run<config32>("bump config32, 1 MiB", std::size_t(1) << 20, 16384, 0.006);
}

// ---- errors at the lean engine's own limits (the errors both engines share: errors_test.cpp) ----

// Just above the largest request the pool could ever hold: too_large, while one byte less is a
// plain out_of_memory here (and fits an empty pool).
template <class Config>
void too_large_boundary(std::size_t bytes) {
    using geo = geometry<Config>;
    std::vector<std::byte> buf(bytes);
    basic_bump_pool<Config> p{buf};
    BOOST_REQUIRE(p.usable());
    const std::size_t max = geo::max_request(p.capacity());
    BOOST_TEST_MESSAGE("capacity " << p.capacity() << ", largest request " << max);
    const auto small = p.allocate(8);
    BOOST_REQUIRE(small);
    test::fill(p, small, 1, 8);
    BOOST_TEST(!p.allocate(max + 1));
    BOOST_TEST(p.last_error() == error::too_large);
    BOOST_TEST(!p.reallocate(small, max + 1));
    BOOST_TEST(p.last_error() == error::too_large);
    BOOST_TEST(!p.allocate(max));
    BOOST_TEST(p.last_error() == error::out_of_memory);
    BOOST_TEST(test::holds(p, small, 1, 8));
    test::require_ok(p);
    BOOST_REQUIRE(p.deallocate(small));
    const auto all = p.allocate(max); // the whole heap, the one table word aside
    BOOST_REQUIRE(all);
    BOOST_TEST(p.size(all) == max);
    BOOST_TEST(p.stats().free_bytes == 0u);
    test::fill(p, all, 2, max);
    BOOST_TEST(test::holds(p, all, 2, max));
    test::require_ok(p);
    BOOST_TEST(!p.allocate(1));
    BOOST_TEST(p.last_error() == error::out_of_memory);
}

BOOST_AUTO_TEST_CASE(error_too_large_at_the_boundary) {
    too_large_boundary<config16>(2048);
    too_large_boundary<config16>(geometry<config16>::max_buffer); // the largest pool
    too_large_boundary<config16_g8>(1000);
    too_large_boundary<config16_g8>(geometry<config16_g8>::max_buffer);
    too_large_boundary<config17>(geometry<config17>::max_buffer);
    too_large_boundary<config32>(4096);
    too_large_boundary<basic_config<std::uint16_t, 16>>(777);
}

BOOST_AUTO_TEST_CASE(error_bad_alignment_per_granule) {
    alignas(16) std::byte buf[1024];
    basic_bump_pool<config32> p{buf}; // 8-byte granules
    for (std::size_t align : {1, 2, 4, 8}) {
        const auto h = p.allocate(5, align);
        BOOST_REQUIRE(h);
        BOOST_TEST(reinterpret_cast<std::uintptr_t>(p.data(h)) % 8 == 0u);
    }
    BOOST_TEST(!p.allocate(5, 16));
    BOOST_TEST(p.last_error() == error::bad_alignment);
    alignas(16) std::byte buf16[1024];
    basic_bump_pool<basic_config<std::uint16_t, 16>> q{buf16};
    const auto h = q.allocate(5, 16);
    BOOST_REQUIRE(h);
    BOOST_TEST(reinterpret_cast<std::uintptr_t>(q.data(h)) % 16 == 0u);
    BOOST_TEST(!q.allocate(5, 32));
    BOOST_TEST(q.last_error() == error::bad_alignment);
    test::require_ok(p);
    test::require_ok(q);
}

// The smallest and largest buffers the lean engine accepts, and their exact capacity (the
// refused ones: errors_test.cpp, bad_buffer, both engines).
BOOST_AUTO_TEST_CASE(error_bad_buffer) {
    alignas(16) std::byte raw[64] = {};
    std::vector<std::byte> big(std::size_t(1) << 18);
    std::vector<std::byte> mib(std::size_t(1) << 20);
    // The limits themselves are fine.
    basic_bump_pool<config16> four{std::span<std::byte>(raw, 16)};
    BOOST_REQUIRE(four.usable());
    BOOST_TEST(four.capacity() == 16u);
    const auto h = four.allocate(8); // 3 granules: the header, 8 bytes; the last granule is the table
    BOOST_REQUIRE(h);
    BOOST_TEST(four.size(h) == 8u);
    BOOST_TEST(!four.allocate(1));
    BOOST_TEST(four.last_error() == error::out_of_memory);
    test::require_ok(four);
    basic_bump_pool<config16> max16{std::span<std::byte>(big).first(geometry<config16>::max_buffer)};
    BOOST_TEST(max16.usable());
    BOOST_TEST(max16.capacity() == geometry<config16>::max_buffer);
    basic_bump_pool<config17> max17{std::span<std::byte>(mib).first(geometry<config17>::max_buffer + 7)};
    BOOST_TEST(max17.usable());
    BOOST_TEST(max17.capacity() == geometry<config17>::max_buffer);
    // A misaligned buffer is rounded up to the granule.
    alignas(16) std::byte raw2[64];
    basic_bump_pool<config32> skewed{std::span<std::byte>(raw2 + 3, 61)};
    BOOST_REQUIRE(skewed.usable());
    BOOST_TEST(skewed.capacity() == 56u);
    const auto s = skewed.allocate(10);
    BOOST_REQUIRE(s);
    BOOST_TEST(reinterpret_cast<std::uintptr_t>(skewed.data(s)) % 8 == 0u);
    BOOST_TEST(at(skewed, s) >= raw2 + 3);
    BOOST_TEST(at(skewed, s) + skewed.size(s) <= raw2 + 64);
    test::require_ok(skewed);
}

// The free bytes hold the block but not the table word a new handle needs.
template <class Config>
void table_cannot_grow(std::size_t bytes) {
    using geo = geometry<Config>;
    std::vector<std::byte> buf(bytes);
    basic_bump_pool<Config> p{buf};
    const auto x = p.allocate(3 * geo::G);
    BOOST_REQUIRE(x);
    test::fill(p, x, 7, 3 * geo::G);
    // One block that leaves exactly k free granules.
    const auto y = p.allocate(p.stats().free_bytes / 2);
    BOOST_REQUIRE(y);
    const auto before = p.stats();
    BOOST_REQUIRE(before.free_handles == 0u);
    const std::size_t k = before.free_bytes / geo::G;
    BOOST_REQUIRE(k >= 2u);
    // A request of k granules needs a new table word: hb bytes of the same space.
    BOOST_TEST(!p.allocate(k * geo::G - geo::hb));
    BOOST_TEST(p.last_error() == error::out_of_handles);
    BOOST_TEST(failed_of(p.stats(), error::out_of_handles) == 1u);
    BOOST_TEST(same_blocks(before, p.stats()));
    BOOST_TEST(test::holds(p, x, 7, 3 * geo::G));
    test::require_ok(p);
    // More than the free bytes: out_of_memory.
    BOOST_TEST(!p.allocate(k * geo::G - geo::hb + 1));
    BOOST_TEST(p.last_error() == error::out_of_memory);
    // y again, in y's slot: still no free handle, the same free bytes.
    const std::size_t y_bytes = p.size(y);
    BOOST_REQUIRE(p.deallocate(y));
    const auto y2 = p.allocate(y_bytes);
    BOOST_REQUIRE(y2);
    BOOST_TEST(p.stats().free_handles == 0u);
    BOOST_TEST(p.stats().free_bytes == k * geo::G);
    // One granule less fits with the table word.
    const auto z = p.allocate(k * geo::G - geo::hb - geo::G);
    BOOST_TEST(bool(z));
    BOOST_TEST(p.stats().free_bytes == 0u);
    BOOST_TEST(test::holds(p, x, 7, 3 * geo::G));
    test::require_ok(p);
}

BOOST_AUTO_TEST_CASE(error_out_of_handles_when_the_table_cannot_grow) {
    table_cannot_grow<config16>(1024); // a table word is a whole granule
    table_cannot_grow<config32>(2048);
}

// ---- behaviour --------------------------------------------------------------------------------

BOOST_FIXTURE_TEST_CASE(allocation_at_the_top_is_sequential, fixture) {
    // a, b, c were placed one after the other, each right after the previous block's end.
    BOOST_TEST(at(p, b) == at(p, a) + p.size(a) + 4);
    BOOST_TEST(at(p, c) == at(p, b) + p.size(b) + 4);
    const std::byte* prev = at(p, c);
    std::size_t prev_size = p.size(c);
    for (std::size_t n : {1, 2, 3, 4, 5, 17, 100, 3}) {
        const auto h = p.allocate(n);
        BOOST_REQUIRE(h);
        BOOST_TEST(at(p, h) == prev + prev_size + 4);
        BOOST_TEST(p.size(h) >= n);
        BOOST_TEST(p.size(h) < n + 4);
        prev = at(p, h);
        prev_size = p.size(h);
    }
    // The first block sits at the start of the heap: the first granule holds its header.
    BOOST_TEST(at(p, a) == buffer + 4);
    intact();
}

BOOST_FIXTURE_TEST_CASE(freeing_the_topmost_block_lowers_the_top, fixture) {
    const std::byte* where_c = at(p, c);
    const auto free_before = p.stats().free_bytes;
    BOOST_REQUIRE(p.deallocate(c));
    BOOST_TEST(p.stats().largest_free_bytes == free_before + 28); // the top grew by c
    const auto d = p.allocate(24);
    BOOST_REQUIRE(d);
    BOOST_TEST(at(p, d) == where_c); // the same address again
    // Freeing a block in the middle leaves a hole the top does not use.
    const std::byte* where_b = at(p, b);
    BOOST_REQUIRE(p.deallocate(b));
    const auto e = p.allocate(8);
    BOOST_REQUIRE(e);
    BOOST_TEST(at(p, e) > at(p, d));
    BOOST_TEST(at(p, e) != where_b);
    BOOST_TEST(p.stats().largest_free_bytes < p.stats().free_bytes); // the hole and the top
    // Freeing the two topmost blocks lowers the top past both, and the next block comes at d.
    BOOST_REQUIRE(p.deallocate(e));
    BOOST_REQUIRE(p.deallocate(d));
    const auto f = p.allocate(24);
    BOOST_REQUIRE(f);
    BOOST_TEST(at(p, f) == where_c);
    BOOST_TEST(p.stats().bytes_moved == 0u);
    test::require_ok(p);
    BOOST_TEST(test::holds(p, a, 'a', 40));
}

BOOST_AUTO_TEST_CASE(allocate_compacts_when_the_top_is_short) {
    alignas(16) std::byte buf[4096];
    basic_bump_pool<config16> p{buf};
    std::vector<basic_bump_pool<config16>::handle> hs;
    while (const auto h = p.allocate(60)) {
        test::fill(p, h, std::uint32_t(hs.size()), 60);
        hs.push_back(h);
    }
    BOOST_REQUIRE(hs.size() > 20u);
    for (std::size_t i = 0; i < hs.size(); i += 2) BOOST_REQUIRE(p.deallocate(hs[i]));
    const auto before = p.stats();
    BOOST_TEST(before.compactions == 0u);
    BOOST_TEST(before.largest_free_bytes < 500u);
    BOOST_TEST(before.free_bytes >= 1000u);
    const auto big = p.allocate(900);
    BOOST_REQUIRE(big);
    const auto after = p.stats();
    BOOST_TEST(after.compactions == before.compactions + 1);
    BOOST_TEST(after.bytes_moved > before.bytes_moved);
    test::fill(p, big, 9999, 900);
    for (std::size_t i = 1; i < hs.size(); i += 2) BOOST_TEST(test::holds(p, hs[i], std::uint32_t(i), 60));
    // The survivors slid down into one run from the start of the heap, in their old order.
    for (std::size_t i = 3; i < hs.size(); i += 2) BOOST_TEST(at(p, hs[i]) == at(p, hs[i - 2]) + 64);
    BOOST_TEST(at(p, hs[1]) == buf + 4);
    BOOST_TEST(at(p, big) == at(p, hs[hs.size() % 2 == 0 ? hs.size() - 1 : hs.size() - 2]) + 64);
    BOOST_TEST(test::holds(p, big, 9999, 900));
    test::require_ok(p);
}

BOOST_FIXTURE_TEST_CASE(reallocate_grows_the_topmost_block_in_place, fixture) {
    const std::byte* where = at(p, c);
    BOOST_TEST(p.reallocate(c, 500));
    BOOST_TEST(at(p, c) == where);
    BOOST_TEST(p.size(c) >= 500u);
    BOOST_TEST(p.stats().bytes_moved == 0u);
    test::fill(p, c, 'C', 500);
    BOOST_TEST(test::holds(p, c, 'C', 500));
    // The next block comes after the grown one.
    const auto d = p.allocate(4);
    BOOST_REQUIRE(d);
    BOOST_TEST(at(p, d) == where + p.size(c) + 4);
    test::require_ok(p);
    BOOST_TEST(test::holds(p, a, 'a', 40));
    BOOST_TEST(test::holds(p, b, 'b', 56));
}

BOOST_FIXTURE_TEST_CASE(a_block_followed_by_a_hole_grows_by_moving_to_the_top, fixture) {
    // "a block that is not the topmost grows by moving, even into a free block right after it"
    BOOST_REQUIRE(p.deallocate(b)); // a 60-byte hole after a; c is the topmost block
    const std::byte* top = at(p, c) + p.size(c) + 4;
    const auto before = p.stats();
    BOOST_TEST(p.reallocate(a, 40 + 20)); // the hole would hold it: it moves all the same
    BOOST_TEST(at(p, a) == top);
    BOOST_TEST(p.stats().bytes_moved == before.bytes_moved + 44); // its 40 bytes and header
    BOOST_TEST(p.stats().compactions == before.compactions);
    BOOST_TEST(p.stats().free_bytes == before.free_bytes - 20);
    BOOST_TEST(test::holds(p, a, 'a', 40));
    BOOST_TEST(test::holds(p, c, 'c', 24));
    test::require_ok(p);
    // c, pinned and followed by a, cannot grow: nothing changes.
    auto pin = p.pin(c);
    const auto pinned_before = p.stats();
    const std::byte* c_at = at(p, c);
    BOOST_TEST(!p.reallocate(c, 200));
    BOOST_TEST(p.last_error() == error::pinned);
    BOOST_TEST(only_failed(pinned_before, p.stats(), error::pinned));
    BOOST_TEST(at(p, c) == c_at);
    BOOST_TEST(test::holds(p, c, 'c', 24));
    BOOST_TEST(test::holds(p, a, 'a', 40));
    test::require_ok(p);
}

// "a pinned block grows only when it is the topmost": in place, its pointer kept.
BOOST_FIXTURE_TEST_CASE(a_pinned_block_grows_only_at_the_top, fixture) {
    auto pin_c = p.pin(c);
    const void* where = pin_c.data();
    BOOST_TEST(p.reallocate(c, 300)); // c is the topmost block
    BOOST_TEST(p.data(c) == where);
    BOOST_TEST(p.stats().bytes_moved == 0u);
    BOOST_TEST(test::holds(p, c, 'c', 24));
    auto pin_b = p.pin(b);
    const auto before = p.stats();
    BOOST_TEST(!p.reallocate(b, 200)); // c follows b
    BOOST_TEST(p.last_error() == error::pinned);
    BOOST_TEST(only_failed(before, p.stats(), error::pinned));
    BOOST_TEST(p.reallocate(b, 20)); // shrinking is fine
    BOOST_TEST(p.data(c) == where);
    BOOST_TEST(test::holds(p, b, 'b', 20));
    pin_b.release();
    BOOST_TEST(p.reallocate(b, 200)); // unpinned, it moves to the top
    BOOST_TEST(test::holds(p, b, 'b', 20));
    BOOST_TEST(p.data(c) == where);
    BOOST_TEST(test::holds(p, a, 'a', 40));
    BOOST_TEST(test::holds(p, c, 'c', 24));
    test::require_ok(p);
}

// The highest block is the topmost one once the blocks above it are freed, however the free
// space after it is recorded (a hole that runs up to the top, then the top): it grows in place.
BOOST_AUTO_TEST_CASE(the_highest_block_grows_in_place_once_the_blocks_above_are_freed) {
    alignas(16) std::byte buf[1024];
    basic_bump_pool<config16> p{buf};
    const auto filler = p.allocate(300);
    const auto x = p.allocate(400);
    const auto y = p.allocate(8), z = p.allocate(8);
    BOOST_REQUIRE(filler && x && y && z);
    test::fill(p, x, 1, 400);
    BOOST_REQUIRE(p.deallocate(y)); // a hole after x
    BOOST_REQUIRE(p.deallocate(z)); // the topmost block: the top comes down to the hole
    test::require_ok(p);
    const auto before = p.stats();
    const std::byte* where = at(p, x);
    // 100 bytes more: the free bytes hold the growth, not a copy of x.
    BOOST_REQUIRE(before.free_bytes >= 100u);
    BOOST_REQUIRE(before.free_bytes < 500u);
    BOOST_CHECK_MESSAGE(p.reallocate(x, 500), "unpinned: " << to_string(p.last_error()));
    BOOST_TEST(at(p, x) == where);
    BOOST_TEST(test::holds(p, x, 1, 400));
    test::require_ok(p);
    // The same, pinned.
    const auto y2 = p.allocate(8), z2 = p.allocate(8);
    BOOST_REQUIRE(y2 && z2);
    BOOST_REQUIRE(p.deallocate(y2));
    BOOST_REQUIRE(p.deallocate(z2));
    auto pin = p.pin(x);
    where = at(p, x);
    BOOST_CHECK_MESSAGE(p.reallocate(x, p.size(x) + 40), "pinned: " << to_string(p.last_error()));
    BOOST_TEST(at(p, x) == where);
    BOOST_TEST(test::holds(p, x, 1, 400));
    test::require_ok(p);
    // Two holes after it (freed in the order y, z, then the topmost w), pinned and not.
    for (const bool pinned : {true, false}) {
        const auto y3 = p.allocate(8), z3 = p.allocate(8), w3 = p.allocate(8);
        BOOST_REQUIRE(y3 && z3 && w3);
        BOOST_REQUIRE(p.deallocate(y3));
        BOOST_REQUIRE(p.deallocate(z3));
        BOOST_REQUIRE(p.deallocate(w3));
        test::require_ok(p);
        if (!pinned) pin.release();
        where = at(p, x);
        BOOST_CHECK_MESSAGE(p.reallocate(x, p.size(x) + 20),
                            (pinned ? "pinned" : "unpinned") << ", two holes after it: " << to_string(p.last_error()));
        if (pinned) BOOST_TEST(at(p, x) == where);
        BOOST_TEST(test::holds(p, x, 1, 400));
        test::require_ok(p);
    }
}

BOOST_FIXTURE_TEST_CASE(reallocate_that_must_move_keeps_the_contents, fixture) {
    const std::byte* where = at(p, a);
    const std::byte* top = at(p, c) + p.size(c) + 4;
    BOOST_TEST(p.reallocate(a, 300)); // b follows a and the top holds 300: a moves there
    BOOST_TEST(at(p, a) == top);
    BOOST_TEST(at(p, a) != where);
    BOOST_TEST(p.stats().bytes_moved > 0u);
    BOOST_TEST(test::holds(p, a, 'a', 40));
    BOOST_TEST(test::holds(p, b, 'b', 56));
    BOOST_TEST(test::holds(p, c, 'c', 24));
    // a's old place is a hole: free bytes are unchanged but for the growth.
    BOOST_TEST(p.stats().largest_free_bytes < p.stats().free_bytes);
    test::fill(p, a, 'A', 300);
    test::require_ok(p);
    p.defrag();
    BOOST_TEST(test::holds(p, a, 'A', 300));
    BOOST_TEST(at(p, b) == buffer + 4);
    BOOST_TEST(p.stats().largest_free_bytes == p.stats().free_bytes);
    test::require_ok(p);
}

// A block that is not the topmost moves to the top to grow, so it needs its whole new size free
// ("unlike basic_pool"): with less, out_of_memory and nothing changes; the topmost one grows by
// the growth alone.
template <class Config>
void growth_below_other_blocks() {
    using geo = geometry<Config>;
    using pool_type = basic_bump_pool<Config>;
    std::vector<std::byte> buf(4096);
    pool_type p{buf};
    const std::size_t big = 1500;
    const auto x = p.allocate(big);
    BOOST_REQUIRE(x);
    test::fill(p, x, 1, big);
    std::vector<typename pool_type::handle> after;
    for (std::uint32_t i = 0; i < 8; ++i) {
        after.push_back(p.allocate(40 + i * 8));
        BOOST_REQUIRE(after.back());
        test::fill(p, after.back(), 100 + i, 40 + i * 8);
    }
    // Leave the top with room for the growth, not for a copy of x: about 300 bytes.
    const auto filler = p.allocate(p.stats().free_bytes - 300 - geo::hb - geo::hb);
    BOOST_REQUIRE(filler);
    test::fill(p, filler, 77, 40);
    auto intact = [&] {
        BOOST_TEST(test::holds(p, x, 1, big));
        for (std::uint32_t i = 0; i < 8; ++i) BOOST_TEST(test::holds(p, after[i], 100 + i, 40 + i * 8));
        BOOST_TEST(test::holds(p, filler, 77, 40));
        test::require_ok(p);
    };
    const auto before = p.stats();
    BOOST_REQUIRE(before.free_bytes >= 200u);
    BOOST_REQUIRE(before.free_bytes < big);
    const std::byte* where = at(p, x);
    BOOST_TEST(!p.reallocate(x, big + 200));
    BOOST_TEST(p.last_error() == error::out_of_memory);
    BOOST_TEST(only_failed(before, p.stats(), error::out_of_memory));
    BOOST_TEST(at(p, x) == where);
    intact();
    // The topmost block grows by the same 200 bytes in place.
    const std::byte* top_block = at(p, filler);
    BOOST_TEST(p.reallocate(filler, p.size(filler) + 200));
    BOOST_TEST(at(p, filler) == top_block);
    BOOST_TEST(p.stats().free_bytes == before.free_bytes - 200);
    BOOST_TEST(p.stats().bytes_moved == 0u);
    intact();
    // With the filler gone, x's new size fits: it moves to the top, the others stay.
    BOOST_REQUIRE(p.deallocate(filler));
    const std::byte* at0 = at(p, after[0]);
    BOOST_TEST(p.reallocate(x, big + 200));
    BOOST_TEST(at(p, x) > at(p, after[7]));
    BOOST_TEST(at(p, after[0]) == at0);
    BOOST_TEST(p.stats().bytes_moved == geo::granules(big) * geo::G); // x's old block, header included
    BOOST_TEST(test::holds(p, x, 1, big));
    for (std::uint32_t i = 0; i < 8; ++i) BOOST_TEST(test::holds(p, after[i], 100 + i, 40 + i * 8));
    test::require_ok(p);
}

BOOST_AUTO_TEST_CASE(growth_of_a_block_below_others_needs_its_whole_size) {
    growth_below_other_blocks<config16>();
    growth_below_other_blocks<config16_g8>();
    growth_below_other_blocks<config32>();
}

// Growth that needs a compaction first: the holes after the block are gathered, and it moves.
BOOST_AUTO_TEST_CASE(reallocate_compacts_to_make_room) {
    alignas(16) std::byte buf[4096];
    basic_bump_pool<config16> p{buf};
    const auto x = p.allocate(800);
    BOOST_REQUIRE(x);
    test::fill(p, x, 1, 800);
    std::vector<basic_bump_pool<config16>::handle> hs;
    while (const auto h = p.allocate(28)) {
        test::fill(p, h, std::uint32_t(10 + hs.size()), 28);
        hs.push_back(h);
    }
    for (std::size_t i = 0; i < hs.size(); ++i)
        if (i % 3 != 0) BOOST_REQUIRE(p.deallocate(hs[i]));
    const auto before = p.stats();
    BOOST_REQUIRE(before.free_bytes >= 904u);
    BOOST_REQUIRE(before.largest_free_bytes < 904u);
    BOOST_TEST(p.reallocate(x, 900));
    const auto s = p.stats();
    BOOST_TEST(s.compactions == before.compactions + 1);
    BOOST_TEST(s.free_bytes == before.free_bytes - 100);
    BOOST_TEST(test::holds(p, x, 1, 800));
    for (std::size_t i = 0; i < hs.size(); i += 3) {
        BOOST_TEST(test::holds(p, hs[i], std::uint32_t(10 + i), 28));
        BOOST_TEST(at(p, hs[i]) < at(p, x)); // x went to the top
    }
    test::require_ok(p);
}

BOOST_FIXTURE_TEST_CASE(shrink_keeps_the_contents_in_place, fixture) {
    const std::byte* where = at(p, b);
    const auto before = p.stats();
    BOOST_TEST(p.reallocate(b, 20));
    BOOST_TEST(at(p, b) == where);
    BOOST_TEST(p.size(b) >= 20u);
    BOOST_TEST(p.size(b) < 24u + 4u);
    BOOST_TEST(test::holds(p, b, 'b', 20));
    BOOST_TEST(p.stats().free_bytes == before.free_bytes + 36);
    BOOST_TEST(p.stats().bytes_moved == before.bytes_moved);
    test::require_ok(p);
    // Shrinking the topmost block lowers the top.
    const std::byte* where_c = at(p, c);
    BOOST_TEST(p.reallocate(c, 4));
    const auto d = p.allocate(4);
    BOOST_REQUIRE(d);
    BOOST_TEST(at(p, d) == where_c + 8);
    BOOST_TEST(test::holds(p, c, 'c', 4));
    // The same size, or one within its granule: nothing changes.
    const auto s = p.stats();
    BOOST_TEST(p.reallocate(a, 40));
    BOOST_TEST(p.reallocate(a, 37));
    BOOST_TEST(same_blocks(s, p.stats()));
    BOOST_TEST(test::holds(p, a, 'a', 37));
    test::require_ok(p);
}

BOOST_FIXTURE_TEST_CASE(defrag_gathers_the_free_space, fixture) {
    std::vector<handle> hs;
    for (std::uint32_t i = 0; i < 20; ++i) {
        hs.push_back(p.allocate(16 + i * 4));
        BOOST_REQUIRE(hs.back());
        test::fill(p, hs.back(), i, 16 + i * 4);
    }
    for (std::size_t i = 0; i < hs.size(); i += 2) BOOST_REQUIRE(p.deallocate(hs[i]));
    BOOST_REQUIRE(p.deallocate(b));
    const auto before = p.stats();
    BOOST_TEST(before.fragmentation_percent > 0u);
    BOOST_TEST(before.largest_free_bytes < before.free_bytes);
    p.defrag();
    auto s = p.stats();
    BOOST_TEST(s.free_bytes == before.free_bytes);
    BOOST_TEST(s.largest_free_bytes == s.free_bytes);
    BOOST_TEST(s.fragmentation_percent == 0u);
    BOOST_TEST(s.compactions == before.compactions + 1);
    BOOST_TEST(at(p, a) == buffer + 4);
    BOOST_TEST(at(p, c) == at(p, a) + 44);
    for (std::size_t i = 1; i < hs.size(); i += 2) BOOST_TEST(test::holds(p, hs[i], std::uint32_t(i), 16 + i * 4));
    intact(false);
    // Pinned blocks stay, and so does the hole before each: the blocks now run
    // a c 1 3 5 7 9 11 13 15 17 19; free 3, 7, 11, 15 and pin 5 and 13.
    auto bytes_of = [](std::size_t i) { return 16 + i * 4 + 4; }; // hs[i] with its header
    for (std::size_t i : {3, 7, 11, 15}) BOOST_REQUIRE(p.deallocate(hs[i]));
    auto pin5 = p.pin(hs[5]);
    auto pin13 = p.pin(hs[13]);
    const std::byte* at5 = at(p, hs[5]);
    const std::byte* at13 = at(p, hs[13]);
    p.defrag();
    s = p.stats();
    BOOST_TEST(at(p, hs[5]) == at5);
    BOOST_TEST(at(p, hs[13]) == at13);
    // Two holes stay: 3's before 5, and 7's and 11's gathered before 13; 15's joined the top.
    BOOST_TEST(s.free_bytes - s.largest_free_bytes == bytes_of(3) + bytes_of(7) + bytes_of(11));
    BOOST_TEST(s.fragmentation_percent > 0u);
    // 9 slid down against 5, 17 against 13, 19 after 17.
    BOOST_TEST(at(p, hs[9]) == at5 + bytes_of(5));
    BOOST_TEST(at(p, hs[17]) == at13 + bytes_of(13));
    BOOST_TEST(at(p, hs[19]) == at13 + bytes_of(13) + bytes_of(17));
    auto survivors = [&] {
        for (std::size_t i = 1; i < hs.size(); i += 2)
            if (i % 4 != 3) BOOST_TEST(test::holds(p, hs[i], std::uint32_t(i), 16 + i * 4));
    };
    survivors();
    test::require_ok(p);
    // Unpinned, defrag closes the holes before them.
    pin5.release();
    pin13 = {};
    p.defrag();
    s = p.stats();
    BOOST_TEST(s.largest_free_bytes == s.free_bytes);
    BOOST_TEST(s.fragmentation_percent == 0u);
    BOOST_TEST(at(p, hs[5]) == at(p, hs[1]) + bytes_of(1));
    BOOST_TEST(at(p, hs[13]) == at(p, hs[9]) + bytes_of(9));
    survivors();
    intact(false);
}

BOOST_AUTO_TEST_CASE(unpin_lets_compaction_close_the_hole_before_it) {
    alignas(16) std::byte buf[1024];
    basic_bump_pool<config16> p{buf};
    const auto x = p.allocate(100), y = p.allocate(100), z = p.allocate(100);
    BOOST_REQUIRE(x && y && z);
    test::fill(p, y, 2, 100);
    test::fill(p, z, 3, 100);
    BOOST_REQUIRE(p.acquire_pin(y));
    BOOST_REQUIRE(p.deallocate(x));
    p.defrag();
    BOOST_TEST(at(p, y) == buf + 4 + 104); // the hole stays before the pinned y
    BOOST_TEST(p.defrag_step(10000));
    BOOST_TEST(at(p, y) == buf + 4 + 104);
    test::require_ok(p);
    BOOST_REQUIRE(p.unpin(y));
    // A step may close it now, as may defrag().
    for (int i = 0; i < 100 && !p.defrag_step(512); ++i) {
    }
    BOOST_TEST(at(p, y) == buf + 4);
    BOOST_TEST(at(p, z) == buf + 4 + 104);
    BOOST_TEST(test::holds(p, y, 2, 100));
    BOOST_TEST(test::holds(p, z, 3, 100));
    BOOST_TEST(p.stats().largest_free_bytes == p.stats().free_bytes);
    test::require_ok(p);
}

// "every step with a budget of at least the next block's size moves that block": also when the
// budget does not cover the visits to the hole and the block besides.
BOOST_AUTO_TEST_CASE(defrag_step_moves_a_block_just_under_the_budget) {
    alignas(16) std::byte buf[1024];
    basic_bump_pool<config16> p{buf};
    const auto x = p.allocate(4), y = p.allocate(196); // y: 200 bytes with its header
    BOOST_REQUIRE(x && y);
    test::fill(p, y, 5, 196);
    BOOST_REQUIRE(p.deallocate(x));
    BOOST_TEST(p.defrag_step(256)); // 200 + two visits > 256: moved all the same, and done
    BOOST_TEST(p.stats().bytes_moved == 200u);
    BOOST_TEST(at(p, y) == buf + 4);
    BOOST_TEST(test::holds(p, y, 5, 196));
    test::require_ok(p);
}

BOOST_AUTO_TEST_CASE(defrag_step_leaves_blocks_above_its_budget) {
    alignas(16) std::byte buf[4096];
    basic_bump_pool<config16> p{buf};
    const auto x = p.allocate(60), big = p.allocate(996), y = p.allocate(60), z = p.allocate(60);
    BOOST_REQUIRE(x && big && y && z);
    test::fill(p, big, 1, 996);
    test::fill(p, z, 3, 60);
    BOOST_REQUIRE(p.deallocate(x));
    BOOST_REQUIRE(p.deallocate(y));
    const std::byte* where = at(p, big);
    // Steps of 512: big (1000 bytes) never moves, z closes the hole after it.
    bool done = false;
    for (int i = 0; i < 1000 && !done; ++i) {
        const auto before = p.stats().bytes_moved;
        done = p.defrag_step(512);
        BOOST_TEST_REQUIRE(p.stats().bytes_moved - before <= 512u);
    }
    BOOST_TEST(done);
    BOOST_TEST(at(p, big) == where);
    BOOST_TEST(at(p, z) == where + 1000);
    BOOST_TEST(p.defrag_step(512)); // nothing more for this budget
    BOOST_TEST(at(p, big) == where);
    test::require_ok(p);
    const auto before = p.stats();
    BOOST_TEST(before.largest_free_bytes == before.free_bytes - 64); // x's hole before big
    // A budget that holds it moves it.
    done = false;
    for (int i = 0; i < 1000 && !done; ++i) done = p.defrag_step(1200);
    BOOST_TEST(done);
    BOOST_TEST(at(p, big) == buf + 4);
    BOOST_TEST(at(p, z) == buf + 4 + 1000);
    BOOST_TEST(p.stats().largest_free_bytes == p.stats().free_bytes);
    BOOST_TEST(test::holds(p, big, 1, 996));
    BOOST_TEST(test::holds(p, z, 3, 60));
    test::require_ok(p);
    // Again with defrag() instead of a larger step.
    const auto w = p.allocate(60);
    const auto big2 = p.allocate(1500);
    BOOST_REQUIRE(w && big2);
    test::fill(p, big2, 4, 1500);
    BOOST_REQUIRE(p.deallocate(w));
    for (int i = 0; i < 100 && !p.defrag_step(256); ++i) {
    }
    BOOST_TEST(p.stats().largest_free_bytes < p.stats().free_bytes);
    p.defrag();
    BOOST_TEST(p.stats().largest_free_bytes == p.stats().free_bytes);
    BOOST_TEST(test::holds(p, big2, 4, 1500));
    BOOST_TEST(test::holds(p, big, 1, 996));
    test::require_ok(p);
    // And an allocation that needs the space moves it too.
    const auto v = p.allocate(60);
    const auto big3 = p.allocate(1000);
    BOOST_REQUIRE(v && big3);
    test::fill(p, big3, 6, 1000);
    BOOST_REQUIRE(p.deallocate(v));
    for (int i = 0; i < 100 && !p.defrag_step(256); ++i) {
    }
    const std::size_t top = p.stats().largest_free_bytes;
    const auto need = p.allocate(top - 4 + 32); // 32 bytes more than the top: the hole is needed
    BOOST_TEST(bool(need));
    BOOST_TEST(test::holds(p, big3, 6, 1000));
    BOOST_TEST(test::holds(p, big2, 4, 1500));
    test::require_ok(p);
}

// "true when a further step would move nothing, but for holes before pinned blocks and before
// blocks larger than the budget": a step that reports done leaves no hole before a block it
// could move.
BOOST_AUTO_TEST_CASE(defrag_step_done_means_compact_for_its_budget) {
    alignas(16) std::byte buf[4096];
    basic_bump_pool<config16> p{buf};
    const auto x1 = p.allocate(4), mid = p.allocate(256), x2 = p.allocate(4), large = p.allocate(396);
    BOOST_REQUIRE(x1 && mid && x2 && large);
    BOOST_REQUIRE(p.deallocate(x1));
    BOOST_REQUIRE(p.deallocate(x2));
    // Steps of 200 leave both (260 and 400 bytes).
    for (int i = 0; i < 100 && !p.defrag_step(200); ++i) {
    }
    const std::byte* mid_at = at(p, mid);
    // 300 holds mid (260 bytes): a step of 300 that says done has moved it.
    bool done = false;
    for (int i = 0; i < 100 && !done; ++i) done = p.defrag_step(300);
    BOOST_TEST(done);
    BOOST_TEST(at(p, mid) < mid_at);
    BOOST_TEST(at(p, mid) == buf + 4);
    test::require_ok(p);
}

// "true when a further step would move nothing": also when the pass that ends began with a
// smaller budget, which left a block the larger one could move.
BOOST_AUTO_TEST_CASE(defrag_step_true_means_a_further_step_moves_nothing) {
    alignas(16) std::byte buf[4096];
    basic_bump_pool<config16> p{buf};
    const auto h0 = p.allocate(4), m = p.allocate(596), h1 = p.allocate(4); // m: 600 bytes
    BOOST_REQUIRE(h0 && m && h1);
    test::fill(p, m, 1, 596);
    std::vector<basic_bump_pool<config16>::handle> small;
    for (std::uint32_t i = 0; i < 6; ++i) {
        small.push_back(p.allocate(36));
        BOOST_REQUIRE(small.back());
        test::fill(p, small.back(), 10 + i, 36);
    }
    BOOST_REQUIRE(p.deallocate(h0));
    BOOST_REQUIRE(p.deallocate(h1));
    BOOST_TEST(!p.defrag_step(300)); // leaves m (600 > 300), moves a small block, runs out
    bool done = false;
    for (int i = 0; i < 100 && !done; ++i) done = p.defrag_step(1000);
    BOOST_REQUIRE(done);
    const auto moved = p.stats().bytes_moved;
    const std::byte* m_at = at(p, m);
    BOOST_TEST(p.defrag_step(1000));
    BOOST_TEST(p.stats().bytes_moved == moved); // a further step of the same budget moves nothing
    BOOST_TEST(at(p, m) == m_at);
    BOOST_TEST(test::holds(p, m, 1, 596));
    for (std::uint32_t i = 0; i < 6; ++i) BOOST_TEST(test::holds(p, small[i], 10 + i, 36));
    test::require_ok(p);
}

// A block a step skipped (too large for its budget) that shrinks or is freed before the pass
// ends: the hole before it, now before small blocks, must not be left for good by steps of a
// budget those blocks fit.
void skipped_block_changes(bool free_it) {
    alignas(16) std::byte buf[4096];
    basic_bump_pool<config16> p{buf};
    const auto h0 = p.allocate(4), m = p.allocate(596), h1 = p.allocate(4); // m: 600 bytes
    BOOST_REQUIRE(h0 && m && h1);
    test::fill(p, m, 1, 20);
    std::vector<basic_bump_pool<config16>::handle> small;
    for (std::uint32_t i = 0; i < 6; ++i) {
        small.push_back(p.allocate(36));
        BOOST_REQUIRE(small.back());
        test::fill(p, small.back(), 10 + i, 36);
    }
    BOOST_REQUIRE(p.deallocate(h0)); // 8 bytes free before m
    BOOST_REQUIRE(p.deallocate(h1));
    BOOST_TEST(!p.defrag_step(300)); // leaves m, moves a small block, runs out
    if (free_it) BOOST_REQUIRE(p.deallocate(m));
    else BOOST_REQUIRE(p.reallocate(m, 20)); // 24 bytes now
    bool done = false;
    for (int i = 0; i < 100 && !done; ++i) done = p.defrag_step(300);
    BOOST_REQUIRE(done);
    for (int i = 0; i < 100 && !p.defrag_step(300); ++i) {
    }
    // Nothing is pinned and every block fits the budget: the free space is one block.
    const auto s = p.stats();
    BOOST_CHECK_MESSAGE(s.largest_free_bytes == s.free_bytes,
                        (free_it ? "m freed" : "m shrunk") << ": steps of 300 report done, " << s.free_bytes - s.largest_free_bytes
                                                           << " free bytes stay in a hole before blocks of at most 40 B");
    if (!free_it) BOOST_TEST(test::holds(p, m, 1, 20));
    for (std::uint32_t i = 0; i < 6; ++i) BOOST_TEST(test::holds(p, small[i], 10 + i, 36));
    test::require_ok(p);
}

BOOST_AUTO_TEST_CASE(defrag_step_forgets_a_skipped_block_that_shrank_or_went) {
    skipped_block_changes(false);
    skipped_block_changes(true);
}

template <std::size_t Bytes, class Config>
void self_contained() {
    using pool_type = bump_pool<Bytes, Config>;
    static_assert(std::is_base_of_v<basic_bump_pool<Config>, pool_type>);
    BOOST_TEST(sizeof(pool_type) == Bytes);
    auto storage = std::make_unique<pool_type>();
    pool_type& p = *storage;
    BOOST_REQUIRE(p.usable());
    BOOST_TEST(p.capacity() > Bytes - sizeof(basic_bump_pool<Config>) - Config::granule);
    BOOST_TEST(p.capacity() <= Bytes - sizeof(basic_bump_pool<Config>));
    std::vector<typename pool_type::handle> hs;
    while (const auto h = p.allocate(100)) {
        test::fill(p, h, std::uint32_t(hs.size()), 100);
        hs.push_back(h);
    }
    BOOST_TEST(p.last_error() == error::out_of_memory);
    BOOST_TEST(hs.size() >= (Bytes - sizeof(basic_bump_pool<Config>)) / (100 + 3 * 8) - 1);
    const auto* lo = reinterpret_cast<const std::byte*>(&p);
    for (std::size_t i = 0; i < hs.size(); ++i) {
        BOOST_TEST_REQUIRE(at(p, hs[i]) >= lo);
        BOOST_TEST_REQUIRE(at(p, hs[i]) + p.size(hs[i]) <= lo + sizeof(pool_type));
    }
    for (std::size_t i = 0; i < hs.size(); i += 2) BOOST_REQUIRE(p.deallocate(hs[i]));
    p.defrag();
    for (std::size_t i = 1; i < hs.size(); i += 2) BOOST_TEST_REQUIRE(test::holds(p, hs[i], std::uint32_t(i), 100));
    BOOST_TEST(p.stats().largest_free_bytes == p.stats().free_bytes);
    test::require_ok(p);
}

BOOST_AUTO_TEST_CASE(bump_pool_carries_its_storage) {
    self_contained<4096, config16>();
    self_contained<65536, config16>();
    self_contained<8192, config16_g8>();
    self_contained<65536, config17>();
    self_contained<16384, config32>();
    static bump_pool<1024> in_bss; // the default configuration, statically
    BOOST_TEST(in_bss.usable());
    const auto h = in_bss.allocate(100);
    BOOST_REQUIRE(h);
    BOOST_TEST(in_bss.deallocate(h));
    test::require_ok(in_bss);
}

BOOST_AUTO_TEST_CASE(a_reused_buffer_starts_empty) {
    alignas(16) std::byte buf[1024];
    std::uint32_t tag_a, tag_b;
    basic_bump_pool<config16>::handle old;
    {
        basic_bump_pool<config16> p{buf};
        old = p.allocate(100);
        BOOST_REQUIRE(old);
        test::fill(p, old, 1, 100);
        tag_a = std::uint32_t(old.value() >> 22);
    }
    basic_bump_pool<config16> q{buf};
    BOOST_TEST(q.stats().live_blocks == 0u);
    BOOST_TEST(q.stats().used_bytes == 0u);
    BOOST_TEST(!q.valid(old)); // another pool's handle, though the same buffer
    BOOST_TEST(!q.deallocate(old));
    BOOST_TEST(q.last_error() == error::invalid_handle);
    const auto h = q.allocate(100);
    BOOST_REQUIRE(h);
    tag_b = std::uint32_t(h.value() >> 22);
    BOOST_TEST(tag_a != tag_b);
    test::require_ok(q);
}

BOOST_AUTO_TEST_SUITE_END()
