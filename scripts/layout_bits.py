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

    python3 scripts/layout_bits.py
"""
import math

GENERATION_BITS = 16  # at least 65,536 reuses of a slot before a stale handle can alias
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


if __name__ == "__main__":
    main()
