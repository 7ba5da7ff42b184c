// SPDX-License-Identifier: MIT
// tinymem::vector<T, Config>: a vector whose elements live in one movable block of a tinymem
// pool. It holds the pool's address, the block's handle and the element count (16 bytes with
// config16 on a 64-bit host), so the pool may move its elements at any compaction or growth.
//
// What stays valid when (see also docs/adapters.md):
// - The vector, its handle, size() and capacity(): always (the pool keeps handles stable).
// - Iterators: index-based (vector address + index), resolved through the handle at every
//   dereference, so compaction, defrag_step and growth never invalidate them. insert/erase shift
//   what an index refers to, as with std::vector; an iterator past the end after erase is invalid.
// - References and pointers from operator[], at, front, back, data, *it: until the next call on
//   the pool that may move blocks (allocate, allocate_pinned, reallocate, defrag, defrag_step, or
//   any growing call on any tinymem::vector or pmr container of that pool).
// - pin(): a pinned_view whose span and element references stay valid while the view lives; the
//   block does not move, so the vector may then only grow in place (a growth that needs a move
//   fails: std::bad_alloc, or false from a try_ call). Nor is the block freed while pinned (the
//   pool refuses to free a pinned block, and a block the vector let go of would be lost):
//   shrink_to_fit keeps it, copy assignment copies into it (or fails as a growth would), move
//   assignment moves the other's elements into it (or, when they do not fit, hands it emptied
//   to the moved-from vector). Destroying the vector while a view of it lives is a mistake the
//   vector cannot recover from: it stops the program (std::abort).
// - A vector stored inside pool memory (tinymem::vector<tinymem::vector<int>> in one pool): the
//   inner vector object itself moves with its container's block. Grow inner vectors through
//   outer.modify(i, f), which moves the inner object to the stack while f runs: an inner
//   vector's growth may compact the pool, and would otherwise move the very object it is running
//   on. Read-only access (outer[i][j], comparisons, copies of the outer) needs nothing special.
//
// Element types must be relocatable (tinymem::is_relocatable<T>, see common.hpp); destructors of
// elements must not allocate from the pool.
#include "tinymem/version.hpp" // first: the C++20 check (see tinymem/version.hpp)
#ifndef TINYMEM_ADAPTERS_VECTOR_HPP
#define TINYMEM_ADAPTERS_VECTOR_HPP

#include "common.hpp"

#ifndef TINYMEM_MODULE
#include <algorithm>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <iterator>
#include <limits>
#include <new>
#include <span>
#include <stdexcept>
#include <type_traits>
#include <utility>
#endif

namespace tinymem {

TINYMEM_EXPORT template <class T, class Config = default_config>
class vector;

// A vector holds only a handle and its pool's address: it relocates.
template <class T, class Config>
struct is_relocatable<vector<T, Config>> : std::true_type {};

namespace detail {

// std::vector's "synthesized three-way comparison" for element types.
struct synth_three_way_fn {
    template <class U>
    constexpr auto operator()(const U& a, const U& b) const {
        if constexpr (std::three_way_comparable<U>) {
            return a <=> b;
        } else {
            if (a < b) return std::weak_ordering::less;
            if (b < a) return std::weak_ordering::greater;
            return std::weak_ordering::equivalent;
        }
    }
};

// Raw, suitably aligned bytes for one T built on the stack and then relocated into the pool, so
// that a constructor that allocates from the pool (a nested vector's copy) cannot move the
// block it is being built into.
template <class T>
struct relocation_slot {
    alignas(T) unsigned char bytes[sizeof(T)];
    T* get() noexcept { return std::launder(reinterpret_cast<T*>(bytes)); }
};

// An index-based random-access iterator: the vector's address and a position.
template <class Vec, bool Const>
class vector_iterator {
    using vec_ptr = std::conditional_t<Const, const Vec*, Vec*>;

public:
    using iterator_concept = std::random_access_iterator_tag;
    using iterator_category = std::random_access_iterator_tag;
    using value_type = typename Vec::value_type;
    using difference_type = std::ptrdiff_t;
    using reference = std::conditional_t<Const, const value_type&, value_type&>;
    using pointer = std::conditional_t<Const, const value_type*, value_type*>;

    constexpr vector_iterator() noexcept = default;
    constexpr vector_iterator(vec_ptr v, difference_type i) noexcept : v_(v), i_(i) {}
    constexpr operator vector_iterator<Vec, true>() const noexcept
        requires(!Const)
    {
        return {v_, i_};
    }

    // The position in the vector.
    constexpr std::size_t index() const noexcept { return std::size_t(i_); }
    constexpr vec_ptr container() const noexcept { return v_; }

    reference operator*() const noexcept { return (*v_)[typename Vec::size_type(i_)]; }
    pointer operator->() const noexcept { return &**this; }
    reference operator[](difference_type n) const noexcept { return (*v_)[typename Vec::size_type(i_ + n)]; }

    constexpr vector_iterator& operator++() noexcept { ++i_; return *this; }
    constexpr vector_iterator operator++(int) noexcept { auto t = *this; ++i_; return t; }
    constexpr vector_iterator& operator--() noexcept { --i_; return *this; }
    constexpr vector_iterator operator--(int) noexcept { auto t = *this; --i_; return t; }
    constexpr vector_iterator& operator+=(difference_type n) noexcept { i_ += n; return *this; }
    constexpr vector_iterator& operator-=(difference_type n) noexcept { i_ -= n; return *this; }
    friend constexpr vector_iterator operator+(vector_iterator it, difference_type n) noexcept { return it += n; }
    friend constexpr vector_iterator operator+(difference_type n, vector_iterator it) noexcept { return it += n; }
    friend constexpr vector_iterator operator-(vector_iterator it, difference_type n) noexcept { return it -= n; }
    friend constexpr difference_type operator-(const vector_iterator& a, const vector_iterator& b) noexcept {
        return a.i_ - b.i_;
    }
    friend constexpr bool operator==(const vector_iterator& a, const vector_iterator& b) noexcept {
        return a.i_ == b.i_ && a.v_ == b.v_;
    }
    friend constexpr std::strong_ordering operator<=>(const vector_iterator& a, const vector_iterator& b) noexcept {
        return a.i_ <=> b.i_;
    }

private:
    vec_ptr v_ = nullptr;
    difference_type i_ = 0;
};

} // namespace detail

// The elements of a tinymem::vector, pinned: they do not move while the view lives. Move-only.
// A failed pin (more than max_pins nested pins on the block) gives an empty view that is false.
TINYMEM_EXPORT template <class T, class Config = default_config>
class pinned_view {
public:
    using pool_type = basic_pool<Config>;
    using element_type = T;

    pinned_view() noexcept = default;
    pinned_view(pool_type& p, typename pool_type::handle h, std::size_t n) noexcept {
        if (!h || n == 0) {
            ok_ = true;
            return;
        }
        guard_ = p.pin(h);
        if (guard_) {
            span_ = std::span<T>(static_cast<T*>(guard_.data()), n);
            ok_ = true;
        }
    }

    // False when the pin failed.
    explicit operator bool() const noexcept { return ok_; }
    std::span<T> span() const noexcept { return span_; }
    operator std::span<T>() const noexcept { return span_; }
    T* data() const noexcept { return span_.data(); }
    std::size_t size() const noexcept { return span_.size(); }
    bool empty() const noexcept { return span_.empty(); }
    T& operator[](std::size_t i) const noexcept { return span_[i]; }
    T* begin() const noexcept { return span_.data(); }
    T* end() const noexcept { return span_.data() + span_.size(); }

private:
    typename pool_type::pin_guard guard_;
    std::span<T> span_;
    bool ok_ = false;
};

TINYMEM_EXPORT template <class T, class Config>
class vector {
    static_assert(std::is_object_v<T> && !std::is_const_v<T> && !std::is_volatile_v<T>,
                  "tinymem::vector<T>: T must be a non-const, non-volatile object type");
    static_assert(is_relocatable_v<T>,
                  "tinymem::vector<T>: T must be relocatable by memmove: trivially copyable, or opted in by "
                  "specialising tinymem::is_relocatable<T> (libstdc++'s std::string and std::list are not)");
    static_assert(std::is_nothrow_destructible_v<T>, "tinymem::vector<T>: T's destructor must not throw");

public:
    using value_type = T;
    using pool_type = basic_pool<Config>;
    using handle_type = typename pool_type::handle;
    // 32 bits in the 16-bit configurations (pools up to 1 MiB), size_t otherwise.
    using size_type = std::conditional_t<sizeof(typename Config::offset_type) == 2, std::uint32_t, std::size_t>;
    using difference_type = std::ptrdiff_t;
    using reference = T&;
    using const_reference = const T&;
    using pointer = T*;
    using const_pointer = const T*;
    using iterator = detail::vector_iterator<vector, false>;
    using const_iterator = detail::vector_iterator<vector, true>;
    using reverse_iterator = std::reverse_iterator<iterator>;
    using const_reverse_iterator = std::reverse_iterator<const_iterator>;

    // The alignment of the block: T's, at least the pool's granule.
    static constexpr std::size_t block_alignment = alignof(T) > Config::granule ? alignof(T) : Config::granule;

    // ---- construction -------------------------------------------------------------------------

    // An empty vector of `pool` (allocates nothing). The pool must outlive the vector.
    explicit vector(pool_type& pool) noexcept : pool_(&pool) {}

    vector(vector&& o) noexcept : pool_(o.pool_), h_(o.h_), size_(o.size_) {
        o.h_ = handle_type{};
        o.size_ = 0;
    }
    // Effect: destroys this vector's elements and takes over o's elements, block and pool; o is
    //   left empty. While this vector's block is pinned (a pinned_view of it lives) that block
    //   can be neither freed nor moved, and a block nobody holds could never be freed later: o's
    //   elements then move into it (grown in place if need be) and o's block is freed; when they
    //   cannot (another pool, or no room where the block is), the two vectors swap blocks and o
    //   keeps this vector's old block, emptied, so o must then outlive the view.
    vector& operator=(vector&& o) noexcept {
        if (this == &o) return *this;
        if (!pinned()) {
            release();
            pool_ = o.pool_;
            h_ = o.h_;
            size_ = o.size_;
            o.h_ = handle_type{};
            o.size_ = 0;
            return *this;
        }
        destroy_tail(0);
        if (o.pool_ == pool_ && (o.size_ <= capacity() || grow_exact(o.size_))) {
            if (o.size_ != 0)
                std::memcpy(static_cast<void*>(data()), static_cast<const void*>(o.data()), std::size_t(o.size_) * sizeof(T));
            size_ = o.size_;
            o.size_ = 0; // relocated, not destroyed
            if (!o.pinned()) o.release(); // a pinned one stays o's, empty
        } else {
            swap(o);
        }
        return *this;
    }
    // Effect: destroys the elements and frees the block.
    // Requires: no pinned_view of this vector (nor any pin of its block) outlives it; otherwise
    //   the block could be neither freed (the pool refuses a pinned block) nor reached by anyone
    //   later, so the destructor stops the program with a message on stderr (std::abort).
    ~vector() {
        if (pinned()) [[unlikely]]
            detail::adapter_misuse("tinymem::vector destroyed while its block is pinned (a pinned_view "
                                   "outlives its vector)");
        release();
    }

#if TINYMEM_ADAPTERS_EXCEPTIONS
    vector(pool_type& pool, size_type n) : vector(pool) { resize(n); }
    vector(pool_type& pool, size_type n, const T& value) : vector(pool) { resize(n, value); }
    vector(pool_type& pool, std::initializer_list<T> init) : vector(pool) {
        reserve(size_type(init.size()));
        for (const T& x : init) push_back(x);
    }
    // A copy in the same pool.
    vector(const vector& o) : vector(*o.pool_) {
        if (!try_assign(o)) throw std::bad_alloc();
    }
    // Copies o's elements into this vector's pool.
    vector& operator=(const vector& o) {
        if (this != &o && !try_assign(o)) throw std::bad_alloc();
        return *this;
    }
#else
    vector(const vector&) = delete; // with exceptions off: try_assign
    vector& operator=(const vector&) = delete;
#endif

    // Effect: makes this vector a copy of `o` (in this vector's pool). Elements that are
    //   themselves tinymem::vectors are copied through their own try_assign.
    // Result: false when the pool cannot hold the copy (or a nested copy); this vector is then
    //   unchanged and no block is left behind. While this vector's block is pinned (a
    //   pinned_view lives) the copy goes into that block, which can then only grow in place:
    //   false too when more room is needed and the block cannot grow where it is.
    // Errors: an exception from T's copy constructor propagates (the vector is unchanged); the
    //   vector itself throws nothing.
    bool try_assign(const vector& o) {
        if (this == &o) return true;
        // Read o once: our allocation may move blocks, o's elements and even o itself (when o
        // lives inside pool memory); from here on o is reached through its pool and handle.
        pool_type& src_pool = *o.pool_;
        const handle_type src = o.h_;
        const size_type n = o.size_;
        if (pinned()) return assign_into_pinned(src_pool, src, n);
        vector tmp(*pool_);
        if (!tmp.copy_from(src_pool, src, n)) return false;
        swap(tmp);
        return true;
    }

    // ---- access -------------------------------------------------------------------------------

    pool_type& get_pool() const noexcept { return *pool_; }
    handle_type handle() const noexcept { return h_; }

    // The elements; valid until the next call that may move blocks in the pool.
    T* data() noexcept { return block(); }
    const T* data() const noexcept { return block(); }

    // Element access requires i < size(), as with std::vector (at() checks it). A vector whose
    // block is gone (empty, or freed through the pool behind its back) stops the program with a
    // message instead of indexing a null pointer.
    T& operator[](size_type i) noexcept {
        TINYMEM_ASSERT(i < size_);
        return elements()[i];
    }
    const T& operator[](size_type i) const noexcept {
        TINYMEM_ASSERT(i < size_);
        return elements()[i];
    }
#if TINYMEM_ADAPTERS_EXCEPTIONS
    T& at(size_type i) {
        if (i >= size_) throw std::out_of_range("tinymem::vector::at: index out of range");
        return elements()[i];
    }
    const T& at(size_type i) const {
        if (i >= size_) throw std::out_of_range("tinymem::vector::at: index out of range");
        return elements()[i];
    }
#endif
    T& front() noexcept {
        TINYMEM_ASSERT(size_ != 0);
        return elements()[0];
    }
    const T& front() const noexcept {
        TINYMEM_ASSERT(size_ != 0);
        return elements()[0];
    }
    T& back() noexcept {
        TINYMEM_ASSERT(size_ != 0);
        return elements()[size_ - 1];
    }
    const T& back() const noexcept {
        TINYMEM_ASSERT(size_ != 0);
        return elements()[size_ - 1];
    }

    // Calls f(element i) with the element moved out to the stack, then moves it back; returns
    // what f returns. For elements that live in pool memory but must themselves allocate: the
    // inner vectors of a tinymem::vector<tinymem::vector<U>>. Their growth may then compact the
    // pool freely (f works on the stack copy). While f runs, element i of this vector must not be
    // used through this vector; this vector must not be resized.
    template <class F>
    decltype(auto) modify(size_type i, F&& f) {
        struct put_back {
            vector& v;
            size_type i;
            detail::relocation_slot<T>& slot;
            ~put_back() {
                std::memcpy(static_cast<void*>(v.data() + i), static_cast<const void*>(slot.bytes), sizeof(T));
            }
        };
        detail::relocation_slot<T> slot;
        std::memcpy(static_cast<void*>(slot.bytes), static_cast<const void*>(elements() + i), sizeof(T));
        put_back back{*this, i, slot};
        return std::forward<F>(f)(*slot.get());
    }

    // Pins the block: the view's span stays valid (and the elements in place) while it lives.
    // While it lives the block is neither moved nor freed (see shrink_to_fit, try_assign, the
    // move assignment); the view must end before the vector is destroyed.
    pinned_view<T, Config> pin() noexcept { return pinned_view<T, Config>(*pool_, h_, size_); }
    pinned_view<const T, Config> pin() const noexcept { return pinned_view<const T, Config>(*pool_, h_, size_); }

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
    bool empty() const noexcept { return size_ == 0; }
    // What the block holds (the pool may round a block up).
    size_type capacity() const noexcept { return h_ ? size_type(pool_->size(h_) / sizeof(T)) : 0; }
    size_type max_size() const noexcept {
        const std::size_t by_pool = pool_->capacity() / sizeof(T);
        const std::size_t by_type = std::numeric_limits<size_type>::max();
        return size_type(by_pool < by_type ? by_pool : by_type);
    }

    // Result: false when the pool cannot give `n` elements' room (the vector is unchanged).
    bool try_reserve(size_type n) noexcept { return n <= capacity() || grow_exact(n); }
#if TINYMEM_ADAPTERS_EXCEPTIONS
    void reserve(size_type n) {
        if (n > max_size()) throw std::length_error("tinymem::vector::reserve: more than max_size()");
        if (!try_reserve(n)) throw std::bad_alloc();
    }
#endif
    // Effect: gives back the unused capacity (never fails; an empty vector frees its block).
    //   While the block is pinned (a pinned_view lives) it does nothing: a pinned block cannot
    //   be freed, and the view's span may still cover the elements it was made with.
    void shrink_to_fit() noexcept {
        if (!h_ || pinned()) return;
        if (size_ == 0) {
            pool_->deallocate(h_);
            h_ = handle_type{};
            return;
        }
        pool_->reallocate(h_, std::size_t(size_) * sizeof(T)); // shrinking never moves or fails
    }

    // ---- modifiers ----------------------------------------------------------------------------

    template <class... Args>
    bool try_emplace_back(Args&&... args) {
        return try_emplace_at(size_, std::forward<Args>(args)...);
    }
    bool try_push_back(const T& x) { return try_emplace_back(x); }
    bool try_push_back(T&& x) { return try_emplace_back(std::move(x)); }

    // Inserts before position `pos` (an index, 0..size()).
    // Result: false when the pool cannot hold one more element, or when T is a tinymem::vector
    //   whose copy (or sized construction) cannot get its block; the vector is then unchanged.
    template <class... Args>
    bool try_emplace_at(size_type pos, Args&&... args) {
        detail::relocation_slot<T> tmp;
        // Built before growth: args may alias our elements.
        if (!try_construct(tmp.bytes, std::forward<Args>(args)...)) return false;
        if (size_ == capacity() && !grow_for(size_type(size_ + 1))) {
            tmp.get()->~T();
            return false;
        }
        T* d = data();
        std::memmove(static_cast<void*>(d + pos + 1), static_cast<const void*>(d + pos), std::size_t(size_ - pos) * sizeof(T));
        std::memcpy(static_cast<void*>(d + pos), static_cast<const void*>(tmp.bytes), sizeof(T));
        ++size_;
        return true;
    }
    bool try_insert(const_iterator pos, const T& x) { return try_emplace_at(size_type(pos.index()), x); }
    bool try_insert(const_iterator pos, T&& x) { return try_emplace_at(size_type(pos.index()), std::move(x)); }

    // Result: false when the pool cannot hold n elements; the vector is then unchanged.
    bool try_resize(size_type n) {
        if (n <= size_) {
            destroy_tail(n);
            return true;
        }
        if (n > capacity() && !grow_for(n)) return false;
        rollback guard(*this);
        while (size_ < n)
            if (!relocate_in(size_)) return false;
        guard.dismiss();
        return true;
    }
    bool try_resize(size_type n, const T& value) {
        if (n <= size_) {
            destroy_tail(n);
            return true;
        }
        detail::relocation_slot<T> copy; // `value` may be one of our elements
        if (!try_construct(copy.bytes, value)) return false;
        struct destroy_copy {
            T* p;
            ~destroy_copy() { p->~T(); }
        } destroy{copy.get()};
        if (n > capacity() && !grow_for(n)) return false;
        rollback guard(*this);
        while (size_ < n)
            if (!relocate_in(size_, *copy.get())) return false;
        guard.dismiss();
        return true;
    }

#if TINYMEM_ADAPTERS_EXCEPTIONS
    template <class... Args>
    T& emplace_back(Args&&... args) {
        if (!try_emplace_back(std::forward<Args>(args)...)) throw std::bad_alloc();
        return back();
    }
    void push_back(const T& x) { emplace_back(x); }
    void push_back(T&& x) { emplace_back(std::move(x)); }
    template <class... Args>
    iterator emplace(const_iterator pos, Args&&... args) {
        if (!try_emplace_at(size_type(pos.index()), std::forward<Args>(args)...)) throw std::bad_alloc();
        return {this, difference_type(pos.index())};
    }
    iterator insert(const_iterator pos, const T& x) { return emplace(pos, x); }
    iterator insert(const_iterator pos, T&& x) { return emplace(pos, std::move(x)); }
    // Inserts `count` copies of x before pos. On failure (std::bad_alloc or a throwing copy)
    // the vector is unchanged.
    iterator insert(const_iterator pos, size_type count, const T& x) {
        const size_type at = size_type(pos.index());
        if (count == 0) return {this, difference_type(at)};
        vector tail(*pool_);
        tail.push_back(x); // x may be one of our elements: copy it before anything allocates
        tail.reserve(count);
        for (size_type i = 1; i < count; ++i) tail.push_back(tail[0]);
        splice(at, tail);
        return {this, difference_type(at)};
    }
    iterator insert(const_iterator pos, std::initializer_list<T> init) {
        const size_type at = size_type(pos.index());
        if (init.size() == 0) return {this, difference_type(at)}; // nothing to move (and maybe no block)
        vector tail(*pool_);
        tail.reserve(size_type(init.size()));
        for (const T& x : init) tail.push_back(x);
        splice(at, tail);
        return {this, difference_type(at)};
    }
    void resize(size_type n) {
        if (n > max_size()) throw std::length_error("tinymem::vector::resize: more than max_size()");
        if (!try_resize(n)) throw std::bad_alloc();
    }
    void resize(size_type n, const T& value) {
        if (n > max_size()) throw std::length_error("tinymem::vector::resize: more than max_size()");
        if (!try_resize(n, value)) throw std::bad_alloc();
    }
#endif

    void pop_back() noexcept { destroy_tail(size_type(size_ - 1)); }
    // Destroys the elements; keeps the block (shrink_to_fit frees it).
    void clear() noexcept { destroy_tail(0); }

    iterator erase(const_iterator pos) noexcept { return erase(pos, pos + 1); }
    iterator erase(const_iterator first, const_iterator last) noexcept {
        const auto f = size_type(first.index()), l = size_type(last.index());
        if (f == l) return {this, difference_type(f)};
        T* d = data();
        for (size_type i = f; i < l; ++i) d[i].~T();
        std::memmove(static_cast<void*>(d + f), static_cast<const void*>(d + l), std::size_t(size_ - l) * sizeof(T));
        size_ = size_type(size_ - (l - f));
        return {this, difference_type(f)};
    }

    void swap(vector& o) noexcept {
        std::swap(pool_, o.pool_);
        std::swap(h_, o.h_);
        std::swap(size_, o.size_);
    }
    friend void swap(vector& a, vector& b) noexcept { a.swap(b); }

    // ---- comparison ---------------------------------------------------------------------------

    friend bool operator==(const vector& a, const vector& b) {
        if (a.size_ != b.size_) return false;
        const T *x = a.data(), *y = b.data();
        for (size_type i = 0; i < a.size_; ++i)
            if (!(x[i] == y[i])) return false;
        return true;
    }
    friend auto operator<=>(const vector& a, const vector& b) {
        const T *x = a.data(), *y = b.data();
        return std::lexicographical_compare_three_way(x, x + a.size_, y, y + b.size_, detail::synth_three_way_fn{});
    }

private:
    // The elements, or nullptr when the vector has no block (or its handle no longer names one).
    T* block() const noexcept { return h_ ? static_cast<T*>(pool_->data(h_)) : nullptr; }
    // The elements, for the accessors that require an element to exist.
    T* elements() const noexcept {
        T* const p = block();
        if (p == nullptr) [[unlikely]]
            detail::adapter_misuse("tinymem::vector: element access without elements (empty vector, or its "
                                   "block was freed through the pool)");
        return p;
    }

    // Undoes a partial append: destroys what was added since it was made.
    struct rollback {
        vector& v;
        size_type old;
        bool active = true;
        explicit rollback(vector& vec) noexcept : v(vec), old(vec.size_) {}
        void dismiss() noexcept { active = false; }
        ~rollback() {
            if (active) v.destroy_tail(old);
        }
    };

    // Builds T(args...) on the stack, then moves its bytes to index `at` == size_ (capacity must
    // be there). The constructor may allocate from the pool and so move our block.
    // Result: false when a nested vector's construction could not get its block (nothing added).
    template <class... Args>
    bool relocate_in(size_type at, Args&&... args) {
        detail::relocation_slot<T> tmp;
        if (!try_construct(tmp.bytes, std::forward<Args>(args)...)) return false;
        std::memcpy(static_cast<void*>(data() + at), static_cast<const void*>(tmp.bytes), sizeof(T));
        ++size_;
        return true;
    }

    // Builds an element T(args...) at `where`. An element that allocates from the pool itself
    // (tinymem::vector, tinymem::string: any T with a static construct_element for these
    // arguments) is built through its non-throwing paths (its copy through try_assign): its
    // exhausted pool is a false here, never std::bad_alloc, and needs no exceptions at all.
    template <class... Args>
    static bool try_construct(void* where, Args&&... args) {
        if constexpr (requires { T::construct_element(where, std::forward<Args>(args)...); }) {
            return T::construct_element(where, std::forward<Args>(args)...);
        } else {
            ::new (where) T(std::forward<Args>(args)...);
            return true;
        }
    }

public:
    // This vector built at `where` as an element of a container of vectors (a vector of vectors,
    // an unordered_map's mapped values), the way its
    // constructors would build it but reporting an exhausted pool by false (nothing built then).
    static bool construct_element(void* where, pool_type& pool) noexcept {
        ::new (where) vector(pool);
        return true;
    }
    static bool construct_element(void* where, vector&& o) noexcept {
        ::new (where) vector(std::move(o));
        return true;
    }
    template <class Fill>
    static bool construct_element_as(void* where, pool_type& pool, Fill fill) {
        // Destroys the half-built vector on false and on an exception from an element's copy.
        struct undo {
            vector* v;
            ~undo() {
                if (v) v->~vector();
            }
        } built{::new (where) vector(pool)};
        if (!fill(*built.v)) return false;
        built.v = nullptr;
        return true;
    }
    static bool construct_element(void* where, const vector& o) {
        return construct_element_as(where, *o.pool_, [&o](vector& v) { return v.try_assign(o); });
    }
    static bool construct_element(void* where, pool_type& pool, size_type n) {
        return construct_element_as(where, pool, [n](vector& v) { return v.try_resize(n); });
    }
    static bool construct_element(void* where, pool_type& pool, size_type n, const T& value) {
        return construct_element_as(where, pool, [n, &value](vector& v) { return v.try_resize(n, value); });
    }
    static bool construct_element(void* where, pool_type& pool, std::initializer_list<T> init) {
        return construct_element_as(where, pool, [init](vector& v) {
            if (!v.try_reserve(size_type(init.size()))) return false;
            for (const T& x : init)
                if (!v.try_push_back(x)) return false;
            return true;
        });
    }

private:
    // Copies n elements of the block `src` of `src_pool` into this vector, which is empty and
    // has no block. Result: false when the pool cannot hold them (this vector then holds the
    // elements copied so far and its destructor frees them).
    bool copy_from(pool_type& src_pool, handle_type src, size_type n) {
        if (!grow_exact(n)) return false;
        if constexpr (std::is_trivially_copyable_v<T>) {
            if (n != 0) std::memcpy(static_cast<void*>(data()), src_pool.data(src), std::size_t(n) * sizeof(T));
            size_ = n;
        } else {
            // A copy may allocate from the pool (nested vectors) and move both blocks: resolve
            // the source element again for every copy.
            for (size_type i = 0; i < n; ++i)
                if (!relocate_in(size_, static_cast<const T*>(src_pool.data(src))[i])) return false;
        }
        return true;
    }

    // try_assign while our block is pinned: it may neither move nor be freed, so the copy goes
    // into it, grown in place when needed. The elements are copied to a temporary block first
    // (a nested copy may fail), then moved over ours.
    bool assign_into_pinned(pool_type& src_pool, handle_type src, size_type n) {
        if (n > capacity() && !grow_exact(n)) return false; // pinned: grows in place or fails
        if constexpr (std::is_trivially_copyable_v<T>) {
            destroy_tail(0);
            if (n != 0) std::memcpy(static_cast<void*>(data()), src_pool.data(src), std::size_t(n) * sizeof(T));
            size_ = n;
        } else {
            vector tmp(*pool_);
            if (!tmp.copy_from(src_pool, src, n)) return false;
            destroy_tail(0);
            if (n != 0) std::memcpy(static_cast<void*>(data()), static_cast<const void*>(tmp.data()), std::size_t(n) * sizeof(T));
            size_ = n;
            tmp.size_ = 0; // relocated, not destroyed
        }
        return true;
    }

    // Whether the block is pinned (by a pinned_view or any pin of its handle): it may then be
    // neither moved nor freed.
    bool pinned() const noexcept { return h_ && pool_->pin_count(h_) != 0; }

    void destroy_tail(size_type n) noexcept {
        if constexpr (!std::is_trivially_destructible_v<T>) {
            T* d = data();
            for (size_type i = n; i < size_; ++i) d[i].~T();
        }
        if (n < size_) size_ = n;
    }

    void release() noexcept {
        if (!h_) return;
        destroy_tail(0);
        pool_->deallocate(h_);
        h_ = handle_type{};
    }

    // Growth for one more element (or n): x1.5 first, exactly n when that does not fit.
    bool grow_for(size_type n) noexcept {
        const size_type cap = capacity();
        const std::size_t geometric = std::size_t(cap) + cap / 2;
        const std::size_t limit = max_size();
        if (geometric > n && geometric <= limit && grow_exact(size_type(geometric))) return true;
        return grow_exact(n);
    }
    bool grow_exact(size_type n) noexcept {
        if (n == 0) return true;
        if (n > max_size()) return false;
        const std::size_t bytes = std::size_t(n) * sizeof(T);
        if (!h_) {
            const handle_type h = pool_->allocate(bytes, block_alignment);
            if (!h) return false;
            h_ = h;
            return true;
        }
        return pool_->reallocate(h_, bytes);
    }

#if TINYMEM_ADAPTERS_EXCEPTIONS
    // Moves the elements of `tail` (same pool) into this vector before index `at`.
    void splice(size_type at, vector& tail) {
        const size_type count = tail.size_;
        if (count == 0) return; // nothing to move: and with no block, data() is null (memmove UB)
        if (std::size_t(size_) + count > max_size()) throw std::length_error("tinymem::vector::insert: too many");
        if (size_type(size_ + count) > capacity() && !grow_for(size_type(size_ + count))) throw std::bad_alloc();
        T* d = data();
        const T* s = tail.data();
        std::memmove(static_cast<void*>(d + at + count), static_cast<const void*>(d + at), std::size_t(size_ - at) * sizeof(T));
        std::memcpy(static_cast<void*>(d + at), static_cast<const void*>(s), std::size_t(count) * sizeof(T));
        size_ = size_type(size_ + count);
        tail.size_ = 0; // relocated, not destroyed
    }
#endif

    // A vector of vectors builds its elements through construct_element.
    template <class, class>
    friend class vector;

    pool_type* pool_;
    handle_type h_{};
    size_type size_ = 0;
};

} // namespace tinymem

#endif
