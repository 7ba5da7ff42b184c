// SPDX-License-Identifier: MIT
// What the fuzz targets share: how they read their input (little by little; past the end every
// read gives 0) and how they report a broken expectation.
#ifndef TINYMEM_FUZZ_SUPPORT_HPP
#define TINYMEM_FUZZ_SUPPORT_HPP

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace fuzz {

struct reader {
    const std::uint8_t* p;
    std::size_t n;
    bool empty() const { return n == 0; }
    std::uint8_t u8() {
        if (n == 0) return 0;
        --n;
        return *p++;
    }
    std::uint16_t u16() { return std::uint16_t(u8() | (u8() << 8)); }
    std::uint32_t u32() { return std::uint32_t(u16()) | (std::uint32_t(u16()) << 16); }
};

// Prints "<target>: op <op>: <what> (<detail>)" and aborts: libFuzzer then keeps the input, and
// the corpus replay in `meson test` fails.
[[noreturn]] inline void fail_at(const char* target, unsigned op, const char* what, const char* detail = nullptr) {
    std::fprintf(stderr, "%s: op %u: %s (%s)\n", target, op, what, detail ? detail : "");
    std::abort();
}

// A compaction limit to fuzz with, in bytes: below one block visit (64 bytes of a step's budget
// in both engines), a few visits, some granules, or anything up to 65,535.
inline std::size_t pick_compaction_limit(reader& in, std::size_t granule) {
    const std::uint8_t k = in.u8();
    switch (k % 4) {
    case 0: return k >> 2;
    case 1: return 64 * (1 + (k >> 2) % 4);
    case 2: return std::size_t(in.u8()) * granule;
    default: return in.u16();
    }
}

// Runs Harness(buffer, bytes).run(in) on a buffer whose start is `skew` bytes past an
// allocation's (misaligned on purpose), in a vector so that ASan sees its exact end.
template <class Harness>
void run_in_skewed_buffer(reader& in, std::size_t bytes, std::size_t skew) {
    std::vector<std::byte> storage(bytes + skew);
    Harness h(storage.data() + skew, bytes);
    h.run(in);
}

} // namespace fuzz

// FUZZ_CHECK(cond[, detail]) in a target that defines FUZZ_TARGET (its name) and counts its
// operations in `op_`.
#define FUZZ_CHECK(cond, ...)                                                                     \
    do {                                                                                          \
        if (!(cond)) ::fuzz::fail_at(FUZZ_TARGET, op_, #cond __VA_OPT__(, ) __VA_ARGS__);         \
    } while (0)

#endif
