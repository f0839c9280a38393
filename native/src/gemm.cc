/**
 * @file the Node addon: checks arguments, picks the kernel for this CPU at load time
 * (__builtin_cpu_supports: AVX-512 → AVX2+FMA → generic 128-bit vectors), and shares large
 * products between the calling thread and one persistent helper thread, block by block.
 */
#include <node_api.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>

#include "gemm.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace {

enum class Isa { generic, avx2, avx512 };

Isa detectIsa() {
  Isa best = Isa::generic;
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) best = Isa::avx2;
  if (__builtin_cpu_supports("avx512f") && best == Isa::avx2) best = Isa::avx512;
#endif
  // HESSIAN_LAB_ISA lowers the choice (tests of the fallbacks on a newer CPU); it never raises it
  const char* force = std::getenv("HESSIAN_LAB_ISA");
  if (force != nullptr) {
    if (std::strcmp(force, "generic") == 0) best = Isa::generic;
    else if (std::strcmp(force, "avx2") == 0 && best == Isa::avx512) best = Isa::avx2;
  }
  return best;
}

const Isa kIsa = detectIsa();

const char* isaName(Isa isa) {
  switch (isa) {
    case Isa::avx512: return "avx512";
    case Isa::avx2: return "avx2";
    default: return "generic";
  }
}

/** The kernels of the chosen ISA, as plain function pointers (set once at load). */
template <typename T>
struct Kernels {
  void (*packB)(const hl::GemmArgs<T>&, long, long, long, long, T*);
  void (*block)(const hl::GemmArgs<T>&, const hl::Panel<T>&, long, long, T*);
  void (*activate)(const hl::ActivateArgs<T>&);
  void (*backward)(const hl::BackwardArgs<T>&);
  double (*sigmoidCe)(const hl::SigmoidCeArgs<T>&);
  void (*rforward)(const hl::RForwardArgs<T>&);
};

Kernels<float> floatKernels() {
  switch (kIsa) {
#if defined(__x86_64__)
    case Isa::avx512: return {hl::avx512::spackB, hl::avx512::sblock, hl::avx512::sactivate, hl::avx512::sbackward, hl::avx512::ssigmoidce, hl::avx512::srforward};
    case Isa::avx2: return {hl::avx2::spackB, hl::avx2::sblock, hl::avx2::sactivate, hl::avx2::sbackward, hl::avx2::ssigmoidce, hl::avx2::srforward};
#endif
    default: return {hl::generic::spackB, hl::generic::sblock, hl::generic::sactivate, hl::generic::sbackward, hl::generic::ssigmoidce, hl::generic::srforward};
  }
}

Kernels<double> doubleKernels() {
  switch (kIsa) {
#if defined(__x86_64__)
    case Isa::avx512: return {hl::avx512::dpackB, hl::avx512::dblock, hl::avx512::dactivate, hl::avx512::dbackward, hl::avx512::dsigmoidce, hl::avx512::drforward};
    case Isa::avx2: return {hl::avx2::dpackB, hl::avx2::dblock, hl::avx2::dactivate, hl::avx2::dbackward, hl::avx2::dsigmoidce, hl::avx2::drforward};
#endif
    default: return {hl::generic::dpackB, hl::generic::dblock, hl::generic::dactivate, hl::generic::dbackward, hl::generic::dsigmoidce, hl::generic::drforward};
  }
}

template <typename T>
const Kernels<T>& kernels();
template <>
const Kernels<float>& kernels<float>() {
  static const Kernels<float> k = floatKernels();
  return k;
}
template <>
const Kernels<double>& kernels<double>() {
  static const Kernels<double> k = doubleKernels();
  return k;
}

void* alignedScratch(long bytes) {
  // 64-byte alignment: one cache line, and the widest vector loads
  return std::aligned_alloc(64, size_t((bytes + 63) / 64 * 64));
}

/** Per-thread scratch for a packed A block. */
struct ThreadScratch {
  void* packA = alignedScratch(hl::kPackABytes);
};

/**
 * Work sharing between the calling thread and one persistent helper thread. A job is a count of
 * independent blocks; both threads claim blocks from one atomic ticket, so when the machine is
 * busy and the helper is not scheduled, the caller simply does every block itself instead of
 * waiting for a fixed half (static splits stall on the slowest thread). The ticket packs
 * generation | blocks | next, so a helper that wakes late can never claim a block of a finished job.
 */
class Pool {
 public:
  using BlockFn = void (*)(void* ctx, long block, ThreadScratch& scratch);

  Pool() {
    auto* t = new std::thread([this] { helperLoop(); });
    t->detach();  // never joined: process exit must not wait for (or terminate on) it
  }

  void run(BlockFn fn, void* ctx, long blocks, ThreadScratch& mine) {
    fn_ = fn;
    ctx_ = ctx;
    const uint64_t gen = ++generation_;
    ticket_.store((gen << 40) | (uint64_t(blocks) << 20), std::memory_order_release);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      published_ = gen;
    }
    cv_.notify_one();
    work(gen, mine);
    // every block is claimed; wait for the helper to finish the one it may hold
    for (int spin = 0; inflight_.load(std::memory_order_acquire) != 0; spin++) {
      if (spin > 64) std::this_thread::yield();
    }
  }

 private:
  void work(uint64_t gen, ThreadScratch& scratch) {
    for (;;) {
      inflight_.fetch_add(1, std::memory_order_acq_rel);
      uint64_t t = ticket_.load(std::memory_order_acquire);
      bool got = false;
      while ((t >> 40) == gen && (t & 0xFFFFF) < ((t >> 20) & 0xFFFFF)) {
        if (ticket_.compare_exchange_weak(t, t + 1, std::memory_order_acq_rel)) {
          got = true;
          break;
        }
      }
      if (!got) {
        inflight_.fetch_sub(1, std::memory_order_acq_rel);
        return;
      }
      fn_(ctx_, long(t & 0xFFFFF), scratch);
      inflight_.fetch_sub(1, std::memory_order_acq_rel);
    }
  }

  void helperLoop() {
    ThreadScratch scratch;
    uint64_t seen = 0;
    for (;;) {
      uint64_t gen;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait(lock, [&] { return published_ != seen; });
        gen = seen = published_;
      }
      work(gen, scratch);
    }
  }

  std::atomic<uint64_t> ticket_{0};
  std::atomic<int> inflight_{0};
  uint64_t generation_ = 0;  // written by the calling thread only
  BlockFn fn_ = nullptr;
  void* ctx_ = nullptr;
  std::mutex mutex_;
  std::condition_variable cv_;
  uint64_t published_ = 0;
};

Pool& pool() {
  static Pool* p = new Pool();
  return *p;
}

ThreadScratch& mainScratch() {
  static ThreadScratch s;
  return s;
}

template <typename T>
struct GemmJob {
  const hl::GemmArgs<T>* g;
  hl::Panel<T> panel;
  long tiles;   // MR-row tiles of C
  long blocks;  // row blocks the tiles are dealt into, evenly
};

/** Rows [i0, i1) of row block `block`: block b covers MR-row tiles [b·tiles/blocks, (b+1)·tiles/blocks), so sizes differ by at most one tile. */
struct RowRange {
  long i0, i1;
};

inline RowRange rowBlock(long block, long tiles, long blocks, long m) {
  const long t0 = block * tiles / blocks, t1 = (block + 1) * tiles / blocks;
  return {t0 * hl::kMR, t1 * hl::kMR < m ? t1 * hl::kMR : m};
}

template <typename T>
void gemmBlock(void* ctx, long block, ThreadScratch& scratch) {
  auto* job = static_cast<GemmJob<T>*>(ctx);
  const RowRange r = rowBlock(block, job->tiles, job->blocks, job->g->m);
  if (r.i1 > r.i0) kernels<T>().block(*job->g, job->panel, r.i0, r.i1 - r.i0, static_cast<T*>(scratch.packA));
}

/** Columns of B per packing block (a multiple of every NR: 8, 16, 32). */
constexpr long kPackCols = 128;

/** Packs the `index`-th kPackCols-column range of panel p. */
template <typename T>
void packColumns(const hl::GemmArgs<T>& g, const hl::Panel<T>& p, long index) {
  const long js = index * kPackCols;
  const long cols = p.nc - js < kPackCols ? p.nc - js : kPackCols;
  // strips are laid out one after another, kc·NR elements each, so a column range packs in place
  kernels<T>().packB(g, p.p0, p.kc, p.j0 + js, cols, const_cast<T*>(p.packed) + js * p.kc);
}

template <typename T>
void packBlock(void* ctx, long block, ThreadScratch&) {
  auto* job = static_cast<GemmJob<T>*>(ctx);
  packColumns(*job->g, job->panel, block);
}

/** Below this many multiply-adds a second thread costs more (wake-up) than it saves. */
constexpr double kParallelMin = 1 << 18;

/** Bytes of packed B (every k-block of one NC panel) above which products go k-block by k-block. */
constexpr long kWholePanelBytes = 32L << 20;

/** Every k-block of one column panel packed at once: the blocks of rows then run all of k alone. */
template <typename T>
struct WholeJob {
  const hl::GemmArgs<T>* g;
  T* packed;       // k-block b's panel at packed + b·stride
  long stride;     // elements per packed k-block
  long j0, nc;
  long kBlocks;
  long stripBlocks;  // packing blocks of kPackCols columns per k-block
  long tiles, blocks;
};

template <typename T>
hl::Panel<T> panelOf(const WholeJob<T>& job, long kb) {
  const long p0 = kb * hl::kKC;
  const long kc = job.g->k - p0 < hl::kKC ? job.g->k - p0 : hl::kKC;
  return {job.packed + kb * job.stride, p0, kc, job.j0, job.nc, kb == 0 ? job.g->beta : T(1)};
}

template <typename T>
void wholePackBlock(void* ctx, long block, ThreadScratch&) {
  auto* job = static_cast<WholeJob<T>*>(ctx);
  packColumns(*job->g, panelOf(*job, block / job->stripBlocks), block % job->stripBlocks);
}

template <typename T>
void wholeRowBlock(void* ctx, long block, ThreadScratch& scratch) {
  auto* job = static_cast<WholeJob<T>*>(ctx);
  const RowRange r = rowBlock(block, job->tiles, job->blocks, job->g->m);
  if (r.i1 <= r.i0) return;
  for (long kb = 0; kb < job->kBlocks; kb++) kernels<T>().block(*job->g, panelOf(*job, kb), r.i0, r.i1 - r.i0, static_cast<T*>(scratch.packA));
}

/** Scratch for whole packed panels, grown on demand (products run one at a time, on the caller's thread). */
void* wholePanelScratch(long bytes) {
  static void* buffer = nullptr;
  static long capacity = 0;
  if (bytes > capacity) {
    std::free(buffer);
    buffer = alignedScratch(bytes);
    capacity = bytes;
  }
  return buffer;
}

/**
 * Goto's loop nest: for each KC × NC panel of B (packed once by the caller, shared read-only),
 * the MC-row blocks of A are independent and go to whichever thread is free. On two threads, when
 * every k-block of a column panel fits kWholePanelBytes, all of them are packed in one parallel
 * step and each row block then runs all of k: two thread meetings a panel instead of two per
 * k-block, whose uneven ends cost up to one row block each.
 */
template <typename T>
void gemm(const hl::GemmArgs<T>& g, int threads) {
  if (g.k == 0 || g.alpha == T(0)) {
    for (long i = 0; i < g.m; i++)
      for (long j = 0; j < g.n; j++) g.c[i * g.ldc + j] = g.beta == T(0) ? T(0) : g.beta * g.c[i * g.ldc + j];
    return;
  }
  static T* packedB = static_cast<T*>(alignedScratch(hl::kPackBBytes));
  const Kernels<T>& k = kernels<T>();
  const bool parallel = threads >= 2 && double(g.m) * double(g.n) * double(g.k) >= kParallelMin;
  // an even number of blocks, each at most MC rows, so two threads finish together when neither
  // is interrupted (a 1024-row product in 72-row blocks would leave one thread 8 blocks, one 7)
  const long tiles = (g.m + hl::kMR - 1) / hl::kMR;
  long blocks = (g.m + hl::kMC - 1) / hl::kMC;
  if (parallel && blocks > 1 && blocks % 2 == 1) blocks++;
  if (blocks > tiles) blocks = tiles;
  const long kBlocks = (g.k + hl::kKC - 1) / hl::kKC;
  const long ncMax = g.n < hl::kNC ? g.n : hl::kNC;
  const long stride = hl::kKC * (ncMax + 64);  // a packed k-block: kc rows of NR-column strips
  const bool whole = parallel && blocks > 1 && kBlocks > 1 && long(sizeof(T)) * stride * kBlocks <= kWholePanelBytes;
  GemmJob<T> job{&g, {packedB, 0, 0, 0, 0, T(0)}, tiles, blocks};
  for (long j0 = 0; j0 < g.n; j0 += hl::kNC) {
    const long nc = g.n - j0 < hl::kNC ? g.n - j0 : hl::kNC;
    const long stripBlocks = (nc + kPackCols - 1) / kPackCols;
    if (whole) {
      WholeJob<T> wj{&g, static_cast<T*>(wholePanelScratch(long(sizeof(T)) * stride * kBlocks + 4096)), stride, j0, nc, kBlocks, stripBlocks, tiles, blocks};
      pool().run(&wholePackBlock<T>, &wj, kBlocks * stripBlocks, mainScratch());
      pool().run(&wholeRowBlock<T>, &wj, blocks, mainScratch());
      continue;
    }
    for (long p0 = 0; p0 < g.k; p0 += hl::kKC) {
      const long kc = g.k - p0 < hl::kKC ? g.k - p0 : hl::kKC;
      // the first k-block applies the caller's β; later ones accumulate onto it
      job.panel = {packedB, p0, kc, j0, nc, p0 == 0 ? g.beta : T(1)};
      if (parallel && stripBlocks > 1) {
        // packing is memory-bound and would otherwise be the serial part of every product
        pool().run(&packBlock<T>, &job, stripBlocks, mainScratch());
      } else {
        k.packB(g, p0, kc, j0, nc, packedB);
      }
      if (parallel && blocks > 1) {
        pool().run(&gemmBlock<T>, &job, blocks, mainScratch());
      } else {
        for (long b = 0; b < blocks; b++) gemmBlock<T>(&job, b, mainScratch());
      }
    }
  }
}

/** Shifts every row-major operand of an elementwise step by `off` elements (rows already advanced). */
template <typename T>
void shiftRows(hl::ActivateArgs<T>& a, long off) {
  a.c += off;
  a.d1 += off;
  if (a.d2 != nullptr) a.d2 += off;
}

template <typename T>
void shiftRows(hl::RForwardArgs<T>& a, long off) {
  a.rz += off;
  a.d1 += off;
  if (a.d2 != nullptr) {
    a.d2 += off;
    a.p2 += off;
  }
}

/** An elementwise step over rows × width, and the kernel that runs a block of its rows. */
template <typename Args>
struct RowsJob {
  const Args* g;
  long rowsPerBlock;
  void (*kernel)(const Args&);
};

template <typename Args>
void rowsBlock(void* ctx, long block, ThreadScratch&) {
  auto* job = static_cast<RowsJob<Args>*>(ctx);
  Args part = *job->g;
  const long r0 = block * job->rowsPerBlock;
  part.rows = part.rows - r0 < job->rowsPerBlock ? part.rows - r0 : job->rowsPerBlock;
  shiftRows(part, r0 * part.width);
  job->kernel(part);
}

/** Runs an elementwise step of a large layer by blocks of rows on whichever thread is free (small ones: here). */
template <typename Args>
void byRows(const Args& g, int threads, void (*kernel)(const Args&)) {
  if (threads < 2 || g.rows < 2 || double(g.rows) * double(g.width) < 65536) {
    kernel(g);
    return;
  }
  const long blocks = 8 < g.rows ? 8 : g.rows;
  RowsJob<Args> job{&g, (g.rows + blocks - 1) / blocks, kernel};
  pool().run(&rowsBlock<Args>, &job, (g.rows + job.rowsPerBlock - 1) / job.rowsPerBlock, mainScratch());
}

/** Activations of large layers go by blocks of rows to whichever thread is free. */
template <typename T>
void activate(const hl::ActivateArgs<T>& g, int threads) {
  byRows<hl::ActivateArgs<T>>(g, threads, kernels<T>().activate);
}

template <typename T>
void backwardBlock(void* ctx, long block, ThreadScratch&) {
  hl::BackwardArgs<T> part = *static_cast<const hl::BackwardArgs<T>*>(ctx);
  part.j0 = block * 64;
  part.j1 = part.j0 + 64 < part.width ? part.j0 + 64 : part.width;
  kernels<T>().backward(part);
}

/** The backward elementwise step, split by 64-column blocks (each owns its bias sums). */
template <typename T>
void backward(const hl::BackwardArgs<T>& g, int threads) {
  const long blocks = (g.width + 63) / 64;
  if (threads < 2 || blocks < 2 || double(g.rows) * double(g.width) < 65536) {
    kernels<T>().backward(g);
    return;
  }
  pool().run(&backwardBlock<T>, const_cast<hl::BackwardArgs<T>*>(&g), blocks, mainScratch());
}

/** The R-forward step, by blocks of rows. */
template <typename T>
void rforward(const hl::RForwardArgs<T>& g, int threads) {
  byRows<hl::RForwardArgs<T>>(g, threads, kernels<T>().rforward);
}

template <typename T>
struct SigmoidCeJob {
  hl::SigmoidCeArgs<T> args;
  long chunk;
  double partial[16];
};

template <typename T>
void sigmoidCeBlock(void* ctx, long block, ThreadScratch&) {
  auto* job = static_cast<SigmoidCeJob<T>*>(ctx);
  hl::SigmoidCeArgs<T> part = job->args;
  part.begin = job->args.begin + block * job->chunk;
  part.end = part.begin + job->chunk < job->args.end ? part.begin + job->chunk : job->args.end;
  job->partial[block] = kernels<T>().sigmoidCe(part);
}

/** The sigmoid cross-entropy value, gradient and output-Hessian diagonal, in up to 16 chunks. */
template <typename T>
double sigmoidCe(const hl::SigmoidCeArgs<T>& g, int threads) {
  const long n = g.end - g.begin;
  if (threads < 2 || n < 65536) return kernels<T>().sigmoidCe(g);
  SigmoidCeJob<T> job{g, ((n + 15) / 16 + 63) / 64 * 64, {}};
  const long blocks = (n + job.chunk - 1) / job.chunk;
  pool().run(&sigmoidCeBlock<T>, &job, blocks, mainScratch());
  double total = 0;
  for (long b = 0; b < blocks; b++) total += job.partial[b];  // fixed order: deterministic sums
  return total;
}

/** One element-type conversion: dst[i] = D(src[i]) over [0, n), by blocks on both threads. */
template <typename S, typename D>
struct ConvertJob {
  const S* src;
  D* dst;
  long n;
  long chunk;
};

template <typename S, typename D>
void convertBlock(void* ctx, long block, ThreadScratch&) {
  auto* job = static_cast<ConvertJob<S, D>*>(ctx);
  const long i0 = block * job->chunk;
  const long i1 = i0 + job->chunk < job->n ? i0 + job->chunk : job->n;
  for (long i = i0; i < i1; i++) job->dst[i] = D(job->src[i]);
}

/**
 * Float64 ↔ float32 copies of parameter-sized vectors (millions of elements: V8's typed-array set
 * converts them one by one at ~2.5 ns each; this loop vectorizes and runs on both threads).
 */
template <typename S, typename D>
void convert(const S* src, D* dst, long n, int threads) {
  ConvertJob<S, D> job{src, dst, n, 1 << 16};
  const long blocks = (n + job.chunk - 1) / job.chunk;
  if (threads < 2 || blocks < 2) {
    for (long b = 0; b < blocks; b++) convertBlock<S, D>(&job, b, mainScratch());
    return;
  }
  pool().run(&convertBlock<S, D>, &job, blocks, mainScratch());
}

// ---- N-API glue ----------------------------------------------------------------------------------

napi_value throwError(napi_env env, const char* message) {
  napi_throw_type_error(env, nullptr, message);
  return nullptr;
}

bool getLong(napi_env env, napi_value v, long* out) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok || !(d >= 0) || d > 9007199254740991.0 || d != double(long(d))) return false;
  *out = long(d);
  return true;
}

struct Array {
  napi_typedarray_type type;
  void* data;
  size_t length;
};

bool getArray(napi_env env, napi_value v, Array* out) {
  bool is;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return false;
  napi_value buffer;
  size_t offset;
  return napi_get_typedarray_info(env, v, &out->type, &out->length, &out->data, &buffer, &offset) == napi_ok &&
         (out->type == napi_float32_array || out->type == napi_float64_array);
}

/** Elements a rows × cols row-major matrix with stride ld spans. */
long span(long rows, long cols, long ld) { return rows == 0 || cols == 0 ? 0 : (rows - 1) * ld + cols; }

// gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, threads)
napi_value Gemm(napi_env env, napi_callback_info info) {
  size_t argc = 14;
  napi_value argv[14];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != 14) return throwError(env, "gemm: expected 14 arguments");
  bool transA, transB;
  long m, n, k, lda, ldb, ldc, threads;
  double alpha, beta;
  Array a, b, c;
  if (napi_get_value_bool(env, argv[0], &transA) != napi_ok || napi_get_value_bool(env, argv[1], &transB) != napi_ok) return throwError(env, "gemm: transA/transB must be booleans");
  if (!getLong(env, argv[2], &m) || !getLong(env, argv[3], &n) || !getLong(env, argv[4], &k) || !getLong(env, argv[7], &lda) ||
      !getLong(env, argv[9], &ldb) || !getLong(env, argv[12], &ldc) || !getLong(env, argv[13], &threads))
    return throwError(env, "gemm: sizes, strides and threads must be non-negative integers");
  if (napi_get_value_double(env, argv[5], &alpha) != napi_ok || napi_get_value_double(env, argv[10], &beta) != napi_ok) return throwError(env, "gemm: alpha/beta must be numbers");
  if (!getArray(env, argv[6], &a) || !getArray(env, argv[8], &b) || !getArray(env, argv[11], &c)) return throwError(env, "gemm: a, b, c must be Float32Array or Float64Array");
  if (a.type != b.type || a.type != c.type) return throwError(env, "gemm: a, b, c must share one element type");
  const long aRows = transA ? k : m, aCols = transA ? m : k, bRows = transB ? n : k, bCols = transB ? k : n;
  if (lda < aCols || ldb < bCols || ldc < n) return throwError(env, "gemm: a row stride is smaller than its row");
  if (long(a.length) < span(aRows, aCols, lda) || long(b.length) < span(bRows, bCols, ldb) || long(c.length) < span(m, n, ldc))
    return throwError(env, "gemm: an operand is shorter than its shape and stride require");
  if (m == 0 || n == 0) return nullptr;
  if (a.type == napi_float32_array) {
    hl::GemmArgs<float> g{transA, transB, m, n, k, float(alpha), static_cast<const float*>(a.data), lda, static_cast<const float*>(b.data), ldb, float(beta), static_cast<float*>(c.data), ldc};
    gemm(g, int(threads));
  } else {
    hl::GemmArgs<double> g{transA, transB, m, n, k, alpha, static_cast<const double*>(a.data), lda, static_cast<const double*>(b.data), ldb, beta, static_cast<double*>(c.data), ldc};
    gemm(g, int(threads));
  }
  return nullptr;
}

// activate(kind, c, bias, d1, d2 | null, rows, width, threads)
napi_value Activate(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != 8) return throwError(env, "activate: expected 8 arguments");
  long kind, rows, width, threads;
  if (!getLong(env, argv[0], &kind) || kind > hl::kSigmoid || !getLong(env, argv[5], &rows) || !getLong(env, argv[6], &width) || !getLong(env, argv[7], &threads))
    return throwError(env, "activate: kind, rows, width and threads must be non-negative integers (kind ≤ 3)");
  napi_valuetype d2Type;
  napi_typeof(env, argv[4], &d2Type);
  Array c, bias, d1, d2{napi_float32_array, nullptr, 0};
  if (!getArray(env, argv[1], &c) || !getArray(env, argv[2], &bias) || !getArray(env, argv[3], &d1) || (d2Type != napi_null && !getArray(env, argv[4], &d2)))
    return throwError(env, "activate: c, bias, d1 must be Float32Array or Float64Array, d2 one too or null");
  const bool hasD2 = d2Type != napi_null;
  if (bias.type != c.type || d1.type != c.type || (hasD2 && d2.type != c.type)) return throwError(env, "activate: arrays must share one element type");
  const size_t n = size_t(rows) * size_t(width);
  if (c.length < n || d1.length < n || (hasD2 && d2.length < n) || bias.length < size_t(width)) return throwError(env, "activate: an array is shorter than rows × width");
  if (c.type == napi_float32_array) {
    activate(hl::ActivateArgs<float>{int(kind), static_cast<float*>(c.data), static_cast<const float*>(bias.data), static_cast<float*>(d1.data), hasD2 ? static_cast<float*>(d2.data) : nullptr, rows, width}, int(threads));
  } else {
    activate(hl::ActivateArgs<double>{int(kind), static_cast<double*>(c.data), static_cast<const double*>(bias.data), static_cast<double*>(d1.data), hasD2 ? static_cast<double*>(d2.data) : nullptr, rows, width}, int(threads));
  }
  return nullptr;
}

bool getOptionalArray(napi_env env, napi_value v, Array* out, bool* present) {
  napi_valuetype type;
  napi_typeof(env, v, &type);
  *present = type != napi_null;
  if (!*present) {
    out->data = nullptr;
    out->length = 0;
    return true;
  }
  return getArray(env, v, out);
}

// backward(g, d1, rg | null, d2 | null, bias, rows, width, threads)
napi_value Backward(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != 8) return throwError(env, "backward: expected 8 arguments");
  long rows, width, threads;
  if (!getLong(env, argv[5], &rows) || !getLong(env, argv[6], &width) || !getLong(env, argv[7], &threads)) return throwError(env, "backward: rows, width and threads must be non-negative integers");
  Array g, d1, rg, d2, bias;
  bool hasRg, hasD2;
  if (!getArray(env, argv[0], &g) || !getArray(env, argv[1], &d1) || !getOptionalArray(env, argv[2], &rg, &hasRg) || !getOptionalArray(env, argv[3], &d2, &hasD2) || !getArray(env, argv[4], &bias))
    return throwError(env, "backward: g, d1, bias must be Float32Array or Float64Array; rg, d2 one too or null");
  if (d1.type != g.type || bias.type != g.type || (hasRg && rg.type != g.type) || (hasD2 && d2.type != g.type)) return throwError(env, "backward: arrays must share one element type");
  const size_t n = size_t(rows) * size_t(width);
  if (g.length < n || d1.length < n || (hasRg && rg.length < n) || (hasD2 && d2.length < n) || bias.length < size_t(width)) return throwError(env, "backward: an array is shorter than rows × width");
  if (hasD2 && !hasRg) return throwError(env, "backward: d2 needs rg");
  if (g.type == napi_float32_array) {
    backward(hl::BackwardArgs<float>{static_cast<float*>(g.data), static_cast<const float*>(d1.data), static_cast<float*>(rg.data), static_cast<const float*>(d2.data), static_cast<float*>(bias.data), rows, width, 0, width}, int(threads));
  } else {
    backward(hl::BackwardArgs<double>{static_cast<double*>(g.data), static_cast<const double*>(d1.data), static_cast<double*>(rg.data), static_cast<const double*>(d2.data), static_cast<double*>(bias.data), rows, width, 0, width}, int(threads));
  }
  return nullptr;
}

// rforward(rz, vb, d1, d2 | null, p2 | null, rows, width, threads)
napi_value RForward(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != 8) return throwError(env, "rforward: expected 8 arguments");
  long rows, width, threads;
  if (!getLong(env, argv[5], &rows) || !getLong(env, argv[6], &width) || !getLong(env, argv[7], &threads)) return throwError(env, "rforward: rows, width and threads must be non-negative integers");
  Array rz, vb, d1, d2, p2;
  bool hasD2, hasP2;
  if (!getArray(env, argv[0], &rz) || !getArray(env, argv[1], &vb) || !getArray(env, argv[2], &d1) || !getOptionalArray(env, argv[3], &d2, &hasD2) || !getOptionalArray(env, argv[4], &p2, &hasP2))
    return throwError(env, "rforward: rz, vb, d1 must be Float32Array or Float64Array; d2, p2 one too or null");
  if (hasD2 != hasP2) return throwError(env, "rforward: d2 and p2 go together");
  if (vb.type != rz.type || d1.type != rz.type || (hasD2 && (d2.type != rz.type || p2.type != rz.type))) return throwError(env, "rforward: arrays must share one element type");
  const size_t n = size_t(rows) * size_t(width);
  if (rz.length < n || d1.length < n || (hasD2 && (d2.length < n || p2.length < n)) || vb.length < size_t(width)) return throwError(env, "rforward: an array is shorter than rows × width");
  if (rz.type == napi_float32_array) {
    rforward(hl::RForwardArgs<float>{static_cast<float*>(rz.data), static_cast<const float*>(vb.data), static_cast<const float*>(d1.data), static_cast<const float*>(d2.data), static_cast<float*>(p2.data), rows, width}, int(threads));
  } else {
    rforward(hl::RForwardArgs<double>{static_cast<double*>(rz.data), static_cast<const double*>(vb.data), static_cast<const double*>(d1.data), static_cast<const double*>(d2.data), static_cast<double*>(p2.data), rows, width}, int(threads));
  }
  return nullptr;
}

// sigmoidCe(y, t, grad, hdiag | null, n, threads) → Σ softplus(y) − t·y
napi_value SigmoidCe(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != 6) return throwError(env, "sigmoidCe: expected 6 arguments");
  long n, threads;
  if (!getLong(env, argv[4], &n) || !getLong(env, argv[5], &threads)) return throwError(env, "sigmoidCe: n and threads must be non-negative integers");
  Array y, t, grad, h;
  bool hasH;
  if (!getArray(env, argv[0], &y) || !getArray(env, argv[1], &t) || !getArray(env, argv[2], &grad) || !getOptionalArray(env, argv[3], &h, &hasH))
    return throwError(env, "sigmoidCe: y, t, grad must be Float32Array or Float64Array; hdiag one too or null");
  if (t.type != y.type || grad.type != y.type || (hasH && h.type != y.type)) return throwError(env, "sigmoidCe: arrays must share one element type");
  if (y.length < size_t(n) || t.length < size_t(n) || grad.length < size_t(n) || (hasH && h.length < size_t(n))) return throwError(env, "sigmoidCe: an array is shorter than n");
  double total;
  if (y.type == napi_float32_array) {
    total = sigmoidCe(hl::SigmoidCeArgs<float>{static_cast<const float*>(y.data), static_cast<const float*>(t.data), static_cast<float*>(grad.data), static_cast<float*>(h.data), 0, n}, int(threads));
  } else {
    total = sigmoidCe(hl::SigmoidCeArgs<double>{static_cast<const double*>(y.data), static_cast<const double*>(t.data), static_cast<double*>(grad.data), static_cast<double*>(h.data), 0, n}, int(threads));
  }
  napi_value out;
  napi_create_double(env, total, &out);
  return out;
}

// convert(src, dst, threads): dst ← src over src's length, float64 ↔ float32 (or same type)
napi_value Convert(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != 3) return throwError(env, "convert: expected 3 arguments");
  long threads;
  if (!getLong(env, argv[2], &threads)) return throwError(env, "convert: threads must be a non-negative integer");
  Array src, dst;
  if (!getArray(env, argv[0], &src) || !getArray(env, argv[1], &dst)) return throwError(env, "convert: src and dst must be Float32Array or Float64Array");
  if (dst.length != src.length) return throwError(env, "convert: src and dst must have the same length");
  const long n = long(src.length);
  const bool s64 = src.type == napi_float64_array;
  const bool d64 = dst.type == napi_float64_array;
  if (s64 && !d64) convert(static_cast<const double*>(src.data), static_cast<float*>(dst.data), n, int(threads));
  else if (!s64 && d64) convert(static_cast<const float*>(src.data), static_cast<double*>(dst.data), n, int(threads));
  else if (s64) convert(static_cast<const double*>(src.data), static_cast<double*>(dst.data), n, int(threads));
  else convert(static_cast<const float*>(src.data), static_cast<float*>(dst.data), n, int(threads));
  return nullptr;
}

napi_value IsaFn(napi_env env, napi_callback_info) {
  napi_value out;
  napi_create_string_utf8(env, isaName(kIsa), NAPI_AUTO_LENGTH, &out);
  return out;
}

// tuneMalloc(mmapBytes, trimBytes): fixes glibc's mmap and trim thresholds (true when set). With
// the default dynamic threshold, a block freed and requested again at the same size (a gradient
// each step) is mmapped afresh each time, and its first touch costs one page fault per 4 KiB.
napi_value TuneMalloc(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  bool ok = false;
#if defined(__GLIBC__)
  double mmapBytes = 0, trimBytes = 0;
  if (argc == 2 && napi_get_value_double(env, argv[0], &mmapBytes) == napi_ok && napi_get_value_double(env, argv[1], &trimBytes) == napi_ok &&
      mmapBytes >= 0 && mmapBytes <= 2147483647.0 && trimBytes >= 0 && trimBytes <= 2147483647.0) {
    ok = mallopt(M_MMAP_THRESHOLD, int(mmapBytes)) == 1 && mallopt(M_TRIM_THRESHOLD, int(trimBytes)) == 1;
  }
#endif
  napi_value out;
  napi_get_boolean(env, ok, &out);
  return out;
}

napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"gemm", nullptr, Gemm, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"isa", nullptr, IsaFn, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"activate", nullptr, Activate, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"backward", nullptr, Backward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sigmoidCe", nullptr, SigmoidCe, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"rforward", nullptr, RForward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"convert", nullptr, Convert, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"tuneMalloc", nullptr, TuneMalloc, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, 8, props);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
