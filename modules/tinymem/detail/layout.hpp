// SPDX-License-Identifier: MIT
// The word layouts both engines (basic_pool, basic_bump_pool) share: a block's header word, a
// handle-table word and a handle, with their masks, shifts, encoders and decoders. One
// definition, so that handles, pins and errors read the same in both engines. Each function is
// a few shifts and masks: O(1), no memory access. docs/design.md, "Word layouts", draws them.
// Included by pool.hpp; not part of the public API.
#ifndef TINYMEM_DETAIL_LAYOUT_HPP
#define TINYMEM_DETAIL_LAYOUT_HPP

#include "../config.hpp"
#include "../pool_tags.hpp"

#ifndef TINYMEM_MODULE
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#endif

namespace tinymem::detail {

template <class Config>
struct layout {
    using word_type = typename Config::word_type;
    using offset_type = typename Config::offset_type;
    using size_type = std::size_t;
    // A handle-table index: 14 bits in the 16-bit configurations, 13 in the 17-bit one, 30 in the
    // 32-bit ones.
    using slot_type = std::uint32_t;
    using handle = basic_handle<Config>;

    static constexpr unsigned word_bits = Config::word_bits;
    static constexpr unsigned offset_bits = Config::offset_bits;
    static constexpr size_type header_bytes = sizeof(word_type);
    static constexpr word_type one = 1;
    static constexpr word_type size_mask = (one << offset_bits) - 1;
    static constexpr word_type slot_mask = (one << Config::slot_bits) - 1;

    // ---- a block's header word: size | slot | free | prev_free -------------------------------
    // size in granules (offset_bits), the slot of the handle that owns the block (slot_bits),
    // then two flags: the block is free, the block before it is free (basic_pool only: the lean
    // engine never sets it).
    // The slot a free block's header and the end sentinel's name.
    static constexpr slot_type no_slot = slot_type(slot_mask);
    // The slot a cached (quick-listed) block's header names in basic_pool: a free block that
    // looks used to its neighbours, so they never merge with it.
    static constexpr slot_type quick_slot = slot_type(slot_mask - 1);
    static constexpr word_type free_bit = one << (word_bits - 2);
    static constexpr word_type prev_free_bit = one << (word_bits - 1);

    static constexpr offset_type header_size(word_type h) noexcept { return offset_type(h & size_mask); }
    static constexpr slot_type header_slot(word_type h) noexcept {
        return slot_type((h >> offset_bits) & slot_mask);
    }
    static constexpr bool header_free(word_type h) noexcept { return (h & free_bit) != 0; }
    static constexpr bool header_prev_free(word_type h) noexcept { return (h & prev_free_bit) != 0; }
    static constexpr bool header_quick(word_type h) noexcept {
        if constexpr (Config::quick_classes == 0) return false;
        return (h & free_bit) == 0 && header_slot(h) == quick_slot;
    }
    // Free or cached: the slot field of both is at least quick_slot (free: no_slot). Not for the
    // end sentinel, whose slot is no_slot too.
    static constexpr bool header_hole(word_type h) noexcept {
        if constexpr (Config::quick_classes == 0) return header_free(h);
        return header_slot(h) >= quick_slot;
    }
    static constexpr word_type used_header(offset_type size, slot_type slot, bool prev_free) noexcept {
        return word_type(size) | (word_type(slot) << offset_bits) | (prev_free ? prev_free_bit : 0);
    }
    static constexpr word_type free_header(offset_type size) noexcept {
        // A free block's predecessor is never free: free blocks do not touch.
        return word_type(size) | (word_type(no_slot) << offset_bits) | free_bit;
    }

    // ---- a table word: offset | pins | log2 alignment | generation ----------------------------
    // A live block's word holds its data granule (offset_bits), its pin count (pin_bits), log2
    // of its alignment in granules (align_bits) and its slot's generation (the rest). A free
    // slot's word has pins free_pin and, in its offset field, the next free slot + 1.
    static constexpr unsigned pin_shift = offset_bits;
    static constexpr unsigned align_shift = pin_shift + Config::pin_bits;
    static constexpr unsigned gen_shift = align_shift + Config::align_bits;
    static constexpr unsigned pin_mask = (1u << Config::pin_bits) - 1;
    static constexpr word_type gen_mask = (one << Config::generation_bits) - 1;
    static constexpr word_type pin_align_mask = ((one << (Config::pin_bits + Config::align_bits)) - 1) << pin_shift;
    // Nested pins a block can hold (pin()).
    static constexpr unsigned max_pins = 13;
    static constexpr unsigned fixed_pin = max_pins + 1; // basic_pool's allocate_pinned blocks
    static constexpr unsigned free_pin = 15;           // a free table slot
    static_assert(free_pin == pin_mask && fixed_pin < free_pin, "tinymem: the pin field's values");
    // The table word of a retired slot (set_slot_retirement()): free, with the last generation,
    // no link; no handle matches it and the free-slot list never holds it.
    static constexpr word_type retired_entry = (gen_mask << gen_shift) | (word_type(free_pin) << pin_shift);

    static constexpr offset_type entry_offset(word_type e) noexcept { return offset_type(e & size_mask); }
    static constexpr unsigned entry_pins(word_type e) noexcept { return unsigned(e >> pin_shift) & pin_mask; }
    static constexpr unsigned entry_align(word_type e) noexcept {
        return unsigned(e >> align_shift) & ((1u << Config::align_bits) - 1);
    }
    static constexpr word_type entry_gen(word_type e) noexcept { return e >> gen_shift; }
    static constexpr word_type with_pins(word_type e, unsigned pins) noexcept {
        return (e & ~(word_type(pin_mask) << pin_shift)) | (word_type(pins) << pin_shift);
    }
    static constexpr word_type with_offset(word_type e, offset_type pos) noexcept {
        return (e & ~size_mask) | word_type(pos);
    }
    // A free slot's word with generation `gen` and no link (offset 0: the end of the list).
    static constexpr word_type free_slot_entry(word_type gen) noexcept {
        return (gen << gen_shift) | (word_type(free_pin) << pin_shift);
    }
    // Sets the offset field of the table word at `word` (in the buffer), leaving the rest of it:
    // where the field is a whole offset_type of the word, a store of the field alone (no load).
    static void store_entry_offset(std::byte* word, offset_type pos) noexcept {
        if constexpr (offset_bits == 8 * sizeof(offset_type)) {
            static_assert(std::endian::native == std::endian::little || std::endian::native == std::endian::big);
            constexpr size_type field =
                std::endian::native == std::endian::little ? 0 : sizeof(word_type) - sizeof(offset_type);
            std::memcpy(word + field, &pos, sizeof pos);
        } else {
            word_type w;
            std::memcpy(&w, word, sizeof w);
            w = with_offset(w, pos);
            std::memcpy(word, &w, sizeof w);
        }
    }

    // ---- a handle: slot | generation | tag -----------------------------------------------------
    // The slot (slot_bits), the generation its table word had when the block was allocated
    // (generation_bits) and the pool's tag (tag_bits; never 0, so a null handle names no pool).
    static constexpr unsigned tag_shift = Config::slot_bits + Config::generation_bits;
    static constexpr word_type tag_mask = (one << Config::tag_bits) - 1;
    // The live tags of handles this wide (pool_tags.hpp); a pool holds one from init() on.
    using tags = pool_tag_set<Config::tag_bits>;

    static constexpr slot_type handle_slot(handle h) noexcept { return slot_type(h.value() & slot_mask); }
    static constexpr word_type handle_tag(handle h) noexcept { return word_type(h.value() >> tag_shift) & tag_mask; }
    static constexpr handle encode_handle(slot_type slot, word_type gen, std::uint16_t tag) noexcept {
        using V = typename handle::value_type;
        return handle(V(V(slot) | (V(gen) << Config::slot_bits) | (V(tag) << tag_shift)));
    }
    // Whether `entry`, the table word of h's slot, is the live block h names in the pool with
    // `tag`. The handle's generation and tag, side by side above its slot, meet the entry's
    // generation next to the pool's tag in one comparison; a free slot never matches.
    static constexpr bool names_entry(handle h, word_type entry, std::uint16_t tag) noexcept {
        const word_type key = entry_gen(entry) | (word_type(tag) << Config::generation_bits);
        return word_type(h.value() >> Config::slot_bits) == key && entry_pins(entry) != free_pin;
    }
};

} // namespace tinymem::detail

#endif
