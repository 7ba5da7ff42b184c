// SPDX-License-Identifier: MIT
// tinymem::vector's element access where no element exists must stop the program with a message
// (std::abort) rather than index a null pointer. Exit 0 only when the access aborted.
//   tinymem-adapters-vector-misuse empty   operator[] on an empty vector
//   tinymem-adapters-vector-misuse freed   back() after the vector's block was freed through the pool
//   tinymem-adapters-vector-misuse pinned  the vector destroyed while a pinned_view of it lives (its
//                                          block can be neither freed nor kept by anyone)
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "adapters_under_test.hpp"

namespace {
extern "C" void on_abort(int) { std::_Exit(0); } // the expected end
} // namespace

int main(int argc, char** argv) {
    if (argc != 2) return 2;
    static tinymem::pool<4096> pool;
    tinymem::vector<int> v(pool);
    if (std::strcmp(argv[1], "freed") == 0) {
        for (int i = 0; i < 10; ++i)
            if (!v.try_push_back(i)) return 2;
        if (!pool.deallocate(v.handle())) return 2; // the mistake: the vector still holds it
    } else if (std::strcmp(argv[1], "pinned") == 0) {
        auto* w = new tinymem::vector<int>(pool);
        if (!w->try_push_back(1)) return 2;
        auto view = w->pin();
        if (!view) return 2;
        std::signal(SIGABRT, on_abort);
        delete w; // the mistake: the view outlives the vector
        std::printf("FAILED: the vector was destroyed under a view; live blocks %zu\n",
                    std::size_t(pool.stats().live_blocks));
        return 1;
    } else if (std::strcmp(argv[1], "empty") != 0) {
        return 2;
    }
    std::signal(SIGABRT, on_abort);
    volatile int x = std::strcmp(argv[1], "freed") == 0 ? v.back() : v[0];
    std::printf("FAILED: the access returned %d\n", int(x));
    return 1;
}
