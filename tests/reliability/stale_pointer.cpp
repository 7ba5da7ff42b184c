// SPDX-License-Identifier: MIT
// A raw pointer kept across a call that moves blocks. Built with -fsanitize=address (header
// build: pool.hpp then poisons free blocks through tinymem/poison.hpp).
//
//   stale_pointer MOVE stale    keeps data() across MOVE and reads through it: ASan must report
//                               use-after-poison (meson: should_fail).
//   stale_pointer MOVE pinned   the same with the block pinned: clean, contents intact.
//   stale_pointer expect MOVE   runs `MOVE stale` as a child and passes only if the child's
//                               output holds ASan's "use-after-poison" report.
// MOVE: defrag (compaction slides the block down), allocate (handle-table growth relocates the
// first block), reallocate (growth moves the block).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "tinymem_under_test.hpp"

namespace {

using pool_t = tinymem::pool<4096, tinymem::config16>;

#define REQUIRE(c)                                                                  \
    do {                                                                            \
        if (!(c)) {                                                                 \
            std::fprintf(stderr, "stale_pointer: requirement failed: %s\n", #c);    \
            std::exit(3);                                                           \
        }                                                                           \
    } while (0)

unsigned sum(const unsigned char* p, std::size_t n) {
    unsigned s = 0;
    for (std::size_t i = 0; i < n; ++i) s = s * 31 + p[i]; // reads every byte
    return s;
}

int run(const std::string& move, bool pinned) {
    static pool_t pool; // static: the pool outlives nothing it poisoned
    REQUIRE(pool_t::poisoning);
    constexpr std::size_t n = 64;
    pool_t::handle a, hole, next;
    if (move != "allocate") {
        // Free slots first, so the handle table need not grow (and move blocks) below.
        pool_t::handle d[4];
        for (auto& h : d) h = pool.allocate(8);
        for (auto& h : d) REQUIRE(pool.deallocate(h));
    }
    if (move == "defrag") {
        hole = pool.allocate(512); // [hole][a]: freeing hole leaves a gap below a
        a = pool.allocate(n);
    } else if (move == "reallocate") {
        a = pool.allocate(n);      // [a][next]: a cannot grow in place
        next = pool.allocate(32);
    } else {
        a = pool.allocate(n);      // the only block, and the only slot
    }
    REQUIRE(a);
    auto* p = static_cast<unsigned char*>(pool.data(a));
    for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<unsigned char>(i * 7 + 1);
    const unsigned expected = sum(p, n);
    auto guard = pinned ? pool.pin(a) : decltype(pool.pin(a)){};
    if (move == "defrag") {
        REQUIRE(pool.deallocate(hole));
        pool.defrag();
    } else if (move == "allocate") {
        // Every slot is taken: the table grows into the first block, which is moved away.
        const auto b = pool.allocate(16);
        if (pinned) {
            // A pinned first block cannot make room for the table: the request fails cleanly.
            REQUIRE(!b && pool.last_error() == tinymem::error::out_of_handles);
        } else {
            REQUIRE(b);
        }
    } else if (move == "reallocate") {
        const bool ok = pool.reallocate(a, 1024);
        if (pinned) REQUIRE(!ok && pool.last_error() == tinymem::error::pinned);
        else REQUIRE(ok);
    } else {
        std::fprintf(stderr, "unknown move %s\n", move.c_str());
        return 2;
    }
    REQUIRE(pool.check().ok());
    REQUIRE(pinned == (pool.data(a) == p));
    // The stale read (a bug unless pinned):
    const unsigned seen = sum(p, n);
    REQUIRE(seen == expected || !pinned);
    std::printf("%s %s: read through the kept pointer, no report (moved: %s)\n", move.c_str(),
                pinned ? "pinned" : "stale", pool.data(a) == p ? "no" : "yes");
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    if (argc == 3 && std::string(argv[1]) == "expect") {
        // In a cross build the child must run through the same wrapper (QEMU) as this process.
        const char* wrapper = std::getenv("MESON_EXE_WRAPPER");
        const std::string cmd = (wrapper && *wrapper ? std::string(wrapper) + " " : std::string()) +
                                std::string(argv[0]) + " " + argv[2] + " stale 2>&1";
        FILE* child = popen(cmd.c_str(), "r");
        if (!child) return 2;
        std::string out;
        char buf[512];
        while (std::fgets(buf, sizeof buf, child)) out += buf;
        const int status = pclose(child);
        const bool reported = out.find("use-after-poison") != std::string::npos;
        std::printf("child `%s` exit status %d, ASan use-after-poison report: %s\n", cmd.c_str(), status,
                    reported ? "yes" : "NO");
        if (!reported) std::fputs(out.c_str(), stdout);
        return reported && status != 0 ? 0 : 1;
    }
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s defrag|allocate|reallocate stale|pinned | expect MOVE\n", argv[0]);
        return 2;
    }
    return run(argv[1], std::string(argv[2]) == "pinned");
}
