// SPDX-License-Identifier: MIT
// The Boost.Test runner of the core suite; the tests live in *_test.cpp.
#define BOOST_TEST_MODULE tinymem
#ifdef TINYMEM_BOOST_TEST_HEADER_ONLY // cross builds without the library (cross/aarch64-*.ini)
#include <boost/test/included/unit_test.hpp>
#else
#include <boost/test/unit_test.hpp>
#endif
