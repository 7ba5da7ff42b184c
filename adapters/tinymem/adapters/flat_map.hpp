// SPDX-License-Identifier: MIT
// tinymem::flat_map<K, V, Compare, Config> and tinymem::flat_set<K, Compare, Config>: sorted
// associative containers on movable storage of a tinymem pool, with the interface of C++23's
// std::flat_map / std::flat_set (lookup in O(log n) by binary search, insertion and erasure in
// O(n) by shifting, iteration in order over contiguous memory).
//
// Layout. A flat_map keeps its keys and its values in two tinymem::vectors (two movable blocks),
// as std::flat_map keeps a key container and a mapped container, rather than one block of
// pairs: a lookup's binary search reads keys only, so with separate blocks every cache line it
// touches is full of keys (with pairs, most of each line would be values it never looks at), and
// a key type and a value type of different alignments waste no padding. The price is a second
// block (2 words of pool overhead and one more handle) and two shifts per insert or erase.
// sizeof(flat_map<K, V>) is that of two tinymem::vectors (32 bytes with config16 on a 64-bit
// host; an empty Compare takes no room); a flat_set is one vector (16 bytes).
//
// What stays valid when (as tinymem::vector; see also docs/adapters.md):
// - The map, size(), keys(), values() (the containers, not pointers into them): always.
// - Iterators: index-based (map address + index), resolved through the handles at every
//   dereference, so compaction, defrag_step and the growth of this or any container never
//   invalidate them. An insert or erase shifts what an index refers to, as with std::flat_map.
//   A map iterator's reference is a pair of references (std::pair<const K&, V&>), as
//   std::flat_map's; its operator-> gives a proxy.
// - References from operator[], at, *it, and pointers from keys().data(): until the next call
//   on the pool that may move blocks (any allocating call on any container of that pool,
//   allocate, reallocate, defrag, defrag_step).
// - pin(): a pinned_flat_view (a flat_set: a pinned_view) whose spans and references stay
//   valid while it lives; both blocks stay put, so the map may then grow only in place (a
//   growth that needs a move fails: std::bad_alloc, or a failed try_ result). The map must not
//   be destroyed while a view of it lives (tinymem::vector's rule: it stops the program).
// - A map stored inside pool memory (tinymem::vector<flat_map<...>>): grow it through
//   outer.modify(i, f), as a nested vector. A value that itself allocates from the pool
//   (flat_map<K, tinymem::vector<int>>) is grown through map.modify(it, f) for the same reason.
//
// Errors. With exceptions on, insert, emplace, emplace_hint, insert_or_assign, operator[],
// reserve and copies throw std::bad_alloc when the pool cannot hold the result, and at() throws
// std::out_of_range for a missing key. The try_ members never throw and are the only way with
// -fno-exceptions (the throwing members do not exist then): try_insert, try_emplace,
// try_insert_or_assign, try_reserve, try_assign. Every failed insertion leaves the map unchanged:
// the same keys and values in both blocks, no block more or less (a block that grew in place or
// moved before the failure keeps its new capacity). Elements that are themselves tinymem
// containers (tinymem::string keys, tinymem::vector values, nested flat_maps) are copied through
// their non-throwing paths (construct_element, try_assign), so a nested copy that finds the pool
// exhausted is a failed result too, never an exception.
//
// Requirements. K and V must be relocatable (tinymem::is_relocatable, see common.hpp); their
// destructors must not throw nor allocate from the pool. Compare must not allocate from the pool
// (lookups compare through pointers into the key block) and must be a strict weak order; with
// a transparent Compare (one that names is_transparent, e.g. std::less<>), every lookup member
// also takes any type Compare can compare with K: tinymem::string keys looked up by
// std::string_view.
#include "tinymem/version.hpp" // first: the C++20 check (see tinymem/version.hpp)
#ifndef TINYMEM_ADAPTERS_FLAT_MAP_HPP
#define TINYMEM_ADAPTERS_FLAT_MAP_HPP

#include "common.hpp"
#include "vector.hpp"

#ifndef TINYMEM_MODULE
#include <algorithm>
#include <compare>
#include <concepts>
#include <cstddef>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <new>
#include <span>
#include <stdexcept>
#include <tuple>
#include <type_traits>
#include <utility>
#endif

namespace tinymem {

TINYMEM_EXPORT template <class K, class V, class Compare = std::less<K>, class Config = default_config>
class flat_map;
TINYMEM_EXPORT template <class K, class Compare = std::less<K>, class Config = default_config>
class flat_set;

// A flat map or set holds tinymem::vectors (handles) and its comparator: it relocates when the
// comparator does (std::less and other empty or trivially copyable comparators do).
template <class K, class V, class Compare, class Config>
struct is_relocatable<flat_map<K, V, Compare, Config>> : std::bool_constant<is_relocatable_v<Compare>> {};
template <class K, class Compare, class Config>
struct is_relocatable<flat_set<K, Compare, Config>> : std::bool_constant<is_relocatable_v<Compare>> {};

namespace detail {

// Whether a comparator is transparent (std::less<>): lookups then take any comparable type.
template <class C>
concept flat_transparent = requires { typename C::is_transparent; };

// A T built at `where` from args, reporting an exhausted pool by false, never by an exception,
// for the element types that allocate from a pool themselves: a T with a public static
// construct_element for these arguments (tinymem::string, tinymem::flat_map, tinymem::flat_set)
// is built through it; a copy of a T that has try_assign and get_pool (tinymem::vector, whose
// construct_element only its sibling vectors may call) is made empty in the source's pool and
// then filled by try_assign. Anything else is placement-new'd (its constructor may throw).
template <class T, class... Args>
bool flat_construct(void* where, Args&&... args) {
    if constexpr (requires { T::construct_element(where, std::forward<Args>(args)...); }) {
        return T::construct_element(where, std::forward<Args>(args)...);
    } else if constexpr (sizeof...(Args) == 1 && (std::is_same_v<std::remove_cvref_t<Args>, T> && ...) &&
                         (std::is_lvalue_reference_v<Args> && ...) &&
                         requires(T& t, const T& o) {
                             { t.try_assign(o) } -> std::convertible_to<bool>;
                             T(o.get_pool());
                         }) {
        const T& o = (args, ...);
        T* const t = ::new (where) T(o.get_pool()); // the source's pool and o: read before allocating
        if (t->try_assign(o)) return true;
        t->~T();
        return false;
    } else {
        ::new (where) T(std::forward<Args>(args)...);
        return true;
    }
}

// Raw bytes on the stack for one T, built there before anything allocates (the arguments may
// live in pool memory that an allocation would move) and destroyed with the slot: a moved-from
// object after relocation into a block, or the whole object when the insertion failed.
template <class T>
class flat_slot {
public:
    flat_slot() noexcept = default;
    flat_slot(const flat_slot&) = delete;
    flat_slot& operator=(const flat_slot&) = delete;
    ~flat_slot() {
        if (live_) get().~T();
    }
    template <class... Args>
    bool build(Args&&... args) {
        live_ = flat_construct<T>(static_cast<void*>(bytes_.bytes), std::forward<Args>(args)...);
        return live_;
    }
    T& get() noexcept { return *bytes_.get(); }

private:
    relocation_slot<T> bytes_;
    bool live_ = false;
};

// A bitwise shadow of a tinymem::vector object that may itself move while it is read (it lives
// in pool memory: a map inside a tinymem::vector<flat_map>): it names the same pool, block and
// size, never owns them (it is never destroyed), and stays put on the stack. Copy from the
// shadow, not from the object, when the copy allocates.
template <class Vec>
class flat_shadow {
public:
    explicit flat_shadow(const Vec& v) noexcept {
        std::memcpy(static_cast<void*>(bytes_.bytes), static_cast<const void*>(&v), sizeof(Vec));
    }
    const Vec& get() noexcept { return *bytes_.get(); }

private:
    relocation_slot<Vec> bytes_;
};

// Growth of one vector of a flat container for n elements: x1.5 first, exactly n when that
// does not fit (tinymem::vector's own policy, which its try_reserve does not apply).
template <class Vec>
bool flat_grow(Vec& v, typename Vec::size_type n) noexcept {
    const auto cap = v.capacity();
    if (n <= cap) return true;
    if (n > v.max_size()) return false;
    const std::size_t geometric = std::size_t(cap) + cap / 2;
    if (geometric > n && geometric <= v.max_size() && v.try_reserve(typename Vec::size_type(geometric))) return true;
    return v.try_reserve(n);
}

template <class Vec>
bool flat_pinned(const Vec& v) noexcept {
    return v.handle() && v.get_pool().pin_count(v.handle()) != 0;
}

// Where a flat container's iterator reads: the container's address (the elements are found
// through its handles at every access) or, for a pinned view, the two arrays themselves.
template <class Map, bool Const>
struct flat_map_cursor {
    using map_ptr = std::conditional_t<Const, const Map*, Map*>;
    using key_type = typename Map::key_type;
    using mapped_ref = std::conditional_t<Const, const typename Map::mapped_type&, typename Map::mapped_type&>;
    map_ptr map = nullptr;
    const key_type& key(std::ptrdiff_t i) const noexcept { return map->keys_[typename Map::size_type(i)]; }
    mapped_ref value(std::ptrdiff_t i) const noexcept { return map->values_[typename Map::size_type(i)]; }
    constexpr operator flat_map_cursor<Map, true>() const noexcept
        requires(!Const)
    {
        return {map};
    }
    friend constexpr bool operator==(const flat_map_cursor&, const flat_map_cursor&) noexcept = default;
};

template <class K, class V>
struct flat_span_cursor {
    const K* keys = nullptr;
    V* values = nullptr;
    const K& key(std::ptrdiff_t i) const noexcept { return keys[i]; }
    V& value(std::ptrdiff_t i) const noexcept { return values[i]; }
    constexpr operator flat_span_cursor<K, const V>() const noexcept
        requires(!std::is_const_v<V>)
    {
        return {keys, values};
    }
    friend constexpr bool operator==(const flat_span_cursor&, const flat_span_cursor&) noexcept = default;
};

// What a flat_map iterator refers to: a key and its value, by reference (V const for a
// const_iterator), as std::flat_map's std::pair<const K&, V&> (C++20's std::pair of references
// has no common reference with std::pair<K, V>, which a std::random_access_iterator needs:
// this type has one, see std::basic_common_reference below). `auto [k, v] = *it`, it->first
// and it->second work as with std::flat_map; it converts to std::pair<const K&, V&> and to
// the value_type std::pair<K, V>.
template <class K, class V>
struct flat_pair_ref {
    const K& first;
    V& second;

    constexpr flat_pair_ref(const K& k, V& v) noexcept : first(k), second(v) {}
    // (key, value&) -> (key, const value&); a std::pair<K, V> read as a const_reference.
    template <class V2>
        requires(std::is_const_v<V> && std::is_same_v<const V2, V>)
    constexpr flat_pair_ref(const flat_pair_ref<K, V2>& o) noexcept : first(o.first), second(o.second) {}
    template <class V2>
        requires(std::is_const_v<V> && std::is_same_v<const V2, V>)
    constexpr flat_pair_ref(const std::pair<K, V2>& p) noexcept : first(p.first), second(p.second) {}

    constexpr operator std::pair<const K&, V&>() const noexcept { return {first, second}; }
    operator std::pair<K, std::remove_const_t<V>>() const { return {first, second}; }
};

// A random-access iterator over (key, value) pairs: a cursor and an index. Its reference is a
// flat_pair_ref (a pair of references); its pointer is a proxy holding one, so it->first and
// it->second work.
template <class Cursor, class K, class V>
class flat_pair_iterator {
public:
    using iterator_concept = std::random_access_iterator_tag;
    using iterator_category = std::input_iterator_tag; // the reference is not a value_type&
    using value_type = std::pair<K, std::remove_const_t<V>>;
    using difference_type = std::ptrdiff_t;
    using reference = flat_pair_ref<K, V>;
    struct pointer {
        reference ref;
        const reference* operator->() const noexcept { return &ref; }
    };

    constexpr flat_pair_iterator() noexcept = default;
    constexpr flat_pair_iterator(Cursor c, difference_type i) noexcept : c_(c), i_(i) {}
    // iterator -> const_iterator.
    template <class C2, class V2>
        requires(!std::is_same_v<C2, Cursor> && std::is_convertible_v<C2, Cursor>)
    constexpr flat_pair_iterator(const flat_pair_iterator<C2, K, V2>& o) noexcept : c_(o.cursor()), i_(difference_type(o.index())) {}

    // The position in the container.
    constexpr std::size_t index() const noexcept { return std::size_t(i_); }
    constexpr Cursor cursor() const noexcept { return c_; }

    reference operator*() const noexcept { return {c_.key(i_), c_.value(i_)}; }
    pointer operator->() const noexcept { return pointer{**this}; }
    reference operator[](difference_type n) const noexcept { return {c_.key(i_ + n), c_.value(i_ + n)}; }

    constexpr flat_pair_iterator& operator++() noexcept { ++i_; return *this; }
    constexpr flat_pair_iterator operator++(int) noexcept { auto t = *this; ++i_; return t; }
    constexpr flat_pair_iterator& operator--() noexcept { --i_; return *this; }
    constexpr flat_pair_iterator operator--(int) noexcept { auto t = *this; --i_; return t; }
    constexpr flat_pair_iterator& operator+=(difference_type n) noexcept { i_ += n; return *this; }
    constexpr flat_pair_iterator& operator-=(difference_type n) noexcept { i_ -= n; return *this; }
    friend constexpr flat_pair_iterator operator+(flat_pair_iterator it, difference_type n) noexcept { return it += n; }
    friend constexpr flat_pair_iterator operator+(difference_type n, flat_pair_iterator it) noexcept { return it += n; }
    friend constexpr flat_pair_iterator operator-(flat_pair_iterator it, difference_type n) noexcept { return it -= n; }
    friend constexpr difference_type operator-(const flat_pair_iterator& a, const flat_pair_iterator& b) noexcept {
        return a.i_ - b.i_;
    }
    friend constexpr bool operator==(const flat_pair_iterator& a, const flat_pair_iterator& b) noexcept {
        return a.i_ == b.i_ && a.c_ == b.c_;
    }
    friend constexpr std::strong_ordering operator<=>(const flat_pair_iterator& a, const flat_pair_iterator& b) noexcept {
        return a.i_ <=> b.i_;
    }

private:
    Cursor c_{};
    difference_type i_ = 0;
};

// Lower and upper bound of x in n sorted keys at d (d may be null when n is 0).
template <class K, class C, class X>
std::size_t flat_lower(const K* d, std::size_t n, const C& comp, const X& x) {
    if (n == 0) return 0;
    return std::size_t(std::lower_bound(d, d + n, x, [&comp](const K& a, const X& b) { return bool(comp(a, b)); }) - d);
}
template <class K, class C, class X>
std::size_t flat_upper(const K* d, std::size_t n, const C& comp, const X& x) {
    if (n == 0) return 0;
    return std::size_t(std::upper_bound(d, d + n, x, [&comp](const X& a, const K& b) { return bool(comp(a, b)); }) - d);
}

} // namespace detail

// The keys and values of a tinymem::flat_map, pinned: both blocks stay put while the view lives.
// Move-only. keys() and values() are spans; iteration gives (key, value) pairs of references:
//     for (auto [k, v] : view) ...
// A failed pin (more than max_pins nested pins on a block) gives a view that is false.
TINYMEM_EXPORT template <class K, class V, class Config = default_config>
class pinned_flat_view {
public:
    using iterator = detail::flat_pair_iterator<detail::flat_span_cursor<K, V>, K, V>;

    pinned_flat_view() noexcept = default;
    pinned_flat_view(pinned_view<const K, Config> keys, pinned_view<V, Config> values) noexcept
        : keys_(std::move(keys)), values_(std::move(values)) {}

    // False when a pin failed.
    explicit operator bool() const noexcept { return static_cast<bool>(keys_) && static_cast<bool>(values_); }
    std::span<const K> keys() const noexcept { return keys_.span(); }
    std::span<V> values() const noexcept { return values_.span(); }
    std::size_t size() const noexcept { return keys_.size(); }
    bool empty() const noexcept { return keys_.empty(); }
    // Requires: i < size().
    detail::flat_pair_ref<K, V> operator[](std::size_t i) const noexcept {
        TINYMEM_ASSERT(i < size());
        return {keys_[i], values_[i]};
    }
    iterator begin() const noexcept { return {{keys_.data(), values_.data()}, 0}; }
    iterator end() const noexcept { return {{keys_.data(), values_.data()}, std::ptrdiff_t(size())}; }

private:
    pinned_view<const K, Config> keys_;
    pinned_view<V, Config> values_;
};

TINYMEM_EXPORT template <class K, class V, class Compare, class Config>
class flat_map {
    static_assert(std::is_object_v<K> && !std::is_const_v<K> && !std::is_volatile_v<K> && std::is_object_v<V> &&
                      !std::is_const_v<V> && !std::is_volatile_v<V>,
                  "tinymem::flat_map<K, V>: K and V must be non-const, non-volatile object types");
    static_assert(is_relocatable_v<K>,
                  "tinymem::flat_map<K, V>: K must be relocatable by memmove: trivially copyable, or opted in by "
                  "specialising tinymem::is_relocatable<K> (libstdc++'s std::string and std::list are not)");
    static_assert(is_relocatable_v<V>,
                  "tinymem::flat_map<K, V>: V must be relocatable by memmove: trivially copyable, or opted in by "
                  "specialising tinymem::is_relocatable<V> (libstdc++'s std::string and std::list are not)");

public:
    using key_type = K;
    using mapped_type = V;
    using value_type = std::pair<K, V>;
    using key_compare = Compare;
    // Pairs of references, as std::flat_map's (see detail::flat_pair_ref).
    using reference = detail::flat_pair_ref<K, V>;
    using const_reference = detail::flat_pair_ref<K, const V>;
    using key_container_type = vector<K, Config>;
    using mapped_container_type = vector<V, Config>;
    using pool_type = basic_pool<Config>;
    using size_type = typename key_container_type::size_type;
    using difference_type = std::ptrdiff_t;
    using iterator = detail::flat_pair_iterator<detail::flat_map_cursor<flat_map, false>, K, V>;
    using const_iterator = detail::flat_pair_iterator<detail::flat_map_cursor<flat_map, true>, K, const V>;
    using reverse_iterator = std::reverse_iterator<iterator>;
    using const_reverse_iterator = std::reverse_iterator<const_iterator>;

    // Orders (key, value) pairs by key, as std::flat_map::value_compare.
    class value_compare {
    public:
        bool operator()(const_reference a, const_reference b) const { return comp_(a.first, b.first); }

    private:
        friend class flat_map;
        explicit value_compare(const Compare& c) : comp_(c) {}
        Compare comp_;
    };

    // What extract() hands back and replace() takes: the two containers.
    struct containers {
        key_container_type keys;
        mapped_container_type values;
    };

    // ---- construction -------------------------------------------------------------------------

    // Effect: an empty map of `pool` (allocates nothing). Requires: the pool outlives the map.
    explicit flat_map(pool_type& pool, const Compare& comp = Compare()) noexcept(
        std::is_nothrow_copy_constructible_v<Compare>)
        : keys_(pool), values_(pool), comp_(comp) {}

    // Effect: takes o's blocks and comparator; o is left empty, in the same pool.
    flat_map(flat_map&& o) noexcept = default;
    // Effect: as tinymem::vector's move assignment, for both blocks (a block pinned by a view of
    //   this map stays this map's; see vector.hpp).
    flat_map& operator=(flat_map&& o) noexcept = default;
    // Effect: destroys the elements and frees both blocks. Requires: no view of the map lives
    //   (otherwise the program stops: std::abort, as tinymem::vector's destructor).
    ~flat_map() = default;

#if TINYMEM_ADAPTERS_EXCEPTIONS
    // Effect: a map of `pool` holding `init` (on equal keys, the first wins).
    // Errors: std::bad_alloc when the pool cannot hold it.
    flat_map(pool_type& pool, std::initializer_list<value_type> init, const Compare& comp = Compare())
        : flat_map(pool, comp) {
        insert(init);
    }
    // Effect: a copy in o's pool. Errors: std::bad_alloc.
    flat_map(const flat_map& o) : flat_map(o.get_pool(), o.comp_) {
        if (!try_assign(o)) throw std::bad_alloc();
    }
    // Effect: copies o's elements (and comparator) into this map's pool.
    // Errors: std::bad_alloc (the map unchanged).
    flat_map& operator=(const flat_map& o) {
        if (!try_assign(o)) throw std::bad_alloc();
        return *this;
    }
#else
    flat_map(const flat_map&) = delete; // with exceptions off: try_assign
    flat_map& operator=(const flat_map&) = delete;
#endif

    // Effect: makes this map a copy of `o` (in this map's pool), comparator included. Elements
    //   that are tinymem containers are copied through their own try_assign.
    // Result: false when the pool cannot hold the copy; the map is then unchanged (no block is
    //   left behind). While a view pins this map's blocks, the copy goes into them, grown in
    //   place only: false too when they would have to move.
    // Errors: an exception from K's or V's copy constructor propagates (the map unchanged).
    bool try_assign(const flat_map& o) {
        if (this == &o) return true;
        // o may live in pool memory and move at our first allocation: copy from shadows.
        detail::flat_shadow<key_container_type> ok(o.keys_);
        detail::flat_shadow<mapped_container_type> ov(o.values_);
        const Compare comp = o.comp_;
        key_container_type k(get_pool());
        mapped_container_type v(get_pool());
        if (!k.try_assign(ok.get()) || !v.try_assign(ov.get())) return false;
        // A pinned block stays ours: the copy moves into it, which must hold it.
        if (detail::flat_pinned(keys_) && !keys_.try_reserve(k.size())) return false;
        if (detail::flat_pinned(values_) && !values_.try_reserve(v.size())) return false;
        keys_ = std::move(k);
        values_ = std::move(v);
        comp_ = comp;
        return true;
    }

    // This map built at `where` as an element of a tinymem::vector (or of another flat_map), the
    // way the constructors would build it but reporting an exhausted pool by false (nothing
    // built then), also with exceptions off.
    static bool construct_element(void* where, pool_type& pool) noexcept {
        ::new (where) flat_map(pool);
        return true;
    }
    static bool construct_element(void* where, flat_map&& o) noexcept {
        ::new (where) flat_map(std::move(o));
        return true;
    }
    static bool construct_element(void* where, const flat_map& o) {
        flat_map* const m = ::new (where) flat_map(o.get_pool(), o.comp_);
        if (m->try_assign(o)) return true;
        m->~flat_map();
        return false;
    }
    static bool construct_element(void* where, flat_map& o) {
        return construct_element(where, static_cast<const flat_map&>(o));
    }

    // ---- access -------------------------------------------------------------------------------

    pool_type& get_pool() const noexcept { return keys_.get_pool(); }
    key_compare key_comp() const { return comp_; }
    value_compare value_comp() const { return value_compare(comp_); }

    // The sorted keys and their values, index for index (std::flat_map's keys() and values()).
    const key_container_type& keys() const noexcept { return keys_; }
    const mapped_container_type& values() const noexcept { return values_; }

    // Effect: the map hands over its two containers (sorted keys, values) and is left empty.
    containers extract() && noexcept {
        containers c{std::move(keys_), std::move(values_)};
        return c;
    }
    // Effect: the map takes `keys` and `values` as its contents.
    // Requires: keys sorted by key_comp() without equivalent keys, as many values as keys, both
    //   of one pool (checked: a size or pool mismatch stops the program, std::abort).
    void replace(key_container_type&& keys, mapped_container_type&& values) noexcept {
        if (keys.size() != values.size() || &keys.get_pool() != &values.get_pool()) [[unlikely]]
            detail::adapter_misuse("tinymem::flat_map::replace: keys and values of different sizes or pools");
        keys_ = std::move(keys);
        values_ = std::move(values);
    }

#if TINYMEM_ADAPTERS_EXCEPTIONS
    // Result: the value of `key`, inserted value-initialized when missing (V must be default
    //   constructible). Valid until the next call that may move blocks.
    // Errors: std::bad_alloc when the key was missing and the pool cannot hold it (unchanged).
    V& operator[](const K& key) { return value_of(try_emplace(key)); }
    V& operator[](K&& key) { return value_of(try_emplace(std::move(key))); }

    // Result: the value of `key`. Errors: std::out_of_range when the key is missing.
    V& at(const K& key) { return values_[at_index(key)]; }
    const V& at(const K& key) const { return values_[at_index(key)]; }
    template <class X>
        requires detail::flat_transparent<Compare>
    V& at(const X& key) {
        return values_[at_index(key)];
    }
    template <class X>
        requires detail::flat_transparent<Compare>
    const V& at(const X& key) const {
        return values_[at_index(key)];
    }
#endif

    // Effect: calls f(value at pos) with the value moved out to the stack, then moves it back.
    // Result: what f returns. For values that allocate from the pool themselves
    //   (flat_map<K, tinymem::vector<int>>): their growth may then compact the pool freely.
    // Requires: pos an element of this map; the map not used while f runs.
    template <class F>
    decltype(auto) modify(const_iterator pos, F&& f) {
        TINYMEM_ASSERT(size_type(pos.index()) < size());
        return values_.modify(size_type(pos.index()), std::forward<F>(f));
    }

    // Effect: pins both blocks. Result: a view whose spans (keys const, values mutable) stay
    //   valid while it lives; false when a pin failed. While it lives the map grows only in
    //   place; it must end before the map is destroyed.
    pinned_flat_view<K, V, Config> pin() noexcept { return {std::as_const(keys_).pin(), values_.pin()}; }
    pinned_flat_view<K, const V, Config> pin() const noexcept { return {keys_.pin(), values_.pin()}; }

    iterator begin() noexcept { return {{this}, 0}; }
    iterator end() noexcept { return {{this}, difference_type(size())}; }
    const_iterator begin() const noexcept { return {{this}, 0}; }
    const_iterator end() const noexcept { return {{this}, difference_type(size())}; }
    const_iterator cbegin() const noexcept { return begin(); }
    const_iterator cend() const noexcept { return end(); }
    reverse_iterator rbegin() noexcept { return reverse_iterator(end()); }
    reverse_iterator rend() noexcept { return reverse_iterator(begin()); }
    const_reverse_iterator rbegin() const noexcept { return const_reverse_iterator(end()); }
    const_reverse_iterator rend() const noexcept { return const_reverse_iterator(begin()); }
    const_reverse_iterator crbegin() const noexcept { return rbegin(); }
    const_reverse_iterator crend() const noexcept { return rend(); }

    // ---- capacity -----------------------------------------------------------------------------

    size_type size() const noexcept { return keys_.size(); }
    bool empty() const noexcept { return keys_.empty(); }
    size_type max_size() const noexcept { return std::min(keys_.max_size(), values_.max_size()); }
    // Elements the map holds without growing either block.
    size_type capacity() const noexcept { return std::min(keys_.capacity(), values_.capacity()); }

    // Effect: room for n elements in both blocks.
    // Result: false when the pool cannot give it; the elements are then unchanged (a block that
    //   grew before the other failed keeps its capacity; a block made for an empty map is freed).
    bool try_reserve(size_type n) noexcept {
        const bool had_keys = static_cast<bool>(keys_.handle());
        if (!keys_.try_reserve(n)) return false;
        if (values_.try_reserve(n)) return true;
        drop_new_keys_block(had_keys);
        return false;
    }
#if TINYMEM_ADAPTERS_EXCEPTIONS
    // Errors: std::length_error above max_size(), std::bad_alloc when the pool cannot give it.
    void reserve(size_type n) {
        if (n > max_size()) throw std::length_error("tinymem::flat_map::reserve: more than max_size()");
        if (!try_reserve(n)) throw std::bad_alloc();
    }
#endif
    // Effect: gives back unused capacity of both blocks (never fails; see vector::shrink_to_fit).
    void shrink_to_fit() noexcept {
        keys_.shrink_to_fit();
        values_.shrink_to_fit();
    }

    // ---- lookup (O(log n); X: any type a transparent Compare compares with K) ---------------

    iterator find(const K& key) noexcept { return {{this}, find_index(key)}; }
    const_iterator find(const K& key) const noexcept { return {{this}, find_index(key)}; }
    template <class X>
        requires detail::flat_transparent<Compare>
    iterator find(const X& key) noexcept {
        return {{this}, find_index(key)};
    }
    template <class X>
        requires detail::flat_transparent<Compare>
    const_iterator find(const X& key) const noexcept {
        return {{this}, find_index(key)};
    }

    bool contains(const K& key) const noexcept { return find_index(key) != difference_type(size()); }
    template <class X>
        requires detail::flat_transparent<Compare>
    bool contains(const X& key) const noexcept {
        return find_index(key) != difference_type(size());
    }
    // Result: the number of elements whose key is equivalent to `key` (0 or 1 for a K).
    size_type count(const K& key) const noexcept { return contains(key) ? 1 : 0; }
    template <class X>
        requires detail::flat_transparent<Compare>
    size_type count(const X& key) const noexcept {
        return size_type(upper(key) - lower(key));
    }

    iterator lower_bound(const K& key) noexcept { return {{this}, lower(key)}; }
    const_iterator lower_bound(const K& key) const noexcept { return {{this}, lower(key)}; }
    iterator upper_bound(const K& key) noexcept { return {{this}, upper(key)}; }
    const_iterator upper_bound(const K& key) const noexcept { return {{this}, upper(key)}; }
    std::pair<iterator, iterator> equal_range(const K& key) noexcept { return {lower_bound(key), upper_bound(key)}; }
    std::pair<const_iterator, const_iterator> equal_range(const K& key) const noexcept {
        return {lower_bound(key), upper_bound(key)};
    }
    template <class X>
        requires detail::flat_transparent<Compare>
    iterator lower_bound(const X& key) noexcept {
        return {{this}, lower(key)};
    }
    template <class X>
        requires detail::flat_transparent<Compare>
    const_iterator lower_bound(const X& key) const noexcept {
        return {{this}, lower(key)};
    }
    template <class X>
        requires detail::flat_transparent<Compare>
    iterator upper_bound(const X& key) noexcept {
        return {{this}, upper(key)};
    }
    template <class X>
        requires detail::flat_transparent<Compare>
    const_iterator upper_bound(const X& key) const noexcept {
        return {{this}, upper(key)};
    }
    template <class X>
        requires detail::flat_transparent<Compare>
    std::pair<iterator, iterator> equal_range(const X& key) noexcept {
        return {lower_bound(key), upper_bound(key)};
    }
    template <class X>
        requires detail::flat_transparent<Compare>
    std::pair<const_iterator, const_iterator> equal_range(const X& key) const noexcept {
        return {lower_bound(key), upper_bound(key)};
    }

    // ---- insertion that never throws (O(n)) ---------------------------------------------------
    //
    // Results are std::pair<iterator, bool>, as std::flat_map's: (the new element, true) when
    // inserted; (the element already there, false) when the key was present; (end(), false)
    // when the pool could not hold the new element (or a nested copy), the map then unchanged.
    // Compare with end() after the call (keep the result first): in
    // `m.try_emplace(k, v).first == m.end()` C++ may call end() before the insertion grows it.

    // Effect: when `key` is missing, inserts it with a value built from args (V(args...); a
    //   tinymem container value through its non-throwing path); otherwise nothing (args
    //   untouched), as std::flat_map::try_emplace.
    template <class... Args>
    std::pair<iterator, bool> try_emplace(const K& key, Args&&... args) {
        return emplace_key(key, std::forward<Args>(args)...);
    }
    template <class... Args>
    std::pair<iterator, bool> try_emplace(K&& key, Args&&... args) {
        return emplace_key(std::move(key), std::forward<Args>(args)...);
    }
    // With a hint (where the key would go; a wrong hint costs a binary search).
    // Result: the element with the key; end() when the pool could not hold it.
    template <class... Args>
    iterator try_emplace(const_iterator hint, const K& key, Args&&... args) {
        return emplace_key_at(place(hint, key), key, std::forward<Args>(args)...).first;
    }
    template <class... Args>
    iterator try_emplace(const_iterator hint, K&& key, Args&&... args) {
        return emplace_key_at(place(hint, key), std::move(key), std::forward<Args>(args)...).first;
    }

    // Effect: inserts x when its key is missing.
    std::pair<iterator, bool> try_insert(const value_type& x) { return emplace_key(x.first, x.second); }
    std::pair<iterator, bool> try_insert(value_type&& x) { return emplace_key(std::move(x.first), std::move(x.second)); }
    // Effect: inserts (k, v) when k's equivalent is missing: K built from k first (to find its
    //   place), V from v only when inserted. The non-throwing emplace(k, v).
    template <class KA, class VA>
    std::pair<iterator, bool> try_insert(KA&& k, VA&& v) {
        return emplace_built([&](detail::flat_slot<K>& s) { return s.build(std::forward<KA>(k)); },
                             [&](detail::flat_slot<V>& s) { return s.build(std::forward<VA>(v)); });
    }

    // Effect: assigns `obj` to the value of `key` when present (a tinymem container value
    //   through its try_assign), else inserts (key, obj).
    // Result: (element, true) inserted, (element, false) assigned, (end(), false) when the pool
    //   could not hold it (the map unchanged).
    template <class M>
    std::pair<iterator, bool> try_insert_or_assign(const K& key, M&& obj) {
        return insert_or_assign_impl(key, std::forward<M>(obj));
    }
    template <class M>
    std::pair<iterator, bool> try_insert_or_assign(K&& key, M&& obj) {
        return insert_or_assign_impl(std::move(key), std::forward<M>(obj));
    }

#if TINYMEM_ADAPTERS_EXCEPTIONS
    // ---- insertion that throws std::bad_alloc (the map unchanged) -----------------------------

    // Effect: inserts the element built from args, as std::flat_map::emplace: (key, value),
    //   a pair, or (std::piecewise_construct, key-args tuple, value-args tuple).
    // Result: (element, inserted). Errors: std::bad_alloc when the pool cannot hold it.
    template <class... Args>
    std::pair<iterator, bool> emplace(Args&&... args) {
        return checked(emplace_any(std::forward<Args>(args)...));
    }
    template <class... Args>
    iterator emplace_hint(const_iterator hint, Args&&... args) {
        return checked(emplace_any_at(hint, std::forward<Args>(args)...)).first;
    }
    std::pair<iterator, bool> insert(const value_type& x) { return checked(try_insert(x)); }
    std::pair<iterator, bool> insert(value_type&& x) { return checked(try_insert(std::move(x))); }
    iterator insert(const_iterator hint, const value_type& x) {
        return checked(emplace_key_at(place(hint, x.first), x.first, x.second)).first;
    }
    iterator insert(const_iterator hint, value_type&& x) {
        return checked(emplace_key_at(place(hint, x.first), std::move(x.first), std::move(x.second))).first;
    }
    // Effect: inserts each element in turn (basic guarantee: on std::bad_alloc, the elements
    //   inserted before stay).
    template <std::input_iterator It, std::sentinel_for<It> S>
    void insert(It first, S last) {
        for (; first != last; ++first) emplace(*first);
    }
    void insert(std::initializer_list<value_type> init) { insert(init.begin(), init.end()); }

    // Result: (element, true) inserted, (element, false) assigned.
    // Errors: std::bad_alloc (the map unchanged).
    template <class M>
    std::pair<iterator, bool> insert_or_assign(const K& key, M&& obj) {
        return checked(try_insert_or_assign(key, std::forward<M>(obj)));
    }
    template <class M>
    std::pair<iterator, bool> insert_or_assign(K&& key, M&& obj) {
        return checked(try_insert_or_assign(std::move(key), std::forward<M>(obj)));
    }
#endif

    // ---- erasure (O(n); never fails, never allocates) ------------------------------------------

    // Effect: erases the element at pos. Result: the iterator at pos's index (the next element).
    iterator erase(iterator pos) noexcept { return erase(const_iterator(pos), const_iterator(pos) + 1); }
    iterator erase(const_iterator pos) noexcept { return erase(pos, pos + 1); }
    iterator erase(const_iterator first, const_iterator last) noexcept {
        const auto f = difference_type(first.index()), l = difference_type(last.index());
        keys_.erase(keys_.cbegin() + f, keys_.cbegin() + l);
        values_.erase(values_.cbegin() + f, values_.cbegin() + l);
        return {{this}, f};
    }
    // Result: the number of elements erased (0 or 1).
    size_type erase(const K& key) noexcept { return erase_key(key); }
    template <class X>
        requires detail::flat_transparent<Compare> && (!std::is_convertible_v<X, iterator>) &&
                 (!std::is_convertible_v<X, const_iterator>)
    size_type erase(X&& key) noexcept {
        return erase_key(key);
    }
    // Effect: erases every element; keeps the blocks (shrink_to_fit frees them).
    void clear() noexcept {
        keys_.clear();
        values_.clear();
    }

    // Effect: erases the elements (key, value) for which pred(const_reference) is true, keeping the order of the others (moved down by move assignment).
    // Result: how many were erased. Requires: pred does not allocate from the pool.
    template <class Pred>
    friend size_type erase_if(flat_map& m, Pred pred) {
        const size_type n = m.size();
        size_type out = 0;
        for (size_type i = 0; i < n; ++i) {
            if (pred(const_reference(m.keys_[i], m.values_[i]))) continue;
            if (out != i) {
                m.keys_[out] = std::move(m.keys_[i]);
                m.values_[out] = std::move(m.values_[i]);
            }
            ++out;
        }
        m.erase(m.cbegin() + difference_type(out), m.cend());
        return size_type(n - out);
    }

    void swap(flat_map& o) noexcept(std::is_nothrow_swappable_v<Compare>) {
        keys_.swap(o.keys_);
        values_.swap(o.values_);
        using std::swap;
        swap(comp_, o.comp_);
    }
    friend void swap(flat_map& a, flat_map& b) noexcept(std::is_nothrow_swappable_v<Compare>) { a.swap(b); }

    // ---- comparison (as std::flat_map: the (key, value) sequences) -----------------------------

    friend bool operator==(const flat_map& a, const flat_map& b) { return a.keys_ == b.keys_ && a.values_ == b.values_; }
    // Lexicographical over (key, value) pairs, each compared by <=> (or < when that is all).
    friend auto operator<=>(const flat_map& a, const flat_map& b) {
        using cat = std::common_comparison_category_t<decltype(detail::synth_three_way_fn{}(std::declval<const K&>(), std::declval<const K&>())),
                                                      decltype(detail::synth_three_way_fn{}(std::declval<const V&>(), std::declval<const V&>()))>;
        const size_type n = std::min(a.size(), b.size());
        for (size_type i = 0; i < n; ++i) {
            if (const cat c = detail::synth_three_way_fn{}(a.keys_[i], b.keys_[i]); c != 0) return c;
            if (const cat c = detail::synth_three_way_fn{}(a.values_[i], b.values_[i]); c != 0) return c;
        }
        return cat(a.size() <=> b.size());
    }

private:
    template <class, bool>
    friend struct detail::flat_map_cursor;

    // ---- lookup -------------------------------------------------------------------------------

    template <class X>
    difference_type lower(const X& key) const noexcept {
        return difference_type(detail::flat_lower(keys_.data(), keys_.size(), comp_, key));
    }
    template <class X>
    difference_type upper(const X& key) const noexcept {
        return difference_type(detail::flat_upper(keys_.data(), keys_.size(), comp_, key));
    }
    // Whether the key at pos is equivalent to `key` (pos from lower()).
    template <class X>
    bool holds(difference_type pos, const X& key) const noexcept {
        return pos < difference_type(size()) && !comp_(key, keys_[size_type(pos)]);
    }
    // The index of `key`, or size() when missing.
    template <class X>
    difference_type find_index(const X& key) const noexcept {
        const difference_type pos = lower(key);
        return holds(pos, key) ? pos : difference_type(size());
    }
    // Where `key` goes: the hint when the key belongs right there, else lower().
    template <class X>
    difference_type place(const_iterator hint, const X& key) const noexcept {
        const auto h = difference_type(hint.index());
        const auto n = difference_type(size());
        if (h <= n && (h == 0 || comp_(keys_[size_type(h - 1)], key)) && (h == n || !comp_(keys_[size_type(h)], key)))
            return h;
        return lower(key);
    }

    // ---- insertion ----------------------------------------------------------------------------

    std::pair<iterator, bool> failed() noexcept { return {end(), false}; }

    // Effect: frees the key block a failed growth made for an empty map (so a failed insert
    //   leaves no block behind).
    void drop_new_keys_block(bool had_keys) noexcept {
        if (!had_keys && keys_.empty()) keys_.shrink_to_fit();
    }
    // Effect: room for n elements in both blocks, geometric growth. Result: false when the pool
    //   cannot give it (the elements unchanged, no new block left).
    bool make_room(size_type n) noexcept {
        const bool had_keys = static_cast<bool>(keys_.handle());
        if (!detail::flat_grow(keys_, n)) return false;
        if (detail::flat_grow(values_, n)) return true;
        drop_new_keys_block(had_keys);
        return false;
    }

    // Effect: moves the key and the value built in the slots to index pos of the two blocks,
    //   after growing both for one more element. Result: false when the pool has no room (the
    //   map unchanged; the slots still own and destroy their objects).
    bool put(difference_type pos, detail::flat_slot<K>& ks, detail::flat_slot<V>& vs) {
        if (!make_room(size_type(size() + 1))) return false;
        // With the room there, these only move (K's and V's move constructors: relocatable
        // types' rarely throw; if one does, the key placed first is taken out again).
        if (!keys_.try_emplace_at(size_type(pos), std::move(ks.get()))) return false;
        struct undo_key {
            key_container_type& keys;
            difference_type pos;
            bool active = true;
            ~undo_key() {
                if (active) keys.erase(keys.cbegin() + pos);
            }
        } undo{keys_, pos};
        if (!values_.try_emplace_at(size_type(pos), std::move(vs.get()))) return false;
        undo.active = false;
        return true;
    }

    // Inserts (key, V(args...)) at pos unless the key is already there.
    template <class KK, class... Args>
    std::pair<iterator, bool> emplace_key_at(difference_type pos, KK&& key, Args&&... args) {
        if (holds(pos, key)) return {{{this}, pos}, false};
        // Both built before anything of ours grows: key and args may live in pool memory.
        detail::flat_slot<K> ks;
        if (!ks.build(std::forward<KK>(key))) return failed();
        detail::flat_slot<V> vs;
        if (!vs.build(std::forward<Args>(args)...) || !put(pos, ks, vs)) return failed();
        return {{{this}, pos}, true};
    }
    template <class KK, class... Args>
    std::pair<iterator, bool> emplace_key(KK&& key, Args&&... args) {
        const difference_type pos = lower(key);
        return emplace_key_at(pos, std::forward<KK>(key), std::forward<Args>(args)...);
    }

    // Builds the key first (through bk), finds its place, then the value (through bv) only
    // when the key is new.
    template <class BuildKey, class BuildValue>
    std::pair<iterator, bool> emplace_built(BuildKey&& bk, BuildValue&& bv, const const_iterator* hint = nullptr) {
        detail::flat_slot<K> ks;
        if (!bk(ks)) return failed();
        const difference_type pos = hint ? place(*hint, ks.get()) : lower(ks.get());
        if (holds(pos, ks.get())) return {{{this}, pos}, false};
        detail::flat_slot<V> vs;
        if (!bv(vs) || !put(pos, ks, vs)) return failed();
        return {{{this}, pos}, true};
    }

    template <class KA, class VA>
    std::pair<iterator, bool> emplace_any_at(const const_iterator* hint, KA&& k, VA&& v) {
        return emplace_built([&](detail::flat_slot<K>& s) { return s.build(std::forward<KA>(k)); },
                             [&](detail::flat_slot<V>& s) { return s.build(std::forward<VA>(v)); }, hint);
    }
    template <class A, class B>
    std::pair<iterator, bool> emplace_any_at(const const_iterator* hint, const std::pair<A, B>& p) {
        return emplace_any_at(hint, p.first, p.second);
    }
    template <class A, class B>
    std::pair<iterator, bool> emplace_any_at(const const_iterator* hint, std::pair<A, B>&& p) {
        return emplace_any_at(hint, std::forward<A>(p.first), std::forward<B>(p.second));
    }
    template <class... KA, class... VA>
    std::pair<iterator, bool> emplace_any_at(const const_iterator* hint, std::piecewise_construct_t,
                                             std::tuple<KA...> kt, std::tuple<VA...> vt) {
        return emplace_built(
            [&](detail::flat_slot<K>& s) {
                return std::apply([&s](auto&&... a) { return s.build(std::forward<decltype(a)>(a)...); }, std::move(kt));
            },
            [&](detail::flat_slot<V>& s) {
                return std::apply([&s](auto&&... a) { return s.build(std::forward<decltype(a)>(a)...); }, std::move(vt));
            },
            hint);
    }
    template <class... Args>
    std::pair<iterator, bool> emplace_any(Args&&... args) {
        return emplace_any_at(nullptr, std::forward<Args>(args)...);
    }
    template <class... Args>
    std::pair<iterator, bool> emplace_any_at(const_iterator hint, Args&&... args) {
        return emplace_any_at(&hint, std::forward<Args>(args)...);
    }

    // Assigns obj to the value at pos: a tinymem container through try_assign (and on the
    // stack, through modify: its growth may move our block), anything else by assignment.
    template <class M>
    bool assign_value(difference_type pos, M&& obj) {
        const auto i = size_type(pos);
        if constexpr (std::is_same_v<std::remove_cvref_t<M>, V> && !std::is_lvalue_reference_v<M>) {
            return values_.modify(i, [&obj](V& v) {
                v = std::move(obj);
                return true;
            });
        } else if constexpr (requires(V& v) {
                                 { v.try_assign(std::forward<M>(obj)) } -> std::convertible_to<bool>;
                             }) {
            return values_.modify(i, [&obj](V& v) { return bool(v.try_assign(std::forward<M>(obj))); });
        } else {
            values_[i] = std::forward<M>(obj);
            return true;
        }
    }
    template <class KK, class M>
    std::pair<iterator, bool> insert_or_assign_impl(KK&& key, M&& obj) {
        const difference_type pos = lower(key);
        if (holds(pos, key)) {
            if (!assign_value(pos, std::forward<M>(obj))) return failed();
            return {{{this}, pos}, false};
        }
        return emplace_key_at(pos, std::forward<KK>(key), std::forward<M>(obj));
    }

    template <class X>
    size_type erase_key(const X& key) noexcept {
        const difference_type f = lower(key), l = upper(key);
        erase(const_iterator({this}, f), const_iterator({this}, l));
        return size_type(l - f);
    }

#if TINYMEM_ADAPTERS_EXCEPTIONS
    std::pair<iterator, bool> checked(std::pair<iterator, bool> r) {
        if (!r.second && r.first == end()) throw std::bad_alloc();
        return r;
    }
    V& value_of(std::pair<iterator, bool> r) {
        if (!r.second && r.first == end()) throw std::bad_alloc();
        return values_[size_type(r.first.index())];
    }
    template <class X>
    size_type at_index(const X& key) const {
        const difference_type i = find_index(key);
        if (i == difference_type(size())) throw std::out_of_range("tinymem::flat_map::at: no such key");
        return size_type(i);
    }
#endif

    key_container_type keys_;
    mapped_container_type values_;
    [[no_unique_address]] Compare comp_;
};

// A sorted set of unique keys in one movable block (a tinymem::vector<K>): std::flat_set's
// interface. Iterators are tinymem::vector's const iterators (index-based, they survive
// compaction); pin() gives a pinned_view<const K>. See the file comment for the rules, which
// are flat_map's with the values left out.
TINYMEM_EXPORT template <class K, class Compare, class Config>
class flat_set {
    static_assert(std::is_object_v<K> && !std::is_const_v<K> && !std::is_volatile_v<K>,
                  "tinymem::flat_set<K>: K must be a non-const, non-volatile object type");
    static_assert(is_relocatable_v<K>,
                  "tinymem::flat_set<K>: K must be relocatable by memmove: trivially copyable, or opted in by "
                  "specialising tinymem::is_relocatable<K> (libstdc++'s std::string and std::list are not)");

public:
    using key_type = K;
    using value_type = K;
    using key_compare = Compare;
    using value_compare = Compare;
    using reference = const K&;
    using const_reference = const K&;
    using container_type = vector<K, Config>;
    using pool_type = basic_pool<Config>;
    using size_type = typename container_type::size_type;
    using difference_type = std::ptrdiff_t;
    using iterator = typename container_type::const_iterator;
    using const_iterator = typename container_type::const_iterator;
    using reverse_iterator = std::reverse_iterator<iterator>;
    using const_reverse_iterator = std::reverse_iterator<const_iterator>;

    // ---- construction -------------------------------------------------------------------------

    // Effect: an empty set of `pool` (allocates nothing). Requires: the pool outlives the set.
    explicit flat_set(pool_type& pool, const Compare& comp = Compare()) noexcept(
        std::is_nothrow_copy_constructible_v<Compare>)
        : keys_(pool), comp_(comp) {}
    flat_set(flat_set&& o) noexcept = default;
    flat_set& operator=(flat_set&& o) noexcept = default;
    ~flat_set() = default;

#if TINYMEM_ADAPTERS_EXCEPTIONS
    // Effect: a set of `pool` holding `init`. Errors: std::bad_alloc.
    flat_set(pool_type& pool, std::initializer_list<K> init, const Compare& comp = Compare()) : flat_set(pool, comp) {
        insert(init);
    }
    // Effect: a copy in o's pool. Errors: std::bad_alloc.
    flat_set(const flat_set& o) : flat_set(o.get_pool(), o.comp_) {
        if (!try_assign(o)) throw std::bad_alloc();
    }
    // Errors: std::bad_alloc (the set unchanged).
    flat_set& operator=(const flat_set& o) {
        if (!try_assign(o)) throw std::bad_alloc();
        return *this;
    }
#else
    flat_set(const flat_set&) = delete; // with exceptions off: try_assign
    flat_set& operator=(const flat_set&) = delete;
#endif

    // Effect: makes this set a copy of `o` (in this set's pool). Result: false when the pool
    //   cannot hold it (the set unchanged). As flat_map::try_assign.
    bool try_assign(const flat_set& o) {
        if (this == &o) return true;
        detail::flat_shadow<container_type> ok(o.keys_);
        const Compare comp = o.comp_;
        if (!keys_.try_assign(ok.get())) return false;
        comp_ = comp;
        return true;
    }

    // This set built at `where` as an element of a tinymem container, reporting an exhausted
    // pool by false (nothing built then), also with exceptions off.
    static bool construct_element(void* where, pool_type& pool) noexcept {
        ::new (where) flat_set(pool);
        return true;
    }
    static bool construct_element(void* where, flat_set&& o) noexcept {
        ::new (where) flat_set(std::move(o));
        return true;
    }
    static bool construct_element(void* where, const flat_set& o) {
        flat_set* const s = ::new (where) flat_set(o.get_pool(), o.comp_);
        if (s->try_assign(o)) return true;
        s->~flat_set();
        return false;
    }
    static bool construct_element(void* where, flat_set& o) {
        return construct_element(where, static_cast<const flat_set&>(o));
    }

    // ---- access -------------------------------------------------------------------------------

    pool_type& get_pool() const noexcept { return keys_.get_pool(); }
    key_compare key_comp() const { return comp_; }
    value_compare value_comp() const { return comp_; }
    // The sorted keys.
    const container_type& keys() const noexcept { return keys_; }

    // Effect: the set hands over its container (sorted keys) and is left empty.
    container_type extract() && noexcept { return std::move(keys_); }
    // Effect: the set takes `keys` as its contents. Requires: sorted by key_comp(), no
    //   equivalent keys.
    void replace(container_type&& keys) noexcept { keys_ = std::move(keys); }

    // Effect: pins the block. Result: a view (a span of const K) that stays valid while it
    //   lives; the set must not be destroyed before it ends.
    pinned_view<const K, Config> pin() const noexcept { return keys_.pin(); }

    iterator begin() const noexcept { return keys_.begin(); }
    iterator end() const noexcept { return keys_.end(); }
    const_iterator cbegin() const noexcept { return keys_.begin(); }
    const_iterator cend() const noexcept { return keys_.end(); }
    reverse_iterator rbegin() const noexcept { return reverse_iterator(end()); }
    reverse_iterator rend() const noexcept { return reverse_iterator(begin()); }
    const_reverse_iterator crbegin() const noexcept { return rbegin(); }
    const_reverse_iterator crend() const noexcept { return rend(); }

    // ---- capacity -----------------------------------------------------------------------------

    size_type size() const noexcept { return keys_.size(); }
    bool empty() const noexcept { return keys_.empty(); }
    size_type max_size() const noexcept { return keys_.max_size(); }
    size_type capacity() const noexcept { return keys_.capacity(); }
    // Result: false when the pool cannot give room for n keys (the set unchanged).
    bool try_reserve(size_type n) noexcept { return keys_.try_reserve(n); }
#if TINYMEM_ADAPTERS_EXCEPTIONS
    // Errors: std::length_error above max_size(), std::bad_alloc when the pool cannot give it.
    void reserve(size_type n) {
        if (n > max_size()) throw std::length_error("tinymem::flat_set::reserve: more than max_size()");
        if (!try_reserve(n)) throw std::bad_alloc();
    }
#endif
    void shrink_to_fit() noexcept { keys_.shrink_to_fit(); }

    // ---- lookup (O(log n); X: any type a transparent Compare compares with K) ---------------

    iterator find(const K& key) const noexcept { return at(find_index(key)); }
    template <class X>
        requires detail::flat_transparent<Compare>
    iterator find(const X& key) const noexcept {
        return at(find_index(key));
    }
    bool contains(const K& key) const noexcept { return find_index(key) != difference_type(size()); }
    template <class X>
        requires detail::flat_transparent<Compare>
    bool contains(const X& key) const noexcept {
        return find_index(key) != difference_type(size());
    }
    size_type count(const K& key) const noexcept { return contains(key) ? 1 : 0; }
    template <class X>
        requires detail::flat_transparent<Compare>
    size_type count(const X& key) const noexcept {
        return size_type(upper(key) - lower(key));
    }
    iterator lower_bound(const K& key) const noexcept { return at(lower(key)); }
    iterator upper_bound(const K& key) const noexcept { return at(upper(key)); }
    std::pair<iterator, iterator> equal_range(const K& key) const noexcept { return {lower_bound(key), upper_bound(key)}; }
    template <class X>
        requires detail::flat_transparent<Compare>
    iterator lower_bound(const X& key) const noexcept {
        return at(lower(key));
    }
    template <class X>
        requires detail::flat_transparent<Compare>
    iterator upper_bound(const X& key) const noexcept {
        return at(upper(key));
    }
    template <class X>
        requires detail::flat_transparent<Compare>
    std::pair<iterator, iterator> equal_range(const X& key) const noexcept {
        return {lower_bound(key), upper_bound(key)};
    }

    // ---- insertion that never throws (O(n)) ---------------------------------------------------
    //
    // Results as flat_map's: (the new key, true); (the key already there, false); (end(),
    // false) when the pool could not hold it, the set then unchanged.

    std::pair<iterator, bool> try_insert(const K& key) { return insert_key(key); }
    std::pair<iterator, bool> try_insert(K&& key) { return insert_key(std::move(key)); }
    // Effect: builds K(args...) (a tinymem container through its non-throwing path), then
    //   inserts it when its equivalent is missing.
    template <class... Args>
    std::pair<iterator, bool> try_emplace(Args&&... args) {
        detail::flat_slot<K> ks;
        if (!ks.build(std::forward<Args>(args)...)) return failed();
        return put(lower(ks.get()), ks);
    }

#if TINYMEM_ADAPTERS_EXCEPTIONS
    // ---- insertion that throws std::bad_alloc (the set unchanged) -----------------------------

    std::pair<iterator, bool> insert(const K& key) { return checked(try_insert(key)); }
    std::pair<iterator, bool> insert(K&& key) { return checked(try_insert(std::move(key))); }
    iterator insert(const_iterator hint, const K& key) { return checked(insert_key(key, &hint)).first; }
    iterator insert(const_iterator hint, K&& key) { return checked(insert_key(std::move(key), &hint)).first; }
    // Basic guarantee: on std::bad_alloc the keys inserted before stay.
    template <std::input_iterator It, std::sentinel_for<It> S>
    void insert(It first, S last) {
        for (; first != last; ++first) emplace(*first);
    }
    void insert(std::initializer_list<K> init) { insert(init.begin(), init.end()); }
    template <class... Args>
    std::pair<iterator, bool> emplace(Args&&... args) {
        return checked(try_emplace(std::forward<Args>(args)...));
    }
    template <class... Args>
    iterator emplace_hint(const_iterator hint, Args&&... args) {
        detail::flat_slot<K> ks;
        if (!ks.build(std::forward<Args>(args)...)) throw std::bad_alloc();
        return checked(put(place(hint, ks.get()), ks)).first;
    }
#endif

    // ---- erasure (O(n); never fails, never allocates) ------------------------------------------

    iterator erase(const_iterator pos) noexcept { return keys_.erase(pos); }
    iterator erase(const_iterator first, const_iterator last) noexcept { return keys_.erase(first, last); }
    size_type erase(const K& key) noexcept { return erase_key(key); }
    template <class X>
        requires detail::flat_transparent<Compare> && (!std::is_convertible_v<X, iterator>)
    size_type erase(X&& key) noexcept {
        return erase_key(key);
    }
    void clear() noexcept { keys_.clear(); }

    // Effect: erases the keys for which pred(key) is true (the others keep their order).
    // Result: how many. Requires: pred does not allocate from the pool.
    template <class Pred>
    friend size_type erase_if(flat_set& s, Pred pred) {
        const size_type n = s.size();
        size_type out = 0;
        for (size_type i = 0; i < n; ++i) {
            if (pred(std::as_const(s.keys_[i]))) continue;
            if (out != i) s.keys_[out] = std::move(s.keys_[i]);
            ++out;
        }
        s.keys_.erase(s.keys_.cbegin() + difference_type(out), s.keys_.cend());
        return size_type(n - out);
    }

    void swap(flat_set& o) noexcept(std::is_nothrow_swappable_v<Compare>) {
        keys_.swap(o.keys_);
        using std::swap;
        swap(comp_, o.comp_);
    }
    friend void swap(flat_set& a, flat_set& b) noexcept(std::is_nothrow_swappable_v<Compare>) { a.swap(b); }

    friend bool operator==(const flat_set& a, const flat_set& b) { return a.keys_ == b.keys_; }
    friend auto operator<=>(const flat_set& a, const flat_set& b) { return a.keys_ <=> b.keys_; }

private:
    iterator at(difference_type i) const noexcept { return keys_.begin() + i; }
    std::pair<iterator, bool> failed() const noexcept { return {end(), false}; }

    template <class X>
    difference_type lower(const X& key) const noexcept {
        return difference_type(detail::flat_lower(keys_.data(), keys_.size(), comp_, key));
    }
    template <class X>
    difference_type upper(const X& key) const noexcept {
        return difference_type(detail::flat_upper(keys_.data(), keys_.size(), comp_, key));
    }
    template <class X>
    bool holds(difference_type pos, const X& key) const noexcept {
        return pos < difference_type(size()) && !comp_(key, keys_[size_type(pos)]);
    }
    template <class X>
    difference_type find_index(const X& key) const noexcept {
        const difference_type pos = lower(key);
        return holds(pos, key) ? pos : difference_type(size());
    }
    template <class X>
    difference_type place(const_iterator hint, const X& key) const noexcept {
        const auto h = difference_type(hint.index());
        const auto n = difference_type(size());
        if (h <= n && (h == 0 || comp_(keys_[size_type(h - 1)], key)) && (h == n || !comp_(keys_[size_type(h)], key)))
            return h;
        return lower(key);
    }

    // Effect: moves the key built in ks to pos unless its equivalent is there, growing first.
    std::pair<iterator, bool> put(difference_type pos, detail::flat_slot<K>& ks) {
        if (holds(pos, ks.get())) return {at(pos), false};
        if (!detail::flat_grow(keys_, size_type(size() + 1))) return failed();
        if (!keys_.try_emplace_at(size_type(pos), std::move(ks.get()))) return failed();
        return {at(pos), true};
    }
    template <class KK>
    std::pair<iterator, bool> insert_key(KK&& key, const const_iterator* hint = nullptr) {
        const difference_type pos = hint ? place(*hint, key) : lower(key);
        if (holds(pos, key)) return {at(pos), false};
        detail::flat_slot<K> ks; // built before the growth: key may live in pool memory
        if (!ks.build(std::forward<KK>(key))) return failed();
        return put(pos, ks);
    }
    template <class X>
    size_type erase_key(const X& key) noexcept {
        const difference_type f = lower(key), l = upper(key);
        keys_.erase(keys_.cbegin() + f, keys_.cbegin() + l);
        return size_type(l - f);
    }
#if TINYMEM_ADAPTERS_EXCEPTIONS
    std::pair<iterator, bool> checked(std::pair<iterator, bool> r) const {
        if (!r.second && r.first == end()) throw std::bad_alloc();
        return r;
    }
#endif

    container_type keys_;
    [[no_unique_address]] Compare comp_;
};

} // namespace tinymem

// The common reference of a flat_map iterator's reference and its value_type (what makes the
// iterators model std::random_access_iterator): a pair of references to const values.
template <class K, class V, class V2, template <class> class TQ, template <class> class UQ>
    requires std::is_same_v<std::remove_const_t<V>, V2>
struct std::basic_common_reference<tinymem::detail::flat_pair_ref<K, V>, std::pair<K, V2>, TQ, UQ> {
    using type = tinymem::detail::flat_pair_ref<K, const V2>;
};
template <class K, class V, class V2, template <class> class TQ, template <class> class UQ>
    requires std::is_same_v<std::remove_const_t<V>, V2>
struct std::basic_common_reference<std::pair<K, V2>, tinymem::detail::flat_pair_ref<K, V>, TQ, UQ> {
    using type = tinymem::detail::flat_pair_ref<K, const V2>;
};

#endif
