// SPDX-License-Identifier: MIT
// The adapters' showcase workload, shared by examples/showcase.cpp and
// tests/adapters/showcase_test.cpp: in one small pool, 16 vectors of int grow interleaved, one
// element per turn, to 120 elements; the odd ones are destroyed; the survivors grow to 360.
// Works for any vector type with push_back that throws std::bad_alloc; knows nothing of tinymem.
#ifndef TINYMEM_EXAMPLES_SHOWCASE_WORKLOAD_HPP
#define TINYMEM_EXAMPLES_SHOWCASE_WORKLOAD_HPP
#include <cstddef>
#include <memory>
#include <new>
#include <vector>

namespace showcase {

inline constexpr std::size_t pool_bytes = 16384;
inline constexpr int vector_count = 16;
inline constexpr int first_length = 120; // every vector grows to this, one element per turn
inline constexpr int final_length = 360; // then the even-numbered survivors grow to this
inline constexpr long wanted =
    long(vector_count) * first_length + long(vector_count / 2) * (final_length - first_length);

// Runs the workload on vectors made by `make()` (a std::unique_ptr<Vec>); `at_end(vecs)` sees
// the survivors (null where destroyed) when all push_backs succeeded.
// Result: the push_backs done before the first std::bad_alloc (failed = true), or all of them.
template <class Vec, class Make, class AtEnd>
long run(Make make, bool& failed, AtEnd at_end) {
    std::vector<std::unique_ptr<Vec>> vecs;
    long pushed = 0;
    failed = false;
    try {
        for (int i = 0; i < vector_count; ++i) vecs.push_back(make());
        for (int len = 0; len < first_length; ++len)
            for (auto& v : vecs) {
                v->push_back(len);
                ++pushed;
            }
        for (std::size_t i = 1; i < vecs.size(); i += 2) vecs[i].reset(); // destroy the odd ones
        for (int len = first_length; len < final_length; ++len)
            for (auto& v : vecs)
                if (v) {
                    v->push_back(len);
                    ++pushed;
                }
        at_end(vecs);
    } catch (const std::bad_alloc&) {
        failed = true;
    }
    return pushed;
}

} // namespace showcase

#endif
