// SPDX-License-Identifier: MIT
// tinymem's core: the pool, its handle table, block layout and compaction.
// Freestanding: no exceptions, no RTTI, no heap, no I/O. Touches only the buffer it was given.
//
// Layout of the buffer (positions are counted in granules; a block is named by the granule where
// its data starts, its header word sits in the bytes just before):
//
//   [ handle table -> | block | block | free | block ... free ... | pinned blocks | end ]
//     grows upward    movable blocks slide down          allocate_pinned() fills
//     one granule     toward the table on compaction     from the top down
//
// Every block, used or free, starts with a header word: size | slot | free | prev_free.
// A used block's slot is its handle's index in the table, so a block can be moved in O(1).
// A free block also keeps its size in a footer (so the block after it can merge backwards) and,
// when large enough, two links in a size-class list (bins). No two free blocks are adjacent.
// A freed small block may instead be cached whole in a quick list of its exact size (header slot
// quick_slot): to its neighbours it looks used, so they do not merge with it; compaction and the
// calls that need plain free space merge it (see "the quick lists" below).
#include "version.hpp" // first: the C++20 check (see tinymem/version.hpp)
#ifndef TINYMEM_POOL_HPP
#define TINYMEM_POOL_HPP

#include "config.hpp"
#include "detail/assert.hpp"

#ifndef TINYMEM_MODULE
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <type_traits>
#endif

// Poisoning hooks (see tinymem/poison.hpp): by default they compile to nothing. The module
// build includes poison.hpp in tinymem.cppm's global module fragment instead.
#ifndef TINYMEM_MODULE
#include "poison.hpp"
#endif
#include "pool_tags.hpp"
#ifndef TINYMEM_POISON
#define TINYMEM_POISON(ptr, bytes) ((void)(ptr), (void)(bytes))
#define TINYMEM_UNPOISON(ptr, bytes) ((void)(ptr), (void)(bytes))
#endif
#ifndef TINYMEM_POISONED
#define TINYMEM_POISONED(ptr, bytes) false
#endif
// Whether basic_pool's allocate() takes a cached block inline, at the call site. Size-optimised
// builds (-Os, -Oz) call the out-of-line path instead, which does the same: inlined, the hit
// costs flash at every call site (figures: docs/design.md, "Measured figures"). Define to 0 or 1
// to choose. The lean engine has its own switch, TINYMEM_BUMP_INLINE_TOP (bump_pool.hpp).
#ifndef TINYMEM_INLINE_QUICK
#ifdef __OPTIMIZE_SIZE__
#define TINYMEM_INLINE_QUICK 0
#else
#define TINYMEM_INLINE_QUICK 1
#endif
#endif
// Whether unbounded compaction (defrag(), and allocations that must compact) runs sweep(), a
// leaner copy of slide()'s walk: fewer instructions per pass, for more code (figures:
// docs/design.md, "Measured figures"; why two loops: "Compaction loops"). Size-optimised builds
// (-Os, -Oz) leave it out and run slide(), which does the same. Define to 0 or 1 to choose.
#ifndef TINYMEM_SWEEP
#ifdef __OPTIMIZE_SIZE__
#define TINYMEM_SWEEP 0
#else
#define TINYMEM_SWEEP 1
#endif
#endif
// Whether a new block takes the top end of a hole between blocks when the rest stays in its bin
// (carve_high: fewer instructions per quick-list miss, figures in docs/benchmarks.md, "A new block
// from the top of its hole"). Size-optimised builds (-Os, -Oz) leave it out (172 B of Cortex-M4
// code) and take the low end, as every other placement. Define to 0 or 1 to choose.
#ifndef TINYMEM_CARVE_HIGH
#ifdef __OPTIMIZE_SIZE__
#define TINYMEM_CARVE_HIGH 0
#else
#define TINYMEM_CARVE_HIGH 1
#endif
#endif
// Marks small helpers that several operations inline: out of line in size-optimised builds (-Os,
// -Oz), where one copy and a call at each site take less flash than a copy at each site; inline
// (the compiler's choice) elsewhere, where the call would cost instructions on the fast paths.
#ifndef TINYMEM_SIZE_NOINLINE
#ifdef __OPTIMIZE_SIZE__
#define TINYMEM_SIZE_NOINLINE [[gnu::noinline]]
#else
#define TINYMEM_SIZE_NOINLINE
#endif
#endif
// The converse, for a function that only one operation calls, as a part of it: inline in
// size-optimised builds, where a separate function costs its own entry and exit.
#ifndef TINYMEM_SIZE_INLINE
#ifdef __OPTIMIZE_SIZE__
#define TINYMEM_SIZE_INLINE [[gnu::always_inline]] inline
#else
#define TINYMEM_SIZE_INLINE
#endif
#endif
// A hint to bring the memory at an address (a std::uintptr_t) into the data cache: compaction
// walks the heap upwards one header at a time, each load waiting for the one before, so it asks
// for the bytes a few blocks ahead. Never faults. Nothing on a Cortex-M (most have no data
// cache) or without GCC's builtin; define it to choose.
#ifndef TINYMEM_PREFETCH
#if defined(__GNUC__) && !(defined(__ARM_ARCH_PROFILE) && __ARM_ARCH_PROFILE == 'M')
#define TINYMEM_PREFETCH(address) __builtin_prefetch(reinterpret_cast<const void*>(address))
#else
#define TINYMEM_PREFETCH(address) ((void)(address))
#endif
#endif
// Stress mode (-DTINYMEM_STRESS=1, Meson option `stress`): see basic_pool::stress_mode.
#ifndef TINYMEM_STRESS
#define TINYMEM_STRESS 0
#endif
#include "detail/engine_base.hpp" // after the macros above, which it uses

namespace tinymem {

namespace detail {

constexpr bool is_power_of_two(std::size_t x) noexcept { return x != 0 && (x & (x - 1)) == 0; }

// In size-optimised builds, types up to 32 bits are widened first: one count-leading-zeros
// instruction on a Cortex-M, where the narrow type's std::bit_width costs a zero test and a
// correction (elsewhere std::bit_width, which ran fewer instructions on x86-64: docs/design.md,
// "Measured figures").
template <class T>
constexpr unsigned floor_log2(T x) noexcept {
    TINYMEM_ASSERT(x != 0); // floor_log2(0) would wrap to a huge shift count
#ifdef __OPTIMIZE_SIZE__
    if constexpr (sizeof(T) <= sizeof(std::uint32_t)) return 31u - unsigned(std::countl_zero(std::uint32_t(x)));
#endif
    return unsigned(std::bit_width(x)) - 1;
}

template <class T>
constexpr unsigned ceil_log2(T x) noexcept { return x <= 1 ? 0 : unsigned(std::bit_width(T(x - 1))); }

template <class T>
constexpr unsigned count_trailing_zeros(T x) noexcept { return unsigned(std::countr_zero(x)); }

// The compaction limit of both engines (each keeps the value, a uint32 `compaction_limit_`, in
// its own control block: a base with a member would pad it).
template <class Pool>
class compaction_limit_api {
public:
    // Effect: bounds the compaction that the calls which may compact run on their own when a
    //   request finds no room (allocate and reallocate; in basic_pool also allocate_pinned,
    //   reserve_handles and the handle table's growth): with a `budget` below SIZE_MAX, one
    //   defrag_step(budget) at most (and no block larger than the budget moved for the table),
    //   so these calls take bounded time, as deallocate and defrag_step do. A request that still
    //   finds no room while the free bytes hold it fails with compaction_deferred while the main
    //   loop's defrag_step(budget) calls would still move something (they, or a defrag() when
    //   there is time, then make room), and with compaction_limited once they would not (only
    //   compaction beyond the limit can: a block larger than it, or for reallocate the blocks
    //   after the growing one; defrag() or lifting the limit, then a retry). SIZE_MAX, the
    //   default: these calls compact as far as the request needs.
    void set_compaction_limit(std::size_t budget) noexcept {
        self().compaction_limit_ = budget >= unlimited_compaction ? unlimited_compaction : std::uint32_t(budget);
    }
    // Result: the limit set_compaction_limit() set (SIZE_MAX: none).
    std::size_t compaction_limit() const noexcept {
        return limited() ? self().compaction_limit_ : ~std::size_t{0};
    }

protected:
    static constexpr std::uint32_t unlimited_compaction = 0xFFFFFFFFu;
    bool limited() const noexcept { return self().compaction_limit_ != unlimited_compaction; }
    std::size_t limit_bytes() const noexcept { return self().compaction_limit_; }

private:
    Pool& self() noexcept { return static_cast<Pool&>(*this); }
    const Pool& self() const noexcept { return static_cast<const Pool&>(*this); }
};

} // namespace detail

// A pool of movable blocks over a caller-provided buffer. Not copyable or movable: handles and
// the table refer to its address. See pool<Bytes> for a pool that carries its own storage.
//
// Pointer rule: a pointer from data() or get() stays valid until the next call on this pool that
// may move blocks: allocate, allocate_pinned, reallocate, defrag and defrag_step. deallocate,
// pin, unpin and every const call never move blocks. A pinned block never moves.
TINYMEM_EXPORT template <class Config = default_config>
class basic_pool : public detail::compaction_limit_api<basic_pool<Config>>,
                   public detail::engine_base<basic_pool<Config>, Config> {
    using common = detail::engine_base<basic_pool<Config>, Config>;

public:
    using config_type = Config;
    // slot_type: a handle-table index (detail/layout.hpp).
    using typename common::handle, typename common::size_type, typename common::offset_type,
        typename common::slot_type, typename common::word_type;
    // From detail::engine_base (detail/engine_base.hpp), documented there: granule,
    // overhead_per_block, max_pins, pin_guard, usable, unusable_reason, set_slot_retirement,
    // slot_retirement, valid, size, data, get, pin, acquire_pin, unpin, pin_count, pinned_for_life,
    // last_error, bytes_moved, compactions.
    using common::granule;
    using common::max_pins;
    using common::usable, common::unusable_reason;
    // The largest alignment allocate() serves (the table word keeps log2 of it in granules):
    //   2^15 granules in the 32-bit-word configurations (256 KiB in config17; more than any
    //   config16 pool holds), 2^31 in the 64-bit ones. Larger ones fail with bad_alignment.
    static constexpr std::uint64_t max_alignment = (std::uint64_t{1} << ((1u << Config::align_bits) - 1)) * granule;
    // Stress mode, for tests: every call that may move blocks (allocate, allocate_pinned,
    // reallocate, defrag_step) first copies every unpinned block to a free hole elsewhere, so a
    // raw pointer kept across such a call no longer points at its block, and freed bytes are
    // overwritten (0xA5). Each block goes to bytes it did not occupy, so it changes address;
    // exceptions: a block larger than every free hole at its turn stays (nowhere to go), and
    // the call's own work (compaction, table growth) may rarely move a block back.
    static constexpr bool stress_mode = TINYMEM_STRESS != 0;
    // Whether free blocks are poisoned (ASan, or Valgrind with TINYMEM_VALGRIND).
#ifdef TINYMEM_POISONING
    static constexpr bool poisoning = true;
#else
    static constexpr bool poisoning = false;
#endif

    // Effect: takes over `buffer` (not owned) as an empty pool.
    // Requires: the buffer outlives the pool. Its start is rounded up to the granule.
    // Errors: a buffer too small for one block, or with more granules than the configuration can
    //   address (config max_granules), makes an unusable pool: usable() is false, every allocation
    //   fails with error::bad_buffer. config_for<Bytes> names the configuration that addresses a
    //   buffer of Bytes. When TINYMEM_MAX_LIVE_POOLS pools of this configuration's tag width
    //   live already, the pool is unusable too and fails with error::too_many_pools.
    explicit basic_pool(std::span<std::byte> buffer) noexcept : basic_pool() { init(buffer.data(), buffer.size()); }

    basic_pool(const basic_pool&) = delete;
    // Effect: gives the pool's tag back (a later pool may take it) and, when free blocks are
    //   poisoned, the buffer back unpoisoned (it may be reused for other things).
    ~basic_pool() {
#ifdef TINYMEM_POISONING
        if (usable()) TINYMEM_UNPOISON(base_, size_type(heap_end_) * granule);
#endif
        tags::release(tag_);
    }
    basic_pool& operator=(const basic_pool&) = delete;

    // Bytes of the heap (the buffer less alignment and the end sentinel); table and blocks share it.
    size_type capacity() const noexcept { return usable() ? size_type(heap_end_) * granule : 0; }

    // ---- allocation ---------------------------------------------------------------------------

    // Effect: allocates a movable block of at least `bytes` usable bytes whose data is aligned to
    //   `align`. If no hole is large enough but the free bytes suffice, compacts first (one
    //   bounded step at most under a compaction limit: set_compaction_limit()).
    // Result: a handle, or a null handle on failure. Never throws.
    // Errors (last_error()): zero_size, too_large (also for sizes whose arithmetic would overflow),
    //   bad_alignment (not a power of two, larger than the pool, or above max_alignment),
    //   out_of_memory (also, with no
    //   free handle, when the free bytes hold the request but not a granule more for the table),
    //   out_of_handles, fragmented_by_pins, and under a compaction limit compaction_deferred and
    //   compaction_limited (see set_compaction_limit()). On
    //   failure no block is freed and every block keeps its contents; what the call tried first
    //   may stay done: a compaction may have moved blocks (one moved into a hole keeps the
    //   granules too few to split off), and with no free slot the handle table may have grown,
    //   its new slot then serving the next request.
    // Moves blocks: yes (compaction, handle-table growth).
    handle allocate(size_type bytes, size_type align = granule) noexcept {
        if constexpr (quick_classes > min_free && !stress_mode && TINYMEM_INLINE_QUICK) {
            // The common case inline: a small request, a cached block of its size, a free slot.
            // (bytes - 1 wraps for 0, which takes the checked path.)
            if (align == granule && bytes - 1u < (quick_classes - 1) * granule - header_bytes && free_slot_head_ != 0) {
                offset_type need = offset_type((bytes + header_bytes + granule - 1) / granule);
                if (need < min_free) need = min_free;
                if (const offset_type at = take_quick(need)) {
                    used_granules_ = offset_type(used_granules_ + need);
                    word_type free_entry;
                    const slot_type slot = pop_free_slot(free_entry);
                    header_store(at, used_header(need, slot, header_prev_free(header_load(at))));
                    const word_type gen = free_entry >> gen_shift;
                    table_store(slot, word_type(at) | (gen << gen_shift));
                    succeed();
                    return make_handle(slot, gen);
                }
            }
        }
        return allocate_impl(bytes, align, false);
    }

    // Effect: as allocate(), but the block is pinned for its whole life and placed at the top
    //   end of the pool, away from movable blocks, so it does not split the space compaction
    //   gathers. For memory reached through raw pointers (the pmr adapter). Free with deallocate.
    handle allocate_pinned(size_type bytes, size_type align = granule) noexcept {
        return allocate_impl(bytes, align, true);
    }

    // Effect: frees the block; its handle and every copy of it become stale. Bounded work on
    //   every path, the lowest allocate_pinned block's included (see floor_stale_).
    // Result: true on success.
    // Errors: invalid_handle, stale_handle (double free), pinned (pinned by pin(); blocks from
    //   allocate_pinned may be freed). Moves blocks: no.
    bool deallocate(handle h) noexcept {
        const word_type entry = resolve(h);
        if (entry == 0) return false;
        const slot_type slot = slot_of(h);
        if constexpr (quick_classes != 0) {
            const unsigned pins = entry_pins(entry);
            // Cache it. Under a compaction limit, only while the cache would hold at most half the
            // free bytes: a request of another size that needs cached bytes merged waits for
            // steps there (compaction_deferred). Without a limit the allocation that finds no
            // hole compacts, which swallows cached blocks; caching every freed block was measured
            // faster at tight footprints than keeping half the free bytes merged, with minimum
            // footprints within a few bytes of before (docs/design.md, "Measured figures").
            const offset_type pos = entry_offset(entry);
            const word_type hdr = header_load(pos);
            const offset_type size = header_size(hdr);
            if (pins == 0 && size < quick_classes && size >= min_quick &&
                (!limited() || 2 * size_type(cached_granules_) + size <= free_granules_)) { // 2 (cached + size) <= free + size
                used_granules_ = offset_type(used_granules_ - size);
                free_granules_ = offset_type(free_granules_ + size);
                push_quick(pos, size, header_prev_free(hdr));
                release_slot(slot, entry);
                return succeed();
            }
        }
        return release_block(slot, entry);
    }

    // Effect: resizes the block to at least `bytes` usable bytes, keeping its contents up to the
    //   smaller size and its alignment. Grows in place when the next block is free, else moves
    //   the block (compacting if needed). The handle stays the same.
    // Result: true on success; on failure the block and its contents are unchanged.
    // Errors: as allocate(), plus invalid_handle, stale_handle, pinned (a pinned block can only
    //   grow in place). out_of_memory when the free bytes do not hold the growth. Under a
    //   compaction limit, when they do: compaction_deferred while the main loop's steps may still
    //   make room, then compaction_limited (the growth needs the blocks after this one shifted
    //   up, or blocks larger than the limit moved, which only defrag() or a call without the limit
    //   does). Moves blocks: yes.
    bool reallocate(handle h, size_type bytes) noexcept {
        word_type entry = resolve(h);
        if (entry == 0) return false;
        const slot_type slot = slot_of(h);
        offset_type need;
        if (!granules_for(bytes, need)) return false;
        if constexpr (stress_mode) {
            stress_move_all();
            entry = table_load(slot); // its block may have moved
        }
        const offset_type pos = entry_offset(entry);
        const offset_type size = header_size(header_load(pos));
        if (need <= size) {
            shrink(slot, pos, size, need);
            return succeed();
        }
        if (grow_in_place(slot, pos, size, need)) return succeed();
        const unsigned pins = entry_pins(entry);
        if (pins != 0) return fail(error::pinned);
        const offset_type align = offset_type(offset_type(1) << entry_align(entry));
        offset_type target = place(need, align, false);
        if (target == 0 && free_granules_ >= need - size) {
            compact_once();
            // Compaction may have moved this block next to the free space.
            const offset_type moved = entry_offset(table_load(slot));
            if (grow_in_place(slot, moved, size, need)) return succeed();
            target = place(need, align, false);
            // Under the limit the free bytes hold the growth: not out_of_memory. Without it the
            // call shifts the blocks after this one up, which steps never do.
            if (target == 0 && limited()) return fail(limited_reason());
            if (target == 0) {
                // No hole takes the new size: shift the blocks after this one up instead.
                error why = error::none;
                const offset_type got = shift_run_up(offset_type(moved + size), offset_type(need - size), why);
                if (got != 0) {
                    header_store(moved, used_header(offset_type(size + got), slot, header_prev_free(header_load(moved))));
                    used_granules_ = offset_type(used_granules_ + got);
                    return succeed();
                }
                return fail(why == error::pinned ? error::fragmented_by_pins : failure_reason(need - size));
            }
        }
        if (target == 0) return fail(failure_reason(need));
        const offset_type from = entry_offset(table_load(slot));
        relocate_into(slot, from, size, target, need);
        return succeed();
    }

    // Effect: grows the handle table until `count` handles can be created without growing it
    //   again, so later allocations never move blocks to make room for the table.
    // Result: true on success.
    // Errors: out_of_handles (more handles than the configuration's slots, max_slots, less the
    //   live blocks) and out_of_memory (more table words than the free bytes hold) are found
    //   before anything changes: the table never shrinks, so a reservation that cannot be met must
    //   not start. Found on the way: out_of_handles (a pinned block right after the table),
    //   out_of_memory, and under a compaction limit compaction_deferred or compaction_limited (as
    //   allocate; reserve handles before setting one); the slots added until then stay, free for
    //   later allocations. Moves blocks: yes.
    bool reserve_handles(size_type count) noexcept {
        if (!usable()) return fail(unusable_reason());
        const size_type have = size_type(slots_ - live_ - retired_);
        if (count <= have) return succeed();
        if (std::uint64_t(count - have) > Config::max_slots - slots_) return fail(error::out_of_handles);
        const std::uint64_t granules = (std::uint64_t(count - have) + slots_per_granule - 1) / slots_per_granule;
        if (granules > free_granules_) return fail(error::out_of_memory);
        while (size_type(slots_ - live_ - retired_) < count)
            if (!grow_table()) return false;
        return succeed();
    }

    // ---- access -------------------------------------------------------------------------------

    // valid(), size(), data() and get(): detail::engine_base.

    // Result: the handle of the live block whose data starts at `p`, or a null handle
    //   (error::invalid_pointer) when `p` is anything else: outside the pool, inside a block,
    //   a freed block. For adapters that must map raw pointers back.
    handle handle_of(const void* p) noexcept {
        const auto addr = reinterpret_cast<std::uintptr_t>(p);
        const auto lo = reinterpret_cast<std::uintptr_t>(base_);
        if (!usable() || addr < lo + size_type(heap_begin_) * granule ||
            addr >= lo + size_type(heap_end_) * granule || (addr - lo) % granule != 0) {
            fail(error::invalid_pointer);
            return {};
        }
        const auto pos = offset_type((addr - lo) / granule);
        // Inside a free block the "header" bytes may be poisoned: no live block starts there.
        if (TINYMEM_POISONED(base_ + size_type(pos) * granule - header_bytes, header_bytes)) {
            fail(error::invalid_pointer);
            return {};
        }
        const word_type hdr = header_load(pos);
        const slot_type slot = header_slot(hdr);
        if (header_free(hdr) || slot >= slots_) { // cached blocks have slot quick_slot > slots_
            fail(error::invalid_pointer);
            return {};
        }
        const word_type entry = table_load(slot);
        if (entry_pins(entry) == free_pin || entry_offset(entry) != pos) {
            fail(error::invalid_pointer);
            return {};
        }
        succeed();
        return make_handle(slot, entry >> gen_shift);
    }

    // ---- pinning ------------------------------------------------------------------------------

    // pin(), acquire_pin(), unpin(), pin_count() and pinned_for_life(): detail::engine_base.

    // ---- compaction ---------------------------------------------------------------------------

    // Effect: full compaction: slides every movable block down so no hole is left between them;
    //   holes remain only just before pinned blocks. Moves blocks: yes.
    void defrag() noexcept {
        if (!usable()) return;
        cursor_ = heap_begin_;
        compact_pass(0, 1);
        ++compactions_;
        // O(blocks) like the pass: find the lowest allocate_pinned block again (see floor_stale_).
        if (floor_stale_) raise_fixed_floor(heap_begin_);
    }

    // Effect: one bounded step of the same compaction, resumable: moves at most `budget` bytes
    //   and visits a bounded number of blocks (each block it moves or walks past costs 64 bytes
    //   of the budget), so its time is bounded by the budget alone. A block larger than the
    //   budget is never moved by a step: it stays, with the hole before it, as a pinned block
    //   would, until defrag() or an allocation that needs the space moves it. allocate,
    //   deallocate and pin may run between steps.
    // Result: true when a further step of the same budget would move nothing (the pool is
    //   compact, but for holes before pinned blocks and before blocks larger than the budget),
    //   also after smaller steps of the same pass left blocks this budget moves: the step that
    //   ends such a pass returns false, and the next ones move them.
    bool defrag_step(size_type budget) noexcept {
        if constexpr (stress_mode) if (usable()) stress_move_all();
        if (!usable()) return true;
        // A visit at least, whatever the budget: steps of budget 0 finish a pass too (moving
        // nothing), as a main loop waiting for defrag_step() to return true needs.
        if (budget == 0) budget = 1;
        // Compact, but for blocks too large for the steps so far: a budget that moves the
        // smallest of them goes again.
        if (compact_ && step_skipped_ != 0 && size_type(step_skipped_) * granule <= budget) compact_ = false;
        if (compact_) return true;
        if (cursor_ < heap_begin_ || cursor_ >= heap_end_) cursor_ = heap_begin_;
        if (cursor_ == heap_begin_) step_skipped_ = 0; // a new pass records them again
        if (!slide(budget, 0, 1)) return false;
        // The pass is complete, but smaller steps of it may have left a block this budget moves:
        // true would promise that the next step moves nothing, so a new pass starts instead.
        if (step_skipped_ != 0 && size_type(step_skipped_) * granule <= budget) {
            compact_ = false;
            return false;
        }
        ++compactions_;
        return true;
    }

    // set_compaction_limit(budget) and compaction_limit(): bounded time for the calls that may
    // compact, from detail::compaction_limit_api (pool.hpp).

    // ---- diagnostics --------------------------------------------------------------------------

    // Result: a snapshot of the pool. A walk over every block (O(blocks)): to watch what each
    //   call moves, read bytes_moved() and compactions() instead. largest_allocatable is what
    //   allocate() without a compaction limit serves: exact when no block is pinned or
    //   over-aligned, with or without a free handle (without one, less what the table's growth
    //   takes first).
    pool_stats stats() const noexcept;
    // last_error(), bytes_moved() and compactions(): detail::engine_base.

    // Effect: walks the whole pool and checks every invariant (block chain, headers, footers,
    //   free lists, handle table, counters). O(blocks + handles).
    // Result: the first broken invariant, or ok().
    check_result check() const noexcept;

    // Effect: writes a chart of the pool into `out` ("|A A A|- -|C C C|"): one cell per
    //   `cell_bytes` (at least one per block), a block's cells named after its handle slot
    //   (A-Z a-z 0-9, repeating), free cells '-', pinned blocks' cells '#'. NUL-terminated when
    //   there is room. Result: the length the full chart needs (like snprintf).
    size_type map(char* out, size_type out_size, size_type cell_bytes = granule) const noexcept;

    // The symbol map() uses for a handle's cells.
    static char symbol_of(handle h) noexcept {
        return symbol_of_slot(slot_type(h.value() & slot_mask));
    }

protected:
    // For the constructor above, which value-initialises the control block (zeroes it: see
    // failed_) and then calls init(); and for classes derived to do the same.
    basic_pool() noexcept = default;
    void init(std::byte* data, size_type bytes) noexcept;

private:
    friend common; // the shared accessors read the control block below
    using layout = detail::layout<Config>;

    // ---- word layouts (detail/layout.hpp, one definition for both engines) ---------------------
    using layout::header_bytes, layout::size_mask, layout::slot_mask, layout::no_slot, layout::quick_slot,
        layout::prev_free_bit, layout::pin_shift, layout::align_shift, layout::gen_shift, layout::gen_mask,
        layout::pin_align_mask, layout::fixed_pin, layout::free_pin, layout::retired_entry, layout::tag_shift,
        layout::tag_mask;
    using typename layout::tags;
    using layout::header_size, layout::header_slot, layout::header_free, layout::header_prev_free,
        layout::header_quick, layout::header_hole, layout::used_header, layout::free_header, layout::entry_offset,
        layout::entry_pins, layout::entry_align, layout::with_pins, layout::with_offset, layout::free_slot_entry;
    static constexpr unsigned offset_bits = Config::offset_bits;
    static constexpr size_type quick_classes = Config::quick_classes;
    // A compaction for an allocation gathers this fraction of the other free bytes as well.
    static constexpr unsigned compaction_slack = 2;
    // The smallest free block: a header and a footer.
    static constexpr offset_type min_free =
        offset_type((header_bytes + sizeof(offset_type) + granule - 1) / granule);
    // The smallest free block kept in a bin: a header, two links and a footer.
    static constexpr offset_type min_listed =
        offset_type((header_bytes + 3 * sizeof(offset_type) + granule - 1) / granule);
    static constexpr unsigned bin_count = offset_bits;
    using bin_mask_type = std::conditional_t<(bin_count > 16), std::uint32_t, std::uint16_t>;
    // What visiting one block costs from a defrag_step budget, so steps stay bounded. A visit
    // runs about 60-70 instructions (callgrind, bench/opcount.cpp); newlib's Cortex-M4 memmove
    // spends 12 instructions per 16 bytes, so a visit costs about what moving 64 bytes does.
    static constexpr size_type visit_cost = 64;

    using common::make_handle, common::slot_of;
    static char symbol_of_slot(slot_type slot) noexcept {
        return "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"[slot % 62];
    }

    // ---- raw access (memcpy: the buffer holds user objects and our words alike) ---------------
    using common::header_byte, common::header_load, common::header_store, common::table_load, common::table_store;
    // The table sits at the buffer's start, slot 0 first.
    static size_type table_byte(slot_type slot) noexcept { return size_type(slot) * sizeof(word_type); }
    offset_type load_offset_at(size_type byte) const noexcept {
        offset_type v;
        std::memcpy(&v, base_ + byte, sizeof v);
        return v;
    }
    void store_offset_at(size_type byte, offset_type v) noexcept { std::memcpy(base_ + byte, &v, sizeof v); }

    void set_prev_free(offset_type pos, bool on) noexcept {
        const word_type h = header_load(pos);
        header_store(pos, on ? (h | prev_free_bit) : (h & ~prev_free_bit));
    }
    size_type footer_byte(offset_type pos, offset_type size) const noexcept {
        return size_type(pos + size) * granule - header_bytes - sizeof(offset_type);
    }
    // Free-list links: next at the data start, prev just after it; 0 ends a list.
    offset_type link_next(offset_type pos) const noexcept { return load_offset_at(size_type(pos) * granule); }
    offset_type link_prev(offset_type pos) const noexcept {
        return load_offset_at(size_type(pos) * granule + sizeof(offset_type));
    }
    void set_link_next(offset_type pos, offset_type v) noexcept { store_offset_at(size_type(pos) * granule, v); }
    void set_link_prev(offset_type pos, offset_type v) noexcept {
        store_offset_at(size_type(pos) * granule + sizeof(offset_type), v);
    }

    // ---- results and handle checks (detail::engine_base) ----------------------------------------
    using common::fail, common::check_handle, common::resolve;
    // common::succeed(), out of line in size-optimised builds: this engine has many more success
    // paths than the lean one, and a call is smaller than the store at each.
    TINYMEM_SIZE_NOINLINE bool succeed() noexcept { return common::succeed(); }

    // Turns a request into granules, header included, checking it in the order its errors are
    // reported: an unusable pool, the alignment (allocate_impl's; reallocate keeps the block's),
    // a size of 0, a size too large. Overflow-safe: any size above the heap is too_large before
    // arithmetic on it.
    bool granules_for(size_type bytes, offset_type& out, size_type align = granule) noexcept {
        error e = error::none;
        if (!usable()) e = unusable_reason();
        // The table word keeps log2 of the alignment in granules in align_bits bits: config17
        // (4 bits) cannot record 2^16 granules, so 512 KiB and more are refused, not half made.
        else if (!detail::is_power_of_two(align) || align > capacity() ||
                 (align > granule && detail::floor_log2(align / granule) >= (1u << Config::align_bits)))
            e = error::bad_alignment;
        else if (bytes == 0) e = error::zero_size;
        else if (bytes > capacity() || (bytes + header_bytes + granule - 1) / granule > size_type(heap_end_ - heap_begin_))
            e = error::too_large;
        if (e != error::none) {
            fail(e);
            return false; // here, not fail()'s result: g++ then sees `out` is set on success
        }
        const size_type g = (bytes + header_bytes + granule - 1) / granule;
        out = offset_type(g < min_free ? min_free : g);
        return true;
    }

    handle allocate_impl(size_type bytes, size_type align, bool pinned) noexcept;
    TINYMEM_SIZE_INLINE bool release_block(slot_type slot, word_type entry) noexcept;
    // acquire_pin (delta 1) and unpin (-1) in one body, as the lean engine's.
    bool add_pins(handle h, int delta) noexcept;

    // ---- free blocks --------------------------------------------------------------------------
    static unsigned bin_of(offset_type size) noexcept { return detail::floor_log2(size); }

    // Makes [pos, pos + size) one free block. Its neighbours must not be free.
    void insert_free(offset_type pos, offset_type size) noexcept {
        TINYMEM_ASSERT(pos >= heap_begin_ && size >= min_free && size_type(pos) + size <= heap_end_);
        header_store(pos, free_header(size));
        store_offset_at(footer_byte(pos, size), size);
        set_prev_free(offset_type(pos + size), true);
        if (size >= min_listed) {
            const unsigned b = bin_of(size);
            const offset_type head = bins_[b];
            set_link_next(pos, head);
            set_link_prev(pos, 0);
            if (head != 0) set_link_prev(head, pos);
            bins_[b] = pos;
            bin_mask_ = bin_mask_type(bin_mask_ | (bin_mask_type(1) << b));
        }
        // The interior between the links and the footer; a block too small for links has none.
        // Stress mode scribbles over it, so a stale pointer reads garbage even without ASan.
        if (size >= min_listed) {
            std::byte* const interior = base_ + size_type(pos) * granule + 2 * sizeof(offset_type);
            const size_type interior_bytes = size_type(size) * granule - header_bytes - 3 * sizeof(offset_type);
            if constexpr (stress_mode) std::memset(interior, 0xA5, interior_bytes);
            TINYMEM_POISON(interior, interior_bytes);
        }
    }

    // Takes the free block at pos out of its bin; its bytes are then the caller's.
    void remove_free(offset_type pos) noexcept {
        TINYMEM_ASSERT(pos >= heap_begin_ && pos < heap_end_ && header_free(header_load(pos)));
        const offset_type size = header_size(header_load(pos));
        TINYMEM_UNPOISON(base_ + size_type(pos) * granule - header_bytes, size_type(size) * granule);
        if (size < min_listed) return;
        const offset_type next = link_next(pos), prev = link_prev(pos);
        // Its list neighbours point back at it; without a predecessor it heads its bin.
        TINYMEM_ASSERT(next == 0 || link_prev(next) == pos);
        TINYMEM_ASSERT(prev != 0 ? link_next(prev) == pos : bins_[bin_of(size)] == pos);
        if (prev != 0)
            set_link_next(prev, next);
        else {
            const unsigned b = bin_of(size);
            bins_[b] = next;
            if (next == 0) bin_mask_ = bin_mask_type(bin_mask_ & ~(bin_mask_type(1) << b));
        }
        if (next != 0) set_link_prev(next, prev);
    }

    // ---- the quick lists (deferred coalescing) --------------------------------------------------
    // A freed block smaller than quick_classes granules is kept whole in quick_[size], linked
    // both ways like a bin, with a header that names quick_slot: its neighbours see a used block
    // and do not merge with it. allocate() takes it back for a request of exactly that size.
    // Compaction (slide) swallows cached blocks as holes; walkers that need a plain heap
    // (table growth, growth in place, shifting) settle the one they meet. Cached bytes count as
    // free everywhere (free_granules_, stats), so the cache never makes a request fail.
    // The smallest block a quick list takes: a header and two links (config17's single-granule
    // blocks have room for one link only; they are merged at once).
    static constexpr offset_type min_quick =
        offset_type((header_bytes + 2 * sizeof(offset_type) + granule - 1) / granule);

    void push_quick(offset_type pos, offset_type size, bool prev_free) noexcept {
        TINYMEM_ASSERT(size >= min_quick && size < quick_classes && pos >= heap_begin_ &&
                       size_type(pos) + size <= heap_end_);
        // base_ in a local, the links in one store: every store through the buffer may alias the
        // pool object, so the compiler would reload base_ after each (deallocate's hot path).
        std::byte* const base = base_;
        const offset_type head = quick_[size];
        const word_type hdr = word_type(size) | (word_type(quick_slot) << offset_bits) | (prev_free ? prev_free_bit : 0);
        std::memcpy(base + size_type(pos) * granule - header_bytes, &hdr, sizeof hdr);
        const offset_type links[2] = {head, 0}; // next, prev
        std::memcpy(base + size_type(pos) * granule, links, sizeof links);
        if (head != 0) std::memcpy(base + size_type(head) * granule + sizeof(offset_type), &pos, sizeof pos);
        quick_[size] = pos;
        cached_granules_ = offset_type(cached_granules_ + size);
        if (pos < cursor_) cursor_ = pos; // a hole behind the compaction cursor
        compact_ = false;
        std::byte* const interior = base_ + size_type(pos) * granule + 2 * sizeof(offset_type);
        const size_type interior_bytes = size_type(size) * granule - header_bytes - 2 * sizeof(offset_type);
        if constexpr (stress_mode) std::memset(interior, 0xA5, interior_bytes);
        TINYMEM_POISON(interior, interior_bytes);
    }
    // Takes the cached block at pos out of its quick list; its bytes are then the caller's.
    void remove_quick(offset_type pos, offset_type size) noexcept {
        TINYMEM_ASSERT(pos >= heap_begin_ && pos < heap_end_);
        TINYMEM_ASSERT(header_quick(header_load(pos)) && header_size(header_load(pos)) == size);
        TINYMEM_UNPOISON(base_ + size_type(pos) * granule - header_bytes, size_type(size) * granule);
        const offset_type next = link_next(pos), prev = link_prev(pos);
        TINYMEM_ASSERT(next == 0 || link_prev(next) == pos);
        TINYMEM_ASSERT(prev != 0 ? link_next(prev) == pos : quick_[size] == pos);
        if (prev != 0)
            set_link_next(prev, next);
        else
            quick_[size] = next;
        if (next != 0) set_link_prev(next, prev);
        cached_granules_ = offset_type(cached_granules_ - size);
    }
    // Takes a cached block of exactly `need` granules for a new block; its bytes leave the free
    // count. Requires: need < quick_classes. Result: its data granule, or 0 when none is cached.
    offset_type take_quick(offset_type need) noexcept {
        TINYMEM_ASSERT(need < quick_classes);
        const offset_type at = quick_[need];
        if (at != 0) {
            remove_quick(at, need);
            free_granules_ = offset_type(free_granules_ - need);
        }
        return at;
    }
    // Turns the cached block at pos into an ordinary free block, merged with free neighbours.
    // Result: the merged free block's start.
    offset_type settle_quick(offset_type pos) noexcept {
        const word_type h = header_load(pos);
        TINYMEM_ASSERT(pos >= heap_begin_ && pos < heap_end_ && header_quick(h));
        remove_quick(pos, header_size(h));
        return release_range(pos, header_size(h), header_prev_free(h));
    }

    // Frees [pos, pos + size), merging with free neighbours. prev_free tells whether the block
    // before pos is free (its footer then gives its start).
    // Result: the start of the merged free block. Free-byte accounting is the caller's.
    offset_type release_range(offset_type pos, offset_type size, bool prev_free) noexcept {
        TINYMEM_ASSERT(pos >= heap_begin_ && size != 0 && size_type(pos) + size <= heap_end_);
        const offset_type next = offset_type(pos + size);
        const word_type next_hdr = header_load(next);
        if (header_free(next_hdr)) {
            remove_free(next);
            size = offset_type(size + header_size(next_hdr));
        }
        if (prev_free) {
            const offset_type prev_size = load_offset_at(size_type(pos) * granule - header_bytes - sizeof(offset_type));
            pos = offset_type(pos - prev_size);
            remove_free(pos);
            size = offset_type(size + prev_size);
        }
        insert_free(pos, size);
        if (pos < cursor_) cursor_ = pos; // a hole behind the compaction cursor
        compact_ = false;
        return pos;
    }

    // Where a block of `need` granules aligned to `align` granules fits inside the free block
    // [pos, pos + size): data granule, placed low or high. Leading and trailing remainders are
    // either empty or large enough to be free blocks; a too-small tail is added to the block
    // (need is updated). Result: 0 when it does not fit.
    offset_type fit(offset_type pos, offset_type size, offset_type& need, offset_type align, bool high) const noexcept {
        TINYMEM_ASSERT(need != 0 && detail::is_power_of_two(align));
        const size_type end = size_type(pos) + size;
        if (need > size) return 0;
        size_type at = high ? end - need : pos;
        for (;;) {
            if (high) at = align_down(at, align);
            else at = align_up(at, align);
            if (at < pos || at + need > end) return 0;
            const size_type lead = at - pos, tail = end - at - need;
            if (lead != 0 && lead < min_free) {
                if (high) { at = at >= align ? at - align : 0; continue; }
                at += align;
                continue;
            }
            // A tail too small to be free joins the block (placed high: it grows to the end).
            if (tail != 0 && tail < min_free) need = offset_type(need + tail);
            return offset_type(at);
        }
    }
    // fit() and, when it fits, carve(): the block's data granule (need updated), or 0.
    offset_type carve_fit(offset_type pos, offset_type size, offset_type& need, offset_type align, bool high) noexcept {
        offset_type n = need;
        const offset_type at = fit(pos, size, n, align, high);
        if (at == 0) return 0;
        carve(pos, at, n);
        need = n;
        return at;
    }
    // Alignment is of absolute addresses: base_ is only granule-aligned.
    size_type align_up(size_type pos, offset_type align) const noexcept {
        const size_type abs = reinterpret_cast<std::uintptr_t>(base_) / granule + pos;
        return pos + ((size_type(0) - abs) & (align - 1u));
    }
    size_type align_down(size_type pos, offset_type align) const noexcept {
        const size_type r = (reinterpret_cast<std::uintptr_t>(base_) / granule + pos) & (align - 1u);
        return pos >= r ? pos - r : 0;
    }
    offset_type place_pinned(offset_type& need, offset_type align) noexcept;
    // The free block an unaligned, low placement of `need` granules takes (place() carves it;
    // stats() asks without carving); 0 when it finds none. Good fit first: a few blocks of the
    // request's own class, so holes of that size are reused before larger blocks (and the top
    // hole) are split; then the first block of the lowest class whose every block fits; then a
    // few blocks of each smaller class. Bounded: at most 4 + 8 per class blocks looked at.
    offset_type find_low(offset_type need) const noexcept {
        TINYMEM_ASSERT(need != 0);
        unsigned budget = 4;
        for (offset_type pos = bins_[bin_of(need)]; pos != 0 && budget-- != 0; pos = link_next(pos))
            if (header_size(header_load(pos)) >= need) return pos;
        const unsigned guaranteed = detail::ceil_log2(size_type(need));
        if (guaranteed < bin_count) {
            const bin_mask_type above = bin_mask_type(bin_mask_ & ~((bin_mask_type(1) << guaranteed) - 1));
            if (above != 0) return bins_[detail::count_trailing_zeros(above)];
        }
        const unsigned top = guaranteed < bin_count ? guaranteed : bin_count;
        for (unsigned b = bin_of(need); b < top; ++b) {
            unsigned tries = 8;
            for (offset_type pos = bins_[b]; pos != 0 && tries-- != 0; pos = link_next(pos))
                if (header_size(header_load(pos)) >= need) return pos;
        }
        return 0;
    }
    // Finds and carves a free block for `need` granules (updated if a sliver is absorbed).
    // `fresh`: for a new block (allocate), which may take the top end of a hole between blocks
    // (carve_high). The last hole before the pinned floor or the heap's end is always split at
    // its low end, so that movable blocks gather low (see the layout at the top of this file),
    // and so is a hole for a moved block, which can then grow in place into the rest.
    // Result: the new block's data granule with a used header (slot unset), or 0.
    // Cost: find_low()'s bound, then O(1).
    offset_type place(offset_type& need, offset_type align, bool high, bool fresh = false) noexcept {
        TINYMEM_ASSERT(need >= min_free && detail::is_power_of_two(align));
        if (align == 1 && !high) {
            // The common case: take the low end of the block find_low() chooses; a tail too
            // small to be free joins the block.
            const offset_type pos = find_low(need);
            if (pos != 0) {
                const offset_type size = header_size(header_load(pos));
                const offset_type rest = offset_type(size - need);
                if constexpr (TINYMEM_CARVE_HIGH != 0)
                    if (fresh && rest >= min_listed && bin_of(rest) == bin_of(size) && pos + size != fixed_floor_ &&
                        pos + size != heap_end_) // a hole between blocks, its rest in the same bin
                        return carve_high(pos, size, need);
                if (rest < min_free) need = size;
                carve(pos, pos, need);
            }
            return pos;
        }
        // Any block in a bin at or above `guaranteed` fits whatever its alignment offset.
        const size_type worst = size_type(need) + (align > 1 ? align - 1u + min_free : 0u);
        const unsigned guaranteed = detail::ceil_log2(worst);
        if (guaranteed < bin_count) {
            const bin_mask_type above = bin_mask_type(bin_mask_ & ~((bin_mask_type(1) << guaranteed) - 1));
            if (above != 0) {
                const offset_type pos = bins_[detail::count_trailing_zeros(above)];
                if (const offset_type at = carve_fit(pos, header_size(header_load(pos)), need, align, high)) return at;
            }
        }
        // Smaller classes may still hold a block that fits: look at a few in each.
        const unsigned top = guaranteed < bin_count ? guaranteed : bin_count;
        for (unsigned b = bin_of(need); b < top; ++b) {
            if ((bin_mask_ & (bin_mask_type(1) << b)) == 0) continue;
            unsigned budget = 8;
            for (offset_type pos = bins_[b]; pos != 0 && budget-- != 0; pos = link_next(pos))
                if (const offset_type at = carve_fit(pos, header_size(header_load(pos)), need, align, high)) return at;
        }
        return 0;
    }

    // Takes the top `need` granules of the listed free block at pos (size granules) when what
    // stays is in the same bin: the free block keeps its place in its list and only shrinks
    // (no unlinking and relinking). Result: the new block's data granule (header with no slot).
    // Cost: O(1).
    offset_type carve_high(offset_type pos, offset_type size, offset_type need) noexcept {
        const auto rest = offset_type(size - need);
        TINYMEM_ASSERT(header_free(header_load(pos)) && header_size(header_load(pos)) == size);
        TINYMEM_ASSERT(rest >= min_listed && bin_of(rest) == bin_of(size));
        TINYMEM_UNPOISON(base_ + size_type(pos) * granule - header_bytes, size_type(size) * granule);
        header_store(pos, free_header(rest));
        store_offset_at(footer_byte(pos, rest), rest);
        const auto at = offset_type(pos + rest);
        header_store(at, used_header(need, no_slot, true));
        set_prev_free(offset_type(pos + size), false);
        free_granules_ = offset_type(free_granules_ - need);
        compact_ = false;
        if (pos < cursor_) cursor_ = pos; // the hole now sits before a movable block
        std::byte* const interior = base_ + size_type(pos) * granule + 2 * sizeof(offset_type);
        const size_type interior_bytes = size_type(rest) * granule - header_bytes - 3 * sizeof(offset_type);
        if constexpr (stress_mode) std::memset(interior, 0xA5, interior_bytes);
        TINYMEM_POISON(interior, interior_bytes);
        return at;
    }
    // Splits the free block at pos: [pos, at) and [at + need, end) stay free, [at, at + need)
    // becomes a used block (header with no slot yet).
    void carve(offset_type pos, offset_type at, offset_type need) noexcept {
        const offset_type size = header_size(header_load(pos));
        const offset_type end = offset_type(pos + size);
        TINYMEM_ASSERT(header_free(header_load(pos)) && need != 0 && at >= pos && size_type(at) + need <= end);
        TINYMEM_ASSERT((at == pos || at - pos >= min_free) && (at + need == end || end - (at + need) >= min_free));
        remove_free(pos);
        if (at != pos) {
            insert_free(pos, offset_type(at - pos));
            compact_ = false;
            if (pos < cursor_) cursor_ = pos; // the lead now sits before a movable block
        }
        const offset_type tail_start = offset_type(at + need);
        if (tail_start != end)
            insert_free(tail_start, offset_type(end - tail_start)); // marks the block after it
        else
            set_prev_free(end, false);
        header_store(at, used_header(need, no_slot, at != pos));
        free_granules_ = offset_type(free_granules_ - need);
    }

    // ---- handle table -------------------------------------------------------------------------
    static constexpr unsigned slots_per_granule = unsigned(granule / sizeof(word_type));

    // Takes a free slot, growing the table if none is free; `entry` as pop_free_slot() gives it.
    bool acquire_slot(slot_type& slot, word_type& entry) noexcept;
    // Takes the oldest free slot; `entry` gets its table word (the generation to hand out).
    // Requires: one (free_slot_head_ != 0).
    slot_type pop_free_slot(word_type& entry) noexcept {
        TINYMEM_ASSERT(free_slot_head_ != 0 && free_slot_head_ <= slots_);
        const auto slot = slot_type(free_slot_head_ - 1u);
        entry = table_load(slot);
        TINYMEM_ASSERT(entry_pins(entry) == free_pin);
        free_slot_head_ = entry_offset(entry);
        if (free_slot_head_ == 0) free_slot_tail_ = 0;
        live_ = offset_type(live_ + 1);
        return slot;
    }
    // Frees the slot whose table word (before freeing) is `entry`.
    void release_slot(slot_type slot, word_type entry) noexcept {
        TINYMEM_ASSERT(slot < slots_ && live_ != 0 && entry_pins(entry) != free_pin);
        // A new generation makes every copy of the old handle stale.
        const word_type gen = ((entry >> gen_shift) + 1) & gen_mask;
        live_ = offset_type(live_ - 1);
        if (gen == 0 && retire_slots_) [[unlikely]] {
            // Out of generations, with slot retirement: marked free (no handle matches it) with
            // the last generation, and kept out of the free-slot list for good.
            table_store(slot, retired_entry);
            retired_ = offset_type(retired_ + 1);
            return;
        }
        push_free_slot(slot, gen);
    }
    bool grow_table() noexcept;
    void add_table_granules(offset_type count) noexcept;
    bool shift_front_run() noexcept;
    offset_type shift_run_up(offset_type from, offset_type want, error& why) noexcept;
    void push_free_slot(slot_type slot, word_type gen) noexcept {
        TINYMEM_ASSERT(slot < Config::max_slots && gen <= gen_mask); // (add_table_granules: before slots_ counts it)
        std::byte* const base = base_; // one load: the stores below may alias the pool object
        const offset_type tail = free_slot_tail_;
        const word_type entry = free_slot_entry(gen);
        std::memcpy(base + table_byte(slot), &entry, sizeof entry);
        const auto link = offset_type(slot + 1);
        if (tail == 0)
            free_slot_head_ = link;
        else // the link alone into the last free slot's word (tail is its slot + 1)
            layout::store_entry_offset(base + table_byte(tail - 1u), link);
        free_slot_tail_ = link;
    }
    // The lowest allocate_pinned block at or above the block start `from`, or the end: a walk,
    // O(blocks), that only defrag() runs (when floor_stale_), where the pass costs as much.
    void raise_fixed_floor(offset_type from) noexcept {
        TINYMEM_ASSERT(from >= heap_begin_ && from <= heap_end_);
        offset_type pos = from;
        while (pos != heap_end_) {
            const word_type h = header_load(pos);
            // (header_hole: free or cached; pos is not the end sentinel here.)
            if (!header_hole(h) && entry_pins(table_load(header_slot(h))) == fixed_pin) break;
            pos = offset_type(pos + header_size(h));
        }
        fixed_floor_ = pos;
        floor_stale_ = false;
    }
    // After the lowest allocate_pinned block was freed, now part of the free block at `merged`:
    // the block after that free block is the next allocate_pinned block, the end, or anything
    // else, and then the floor becomes a lower bound (floor_stale_), without the walk to the
    // next allocate_pinned block that deallocate must not do (bounded work).
    void lower_bound_floor(offset_type merged) noexcept {
        TINYMEM_ASSERT(header_free(header_load(merged)));
        const auto end = offset_type(merged + header_size(header_load(merged)));
        fixed_floor_ = end;
        if (end == heap_end_) return; // none left
        const word_type h = header_load(end);
        floor_stale_ = header_hole(h) || entry_pins(table_load(header_slot(h))) != fixed_pin;
    }

    // ---- moving -------------------------------------------------------------------------------
    void shrink(slot_type slot, offset_type pos, offset_type size, offset_type need) noexcept;
    // Gives the used block at pos (under `slot`) `new_size` granules instead of `size` in its
    // header, and counts the difference as used (and pinned, if it is) rather than free (it
    // wraps as offset_type when the block shrinks). The caller makes the bytes match.
    TINYMEM_SIZE_NOINLINE void resize_block(slot_type slot, offset_type pos, offset_type size, offset_type new_size) noexcept {
        TINYMEM_ASSERT(new_size != 0 && header_slot(header_load(pos)) == slot && entry_offset(table_load(slot)) == pos);
        header_store(pos, used_header(new_size, slot, header_prev_free(header_load(pos))));
        const auto delta = offset_type(new_size - size);
        used_granules_ = offset_type(used_granules_ + delta);
        free_granules_ = offset_type(free_granules_ - delta);
        if (entry_pins(table_load(slot)) != 0) pinned_granules_ = offset_type(pinned_granules_ + delta);
    }
    bool grow_in_place(slot_type slot, offset_type pos, offset_type size, offset_type need) noexcept;
    void relocate_into(slot_type slot, offset_type from, offset_type size, offset_type to, offset_type to_size) noexcept;
    void stress_move_all() noexcept; // stress mode only (see stress_mode)

    // ---- check()'s parts --------------------------------------------------------------------
    // What check_blocks() counts for check_lists(): free blocks large enough for a bin, cached
    // blocks.
    struct check_counts {
        std::uint64_t listed = 0, cached = 0;
    };
    // Each called once, from check(), and inlined there (out of line, the three took more flash
    // than the one function did).
    [[gnu::always_inline]] inline check_result check_blocks(check_counts& counts) const noexcept;
    [[gnu::always_inline]] inline check_result check_lists(const check_counts& counts) const noexcept;
    [[gnu::always_inline]] inline check_result check_slots() const noexcept;
    // A broken invariant at the block whose data starts at granule `pos` (0: no one place), as
    // check_blocks() and check_lists() report it; check() then turns the granule into the byte
    // of its header word (check_result.offset's meaning) once, not at each of some forty exits.
    static check_result check_bad(const char* what, std::uint64_t pos) noexcept {
        return check_result{what, size_type(pos)};
    }
    static check_result at_header(check_result r) noexcept {
        if (r.offset != 0) r.offset = r.offset * granule - header_bytes;
        return r;
    }
    // Slides movable blocks down from cursor_. Stops when the pool is compact (returns true),
    // when `budget` bytes are spent, or when a hole of `need` granules aligned to `align` exists
    // (need > 0; returns true).
    bool slide(size_type budget, offset_type need, offset_type align) noexcept;
    // slide()'s walk: the hole [c, c + hole) it holds (its header unwritten, in no list), and
    // whether the pass relists the free blocks (empty_lists()). What is left of a step's budget
    // is apart (`budget`), so that only it lives in memory for spend().
    struct slide_walk {
        offset_type c;
        offset_type hole;
        const size_type step_budget; // the whole step's
        const bool bounded;          // a step (budget below SIZE_MAX); unbounded passes pay nothing
        const bool relist;
    };
    // What a step pays from `budget` for a visit or a move.
    static void spend(size_type& budget, bool bounded, size_type cost) noexcept {
        if (bounded) budget = budget > cost ? budget - cost : 0;
    }
    enum class slide_turn : unsigned char { move, leave, stop };
    // slide()'s named steps, each called once from it and inlined there at every optimisation
    // level, so that the split costs neither code nor calls (out of line, they took more flash
    // at -O2: the Cortex-M0 target test's 256 KiB).
    [[gnu::always_inline]] inline bool slide_gather(slide_walk& w, size_type& budget, offset_type& next,
                                                    word_type& next_hdr) noexcept;
    [[gnu::always_inline]] inline slide_turn slide_budget(slide_walk& w, size_type& budget, offset_type next_size) noexcept;
    [[gnu::always_inline]] inline bool slide_run(slide_walk& w, size_type& budget, offset_type next) noexcept;
    [[gnu::always_inline]] inline bool slide_over_aligned(slide_walk& w, size_type& budget, offset_type next,
                                                          word_type next_hdr, word_type next_entry) noexcept;
    // slide(no budget, need, 1) in fewer instructions per block (need 0: the whole pool).
    // (docs/design.md, "Compaction loops", "### sweep".)
    bool sweep(offset_type need) noexcept;
    // sweep()'s run of blocks that move down by `hole` (called once, from sweep()'s loop).
    [[gnu::always_inline]] inline offset_type sweep_run(std::byte* base, offset_type end, offset_type hole,
                                                        offset_type next, word_type next_hdr) noexcept;
    // The header word of the block at data granule `pos`, read through sweep()'s local `base`
    // (members would be reloaded after every store through the buffer, which may alias them).
    static word_type sweep_header(const std::byte* base, offset_type pos) noexcept {
        word_type w;
        std::memcpy(&w, base + size_type(pos) * granule - header_bytes, sizeof w);
        return w;
    }
    // Asks for the bytes 512 ahead of the block at `pos`, a few blocks further up, in the cache
    // (figures: docs/design.md, "Measured figures").
    static void sweep_ahead(const std::byte* base, offset_type pos) noexcept {
        TINYMEM_PREFETCH(reinterpret_cast<std::uintptr_t>(base) + size_type(pos) * granule + 512);
    }
    // An unbounded pass of slide(), through sweep() where it is compiled in (TINYMEM_SWEEP).
    bool compact_pass(offset_type need, offset_type align) noexcept {
        if constexpr (TINYMEM_SWEEP != 0)
            if (align == 1) return sweep(need);
        return slide(~size_type{0}, need, align);
    }
    // A full pass from the start relists every free block it meets, so it may empty the lists
    // first and skip unlinking each hole it swallows (scattered list neighbours cost misses).
    void empty_lists() noexcept {
        for (auto& b : bins_) b = 0;
        bin_mask_ = 0;
        for (auto& q : quick_) q = 0;
        cached_granules_ = 0;
    }
    // Takes the free or cached block at pos (header h) for a hole that slide() or sweep() holds;
    // with the lists emptied (relist) only its poison goes. Result: its size.
    offset_type take_hole(offset_type pos, word_type h, bool relist) noexcept {
        TINYMEM_ASSERT(pos >= heap_begin_ && pos < heap_end_ && header_hole(h));
        const offset_type size = header_size(h);
        if (relist)
            TINYMEM_UNPOISON(base_ + size_type(pos) * granule - header_bytes, size_type(size) * granule);
        else if (header_quick(h))
            remove_quick(pos, size);
        else
            remove_free(pos);
        return size;
    }
    // Starts the hole slide() or sweep() holds at the free or cached block at c (header h). A
    // cached block right after a free one (the cursor may point at it) starts it at the free one,
    // and c moves there. Result: the hole's size so far.
    offset_type open_hole(offset_type& c, word_type h, bool relist) noexcept {
        offset_type hole = 0;
        if (header_prev_free(h)) {
            const offset_type before = load_offset_at(size_type(c) * granule - header_bytes - sizeof(offset_type));
            c = offset_type(c - before);
            hole = take_hole(c, header_load(c), relist);
        }
        return offset_type(hole + take_hole(offset_type(c + hole), h, relist));
    }
    // Compacts until a hole takes `need` granules aligned to `align` granules, then carves it
    // (need is updated as place() does). Result: the new block, or 0.
    // Out of line except in size-optimised builds: inlined, it widens allocate's stack frame,
    // which the table's growth and a compaction then stack on (the Cortex-M0 target test's stack
    // high water: docs/design.md, "Measured figures").
#ifndef __OPTIMIZE_SIZE__
    [[gnu::noinline]]
#endif
    offset_type compact_and_place(offset_type& need, offset_type align) noexcept {
        TINYMEM_ASSERT(need != 0 && detail::is_power_of_two(align));
        if (free_granules_ < need) return 0;
        // Resume where the last compaction stopped: holes before cursor_ sit before pinned blocks
        // or before blocks a defrag_step left (new holes lower it). Only a miss goes over the
        // front again, so what the cursor skips can cost time but never a failed request.
        if (cursor_ < heap_begin_ || cursor_ >= heap_end_) cursor_ = heap_begin_;
        const bool from_start = cursor_ == heap_begin_;
        // Gather some slack beyond the request, so the next few misses find room without
        // compacting again.
        const size_type slack = size_type(free_granules_ - need) / compaction_slack;
        const auto want = offset_type(need + slack);
        ++compactions_;
        bool found = compact_pass(want, align);
        if (!found && want != need) {
            // Everything from the cursor on is compact now: its free space is one hole.
            offset_type n = need;
            if (const offset_type at = place(n, align, false)) {
                need = n;
                return at;
            }
        }
        if (!found && !from_start) {
            cursor_ = heap_begin_;
            found = compact_pass(need, align);
        }
        if (!found) return 0;
        // slide() stopped with cursor_ on the hole; carve it here, since place() only looks at
        // a few blocks of a size class and might not reach it.
        return carve_fit(cursor_, header_size(header_load(cursor_)), need, align, false);
    }
    // Under a compaction limit: whether the main loop's defrag_step(limit) calls would still move
    // something (a pass is under way, or smaller steps of the last one left a block the limit's
    // budget moves). Once they would not, waiting for them is waiting forever.
    bool steps_pending() const noexcept {
        return !compact_ || (step_skipped_ != 0 && size_type(step_skipped_) * granule <= limit_bytes());
    }
    // Why a request the free bytes hold finds no room under a compaction limit, when what is
    // missing is compaction beyond what steps do.
    error limited_reason() const noexcept {
        return steps_pending() ? error::compaction_deferred : error::compaction_limited;
    }
    error failure_reason(offset_type need) const noexcept {
        if (free_granules_ < need) return error::out_of_memory;
        if (limited()) {
            if (steps_pending()) return error::compaction_deferred;
            // Steps are done, but left blocks larger than the limit with holes before them.
            if (step_skipped_ != 0) return error::compaction_limited;
        }
        return error::fragmented_by_pins;
    }
    // Why the table may not grow under a compaction limit, when the block after it must move
    // (one free granule is all a compaction without a limit needs: shift_front_run()). A block
    // larger than the limit is never moved by a step: compaction_limited whatever steps do.
    error table_deferred(bool larger_than_limit) const noexcept {
        if (free_granules_ == 0) return error::out_of_memory;
        return larger_than_limit ? error::compaction_limited : limited_reason();
    }
    // The free granules the table's growth uses up, as grow_table() does it without a limit when
    // nothing is pinned or over-aligned (stats() is exact then): the granule it takes (or all of
    // the free block it takes from, when the rest would be too small to be free), and the sliver
    // that the first block, moved away, keeps from the hole it moves into (place()'s rule).
    // `free` is the free granules. Requires: the heap is not empty, its first block not pinned.
    offset_type table_growth_cost(offset_type free) const noexcept {
        auto take = [](offset_type f) { return offset_type((f == 1 || f - 1 >= min_free) ? 1 : f); };
        TINYMEM_ASSERT(heap_begin_ != heap_end_);
        const word_type h = header_load(heap_begin_);
        const offset_type size = header_size(h);
        TINYMEM_ASSERT(header_hole(h) || entry_pins(table_load(header_slot(h))) == 0);
        if (header_free(h)) return take(size);
        const auto next = offset_type(heap_begin_ + size);
        const word_type nh = header_load(next); // the end sentinel is a used header
        const offset_type after = next != heap_end_ && header_free(nh) ? header_size(nh) : 0;
        // A cached block is settled, merging with a free block after it.
        if (header_quick(h)) return take(offset_type(size + after));
        // A movable block moves into the hole place() chooses; its old place merges with a free
        // block after it, unless it moved into that very one.
        if (const offset_type chosen = find_low(size)) {
            const offset_type hole = header_size(header_load(chosen));
            const offset_type sliver = hole - size < min_free ? offset_type(hole - size) : offset_type(0);
            return offset_type(sliver + take(chosen == next ? size : offset_type(size + after)));
        }
        // Else the table compacts first: the one hole left is after the block, which moves there.
        if (free >= size) return offset_type((free - size < min_free ? free - size : 0) + take(size));
        // No hole holds it even then: the blocks before the hole shift up (shift_front_run()).
        return take(free);
    }

    // What a call that finds no room runs before it looks again: one bounded step under a
    // compaction limit, else a full compaction.
    TINYMEM_SIZE_NOINLINE void compact_once() noexcept {
        if (limited())
            defrag_step(limit_bytes());
        else
            defrag();
    }
    TINYMEM_SIZE_NOINLINE void note_moved(size_type bytes) noexcept { bytes_moved_ += bytes; }

    // ---- state (the control block; everything else lives in the buffer) ----------------------
    std::byte* base_ = nullptr;
    offset_type heap_begin_ = 0;     // data granule of the first block
    offset_type heap_end_ = 0;       // data granule of the end sentinel
    offset_type fixed_floor_ = 0;    // lowest allocate_pinned block (heap_end_ when none); when
                                     // floor_stale_, only a bound below every one of them
    offset_type cursor_ = 0;         // compaction resumes here: holes before it sit before pinned
                                     // blocks or blocks too large for the last defrag_step
    // The counters that allocate and deallocate both change (free, cached and used granules,
    // live slots) are kept apart, each next to one that neither changes: adjacent, a compiler
    // may update two of them with one wide load and store (clang 19's SLP vectoriser did, in
    // allocate's quick path), whose load then waits for the two narrow stores deallocate had
    // just made, which cannot be forwarded to it (figures: docs/benchmarks.md, "roomy speed").
    offset_type free_granules_ = 0;   // free and cached blocks
    offset_type slots_ = 0;           // table size
    offset_type cached_granules_ = 0; // cached blocks (in quick lists)
    offset_type pinned_granules_ = 0;
    offset_type used_granules_ = 0;
    offset_type retired_ = 0;         // slots out of generations, never reused (set_slot_retirement)
    offset_type live_ = 0;            // used slots
    offset_type free_slot_head_ = 0; // FIFO of free slots, slot + 1 (0: empty); FIFO reuse keeps
    offset_type free_slot_tail_ = 0; // a stale handle's generation unmatched for longest
    offset_type bins_[bin_count] = {};
    offset_type quick_[quick_classes == 0 ? 1 : quick_classes] = {}; // cached blocks by exact size
    bin_mask_type bin_mask_ = 0;
    // The pool's tag shares its aligned 32-bit word with two flags that only the rare paths
    // write: handles are made from the tag just after succeed() stores last_error_, and clang
    // loads the tag as that whole word, so a byte stored there still in flight stalls the load
    // (no store-to-load forwarding from a narrower store; docs/benchmarks.md, "roomy speed").
    std::uint16_t tag_ = 0;
    // fixed_floor_ is a lower bound, maybe not a block start: freeing the lowest allocate_pinned
    // block does not walk to the next one (bounded deallocate). place_pinned() then takes a
    // bin's block instead of the top of the hole under the floor; an allocate_pinned block at or
    // below the bound, or defrag(), makes the floor exact again.
    bool floor_stale_ = false;
    bool retire_slots_ = false;      // set_slot_retirement()
    bool compact_ = true;            // nothing for defrag_step to do (with a budget below
    offset_type step_skipped_ = 0;   // the smallest block, in granules, a step pass left alone)
    error last_error_ = error::none;
    friend class detail::compaction_limit_api<basic_pool>;
    using detail::compaction_limit_api<basic_pool>::limited;
    using detail::compaction_limit_api<basic_pool>::limit_bytes;
    std::uint32_t compaction_limit_ = 0xFFFFFFFFu; // bytes; none (detail::compaction_limit_api)
    std::uint32_t compactions_ = 0;
    std::uint64_t bytes_moved_ = 0;
    // No initialiser: every constructor value-initialises the control block (zeroes it), which
    // a copy of the array's zeroing would only repeat.
    std::uint32_t failed_[error_count];
};

namespace detail {
// An engine (basic_pool or basic_bump_pool) with its storage inside: `Bytes` is the whole
// footprint (sizeof is Bytes rounded up to the pointer alignment), so a pool can sit in .bss or
// on a stack.
template <class Engine, std::size_t Bytes>
class pool_with_storage : public Engine {
    static_assert(Bytes > sizeof(Engine) + 8 * Engine::granule,
                  "tinymem: pool<Bytes> / bump_pool<Bytes>: Bytes must exceed the control block and a few granules");

public:
    // The engine's own constructor over the storage below, so both ways of making a pool share
    // one set-up (storage_ needs no initialisation before the engine writes its words there).
    pool_with_storage() noexcept : Engine(std::span<std::byte>(storage_, sizeof storage_)) {}

private:
    alignas(Engine::granule) std::byte storage_[Bytes - sizeof(Engine)];
};
} // namespace detail

namespace detail {
// The configuration pool<Bytes> (Engine = basic_pool) or bump_pool<Bytes> (basic_bump_pool)
// takes: config_for the bytes left to the heap once the control block is inside.
template <template <class> class Engine, std::size_t Bytes>
struct choose_pool_config {
    template <class Config>
    static constexpr std::uint64_t heap = Bytes > sizeof(Engine<Config>) ? Bytes - sizeof(Engine<Config>) : 0;
    using type = std::conditional_t<
        (Bytes < 2048), config16_small,
        std::conditional_t<(heap<config16> <= config_max_bytes<config16>), config16,
                           std::conditional_t<(heap<config16_g8> <= config_max_bytes<config16_g8>), config16_g8,
                                              typename largest_config<heap<config32>>::type>>>;
};
} // namespace detail

// A basic_pool with its storage inside: `Bytes` is the whole footprint, control block included.
// The configuration is the densest that addresses the heap (config_for, less the control block):
// config16_small under 2 KiB, config16 to 256 KiB, config16_g8 to 512 KiB, config32 above; a
// compile-time error above 32 GiB. Name a Config to choose yourself.
TINYMEM_EXPORT template <std::size_t Bytes, class Config = typename detail::choose_pool_config<basic_pool, Bytes>::type>
using pool = detail::pool_with_storage<basic_pool<Config>, Bytes>;

} // namespace tinymem

#include "pool_impl.hpp"

#endif
