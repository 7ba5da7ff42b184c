// SPDX-License-Identifier: MIT
// libFuzzer target for tinymem's core: the input bytes become a pool configuration and a
// sequence of operations, checked against a reference model after every operation:
//   - every live block's contents (a pattern derived from the block's id),
//   - pool.check() (every structural invariant),
//   - stats() against the model (live blocks, pinned bytes, byte accounting),
//   - errors: each failing call must fail for the reason the model predicts, and a plain
//     allocation with enough free bytes (no pins, default alignment, a free slot) must succeed,
//   - a failed allocation frees no block and changes none but as documented (a compaction's
//     moves, a handle-table growth whose slot waits for the next request),
//   - pinned blocks never move; handle_of(data(h)) == h; forged handles and another live pool's
//     are refused; a freed handle is refused exactly until its slot's generation wraps, and
//     never with slot retirement on (fuzz::handle_model, shared with fuzz_bump),
//   - now and then a few operations under set_compaction_limit(): each allocation and
//     reallocation moves at most three times the limit (and the block it moves itself); a
//     compaction_deferred or compaction_limited request had the free bytes to hold it; a
//     deferred one is deferred at most once more after the main loop's steps, and is then served or
//     compaction_limited (or refused as without a limit); a limited one is served, or refused
//     as without a limit, once the limit is lifted; a reallocate under a limit is out_of_memory
//     only when the free bytes do not hold its growth; steps of any budget (0 included) finish,
//     and a step that says done leaves nothing for the next step of its budget,
//   - reserve_handles: a reservation the slots or the free bytes cannot meet is refused before
//     anything changes.
//
// Built three ways: with clang's -fsanitize=fuzzer (fuzz/meson.build), and with a standalone
// main (fuzz/replay_main.cpp) that replays fuzz/corpus/pool/ in every build's `meson test`.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <span>
#include <vector>

#define FUZZ_TARGET "fuzz_pool"
#include "fuzz_support.hpp"

#include "tinymem_under_test.hpp"
#include "model/pool_model.hpp"

namespace {

using fuzz::reader;

template <class Config>
class harness {
public:
    using pool_t = tinymem::basic_pool<Config>;
    using handle = typename pool_t::handle;
    // Live blocks: at most one per operation (4,000, some 8 more in a limited run each).
    using model_t = tinymem_test::pool_model<pool_t, (std::size_t(1) << 15)>;
    using model_block = typename model_t::block;
    static constexpr std::size_t g = Config::granule;
    static constexpr std::size_t hdr = sizeof(typename Config::word_type);

    harness(std::byte* buf, std::size_t bytes) : pool_(std::span<std::byte>(buf, bytes)) {}

    void run(reader& in) {
        if (!pool_.usable()) return;
        FUZZ_CHECK(other_.usable(), "the other pool");
        foreign_[0] = other_.allocate(8);
        foreign_[1] = other_.allocate(16);
        FUZZ_CHECK(foreign_[0] && foreign_[1] && other_.deallocate(foreign_[1]), "the other pool's handles");
        verify();
        while (!in.empty() && op_ < 4000) {
            step(in);
            ++op_;
            verify();
        }
        // Free everything: the pool must be empty and whole again.
        expect(blocks_.free_all(pool_, [&](handle h) { handles_.freed(h.value(), retire_); }));
        pool_.defrag();
        verify();
        for (const auto& f : handles_.firsts()) expect_freed(f);
        const auto st = pool_.stats();
        if (std::getenv("TINYMEM_FUZZ_VERBOSE"))
            std::fprintf(stderr, "granule %zu, %zu bytes: %u operations, %zu bytes moved\n", g,
                         pool_.capacity(), op_, std::size_t(st.bytes_moved));
        FUZZ_CHECK(st.used_bytes == 0 && st.live_blocks == 0, "empty pool");
        FUZZ_CHECK(st.largest_free_bytes == st.free_bytes, "empty pool is one hole");
    }

private:
    unsigned op_ = 0;
    pool_t pool_;
    // The blocks, their bytes and pins, and what stats() must say (on the heap: the model holds
    // its blocks in place).
    std::unique_ptr<model_t> model_ = std::make_unique<model_t>();
    model_t& blocks_ = *model_;
    // What the pool must do with freed handles (generations, slot retirement).
    fuzz::handle_model<Config> handles_;
    bool retire_ = false; // set_slot_retirement
    // Another live pool of the same configuration, and one live and one freed handle of it:
    // both foreign here (pool tags come from a set of live tags).
    alignas(16) std::byte other_buf_[512] = {};
    pool_t other_{std::span<std::byte>(other_buf_, sizeof other_buf_)};
    handle foreign_[2];
    std::uint32_t next_id_ = 1;

    std::size_t pick_size(reader& in) {
        const std::uint8_t k = in.u8();
        switch (k % 8) {
        case 0: return 0;
        case 1: return std::size_t(k >> 3) + 1;             // 1..32
        case 2: return std::size_t(in.u8()) + 1;             // 1..256
        case 3: return std::size_t(in.u16() % 2048) + 1;     // up to 2 KiB
        case 4: return pool_.capacity() / (2 + (k >> 3));   // a large share
        case 5: return std::size_t(in.u32());                // anything, overflow included
        case 6: return ~std::size_t(0) - (k >> 3);           // overflow bait
        default: return std::size_t(in.u8() % 64) + 1;
        }
    }
    std::size_t pick_align(reader& in) {
        const std::uint8_t k = in.u8();
        if (k < 160) return g;
        if (k < 240) return std::size_t(1) << (k % 12); // 1 .. 2048
        if (k < 250) return std::size_t(k) * 3;         // not a power of two (mostly)
        return std::size_t(1) << (20 + k % 12);         // larger than the pool
    }
    static constexpr std::size_t min_listed_bytes =
        (hdr + 3 * sizeof(typename Config::offset_type) + g - 1) / g * g;
    std::size_t need_granules(std::size_t bytes) const {
        std::size_t n = (bytes + hdr + g - 1) / g;
        const std::size_t min_free = (hdr + sizeof(typename Config::offset_type) + g - 1) / g;
        return n < min_free ? min_free : n;
    }
    model_block* pick_block(reader& in) {
        if (blocks_.empty()) return nullptr;
        return &blocks_[in.u16() % blocks_.size()];
    }
    std::size_t index_of(const model_block* b) const { return std::size_t(b - blocks_.begin()); }
    // Stops the run at a mismatch the model found.
    void expect(tinymem_test::mismatch m) {
        if (m) fuzz::fail_at(FUZZ_TARGET, op_, m.what);
    }

    // ---- compaction limits ----------------------------------------------------------------------
    // set_compaction_limit(limit_) while limited(): allocate, allocate_pinned and reallocate run
    // one step of the limit and may grow the handle table by moving one block of at most the
    // limit, after a step that already moved one: at most three times the limit per call.
    std::size_t limit_ = ~std::size_t(0);
    bool limited() const { return limit_ != ~std::size_t(0); }
    void expect_bounded(std::uint64_t moved_before, std::size_t own, const char* what) {
        const std::uint64_t moved = pool_.bytes_moved() - moved_before;
        if (moved > 3 * std::uint64_t(limit_) + own) {
            char msg[128];
            std::snprintf(msg, sizeof msg, "%s moved %llu bytes under a limit of %zu", what,
                          static_cast<unsigned long long>(moved), limit_);
            fuzz::fail_at(FUZZ_TARGET, op_, "a call under a compaction limit moved too much", msg);
        }
    }
    // Whether the last call was deferred or limited; then with free bytes behind it.
    bool deferred(const tinymem::pool_stats& before) {
        const tinymem::error e = pool_.last_error();
        if (e != tinymem::error::compaction_deferred && e != tinymem::error::compaction_limited) return false;
        FUZZ_CHECK(before.free_bytes != 0, "deferred with no free bytes");
        return true;
    }
    // A failed allocation frees no block, and each keeps its contents (verify()). A compaction or
    // handle-table growth it ran may have moved blocks: a block moved into a hole keeps the
    // granules too few to split off (used bytes grow), and when no slot was free the table may
    // have grown (a granule, or the few after it too small to stay a free block), its new slots
    // then waiting for the next request. Nothing else changes.
    void expect_unchanged_by_failure(const tinymem::pool_stats& before) {
        const auto after = pool_.stats();
        if (after.live_blocks != before.live_blocks || after.pinned_bytes != before.pinned_bytes ||
            after.used_bytes < before.used_bytes || after.table_bytes < before.table_bytes ||
            (after.table_bytes != before.table_bytes && (before.free_handles != 0 || after.free_handles == 0))) {
            char msg[200];
            std::snprintf(msg, sizeof msg,
                          "used %zu -> %zu, live %zu -> %zu, pinned %zu -> %zu, table %zu -> %zu, free handles %zu -> %zu, error %s",
                          before.used_bytes, after.used_bytes, before.live_blocks, after.live_blocks, before.pinned_bytes,
                          after.pinned_bytes, before.table_bytes, after.table_bytes, before.free_handles,
                          after.free_handles, tinymem::to_string(pool_.last_error()));
            fuzz::fail_at(FUZZ_TARGET, op_, "a failed allocation changed the pool", msg);
        }
    }
    // Steps of one budget until one says done, as a main loop calls them.
    void drain(std::size_t budget) {
        for (unsigned calls = 0; !pool_.defrag_step(budget); ++calls) {
            if (calls == 100000) {
                static char chart[1 << 12];
                pool_.map(chart, sizeof chart);
                const auto st = pool_.stats();
                std::fprintf(stderr, "budget %zu, %zu live blocks, %zu free B, %zu cached B, %zu pinned B, moved %llu\n%s\n",
                             budget, st.live_blocks, st.free_bytes, st.cached_bytes, st.pinned_bytes,
                             static_cast<unsigned long long>(st.bytes_moved), chart);
                fuzz::fail_at(FUZZ_TARGET, op_, "defrag_step does not finish");
            }
        }
    }
    // A few operations of any kind under a limit, then the limit lifted.
    void do_limited(reader& in) {
        limit_ = fuzz::pick_compaction_limit(in, g);
        pool_.set_compaction_limit(limit_);
        FUZZ_CHECK(pool_.compaction_limit() == limit_, "compaction_limit()");
        for (unsigned i = 0, n = 1 + in.u8() % 8; i < n && !in.empty(); ++i) {
            step(in);
            verify();
        }
        limit_ = ~std::size_t(0);
        pool_.set_compaction_limit(limit_);
        FUZZ_CHECK(pool_.compaction_limit() == limit_, "compaction_limit() lifted");
    }

    void do_allocate(reader& in, bool pinned) {
        const std::size_t bytes = pick_size(in);
        const std::size_t align = pick_align(in);
        const auto before = pool_.stats();
        // Over-aligned blocks can keep holes that compaction cannot close (alignment waste).
        const bool no_pins = !blocks_.any_pinned_or_aligned();
        handle h = pinned ? pool_.allocate_pinned(bytes, align) : pool_.allocate(bytes, align);
        if (limited()) {
            expect_bounded(before.bytes_moved, 0, "allocate");
            if (!h && deferred(before)) {
                // The free bytes hold the request (with no free handle, a table granule too).
                FUZZ_CHECK(need_granules(bytes) * g <= before.free_bytes, "deferred a request the free bytes cannot hold");
                // Deferred: the main loop's steps of the limit; then it is served, or refused for
                // another reason than steps (never deferred again). Limited: the limit lifted.
                // Deferred again only when the failed call itself left a hole for the steps (the
                // table grew into the block after it, which moved), never a third time.
                for (int round = 0; !h && pool_.last_error() == tinymem::error::compaction_deferred; ++round) {
                    FUZZ_CHECK(round < 2, "deferred again after the main loop's steps, twice");
                    drain(limit_);
                    h = pinned ? pool_.allocate_pinned(bytes, align) : pool_.allocate(bytes, align);
                }
                if (!h && pool_.last_error() == tinymem::error::compaction_limited) {
                    pool_.set_compaction_limit(~std::size_t(0));
                    h = pinned ? pool_.allocate_pinned(bytes, align) : pool_.allocate(bytes, align);
                    FUZZ_CHECK(h || (pool_.last_error() != tinymem::error::compaction_deferred &&
                                     pool_.last_error() != tinymem::error::compaction_limited),
                               "deferred or limited without a limit");
                    pool_.set_compaction_limit(limit_);
                }
            }
        }
        const tinymem::error e = pool_.last_error();
        if (!h) {
            FUZZ_CHECK(e != tinymem::error::none, "a failure names its reason");
            expect_unchanged_by_failure(before);
            const bool pow2 = align != 0 && (align & (align - 1)) == 0;
            if (bytes == 0) FUZZ_CHECK(e == tinymem::error::zero_size || e == tinymem::error::bad_alignment, "zero");
            if (!pow2) FUZZ_CHECK(e == tinymem::error::bad_alignment, "alignment");
            if (bytes > before.capacity_bytes && pow2 && align <= before.capacity_bytes)
                FUZZ_CHECK(e == tinymem::error::too_large, "too large");
            // What the pool promises: with no pins, default alignment and a free slot, a request
            // that fits in the free bytes succeeds (compaction gathers them).
            if (!pinned && no_pins && pow2 && align <= g && bytes != 0 && bytes <= before.capacity_bytes &&
                before.free_handles > 0)
            {
                if (std::getenv("TINYMEM_FUZZ_VERBOSE") && need_granules(bytes) * g <= before.free_bytes) {
                    static char chart[1 << 16];
                    pool_.map(chart, sizeof chart);
                    std::fprintf(stderr, "request %zu align %zu, free %zu largest %zu, free handles %zu\n%s\n", bytes,
                                 align, before.free_bytes, before.largest_free_bytes, before.free_handles, chart);
                }
            }
            if (!pinned && no_pins && pow2 && align <= g && bytes != 0 && bytes <= before.capacity_bytes &&
                before.free_handles > 0)
                // (A hole smaller than a listed free block is invisible to allocation.)
                FUZZ_CHECK(need_granules(bytes) * g > before.free_bytes || before.free_bytes < min_listed_bytes,
                           tinymem::to_string(e));
            if (e == tinymem::error::out_of_memory && before.free_handles > 0)
                FUZZ_CHECK(need_granules(bytes) * g > before.free_bytes, "out_of_memory with room");
            if (e == tinymem::error::fragmented_by_pins)
                FUZZ_CHECK(need_granules(bytes) * g <= before.free_bytes + g, "fragmented without room");
            return;
        }
        FUZZ_CHECK(e == tinymem::error::none, "success clears the error");
        FUZZ_CHECK(bytes != 0 && align != 0 && (align & (align - 1)) == 0, "accepted a bad request");
        FUZZ_CHECK(pool_.size(h) >= bytes, "usable size");
        auto* d = pool_.data(h);
        FUZZ_CHECK(reinterpret_cast<std::uintptr_t>(d) % align == 0, "alignment of data");
        FUZZ_CHECK(handles_.served(h.value()), "a retired slot was reused");
        FUZZ_CHECK(!other_.valid(h), "another live pool takes this pool's handle");
        // Not issued twice, aligned, its pin count; its bytes written.
        expect(blocks_.add(pool_, h, bytes, align, next_id_++, pinned));
    }

    void do_deallocate(reader& in) {
        auto* b = pick_block(in);
        if (!b) return;
        const std::size_t i = index_of(b);
        const bool ok = pool_.deallocate(b->h);
        if (blocks_.deallocate_error(i) == tinymem::error::pinned) {
            FUZZ_CHECK(!ok && pool_.last_error() == tinymem::error::pinned, "freeing a pinned block");
            return;
        }
        FUZZ_CHECK(ok, "deallocate");
        FUZZ_CHECK(!pool_.valid(b->h), "freed handle still valid");
        handles_.freed(b->h.value(), retire_);
        blocks_.remove(i);
    }

    void do_reallocate(reader& in) {
        auto* b = pick_block(in);
        const std::size_t bytes = pick_size(in);
        if (!b) return;
        const std::size_t old_size = pool_.size(b->h);
        void* const before = pool_.data(b->h);
        const auto stats_before = pool_.stats();
        const bool ok = pool_.reallocate(b->h, bytes);
        if (limited()) {
            // A block that moves to grow moves its bytes and header once.
            expect_bounded(stats_before.bytes_moved, old_size + 2 * g, "reallocate");
            if (!ok && pool_.last_error() == tinymem::error::out_of_memory && b->pins == 0 && !b->fixed)
                FUZZ_CHECK(need_granules(bytes) * g > stats_before.free_bytes + old_size + hdr,
                           "out_of_memory under a limit for a growth the free bytes hold");
            if (!ok && deferred(stats_before)) {
                FUZZ_CHECK(stats_before.free_bytes + old_size + 2 * g >= bytes, "deferred a growth the free bytes cannot hold");
                FUZZ_CHECK(pool_.size(b->h) == old_size && pool_.data(b->h) != nullptr, "a deferred reallocate changed the block");
                verify_block(*b);
                return;
            }
        }
        if (!ok) {
            const tinymem::error e = pool_.last_error();
            FUZZ_CHECK(e != tinymem::error::none, "failure reason");
            if (bytes == 0) FUZZ_CHECK(e == tinymem::error::zero_size, "zero");
            if (e == tinymem::error::pinned) FUZZ_CHECK(b->pins != 0 || b->fixed, "pinned error on a movable block");
            FUZZ_CHECK(pool_.size(b->h) == old_size, "failed reallocate changed the size");
            return;
        }
        FUZZ_CHECK(pool_.size(b->h) >= bytes, "reallocated size");
        if (b->pins != 0 || b->fixed) FUZZ_CHECK(pool_.data(b->h) == before, "a pinned block moved");
        // Aligned still, the kept bytes intact, the new ones written.
        expect(blocks_.resized(pool_, index_of(b), bytes));
    }

    void do_pin(reader& in) {
        auto* b = pick_block(in);
        if (!b) return;
        const std::size_t i = index_of(b);
        const bool ok = pool_.acquire_pin(b->h);
        if (b->fixed) {
            FUZZ_CHECK(ok, "pinning a fixed block is a no-op");
            return;
        }
        if (blocks_.pin_error(i) == tinymem::error::pin_overflow) {
            FUZZ_CHECK(!ok && pool_.last_error() == tinymem::error::pin_overflow, "pin overflow");
            return;
        }
        FUZZ_CHECK(ok, "pin");
        blocks_.pinned_one(pool_, i);
        FUZZ_CHECK(pool_.pin_count(b->h) == b->pins, "pin count");
    }

    void do_unpin(reader& in) {
        auto* b = pick_block(in);
        if (!b) return;
        const std::size_t i = index_of(b);
        const bool ok = pool_.unpin(b->h);
        if (b->fixed) {
            FUZZ_CHECK(ok, "unpinning a fixed block is a no-op");
            return;
        }
        if (blocks_.unpin_error(i) == tinymem::error::not_pinned) {
            FUZZ_CHECK(!ok && pool_.last_error() == tinymem::error::not_pinned, "unpin of an unpinned block");
            return;
        }
        FUZZ_CHECK(ok, "unpin");
        blocks_.unpinned_one(i);
    }

    // reserve_handles(count): a count the slots or the free bytes cannot meet is refused first,
    // changing nothing; else it is met, or fails only as the table's growth may.
    void do_reserve(reader& in) {
        const auto before = pool_.stats();
        const std::size_t table_slots = before.table_bytes / hdr;
        const std::size_t extra = in.u8() % 4 == 0 ? std::size_t(in.u32()) : std::size_t(in.u8());
        const std::size_t count = before.free_handles + extra;
        const bool too_many = extra > Config::max_slots - table_slots;
        const bool too_big = (extra + g / hdr - 1) / (g / hdr) * g > before.free_bytes;
        const bool ok = pool_.reserve_handles(count);
        const tinymem::error e = pool_.last_error();
        if (ok) {
            FUZZ_CHECK(!too_many && !too_big, "reserve_handles met the impossible");
            FUZZ_CHECK(pool_.stats().free_handles >= count, "reserve_handles fell short");
            return;
        }
        if (too_many || too_big) {
            FUZZ_CHECK(e == (too_many ? tinymem::error::out_of_handles : tinymem::error::out_of_memory),
                       "reserve_handles refused for the wrong reason");
            const auto after = pool_.stats();
            FUZZ_CHECK(after.table_bytes == before.table_bytes && after.free_bytes == before.free_bytes &&
                           after.bytes_moved == before.bytes_moved,
                       "a refused reserve_handles changed the pool");
            return;
        }
        FUZZ_CHECK(e == tinymem::error::out_of_handles || e == tinymem::error::out_of_memory ||
                       (limited() && (e == tinymem::error::compaction_deferred || e == tinymem::error::compaction_limited)),
                   tinymem::to_string(e));
    }

    // Handles that must be refused: null, stale (freed), forged (random bits), bit-flipped live.
    void do_bad_handle(reader& in) {
        const std::uint8_t k = in.u8();
        handle h{};
        bool may_alias = false;
        switch (k % 4) {
        case 0: break;
        case 1: {
            // A freed handle: refused until its slot's generation wraps, exactly.
            const auto* f = handles_.pick(in, (k & 0x80) != 0);
            if (!f || expect_freed(*f)) return;
            h = handle(f->h);
            break;
        }
        case 2:
            if (k & 0x40) {
                // Another live pool's handles.
                h = foreign_[(k >> 7) & 1];
                FUZZ_CHECK(!pool_.valid(h), "a foreign handle is valid");
                break;
            }
            h = handle(typename handle::value_type(in.u32()) * 0x9e3779b97f4a7c15ull);
            may_alias = true;
            break;
        case 3: {
            auto* b = pick_block(in);
            if (!b) return;
            h = handle(b->h.value() ^ (typename handle::value_type(1) << (in.u8() % (8 * sizeof(typename handle::value_type)))));
            may_alias = true;
            break;
        }
        }
        // A forged value may happen to name a live block: then it is that block (allowed).
        for (const auto& b : blocks_)
            if (b.h == h) return;
        (void)may_alias;
        FUZZ_CHECK(!pool_.valid(h), "bad handle accepted as valid");
        FUZZ_CHECK(pool_.data(h) == nullptr, "data of a bad handle");
        FUZZ_CHECK(pool_.size(h) == 0, "size of a bad handle");
        FUZZ_CHECK(pool_.pin_count(h) == 0, "pin_count of a bad handle");
        switch (in.u8() % 4) {
        case 0: FUZZ_CHECK(!pool_.deallocate(h), "deallocate of a bad handle"); break;
        case 1: FUZZ_CHECK(!pool_.reallocate(h, 16), "reallocate of a bad handle"); break;
        case 2: FUZZ_CHECK(!pool_.acquire_pin(h), "pin of a bad handle"); break;
        default: FUZZ_CHECK(!pool_.unpin(h), "unpin of a bad handle"); break;
        }
        const tinymem::error e = pool_.last_error();
        FUZZ_CHECK(e == tinymem::error::invalid_handle || e == tinymem::error::stale_handle, tinymem::to_string(e));
        if (!h) FUZZ_CHECK(e == tinymem::error::invalid_handle, "null handle is invalid");
        if (k % 4 == 2 && (k & 0x40)) FUZZ_CHECK(e == tinymem::error::invalid_handle, "a foreign handle is not invalid_handle");
        if (k % 4 == 1) FUZZ_CHECK(e == tinymem::error::stale_handle, "a freed handle is not stale_handle");
    }

    // A freed handle against the model: valid exactly when its slot's generation has wrapped
    // (never with slot retirement on), and then it names that slot's live block.
    // Result: whether it aliases a live block (then the caller must not use it as a bad handle).
    bool expect_freed(const typename fuzz::handle_model<Config>::freed_handle& f) {
        const handle h(f.h);
        if (!handles_.expect(f, pool_.valid(h), retire_, FUZZ_TARGET, op_)) return false;
        bool named = false;
        named = blocks_.find(h) != model_t::npos;
        FUZZ_CHECK(named, "an aliased handle names no live block of the model");
        return true;
    }

    void do_handle_of(reader& in) {
        auto* b = pick_block(in);
        if (!b) {
            FUZZ_CHECK(!pool_.handle_of(&op_), "handle_of a foreign pointer");
            return;
        }
        auto* d = static_cast<unsigned char*>(pool_.data(b->h));
        FUZZ_CHECK(pool_.handle_of(d) == b->h, "handle_of(data(h))");
        const std::size_t off = 1 + in.u8() % (b->bytes + 8);
        const handle inner = pool_.handle_of(d + off);
        // A pointer inside a block (or past it) names another block only at that block's start.
        if (inner) {
            bool found = false;
            for (const auto& o : blocks_)
                if (o.h == inner) found = pool_.data(o.h) == d + off;
            FUZZ_CHECK(found, "handle_of an inner pointer");
        }
    }

    // A pin guard kept across moving calls: the pinned block stays put and intact.
    void do_guarded(reader& in) {
        auto* b = pick_block(in);
        if (!b || b->pins == pool_t::max_pins) return;
        const std::uint32_t id = b->id;
        auto guard = pool_.pin(b->h);
        FUZZ_CHECK(bool(guard), "pin guard");
        const void* at = guard.data();
        pool_.defrag_step(std::size_t(in.u8()) * g);
        const std::size_t index = index_of(b);
        blocks_.pinned_one(pool_, index); // the guard's pin, in the model's counts
        do_allocate(in, false);            // may move every other block
        const auto& same = blocks_[index];
        FUZZ_CHECK(same.id == id && pool_.data(same.h) == at, "a guarded block moved");
        verify_block(same);
        guard.release();
        blocks_.unpinned_one(index);
    }

    void step(reader& in) {
        const std::uint8_t op = in.u8();
        switch (op % 12) {
        case 0:
        case 1: do_allocate(in, false); break;
        case 2: do_allocate(in, true); break;
        case 3:
        case 4: do_deallocate(in); break;
        case 5: do_reallocate(in); break;
        case 6: do_pin(in); break;
        case 7: do_unpin(in); break;
        case 8: {
            const std::size_t budget = std::size_t(in.u8()) * g;
            const bool compact = pool_.defrag_step(budget);
            if (compact && !pool_t::stress_mode) {
                // Done means done for this budget: the next step moves nothing.
                const std::uint64_t moved = pool_.bytes_moved();
                FUZZ_CHECK(pool_.defrag_step(budget) && pool_.bytes_moved() == moved, "a step after done moved bytes");
                FUZZ_CHECK(pool_.defrag_step(1 << 20), "compact stays compact");
            }
            break;
        }
        case 9:
            if (op >= 0xE0 && !limited()) {
                do_limited(in);
            } else if (op & 0x80) {
                pool_.defrag();
                // Over-aligned blocks may keep holes below them (a shift must keep their alignment).
                if (!blocks_.any_pinned_or_aligned()) FUZZ_CHECK(pool_.stats().fragmentation_percent == 0, "defrag leaves one hole");
            } else {
                do_handle_of(in);
            }
            break;
        case 10:
            if (op == 250) do_reserve(in);
            else if (op == 238) {
                retire_ = !retire_;
                pool_.set_slot_retirement(retire_);
                FUZZ_CHECK(pool_.slot_retirement() == retire_, "slot_retirement()");
            } else do_bad_handle(in);
            break;
        default: do_guarded(in); break;
        }
    }

    void verify_block(const model_block& b) { expect(blocks_.check_block(pool_, index_of(&b))); }

    // check(), and the blocks and stats() against the model.
    void verify() {
        const tinymem::check_result r = pool_.check();
        if (!r.ok()) fuzz::fail_at(FUZZ_TARGET, op_, "check()", r.problem);
        // Every block's bytes, pins and place; live, used and pinned bytes, the byte and handle
        // accounting.
        expect(blocks_.check_all(pool_));
        FUZZ_CHECK(pool_.stats().retired_handles == handles_.retired(), "retired slots");
    }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    reader in{data, size};
    const std::uint8_t cfg = in.u8();
    static constexpr std::size_t sizes[8] = {96, 256, 1024, 4096, 16384, 65536, 200, 3000};
    const std::size_t bytes = sizes[(cfg >> 2) & 7] + (cfg & 0x20 ? in.u8() : 0);
    const std::size_t skew = (cfg >> 6) & 3;
    switch (cfg & 3) {
    case 0: fuzz::run_in_skewed_buffer<harness<tinymem::config16>>(in, bytes, skew); break;
    case 1: fuzz::run_in_skewed_buffer<harness<tinymem::config16_g8>>(in, bytes, skew); break;
    case 2: fuzz::run_in_skewed_buffer<harness<tinymem::config32>>(in, bytes, skew); break;
    default:
        // The last two configurations share one selector value; the skew bit picks one.
        if (skew & 1) fuzz::run_in_skewed_buffer<harness<tinymem::config17>>(in, bytes, skew);
        else fuzz::run_in_skewed_buffer<harness<tinymem::config32_g16>>(in, bytes, skew);
        break;
    }
    return 0;
}
