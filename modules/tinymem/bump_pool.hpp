// SPDX-License-Identifier: MIT
// tinymem's lean engine: a pool that places blocks by bumping a top pointer and closes holes
// only by sliding blocks down. For firmware where flash matters more than the speed of a nearly
// full pool: a fraction of basic_pool's code (scripts/codesize.sh; docs/design.md, "Measured
// figures"), the same handles, errors, pins and pointer rule. Freestanding: no exceptions, RTTI,
// heap or I/O; touches only the buffer it was given.
//
// Layout of the buffer (positions in granules; a block is named by the granule where its data
// starts, its header word sits in the bytes just before):
//
//   [ block | hole | block | block ... | top: free ......... | <- handle table ]
//     1                                 top_                  grows down from the end
//
// allocate() takes its granules at top_ and never looks at holes; deallocate() marks a block
// free, and freeing the topmost block lowers top_. When the top runs short, allocate() slides
// every movable block down over the holes, which gathers the free space at the top but for the
// holes just before pinned blocks. A header is size | slot | free; there are no free lists and
// no footers, since holes are only ever found by the walk compaction does anyway.
//
// Against basic_pool: a nearly full pool compacts far more often (every hole waits for a
// compaction to be reused), over-aligned requests are refused, and there is no allocate_pinned,
// handle_of or map, so the pmr adapter and tinymem::vector need basic_pool.
#include "version.hpp" // first: the C++20 check (see tinymem/version.hpp)
#ifndef TINYMEM_BUMP_POOL_HPP
#define TINYMEM_BUMP_POOL_HPP

#include "config.hpp"
#include "pool.hpp" // detail:: helpers (detail/layout.hpp, detail/engine_base.hpp), the poisoning hooks

// Whether the lean engine's allocate() takes room at the top inline, at the call site (a free
// slot, default alignment, room enough). Size-optimised builds (-Os, -Oz) call the out-of-line
// path instead, which does the same: inlined, the path costs flash at every call site (figures:
// docs/design.md, "Measured figures"). Define to 0 or 1 to choose. basic_pool's counterpart is
// TINYMEM_INLINE_QUICK (pool.hpp): the two engines are chosen apart.
#ifndef TINYMEM_BUMP_INLINE_TOP
#ifdef __OPTIMIZE_SIZE__
#define TINYMEM_BUMP_INLINE_TOP 0
#else
#define TINYMEM_BUMP_INLINE_TOP 1
#endif
#endif

namespace tinymem {

// A pool of movable blocks over a caller-provided buffer, allocating at the top. Not copyable
// or movable: handles and the table refer to its address. bump_pool<Bytes> carries its storage.
//
// Pointer rule (as basic_pool): a pointer from data() or get() stays valid until the next call
// on this pool that may move blocks: allocate, reallocate, defrag and defrag_step. deallocate,
// pin, unpin and every const call never move blocks. A pinned block never moves.
TINYMEM_EXPORT template <class Config = default_config>
class basic_bump_pool : public detail::compaction_limit_api<basic_bump_pool<Config>>,
                        public detail::engine_base<basic_bump_pool<Config>, Config> {
    using common = detail::engine_base<basic_bump_pool<Config>, Config>;

public:
    using config_type = Config;
    using typename common::handle, typename common::size_type, typename common::offset_type,
        typename common::slot_type, typename common::word_type;
    using common::granule, common::max_pins, common::usable, common::unusable_reason;
    // The accessors, pins and counters both engines share come from detail::engine_base
    // (detail/engine_base.hpp), documented there, as basic_pool's do; pinned_for_life() is
    // always false here (no allocate_pinned).
    // The largest alignment allocate() serves: the granule (this engine does not over-align;
    //   larger ones fail with bad_alignment).
    static constexpr std::uint64_t max_alignment = granule;
    // What visiting one block costs from a defrag_step budget, in bytes moved (as basic_pool).
    static constexpr size_type visit_cost = 64;

    // Effect: takes over `buffer` (not owned) as an empty pool.
    // Requires: the buffer outlives the pool. Its start is rounded up to the granule.
    // Errors: a buffer of fewer than 4 granules, or of max_granules or more (the configuration's
    //   offsets: 65,535 granules in the 16-bit ones), makes an unusable pool: usable() is false and every
    //   allocation fails with error::bad_buffer. When TINYMEM_MAX_LIVE_POOLS pools of this
    //   configuration's tag width live already (either engine), it fails with too_many_pools.
    explicit basic_bump_pool(std::span<std::byte> buffer) noexcept : basic_bump_pool() { init(buffer.data(), buffer.size()); }
    basic_bump_pool(const basic_bump_pool&) = delete;
    basic_bump_pool& operator=(const basic_bump_pool&) = delete;
    // Effect: gives the pool's tag back and, when free bytes are poisoned, the buffer back
    //   unpoisoned (it may be reused for other things).
    ~basic_bump_pool() {
#ifdef TINYMEM_POISONING
        if (usable()) TINYMEM_UNPOISON(base_, total_);
#endif
        core::tags::release(tag_);
    }

    // Bytes of the heap (the buffer less alignment); the table and the blocks share it.
    size_type capacity() const noexcept { return total_; }

    // ---- allocation ---------------------------------------------------------------------------

    // Effect: allocates a movable block of at least `bytes` usable bytes at the top. If the top
    //   is too small but the free bytes suffice, compacts first (one bounded step at most under a
    //   compaction limit).
    // Result: a handle, or a null handle on failure. Never throws.
    // Errors (last_error()): zero_size, too_large, bad_alignment (not a power of two, or more
    //   than the granule: this engine does not over-align), out_of_memory, out_of_handles,
    //   fragmented_by_pins, compaction_deferred and compaction_limited (under a compaction limit:
    //   set_compaction_limit(); limited once the steps are done and only blocks larger than the
    //   limit stand before holes). On failure no block is freed or changed (a compaction it ran
    //   may have moved some).
    // Moves blocks: yes (compaction).
    handle allocate(size_type bytes, size_type align = granule) noexcept {
        if constexpr (TINYMEM_BUMP_INLINE_TOP != 0) {
            // The common case inline (TINYMEM_BUMP_INLINE_TOP: not in size-optimised builds):
            // default alignment, a free slot, room at the top. bytes - 1 wraps for 0, and an
            // unusable pool has total_ 0: both take the checked path.
            if (align == granule && bytes - 1u < total_ && free_slot_head_ != 0) {
                const auto need = offset_type((bytes + header_bytes + granule - 1) / granule);
                if (top_room(slots_) >= need) return take_top(need);
            }
        }
        return allocate_impl(bytes, align);
    }

    // Effect: frees the block; its handle and every copy of it become stale.
    // Result: true on success. Errors: invalid_handle, stale_handle, pinned. Moves blocks: no.
    bool deallocate(handle h) noexcept;

    // Effect: resizes the block to at least `bytes` usable bytes, keeping its contents up to the
    //   smaller size. Shrinks in place; grows in place when it is the topmost block (only free
    //   blocks after it), else moves it to the top (compacting if needed). The handle stays.
    // Result: true on success; on failure the block and its contents are unchanged.
    // Errors: as allocate(), plus invalid_handle, stale_handle, pinned (a pinned block grows
    //   only when it is the topmost). Unlike basic_pool, a block that is not the topmost grows
    //   by moving, even into a free block right after it, and needs the whole new size free
    //   besides its old bytes (out_of_memory otherwise). Moves blocks: yes.
    bool reallocate(handle h, size_type bytes) noexcept;

    // ---- access -------------------------------------------------------------------------------

    // valid(), size(), data(), get(), set_slot_retirement() and slot_retirement():
    // detail::engine_base.

    // ---- pinning ------------------------------------------------------------------------------

    // pin(), acquire_pin(), unpin(), pin_count() and pinned_for_life(): detail::engine_base.

    // ---- compaction ---------------------------------------------------------------------------

    // Effect: full compaction: slides every movable block down so the free space is one block
    //   at the top, but for holes just before pinned blocks. Moves blocks: yes.
    void defrag() noexcept {
        if (!usable()) return;
        cursor_ = heap_begin;
        full_pass();
    }

    // Effect: one bounded step of the same compaction, resumable: moves at most `budget` bytes
    //   and visits at most 2 + budget / visit_cost blocks, so its time is bounded by the budget
    //   alone; every step with a budget of at least the next block's size moves that block, so
    //   steps make progress whatever their budget. A block larger than the budget is never moved by a step: it stays, with the hole
    //   before it, until defrag() or an allocation that needs the space moves it. allocate,
    //   deallocate and pin may run between steps.
    // Result: true when a further step would move nothing (the pool is compact, but for holes
    //   before pinned blocks and before blocks larger than the budget).
    bool defrag_step(size_type budget) noexcept;

    // set_compaction_limit(budget) and compaction_limit(): bounded time for the calls that may
    // compact, from detail::compaction_limit_api (pool.hpp).

    // ---- diagnostics --------------------------------------------------------------------------

    // Result: a snapshot of the pool (a walk over every block: O(blocks)). cached_bytes is
    //   always 0. To watch what each call moves, read bytes_moved() and compactions() instead.
    pool_stats stats() const noexcept;
    // last_error(), bytes_moved() and compactions(): detail::engine_base.
    // Effect: walks the whole pool and checks every invariant (block chain, headers, handle
    //   table, free-slot list, counters). O(blocks + handles).
    // Result: the first broken invariant, or ok().
    check_result check() const noexcept;

protected:
    // For the constructor above, which value-initialises the control block (zeroes it: see
    // failed_) and then calls init(); and for classes derived to do the same.
    basic_bump_pool() noexcept = default;
    // Inline in size-optimised builds: the one constructor (pool_with_storage's calls it too)
    // is its only caller.
    TINYMEM_SIZE_INLINE void init(std::byte* data, size_type bytes) noexcept;

private:
    friend common; // the shared accessors read the control block below
    // ---- word layouts: detail/layout.hpp (one definition), so handles and errors read the same
    using core = detail::layout<Config>;
    static constexpr size_type header_bytes = core::header_bytes;
    static constexpr slot_type max_slots = slot_type(Config::max_slots);
    static constexpr offset_type heap_begin = 1; // the first block's data granule
    // A header is size | slot | free: the lean engine never sets basic_pool's prev_free bit.
    static constexpr word_type used_header(offset_type size, slot_type slot) noexcept {
        return core::used_header(size, slot, false);
    }
    using common::make_handle;

    // ---- raw access (detail::engine_base) -------------------------------------------------------
    using common::header_byte, common::header_load, common::header_store, common::table_load, common::table_store,
        common::set_entry_offset;
    // Slot 0's word is the buffer's last; the table grows down.
    size_type table_byte(slot_type slot) const noexcept { return total_ - (size_type(slot) + 1) * header_bytes; }
    // The highest top_ a table of `slots` words leaves: a block ends where the table starts.
    offset_type limit_for(size_type slots) const noexcept {
        TINYMEM_ASSERT(slots * header_bytes <= total_); // the table fits in the heap
        return offset_type((total_ - slots * header_bytes + header_bytes) / granule); // init() keeps it in range
    }
    // Granules free at the top with a table of `slots` words.
    offset_type top_room(size_type slots) const noexcept {
        const offset_type limit = limit_for(slots);
        return limit > top_ ? offset_type(limit - top_) : offset_type(0);
    }
    // Poisons (or unpoisons) the bytes of granules [from, to) as a block there would hold them,
    // header included.
    void poison_span(offset_type from, offset_type to) noexcept {
        TINYMEM_ASSERT(from >= heap_begin && from <= to);
        TINYMEM_POISON(base_ + header_byte(from), size_type(to - from) * granule);
    }
    void unpoison_span(offset_type from, offset_type to) noexcept {
        TINYMEM_ASSERT(from >= heap_begin && from <= to);
        TINYMEM_UNPOISON(base_ + header_byte(from), size_type(to - from) * granule);
    }
    // Makes [pos, pos + size) a hole: a free header, the rest poisoned.
    TINYMEM_SIZE_NOINLINE void make_hole(offset_type pos, offset_type size) noexcept {
        TINYMEM_ASSERT(pos >= heap_begin && size != 0 && size_type(pos) + size < top_);
        header_store(pos, core::free_header(size));
        TINYMEM_POISON(base_ + size_type(pos) * granule, size_type(size) * granule - header_bytes);
    }
    // Records free granules at pos: a hole, or part of the top when they end there.
    void release_span(offset_type pos, offset_type end) noexcept {
        TINYMEM_ASSERT(pos >= heap_begin && pos < end && end <= top_);
        if (end == top_) {
            poison_span(pos, end);
            top_ = pos;
        } else {
            make_hole(pos, offset_type(end - pos));
            holes_ = offset_type(holes_ + (end - pos));
            compact_ = false;
        }
        // cursor_ stays at or below every hole a step may close. A block a step left alone may
        // be this one (topmost or not), so after a skip the next step starts from the front.
        if (step_skipped_ != 0) {
            cursor_ = heap_begin;
            compact_ = false;
        } else if (pos < cursor_) {
            cursor_ = pos;
        }
    }

    // ---- results and handle checks (detail::engine_base) ----------------------------------------
    using common::fail, common::succeed, common::check_handle, common::resolve, common::slot_of;
    // Turns a request into granules, header included; anything above the heap is too_large
    // before arithmetic on it.
    bool granules_for(size_type bytes, offset_type& out) noexcept {
        error e = error::none;
        if (!usable()) e = unusable_reason();
        else if (bytes == 0) e = error::zero_size;
        else if (bytes > total_ || (bytes + header_bytes + granule - 1) / granule > size_type(limit_for(1) - heap_begin))
            e = error::too_large; // never fits, even in an empty pool
        if (e != error::none) {
            fail(e);
            return false; // as in resolve()
        }
        out = offset_type((bytes + header_bytes + granule - 1) / granule);
        return true;
    }
    // Makes `need` granules free at the top with a table of `slots` words, compacting if the
    // free bytes suffice. Result: whether they are; if not, records why.
    bool make_room(offset_type need, size_type slots) noexcept;
    handle allocate_impl(size_type bytes, size_type align) noexcept;
    // Places a block of `need` granules at the top, which must hold it (and a new table word if
    // no slot is free), under a free slot.
    handle take_top(offset_type need) noexcept;
    // Why `need` granules are not free at the top after compact_for(): holes remain only before
    // pinned blocks then (or, under a compaction limit, wherever the steps have not been yet);
    // a new table word (slots > slots_) may be what does not fit.
    // The free granules are counted as a compaction leaves them: the holes and the top less what
    // a new table word takes from it, even below top_ (top_room() stops at 0).
    // Under a limit: compaction_deferred while the main loop's defrag_step(limit) calls would
    // still move something (a pass under way, or a skipped block the limit's budget moves);
    // compaction_limited once only blocks larger than the limit, which steps never move, stand
    // before holes (waiting for steps would be waiting forever).
    error room_error(offset_type need, size_type slots) const noexcept {
        if (size_type(holes_) + limit_for(slots) >= size_type(need) + top_) {
            if (limited()) {
                if (!compact_ || (step_skipped_ != 0 && size_type(step_skipped_) * granule <= limit_bytes()))
                    return error::compaction_deferred;
                if (step_skipped_ != 0) return error::compaction_limited;
            }
            return error::fragmented_by_pins;
        }
        return slots > slots_ && size_type(holes_) + limit_for(slots_) >= size_type(need) + top_ ? error::out_of_handles
                                                                                               : error::out_of_memory;
    }
    // Whether `need` granules are free at the top with a table of `slots` words; if not, records
    // why (room_error()).
    TINYMEM_SIZE_NOINLINE bool room_at_top(offset_type need, size_type slots) noexcept {
        return top_room(slots) >= need || fail(room_error(need, slots));
    }
    // acquire_pin (delta 1) and unpin (-1) in one body.
    bool add_pins(handle h, int delta) noexcept;
    // Compacts when the top holds fewer than `need` granules (with a table of `slots` words)
    // and there are holes to gather.
    void compact_for(offset_type need, size_type slots) noexcept;

    // Slides movable blocks down from cursor_ until top_, or until `budget` bytes (moves and
    // visits) are spent. Result: true when it reached top_.
    bool slide(size_type budget) noexcept;
    // slide()'s named steps, each called once from it and inlined there at every optimisation
    // level (the split costs no code). A visit's charge: one of the `free_visits` left, else visit_cost from `budget`. Result:
    // false when the budget cannot pay it (the step ends).
    [[gnu::always_inline]] static bool pay_visit(size_type& budget, unsigned& free_visits) noexcept {
        if (free_visits != 0) {
            --free_visits;
            return true;
        }
        if (budget < visit_cost) return false;
        budget -= visit_cost;
        return true;
    }
    // Where the walk stopped, with the gap [c, r): it joins the top when it ends there, else it
    // becomes a hole; cursor_ resumes at c.
    [[gnu::always_inline]] void close_gap(offset_type c, offset_type r) noexcept {
        TINYMEM_ASSERT(c <= r && r <= top_);
        if (r == top_ && c != r) {
            holes_ = offset_type(holes_ - (r - c));
            poison_span(c, r);
            top_ = c;
        } else if (c != r) {
            make_hole(c, offset_type(r - c));
        }
        cursor_ = c;
    }
    // An unbounded pass of slide() from cursor_, counted as a full compaction.
    TINYMEM_SIZE_NOINLINE void full_pass() noexcept {
        slide(~size_type{0});
        ++compactions_;
    }

    // Frees a slot: a new generation makes every copy of the old handle stale; FIFO reuse keeps
    // that generation unmatched for longest.
    void release_slot(slot_type slot, word_type entry) noexcept {
        TINYMEM_ASSERT(slot < slots_ && live_ != 0 && core::entry_pins(entry) != core::free_pin);
        const word_type gen = ((entry >> core::gen_shift) + 1) & core::gen_mask;
        if (gen == 0 && retire_slots_) {
            // Out of generations: marked free with the last one, kept out of the list for good.
            table_store(slot, core::retired_entry);
            retired_ = offset_type(retired_ + 1);
            live_ = offset_type(live_ - 1);
            return;
        }
        table_store(slot, core::free_slot_entry(gen));
        const auto link = offset_type(slot + 1);
        if (free_slot_tail_ == 0)
            free_slot_head_ = link;
        else
            set_entry_offset(free_slot_tail_ - 1u, link);
        free_slot_tail_ = link;
        live_ = offset_type(live_ - 1);
    }

    // ---- state (the control block; everything else lives in the buffer) ----------------------
    std::byte* base_ = nullptr;
    size_type total_ = 0;            // bytes of the heap, a whole number of granules
    offset_type top_ = 0;            // data granule of the next block at the top
    offset_type cursor_ = 0;         // compaction resumes here: holes below sit before pinned
                                     // blocks, or before blocks too large for the steps so far
    offset_type holes_ = 0;          // free granules below top_
    offset_type used_granules_ = 0;
    offset_type slots_ = 0;          // table size
    offset_type live_ = 0;           // used slots
    offset_type free_slot_head_ = 0; // FIFO of free slots, slot + 1 (0: empty)
    offset_type free_slot_tail_ = 0;
    offset_type retired_ = 0;        // slots out of generations, never reused (set_slot_retirement)
    offset_type step_skipped_ = 0;   // the smallest block, in granules, this pass's steps left
                                     // alone (0: none)
    error last_error_ = error::none;
    bool compact_ = true;            // nothing for defrag_step to do
    // After the two flags the hot paths store: handles are made from the tag just after
    // succeed() stores last_error_, and clang may load the tag as a wider word, whose load a
    // byte stored inside it and still in flight would stall (no store-to-load forwarding from a
    // narrower store; docs/benchmarks.md, "roomy speed").
    std::uint16_t tag_ = 0;
    bool retire_slots_ = false;      // set_slot_retirement()
    friend class detail::compaction_limit_api<basic_bump_pool>;
    using detail::compaction_limit_api<basic_bump_pool>::limited;
    using detail::compaction_limit_api<basic_bump_pool>::limit_bytes;
    std::uint32_t compaction_limit_ = 0xFFFFFFFFu; // bytes; none (detail::compaction_limit_api)
    std::uint32_t compactions_ = 0;
    std::uint64_t bytes_moved_ = 0;
    // No initialiser: every constructor value-initialises the control block (zeroes it), which
    // a copy of the array's zeroing would only repeat.
    std::uint32_t failed_[error_count];
};

// A bump pool with its storage inside: `Bytes` is the whole footprint. Its configuration is
// chosen as pool<Bytes>'s is.
TINYMEM_EXPORT template <std::size_t Bytes, class Config = typename detail::choose_pool_config<basic_bump_pool, Bytes>::type>
using bump_pool = detail::pool_with_storage<basic_bump_pool<Config>, Bytes>;

// ---- out of line --------------------------------------------------------------------------------

template <class Config>
void basic_bump_pool<Config>::init(std::byte* data, size_type bytes) noexcept {
    // The control block is as its initialisers leave it (base_ null, compact_ true): init()
    // runs once, from a constructor.
    if (!this->claim_tag(data, bytes)) return;
    const auto addr = reinterpret_cast<std::uintptr_t>(data);
    const size_type skip = (granule - addr % granule) % granule;
    if (bytes < skip) return;
    const size_type granules = (bytes - skip) / granule;
    // One granule below the limit: limit_for(0) may be one past the last granule.
    if (granules < 4 || granules >= Config::max_granules) return;
    base_ = data + skip;
    total_ = granules * granule;
    top_ = cursor_ = heap_begin;
    poison_span(heap_begin, limit_for(0)); // the top is free
}

template <class Config>
void basic_bump_pool<Config>::compact_for(offset_type need, size_type slots) noexcept {
    if (top_room(slots) >= need || holes_ == 0) return;
    if (limited()) {
        defrag_step(limit_bytes());
        return;
    }
    // A step pass may have left holes below cursor_ before blocks it could not move.
    if (step_skipped_ != 0) cursor_ = heap_begin;
    full_pass();
}

template <class Config>
bool basic_bump_pool<Config>::make_room(offset_type need, size_type slots) noexcept {
    compact_for(need, slots);
    return room_at_top(need, slots);
}

template <class Config>
auto basic_bump_pool<Config>::allocate_impl(size_type bytes, size_type align) noexcept -> handle {
    offset_type need;
    if (usable() && (!detail::is_power_of_two(align) || align > granule)) {
        fail(error::bad_alignment);
        return {};
    }
    if (!granules_for(bytes, need)) return {};
    const bool new_slot = free_slot_head_ == 0;
    if (new_slot && slots_ == max_slots) {
        fail(error::out_of_handles);
        return {};
    }
    if (!make_room(need, size_type(slots_) + new_slot)) return {};
    return take_top(need);
}

template <class Config>
auto basic_bump_pool<Config>::take_top(offset_type need) noexcept -> handle {
    TINYMEM_ASSERT(need != 0 && top_room(size_type(slots_) + (free_slot_head_ == 0 ? 1 : 0)) >= need);
    slot_type slot;
    word_type gen = 0;
    if (free_slot_head_ == 0) {
        slot = slots_;
        slots_ = offset_type(slots_ + 1);
        TINYMEM_UNPOISON(base_ + table_byte(slot), header_bytes);
    } else {
        slot = slot_type(free_slot_head_ - 1u);
        const word_type entry = table_load(slot);
        TINYMEM_ASSERT(slot < slots_ && core::entry_pins(entry) == core::free_pin);
        free_slot_head_ = core::entry_offset(entry);
        if (free_slot_head_ == 0) free_slot_tail_ = 0;
        gen = entry >> core::gen_shift;
    }
    live_ = offset_type(live_ + 1);
    const offset_type at = top_;
    top_ = offset_type(top_ + need);
    unpoison_span(at, top_);
    header_store(at, used_header(need, slot));
    table_store(slot, word_type(at) | (gen << core::gen_shift));
    used_granules_ = offset_type(used_granules_ + need);
    succeed();
    return make_handle(slot, gen);
}

template <class Config>
bool basic_bump_pool<Config>::deallocate(handle h) noexcept {
    const word_type entry = resolve(h);
    if (entry == 0) return false;
    const slot_type slot = slot_of(h);
    if (core::entry_pins(entry) != 0) return fail(error::pinned);
    const offset_type pos = core::entry_offset(entry);
    const offset_type size = core::header_size(header_load(pos));
    used_granules_ = offset_type(used_granules_ - size);
    release_span(pos, offset_type(pos + size));
    release_slot(slot, entry);
    return succeed();
}

template <class Config>
bool basic_bump_pool<Config>::reallocate(handle h, size_type bytes) noexcept {
    const word_type entry = resolve(h);
    if (entry == 0) return false;
    const slot_type slot = slot_of(h);
    offset_type need;
    if (!granules_for(bytes, need)) return false;
    offset_type pos = core::entry_offset(entry);
    const offset_type size = core::header_size(header_load(pos));
    if (need > size) {
        // In place when it is the topmost block, also when only free blocks follow it (they
        // join the top first); else to the top, which a pinned block cannot do.
        const offset_type extra = offset_type(need - size);
        const offset_type next = offset_type(pos + size);
        offset_type end = next;
        while (end != top_ && core::header_free(header_load(end))) end = offset_type(end + core::header_size(header_load(end)));
        if (end == top_ && end != next) {
            holes_ = offset_type(holes_ - (end - next));
            poison_span(next, end);
            top_ = next;
            if (cursor_ > next) cursor_ = next;
        }
        if (core::entry_pins(entry) != 0 && next != top_) return fail(error::pinned);
        // Compaction keeps the order of blocks: it may make this block the topmost, never the
        // reverse; it changes the block's offset in the table, nothing else of its word.
        compact_for(next == top_ ? extra : need, slots_);
        pos = core::entry_offset(table_load(slot));
        const bool topmost = pos + size == top_;
        const offset_type want = topmost ? extra : need;
        if (!room_at_top(want, slots_)) return false;
        // Where the block grows: in place, or at the top, where it moves first.
        const offset_type at = topmost ? pos : top_;
        if (!topmost) {
            unpoison_span(at, offset_type(at + size));
            std::memcpy(base_ + size_type(at) * granule, base_ + size_type(pos) * granule,
                        size_type(size) * granule - header_bytes);
            table_store(slot, core::with_offset(entry, at));
            bytes_moved_ += size_type(size) * granule;
            release_span(pos, offset_type(pos + size)); // a hole: its end is not top_
            pos = at;
        }
        unpoison_span(offset_type(at + size), offset_type(at + need));
        top_ = offset_type(at + need);
        if (cursor_ > at) cursor_ = at; // it may point into the grown block
    }
    header_store(pos, used_header(need, slot));
    used_granules_ = offset_type(used_granules_ + need - size);
    if (need < size) release_span(offset_type(pos + need), offset_type(pos + size)); // the tail
    return succeed();
}

template <class Config>
bool basic_bump_pool<Config>::add_pins(handle h, int delta) noexcept {
    const word_type entry = resolve(h);
    if (entry == 0) return false;
    const slot_type slot = slot_of(h);
    const unsigned pins = core::entry_pins(entry);
    if (delta > 0 ? pins == max_pins : pins == 0) return fail(delta > 0 ? error::pin_overflow : error::not_pinned);
    const unsigned now = unsigned(int(pins) + delta);
    table_store(slot, core::with_pins(entry, now));
    if (now == 0) {
        // The hole before it, below the cursor, can close now.
        cursor_ = heap_begin;
        compact_ = false;
    }
    return succeed();
}

template <class Config>
bool basic_bump_pool<Config>::defrag_step(size_type budget) noexcept {
    if (!usable()) return true;
    // Compact, but for blocks too large for the steps so far: a larger budget goes again.
    const bool moves_skipped = step_skipped_ != 0 && size_type(step_skipped_) * granule <= budget;
    if (compact_ && !moves_skipped) return true;
    if (compact_) cursor_ = heap_begin; // a larger budget: a new pass moves what the last left
    compact_ = false;
    if (cursor_ == heap_begin) step_skipped_ = 0; // a new pass records them again
    if (!slide(budget)) return false;
    // The pass is complete, but steps with smaller budgets may have left blocks this one moves.
    if (step_skipped_ != 0 && size_type(step_skipped_) * granule <= budget) {
        compact_ = false;
        return false;
    }
    ++compactions_;
    return true;
}

// The compaction engine. Walks the blocks from cursor_ holding a gap [c, r) of free granules in
// locals; each movable block after it moves down by the gap in one memmove (header included),
// so the gap travels up and swallows the holes it meets. A pinned block, or one a step may not
// move, stays: the gap before it becomes a hole and a new gap starts after it. At top_ the gap
// joins the top; where the budget runs out it becomes a hole, and cursor_ resumes there.
// (docs/design.md, "Compaction loops", "### The lean engine's slide".)
template <class Config>
bool basic_bump_pool<Config>::slide(size_type budget) noexcept {
    TINYMEM_ASSERT(cursor_ >= heap_begin && cursor_ <= top_);
    // Unbounded passes (budget ~0) are charged too: the charges cannot reach ~0.
    const size_type step_limit = budget; // a block above this never moves in a step
    offset_type c = cursor_, r = cursor_;
    const bool from_front = cursor_ == heap_begin; // only such a pass can forget earlier skips
    bool done = true, moved = false;
    // Progress for any budget: the first two visits (the hole at the cursor and the block after
    // it) are free, and the first block may be moved whatever the visits cost.
    unsigned free_visits = 2;
    while (r != top_) {
        if (!pay_visit(budget, free_visits)) {
            done = false;
            break;
        }
        const word_type h = header_load(r);
        const offset_type size = core::header_size(h);
        const offset_type next = offset_type(r + size);
        if (core::header_free(h)) {
            TINYMEM_UNPOISON(base_ + size_type(r) * granule, size_type(size) * granule - header_bytes);
            r = next;
            continue;
        }
        if (c != r) {
            const slot_type slot = core::header_slot(h);
            const word_type e = table_load(slot);
            const size_type bytes = size_type(size) * granule;
            if (core::entry_pins(e) != 0 || bytes > step_limit) {
                // It stays; the gap before it becomes a hole. The smallest block a step leaves
                // is kept (step_skipped_, as in basic_pool's slide_budget()).
                if (core::entry_pins(e) == 0 && (step_skipped_ == 0 || size < step_skipped_)) step_skipped_ = size;
                make_hole(c, offset_type(r - c));
                c = r = next;
                continue;
            }
            if (bytes > budget && moved) {
                done = false;
                break;
            }
            std::memmove(base_ + header_byte(c), base_ + header_byte(r), bytes);
            table_store(slot, core::with_offset(e, c));
            bytes_moved_ += bytes;
            budget = bytes < budget ? budget - bytes : 0; // the first move may exceed what visits left
            moved = true;
        }
        c = offset_type(c + size);
        r = next;
    }
    close_gap(c, r);
    if (done) {
        compact_ = true;
        if (step_limit == ~size_type{0} && from_front) step_skipped_ = 0;
        // Blocks a step left stay behind the cursor; a larger budget starts from the front.
        if (step_skipped_ != 0) cursor_ = heap_begin;
    }
    return done;
}

template <class Config>
pool_stats basic_bump_pool<Config>::stats() const noexcept {
    pool_stats s;
    this->stats_counters(s);
    if (!usable()) return s;
    s.capacity_bytes = total_;
    s.used_bytes = size_type(used_granules_) * granule;
    s.table_bytes = size_type(slots_) * header_bytes;
    s.live_blocks = live_;
    s.free_handles = size_type(slots_ - live_ - retired_);
    s.retired_handles = retired_;
    // Free blocks: the holes and the top. What allocate() can serve: the top that compaction
    // would leave, with room for a new table word if no slot is free (the gaps it would leave
    // before pinned blocks serve nothing: allocate() takes only the top).
    std::uint64_t squares = 0; // granules squared: below 2^64, as free_g squared is
    size_type free_g = 0, largest = 0;
    offset_type c = heap_begin;
    for (offset_type r = heap_begin; r != top_;) {
        const word_type h = header_load(r);
        const offset_type size = core::header_size(h);
        if (core::header_free(h)) {
            free_g += size;
            squares += std::uint64_t(size) * size;
            if (size > largest) largest = size;
        } else if (core::entry_pins(table_load(core::header_slot(h))) != 0) {
            s.pinned_bytes += size_type(size) * granule;
            c = offset_type(r + size);
        } else {
            c = offset_type(c + size);
        }
        r = offset_type(r + size);
    }
    const size_type top = top_room(slots_);
    if (top != 0) {
        free_g += top;
        squares += std::uint64_t(top) * top;
        if (top > largest) largest = top;
    }
    const offset_type limit = limit_for(size_type(slots_) + (free_slot_head_ == 0 ? 1 : 0));
    const size_type gathered = limit > c ? size_type(limit - c) : 0;
    s.free_bytes = free_g * granule;
    s.largest_free_bytes = largest * granule;
    s.largest_allocatable = gathered != 0 ? gathered * granule - header_bytes : 0;
    if (free_g != 0) s.fragmentation_percent = detail::fragmentation_percent(squares, free_g);
    return s;
}

template <class Config>
check_result basic_bump_pool<Config>::check() const noexcept {
    auto bad = [](const char* what, size_type at) { return check_result{what, at}; };
    if (!usable()) return bad("pool is not usable (bad buffer)", 0);
    if (top_ < heap_begin || top_ > limit_for(slots_)) return bad("top_ outside the heap", header_byte(top_));
    if (slots_ > max_slots || live_ > slots_) return bad("slot counters out of range", 0);
    size_type live = 0, used = 0, holes = 0;
    bool cursor_seen = cursor_ == top_;
    for (offset_type r = heap_begin; r != top_;) {
        if (r == cursor_) cursor_seen = true;
        const word_type h = header_load(r);
        const offset_type size = core::header_size(h);
        if (size == 0 || size > top_ - r) return bad("block size runs past top_", header_byte(r));
        if (core::header_free(h)) {
            if (core::header_slot(h) != core::no_slot) return bad("free block names a slot", header_byte(r));
            holes += size;
        } else {
            const slot_type slot = core::header_slot(h);
            if (slot >= slots_) return bad("used block names a slot past the table", header_byte(r));
            const word_type e = table_load(slot);
            if (core::entry_pins(e) == core::free_pin) return bad("used block names a free slot", header_byte(r));
            if (core::entry_offset(e) != r) return bad("table entry does not point back at its block", table_byte(slot));
            ++live;
            used += size;
        }
        r = offset_type(r + size);
    }
    if (!cursor_seen) return bad("cursor_ is not a block boundary", header_byte(cursor_));
    if (live != live_) return bad("live_ differs from the used blocks", 0);
    if (used != used_granules_) return bad("used_granules_ differs from the used blocks", 0);
    if (holes != holes_) return bad("holes_ differs from the free blocks", 0);
    if (compact_ && step_skipped_ == 0 && holes != 0) {
        // Compact: every hole sits just before a pinned block.
        for (offset_type r = heap_begin; r != top_;) {
            const word_type h = header_load(r);
            const offset_type next = offset_type(r + core::header_size(h));
            if (core::header_free(h) &&
                (next == top_ || core::header_free(header_load(next)) ||
                 core::entry_pins(table_load(core::header_slot(header_load(next)))) == 0))
                return bad("compact, yet a hole is not before a pinned block", header_byte(r));
            r = next;
        }
    }
    // The free-slot FIFO: every free slot once, ending at the tail.
    size_type free_slots = 0;
    offset_type last = 0;
    for (offset_type link = free_slot_head_; link != 0; link = core::entry_offset(table_load(link - 1u))) {
        if (link > slots_) return bad("free-slot list leaves the table", 0);
        if (core::entry_pins(table_load(link - 1u)) != core::free_pin) return bad("free-slot list holds a used slot", table_byte(link - 1u));
        if (++free_slots > size_type(slots_ - live_ - retired_)) return bad("free-slot list too long (a cycle?)", 0);
        last = link;
    }
    if (free_slots != size_type(slots_ - live_ - retired_)) return bad("free-slot list misses free slots", 0);
    if (last != free_slot_tail_) return bad("free_slot_tail_ is not the list's end", 0);
    return {};
}

} // namespace tinymem

#endif
