// SPDX-License-Identifier: MIT
// tinymem example firmware for a Cortex-M (runs on QEMU's mps2-an386 / mps2-an385 through
// semihosting, or on a board with the same start-up code).
//
// A 64 KiB pool sits in .bss. The workload mixes long-lived records with short-lived messages of
// assorted sizes, which leaves a non-moving heap full of small holes, and now and then needs one
// large buffer (a 12 KiB frame). The workload runs twice on the same seed:
//  1. without background work: the pool's holes are those a non-moving heap would have; each
//     frame larger than the largest hole is counted (a non-moving heap would refuse it), and
//     tinymem can serve it only by compacting the whole pool inside allocate(), a long pause;
//  2. with defrag_step() given a bounded budget after every tick, as the original tinymem's
//     tm_thread() was meant to run: no thread needed, and frames find a hole ready;
//  3. for hard deadlines, set_compaction_limit(1024) and half run 2's background work: no
//     allocate() runs more than one defrag_step(1024), a frame the free bytes would hold but
//     the holes do not fails with compaction_deferred, and the main loop then spends more of its
//     idle time on defrag_step(1024) calls and asks again at the next tick.
// The pool map and statistics are printed over semihosting; the exit status is 0 when every
// frame request was served, every block kept its contents and the pool's check() passed.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "firmware_tinymem.hpp"

namespace {

tinymem::pool<64 * 1024> heap; // the whole footprint: control block + storage, in .bss

constexpr unsigned ticks = 3000;
constexpr std::size_t step_budget = 2048; // bytes defrag_step may move per tick
constexpr std::size_t limit_budget = 1024; // run 3: the compaction limit, and its steps' budget
constexpr unsigned idle_steps = 16;        // run 3: steps of it that a tick's idle time holds
constexpr std::size_t frame_bytes = 12 * 1024;
constexpr unsigned frame_every = 100;
constexpr unsigned max_items = 400;

struct item {
    decltype(heap)::handle h;
    std::uint16_t bytes;
    std::uint16_t seed;
    unsigned expires; // tick at which the item is freed
};
item items[max_items];
unsigned item_count = 0;

std::uint32_t rng_state = 0x2545F491u;
std::uint32_t rnd(std::uint32_t n) { // xorshift32, uniform enough for a workload
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state % n;
}

std::uint8_t pattern(std::uint16_t seed, std::size_t i) { return std::uint8_t(seed + i * 7u); }

void fill(const item& it) {
    auto* p = heap.get<std::uint8_t>(it.h);
    for (std::size_t i = 0; i < it.bytes; ++i) p[i] = pattern(it.seed, i);
}
bool intact(const item& it) {
    const auto* p = heap.get<std::uint8_t>(it.h);
    for (std::size_t i = 0; i < it.bytes; ++i)
        if (p[i] != pattern(it.seed, i)) return false;
    return true;
}

void print_map(unsigned tick) {
    static char chart[4096];
    const std::size_t n = heap.map(chart, sizeof chart, 1024); // one cell per KiB
    const tinymem::pool_stats s = heap.stats();
    std::printf("tick %4u: %3u blocks, %5lu B free, largest hole %5lu B, fragmentation %2u%%\n", tick,
                unsigned(s.live_blocks), static_cast<unsigned long>(s.free_bytes),
                static_cast<unsigned long>(s.largest_free_bytes), s.fragmentation_percent);
    for (std::size_t at = 0; at < n && at < sizeof chart - 1; at += 100)
        std::printf("  %.100s\n", chart + at);
}

struct run_result {
    unsigned frames = 0, served = 0, beyond_holes = 0, compacting_allocs = 0, corrupt = 0, refused = 0;
    unsigned deferred = 0, frame_wait = 0; // compaction_deferred answers; most ticks a frame waited
    unsigned long most_moved = 0;          // the most bytes one allocate() call moved
};

enum class mode { plain, background, bounded };

// allocate(), noting the bytes it moved.
decltype(heap)::handle allocate(std::size_t bytes, run_result& r) {
    const std::uint64_t before = heap.bytes_moved(); // O(1), unlike stats()
    const decltype(heap)::handle h = heap.allocate(bytes);
    const unsigned long moved = static_cast<unsigned long>(heap.bytes_moved() - before);
    if (moved > r.most_moved) r.most_moved = moved;
    if (!h && heap.last_error() == tinymem::error::compaction_deferred) ++r.deferred;
    return h;
}

// One run of the workload. In `background` mode the main loop gives defrag_step() a small budget
// after every tick; in `plain` mode the pool behaves like a non-moving heap until an allocation
// finds no hole, and then allocate() has to compact the whole pool at once; in `bounded` mode
// allocate() may not (a compaction limit), and the main loop runs more steps while a frame
// waits. A frame still waiting at the end is waited for.
run_result run(mode m) {
    run_result r;
    if (m == mode::bounded) heap.set_compaction_limit(limit_budget);
    unsigned frame_due = 0; // ticks a deferred frame has waited (0: none waiting)
    rng_state = 0x2545F491u;
    item_count = 0;
    for (unsigned tick = 0; tick < ticks || frame_due != 0; ++tick) {
        // Free what expired (verifying that moved blocks kept their contents).
        for (unsigned i = 0; i < item_count;) {
            if (items[i].expires <= tick) {
                if (!intact(items[i])) ++r.corrupt;
                heap.deallocate(items[i].h);
                items[i] = items[--item_count];
            } else {
                ++i;
            }
        }
        // New work: a few messages (short-lived) and sometimes a record (long-lived).
        const unsigned arrivals = 1 + rnd(3);
        for (unsigned k = 0; k < arrivals && item_count < max_items; ++k) {
            const bool record = rnd(16) == 0;
            item it{};
            it.bytes = std::uint16_t(record ? 16 + rnd(240) : 32 + rnd(480));
            it.seed = std::uint16_t(rnd(65536));
            it.expires = tick + (record ? 200 + rnd(2500) : 1 + rnd(40));
            it.h = allocate(it.bytes, r);
            if (!it.h) {
                ++r.refused;
                continue;
            }
            fill(it);
            items[item_count++] = it;
        }
        // Now and then a frame buffer: one large block, used and released at once. A deferred
        // one is asked for again at every tick until served.
        const bool new_frame = tick % frame_every == frame_every - 1;
        if (new_frame || frame_due != 0) {
            if (new_frame) ++r.frames;
            // A non-moving heap could only serve it from its largest hole (a walk: a measurement).
            if (new_frame && heap.stats().largest_free_bytes < frame_bytes + 8) ++r.beyond_holes;
            const std::uint32_t compactions = heap.compactions();
            const decltype(heap)::handle frame = allocate(frame_bytes, r);
            if (heap.compactions() != compactions) ++r.compacting_allocs;
            if (!frame && heap.last_error() == tinymem::error::compaction_deferred) {
                ++frame_due;
            } else if (!frame) {
                std::printf("tick %u: frame refused: %s\n", tick, tinymem::to_string(heap.last_error()));
                frame_due = 0;
            } else {
                if (frame_due > r.frame_wait) r.frame_wait = frame_due;
                frame_due = 0;
                ++r.served;
                auto* px = heap.get<std::uint8_t>(frame);
                for (std::size_t i = 0; i < frame_bytes; ++i) px[i] = std::uint8_t(i);
                heap.deallocate(frame);
            }
        }
        // Background compaction: bounded work per tick, resumable.
        if (m == mode::background) heap.defrag_step(step_budget);
        for (unsigned i = 0; m == mode::bounded && i < (frame_due != 0 ? idle_steps : 1); ++i)
            if (heap.defrag_step(limit_budget)) break;
        if (tick % 1000 == 999) print_map(tick);
    }
    for (unsigned i = 0; i < item_count; ++i) {
        if (!intact(items[i])) ++r.corrupt;
        heap.deallocate(items[i].h);
    }
    item_count = 0;
    heap.set_compaction_limit(SIZE_MAX);
    std::printf("frames: %u/%u served; %u larger than the largest hole at the time (a non-moving heap "
                "would have refused them); %u served only by compacting the whole pool inside allocate()\n",
                r.served, r.frames, r.beyond_holes, r.compacting_allocs);
    std::printf("small requests refused: %u (%u deferred); contents: %s\n", r.refused, r.deferred,
                r.corrupt == 0 ? "intact" : "CORRUPT");
    std::printf("most bytes one allocate() moved: %lu", r.most_moved);
    if (m == mode::bounded) std::printf("; most ticks a deferred frame waited: %u", r.frame_wait);
    std::printf("\n");
    return r;
}

} // namespace

int main() {
    std::printf("tinymem firmware example: %lu-byte pool in .bss, %lu-byte frames every %u ticks\n",
                static_cast<unsigned long>(sizeof heap), static_cast<unsigned long>(frame_bytes), frame_every);
    std::printf("\n== run 1: no background compaction (a non-moving heap's layout) ==\n");
    const run_result plain = run(mode::plain);
    std::printf("\n== run 2: defrag_step(%lu) after every tick ==\n", static_cast<unsigned long>(step_budget));
    const run_result stepped = run(mode::background);
    std::printf("\n== run 3: set_compaction_limit(%lu); defrag_step(%lu) after every tick, up to %u while a frame waits ==\n",
                static_cast<unsigned long>(limit_budget), static_cast<unsigned long>(limit_budget), idle_steps);
    const run_result bounded = run(mode::bounded);
    const tinymem::check_result c = heap.check();
    const tinymem::pool_stats s = heap.stats();
    std::printf("\nbytes moved by compaction: %lu; full compactions: %lu; pool check: %s\n",
                static_cast<unsigned long>(s.bytes_moved), static_cast<unsigned long>(s.compactions),
                c.ok() ? "ok" : c.problem);
    // Under the limit an allocate() runs one step and may grow the handle table by moving one
    // block of at most the limit: three times the limit at most.
    const bool ok = plain.served == plain.frames && stepped.served == stepped.frames &&
                    bounded.served == bounded.frames && plain.corrupt + stepped.corrupt + bounded.corrupt == 0 &&
                    bounded.most_moved <= 3 * limit_budget && c.ok() && s.live_blocks == 0;
    std::printf("firmware example: %s\n", ok ? "PASS" : "FAIL");
    return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
