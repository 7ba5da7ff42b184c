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

// The handle promises of docs/handles-and-layout.md, for both engines (they share handles):
// a slot's generation goes up by one at every free, so a freed handle names a block again
// exactly when its slot serves a block and has served a multiple of 2^generation_bits blocks
// since it was freed; with slot retirement on, a slot whose generation would wrap is never
// reused. The targets tell it every handle they get and free; it says what the pool must do
// with any freed handle. Kept for good: the first freed handle of every slot (so a run long
// enough for a generation to wrap checks it), and the last 64 freed handles.
template <class Config>
class handle_model {
public:
    using value_type = typename Config::handle_value_type;
    static constexpr value_type slot_mask = (value_type(1) << Config::slot_bits) - 1;
    static constexpr std::uint64_t cycle = std::uint64_t(1) << Config::generation_bits;

    struct freed_handle {
        value_type h;
        std::uint64_t served_then; // blocks its slot had served when it was freed
    };

    // A new block's handle. Result: false when its slot was retired (must never happen).
    bool served(value_type h) {
        slot& s = at(h);
        ++s.served;
        s.live = true;
        return !s.retired;
    }
    // A block was freed while slot retirement was `retire`.
    void freed(value_type h, bool retire) {
        slot& s = at(h);
        s.live = false;
        if (retire && ((h >> Config::slot_bits) & (cycle - 1)) == cycle - 1) {
            s.retired = true;
            ++retired_;
        }
        const freed_handle f{h, s.served};
        if (!s.has_first) {
            s.first = f;
            s.has_first = true;
            ++firsts_;
        }
        recent_.push_back(f);
        if (recent_.size() > 64) recent_.erase(recent_.begin());
    }
    // Whether the pool must take the freed handle as a live one now (its generation wrapped).
    bool aliases(const freed_handle& f) const {
        const slot& s = slots_[std::size_t(f.h & slot_mask)];
        const std::uint64_t since = s.served - f.served_then;
        return s.live && since != 0 && since % cycle == 0;
    }
    // A freed handle to try: with `oldest`, the first freed handle of one slot (a u16 of `in`
    // picks it), else one of the last 64 (a u8). Null when nothing was freed yet (nothing read).
    const freed_handle* pick(reader& in, bool oldest) const {
        if (recent_.empty()) return nullptr;
        if (!oldest || firsts_ == 0) return &recent_[in.u8() % recent_.size()];
        std::size_t n = in.u16() % firsts_;
        for (const slot& s : slots_)
            if (s.has_first && n-- == 0) return &s.first;
        return nullptr; // unreachable: firsts_ counts the slots that have one
    }
    // Compares the pool's valid() for the freed handle `f` with the model, and stops the run
    // with `target`'s name when they differ. Result: whether `f` names a live block again (its
    // slot's generation wrapped); the caller checks that the block is in its model.
    bool expect(const freed_handle& f, bool valid, bool retire, const char* target, unsigned op) const {
        const bool alias = aliases(f);
        if (valid != alias) {
            char msg[160];
            std::snprintf(msg, sizeof msg, "slot %llu reused %llu times since, %u generation bits, retirement %d",
                          static_cast<unsigned long long>(f.h & slot_mask), static_cast<unsigned long long>(reuses(f)),
                          Config::generation_bits, int(retire));
            fail_at(target, op, alias ? "a wrapped generation did not alias" : "a freed handle is valid", msg);
        }
        return alias;
    }
    // Reuses of the freed handle's slot since it was freed.
    std::uint64_t reuses(const freed_handle& f) const { return slots_[std::size_t(f.h & slot_mask)].served - f.served_then; }
    // The first freed handle of every slot that has one.
    std::vector<freed_handle> firsts() const {
        std::vector<freed_handle> out;
        for (const slot& s : slots_)
            if (s.has_first) out.push_back(s.first);
        return out;
    }
    std::size_t retired() const { return retired_; }

private:
    struct slot {
        std::uint64_t served = 0;
        bool live = false, retired = false, has_first = false;
        freed_handle first{};
    };
    slot& at(value_type h) {
        const std::size_t i = std::size_t(h & slot_mask);
        if (i >= slots_.size()) slots_.resize(i + 1);
        return slots_[i];
    }
    std::vector<slot> slots_;
    std::vector<freed_handle> recent_;
    std::size_t firsts_ = 0; // slots with a first freed handle
    std::size_t retired_ = 0;
};

} // namespace fuzz

// FUZZ_CHECK(cond[, detail]) in a target that defines FUZZ_TARGET (its name) and counts its
// operations in `op_`.
#define FUZZ_CHECK(cond, ...)                                                                     \
    do {                                                                                          \
        if (!(cond)) ::fuzz::fail_at(FUZZ_TARGET, op_, #cond __VA_OPT__(, ) __VA_ARGS__);         \
    } while (0)

#endif
