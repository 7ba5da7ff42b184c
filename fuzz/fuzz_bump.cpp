// SPDX-License-Identifier: MIT
// libFuzzer target for tinymem's lean engine, basic_bump_pool: the input bytes become a pool
// configuration and a sequence of operations, checked against a model after every operation:
//   - every live block's contents (all its usable bytes), size, pin count and place: blocks lie
//     in the heap, granule-aligned, without overlap, and pinned blocks never move,
//   - pool.check() (every structural invariant),
//   - stats() against the model: live blocks, used, pinned and table bytes, free handles, the
//     byte accounting to the granule, and largest_allocatable recomputed from the blocks' places
//     (the top that a full compaction would leave),
//   - results and errors, predicted exactly from the model: allocate and reallocate succeed or
//     fail as the engine's documented rules say (allocation at the top after compacting if
//     needed; growth in place only for the topmost block, the free blocks after it joining the
//     top, else a move to the top that needs the whole new size), and each failure names the
//     predicted reason,
//   - calls that must not move blocks (deallocate, pins, failed calls on bad handles) move none;
//     the model follows the top (freeing or shrinking the block that ends there lowers it): a
//     new block starts at the top, allocate and reallocate compact exactly when the top is short
//     and there are holes, and a compaction leaves holes only before pinned blocks,
//   - defrag_step(budget) moves at most `budget` bytes, returns true within a bounded number of
//     calls of one budget, and once true a further step moves nothing and every hole left sits
//     before a pinned block or a block larger than the budget,
//   - null, stale, forged and foreign (another pool's) handles are refused with the right error
//     and change nothing; a freed handle is refused exactly until its slot's generation wraps,
//     and never with slot retirement on, whose retired slots are never reused and are counted
//     in stats() (fuzz::handle_model, shared with fuzz_pool),
//   - now and then a few allocations and reallocations under set_compaction_limit(): each moves
//     at most the limit (one step) and the block it moves itself, and answers as without a
//     limit but that a request compaction would serve (or one pinned blocks split) may be
//     compaction_deferred or compaction_limited; a deferred request is then served, refused as
//     without a limit, or limited after the main loop's steps of the limit (never deferred
//     again), and a limited one is served or refused as without a limit after defrag().
// At the end everything is freed: the pool must be empty and one free block.
//
// Built two ways: with clang's -fsanitize=fuzzer (fuzz/meson.build), and with a standalone main
// (fuzz/replay_main.cpp) that replays fuzz/corpus/bump/ in every build's `meson test`.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <span>
#include <utility>
#include <vector>

#define FUZZ_TARGET "fuzz_bump"
#include "fuzz_support.hpp"

#include "tinymem_under_test.hpp"
#include "model/pool_model.hpp"

namespace {

using fuzz::reader;
using tinymem::error;

std::uint64_t mix(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

unsigned long long ull(std::uint64_t x) { return static_cast<unsigned long long>(x); }

constexpr bool pow2(std::size_t x) { return x != 0 && (x & (x - 1)) == 0; }

template <class Config>
class harness {
public:
    using pool_t = tinymem::basic_bump_pool<Config>;
    using handle = typename pool_t::handle;
    using value_type = typename handle::value_type;
    using guard_t = typename pool_t::pin_guard;
    // Live blocks: at most one per operation or burst allocation.
    using model_t = tinymem_test::pool_model<pool_t, (std::size_t(1) << 15)>;
    // A block of the model: every usable byte written (bytes is its size()), `at` where the
    // last verify() saw it.
    using block = typename model_t::block;
    static constexpr std::size_t G = Config::granule;
    static constexpr std::size_t hb = sizeof(typename Config::word_type); // header and table word
    static constexpr unsigned tag_shift = Config::slot_bits + Config::generation_bits;
    static constexpr value_type slot_mask = (value_type(1) << Config::slot_bits) - 1;
    static constexpr value_type tag_mask = (value_type(1) << Config::tag_bits) - 1;

    harness(std::byte* buf, std::size_t bytes)
        : buf_(buf), bytes_(bytes), pool_(std::span<std::byte>(buf, bytes)),
          other_(std::span<std::byte>(other_buf_, sizeof other_buf_)) {}

    void run(reader& in) {
        // The constructor's promise: the start rounded up to the granule, at least 4 and fewer
        // than max_granules granules.
        const std::size_t skip = (G - reinterpret_cast<std::uintptr_t>(buf_) % G) % G;
        const std::size_t granules = bytes_ >= skip ? (bytes_ - skip) / G : 0;
        const bool usable = granules >= 4 && granules < Config::max_granules;
        FUZZ_CHECK(pool_.usable() == usable, "usable()");
        // Another pool's handles: one live, one freed. Both are foreign here.
        FUZZ_CHECK(other_.usable(), "the other pool");
        const handle o1 = other_.allocate(8), o2 = other_.allocate(16);
        FUZZ_CHECK(o1 && o2 && other_.deallocate(o2), "the other pool's handles");
        foreign_[0] = o1;
        foreign_[1] = o2;
        if (!usable) {
            run_unusable(in);
            return;
        }
        base_ = buf_ + skip;
        total_ = granules * G;
        FUZZ_CHECK(pool_.capacity() == total_, "capacity()");
        max_request_ = (total_ / G - 1) * G - hb;

        verify();
        const unsigned max_ops = total_ > 70000 ? 64 : 4000;
        while (!in.empty() && op_ < max_ops) {
            step(in, true);
            ++op_;
            verify();
        }
        finish();
    }

private:
    struct placed {
        std::size_t pos, gran; // granules: the data granule, the size with the header
        bool pinned;
        std::uint32_t id;
    };

    unsigned op_ = 0;
    const bool trace_ = std::getenv("TINYMEM_FUZZ_TRACE") != nullptr; // every call, to stderr
    std::byte* buf_;
    std::size_t bytes_;
    pool_t pool_;
    alignas(16) std::byte other_buf_[256] = {};
    pool_t other_;
    handle foreign_[2];
    const std::byte* base_ = nullptr;
    std::size_t total_ = 0, max_request_ = 0;
    std::size_t slots_ = 0; // the table's words
    // The blocks, their bytes and pins, and what stats() must say (on the heap: the model holds
    // its blocks in place).
    std::unique_ptr<model_t> model_ = std::make_unique<model_t>();
    model_t& blocks_ = *model_;
    // What the pool must do with freed handles (generations, slot retirement).
    fuzz::handle_model<Config> handles_;
    bool retire_ = false; // set_slot_retirement
    std::uint32_t next_id_ = 1;
    value_type tag_ = 0; // the pool's tag, once a handle showed it
    bool tag_known_ = false;
    // From the last verify(): the blocks by address, the gather point (where the top would
    // start after a full compaction) and the used granules.
    std::vector<placed> layout_;
    std::size_t gather_ = 1, used_g_ = 0;
    // The top (the data granule where the next block at the top starts), when the model knows
    // it: every call sets it but a step that says not done, which may or may not have reached
    // the top (then it is the highest block's end, else where it was).
    std::size_t top_ = 1;
    bool top_known_ = true;
    // The end of the highest block (1 for none), where the blocks are now.
    std::size_t current_highest_end() const {
        std::size_t end = 1;
        for (const auto& b : blocks_) end = std::max(end, pos_of(pool_.data(b.h)) + gran(b));
        return end;
    }
    // For TINYMEM_FUZZ_VERBOSE: allocations, those that compacted, reallocations, their ways
    // (shrink, at the top, moved), guards, steps.
    std::uint64_t stat_ops_[8] = {};

    // ---- geometry ------------------------------------------------------------------------------
    static std::size_t gran(const block& b) { return (b.bytes + hb) / G; }
    std::size_t index_of(const block* b) const { return std::size_t(b - blocks_.begin()); }
    // Stops the run at a mismatch the model found.
    void expect(tinymem_test::mismatch m) {
        if (m) fuzz::fail_at(FUZZ_TARGET, op_, m.what);
    }
    std::size_t limit_for(std::size_t slots) const { return (total_ - slots * hb + hb) / G; }
    static std::size_t granules_for(std::size_t bytes) { return (bytes + hb + G - 1) / G; }
    std::size_t pos_of(const void* d) const { return std::size_t(static_cast<const std::byte*>(d) - base_) / G; }
    bool new_slot() const { return slots_ == blocks_.size() + handles_.retired(); }
    // What allocate() can serve: the top a full compaction leaves, with a new table word if no
    // slot is free.
    std::size_t predicted_allocatable() const {
        const std::size_t limit = limit_for(slots_ + (new_slot() ? 1 : 0));
        return limit > gather_ ? (limit - gather_) * G - hb : 0;
    }
    bool any_pinned() const { return blocks_.any_pinned(); }
    block* find(std::uint32_t id) {
        const std::size_t i = blocks_.find_id(id);
        return i == model_t::npos ? nullptr : &blocks_[i];
    }
    std::size_t index_in_layout(std::uint32_t id) const {
        for (std::size_t i = 0; i < layout_.size(); ++i)
            if (layout_[i].id == id) return i;
        return layout_.size();
    }

    // ---- contents ------------------------------------------------------------------------------
    void verify_block(const block& b) {
        expect(blocks_.check_block(pool_, index_of(&b)));
        FUZZ_CHECK(pool_.size(b.h) == b.bytes, "size()");
    }
    // Whether every block but `except` is where the last verify() saw it.
    void expect_unmoved(std::uint32_t except, const char* what) {
        if (blocks_.check_unmoved(pool_, except)) fuzz::fail_at(FUZZ_TARGET, op_, what);
    }

    // ---- the whole check -----------------------------------------------------------------------
    void verify() {
        const tinymem::check_result r = pool_.check();
        if (!r.ok()) fuzz::fail_at(FUZZ_TARGET, op_, "check()", r.problem);
        // Every block's bytes, size, pins; stats() against them (live, used and pinned bytes, the
        // byte and handle accounting); the blocks in the heap, on granules, without overlap.
        for (const auto& b : blocks_) FUZZ_CHECK(pool_.size(b.h) == b.bytes, "size()");
        expect(blocks_.check_all(pool_));
        expect(blocks_.check_layout(pool_, base_));
        blocks_.seen(pool_);
        layout_.clear();
        used_g_ = 0;
        const auto* order = blocks_.by_address(pool_);
        for (std::size_t k = 0; k < blocks_.size(); ++k) {
            const block& b = blocks_[order[k]];
            layout_.push_back({pos_of(b.at), gran(b), b.pins != 0, b.id});
            used_g_ += gran(b);
        }
        // The gather point as a full compaction would leave it.
        std::size_t end = 1, c = 1;
        for (const auto& p : layout_) {
            end = p.pos + p.gran;
            c = p.pinned ? end : c + p.gran;
        }
        gather_ = c;
        FUZZ_CHECK(end <= limit_for(slots_), "a block runs into the handle table");
        if (top_known_) FUZZ_CHECK(top_ >= end && top_ <= limit_for(slots_), "the model's top");

        const auto st = pool_.stats();
        FUZZ_CHECK(st.capacity_bytes == total_, "capacity_bytes");
        FUZZ_CHECK(st.table_bytes == slots_ * hb, "table_bytes");
        FUZZ_CHECK(st.retired_handles == handles_.retired(), "retired_handles");
        FUZZ_CHECK(st.largest_allocatable == predicted_allocatable(), "largest_allocatable");
        // The top is one free block.
        if (top_known_) FUZZ_CHECK(st.largest_free_bytes >= (limit_for(slots_) - top_) * G, "the top is not free");
    }

    // ---- picks ---------------------------------------------------------------------------------
    std::size_t pick_size(reader& in) {
        const std::uint8_t k = in.u8();
        const std::size_t hi = k >> 4;
        switch (k % 10) {
        case 0: return 0;
        case 1: return hi + 1;                                   // 1..16
        case 2: return std::size_t(in.u8()) + 1;                 // 1..256
        case 3: return std::size_t(in.u16() % 2048) + 1;         // up to 2 KiB
        case 4: return total_ / (2 + hi);                        // a large share
        case 5: return std::size_t(in.u32());                    // anything
        case 6: return ~std::size_t(0) - hi;                     // overflow bait
        case 7: {                                                // around largest_allocatable
            const std::size_t la = predicted_allocatable();
            return la + (hi % 4) - (hi % 4 != 0 && la != 0 ? 2 : 0) + (hi >= 8 ? G : 0);
        }
        case 8: return max_request_ - 1 + hi % 3 + (hi >= 8 ? total_ - max_request_ : 0); // too_large edge
        default: return std::size_t(in.u8() % 64) + 1;
        }
    }
    std::size_t pick_align(reader& in) {
        const std::uint8_t k = in.u8();
        if (k < 144) return G;
        if (k < 208) return std::size_t(1) << (k % 6); // 1 .. 32: valid up to the granule
        switch (k % 6) {
        case 0: return 0;
        case 1: return 3 + 2 * std::size_t(k % 7); // odd: not a power of two
        case 2: return G + G / 2;
        case 3: return std::size_t(1) << (20 + k % 12);
        case 4: return ~std::size_t(0);
        default: return std::size_t(k) * 6;
        }
    }
    // A live block: mostly any, now and then the highest one (the top's paths).
    block* pick_block(reader& in) {
        if (blocks_.empty()) return nullptr;
        const std::uint8_t k = in.u8();
        if (k % 4 == 0) return find(layout_.back().id);
        return &blocks_[(std::size_t(k >> 2) | std::size_t(in.u8()) << 6) % blocks_.size()];
    }

    // ---- operations ----------------------------------------------------------------------------
    // A failed call: exactly `e`, counted once, and the blocks and counts unchanged.
    void expect_failed(const tinymem::pool_stats& before, error want, const char* what) {
        const error e = pool_.last_error();
        if (e != want) {
            char msg[160];
            std::snprintf(msg, sizeof msg, "%s: %s, predicted %s", what, tinymem::to_string(e), tinymem::to_string(want));
            fuzz::fail_at(FUZZ_TARGET, op_, "wrong error", msg);
        }
        const auto after = pool_.stats();
        for (std::size_t i = 0; i < tinymem::error_count; ++i)
            FUZZ_CHECK(after.failed[i] == before.failed[i] + (i == std::size_t(want) ? 1u : 0u), "failure counts");
        FUZZ_CHECK(after.used_bytes == before.used_bytes && after.live_blocks == before.live_blocks &&
                       after.table_bytes == before.table_bytes && after.pinned_bytes == before.pinned_bytes &&
                       after.free_bytes == before.free_bytes,
                   "a failed call changed the counts");
    }

    // What allocate(bytes, align) answers without a compaction limit, from the last verify();
    // `need`: the block's granules (0 when refused before the room is looked at).
    error predict_allocate(std::size_t bytes, std::size_t align, std::size_t& need) const {
        const bool fresh = new_slot();
        const auto before = pool_.stats();
        error want = error::none;
        need = 0;
        if (!pow2(align) || align > G) want = error::bad_alignment;
        else if (bytes == 0) want = error::zero_size;
        else if (bytes > max_request_) want = error::too_large;
        else if (fresh && slots_ == Config::max_slots) want = error::out_of_handles;
        else {
            need = granules_for(bytes);
            const std::size_t l1 = limit_for(slots_ + (fresh ? 1 : 0)), l0 = limit_for(slots_);
            // The plain promise, which the exact rule below implies: nothing pinned and a free
            // slot, and the block's granules fit in the free bytes (compaction gathers them).
            if (!any_pinned() && !fresh && need * G <= before.free_bytes)
                FUZZ_CHECK(bytes <= predicted_allocatable() && bytes <= before.largest_allocatable, "the plain promise");
            if (bytes > predicted_allocatable()) {
                // After the compaction: holes only before pinned blocks, the top from the gather
                // point, less a new table word even where it would take from the last block (then
                // the table, not the pins, is what refuses).
                const std::size_t holes = gather_ - 1 - used_g_;
                want = holes + l1 >= need + gather_                 ? error::fragmented_by_pins
                       : fresh && holes + l0 >= need + gather_      ? error::out_of_handles
                                                                    : error::out_of_memory;
            }
        }
        return want;
    }
    // A block allocate() just issued: its handle, data and size as promised; into the model.
    void adopt(handle h, std::size_t need) {
        FUZZ_CHECK(pool_.last_error() == error::none, "success clears the error");
        const value_type tag = (h.value() >> tag_shift) & tag_mask;
        FUZZ_CHECK(!tag_known_ || tag == tag_, "the pool's tag changed");
        tag_ = tag;
        tag_known_ = true;
        FUZZ_CHECK(handles_.served(h.value()), "a retired slot was reused");
        FUZZ_CHECK(!other_.valid(h), "another live pool takes this pool's handle");
        const auto* d = static_cast<const std::byte*>(pool_.data(h));
        FUZZ_CHECK(d != nullptr && reinterpret_cast<std::uintptr_t>(d) % G == 0, "a new block's data");
        FUZZ_CHECK(pool_.size(h) == need * G - hb, "a new block's size");
        FUZZ_CHECK(pool_.pin_count(h) == 0, "a new block is pinned");
        if (new_slot()) ++slots_;
        // Not issued twice; every usable byte written.
        expect(blocks_.add(pool_, h, need * G - hb, G, next_id_++));
    }

    void do_allocate(std::size_t bytes, std::size_t align) {
        ++stat_ops_[0];
        const auto before = pool_.stats();
        const bool fresh = new_slot();
        std::size_t need = 0;
        const error want = predict_allocate(bytes, align, need);
        const handle h = pool_.allocate(bytes, align);
        if (trace_)
            std::fprintf(stderr, "op %u: allocate(%zu, %zu) -> %s at %zd (predicted %s)\n", op_, bytes, align,
                         tinymem::to_string(pool_.last_error()), h ? std::ptrdiff_t(pos_of(pool_.data(h))) : -1,
                         tinymem::to_string(want));
        if (want != error::none) {
            FUZZ_CHECK(!h, "allocate succeeded where the model fails it");
            expect_failed(before, want, "allocate");
            if (need == 0) {
                FUZZ_CHECK(pool_.stats().bytes_moved == before.bytes_moved, "a refused request moved bytes");
                expect_unmoved(0, "a refused request moved a block");
            } else {
                // A refusal for room compacted first, if there were holes.
                const bool compacted = pool_.stats().compactions != before.compactions;
                if (top_known_) FUZZ_CHECK(compacted == (top_ - 1 != used_g_), "a refused allocation compacted, or not, against the rule");
                if (compacted) {
                    expect_compact(~std::size_t(0), "a refused allocation that compacted");
                    top_ = gather_;
                    top_known_ = true;
                }
            }
            return;
        }
        if (!h) {
            char msg[200];
            std::snprintf(msg, sizeof msg, "allocate(%zu, %zu) failed with %s; largest_allocatable %zu, free %zu",
                          bytes, align, tinymem::to_string(pool_.last_error()), before.largest_allocatable,
                          before.free_bytes);
            fuzz::fail_at(FUZZ_TARGET, op_, "allocate refused a request the model serves", msg);
        }
        const auto* d = static_cast<const std::byte*>(pool_.data(h));
        const auto after = pool_.stats();
        const std::size_t pos = pos_of(d);
        const bool compacted = after.compactions != before.compactions;
        // Compacts when the top is short of the block (and a table word), and there are holes.
        if (top_known_) {
            const std::size_t l1 = limit_for(slots_ + (fresh ? 1 : 0));
            const bool short_top = need > (l1 > top_ ? l1 - top_ : 0);
            FUZZ_CHECK(compacted == (short_top && top_ - 1 != used_g_), "allocate compacted, or not, against the rule");
            if (!compacted) FUZZ_CHECK(pos == top_, "a new block not at the top");
        }
        top_ = pos + need;
        top_known_ = true;
        // At the top: above every other block.
        for (const auto& b : blocks_) {
            const auto* o = static_cast<const std::byte*>(pool_.data(b.h));
            FUZZ_CHECK(pos_of(o) + gran(b) <= pos, "a new block below another");
        }
        if (!compacted) {
            FUZZ_CHECK(after.bytes_moved == before.bytes_moved, "bytes moved without a compaction");
            expect_unmoved(0, "a block moved without a compaction");
            FUZZ_CHECK(layout_.empty() || pos >= layout_.back().pos + layout_.back().gran, "a new block below the old top");
        } else {
            FUZZ_CHECK(after.compactions == before.compactions + 1, "one compaction");
            ++stat_ops_[1];
        }
        adopt(h, need);
        if (compacted) expect_compact(~std::size_t(0), "an allocation that compacted");
    }

    void do_deallocate(block* b) {
        if (!b) return;
        const auto before = pool_.stats();
        const bool highest = layout_.back().id == b->id;
        const std::size_t pos = pos_of(b->at);
        const bool ok = pool_.deallocate(b->h);
        if (trace_) std::fprintf(stderr, "op %u: deallocate(#%u at %zu, %zu granules) -> %d\n", op_, b->id, pos, gran(*b), int(ok));
        if (b->pins != 0) {
            FUZZ_CHECK(!ok, "freed a pinned block");
            expect_failed(before, error::pinned, "deallocate of a pinned block");
            expect_unmoved(0, "a refused free moved a block");
            return;
        }
        FUZZ_CHECK(ok && pool_.last_error() == error::none, "deallocate");
        FUZZ_CHECK(!pool_.valid(b->h) && pool_.data(b->h) == nullptr && pool_.size(b->h) == 0, "a freed handle resolves");
        const auto after = pool_.stats();
        FUZZ_CHECK(after.free_bytes == before.free_bytes + gran(*b) * G, "free bytes after a free");
        FUZZ_CHECK(after.bytes_moved == before.bytes_moved && after.compactions == before.compactions, "a free moved bytes");
        // Freeing the block that ends at the top lowers the top to it (not past free blocks below).
        if (top_known_ && pos + gran(*b) == top_) {
            FUZZ_CHECK(highest, "a block ends at the top but is not the highest");
            top_ = pos;
            FUZZ_CHECK(after.largest_free_bytes >= (limit_for(slots_) - top_) * G, "the top was not lowered");
        }
        handles_.freed(b->h.value(), retire_);
        const std::uint32_t id = b->id;
        blocks_.remove(index_of(b));
        expect_unmoved(id, "a free moved a block");
    }

    // What reallocate(b.h, bytes) answers without a compaction limit, from the last verify(),
    // and how it serves it; `need`: the new granules (0 when refused for the size).
    enum way { shrink, at_top, moved };
    error predict_reallocate(const block& b, std::size_t bytes, std::size_t& need, way& how) const {
        const std::size_t li = index_in_layout(b.id), s = gran(b);
        const bool topmost = li + 1 == layout_.size();
        const std::size_t room = limit_for(slots_) - gather_; // the top after compaction
        // The engine's rules, in order.
        need = 0;
        how = shrink;
        if (bytes == 0) return error::zero_size;
        if (bytes > max_request_) return error::too_large;
        need = granules_for(bytes);
        if (need <= s) return error::none;
        if (!topmost && b.pins != 0) return error::pinned;
        how = topmost ? at_top : moved;
        const std::size_t wanted = topmost ? need - s : need;
        if (wanted <= room) return error::none;
        return pool_.stats().free_bytes / G >= wanted ? error::fragmented_by_pins : error::out_of_memory;
    }
    // A block reallocate() just resized to `need` granules: its kept bytes hold, the new ones are
    // written.
    void resized(block& b, std::size_t need) {
        FUZZ_CHECK(pool_.last_error() == error::none, "success clears the error");
        FUZZ_CHECK(pool_.size(b.h) == need * G - hb, "reallocated size");
        expect(blocks_.resized(pool_, index_of(&b), need * G - hb));
    }

    void do_reallocate(reader& in) {
        block* b = pick_block(in);
        if (!b) return;
        ++stat_ops_[2];
        const std::size_t li = index_in_layout(b->id);
        const std::size_t pos = layout_[li].pos, s = gran(*b), usable = s * G - hb;
        const bool topmost = li + 1 == layout_.size();
        const std::size_t run = topmost ? 0 : layout_[li + 1].pos - (pos + s); // free granules after it
        const std::size_t room = limit_for(slots_) - gather_;                 // the top after compaction
        // The size: relative to the block and to the model's boundaries.
        const std::uint8_t k = in.u8();
        const std::size_t hi = k >> 4, plus = hi & 1;
        std::size_t bytes;
        switch (k % 12) {
        case 0: bytes = 0; break;
        case 1: bytes = usable + 1 + in.u8(); break;
        case 2: bytes = 1 + in.u16() % usable; break;
        case 3: bytes = usable - (usable > hi ? hi : 0); break;
        case 4: bytes = (s + run) * G - hb + plus; break;                            // the hole after it, just
        case 5: bytes = (topmost ? s + room : room) * G - hb + plus; break;          // at the top, just
        case 6: bytes = pick_size(in); break;
        case 7: bytes = max_request_ + plus; break;
        case 8: bytes = ~std::size_t(0) - hi; break;
        case 9: bytes = std::size_t(in.u32()); break;
        case 10: bytes = usable + G * (1 + hi); break;
        default: bytes = std::size_t(in.u8() % 64) + 1; break;
        }
        const auto before = pool_.stats();
        std::size_t need = 0;
        way how = shrink;
        const error want = predict_reallocate(*b, bytes, need, how);
        // Whether it must compact (-1: the model does not know): when the top, after the free
        // blocks right after the topmost block joined it, is short of what is wanted and there
        // are holes below it.
        int must_compact = -1;
        if (how == at_top) {
            const std::size_t t = pos + s;
            must_compact = need - s > limit_for(slots_) - t && t - 1 != used_g_;
        } else if (how == moved && top_known_) {
            must_compact = need > limit_for(slots_) - top_ && top_ - 1 != used_g_;
        }
        const void* const was = b->at;
        const bool ok = pool_.reallocate(b->h, bytes);
        if (trace_)
            std::fprintf(stderr, "op %u: reallocate(#%u at %zu, %zu granules, pins %u, %zu B) -> %s at %zd (predicted %s, way %d)\n",
                         op_, b->id, pos, s, b->pins, bytes, tinymem::to_string(pool_.last_error()),
                         std::ptrdiff_t(pos_of(pool_.data(b->h))), tinymem::to_string(want), int(how));
        const bool compacted = pool_.stats().compactions != before.compactions;
        if (must_compact != -1) FUZZ_CHECK(compacted == (must_compact == 1), "reallocate compacted, or not, against the rule");
        if (want != error::none) {
            FUZZ_CHECK(!ok, "reallocate succeeded where the model fails it");
            expect_failed(before, want, "reallocate");
            FUZZ_CHECK(pool_.size(b->h) == usable, "a failed reallocate changed the size");
            if (want != error::fragmented_by_pins && want != error::out_of_memory) {
                FUZZ_CHECK(pool_.stats().bytes_moved == before.bytes_moved, "a refused reallocate moved bytes");
                expect_unmoved(0, "a refused reallocate moved a block");
            } else if (compacted) {
                expect_compact(~std::size_t(0), "a refused reallocate that compacted");
                top_ = gather_;
                top_known_ = true;
            } else if (how == at_top) {
                top_ = pos + s; // the free blocks after it joined the top
                top_known_ = true;
            }
            return;
        }
        if (!ok) {
            char msg[200];
            std::snprintf(msg, sizeof msg, "reallocate(%zu granules -> %zu B) failed with %s; way %d, room %zu, run %zu",
                          s, bytes, tinymem::to_string(pool_.last_error()), int(how), room, run);
            fuzz::fail_at(FUZZ_TARGET, op_, "reallocate refused a request the model serves", msg);
        }
        ++stat_ops_[3 + how];
        const auto after = pool_.stats();
        const auto* d = static_cast<const std::byte*>(pool_.data(b->h));
        if (how == shrink) {
            if (top_known_ && pos + s == top_) top_ = pos + need; // the freed tail joins the top
        } else {
            if (how == moved && !compacted && top_known_) FUZZ_CHECK(pos_of(d) == top_, "a block that grew was not moved to the top");
            top_ = pos_of(d) + need;
            top_known_ = true;
        }
        if (how == shrink) {
            FUZZ_CHECK(d == was, "a shrink moved the block");
            FUZZ_CHECK(!compacted && after.bytes_moved == before.bytes_moved, "a shrink moved bytes");
            expect_unmoved(0, "a shrink moved a block");
        } else if (!compacted) {
            if (how == at_top) FUZZ_CHECK(d == was && after.bytes_moved == before.bytes_moved, "the topmost block moved");
            else FUZZ_CHECK(after.bytes_moved == before.bytes_moved + s * G && pos_of(d) >= layout_.back().pos + layout_.back().gran,
                            "a block that grew was not moved to the top");
            expect_unmoved(b->id, "a growth moved another block");
        }
        if (b->pins != 0) FUZZ_CHECK(d == was, "a pinned block moved to grow");
        if (how == at_top && compacted) expect_compact(~std::size_t(0), "the topmost block grew after a compaction");
        resized(*b, need);
    }

    void do_pin(block* b) {
        if (!b) return;
        const auto before = pool_.stats();
        const bool ok = pool_.acquire_pin(b->h);
        if (trace_) std::fprintf(stderr, "op %u: acquire_pin(#%u at %zu) -> %d\n", op_, b->id, pos_of(b->at), int(ok));
        if (blocks_.pin_error(index_of(b)) == error::pin_overflow) {
            FUZZ_CHECK(!ok, "a pin past max_pins");
            expect_failed(before, error::pin_overflow, "pin overflow");
        } else {
            FUZZ_CHECK(ok && pool_.last_error() == error::none, "acquire_pin");
            FUZZ_CHECK(pool_.data(b->h) == b->at, "a pin moved the block");
            blocks_.pinned_one(pool_, index_of(b));
        }
        expect_unmoved(0, "a pin moved a block");
    }

    void do_unpin(block* b) {
        if (!b) return;
        const auto before = pool_.stats();
        const bool ok = pool_.unpin(b->h);
        if (trace_) std::fprintf(stderr, "op %u: unpin(#%u at %zu) -> %d\n", op_, b->id, pos_of(b->at), int(ok));
        if (blocks_.unpin_error(index_of(b)) == error::not_pinned) {
            FUZZ_CHECK(!ok, "unpin of an unpinned block");
            expect_failed(before, error::not_pinned, "unpin of an unpinned block");
        } else {
            FUZZ_CHECK(ok && pool_.last_error() == error::none, "unpin");
            blocks_.unpinned_one(index_of(b));
        }
        expect_unmoved(0, "an unpin moved a block");
    }

    // Holes only before pinned blocks and before blocks of more than `limit` bytes.
    void expect_compact(std::size_t limit, const char* after) {
        std::vector<placed> order;
        for (const auto& b : blocks_) order.push_back({pos_of(pool_.data(b.h)), gran(b), b.pins != 0, b.id});
        std::sort(order.begin(), order.end(), [](const placed& x, const placed& y) { return x.pos < y.pos; });
        std::size_t end = 1;
        for (const auto& p : order) {
            if (p.pos != end && !p.pinned && p.gran * G <= limit) {
                if (trace_)
                    for (const auto& q : order) std::fprintf(stderr, "  #%u at %zu, %zu granules%s\n", q.id, q.pos, q.gran, q.pinned ? ", pinned" : "");
                char msg[160];
                std::snprintf(msg, sizeof msg, "after %s: a hole of %zu granules before a movable block of %zu B (limit %zu)",
                              after, p.pos - end, p.gran * G, limit);
                fuzz::fail_at(FUZZ_TARGET, op_, "not compact", msg);
            }
            end = p.pos + p.gran;
        }
        if (!any_pinned() && limit == ~std::size_t(0)) {
            const auto st = pool_.stats();
            FUZZ_CHECK(st.largest_free_bytes == st.free_bytes, "compact with nothing pinned, yet the free space is split");
        }
    }

    std::size_t pick_budget(reader& in) {
        const std::uint8_t k = in.u8();
        switch (k % 8) {
        case 0: return k >> 3;                                   // below a visit
        case 1: return pool_t::visit_cost * (k >> 3);            // a few visits
        case 2: return std::size_t(in.u8()) * G;
        case 3: return in.u16();
        case 4: return 2 * total_ + (k >> 3);                    // the whole heap
        case 5: return ~std::size_t(0);
        case 6: return layout_.empty() ? 0 : layout_[in.u8() % layout_.size()].gran * G - (k >> 7); // a block's size, just
        default: return std::size_t(in.u8()) * 16;
        }
    }

    // One step: within its budget, nothing but moves. Result: its result.
    bool one_step(std::size_t budget) {
        const auto before = pool_.stats();
        const bool done = pool_.defrag_step(budget);
        const auto after = pool_.stats();
        if (trace_)
            std::fprintf(stderr, "op %u: defrag_step(%zu) -> %d, moved %llu\n", op_, budget, int(done),
                         ull(after.bytes_moved - before.bytes_moved));
        FUZZ_CHECK(after.bytes_moved - before.bytes_moved <= budget, "defrag_step moved more than its budget");
        FUZZ_CHECK(after.used_bytes == before.used_bytes && after.free_bytes == before.free_bytes &&
                       after.live_blocks == before.live_blocks && after.table_bytes == before.table_bytes &&
                       after.pinned_bytes == before.pinned_bytes,
                   "defrag_step changed the counts");
        if (blocks_.check_pins(pool_)) fuzz::fail_at(FUZZ_TARGET, op_, "a step moved a pinned block");
        // A step that reaches the top joins the gap there to it: the top is then the highest
        // block's end. One that says done reached it (or found the pool compact, top included).
        const std::size_t end = current_highest_end();
        if (done) {
            top_ = end;
            top_known_ = true;
        } else if (top_ != end) {
            top_known_ = false;
        }
        return done;
    }
    // Done: a further step of the budget moves nothing, and the holes left are allowed ones.
    void expect_settled(std::size_t budget) {
        const auto moved = pool_.stats().bytes_moved;
        FUZZ_CHECK(one_step(budget), "a step after one that said done has work");
        FUZZ_CHECK(pool_.stats().bytes_moved == moved, "a step after one that said done moved bytes");
        expect_compact(budget, "defrag_step returned true");
    }

    void do_step(reader& in) {
        ++stat_ops_[7];
        const std::size_t budget = pick_budget(in);
        if (one_step(budget)) expect_settled(budget);
    }

    void do_drain(reader& in) { drain(pick_budget(in)); }
    // Steps of one budget until one says done, as a main loop calls them.
    void drain(std::size_t budget) {
        // Each step visits at least two blocks or free blocks (free blocks are a granule at
        // least), and a pass is redone at most once for a budget: this bounds the calls.
        const std::size_t limit = 4 * (blocks_.size() + pool_.stats().free_bytes / G) + 64;
        for (std::size_t calls = 0;; ++calls) {
            if (one_step(budget)) break;
            if (calls == limit) {
                char msg[96];
                std::snprintf(msg, sizeof msg, "budget %zu, %zu calls", budget, limit);
                fuzz::fail_at(FUZZ_TARGET, op_, "defrag_step does not finish", msg);
            }
        }
        expect_settled(budget);
    }

    void do_defrag() {
        const auto before = pool_.stats();
        pool_.defrag();
        if (trace_) std::fprintf(stderr, "op %u: defrag()\n", op_);
        const auto after = pool_.stats();
        FUZZ_CHECK(after.compactions == before.compactions + 1, "defrag is a compaction");
        FUZZ_CHECK(after.used_bytes == before.used_bytes && after.free_bytes == before.free_bytes,
                   "defrag changed the counts");
        expect_compact(~std::size_t(0), "defrag()");
        FUZZ_CHECK(current_highest_end() == gather_, "defrag() left the blocks short of the gather point");
        top_ = gather_;
        top_known_ = true;
        FUZZ_CHECK(pool_.defrag_step(0) && pool_.defrag_step(~std::size_t(0)), "a step after defrag() has work");
        FUZZ_CHECK(pool_.stats().bytes_moved == after.bytes_moved, "a step after defrag() moved bytes");
    }

    // ---- under a compaction limit ----------------------------------------------------------------
    // A few allocations and reallocations under set_compaction_limit(limit), then the limit
    // lifted. Each call moves at most the limit (one step) and the block it moves itself, and
    // answers as without a limit but that a request compaction would serve, or one pinned
    // blocks split, may be deferred or limited; a deferred request is served, or refused as
    // without a limit, or limited, after the main loop's steps of the limit (never deferred
    // again); a limited one after defrag() (never deferred or limited again).
    void do_limited(reader& in) {
        static_assert(pool_t::visit_cost == 64, "fuzz::pick_compaction_limit's visits");
        const std::size_t limit = fuzz::pick_compaction_limit(in, G);
        pool_.set_compaction_limit(limit);
        FUZZ_CHECK(pool_.compaction_limit() == limit, "compaction_limit()");
        if (trace_) std::fprintf(stderr, "op %u: set_compaction_limit(%zu)\n", op_, limit);
        for (unsigned i = 0, n = 1 + in.u8() % 6; i < n && !in.empty(); ++i) {
            const block* b = (in.u8() & 1) != 0 ? pick_block(in) : nullptr;
            const std::uint32_t id = b ? b->id : 0;
            const std::size_t bytes = pick_size(in);
            error e = limited_call(id, bytes, limit);
            if (e == error::compaction_deferred) {
                drain(limit);
                e = limited_call(id, bytes, limit);
                FUZZ_CHECK(e != error::compaction_deferred, "a request deferred again after the main loop's steps");
            }
            if (e == error::compaction_limited) {
                // Holes remain before blocks larger than the limit, which steps leave alone.
                do_defrag();
                e = limited_call(id, bytes, limit);
                FUZZ_CHECK(e != error::compaction_deferred && e != error::compaction_limited,
                           "a request deferred or limited again after defrag()");
            }
        }
        pool_.set_compaction_limit(~std::size_t(0));
        FUZZ_CHECK(pool_.compaction_limit() == ~std::size_t(0), "compaction_limit() lifted");
    }
    // allocate(bytes) (id 0) or reallocate of block `id` under a limit, checked; then verify().
    // Result: its error.
    error limited_call(std::uint32_t id, std::size_t bytes, std::size_t limit) {
        block* b = id != 0 ? find(id) : nullptr;
        std::size_t need = 0;
        way how = shrink;
        const error plain = b ? predict_reallocate(*b, bytes, need, how) : predict_allocate(bytes, G, need);
        const auto before = pool_.stats();
        handle h{};
        const bool ok = b ? pool_.reallocate(b->h, bytes) : bool(h = pool_.allocate(bytes));
        const error e = pool_.last_error();
        if (trace_)
            std::fprintf(stderr, "op %u: %s(%zu) under a limit of %zu -> %s (without a limit %s)\n", op_,
                         b ? "reallocate" : "allocate", bytes, limit, tinymem::to_string(e), tinymem::to_string(plain));
        const auto after = pool_.stats();
        const std::size_t own = b && how == moved ? gran(*b) * G : 0;
        FUZZ_CHECK(after.bytes_moved - before.bytes_moved <= limit + own,
                   "a call under a compaction limit moved more than one step and its own block");
        top_known_ = false; // a step may or may not have reached the top
        if (ok) {
            if (plain != error::none) {
                char msg[96];
                std::snprintf(msg, sizeof msg, "served under a limit; without one: %s", tinymem::to_string(plain));
                fuzz::fail_at(FUZZ_TARGET, op_, "a request the model refuses was served", msg);
            }
            if (b) resized(*b, need);
            else adopt(h, need);
        } else {
            const bool deferrable = plain == error::none || plain == error::fragmented_by_pins;
            expect_failed(before,
                          deferrable && (e == error::compaction_deferred || e == error::compaction_limited) ? e : plain,
                          "a call under a limit");
            if (b) FUZZ_CHECK(pool_.size(b->h) == b->bytes, "a failed reallocate changed the size");
        }
        verify();
        return ok ? error::none : e;
    }

    // A freed handle against the model: valid exactly when its slot's generation has wrapped
    // (never with slot retirement on), and then it names that slot's live block.
    // Result: whether it aliases a live block (then the caller must not use it as a bad handle).
    bool expect_freed(const typename fuzz::handle_model<Config>::freed_handle& f) {
        const handle h(f.h);
        if (!handles_.expect(f, pool_.valid(h), retire_, FUZZ_TARGET, op_)) return false;
        FUZZ_CHECK(find_handle(h), "an aliased handle names no live block of the model");
        return true;
    }
    bool find_handle(handle h) const {
        for (const auto& b : blocks_)
            if (b.h == h) return true;
        return false;
    }

    // Handles that name no live block: each call fails with the right error and changes nothing.
    void do_bad_handle(reader& in) {
        const std::uint8_t k = in.u8();
        handle h{};
        error want = error::invalid_handle;
        switch (k % 6) {
        case 0: break; // null
        case 1: {
            // A freed handle: refused until its slot's generation wraps, exactly.
            const auto* f = handles_.pick(in, (k & 0x80) != 0);
            if (!f || expect_freed(*f)) return;
            h = handle(f->h);
            want = error::stale_handle;
            break;
        }
        case 2: h = foreign_[k >> 7]; break;
        case 3: { // a live handle's tag with a slot past the table
            if (blocks_.empty()) return;
            const value_type v = blocks_[in.u8() % blocks_.size()].h.value();
            h = handle(value_type((v & ~slot_mask) | value_type(slots_ + (k >> 6))));
            break;
        }
        case 4: { // a live handle with one bit flipped
            if (blocks_.empty()) return;
            const value_type v = blocks_[in.u8() % blocks_.size()].h.value();
            h = handle(value_type(v ^ (value_type(1) << (in.u8() % (8 * sizeof(value_type))))));
            want = error::none; // below
            break;
        }
        default: h = handle(value_type(mix(in.u32()))); want = error::none; break; // forged
        }
        for (const auto& b : blocks_)
            if (b.h == h) return; // a forged value that names a live block is that block
        if (want == error::none) {
            // The engine's rule: the pool's tag and a slot in the table make a stale handle.
            const value_type slot = h.value() & slot_mask, tag = (h.value() >> tag_shift) & tag_mask;
            want = tag_known_ && tag == tag_ && slot < slots_ ? error::stale_handle : error::invalid_handle;
        }
        FUZZ_CHECK(!pool_.valid(h) && pool_.data(h) == nullptr && pool_.size(h) == 0 && pool_.pin_count(h) == 0,
                   "a bad handle resolves");
        const auto before = pool_.stats();
        bool ok = false;
        switch (in.u8() % 5) {
        case 0: ok = pool_.deallocate(h); break;
        case 1: ok = pool_.reallocate(h, pick_size(in)); break;
        case 2: ok = pool_.acquire_pin(h); break;
        case 3: ok = pool_.unpin(h); break;
        default: {
            guard_t g = pool_.pin(h);
            ok = bool(g);
            FUZZ_CHECK(g.data() == nullptr, "a failed guard's data");
            break;
        }
        }
        FUZZ_CHECK(!ok, "a call on a bad handle succeeded");
        expect_failed(before, want, "a bad handle");
        FUZZ_CHECK(pool_.stats().bytes_moved == before.bytes_moved, "a call on a bad handle moved bytes");
        expect_unmoved(0, "a call on a bad handle moved a block");
    }

    // A pin guard held across other operations (which may move every other block); the guard
    // is moved once, then released.
    void do_guarded(reader& in) {
        block* b = pick_block(in);
        if (!b) return;
        ++stat_ops_[6];
        const std::uint32_t id = b->id;
        const auto before = pool_.stats();
        guard_t g = pool_.pin(b->h);
        if (trace_) std::fprintf(stderr, "op %u: pin(#%u at %zu) guard -> %d\n", op_, b->id, pos_of(b->at), int(bool(g)));
        if (b->pins == pool_t::max_pins) {
            FUZZ_CHECK(!g, "a guard past max_pins");
            expect_failed(before, error::pin_overflow, "guard overflow");
            return;
        }
        FUZZ_CHECK(bool(g) && g.get_handle() == b->h && g.data() == b->at, "pin guard");
        blocks_.pinned_one(pool_, index_of(b));
        const void* const at = b->at;
        verify();
        const unsigned nested = 1 + in.u8() % 3;
        for (unsigned i = 0; i < nested && !in.empty(); ++i) {
            step(in, false);
            verify();
        }
        guard_t moved;
        moved = std::move(g);
        FUZZ_CHECK(!g && g.data() == nullptr, "a moved-from guard"); // NOLINT(bugprone-use-after-move)
        block* same = find(id);
        if (same) {
            if (same->pins != 0 && same->pinned_at == at) FUZZ_CHECK(pool_.data(same->h) == at, "a guarded block moved");
            // The guard's pin, unless a nested unpin took the last one (the guard's unpin then fails).
            moved.release();
            if (same->pins != 0) blocks_.unpinned_one(index_of(same));
        } else {
            moved.release(); // a nested unpin and free: the guard's unpin fails on a stale handle
            FUZZ_CHECK(pool_.last_error() == error::stale_handle, "a guard of a freed block");
        }
        FUZZ_CHECK(!moved, "a released guard");
        if (trace_) std::fprintf(stderr, "op %u: guard of #%u released\n", op_, id);
    }

    // Many small blocks at once, or every other block freed: fills and fragments quickly.
    void do_burst(reader& in, bool allocating) {
        const std::uint8_t k = in.u8();
        if (allocating) {
            const std::size_t size = 1 + k % 48, align = k & 0x80 ? 1 : G;
            for (unsigned i = 0, n = 1 + in.u8() % 24; i < n; ++i) {
                do_allocate(size, align);
                verify();
                if (pool_.last_error() != error::none) break;
            }
        } else {
            const std::size_t stride = 2 + k % 3;
            std::vector<std::uint32_t> ids;
            for (std::size_t i = k >> 6; i < layout_.size(); i += stride) ids.push_back(layout_[i].id);
            for (const std::uint32_t id : ids) {
                if (block* b = find(id); b && b->pins == 0) {
                    do_deallocate(b);
                    verify();
                }
            }
        }
    }

    void step(reader& in, bool outer) {
        const std::uint8_t op = in.u8();
        switch (op % 16) {
        case 0:
        case 1:
        case 2: {
            const std::size_t bytes = pick_size(in);
            do_allocate(bytes, pick_align(in));
            break;
        }
        case 3:
        case 4: do_deallocate(pick_block(in)); break;
        case 5:
        case 6: do_reallocate(in); break;
        case 7: do_pin(pick_block(in)); break;
        case 8: do_unpin(pick_block(in)); break;
        case 9: do_step(in); break;
        case 10: do_drain(in); break;
        case 11:
            if (op >= 0xE0) do_limited(in);
            else do_defrag();
            break;
        case 12:
            if (op == 252) {
                retire_ = !retire_;
                pool_.set_slot_retirement(retire_);
                FUZZ_CHECK(pool_.slot_retirement() == retire_, "slot_retirement()");
            } else {
                do_bad_handle(in);
            }
            break;
        case 13:
            if (outer) do_guarded(in);
            else do_step(in);
            break;
        case 14: do_burst(in, true); break;
        default: do_burst(in, false); break;
        }
    }

    void finish() {
        // Free everything: the pool must be empty and one free block.
        expect(blocks_.free_all(pool_, [&](handle h) { handles_.freed(h.value(), retire_); }));
        verify();
        pool_.defrag();
        verify();
        for (const auto& f : handles_.firsts()) expect_freed(f);
        const auto st = pool_.stats();
        if (std::getenv("TINYMEM_FUZZ_VERBOSE"))
            std::fprintf(stderr,
                         "granule %zu, %zu bytes: %u operations, %llu allocations (%llu compacted), %llu reallocations "
                         "(%llu shrink, %llu at the top, %llu moved), %llu guards, %llu steps, %zu bytes moved\n",
                         G, total_, op_, ull(stat_ops_[0]), ull(stat_ops_[1]), ull(stat_ops_[2]), ull(stat_ops_[3]),
                         ull(stat_ops_[4]), ull(stat_ops_[5]), ull(stat_ops_[6]), ull(stat_ops_[7]),
                         std::size_t(st.bytes_moved));
        FUZZ_CHECK(st.used_bytes == 0 && st.live_blocks == 0 && st.pinned_bytes == 0, "an empty pool");
        FUZZ_CHECK(st.largest_free_bytes == st.free_bytes && st.fragmentation_percent == 0, "an empty pool is one free block");
        FUZZ_CHECK(st.free_bytes == (limit_for(slots_) - 1) * G, "an empty pool's free bytes");
        // And all of it can be allocated again.
        const std::size_t la = st.largest_allocatable;
        FUZZ_CHECK(la == predicted_allocatable() && la > 0, "an empty pool's largest_allocatable");
        const handle h = pool_.allocate(la);
        FUZZ_CHECK(h && pool_.size(h) >= la, "allocate(largest_allocatable) of an empty pool");
        FUZZ_CHECK(pool_.deallocate(h), "free it");
        FUZZ_CHECK(pool_.check().ok(), "check() at the end");
    }

    // A buffer the constructor refused: every call fails, nothing breaks.
    void run_unusable(reader& in) {
        FUZZ_CHECK(pool_.capacity() == 0 && !pool_.check().ok(), "an unusable pool");
        const auto st = pool_.stats();
        FUZZ_CHECK(st.capacity_bytes == 0 && st.free_bytes == 0 && st.largest_allocatable == 0, "an unusable pool's stats");
        for (int i = 0; i < 4; ++i) {
            const std::size_t bytes = std::size_t(in.u16()), align = i == 3 ? 3 : G;
            FUZZ_CHECK(!pool_.allocate(bytes, align) && pool_.last_error() == error::bad_buffer, "allocate in an unusable pool");
        }
        FUZZ_CHECK(!pool_.deallocate(handle{}) && pool_.last_error() == error::invalid_handle, "free in an unusable pool");
        FUZZ_CHECK(!pool_.reallocate(foreign_[0], 8) && pool_.last_error() == error::invalid_handle,
                   "reallocate in an unusable pool");
        FUZZ_CHECK(pool_.defrag_step(in.u8()), "a step in an unusable pool");
        pool_.defrag();
        FUZZ_CHECK(pool_.data(handle{}) == nullptr && !pool_.valid(handle{}), "data in an unusable pool");
    }
};

template <class Config>
void run_config(reader& in, std::size_t index, std::size_t extra, std::size_t skew) {
    constexpr std::size_t G = Config::granule;
    static constexpr std::size_t sizes[7] = {96, 256, 1024, 4096, 16384, 65536, 200};
    std::size_t bytes;
    if (index < 7) {
        bytes = sizes[index] + extra;
    } else {
        // The edges of the constructor: around 4 granules, and around max_granules for the
        // configurations whose limit fits in memory.
        const std::uint8_t e = in.u8();
        const std::size_t skip = (G - skew % G) % G; // the storage itself is 16-byte aligned
        const std::size_t slack = (e >> 2) % G;
        switch (e % 4) {
        case 0: bytes = (e >> 2) % (6 * G); break;
        case 1:
        case 2:
            if constexpr (Config::offset_bits <= 17)
                bytes = (std::size_t(Config::max_granules) - (e % 4 == 1 ? 1 : 0)) * G + skip + slack;
            else
                bytes = 3000 + extra;
            break;
        default: bytes = 3000 + extra; break;
        }
    }
    fuzz::run_in_skewed_buffer<harness<Config>>(in, bytes, skew);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    reader in{data, size};
    const std::uint8_t cfg = in.u8();
    const std::size_t index = (cfg >> 2) & 7;
    const std::size_t extra = cfg & 0x20 ? in.u8() : 0;
    const std::size_t skew = (cfg >> 6) & 3;
    switch (cfg & 3) {
    case 0: run_config<tinymem::config16>(in, index, extra, skew); break;
    case 1: run_config<tinymem::config16_g8>(in, index, extra, skew); break;
    case 2: run_config<tinymem::config17>(in, index, extra, skew); break;
    default: run_config<tinymem::config32>(in, index, extra, skew); break;
    }
    return 0;
}
