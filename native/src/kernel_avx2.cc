/** @file the packed GEMM compiled for avx2 (32-byte vectors); the flags come from binding.gyp */
#define HL_NS avx2
#define HL_VBYTES 32
#include "kernel.inc"
