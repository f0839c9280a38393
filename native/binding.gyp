{
  "target_defaults": {
    "cflags": ["-O3", "-fPIC", "-ffp-contract=fast", "-fno-strict-aliasing"],
    "cflags_cc": ["-std=gnu++17"]
  },
  "targets": [
    {
      "target_name": "kernel_generic",
      "type": "static_library",
      "sources": ["src/kernel_generic.cc"]
    },
    {
      "target_name": "kernel_avx2",
      "type": "static_library",
      "sources": ["src/kernel_avx2.cc"],
      "conditions": [["target_arch=='x64'", { "cflags": ["-mavx2", "-mfma"] }]]
    },
    {
      "target_name": "kernel_avx512",
      "type": "static_library",
      "sources": ["src/kernel_avx512.cc"],
      "conditions": [["target_arch=='x64'", { "cflags": ["-mavx512f", "-mavx512vl", "-mavx2", "-mfma"] }]]
    },
    {
      "target_name": "hessian_lab_native",
      "sources": ["src/gemm.cc"],
      "dependencies": ["kernel_generic", "kernel_avx2", "kernel_avx512"],
      "cflags": ["-pthread"],
      "ldflags": ["-pthread"]
    }
  ]
}
