// SPDX-License-Identifier: MIT
// tinymem::basic_string<CharT, Config> (tinymem::string = basic_string<char>): a string whose
// characters live in one movable block of a tinymem pool, or, while they are few, in a buffer
// inside the object itself (no block at all).
//
// Layout: the pool's address, the size, and a union of the block's handle and the small-string
// buffer whose last byte says which one is in use. The buffer is what makes the object 4 pointers
// wide (32 bytes on a 64-bit host, as libstdc++'s std::string): 18 chars with config16 on a
// 64-bit host (14 with config32). Most keys, words and identifiers are that short, and a short
// string costs no block: no per-block overhead (2 words) and no handle. The buffer relocates with
// the object, which is why the string stays relocatable: nothing points into it but pointers the
// pointer rule already limits.
//
// What stays valid when:
// - The string, size(), capacity(), iterators (index-based, as tinymem::vector's): always.
// - data(), c_str(), operator std::basic_string_view, references from [] / at / front / back:
//   until the next call on the pool that may move blocks (allocate, reallocate, defrag,
//   defrag_step, any growing call on any container of that pool), and until the string object
//   itself moves (a short string's characters are inside it) or is modified.
// - pin(): a pinned_string_view; a long string's block stays put while it lives. A short
//   string's characters are in the object, so they stay put as long as the object does (a
//   string inside a pool block, e.g. an element of a tinymem::vector<string>: pin that block too).
// - Strings nest (tinymem::vector<tinymem::string>): grow an element through outer.modify(i, f),
//   as for nested vectors.
//
// Always NUL-terminated: c_str() is data(). The characters are always a valid range (no null
// data() even for an empty string).
//
// Sources of an edit (append, insert, replace, assign): a tinymem::string argument is read
// through its pool and handle after any allocation, so it may live anywhere (also inside pool
// memory, also be *this). A std::basic_string_view / const CharT* argument is a raw pointer: it
// may point into this string (handled), anywhere outside the pool, or into a pinned block; it
// must not point into another movable block of the same pool, which the edit's allocation may
// move (the pointer rule; pass the tinymem::string itself instead). An edit whose source is this
// string's own characters builds the result in a new block, so it needs room for both.
#ifndef TINYMEM_ADAPTERS_STRING_HPP
#define TINYMEM_ADAPTERS_STRING_HPP

#include "common.hpp"
#include "vector.hpp" // detail::vector_iterator (index-based iterators)

#ifndef TINYMEM_MODULE
#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <iterator>
#include <limits>
#include <new>
#include <stdexcept>
#include <string_view>
#include <type_traits>
#include <utility>
#endif

namespace tinymem {

TINYMEM_EXPORT template <class CharT, class Config = default_config>
class basic_string;

// tinymem::string s(pool, "hello");
TINYMEM_EXPORT using string = basic_string<char>;

// A string holds its pool's address, a size and a handle or inline characters: it relocates.
template <class CharT, class Config>
struct is_relocatable<basic_string<CharT, Config>> : std::true_type {};

// The characters of a tinymem::basic_string, pinned (see pin()). Move-only. A failed pin (more
// than max_pins nested pins on the block) gives an empty view that is false.
TINYMEM_EXPORT template <class CharT, class Config = default_config>
class pinned_string_view {
public:
    using pool_type = basic_pool<Config>;
    using view_type = std::basic_string_view<CharT>;

    pinned_string_view() noexcept = default;
    // Effect: pins `h` when it is not null (a long string), then views `n` characters at its
    //   data; a null `h` views `n` characters at `inline_chars` (a short string).
    pinned_string_view(pool_type& p, typename pool_type::handle h, const CharT* inline_chars, std::size_t n) noexcept {
        if (!h) {
            view_ = view_type(inline_chars, n);
            ok_ = true;
            return;
        }
        guard_ = p.pin(h);
        if (guard_) {
            view_ = view_type(static_cast<const CharT*>(guard_.data()), n);
            ok_ = true;
        }
    }

    // False when the pin failed.
    explicit operator bool() const noexcept { return ok_; }
    view_type view() const noexcept { return view_; }
    operator view_type() const noexcept { return view_; }
    // NUL-terminated, as the string's own c_str().
    const CharT* c_str() const noexcept { return view_.data(); }
    const CharT* data() const noexcept { return view_.data(); }
    std::size_t size() const noexcept { return view_.size(); }
    bool empty() const noexcept { return view_.empty(); }
    const CharT& operator[](std::size_t i) const noexcept { return view_[i]; }
    const CharT* begin() const noexcept { return view_.data(); }
    const CharT* end() const noexcept { return view_.data() + view_.size(); }

private:
    typename pool_type::pin_guard guard_;
    view_type view_;
    bool ok_ = false;
};

TINYMEM_EXPORT template <class CharT, class Config>
class basic_string {
    static_assert(std::is_trivially_copyable_v<CharT> && std::is_trivially_default_constructible_v<CharT> &&
                      std::is_standard_layout_v<CharT>,
                  "tinymem::basic_string<CharT>: CharT must be a character-like type");

public:
    using traits_type = std::char_traits<CharT>;
    using value_type = CharT;
    using pool_type = basic_pool<Config>;
    using handle_type = typename pool_type::handle;
    // std::size_t (not tinymem::vector's 32-bit size_type): find() results are compared with
    // std::string::npos in everyday code, which must keep working.
    using size_type = std::size_t;
    using difference_type = std::ptrdiff_t;
    using reference = CharT&;
    using const_reference = const CharT&;
    using pointer = CharT*;
    using const_pointer = const CharT*;
    using view_type = std::basic_string_view<CharT>;
    using iterator = detail::vector_iterator<basic_string, false>;
    using const_iterator = detail::vector_iterator<basic_string, true>;
    using reverse_iterator = std::reverse_iterator<iterator>;
    using const_reverse_iterator = std::reverse_iterator<const_iterator>;

    static constexpr size_type npos = size_type(-1);

private:
    // The size as stored: 32 bits in the 16-bit configurations (pools up to 1 MiB), as vector's.
    using stored_size = std::conditional_t<sizeof(typename Config::offset_type) == 2, std::uint32_t, std::size_t>;
    // The union of handle and inline characters fills the object up to 4 pointers; its last byte
    // is the mode (0: inline, 1: block).
    static constexpr std::size_t raw_bytes = 4 * sizeof(void*) - sizeof(void*) - sizeof(stored_size);
    static_assert(raw_bytes > sizeof(handle_type) && (raw_bytes - 1) / sizeof(CharT) >= 2,
                  "tinymem::basic_string: no room for the small-string buffer");

public:
    // Characters a string holds without a block (the inline buffer, less the terminating NUL).
    static constexpr size_type small_capacity = (raw_bytes - 1) / sizeof(CharT) - 1;
    // The alignment of the block: CharT's, at least the pool's granule.
    static constexpr std::size_t block_alignment =
        alignof(CharT) > Config::granule ? alignof(CharT) : Config::granule;

    // ---- construction -------------------------------------------------------------------------

    // Effect: an empty string of `pool` (allocates nothing). Requires: the pool outlives it.
    explicit basic_string(pool_type& pool) noexcept : pool_(&pool) { set_short_empty(); }

    // Effect: takes o's characters (its block, or a copy of its inline ones) and o's pool; o is
    //   left empty, in the same pool.
    basic_string(basic_string&& o) noexcept : pool_(o.pool_), size_(o.size_) {
        std::memcpy(raw_, o.raw_, raw_bytes);
        o.set_short_empty();
    }
    basic_string& operator=(basic_string&& o) noexcept {
        if (this != &o) {
            release();
            pool_ = o.pool_;
            size_ = o.size_;
            std::memcpy(raw_, o.raw_, raw_bytes);
            o.set_short_empty();
        }
        return *this;
    }
    ~basic_string() { release(); }

#if TINYMEM_ADAPTERS_EXCEPTIONS
    // Effect: a string of `pool` holding `s`. Errors: std::bad_alloc when the pool cannot hold
    //   it. (With exceptions off: construct empty, then try_assign.)
    basic_string(pool_type& pool, view_type s) : basic_string(pool) { assign(s); }
    basic_string(pool_type& pool, const CharT* s) : basic_string(pool, view_type(s)) {}
    basic_string(pool_type& pool, size_type count, CharT ch) : basic_string(pool) { append(count, ch); }
    // A copy in o's pool. Errors: std::bad_alloc.
    basic_string(const basic_string& o) : basic_string(*o.pool_) {
        if (!try_assign(o)) throw std::bad_alloc();
    }
    // Effect: copies o's characters into this string's pool. Errors: std::bad_alloc (unchanged).
    basic_string& operator=(const basic_string& o) {
        if (!try_assign(o)) throw std::bad_alloc();
        return *this;
    }
    basic_string& operator=(view_type s) { return assign(s); }
    basic_string& assign(view_type s) {
        if (!try_assign(s)) throw std::bad_alloc();
        return *this;
    }
#else
    basic_string(const basic_string&) = delete; // with exceptions off: try_assign
    basic_string& operator=(const basic_string&) = delete;
#endif

    // Effect: makes this string a copy of `s` / `o` (in this string's pool).
    // Result: false when the pool cannot hold it; the string is then unchanged. Never throws.
    bool try_assign(view_type s) noexcept { return replace_impl(0, size_, from_view(s)); }
    bool try_assign(const basic_string& o) noexcept {
        if (this == &o) return true;
        return replace_impl(0, size_, from_string(o, 0, o.size_));
    }

    // A string built at `where` as an element of a tinymem::vector (its try_ members), the way
    // the constructors would build it but reporting an exhausted pool by false (nothing built
    // then) instead of std::bad_alloc; with exceptions off too.
    static bool construct_element(void* where, pool_type& pool) noexcept {
        ::new (where) basic_string(pool);
        return true;
    }
    static bool construct_element(void* where, basic_string&& o) noexcept {
        ::new (where) basic_string(std::move(o));
        return true;
    }
    static bool construct_element(void* where, const basic_string& o) noexcept {
        return construct_assigned(where, *o.pool_, [&o](basic_string& s) { return s.try_assign(o); });
    }
    static bool construct_element(void* where, basic_string& o) noexcept {
        return construct_element(where, static_cast<const basic_string&>(o));
    }
    static bool construct_element(void* where, pool_type& pool, view_type v) noexcept {
        return construct_assigned(where, pool, [v](basic_string& s) { return s.try_assign(v); });
    }
    static bool construct_element(void* where, pool_type& pool, const CharT* v) noexcept {
        return construct_element(where, pool, view_type(v));
    }

    // ---- access -------------------------------------------------------------------------------

    pool_type& get_pool() const noexcept { return *pool_; }
    // The block's handle; null while the characters are inline (short strings).
    handle_type handle() const noexcept { return is_long() ? long_handle() : handle_type{}; }

    // The characters, NUL-terminated; never null. Valid under the pointer rule (file comment).
    CharT* data() noexcept { return chars(); }
    const CharT* data() const noexcept { return chars(); }
    const CharT* c_str() const noexcept { return chars(); }
    operator view_type() const noexcept { return view_type(chars(), size_); }

    // Requires: i <= size() ([size()] is the NUL; do not change it).
    CharT& operator[](size_type i) noexcept {
        TINYMEM_ASSERT(i <= size_);
        return chars()[i];
    }
    const CharT& operator[](size_type i) const noexcept {
        TINYMEM_ASSERT(i <= size_);
        return chars()[i];
    }
#if TINYMEM_ADAPTERS_EXCEPTIONS
    // Errors: std::out_of_range when i >= size().
    CharT& at(size_type i) {
        if (i >= size_) throw std::out_of_range("tinymem::string::at: index out of range");
        return chars()[i];
    }
    const CharT& at(size_type i) const {
        if (i >= size_) throw std::out_of_range("tinymem::string::at: index out of range");
        return chars()[i];
    }
#endif
    // Require: a non-empty string.
    CharT& front() noexcept {
        TINYMEM_ASSERT(size_ != 0);
        return chars()[0];
    }
    const CharT& front() const noexcept {
        TINYMEM_ASSERT(size_ != 0);
        return chars()[0];
    }
    CharT& back() noexcept {
        TINYMEM_ASSERT(size_ != 0);
        return chars()[size_ - 1];
    }
    const CharT& back() const noexcept {
        TINYMEM_ASSERT(size_ != 0);
        return chars()[size_ - 1];
    }

    // Effect: pins the block of a long string. Result: a view that stays valid while it lives
    //   (for a short string: while the string object does not move; see the file comment).
    pinned_string_view<CharT, Config> pin() const noexcept {
        return pinned_string_view<CharT, Config>(*pool_, handle(), short_chars(), size_);
    }

    iterator begin() noexcept { return {this, 0}; }
    iterator end() noexcept { return {this, difference_type(size_)}; }
    const_iterator begin() const noexcept { return {this, 0}; }
    const_iterator end() const noexcept { return {this, difference_type(size_)}; }
    const_iterator cbegin() const noexcept { return begin(); }
    const_iterator cend() const noexcept { return end(); }
    reverse_iterator rbegin() noexcept { return reverse_iterator(end()); }
    reverse_iterator rend() noexcept { return reverse_iterator(begin()); }
    const_reverse_iterator rbegin() const noexcept { return const_reverse_iterator(end()); }
    const_reverse_iterator rend() const noexcept { return const_reverse_iterator(begin()); }

    // ---- capacity -----------------------------------------------------------------------------

    size_type size() const noexcept { return size_; }
    size_type length() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    // Characters the string holds without growing: small_capacity while inline, else what the
    // block holds less the NUL (the pool may round a block up).
    size_type capacity() const noexcept {
        return is_long() ? pool_->size(long_handle()) / sizeof(CharT) - 1 : small_capacity;
    }
    // The most characters the pool or the stored size could hold.
    size_type max_size() const noexcept {
        const std::size_t by_pool = pool_->capacity() / sizeof(CharT);
        const std::size_t by_type = std::numeric_limits<stored_size>::max();
        const std::size_t most = by_pool < by_type ? by_pool : by_type;
        return most == 0 ? 0 : most - 1; // room for the NUL
    }

    // Result: false when the pool cannot give room for `n` characters (the string is unchanged).
    bool try_reserve(size_type n) noexcept { return n <= capacity() || grow_exact(n); }
#if TINYMEM_ADAPTERS_EXCEPTIONS
    // Errors: std::length_error beyond max_size(), std::bad_alloc (unchanged).
    void reserve(size_type n) {
        if (n > max_size()) throw std::length_error("tinymem::string::reserve: more than max_size()");
        if (!try_reserve(n)) throw std::bad_alloc();
    }
#endif
    // Effect: gives back unused capacity: a long string that fits the inline buffer moves there
    //   and frees its block; otherwise the block shrinks in place. Never fails, never moves blocks.
    void shrink_to_fit() noexcept {
        if (!is_long()) return;
        const handle_type h = long_handle();
        if (size_ <= small_capacity) {
            const CharT* b = static_cast<const CharT*>(pool_->data(h));
            std::memcpy(raw_, b, (std::size_t(size_) + 1) * sizeof(CharT)); // overwrites the handle (read above)
            raw_[raw_bytes - 1] = 0;
            pool_->deallocate(h);
            return;
        }
        pool_->reallocate(h, (std::size_t(size_) + 1) * sizeof(CharT)); // shrinking never moves or fails
    }

    // ---- modifiers ----------------------------------------------------------------------------

    // Effect: size() becomes 0; keeps the block (shrink_to_fit frees it).
    void clear() noexcept { set_size(0); }
    // Requires: a non-empty string.
    void pop_back() noexcept {
        TINYMEM_ASSERT(size_ != 0);
        set_size(size_type(size_ - 1));
    }

    // The try_ members below: Result: false when the pool cannot hold the result (or it would
    // exceed max_size()); the string is then unchanged. Never throw. Requires: pos <= size()
    // (otherwise the program stops with a message: std::abort).
    bool try_push_back(CharT ch) noexcept {
        if (size_ < capacity()) {
            CharT* d = chars();
            d[size_] = ch;
            set_size(size_ + 1);
            return true;
        }
        return replace_impl(size_, 0, fill(1, ch));
    }
    bool try_append(view_type s) noexcept { return replace_impl(size_, 0, from_view(s)); }
    bool try_append(const basic_string& s) noexcept { return replace_impl(size_, 0, from_string(s, 0, s.size_)); }
    bool try_append(size_type count, CharT ch) noexcept { return replace_impl(size_, 0, fill(count, ch)); }
    bool try_insert(size_type pos, view_type s) noexcept {
        check_pos(pos);
        return replace_impl(pos, 0, from_view(s));
    }
    bool try_insert(size_type pos, const basic_string& s) noexcept {
        check_pos(pos);
        return replace_impl(pos, 0, from_string(s, 0, s.size_));
    }
    bool try_insert(size_type pos, size_type count, CharT ch) noexcept {
        check_pos(pos);
        return replace_impl(pos, 0, fill(count, ch));
    }
    // Replaces the characters [pos, pos + min(count, size() - pos)).
    bool try_replace(size_type pos, size_type count, view_type s) noexcept {
        check_pos(pos);
        return replace_impl(pos, clamp(pos, count), from_view(s));
    }
    bool try_replace(size_type pos, size_type count, const basic_string& s) noexcept {
        check_pos(pos);
        return replace_impl(pos, clamp(pos, count), from_string(s, 0, s.size_));
    }
    bool try_resize(size_type n, CharT ch = CharT()) noexcept {
        if (n <= size_) {
            set_size(n);
            return true;
        }
        return replace_impl(size_, 0, fill(n - size_, ch));
    }
    // Effect: `out` (in its own pool) becomes the characters [pos, pos + min(count, size() - pos)).
    bool try_substr(basic_string& out, size_type pos = 0, size_type count = npos) const noexcept {
        check_pos(pos);
        // out describes the source: from out's point of view *this is `self` when &out == this.
        return out.replace_impl(0, out.size_, out.from_string(*this, pos, clamp(pos, count)));
    }

    // Effect: removes the characters [pos, pos + min(count, size() - pos)). Never fails.
    // Errors: pos > size(): std::out_of_range (with exceptions off the program stops: std::abort).
    basic_string& erase(size_type pos = 0, size_type count = npos) {
        if (pos > size_) out_of_range("tinymem::string::erase: position past the end");
        erase_impl(pos, clamp(pos, count));
        return *this;
    }
    // Requires: a valid, dereferenceable iterator / a valid range of this string.
    iterator erase(const_iterator it) noexcept {
        TINYMEM_ASSERT(size_type(it.index()) < size_);
        erase_impl(it.index(), 1);
        return {this, difference_type(it.index())};
    }
    iterator erase(const_iterator first, const_iterator last) noexcept {
        TINYMEM_ASSERT(first.index() <= last.index() && size_type(last.index()) <= size_);
        erase_impl(first.index(), last.index() - first.index());
        return {this, difference_type(first.index())};
    }

#if TINYMEM_ADAPTERS_EXCEPTIONS
    // The throwing forms of the try_ members. Errors: std::bad_alloc when the pool cannot hold
    // the result, std::length_error beyond max_size(), std::out_of_range for pos > size(); the
    // string is then unchanged.
    void push_back(CharT ch) {
        if (!try_push_back(ch)) throw std::bad_alloc();
    }
    basic_string& append(view_type s) { return check(size_, s.size(), try_append(s)); }
    basic_string& append(const basic_string& s) { return check(size_, s.size_, try_append(s)); }
    basic_string& append(size_type count, CharT ch) { return check(size_, count, try_append(count, ch)); }
    basic_string& operator+=(view_type s) { return append(s); }
    basic_string& operator+=(const basic_string& s) { return append(s); }
    basic_string& operator+=(CharT ch) {
        push_back(ch);
        return *this;
    }
    basic_string& insert(size_type pos, view_type s) {
        if (pos > size_) out_of_range("tinymem::string::insert: position past the end");
        return check(size_, s.size(), try_insert(pos, s));
    }
    basic_string& insert(size_type pos, const basic_string& s) {
        if (pos > size_) out_of_range("tinymem::string::insert: position past the end");
        return check(size_, s.size_, try_insert(pos, s));
    }
    basic_string& insert(size_type pos, size_type count, CharT ch) {
        if (pos > size_) out_of_range("tinymem::string::insert: position past the end");
        return check(size_, count, try_insert(pos, count, ch));
    }
    iterator insert(const_iterator pos, CharT ch) {
        insert(pos.index(), 1, ch);
        return {this, difference_type(pos.index())};
    }
    basic_string& replace(size_type pos, size_type count, view_type s) {
        if (pos > size_) out_of_range("tinymem::string::replace: position past the end");
        return check(size_ - clamp(pos, count), s.size(), try_replace(pos, count, s));
    }
    basic_string& replace(size_type pos, size_type count, const basic_string& s) {
        if (pos > size_) out_of_range("tinymem::string::replace: position past the end");
        return check(size_ - clamp(pos, count), s.size_, try_replace(pos, count, s));
    }
    void resize(size_type n, CharT ch = CharT()) {
        if (n > max_size()) throw std::length_error("tinymem::string::resize: more than max_size()");
        if (!try_resize(n, ch)) throw std::bad_alloc();
    }
    // Result: the characters [pos, pos + min(count, size() - pos)) as a string of this pool.
    basic_string substr(size_type pos = 0, size_type count = npos) const {
        if (pos > size_) out_of_range("tinymem::string::substr: position past the end");
        basic_string r(*pool_);
        if (!try_substr(r, pos, count)) throw std::bad_alloc();
        return r;
    }
#endif

    void swap(basic_string& o) noexcept {
        std::swap(pool_, o.pool_);
        std::swap(size_, o.size_);
        unsigned char t[raw_bytes];
        std::memcpy(t, raw_, raw_bytes);
        std::memcpy(raw_, o.raw_, raw_bytes);
        std::memcpy(o.raw_, t, raw_bytes);
    }
    friend void swap(basic_string& a, basic_string& b) noexcept { a.swap(b); }

    // ---- operations (as std::basic_string_view's; npos when nothing is found) -----------------

    int compare(view_type s) const noexcept { return view().compare(s); }
    bool starts_with(view_type s) const noexcept { return view().starts_with(s); }
    bool starts_with(CharT ch) const noexcept { return view().starts_with(ch); }
    bool ends_with(view_type s) const noexcept { return view().ends_with(s); }
    bool ends_with(CharT ch) const noexcept { return view().ends_with(ch); }
    bool contains(view_type s) const noexcept { return view().find(s) != view_type::npos; }
    bool contains(CharT ch) const noexcept { return view().find(ch) != view_type::npos; }
    size_type find(view_type s, size_type pos = 0) const noexcept { return view().find(s, pos); }
    size_type find(CharT ch, size_type pos = 0) const noexcept { return view().find(ch, pos); }
    size_type rfind(view_type s, size_type pos = npos) const noexcept { return view().rfind(s, pos); }
    size_type rfind(CharT ch, size_type pos = npos) const noexcept { return view().rfind(ch, pos); }
    size_type find_first_of(view_type s, size_type pos = 0) const noexcept { return view().find_first_of(s, pos); }
    size_type find_first_of(CharT ch, size_type pos = 0) const noexcept { return view().find_first_of(ch, pos); }
    size_type find_last_of(view_type s, size_type pos = npos) const noexcept { return view().find_last_of(s, pos); }
    size_type find_last_of(CharT ch, size_type pos = npos) const noexcept { return view().find_last_of(ch, pos); }
    size_type find_first_not_of(view_type s, size_type pos = 0) const noexcept {
        return view().find_first_not_of(s, pos);
    }
    size_type find_first_not_of(CharT ch, size_type pos = 0) const noexcept {
        return view().find_first_not_of(ch, pos);
    }
    size_type find_last_not_of(view_type s, size_type pos = npos) const noexcept {
        return view().find_last_not_of(s, pos);
    }
    size_type find_last_not_of(CharT ch, size_type pos = npos) const noexcept {
        return view().find_last_not_of(ch, pos);
    }

    // Comparison with another string, a string_view, a const CharT* (through string_view) or a
    // std::basic_string: the characters, as std::basic_string_view compares them.
    friend bool operator==(const basic_string& a, const basic_string& b) noexcept { return a.view() == b.view(); }
    friend bool operator==(const basic_string& a, view_type b) noexcept { return a.view() == b; }
    friend auto operator<=>(const basic_string& a, const basic_string& b) noexcept { return a.view() <=> b.view(); }
    friend auto operator<=>(const basic_string& a, view_type b) noexcept { return a.view() <=> b; }

private:
    // Builds an empty string of `pool` at `where` and fills it; destroys it again on false.
    template <class Fill>
    static bool construct_assigned(void* where, pool_type& pool, Fill fill) noexcept {
        basic_string* const s = ::new (where) basic_string(pool);
        if (fill(*s)) return true;
        s->~basic_string();
        return false;
    }
    // ---- representation -----------------------------------------------------------------------

    bool is_long() const noexcept { return raw_[raw_bytes - 1] != 0; }
    handle_type long_handle() const noexcept {
        handle_type h;
        std::memcpy(static_cast<void*>(&h), raw_, sizeof h);
        return h;
    }
    CharT* short_chars() noexcept { return reinterpret_cast<CharT*>(raw_); }
    const CharT* short_chars() const noexcept { return reinterpret_cast<const CharT*>(raw_); }
    view_type view() const noexcept { return view_type(chars(), size_); }

    // The characters (never null). A long string whose block is gone (freed through the pool
    // behind its back) stops the program instead of handing out a null pointer.
    CharT* chars() const noexcept {
        if (!is_long()) return const_cast<CharT*>(short_chars());
        CharT* const p = static_cast<CharT*>(pool_->data(long_handle()));
        if (p == nullptr) [[unlikely]]
            detail::adapter_misuse("tinymem::string: its block was freed through the pool");
        return p;
    }
    void set_short_empty() noexcept {
        size_ = 0;
        std::memset(raw_, 0, raw_bytes);
    }
    void set_size(std::size_t n) noexcept {
        size_ = stored_size(n);
        chars()[n] = CharT();
    }
    void release() noexcept {
        if (is_long()) pool_->deallocate(long_handle());
        set_short_empty();
    }

    // ---- positions ----------------------------------------------------------------------------

    void check_pos(size_type pos) const noexcept {
        if (pos > size_) [[unlikely]]
            detail::adapter_misuse("tinymem::string: position past the end (a try_ member requires pos <= size())");
    }
    size_type clamp(size_type pos, size_type count) const noexcept {
        return count < size_ - pos ? count : size_ - pos;
    }
    [[noreturn]] static void out_of_range(const char* what) {
#if TINYMEM_ADAPTERS_EXCEPTIONS
        throw std::out_of_range(what);
#else
        detail::adapter_misuse(what);
#endif
    }
#if TINYMEM_ADAPTERS_EXCEPTIONS
    // The error of a failed edit that keeps `kept` characters and adds `added`.
    basic_string& check(size_type kept, size_type added, bool ok) {
        if (ok) return *this;
        if (added > max_size() || kept > max_size() - added)
            throw std::length_error("tinymem::string: more than max_size()");
        throw std::bad_alloc();
    }
#endif

    // ---- the one edit: replace [pos, pos + n1) by a source ------------------------------------

    // Where the characters of an edit come from. Resolved only after the edit's allocation, so a
    // source in a movable block is found wherever that allocation moved it.
    struct source {
        size_type len = 0;
        const CharT* chars = nullptr;     // stable characters (outside the pool, or pinned)
        const pool_type* pool = nullptr;  // or: in this pool's block `block`, from `offset`
        handle_type block{};
        size_type offset = 0;
        bool self = false;                // or: this string's own characters, from `offset`
        bool is_fill = false;             // or: len copies of `ch`
        bool is_small = false;            // or: the copy of another string's inline characters
        CharT ch{};
        CharT small[small_capacity + 1]{};
        const CharT* get() const noexcept {
            if (is_small) return small;
            if (block) return static_cast<const CharT*>(pool->data(block)) + offset;
            return chars;
        }
    };
    static source fill(size_type count, CharT ch) noexcept {
        source s;
        s.len = count;
        s.is_fill = true;
        s.ch = ch;
        return s;
    }
    source from_view(view_type v) const noexcept {
        source s;
        s.len = v.size();
        if (v.empty()) return s;
        const auto at = reinterpret_cast<std::uintptr_t>(v.data());
        const auto lo = reinterpret_cast<std::uintptr_t>(chars());
        if (at >= lo && at < lo + size_ * sizeof(CharT)) {
            s.self = true;
            s.offset = (at - lo) / sizeof(CharT);
        } else {
            s.chars = v.data();
        }
        return s;
    }
    // The characters [pos, pos + len) of `o` (pos and len already checked). o is read now, once:
    // the edit's allocation may move o's block, and o itself when o lives in pool memory.
    source from_string(const basic_string& o, size_type pos, size_type len) const noexcept {
        source s;
        s.len = len;
        if (len == 0) return s;
        if (&o == this) {
            s.self = true;
            s.offset = pos;
        } else if (o.is_long()) {
            s.pool = o.pool_;
            s.block = o.long_handle();
            s.offset = pos;
        } else {
            s.is_small = true;
            std::memcpy(s.small, o.short_chars() + pos, len * sizeof(CharT));
        }
        return s;
    }

    // Effect: replaces [pos, pos + n1) by the source (pos <= size_, n1 <= size_ - pos).
    // Result: false when the pool cannot hold the result; nothing changed then.
    bool replace_impl(size_type pos, size_type n1, const source& s) noexcept {
        const std::size_t n = size_;
        const std::size_t kept = n - n1;
        if (s.len > max_size() || kept > max_size() - s.len) return false;
        const std::size_t new_size = kept + s.len;
        if (s.self) return rebuild(pos, n1, s.offset, s.len, new_size);
        if (new_size > capacity() && !grow_for(new_size)) return false;
        CharT* d = chars(); // after the growth: it may have moved the block
        if (n1 != s.len && n - pos - n1 != 0) traits_type::move(d + pos + s.len, d + pos + n1, n - pos - n1);
        if (s.is_fill) {
            if (s.len != 0) traits_type::assign(d + pos, s.len, s.ch);
        } else if (s.len != 0) {
            traits_type::copy(d + pos, s.get(), s.len);
        }
        set_size(new_size);
        return true;
    }

    // The same edit when the source is this string: builds the result in a new string (whose
    // allocation may move our block: read through the handle afterwards), then swaps.
    bool rebuild(size_type pos, size_type n1, size_type off, size_type len, std::size_t new_size) noexcept {
        basic_string tmp(*pool_);
        const size_type cap = capacity();
        if (new_size > small_capacity) {
            // Keep the capacity (repeated s += s stays geometric), exactly new_size when short.
            const std::size_t want = cap > new_size ? cap : new_size;
            if (!tmp.grow_exact(want) && (want == new_size || !tmp.grow_exact(new_size))) return false;
        }
        const CharT* d = chars();
        CharT* t = tmp.chars();
        if (pos != 0) traits_type::copy(t, d, pos);
        if (len != 0) traits_type::copy(t + pos, d + off, len);
        const std::size_t tail = size_ - pos - n1;
        if (tail != 0) traits_type::copy(t + pos + len, d + pos + n1, tail);
        tmp.set_size(new_size);
        swap(tmp);
        return true;
    }

    void erase_impl(size_type pos, size_type count) noexcept {
        if (count == 0) return;
        CharT* d = chars();
        const std::size_t tail = size_ - pos - count;
        if (tail != 0) traits_type::move(d + pos, d + pos + count, tail);
        set_size(size_ - count);
    }

    // Growth to at least n characters: x1.5 first, exactly n when that does not fit.
    bool grow_for(std::size_t n) noexcept {
        const std::size_t cap = capacity();
        const std::size_t geometric = cap + cap / 2;
        if (geometric > n && geometric <= max_size() && grow_exact(geometric)) return true;
        return grow_exact(n);
    }
    // Effect: room for n characters plus the NUL. A short string moves into a new block; a long
    //   one reallocates (in place or moving). Unchanged on failure.
    bool grow_exact(std::size_t n) noexcept {
        if (n <= capacity()) return true;
        if (n > max_size()) return false;
        const std::size_t bytes = (n + 1) * sizeof(CharT);
        if (is_long()) return pool_->reallocate(long_handle(), bytes);
        const handle_type h = pool_->allocate(bytes, block_alignment);
        if (!h) return false;
        std::memcpy(pool_->data(h), raw_, (std::size_t(size_) + 1) * sizeof(CharT));
        std::memcpy(raw_, static_cast<const void*>(&h), sizeof h);
        raw_[raw_bytes - 1] = 1;
        return true;
    }

    pool_type* pool_;
    stored_size size_ = 0;
    // Inline characters (NUL-terminated) or the block's handle; the last byte is the mode.
    alignas(handle_type) alignas(CharT) unsigned char raw_[raw_bytes];
};

} // namespace tinymem

// Hashes as std::hash<std::basic_string_view<CharT>> (so a table may look up with either).
template <class CharT, class Config>
struct std::hash<tinymem::basic_string<CharT, Config>> {
    std::size_t operator()(const tinymem::basic_string<CharT, Config>& s) const noexcept {
        return std::hash<std::basic_string_view<CharT>>{}(std::basic_string_view<CharT>(s));
    }
};

#endif
