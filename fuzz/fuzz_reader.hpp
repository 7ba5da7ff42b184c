// How the fuzz targets read their input: little by little; past the end every read gives 0.
#ifndef TINYMEM_FUZZ_READER_HPP
#define TINYMEM_FUZZ_READER_HPP

#include <cstddef>
#include <cstdint>

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

} // namespace fuzz

#endif
