// SPDX-License-Identifier: MIT
// The reference model of a pool's observable behaviour, for both engines (basic_pool and
// basic_bump_pool), shared by the randomised tests, the fuzz targets and the target test.
//
// It knows which blocks are live (handle, requested bytes, alignment, pins, allocate_pinned,
// where a pinned block must stay) and which byte pattern each holds; which handles were freed
// lately; what stats() must say about them; which error a call on a block must record where
// that follows from the block alone (pins, stale handles); and the byte accounting and layout
// rules of each engine. What depends on a run's own choices (which requests it promises, how
// it picks sizes) stays with the run.
//
// No heap, no exceptions, no printing: the blocks live in a fixed array (Capacity entries), so
// that the Cortex-M target test can hold a model in static storage. A broken expectation is
// returned as a `mismatch` (a static description; `block` names the model's block when there
// is one), and the caller reports it as it reports anything (Boost.Test, abort, a counter).
#ifndef TINYMEM_TEST_POOL_MODEL_HPP
#define TINYMEM_TEST_POOL_MODEL_HPP

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <type_traits>

// tinymem itself (import or headers) is included before this header.

namespace tinymem_test {

// The byte a block with pattern seed `id` holds at `i`: the top byte of a Weyl sequence started
// by the seed, so it differs between blocks and from each byte to the next (a block moved by
// a few bytes, truncated or swapped for another shows), at one multiply-add a byte (cheap on a
// Cortex-M0 too).
inline constexpr unsigned char pattern(std::uint32_t id, std::size_t i) {
    return static_cast<unsigned char>((id * 2654435761u + std::uint32_t(i) * 0x9e3779b9u) >> 24);
}
// Writes bytes [from, to) of pattern `id` at d (d points at byte 0). Out of line, as the checks
// below: one copy, however many call it (the Cortex-M0's flash). Cost: O(to - from).
[[gnu::noinline]] inline void write_pattern(unsigned char* d, std::uint32_t id, std::size_t from, std::size_t to) {
    for (std::size_t i = from; i < to; ++i) d[i] = pattern(id, i);
}
// Whether bytes [0, n) at d hold pattern `id`. Out of line. Cost: O(n).
[[gnu::noinline]] inline bool holds_pattern(const unsigned char* d, std::uint32_t id, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i)
        if (d[i] != pattern(id, i)) return false;
    return true;
}

// A broken expectation: `what` is null when there is none.
struct mismatch {
    const char* what = nullptr;
    std::size_t block = ~std::size_t(0); // index of the model's block concerned, if any
    constexpr explicit operator bool() const { return what != nullptr; }
};

// A set of errors (bit e for error e), for calls whose error the model cannot decide alone.
template <class Error>
class error_set {
public:
    constexpr error_set() = default;
    constexpr error_set(std::initializer_list<Error> es) {
        for (Error e : es) bits_ |= bit(e);
    }
    constexpr error_set& add(Error e) {
        bits_ |= bit(e);
        return *this;
    }
    constexpr bool has(Error e) const { return (bits_ & bit(e)) != 0; }

private:
    static constexpr std::uint32_t bit(Error e) { return std::uint32_t(1) << unsigned(e); }
    std::uint32_t bits_ = 0;
};

// What stats() must say of a pool whose live blocks the model knows (one function for every
// pool type: code size counts on the small targets).
struct expected_stats {
    std::size_t live_blocks, used_bytes, pinned_bytes; // from the model's blocks
    std::size_t capacity;                               // capacity()
    std::uint64_t bytes_moved;                          // bytes_moved()
    std::uint32_t compactions;                          // compactions()
    std::size_t granule, word;                          // the configuration's granule and word size
    bool lean;                                          // basic_bump_pool, not basic_pool
};
// stats() `s` against `e`: the blocks' counts, the handle accounting (free, live and retired
// slots fill the table), the engine's byte accounting, the largest free block, the
// fragmentation and the counters' accessors. Out of line (here and below): one copy for every
// pool type, however many call it. Cost: O(1).
[[gnu::noinline]] inline mismatch check_stats(const tinymem::pool_stats& s, const expected_stats& e) {
    if (s.live_blocks != e.live_blocks) return {"stats().live_blocks differs from the model"};
    if (s.used_bytes != e.used_bytes) return {"stats().used_bytes differs from the blocks' sizes"};
    if (s.pinned_bytes != e.pinned_bytes) return {"stats().pinned_bytes differs from the pinned blocks' sizes"};
    if (s.capacity_bytes != e.capacity) return {"stats().capacity_bytes differs from capacity()"};
    if ((s.free_handles + s.live_blocks + s.retired_handles) * e.word != s.table_bytes)
        return {"free, live and retired handles do not fill the table"};
    if (s.largest_free_bytes > s.free_bytes) return {"the largest free block exceeds the free bytes"};
    if (s.fragmentation_percent > 100) return {"fragmentation above 100 %"};
    if (e.bytes_moved != s.bytes_moved || e.compactions != s.compactions)
        return {"bytes_moved() / compactions() differ from stats()"};
    if (s.cached_bytes > s.free_bytes) return {"cached bytes exceed the free bytes"};
    if (e.lean) {
        // Blocks and free blocks fill the heap from its first data granule up to the table,
        // which starts at a word of the last granule it takes.
        const std::size_t top = (s.capacity_bytes - s.table_bytes + e.word) / e.granule;
        if (s.used_bytes + s.free_bytes != (top - 1) * e.granule) return {"the byte accounting of the lean engine"};
        if (s.cached_bytes != 0) return {"the lean engine caches bytes"};
        if (s.free_bytes % e.granule != 0 || s.largest_free_bytes % e.granule != 0) return {"free bytes not in granules"};
        if ((s.free_bytes == 0) != (s.largest_free_bytes == 0)) return {"largest free block of no free bytes"};
        if (s.largest_free_bytes == s.free_bytes && s.fragmentation_percent != 0)
            return {"fragmentation with one free block"};
    } else {
        // Blocks, free blocks and the table fill the heap but for its first granule.
        if (s.used_bytes + s.free_bytes + s.table_bytes + e.granule != s.capacity_bytes)
            return {"the byte accounting of basic_pool"};
    }
    return {};
}

// What the pool says of a block, or what the model expects (data: where a pinned block must be,
// else null; size: at least this).
struct block_facts {
    bool valid;
    const void* data;
    std::size_t size;
    unsigned pin_count;
};
// A block as the pool shows it (`seen`) against the model (`want`, its bytes holding pattern
// `id`, its data a multiple of `align`). One function for every pool type: code size counts on
// the small targets. Cost: O(its bytes).
[[gnu::noinline]] inline mismatch check_facts(const block_facts& seen, const block_facts& want, std::uint32_t id, std::size_t align) {
    const auto* d = static_cast<const unsigned char*>(seen.data);
    if (!seen.valid || d == nullptr) return {"a live handle is not valid"};
    if (reinterpret_cast<std::uintptr_t>(d) % align != 0) return {"a block is misaligned"};
    if (seen.size < want.size) return {"a block is smaller than its bytes"};
    if (seen.pin_count != want.pin_count) return {"a pin count differs from the model"};
    if (want.data != nullptr && d != want.data) return {"a pinned block moved"};
    if (!holds_pattern(d, id, want.size)) return {"the contents of a live block changed"};
    return {};
}
// What a freed handle must show (`seen`) while no generation wrapped: not valid, no data, size
// and pin count 0. Cost: O(1).
[[gnu::noinline]] inline mismatch check_stale_facts(const block_facts& seen) {
    if (seen.valid || seen.data != nullptr || seen.size != 0 || seen.pin_count != 0) return {"a freed handle resolves"};
    return {};
}

// What the model knows of a live block but its handle (whose type depends on the pool), so that
// the checks below are compiled once for every pool type.
struct block_state {
    std::uint32_t id = 0;            // pattern seed of its bytes
    std::size_t bytes = 0;           // bytes written (the request, or every usable byte)
    std::size_t align = 0;           // data() is a multiple of it
    std::uint16_t pins = 0;          // acquire_pin / pin guards counted by the model
    bool fixed = false;              // from allocate_pinned (basic_pool only)
    const void* pinned_at = nullptr; // data() while pinned or fixed
    const void* at = nullptr;        // data() when the model last saw it (add, seen)
};
// Whether the pool may not move block `b` (pinned, or allocated pinned).
constexpr bool is_pinned(const block_state& b) { return b.pins != 0 || b.fixed; }
// Block `b` as the pool shows it (`seen`): valid, aligned, at least its bytes, its pin count (a
// fixed block's is `fixed_pins`), not moved while pinned, its bytes intact. Cost: O(its bytes).
[[gnu::noinline]] inline mismatch check_seen(const block_facts& seen, const block_state& b, unsigned fixed_pins) {
    const block_facts want{true, is_pinned(b) ? b.pinned_at : nullptr, b.bytes, b.fixed ? fixed_pins : b.pins};
    return check_facts(seen, want, b.id, b.align);
}

// Sorts order[0, n) by key(context, order[k]), lowest first: a heap sort, O(n log n) without the
// code size of std::sort, compiled once per index type (the Cortex-M0's flash).
template <class Index>
[[gnu::noinline]] void sort_by_key(Index* order, std::size_t n, std::uintptr_t (*key)(const void*, std::size_t),
                                   const void* context) {
    const auto sift = [&](std::size_t root, std::size_t end) {
        for (std::size_t child; (child = 2 * root + 1) < end; root = child) {
            if (child + 1 < end && key(context, order[child]) < key(context, order[child + 1])) ++child;
            if (!(key(context, order[root]) < key(context, order[child]))) return;
            const Index t = order[root];
            order[root] = order[child];
            order[child] = t;
        }
    };
    for (std::size_t i = n / 2; i-- > 0;) sift(i, n);
    for (std::size_t m = n; m > 1; --m) {
        const Index t = order[0];
        order[0] = order[m - 1];
        order[m - 1] = t;
        sift(0, m - 1);
    }
}

// Which engine a pool type is: the lean one has no allocate_pinned.
template <class Pool>
inline constexpr bool is_lean = !requires(Pool& p) { p.allocate_pinned(std::size_t(1)); };

// The model of one pool of type Pool, holding up to Capacity live blocks and remembering the
// last Freed freed handles.
template <class Pool, std::size_t Capacity, std::size_t Freed = 64>
class pool_model {
public:
    using handle = typename Pool::handle;
    using config = typename Pool::config_type;
    static constexpr std::size_t granule = config::granule;
    static constexpr std::size_t hb = sizeof(typename config::word_type); // header and table word
    static constexpr bool lean = is_lean<Pool>;
    static constexpr std::size_t capacity = Capacity;
    static constexpr std::size_t npos = ~std::size_t(0);

    struct block : block_state {
        handle h{};
    };

    // ---- the live blocks ----------------------------------------------------------------------
    std::size_t size() const { return count_; }
    bool empty() const { return count_ == 0; }
    bool full() const { return count_ == Capacity; }
    block& operator[](std::size_t i) { return blocks_[i]; }
    const block& operator[](std::size_t i) const { return blocks_[i]; }
    block* begin() { return blocks_; }
    block* end() { return blocks_ + count_; }
    const block* begin() const { return blocks_; }
    const block* end() const { return blocks_ + count_; }
    block& back() { return blocks_[count_ - 1]; }

    // The index of the live block named `h`, or npos. Cost: O(blocks).
    std::size_t find(handle h) const {
        for (std::size_t i = 0; i < count_; ++i)
            if (blocks_[i].h == h) return i;
        return npos;
    }
    // The index of the live block with pattern seed `id`, or npos. Cost: O(blocks).
    std::size_t find_id(std::uint32_t id) const {
        for (std::size_t i = 0; i < count_; ++i)
            if (blocks_[i].id == id) return i;
        return npos;
    }
    // Whether a live block is pinned (allocate_pinned included). Cost: O(blocks).
    bool any_pinned() const {
        for (std::size_t i = 0; i < count_; ++i)
            if (pinned(blocks_[i])) return true;
        return false;
    }
    // Whether a live block is pinned or over-aligned (either may keep holes compaction cannot
    // close). Cost: O(blocks).
    bool any_pinned_or_aligned() const {
        for (std::size_t i = 0; i < count_; ++i)
            if (pinned(blocks_[i]) || blocks_[i].align > granule) return true;
        return false;
    }
    static bool pinned(const block& b) { return is_pinned(b); }

    // A new block the pool issued (`h` from allocate(bytes, align), or allocate_pinned when
    // `fixed`): recorded with pattern seed `id` and its first `bytes` bytes written.
    // Result: a mismatch when the handle is already live, its block is not as promised (valid,
    // at least `bytes`, aligned, unpinned or fixed), or the model is full (then not recorded).
    mismatch add(Pool& pool, handle h, std::size_t bytes, std::size_t align, std::uint32_t id, bool fixed = false) {
        if (count_ == Capacity) return {"the model is full"};
        if (find(h) != npos) return {"a live handle was issued twice"};
        void* d = pool.data(h);
        if (d == nullptr) return {"a new handle is not valid"};
        block& b = blocks_[count_++];
        b = block{{id, bytes, align < granule ? granule : align, 0, fixed, fixed ? d : nullptr, d}, h};
        write(pool, b, 0);
        // Valid, aligned, at least `bytes`, its pin count (and the bytes just written).
        return check_block(pool, count_ - 1);
    }
    // Block `i` was freed: it leaves the model (the last block takes its index) and its handle
    // joins the freed ones.
    void remove(std::size_t i) {
        freed(blocks_[i].h);
        blocks_[i] = blocks_[--count_];
    }
    // Frees every live block, its pins first (the end of a run); `on_free(h)` hears of each
    // freed handle. Result: a mismatch when an unpin or a deallocate failed (then it stops).
    template <class OnFree>
    mismatch free_all(Pool& pool, OnFree on_free) {
        while (count_ != 0) {
            const std::size_t i = count_ - 1;
            for (; blocks_[i].pins != 0; unpinned_one(i))
                if (!pool.unpin(blocks_[i].h)) return {"an unpin at the end failed", i};
            if (!pool.deallocate(blocks_[i].h)) return {"a deallocate at the end failed", i};
            on_free(blocks_[i].h);
            remove(i);
        }
        return {};
    }
    // Block `i` was resized to `bytes`: the kept prefix must hold its bytes, the rest is written.
    // Result: a mismatch when the block lost bytes, is too small, misaligned, or moved while pinned.
    mismatch resized(Pool& pool, std::size_t i, std::size_t bytes) {
        block& b = blocks_[i];
        const std::size_t keep = bytes < b.bytes ? bytes : b.bytes;
        const std::size_t old = b.bytes;
        b.bytes = keep;
        if (mismatch m = check_block(pool, i)) {
            b.bytes = old;
            return m;
        }
        if (facts(pool, b.h).size < bytes) return {"a reallocated block is smaller than requested", i};
        b.bytes = bytes;
        write(pool, b, keep);
        return {};
    }

    // The run writes new contents into block `i`: pattern seed `id` over its bytes. Cost: O(its bytes).
    void rewrite(Pool& pool, std::size_t i, std::uint32_t id) {
        blocks_[i].id = id;
        write(pool, blocks_[i], 0);
    }

    // ---- pins: the answer a call on block `i` must give, then the model follows it --------------
    // deallocate: `pinned` for a pinned block (allocate_pinned ones may be freed), else none.
    tinymem::error deallocate_error(std::size_t i) const {
        return blocks_[i].pins != 0 ? tinymem::error::pinned : tinymem::error::none;
    }
    // acquire_pin (and pin()): pin_overflow at max_pins; a fixed block takes any pin, unchanged.
    tinymem::error pin_error(std::size_t i) const {
        const block& b = blocks_[i];
        return !b.fixed && b.pins == Pool::max_pins ? tinymem::error::pin_overflow : tinymem::error::none;
    }
    // unpin: not_pinned without a pin; a fixed block takes any unpin, unchanged.
    tinymem::error unpin_error(std::size_t i) const {
        const block& b = blocks_[i];
        return !b.fixed && b.pins == 0 ? tinymem::error::not_pinned : tinymem::error::none;
    }
    // A pin on block `i` succeeded: it must not move from here on.
    void pinned_one(const Pool& pool, std::size_t i) {
        block& b = blocks_[i];
        if (b.fixed) return;
        if (b.pins++ == 0) b.pinned_at = data_of(pool, b.h);
    }
    // An unpin of block `i` succeeded.
    void unpinned_one(std::size_t i) {
        block& b = blocks_[i];
        if (b.fixed) return;
        if (--b.pins == 0) b.pinned_at = nullptr;
    }

    // ---- freed handles --------------------------------------------------------------------------
    // The last Freed freed handles, oldest first, each with the number of frees before it.
    struct freed_handle {
        handle h{};
        std::uint64_t serial = 0; // frees before it
    };
    std::size_t freed_count() const { return freed_ < Freed ? std::size_t(freed_) : Freed; }
    // The k-th remembered freed handle (0: the oldest kept).
    const freed_handle& freed_at(std::size_t k) const {
        const std::uint64_t first = freed_ < Freed ? 0 : freed_ - Freed;
        return dead_[std::size_t((first + k) % Freed)];
    }
    std::uint64_t frees() const { return freed_; }
    // Records a handle freed outside add()/remove() (a run that frees behind the model's back).
    void freed(handle h) {
        dead_[std::size_t(freed_ % Freed)] = {h, freed_};
        ++freed_;
    }
    // What a freed handle must do while no generation wrapped (a slot reused fewer than
    // 2^generation_bits times since): not valid, no data, size and pin count 0.
    static mismatch check_stale(const Pool& pool, handle h) { return check_stale_facts(facts(pool, h)); }

    // ---- what the pool must show --------------------------------------------------------------
    // Block `i`: valid, its data aligned, at least its bytes, its pin count, not moved while
    // pinned, and its bytes intact. Cost: O(its bytes).
    mismatch check_block(const Pool& pool, std::size_t i) const { return check_seen(facts(pool, blocks_[i].h), i); }
    // Whether every pinned block is where it was pinned. Cost: O(blocks).
    mismatch check_pins(const Pool& pool) const {
        for (std::size_t i = 0; i < count_; ++i)
            if (pinned(blocks_[i]) && data_of(pool, blocks_[i].h) != blocks_[i].pinned_at) return {"a pinned block moved", i};
        return {};
    }
    // Every block (check_block), and stats() against the model: live_blocks, used_bytes (each
    // block's usable size and header), pinned_bytes, the handle accounting (free, live and
    // retired slots fill the table), the engine's byte accounting, largest_free_bytes,
    // fragmentation_percent and the counters' accessors. Cost: O(pool).
    mismatch check_all(const Pool& pool) const { return check_all(pool, pool.stats()); }
    // The same with `s`, the pool's stats() now.
    mismatch check_all(const Pool& pool, const tinymem::pool_stats& s) const {
        std::size_t used = 0, pinned_bytes = 0;
        for (std::size_t i = 0; i < count_; ++i) {
            const block_facts seen = facts(pool, blocks_[i].h);
            if (mismatch m = check_seen(seen, i)) return m;
            // Its bytes in the heap: its usable size and header, in whole granules.
            const std::size_t bytes = (seen.size + hb + granule - 1) / granule * granule;
            used += bytes;
            if (pinned(blocks_[i])) pinned_bytes += bytes;
        }
        return check_stats(s, {count_, used, pinned_bytes, pool.capacity(), pool.bytes_moved(), pool.compactions(),
                                          granule, hb, lean});
    }

    // ---- places -------------------------------------------------------------------------------
    // Notes where every block is now (block::at). Cost: O(blocks).
    void seen(const Pool& pool) {
        for (std::size_t i = 0; i < count_; ++i) blocks_[i].at = data_of(pool, blocks_[i].h);
    }
    // Whether every block but the one with pattern seed `except` (0: none) is where seen() or
    // add() last saw it: for calls that must move no block. Cost: O(blocks).
    mismatch check_unmoved(const Pool& pool, std::uint32_t except = 0) const {
        for (std::size_t i = 0; i < count_; ++i)
            if (blocks_[i].id != except && moved(pool, i)) return {"a block moved", i};
        return {};
    }
    // Whether block `i` is not where seen() or add() last saw it. Cost: O(1).
    bool moved(const Pool& pool, std::size_t i) const { return data_of(pool, blocks_[i].h) != blocks_[i].at; }

    // ---- the lean engine's layout ----------------------------------------------------------------
    // The live blocks' indices, lowest address first, in the model's own array: valid until the
    // model next changes. Cost: O(blocks log blocks).
    // An index into the blocks: two bytes where they do (RAM is tight on the small targets).
    using index_type = std::conditional_t<(Capacity <= 0xffff), std::uint16_t, std::size_t>;
    const index_type* by_address(const Pool& pool) {
        struct context {
            const pool_model* model;
            const Pool* pool;
        } const c{this, &pool};
        const auto address = [](const void* at, std::size_t i) {
            const auto* x = static_cast<const context*>(at);
            return reinterpret_cast<std::uintptr_t>(data_of(*x->pool, x->model->blocks_[i].h));
        };
        for (std::size_t i = 0; i < count_; ++i) order_[i] = index_type(i);
        sort_by_key(order_, count_, +address, &c);
        return order_;
    }
    // The lean engine's heap starting at `base` (its first block's data is at base + granule):
    // every block on a granule of the heap, none overlapping another, none running into the
    // handle table, and the holes between blocks no more than the free bytes. With `limit` not
    // 0: compact too, but for holes before pinned blocks and before blocks of more than `limit`
    // bytes (header included; SIZE_MAX: no block is too large). Out of line: a run calls it from
    // several places. Cost: O(blocks log blocks).
    [[gnu::noinline]] mismatch check_layout(const Pool& pool, const std::byte* base, std::size_t limit = 0)
        requires lean
    {
        const tinymem::pool_stats s = pool.stats();
        const index_type* order = by_address(pool);
        const std::byte* end = base + granule; // where the next block's data may start
        std::size_t holes = 0;
        for (std::size_t k = 0; k < count_; ++k) {
            const block& b = blocks_[order[k]];
            const block_facts seen = facts(pool, b.h);
            const auto* d = static_cast<const std::byte*>(seen.data);
            if (std::size_t(d - base) % granule != 0) return {"a block is not on a granule of the heap", order[k]};
            if (d < end) return {"blocks overlap, or one starts before the heap", order[k]};
            const std::size_t bytes = seen.size + hb;
            if (limit != 0 && d != end && !pinned(b) && bytes <= limit)
                return {"a hole before a movable block: not compact", order[k]};
            holes += std::size_t(d - end);
            end = d + bytes;
        }
        if (end - hb > base + s.capacity_bytes - s.table_bytes) return {"a block runs into the handle table"};
        if (holes > s.free_bytes) return {"holes between blocks exceed the free bytes"};
        return {};
    }
    // ---- what failed calls must leave ---------------------------------------------------------
    // The counts that describe the blocks (not the history) are the same.
    static bool same_blocks(const tinymem::pool_stats& a, const tinymem::pool_stats& b) {
        return a.used_bytes == b.used_bytes && a.free_bytes == b.free_bytes && a.table_bytes == b.table_bytes &&
               a.live_blocks == b.live_blocks && a.free_handles == b.free_handles && a.pinned_bytes == b.pinned_bytes;
    }
    // Nothing happened but one failure of `e` was counted.
    static bool only_failed(const tinymem::pool_stats& before, const tinymem::pool_stats& after, tinymem::error e) {
        if (!same_blocks(before, after) || before.bytes_moved != after.bytes_moved ||
            before.compactions != after.compactions || before.largest_free_bytes != after.largest_free_bytes)
            return false;
        return counted_once(before, after, e);
    }
    // The failure counters differ by one failure of `e`.
    static bool counted_once(const tinymem::pool_stats& before, const tinymem::pool_stats& after, tinymem::error e) {
        for (std::size_t i = 0; i < tinymem::error_count; ++i)
            if (after.failed[i] != before.failed[i] + (i == std::size_t(e) ? 1u : 0u)) return false;
        return true;
    }

private:
    // What the pool says of `h`, and its data: the only places the checks ask the pool about a
    // block, out of line, so that the pool's accessors are compiled once per pool type however
    // many checks use them (the Cortex-M0's flash). Cost: O(1).
    [[gnu::noinline]] static block_facts facts(const Pool& pool, handle h) {
        return {pool.valid(h), pool.data(h), pool.size(h), pool.pin_count(h)};
    }
    [[gnu::noinline]] static const void* data_of(const Pool& pool, handle h) { return pool.data(h); }
    // Block `i` against what the pool says of it (`seen`). Cost: O(its bytes).
    mismatch check_seen(const block_facts& seen, std::size_t i) const {
        mismatch m = tinymem_test::check_seen(seen, blocks_[i], Pool::max_pins + 1);
        m.block = i;
        return m;
    }

    static void write(Pool& pool, const block& b, std::size_t from) {
        write_pattern(static_cast<unsigned char*>(pool.data(b.h)), b.id, from, b.bytes);
    }

    block blocks_[Capacity] = {};
    index_type order_[Capacity] = {};
    std::size_t count_ = 0;
    freed_handle dead_[Freed] = {};
    std::uint64_t freed_ = 0;
};

} // namespace tinymem_test

#endif
