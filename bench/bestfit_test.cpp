// SPDX-License-Identifier: MIT
// A check of the best-fit reference (bench/bestfit.hpp): a reallocate that has to move an
// over-aligned block keeps the block's alignment and contents. The arena and the requests are
// laid out so that the move is forced and the best-fitting free block has no 256-aligned payload
// at its start: a move at the default alignment (the old reallocate) lands at offset 40.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "bestfit.hpp"

int main() {
    namespace tb = tinymem_bench;
    alignas(1024) static std::byte arena[1024] = {};
    tb::best_fit bf(arena, sizeof arena);
    int failures = 0;
    auto expect = [&](bool ok, const char* what) {
        std::printf("%s: %s\n", what, ok ? "ok" : "WRONG");
        failures += ok ? 0 : 1;
    };
    auto aligned = [](const void* p, std::size_t a) { return reinterpret_cast<std::uintptr_t>(p) % a == 0; };
    // x: 256-aligned, block [248, 264), the gap [0, 248) free; y, z fill the gap's front
    // ([0, 16), [16, 32)); w takes the block after x ([264, 576)), so x cannot grow in place.
    // Free then: [32, 248) (216 B, the best fit for 112 B, payload at 40) and [576, 1024).
    void* x = bf.allocate(8, 256);
    void* y = bf.allocate(8);
    void* z = bf.allocate(8);
    void* w = bf.allocate(300);
    expect(x && y && z && w && aligned(x, 256), "setup: four blocks, x 256-aligned");
    const char text[8] = {'a', 'l', 'i', 'g', 'n', 'e', 'd', '!'};
    if (x) std::memcpy(x, text, sizeof text);
    void* moved = x ? bf.reallocate(x, sizeof text, 100, 256) : nullptr;
    expect(moved != nullptr && moved != x, "reallocate to 100 B moves the block");
    expect(moved != nullptr && aligned(moved, 256), "the moved block is 256-aligned");
    expect(moved != nullptr && std::memcmp(moved, text, sizeof text) == 0, "the moved block keeps its contents");
    expect(*bf.check() == '\0', "check() after the move");
    return failures == 0 ? 0 : 1;
}
