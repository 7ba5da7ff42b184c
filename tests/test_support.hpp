// SPDX-License-Identifier: MIT
// Helpers shared by the core tests: byte patterns, map strings, seeds, a three-block fixture.
// Include it last: it brings tinymem in (import or headers) after the standard headers.
#ifndef TINYMEM_TEST_SUPPORT_HPP
#define TINYMEM_TEST_SUPPORT_HPP

#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cmath>
#include <cstring>
#include <ostream>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "tinymem_under_test.hpp"

// Operations of a randomised test file, shared among its cases (meson option random_ops).
#ifndef TINYMEM_RANDOM_OPS
#define TINYMEM_RANDOM_OPS 1200000
#endif

// Boost.Test prints errors and handles through these (found by argument-dependent lookup).
namespace tinymem {
inline std::ostream& boost_test_print_type(std::ostream& os, error e) { return os << to_string(e); }
template <class Config>
std::ostream& boost_test_print_type(std::ostream& os, const basic_handle<Config>& h) {
    return os << "handle(0x" << std::hex << std::uint64_t(h.value()) << std::dec << ")";
}
} // namespace tinymem

namespace test {

// The byte a block named `id` holds at `i`: differs between blocks and along a block.
inline unsigned char pattern(std::uint32_t id, std::size_t i) {
    std::uint32_t x = id * 2654435761u + std::uint32_t(i) * 40503u + 0x9e37u;
    x ^= x >> 13;
    return static_cast<unsigned char>(x * 0x5bd1e995u >> 24);
}

template <class Pool, class H>
void fill(Pool& p, H h, std::uint32_t id, std::size_t bytes) {
    auto* d = static_cast<unsigned char*>(p.data(h));
    BOOST_REQUIRE(d != nullptr);
    for (std::size_t i = 0; i < bytes; ++i) d[i] = pattern(id, i);
}

template <class Pool, class H>
bool holds(const Pool& p, H h, std::uint32_t id, std::size_t bytes) {
    const auto* d = static_cast<const unsigned char*>(p.data(h));
    if (d == nullptr) return false;
    for (std::size_t i = 0; i < bytes; ++i)
        if (d[i] != pattern(id, i)) return false;
    return true;
}

template <class Pool>
std::string map_of(const Pool& p, std::size_t cell = Pool::granule) {
    std::string s(p.map(nullptr, 0, cell) + 1, '\0');
    p.map(s.data(), s.size(), cell);
    s.pop_back();
    return s;
}

template <class Pool>
void require_ok(const Pool& p) {
    const auto r = p.check();
    BOOST_REQUIRE_MESSAGE(r.ok(), "check(): " << (r.problem ? r.problem : "") << " at byte " << r.offset);
}

// The seed of a randomised test: TINYMEM_SEED from the environment, else from the clock.
// Printed so a failure can be replayed.
inline std::uint64_t seed_for(const char* what) {
    std::uint64_t seed;
    if (const char* env = std::getenv("TINYMEM_SEED"))
        seed = std::strtoull(env, nullptr, 0);
    else
        seed = std::random_device{}() * 0x100000001ull ^ std::uint64_t(std::random_device{}());
    BOOST_TEST_MESSAGE(what << ": seed " << seed << " (replay with TINYMEM_SEED=" << seed << ")");
    return seed;
}

// Three blocks with known bytes (a: 40, b: 56, c: 24, allocated in that order) in a 2 KiB pool
// of either engine, for the error and behaviour tests; intact() checks the pool and the blocks
// after a bad call.
template <class Pool>
struct three_blocks {
    using pool_type = Pool;
    using handle = typename Pool::handle;
    alignas(16) std::byte buffer[2048];
    Pool p{buffer};
    handle a, b, c;
    three_blocks() {
        a = p.allocate(40);
        b = p.allocate(56);
        c = p.allocate(24);
        BOOST_REQUIRE(a && b && c);
        fill(p, a, 'a', 40);
        fill(p, b, 'b', 56);
        fill(p, c, 'c', 24);
    }
    void intact(bool with_b = true) {
        require_ok(p);
        BOOST_TEST(holds(p, a, 'a', 40));
        if (with_b) BOOST_TEST(holds(p, b, 'b', 56));
        BOOST_TEST(holds(p, c, 'c', 24));
    }
    void expect(tinymem::error e) { BOOST_TEST(p.last_error() == e); }
};

} // namespace test

#endif
