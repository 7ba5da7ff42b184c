// SPDX-License-Identifier: MIT
// The out-of-line parts of basic_pool: set-up, allocation, the handle table's growth,
// resizing, compaction (slide) and the diagnostics (stats, check, map).
// Included by pool.hpp only.
#ifndef TINYMEM_POOL_IMPL_HPP
#define TINYMEM_POOL_IMPL_HPP

namespace tinymem {

template <class Config>
void basic_pool<Config>::init(std::byte* data, size_type bytes) noexcept {
    // The control block is as its initialisers leave it (base_ null, floor_stale_ false,
    // compact_ true): init() runs once, from a constructor.
    if (!this->claim_tag(data, bytes)) return;
    const auto addr = reinterpret_cast<std::uintptr_t>(data);
    const size_type skip = (granule - addr % granule) % granule;
    if (bytes < skip) return;
    const std::uint64_t granules = (bytes - skip) / granule;
    // The heap needs the first header granule and at least one listed free block.
    if (granules < std::uint64_t(1) + min_listed + 1 || granules > Config::max_granules) return;
    base_ = data + skip;
    heap_begin_ = 1;
    heap_end_ = offset_type(granules);
    fixed_floor_ = heap_end_;
    cursor_ = heap_begin_;
    // The end sentinel: a used block of size 0 that no slot owns.
    header_store(heap_end_, used_header(0, no_slot, false));
    insert_free(heap_begin_, offset_type(heap_end_ - heap_begin_));
    free_granules_ = offset_type(heap_end_ - heap_begin_);
}

template <class Config>
auto basic_pool<Config>::allocate_impl(size_type bytes, size_type align, bool pinned) noexcept -> handle {
    offset_type need;
    if (!granules_for(bytes, need, align)) return {};
    // A request the free bytes cannot hold fails before the table grows for it (with no free
    // slot, the table's growth takes a granule of them first): out_of_memory at once, under a
    // compaction limit as without one, rather than a growth that strands the granule or a
    // deferral that steps never end.
    if (size_type(free_granules_) < size_type(need) + (free_slot_head_ == 0 ? 1u : 0u) &&
        (free_slot_head_ != 0 || std::uint64_t(slots_) < Config::max_slots)) {
        fail(error::out_of_memory);
        return {};
    }
    if constexpr (stress_mode) stress_move_all();
    const auto align_granules = offset_type(align <= granule ? 1 : align / granule);
    slot_type slot;
    word_type entry; // the free slot's table word: its generation is the handle's
    if (!acquire_slot(slot, entry)) return {};

    offset_type n = need;
    offset_type at = 0;
    // A cached block of exactly this size first (looked up after acquire_slot: table growth may
    // have settled it).
    if (!pinned && align_granules == 1 && need < quick_classes) at = take_quick(need);
    if (at == 0) at = pinned ? place_pinned(n, align_granules) : place(n, align_granules, false, true);
    if (at == 0 && free_granules_ >= need) {
        n = need;
        if (limited()) {
            // One bounded step, then the same placement again.
            defrag_step(limit_bytes());
            at = pinned ? place_pinned(n, align_granules) : place(n, align_granules, false);
        } else if (pinned) {
            // Gather all free space in the top hole, then take its top.
            defrag();
            at = place_pinned(n, align_granules);
        } else {
            at = compact_and_place(n, align_granules);
        }
    }
    if (at == 0) {
        push_free_slot(slot, entry >> gen_shift);
        live_ = offset_type(live_ - 1);
        fail(failure_reason(need));
        return {};
    }
    TINYMEM_ASSERT(at >= heap_begin_ && n >= need && size_type(at) + n <= heap_end_);
    const word_type gen = entry >> gen_shift;
    header_store(at, used_header(n, slot, header_prev_free(header_load(at))));
    const unsigned pins = pinned ? fixed_pin : 0u;
    table_store(slot, word_type(at) | (word_type(pins) << pin_shift) |
                          (word_type(detail::count_trailing_zeros(align_granules)) << align_shift) | (gen << gen_shift));
    used_granules_ = offset_type(used_granules_ + n);
    if (pinned) {
        pinned_granules_ = offset_type(pinned_granules_ + n);
        // Below every other allocate_pinned block (a stale floor bounds them from below).
        if (at < fixed_floor_ || (floor_stale_ && at == fixed_floor_)) {
            fixed_floor_ = at;
            floor_stale_ = false;
        }
    }
    succeed();
    return make_handle(slot, gen);
}

// deallocate() past its checks, for a block the quick lists do not take: merge it with free
// neighbours, or refuse a pinned one.
template <class Config>
bool basic_pool<Config>::release_block(slot_type slot, word_type entry) noexcept {
    const unsigned pins = entry_pins(entry);
    if (pins != 0 && pins != fixed_pin) return fail(error::pinned);
    const offset_type pos = entry_offset(entry);
    const word_type hdr = header_load(pos);
    TINYMEM_ASSERT(!header_hole(hdr) && header_slot(hdr) == slot);
    const offset_type size = header_size(hdr);
    used_granules_ = offset_type(used_granules_ - size);
    free_granules_ = offset_type(free_granules_ + size);
    const offset_type merged = release_range(pos, size, header_prev_free(hdr));
    if (pins == fixed_pin) {
        pinned_granules_ = offset_type(pinned_granules_ - size);
        if (pos == fixed_floor_ && !floor_stale_) lower_bound_floor(merged);
    }
    release_slot(slot, entry);
    return succeed();
}

template <class Config>
bool basic_pool<Config>::add_pins(handle h, int delta) noexcept {
    const word_type entry = resolve(h);
    if (entry == 0) return false;
    const slot_type slot = slot_of(h);
    const unsigned pins = entry_pins(entry);
    if (pins == fixed_pin) return succeed(); // allocate_pinned blocks stay pinned
    if (delta > 0 ? pins == max_pins : pins == 0) return fail(delta > 0 ? error::pin_overflow : error::not_pinned);
    const unsigned now = unsigned(int(pins) + delta);
    // The block's bytes join the pinned ones with its first pin and leave them with its last.
    if (pins == 0 || now == 0) {
        const offset_type size = header_size(header_load(entry_offset(entry)));
        pinned_granules_ = offset_type(delta > 0 ? pinned_granules_ + size : pinned_granules_ - size);
    }
    table_store(slot, with_pins(entry, now));
    if (now == 0) {
        // Holes before it, behind the compaction cursor, can close now.
        compact_ = false;
        cursor_ = heap_begin_;
    }
    return succeed();
}

template <class Config>
auto basic_pool<Config>::place_pinned(offset_type& need, offset_type align) noexcept -> offset_type {
    TINYMEM_ASSERT(need >= min_free && detail::is_power_of_two(align));
    // First choice: a hole among the pinned blocks (at or above the lowest one, fixed_floor_),
    // where pinned blocks freed before left one. Without it every pinned request would take the
    // hole below the pinned blocks while those holes stayed empty, and the pinned blocks of a
    // pmr container with churn would march down until one sat right after the handle table,
    // which could then no longer grow: out_of_handles with most of the pool free. A few blocks
    // of each size class from the request's up, as place() looks (bounded: 8 per class).
    for (unsigned b = bin_of(need); b < bin_count; ++b) {
        if ((bin_mask_ & (bin_mask_type(1) << b)) == 0) continue;
        unsigned budget = 8;
        for (offset_type pos = bins_[b]; pos != 0 && budget-- != 0; pos = link_next(pos))
            if (pos > fixed_floor_)
                if (const offset_type at = carve_fit(pos, header_size(header_load(pos)), need, align, true)) return at;
    }
    // Then the top of the free block just under the lowest pinned block (or the end), so pinned
    // blocks stack from the top and leave one hole below for movable blocks.
    // A stale floor may not be a block start: the size-class bins choose instead.
    if (floor_stale_) return place(need, align, true);
    const word_type floor_hdr = header_load(fixed_floor_);
    if (header_prev_free(floor_hdr)) {
        const offset_type below = load_offset_at(size_type(fixed_floor_) * granule - header_bytes - sizeof(offset_type));
        if (const offset_type at = carve_fit(offset_type(fixed_floor_ - below), below, need, align, true)) return at;
    }
    return place(need, align, true);
}

template <class Config>
bool basic_pool<Config>::acquire_slot(slot_type& slot, word_type& entry) noexcept {
    if (free_slot_head_ == 0 && !grow_table()) return false;
    slot = pop_free_slot(entry);
    return true;
}

// The table grows one granule at a time into the first block: a free first block shrinks;
// a movable one is moved away first (compacting if there is no hole for it).
template <class Config>
bool basic_pool<Config>::grow_table() noexcept {
    if (std::uint64_t(slots_) >= Config::max_slots) return fail(error::out_of_handles);
    bool compacted = false;
    for (;;) {
        const offset_type pos = heap_begin_;
        if (pos == heap_end_) return fail(error::out_of_memory);
        const word_type hdr = header_load(pos);
        const offset_type size = header_size(hdr);
        if (header_quick(hdr)) {
            settle_quick(pos);
            continue;
        }
        if (header_free(hdr)) {
            remove_free(pos);
            // A remainder too small to be a free block goes to the table as well.
            const offset_type take = (size == 1 || size - 1 >= min_free) ? offset_type(1) : size;
            if (size != take)
                insert_free(offset_type(pos + take), offset_type(size - take));
            else
                set_prev_free(offset_type(pos + size), false);
            free_granules_ = offset_type(free_granules_ - take);
            add_table_granules(take);
            if (cursor_ < heap_begin_) cursor_ = heap_begin_;
            if (fixed_floor_ < heap_begin_) fixed_floor_ = heap_begin_;
            return true;
        }
        const slot_type slot = header_slot(hdr);
        const word_type entry = table_load(slot);
        if (entry_pins(entry) != 0) return fail(error::out_of_handles);
        // Under a compaction limit, only a block the limit's bytes could move (reserve_handles()
        // before setting a limit spares allocations this).
        if (limited() && size_type(size) * granule > limit_bytes()) return fail(table_deferred(true));
        offset_type n = size;
        const offset_type target = place(n, offset_type(offset_type(1) << entry_align(entry)), false);
        if (target != 0) {
            relocate_into(slot, pos, size, target, n);
            continue;
        }
        if (!compacted) {
            compact_once();
            compacted = true;
            continue;
        }
        if (limited()) return fail(table_deferred(false));
        // No hole takes the first block: shift the run of blocks before the first hole up.
        return shift_front_run();
    }
}

// The `count` granules at heap_begin_ join the table; their slots (none past max_slots: the last
// granules may hold slots that are never used) go to the free slot list.
template <class Config>
void basic_pool<Config>::add_table_granules(offset_type count) noexcept {
    TINYMEM_ASSERT(count != 0 && size_type(heap_begin_) + count <= heap_end_);
    // In size_type: both fit (a table of count granules lies in the buffer).
    const auto room = size_type(Config::max_slots - slots_);
    const size_type added = size_type(count) * slots_per_granule;
    const auto n = slot_type(added < room ? added : room);
    for (slot_type i = 0; i < n; ++i) push_free_slot(slots_ + i, 0);
    slots_ = offset_type(slots_ + n);
    heap_begin_ = offset_type(heap_begin_ + count);
}

// Makes room for the table by moving the blocks between it and the first hole up; the granules
// freed at the front join the table. Only needed when the block after the table is larger than
// any hole even after compaction.
template <class Config>
bool basic_pool<Config>::shift_front_run() noexcept {
    error why = error::none;
    const offset_type delta = shift_run_up(heap_begin_, 1, why);
    if (delta == 0) return fail(why == error::pinned ? error::out_of_handles : why);
    add_table_granules(delta);
    cursor_ = heap_begin_;
    if (fixed_floor_ < heap_begin_) fixed_floor_ = heap_begin_;
    return true;
}

// Moves every block from `from` up to the first hole after it up by at least `want` granules,
// in one memmove (O(bytes moved)), keeping every block's alignment and leaving no hole too small
// to be free. [from, from + shift) is then the caller's: neither free nor used.
// Result: the shift, or 0 with `why` set (pinned: a pinned block is in the way;
// out_of_memory: the first hole is too small).
template <class Config>
auto basic_pool<Config>::shift_run_up(offset_type from, offset_type want, error& why) noexcept -> offset_type {
    TINYMEM_ASSERT(want != 0 && from >= heap_begin_ && from <= heap_end_);
    offset_type run_end = from;
    size_type max_align = 1;
    for (;;) {
        if (run_end == heap_end_) {
            why = error::out_of_memory;
            return 0;
        }
        const word_type h = header_load(run_end);
        if (header_free(h)) break;
        if (header_quick(h)) {
            settle_quick(run_end); // its predecessor is in the run (or before `from`): not free
            break;
        }
        const word_type e = table_load(header_slot(h));
        if (entry_pins(e) != 0) {
            why = error::pinned;
            return 0;
        }
        const size_type a = size_type(1) << entry_align(e);
        if (a > max_align) max_align = a;
        run_end = offset_type(run_end + header_size(h));
    }
    const offset_type hole = header_size(header_load(run_end));
    // A multiple of every alignment in the run; a remainder too small to be free is taken too.
    size_type shift = (size_type(want) + max_align - 1) & ~(max_align - 1);
    if (shift < hole && hole - shift < min_free) shift = (hole & (max_align - 1)) == 0 ? hole : shift + max_align;
    if (shift > hole || (hole - shift != 0 && hole - shift < min_free)) {
        why = error::out_of_memory;
        return 0;
    }
    const auto delta = offset_type(shift);
    const auto hole_end = offset_type(run_end + hole);
    remove_free(run_end);
    const size_type run_bytes = size_type(run_end - from) * granule;
    std::memmove(base_ + size_type(from + delta) * granule - header_bytes,
                 base_ + size_type(from) * granule - header_bytes, run_bytes);
    for (offset_type p = offset_type(from + delta); p != run_end + delta;) {
        const word_type h = header_load(p);
        table_store(header_slot(h), with_offset(table_load(header_slot(h)), p));
        p = offset_type(p + header_size(h));
    }
    if (run_end != from) set_prev_free(offset_type(from + delta), false);
    if (hole != delta)
        insert_free(offset_type(run_end + delta), offset_type(hole - delta));
    else
        set_prev_free(hole_end, false);
    note_moved(run_bytes);
    free_granules_ = offset_type(free_granules_ - delta);
    if (cursor_ > from && cursor_ < hole_end) cursor_ = heap_begin_;
    return delta;
}

template <class Config>
void basic_pool<Config>::shrink(slot_type slot, offset_type pos, offset_type size, offset_type need) noexcept {
    TINYMEM_ASSERT(need != 0 && need <= size && header_size(header_load(pos)) == size);
    if (size - need < min_free) return; // the tail could not be a free block: keep it
    resize_block(slot, pos, size, need);
    release_range(offset_type(pos + need), offset_type(size - need), false);
}

template <class Config>
bool basic_pool<Config>::grow_in_place(slot_type slot, offset_type pos, offset_type size, offset_type need) noexcept {
    TINYMEM_ASSERT(need > size && header_size(header_load(pos)) == size && header_slot(header_load(pos)) == slot);
    const auto next = offset_type(pos + size);
    word_type next_hdr = header_load(next);
    // Cached blocks after this one are settled into one free block while it is too small.
    for (;;) {
        if (header_quick(next_hdr))
            settle_quick(next);
        else if (!header_free(next_hdr))
            break;
        next_hdr = header_load(next);
        const auto after = offset_type(next + header_size(next_hdr));
        if (size_type(size) + header_size(next_hdr) >= need || after == heap_end_ ||
            !header_quick(header_load(after)))
            break;
        settle_quick(after); // merges into the free block at next
        next_hdr = header_load(next);
    }
    if (!header_free(next_hdr)) return false;
    const offset_type next_size = header_size(next_hdr);
    if (size_type(size) + next_size < need) return false;
    remove_free(next);
    const auto total = offset_type(size + next_size);
    offset_type new_size = need;
    if (total - need < min_free) {
        new_size = total;
        set_prev_free(offset_type(pos + total), false);
    } else {
        insert_free(offset_type(pos + need), offset_type(total - need));
    }
    resize_block(slot, pos, size, new_size);
    if (cursor_ > pos && cursor_ < pos + new_size) cursor_ = pos;
    return true;
}

// Moves a used block into the freshly carved block at `to` (from place()) and frees `from`.
template <class Config>
void basic_pool<Config>::relocate_into(slot_type slot, offset_type from, offset_type size, offset_type to,
                                       offset_type to_size) noexcept {
    TINYMEM_ASSERT(to != from && entry_offset(table_load(slot)) == from && header_size(header_load(from)) == size);
    TINYMEM_ASSERT(header_slot(header_load(to)) == no_slot && header_size(header_load(to)) == to_size); // carved
    const size_type payload = size_type(size < to_size ? size : to_size) * granule - header_bytes;
    std::memcpy(base_ + size_type(to) * granule, base_ + size_type(from) * granule, payload);
    const word_type old_hdr = header_load(from);
    header_store(to, used_header(to_size, slot, header_prev_free(header_load(to))));
    table_store(slot, with_offset(table_load(slot), to));
    used_granules_ = offset_type(used_granules_ + to_size - size);
    // place() counted the new block as taken; the old one now returns.
    free_granules_ = offset_type(free_granules_ + size);
    release_range(from, size, header_prev_free(old_hdr));
    note_moved(payload);
}

// Stress mode: walks the table (not the heap, which changes under the walk) and copies each
// unpinned block into a hole that is free at that moment, so it lands on bytes it did not
// occupy; nothing moves it again in this call. The old place is freed (and poisoned).
template <class Config>
void basic_pool<Config>::stress_move_all() noexcept {
    for (slot_type slot = 0; slot < slots_; ++slot) {
        const word_type entry = table_load(slot);
        if (entry_pins(entry) != 0) continue; // pinned, allocate_pinned, or a free slot
        const offset_type from = entry_offset(entry);
        const offset_type size = header_size(header_load(from));
        offset_type n = size;
        const offset_type to = place(n, offset_type(offset_type(1) << entry_align(entry)), false);
        if (to == 0) continue;
        relocate_into(slot, from, size, to, n);
    }
}

// slide() for a whole pass without a budget (defrag(), and allocations of default alignment):
// the same walk without the step accounting and the over-aligned moves, so that a full
// compaction spends few instructions per block. Locals stand in for base_ and heap_end_: the
// words are stored through std::byte pointers, which may alias the pool object, so members
// would be reloaded after every store. An over-aligned block is left to slide(): at once when
// the lists are intact, after the pass when this pass relists.
template <class Config>
bool basic_pool<Config>::sweep(offset_type need) noexcept {
    TINYMEM_ASSERT(cursor_ >= heap_begin_ && cursor_ <= heap_end_);
    std::byte* const base = base_;
    const offset_type end = heap_end_;
    auto hdr = [base](offset_type pos) { return sweep_header(base, pos); };
    auto ahead = [base](offset_type pos) { sweep_ahead(base, pos); };
    const bool relist = need == 0 && cursor_ == heap_begin_;
    if (relist) empty_lists();
    bool deferred = false; // an over-aligned block stayed, for slide()
    size_type moved = 0;
    offset_type c = cursor_;
    offset_type hole = 0; // when non-zero, [c, c + hole) is free and in no list, its header unwritten
    for (;;) {
        if (hole == 0) {
            word_type h = 0;
            while (c != end && !header_hole(h = hdr(c))) {
                ahead(c);
                c = offset_type(c + header_size(h));
            }
            if (c == end) break;
            hole = open_hole(c, h, relist);
        }
        offset_type next = offset_type(c + hole);
        word_type next_hdr = hdr(next);
        while (next != end && header_hole(next_hdr)) {
            ahead(next);
            hole = offset_type(hole + take_hole(next, next_hdr, relist));
            next = offset_type(c + hole);
            next_hdr = hdr(next);
        }
        if (need != 0 && hole >= need) {
            insert_free(c, hole); // compact_and_place() carves it
            cursor_ = c;
            note_moved(moved);
            return true;
        }
        const offset_type run_end = sweep_run(base, end, hole, next, next_hdr);
        if (run_end == next) {
            // The end, a pinned block or an over-aligned one: the hole stays before it.
            insert_free(c, hole);
            hole = 0;
            if (next == end) break;
            if (entry_pins(table_load(header_slot(next_hdr))) == 0) {
                if (!relist) {
                    cursor_ = c;
                    note_moved(moved);
                    return slide(~size_type{0}, need, 1);
                }
                deferred = true;
            }
            c = offset_type(next + header_size(next_hdr));
            continue;
        }
        const size_type run_bytes = size_type(run_end - next) * granule;
        std::memmove(base + size_type(c) * granule - header_bytes, base + size_type(next) * granule - header_bytes,
                     run_bytes);
        // Its first block now follows a used block.
        const word_type first = next_hdr & ~prev_free_bit;
        std::memcpy(base + size_type(c) * granule - header_bytes, &first, sizeof first);
        moved += run_bytes;
        c = offset_type(c + (run_end - next));
    }
    note_moved(moved);
    cursor_ = heap_begin_;
    if (deferred) return slide(~size_type{0}, need, 1);
    if (need != 0) return false;
    compact_ = true;
    step_skipped_ = 0;
    return true;
}

// sweep()'s run: the blocks from `next` (header next_hdr) that may move down by `hole` granules,
// not pinned and aligned there, with their table words pointed at their new places (the table
// lives apart from the heap). `base` and `end` are base_ and heap_end_ in sweep()'s locals.
// Result: the run's end (`next` when not even the first block may move).
template <class Config>
auto basic_pool<Config>::sweep_run(std::byte* base, offset_type end, offset_type hole, offset_type next,
                                   word_type next_hdr) noexcept -> offset_type {
    TINYMEM_ASSERT(hole != 0 && next <= end);
    offset_type run_end = next;
    word_type h = next_hdr;
    while (run_end != end && !header_hole(h)) {
        sweep_ahead(base, run_end);
        const slot_type slot = header_slot(h);
        word_type e;
        std::memcpy(&e, base + size_type(slot) * sizeof e, sizeof e);
        if ((e & pin_align_mask) != 0 && (entry_pins(e) != 0 || (hole & ((offset_type(1) << entry_align(e)) - 1)) != 0))
            break;
        e = with_offset(e, offset_type(run_end - hole));
        std::memcpy(base + size_type(slot) * sizeof e, &e, sizeof e);
        run_end = offset_type(run_end + header_size(h));
        h = sweep_header(base, run_end);
    }
    return run_end;
}

// The compaction engine. Walks blocks from cursor_; at each hole, shifts the run of movable
// blocks after it down by the hole's size in one memmove (headers included), so holes bubble up
// and merge. While it slides, the hole is held in locals (c, hole) rather than written back and
// re-listed after every run: it is settled into the heap only where sliding stops (a pinned
// block, an over-aligned block, the end, the budget). Over-aligned blocks move alone to their
// nearest aligned place; pinned blocks stay, and the hole before them stays too.
// (docs/design.md, "Compaction loops", "### slide".)
template <class Config>
bool basic_pool<Config>::slide(size_type budget, offset_type need, offset_type align) noexcept {
    TINYMEM_ASSERT(cursor_ >= heap_begin_ && cursor_ <= heap_end_ && detail::is_power_of_two(align));
    const bool bounded = budget != ~size_type{0};
    slide_walk w{cursor_, 0, budget, bounded, !bounded && need == 0 && cursor_ == heap_begin_};
    if (w.relist) empty_lists();
    for (;;) {
        if (w.hole == 0) {
            if (w.c >= heap_end_) {
                cursor_ = heap_begin_;
                if (need != 0) return false;
                compact_ = true;
                if (!bounded) step_skipped_ = 0;
                return true;
            }
            if (bounded && budget == 0) {
                cursor_ = w.c;
                return false;
            }
            const word_type hdr = header_load(w.c);
            if (!header_hole(hdr)) {
                w.c = offset_type(w.c + header_size(hdr));
                spend(budget, w.bounded, visit_cost);
                continue;
            }
            w.hole = open_hole(w.c, hdr, w.relist);
        }
        offset_type next;
        word_type next_hdr;
        if (!slide_gather(w, budget, next, next_hdr)) return false;
        if (need != 0) {
            offset_type n = need;
            if (fit(w.c, w.hole, n, align, false) != 0) {
                insert_free(w.c, w.hole); // compact_and_place() carves it
                cursor_ = w.c;
                return true;
            }
        }
        const word_type next_entry = next == heap_end_ ? 0 : table_load(header_slot(next_hdr));
        const offset_type next_size = header_size(next_hdr); // 0 for the end sentinel
        if (next != heap_end_ && entry_pins(next_entry) == 0) {
            const slide_turn turn = slide_budget(w, budget, next_size);
            if (turn == slide_turn::stop) return false;
            if (turn == slide_turn::move &&
                (slide_run(w, budget, next) || slide_over_aligned(w, budget, next, next_hdr, next_entry)))
                continue;
        }
        // The end, a pinned block, a block too large for a step or an over-aligned one with no
        // aligned place lower: sliding stops here, the hole goes back into the heap, and the walk
        // goes on past the block.
        insert_free(w.c, w.hole);
        w.hole = 0;
        spend(budget, w.bounded, visit_cost);
        w.c = offset_type(next + next_size);
    }
}

// slide()'s first step at a hole: free or cached blocks after it (cached ones neighbour
// anything) join it. A free block must (free blocks never touch); a cached one costs a visit
// from a step's budget. Result: false when the budget ran out first (the hole is settled and
// cursor_ resumes there); else `next` and `next_hdr` are the block after the hole.
template <class Config>
bool basic_pool<Config>::slide_gather(slide_walk& w, size_type& budget, offset_type& next, word_type& next_hdr) noexcept {
    TINYMEM_ASSERT(w.hole != 0 && w.c >= heap_begin_ && size_type(w.c) + w.hole <= heap_end_);
    next = offset_type(w.c + w.hole);
    next_hdr = header_load(next);
    while (next != heap_end_ && header_hole(next_hdr)) {
        if (w.bounded && header_quick(next_hdr)) {
            if (budget == 0) {
                insert_free(w.c, w.hole);
                cursor_ = w.c;
                return false;
            }
            spend(budget, w.bounded, visit_cost);
        }
        w.hole = offset_type(w.hole + take_hole(next, next_hdr, w.relist));
        next = offset_type(w.c + w.hole);
        next_hdr = header_load(next);
    }
    return true;
}

// slide()'s budget for the movable block of `next_size` granules after the hole: a visit, and
// whether a step moves it now (move), never (leave: larger than a whole step, recorded in
// step_skipped_), or in the next step (stop: the hole is settled, cursor_ resumes there).
template <class Config>
auto basic_pool<Config>::slide_budget(slide_walk& w, size_type& budget, offset_type next_size) noexcept -> slide_turn {
    if (!w.bounded) return slide_turn::move;
    if (budget == 0) {
        insert_free(w.c, w.hole);
        cursor_ = w.c;
        return slide_turn::stop;
    }
    spend(budget, w.bounded, visit_cost);
    const size_type bytes = size_type(next_size) * granule;
    if (bytes <= budget) return slide_turn::move;
    if (bytes > w.step_budget) {
        // Larger than a whole step may move: steps leave it (and the hole before it) to defrag()
        // and to allocations, as they leave a pinned block. The smallest such block is kept:
        // the budget that moves it is the one that makes steps move something again.
        if (step_skipped_ == 0 || next_size < step_skipped_) step_skipped_ = next_size;
        return slide_turn::leave;
    }
    if (budget + visit_cost < w.step_budget) {
        insert_free(w.c, w.hole);
        cursor_ = w.c; // the next step starts with it
        return slide_turn::stop;
    }
    budget = bytes; // a fresh step spends it all on this block
    return slide_turn::move;
}

// slide()'s move: the run of movable blocks from `next` that stay aligned when shifted down by
// the hole, in one memmove; the hole then ends where the run did, and free blocks there join it
// at the top. Result: false when not even the first block may move (an over-aligned one).
template <class Config>
bool basic_pool<Config>::slide_run(slide_walk& w, size_type& budget, offset_type next) noexcept {
    TINYMEM_ASSERT(next == w.c + w.hole);
    offset_type run_end = next;
    size_type run_bytes = 0, run_cost = 0;
    while (run_end != heap_end_) {
        const word_type h = header_load(run_end);
        if (header_hole(h)) break;
        const slot_type slot = header_slot(h);
        const word_type e = table_load(slot);
        if (entry_pins(e) != 0 || (w.hole & ((offset_type(1) << entry_align(e)) - 1)) != 0) break;
        const size_type bytes = size_type(header_size(h)) * granule;
        // A step pays for each block it moves, not only for its bytes: every block is a table
        // update, so a run of tiny blocks costs what its count says.
        if (w.bounded) {
            if (run_end != next && run_cost + bytes + visit_cost > budget) break;
            run_cost += bytes + visit_cost;
        }
        // The table lives apart from the heap: point it at the block's new place now.
        table_store(slot, with_offset(e, offset_type(run_end - w.hole)));
        run_bytes += bytes;
        run_end = offset_type(run_end + header_size(h));
    }
    if (run_end == next) return false;
    std::memmove(base_ + size_type(w.c) * granule - header_bytes, base_ + size_type(next) * granule - header_bytes,
                 size_type(run_bytes));
    const auto moved_end = offset_type(w.c + (run_end - next));
    set_prev_free(w.c, false);
    note_moved(size_type(run_bytes));
    spend(budget, w.bounded, run_cost);
    w.c = moved_end;
    return true;
}

// slide()'s move of an over-aligned block (header next_hdr, table word next_entry) alone, to the
// lowest aligned place in the hole and the block; the lead stays free, and what the block left
// behind is the new hole. Result: false when there is no aligned place lower.
template <class Config>
bool basic_pool<Config>::slide_over_aligned(slide_walk& w, size_type& budget, offset_type next, word_type next_hdr,
                                            word_type next_entry) noexcept {
    const offset_type next_size = header_size(next_hdr);
    offset_type n = next_size;
    const offset_type at =
        fit(w.c, offset_type(w.hole + next_size), n, offset_type(offset_type(1) << entry_align(next_entry)), false);
    if (at == 0 || at >= next) return false;
    const slot_type slot = header_slot(next_hdr);
    const auto end = offset_type(next + next_size);
    TINYMEM_UNPOISON(base_ + size_type(at) * granule - header_bytes, size_type(next_size) * granule);
    std::memmove(base_ + size_type(at) * granule - header_bytes, base_ + size_type(next) * granule - header_bytes,
                 size_type(next_size) * granule);
    header_store(at, used_header(n, slot, at != w.c));
    if (at != w.c) insert_free(w.c, offset_type(at - w.c));
    table_store(slot, with_offset(next_entry, at));
    used_granules_ = offset_type(used_granules_ + (n - next_size));
    free_granules_ = offset_type(free_granules_ - (n - next_size));
    note_moved(size_type(next_size) * granule);
    spend(budget, w.bounded, size_type(next_size) * granule);
    // Free blocks after the new hole join it at the top.
    w.c = offset_type(at + n);
    w.hole = offset_type(end - w.c);
    if (w.hole == 0) set_prev_free(end, false);
    return true;
}

// ---- diagnostics ------------------------------------------------------------------------------

template <class Config>
pool_stats basic_pool<Config>::stats() const noexcept {
    pool_stats s;
    this->stats_counters(s);
    if (!usable()) return s;
    s.capacity_bytes = size_type(heap_end_) * granule;
    s.used_bytes = size_type(used_granules_) * granule;
    s.free_bytes = size_type(free_granules_) * granule;
    s.cached_bytes = size_type(cached_granules_) * granule;
    s.table_bytes = size_type(slots_) * sizeof(word_type);
    s.live_blocks = live_;
    s.free_handles = size_type(slots_ - live_ - retired_);
    s.retired_handles = retired_;
    s.pinned_bytes = size_type(pinned_granules_) * granule;
    // One walk: the largest hole, the sum of squares for the fragmentation figure, and the
    // free granules of each stretch between pinned blocks (what compaction can gather).
    // A hole is a run of free and cached blocks (cached ones are merged lazily).
    std::uint64_t largest = 0, squares = 0, stretch = 0, best_stretch = 0, hole = 0;
    // The first stretch (from the heap start to the first pinned block) apart: the table grows
    // into it. Whether a pinned block starts the heap.
    std::uint64_t first_stretch = 0, other_best = 0;
    bool in_first = true, pinned_front = false;
    auto end_hole = [&] {
        if (hole > largest) largest = hole;
        squares += hole * hole; // granules: below 2^64, as is free_granules_ squared
        hole = 0;
    };
    for (offset_type pos = heap_begin_; pos != heap_end_;) {
        const word_type h = header_load(pos);
        const offset_type size = header_size(h);
        if (header_free(h) || header_quick(h)) {
            hole += size;
            stretch += size;
        } else {
            end_hole();
            if (entry_pins(table_load(header_slot(h))) != 0) {
                if (pos == heap_begin_) pinned_front = true;
                if (in_first) first_stretch = stretch;
                else if (stretch > other_best) other_best = stretch;
                in_first = false;
                stretch = 0;
            }
        }
        if (stretch > best_stretch) best_stretch = stretch;
        pos = offset_type(pos + size);
    }
    end_hole();
    if (in_first) first_stretch = stretch;
    else if (stretch > other_best) other_best = stretch;
    s.largest_free_bytes = size_type(largest) * granule;
    // A new block also needs a slot. Without a free one the table grows first, into the first
    // stretch, by what grow_table() takes there (exact when nothing is pinned or over-aligned).
    // It cannot grow past max_slots, nor past a pinned block at the heap start.
    if (free_slot_head_ == 0) {
        if (std::uint64_t(slots_) >= Config::max_slots || pinned_front || heap_begin_ == heap_end_) {
            best_stretch = 0;
        } else {
            const offset_type cost = table_growth_cost(offset_type(first_stretch));
            first_stretch = first_stretch > cost ? first_stretch - cost : 0;
            best_stretch = first_stretch > other_best ? first_stretch : other_best;
        }
    }
    s.largest_allocatable = best_stretch * granule > header_bytes ? size_type(best_stretch) * granule - header_bytes : 0;
    if (free_granules_ != 0) s.fragmentation_percent = detail::fragmentation_percent(squares, free_granules_);
    return s;
}

// check() in three walks: the blocks (chain, headers, footers, counters), the free and quick
// lists, and the handle table's free-slot list and live slots.
template <class Config>
check_result basic_pool<Config>::check() const noexcept {
    if (!usable()) return check_bad("pool is not usable (bad buffer)", 0);
    const std::uint64_t table_slots = std::uint64_t(heap_begin_ - 1) * slots_per_granule;
    if (slots_ != (table_slots < Config::max_slots ? table_slots : Config::max_slots))
        return at_header(check_bad("handle table size does not match the heap start", heap_begin_));
    check_counts counts;
    check_result r = check_blocks(counts);
    if (r) r = check_lists(counts);
    if (!r) return at_header(r);
    return check_slots();
}

// The walk over every block: the chain, each header (and a free block's footer, a used block's
// table word), where the cursor and the pinned floor point, and the counters. Counts the listed
// free blocks and the cached ones for check_lists(). Reports a block by its data granule.
template <class Config>
check_result basic_pool<Config>::check_blocks(check_counts& counts) const noexcept {
    bool prev_free = false, cursor_seen = false, floor_seen = fixed_floor_ == heap_end_ || floor_stale_;
    std::uint64_t free_sum = 0, used_sum = 0, pinned_sum = 0, live = 0, cached_sum = 0;
    offset_type pos = heap_begin_;
    while (pos != heap_end_) {
        if (pos > heap_end_) return check_bad("block chain overruns the heap", pos);
        if (pos == cursor_) cursor_seen = true;
        if (pos == fixed_floor_) floor_seen = true;
        const word_type h = header_load(pos);
        const offset_type size = header_size(h);
        if (size == 0) return check_bad("block of size 0", pos);
        if (std::uint64_t(pos) + size > heap_end_) return check_bad("block runs past the heap end", pos);
        if (header_prev_free(h) != prev_free) return check_bad("prev_free flag disagrees with the previous block", pos);
        if (header_free(h)) {
            if (prev_free) return check_bad("two adjacent free blocks", pos);
            if (size < min_free) return check_bad("free block smaller than a header and footer", pos);
            if (load_offset_at(footer_byte(pos, size)) != size)
                return check_bad("free block footer disagrees with its header", pos);
            if (size >= min_listed) ++counts.listed;
            free_sum += size;
        } else if (header_quick(h)) {
            if (size >= quick_classes || size < min_free) return check_bad("cached block of a size no quick list takes", pos);
            ++counts.cached;
            cached_sum += size;
            free_sum += size;
        } else {
            const slot_type slot = header_slot(h);
            if (slot >= slots_) return check_bad("used block names a slot outside the table", pos);
            const word_type e = table_load(slot);
            const unsigned pins = entry_pins(e);
            if (pins == free_pin) return check_bad("used block names a free slot", pos);
            if (pins > fixed_pin) return check_bad("pin count out of range", pos);
            if (entry_offset(e) != pos) return check_bad("handle table does not point back at its block", pos);
            const std::uint64_t align = std::uint64_t(1) << entry_align(e);
            if ((reinterpret_cast<std::uintptr_t>(base_) / granule + pos) % align != 0)
                return check_bad("block is not aligned as requested", pos);
            if (pins == fixed_pin && pos < fixed_floor_) return check_bad("pinned allocation below the pinned floor", pos);
            ++live;
            used_sum += size;
            if (pins != 0) pinned_sum += size;
        }
        prev_free = header_free(h);
        pos = offset_type(pos + size);
    }
    const word_type end = header_load(heap_end_);
    if (header_size(end) != 0 || header_free(end) || header_slot(end) != no_slot)
        return check_bad("end sentinel overwritten", heap_end_);
    if (header_prev_free(end) != prev_free) return check_bad("end sentinel's prev_free flag is wrong", heap_end_);
    if (!cursor_seen && cursor_ != heap_end_) return check_bad("compaction cursor is not at a block start", cursor_);
    if (!floor_seen) return check_bad("pinned floor is not at a block start", fixed_floor_);
    if (fixed_floor_ != heap_end_ && !floor_stale_) {
        const word_type fh = header_load(fixed_floor_);
        if (header_free(fh) || entry_pins(table_load(header_slot(fh))) != fixed_pin)
            return check_bad("pinned floor is not a pinned allocation", fixed_floor_);
    }
    if (free_sum != free_granules_) return check_bad("free byte count disagrees with the blocks", 0);
    if (used_sum != used_granules_) return check_bad("used byte count disagrees with the blocks", 0);
    if (pinned_sum != pinned_granules_) return check_bad("pinned byte count disagrees with the blocks", 0);
    if (live != live_) return check_bad("live block count disagrees with the blocks", 0);
    if (cached_sum != cached_granules_) return check_bad("cached byte count disagrees with the blocks", 0);
    return {};
}

// The bins hold every listed free block once, in its size class, linked both ways; the quick
// lists every cached block once, under its exact size. `counts` is what check_blocks() found.
// Reports a block by its data granule.
template <class Config>
check_result basic_pool<Config>::check_lists(const check_counts& counts) const noexcept {
    std::uint64_t in_bins = 0;
    for (unsigned b = 0; b < bin_count; ++b) {
        const bool marked = (bin_mask_ & (bin_mask_type(1) << b)) != 0;
        if (marked != (bins_[b] != 0)) return check_bad("bin mask disagrees with the bin", 0);
        offset_type prev = 0;
        for (offset_type p = bins_[b]; p != 0; p = link_next(p)) {
            if (p < heap_begin_ || p >= heap_end_) return check_bad("free list link outside the heap", p);
            const word_type h = header_load(p);
            if (!header_free(h)) return check_bad("free list holds a used block", p);
            if (header_size(h) < min_listed || bin_of(header_size(h)) != b) return check_bad("free block in the wrong bin", p);
            if (link_prev(p) != prev) return check_bad("free list back link is wrong", p);
            prev = p;
            if (++in_bins > counts.listed) return check_bad("free lists hold more blocks than the heap (a cycle?)", p);
        }
    }
    if (in_bins != counts.listed) return check_bad("a free block is missing from the free lists", 0);
    std::uint64_t in_quick = 0;
    for (size_type q = 0; q < quick_classes; ++q) {
        offset_type prev = 0;
        for (offset_type p = quick_[q]; p != 0; p = link_next(p)) {
            if (p < heap_begin_ || p >= heap_end_) return check_bad("quick list link outside the heap", p);
            const word_type h = header_load(p);
            if (!header_quick(h)) return check_bad("quick list holds a block that is not cached", p);
            if (header_size(h) != q) return check_bad("cached block in the wrong quick list", p);
            if (link_prev(p) != prev) return check_bad("quick list back link is wrong", p);
            prev = p;
            if (++in_quick > counts.cached) return check_bad("quick lists hold more blocks than the heap (a cycle?)", p);
        }
    }
    if (in_quick != counts.cached) return check_bad("a cached block is missing from the quick lists", 0);
    return {};
}

// The handle table: the free slots form one FIFO ending at free_slot_tail_, free, live and
// retired slots add up to the table, and every live slot points at its own block. Reports a
// slot by its table word's byte (check_result.offset's meaning already).
template <class Config>
check_result basic_pool<Config>::check_slots() const noexcept {
    auto bad_slot = [](const char* what, std::uint64_t slot) {
        return check_result{what, size_type(slot) * sizeof(word_type)}; // the slot's table word
    };
    std::uint64_t free_slots = 0, last = 0;
    for (offset_type s = free_slot_head_; s != 0; s = entry_offset(table_load(s - 1u))) {
        if (s > slots_) return check_bad("free slot list leaves the table", 0);
        if (entry_pins(table_load(s - 1u)) != free_pin) return bad_slot("free slot list holds a live slot", s - 1u);
        last = s;
        if (++free_slots > slots_) return check_bad("free slot list has a cycle", 0);
    }
    if (last != free_slot_tail_) return check_bad("free slot list tail is wrong", 0);
    if (free_slots + live_ + retired_ != slots_)
        return check_bad("free, live and retired slots do not add up to the table", 0);
    std::uint64_t retired = 0;
    for (slot_type s = 0; s < slots_; ++s) {
        const word_type e = table_load(s);
        if (entry_pins(e) == free_pin) {
            // A retired slot is a free slot that keeps the last generation and no link.
            if (e == retired_entry) ++retired;
            continue;
        }
        const offset_type p = entry_offset(e);
        if (p < heap_begin_ || p >= heap_end_) return bad_slot("live slot points outside the heap", s);
        const word_type h = header_load(p);
        if (header_free(h) || header_slot(h) != s) return bad_slot("live slot points at a block that is not its own", s);
    }
    // Free slots with the last generation and no link may be retired ones or the list's last;
    // at least every retired slot must look so.
    if (retired < retired_) return check_bad("a retired slot has been reused", 0);
    return {};
}

template <class Config>
auto basic_pool<Config>::map(char* out, size_type out_size, size_type cell_bytes) const noexcept -> size_type {
    size_type length = 0;
    auto put = [&](char ch) {
        if (length + 1 < out_size) out[length] = ch;
        ++length;
    };
    if (cell_bytes == 0) cell_bytes = granule;
    if (usable()) {
        for (offset_type pos = heap_begin_; pos != heap_end_;) {
            const word_type h = header_load(pos);
            offset_type size = header_size(h);
            char symbol = '-';
            if (!header_free(h) && !header_quick(h)) {
                const slot_type slot = header_slot(h);
                symbol = entry_pins(table_load(slot)) != 0 ? '#' : symbol_of_slot(slot);
            } else {
                // One hole: free and cached blocks in a row.
                for (word_type n = header_load(offset_type(pos + size));
                     pos + size != heap_end_ && (header_free(n) || header_quick(n));
                     n = header_load(offset_type(pos + size)))
                    size = offset_type(size + header_size(n));
            }
            size_type cells = (size_type(size) * granule + cell_bytes / 2) / cell_bytes;
            if (cells == 0) cells = 1;
            put('|');
            for (size_type i = 0; i < cells; ++i) {
                if (i != 0) put(' ');
                put(symbol);
            }
            pos = offset_type(pos + size);
        }
    }
    put('|');
    if (out_size != 0) out[length < out_size ? length : out_size - 1] = '\0';
    return length;
}

} // namespace tinymem

#endif
