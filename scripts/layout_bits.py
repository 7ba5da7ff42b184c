#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""How many bits of bookkeeping a live block needs in a header-plus-table layout, per pool size.

A movable block needs, somewhere: its offset (the table, so a handle finds it), its size (the
header, so walks go from block to block), its slot (the header, so compaction can update the
table when it moves the block), the generation of its slot (the table, so a stale handle is
told apart), and a few flags (the previous block is free; the pin state; "over-aligned", with the
alignment kept elsewhere). This counts them for a pool of `size` bytes with `granule`-byte
granules that must hold capacity / 32 live blocks, and says whether they fit the 64 bits of a
32-bit header plus a 32-bit table word (8 bytes per block) or 96 bits (12 bytes).

The second table is the same count with a short size field and an escape: a block of 2^k
granules or more keeps its size in one more word (4 bytes, once per such block) and a flag bit
says so. It gives the largest k that fits 64 and 96 bits, and the smallest block that then pays
the extra word.

    python3 scripts/layout_bits.py
"""
import math

# A G-bit generation reports a stale handle for 2^G - 1 reuses of its slot; the 2^G-th reuse
# gives the slot the old generation back. At least 65,536 reuses therefore need G = 17.
GENERATION_BITS = 17
FLAG_BITS = 4         # previous-is-free, two bits of pin state, over-aligned


def bits_for(count):
    """Bits to write the numbers 0 .. count."""
    return max(1, math.ceil(math.log2(count + 1)))


def row(size, granule):
    granules = size // granule
    offset = bits_for(granules)       # where the block starts
    length = bits_for(granules)       # how long it is
    slot = bits_for(size // 32 + 1)   # capacity / 32 blocks, and a "no slot" value for free blocks
    total = offset + length + slot + GENERATION_BITS + FLAG_BITS
    return offset, length, slot, total


def escape_row(size, granule, budget):
    """Largest short size field k that fits `budget` bits (None if none), with the escape flag."""
    granules = size // granule
    offset, _, slot, _ = row(size, granule)
    fixed = offset + slot + GENERATION_BITS + FLAG_BITS + 1
    k = min(budget - fixed, bits_for(granules))
    return k if k >= 1 else None


def human(n):
    for unit, div in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= div:
            return f"{n / div:g} {unit}"
    return f"{n} B"


def main():
    print("| pool | granule | offset | size | slot | generation | flags | bits | fits 8 B (64) | fits 12 B (96) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for size, label in [(16 << 10, "16 KiB"), (64 << 10, "64 KiB"), (256 << 10, "256 KiB"),
                        (512 << 10, "512 KiB"), (1 << 20, "1 MiB"), (16 << 20, "16 MiB"),
                        (256 << 20, "256 MiB"), (1 << 32, "4 GiB")]:
        for granule in (4, 8, 16):
            if size // granule > 1 << 32:
                continue
            offset, length, slot, total = row(size, granule)
            print(f"| {label} | {granule} | {offset} | {length} | {slot} | {GENERATION_BITS} | {FLAG_BITS} | "
                  f"{total} | {'yes' if total <= 64 else 'no'} | {'yes' if total <= 96 else 'no'} |")
    print()
    print("With a short size field of k bits and an escape word for blocks of 2^k granules or more:")
    print()
    print("| pool | granule | largest k in 64 bits | blocks that pay 4 more bytes (8 B layout) | largest k in 96 bits | blocks that pay 4 more bytes (12 B layout) |")
    print("|---|---|---|---|---|---|")
    for size, label in [(64 << 10, "64 KiB"), (256 << 10, "256 KiB"), (1 << 20, "1 MiB"),
                        (16 << 20, "16 MiB"), (256 << 20, "256 MiB"), (1 << 32, "4 GiB")]:
        for granule in (4, 8):
            cells = []
            for budget in (64, 96):
                k = escape_row(size, granule, budget)
                if k is None:
                    cells += ["none", "-"]
                elif (1 << k) >= size // granule:
                    cells += [str(k), "none (k covers the pool)"]
                else:
                    cells += [str(k), f">= {human((1 << k) * granule)}"]
            print(f"| {label} | {granule} | " + " | ".join(cells) + " |")
    print()
    print("The handle: slot, generation and pool tag in one word. Tag bits for 31 live pools (5, the")
    print("Cortex-M default) and for 1,023 (10, today's config16); whether it fits a 32-bit handle:")
    print()
    print("| pool | slot | generation | handle bits, 31 pools | fits 32 | handle bits, 1,023 pools | fits 32 | tag bits left in 32 |")
    print("|---|---|---|---|---|---|---|---|")
    for size, label in [(4 << 10, "4 KiB"), (16 << 10, "16 KiB"), (64 << 10, "64 KiB"), (256 << 10, "256 KiB"),
                        (1 << 20, "1 MiB"), (16 << 20, "16 MiB"), (1 << 32, "4 GiB")]:
        _, _, slot, _ = row(size, 4)
        b31 = slot + GENERATION_BITS + 5
        b1023 = slot + GENERATION_BITS + 10
        left = 32 - slot - GENERATION_BITS
        print(f"| {label} | {slot} | {GENERATION_BITS} | {b31} | {'yes' if b31 <= 32 else 'no'} | {b1023} | "
              f"{'yes' if b1023 <= 32 else 'no'} | {left if left > 0 else 'none'} |")


if __name__ == "__main__":
    main()
