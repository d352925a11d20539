/* The C ABI from C: d2l.ai §7.5's worked examples, a NaN window, every status code a
 * caller can provoke, strided channel slices in both layouts, u8, and the thread pool.
 * Exits non-zero on the first failed check. Lines "out <name> <values...>" go to stdout
 * for capi/tests/c_program.rs, which recomputes each with the Rust API. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "simdpool.h"

static int failures = 0;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: CHECK failed: %s (last error: %s)\n", __FILE__, \
              __LINE__, #cond, simdpool_last_error_message());                \
      failures++;                                                              \
    }                                                                          \
  } while (0)

/* A packed tensor of `rank + 2` axes. */
static simdpool_tensor packed(void *data, uint32_t rank, const int64_t *shape,
                              uint32_t layout) {
  simdpool_tensor t;
  memset(&t, 0, sizeof t);
  t.data = data;
  memcpy(t.shape, shape, (rank + 2) * sizeof(int64_t));
  CHECK(simdpool_packed_strides(rank, shape, layout, t.strides) == SIMDPOOL_OK);
  return t;
}

static int same_floats(const float *a, const float *b, int n) {
  for (int i = 0; i < n; i++)
    if (!(a[i] == b[i] || (isnan(a[i]) && isnan(b[i])))) return 0;
  return 1;
}

static void print(const char *name, const float *v, int n) {
  printf("out %s", name);
  for (int i = 0; i < n; i++) printf(" %.9g", v[i]);
  printf("\n");
}

static void d2l_examples(void) {
  /* §7.5.1: X = [[0,1,2],[3,4,5],[6,7,8]], 2×2 window, stride 1. */
  float x[9] = {0, 1, 2, 3, 4, 5, 6, 7, 8}, y[4];
  int64_t xs[4] = {1, 1, 3, 3}, ys[4] = {1, 1, 2, 2};
  simdpool_pool_desc d = simdpool_pool_desc_default(SIMDPOOL_OP_MAX, 2);
  d.kernel[0] = d.kernel[1] = 2;
  d.stride[0] = d.stride[1] = 1;
  simdpool_tensor tx = packed(x, 2, xs, SIMDPOOL_LAYOUT_CHANNELS_FIRST);
  simdpool_tensor ty = packed(y, 2, ys, SIMDPOOL_LAYOUT_CHANNELS_FIRST);
  CHECK(simdpool_forward(&d, &tx, &ty) == SIMDPOOL_OK);
  const float max_want[4] = {4, 5, 7, 8};
  CHECK(same_floats(y, max_want, 4));
  d.op = SIMDPOOL_OP_AVG;
  CHECK(simdpool_forward(&d, &tx, &ty) == SIMDPOOL_OK);
  const float avg_want[4] = {2, 3, 5, 6};
  CHECK(same_floats(y, avg_want, 4));

  /* §7.5.2: X = arange(16) as 1×1×4×4; MaxPool2d(3) gives [[10]], with padding 1 and
   * stride 2 [[5, 7], [13, 15]], and window (2, 3), padding (0, 1), stride (2, 3) too. */
  float x16[16], one, four[4];
  for (int i = 0; i < 16; i++) x16[i] = (float)i;
  int64_t s16[4] = {1, 1, 4, 4}, s1[4] = {1, 1, 1, 1}, out[4];
  simdpool_tensor t16 = packed(x16, 2, s16, SIMDPOOL_LAYOUT_CHANNELS_FIRST);
  simdpool_tensor t1 = packed(&one, 2, s1, SIMDPOOL_LAYOUT_CHANNELS_FIRST);
  simdpool_tensor t4 = packed(four, 2, ys, SIMDPOOL_LAYOUT_CHANNELS_FIRST);
  d = simdpool_pool_desc_default(SIMDPOOL_OP_MAX, 2);
  d.kernel[0] = d.kernel[1] = 3;
  CHECK(simdpool_output_shape(&d, s16, out) == SIMDPOOL_OK);
  CHECK(out[2] == 1 && out[3] == 1);
  CHECK(simdpool_forward(&d, &t16, &t1) == SIMDPOOL_OK && one == 10);
  d.pads_begin[0] = d.pads_begin[1] = d.pads_end[0] = d.pads_end[1] = 1;
  d.stride[0] = d.stride[1] = 2;
  const float want[4] = {5, 7, 13, 15};
  CHECK(simdpool_forward(&d, &t16, &t4) == SIMDPOOL_OK && same_floats(four, want, 4));
  d.kernel[0] = 2, d.kernel[1] = 3;
  d.stride[0] = 2, d.stride[1] = 3;
  d.pads_begin[0] = d.pads_end[0] = 0;
  memset(four, 0, sizeof four);
  CHECK(simdpool_forward(&d, &t16, &t4) == SIMDPOOL_OK && same_floats(four, want, 4));

  /* §7.5.3: channels X and X + 1 pool separately. */
  float x2[32], y2[8];
  for (int i = 0; i < 16; i++) x2[i] = (float)i, x2[16 + i] = (float)i + 1;
  int64_t s2[4] = {1, 2, 4, 4}, o2[4] = {1, 2, 2, 2};
  simdpool_tensor tx2 = packed(x2, 2, s2, SIMDPOOL_LAYOUT_CHANNELS_FIRST);
  simdpool_tensor ty2 = packed(y2, 2, o2, SIMDPOOL_LAYOUT_CHANNELS_FIRST);
  d = simdpool_pool_desc_default(SIMDPOOL_OP_MAX, 2);
  d.kernel[0] = d.kernel[1] = 3;
  d.pads_begin[0] = d.pads_begin[1] = d.pads_end[0] = d.pads_end[1] = 1;
  d.stride[0] = d.stride[1] = 2;
  CHECK(simdpool_forward(&d, &tx2, &ty2) == SIMDPOOL_OK);
  const float want2[8] = {5, 7, 13, 15, 6, 8, 14, 16};
  CHECK(same_floats(y2, want2, 8));
}

static void nan_window(void) {
  /* PyTorch: a NaN in a max window wins, and its index is returned. */
  float x[4] = {1, NAN, 3, 2}, y[2];
  int64_t i[2], xs[3] = {1, 1, 4}, ys[3] = {1, 1, 2};
  simdpool_pool_desc d = simdpool_pool_desc_default(SIMDPOOL_OP_MAX, 1);
  d.kernel[0] = 2;
  simdpool_tensor tx = packed(x, 1, xs, SIMDPOOL_LAYOUT_CHANNELS_FIRST);
  simdpool_tensor ty = packed(y, 1, ys, SIMDPOOL_LAYOUT_CHANNELS_FIRST);
  simdpool_tensor ti = packed(i, 1, ys, SIMDPOOL_LAYOUT_CHANNELS_FIRST);
  CHECK(simdpool_forward_with_indices(&d, &tx, &ty, &ti) == SIMDPOOL_OK);
  CHECK(isnan(y[0]) && i[0] == 1 && y[1] == 3 && i[1] == 2);
}

/* Each status a caller can cause; the output keeps its sentinel every time. */
static void errors(void) {
  float x[16] = {0}, y[4] = {-7, -7, -7, -7};
  int64_t idx[4] = {0}, xs[4] = {1, 1, 4, 4}, ys[4] = {1, 1, 2, 2};
  simdpool_pool_desc d = simdpool_pool_desc_default(SIMDPOOL_OP_MAX, 2);
  d.kernel[0] = d.kernel[1] = 2;
  simdpool_tensor tx = packed(x, 2, xs, SIMDPOOL_LAYOUT_CHANNELS_FIRST);
  simdpool_tensor ty = packed(y, 2, ys, SIMDPOOL_LAYOUT_CHANNELS_FIRST);
  simdpool_tensor ti = packed(idx, 2, ys, SIMDPOOL_LAYOUT_CHANNELS_FIRST);
  int32_t s;

  CHECK(simdpool_forward(NULL, &tx, &ty) == SIMDPOOL_ERROR_NULL_POINTER);
  CHECK(simdpool_forward(&d, &tx, NULL) == SIMDPOOL_ERROR_NULL_POINTER);
  simdpool_tensor bad = tx;
  bad.data = NULL;
  CHECK(simdpool_forward(&d, &bad, &ty) == SIMDPOOL_ERROR_NULL_POINTER);

  simdpool_pool_desc e = d;
  e.op = 99;
  CHECK(simdpool_forward(&e, &tx, &ty) == SIMDPOOL_ERROR_INVALID_ARGUMENT);
  CHECK(strstr(simdpool_last_error_message(), "desc.op = 99") != NULL);
  e = d, e.rank = 4;
  CHECK(simdpool_forward(&e, &tx, &ty) == SIMDPOOL_ERROR_INVALID_ARGUMENT);
  e = d, e.ceil_mode = 2;
  CHECK(simdpool_forward(&e, &tx, &ty) == SIMDPOOL_ERROR_INVALID_ARGUMENT);
  e = d, e.pads_begin[0] = 1;
  CHECK(simdpool_forward(&e, &tx, &ty) == SIMDPOOL_ERROR_INVALID_ARGUMENT);

  bad = tx, bad.shape[3] = -4;
  CHECK(simdpool_forward(&d, &bad, &ty) == SIMDPOOL_ERROR_SIZE);
  CHECK(strstr(simdpool_last_error_message(), "input.shape[3] = -4") != NULL);
  bad = tx, bad.strides[0] = INT64_MAX;
  bad.shape[0] = 3;
  CHECK(simdpool_forward(&d, &bad, &ty) == SIMDPOOL_ERROR_SIZE);
  e = d, e.kernel[1] = -2;
  CHECK(simdpool_forward(&e, &tx, &ty) == SIMDPOOL_ERROR_SIZE);

  simdpool_tensor over = ty;
  over.data = x + 2; /* the output inside the input */
  CHECK(simdpool_forward(&d, &tx, &over) == SIMDPOOL_ERROR_OVERLAP);
  over = ti;
  over.data = (char *)y; /* indices over the output */
  CHECK(simdpool_forward_with_indices(&d, &tx, &ty, &over) == SIMDPOOL_ERROR_OVERLAP);

  e = d, e.kernel[0] = 0;
  CHECK(simdpool_forward(&e, &tx, &ty) == SIMDPOOL_ERROR_PARAMETER);
  CHECK(strstr(simdpool_last_error_message(), "kernel_size") != NULL);
  e = d, e.kernel[0] = e.kernel[1] = 3, e.pads_begin[0] = e.pads_end[0] = 2;
  CHECK(simdpool_forward(&e, &tx, &ty) == SIMDPOOL_ERROR_PARAMETER);

  e = d, e.kernel[0] = e.kernel[1] = 5;
  CHECK(simdpool_forward(&e, &tx, &ty) == SIMDPOOL_ERROR_SHAPE);
  CHECK(strstr(simdpool_last_error_message(), "Output size is too small") != NULL);

  simdpool_tensor wrong = ty;
  wrong.shape[3] = 1;
  CHECK(simdpool_forward(&d, &tx, &wrong) == SIMDPOOL_ERROR_BUFFER);
  wrong = ty, wrong.strides[3] = 0; /* the output overlapping itself */
  CHECK(simdpool_forward(&d, &tx, &wrong) == SIMDPOOL_ERROR_BUFFER);
  wrong = tx, wrong.data = (char *)x + 1; /* misaligned float */
  CHECK(simdpool_forward(&d, &wrong, &ty) == SIMDPOOL_ERROR_BUFFER);

  e = d, e.op = SIMDPOOL_OP_AVG;
  CHECK(simdpool_forward_with_indices(&e, &tx, &ty, &ti) == SIMDPOOL_ERROR_UNSUPPORTED);
  CHECK(simdpool_backward(&d, &ty, &tx) == SIMDPOOL_ERROR_UNSUPPORTED);
  e = d, e.op = SIMDPOOL_OP_LP, e.dtype = SIMDPOOL_DTYPE_U8;
  uint8_t bx[16] = {0}, by[4] = {0};
  simdpool_tensor tbx = packed(bx, 2, xs, SIMDPOOL_LAYOUT_CHANNELS_FIRST);
  simdpool_tensor tby = packed(by, 2, ys, SIMDPOOL_LAYOUT_CHANNELS_FIRST);
  CHECK(simdpool_forward(&e, &tbx, &tby) == SIMDPOOL_ERROR_UNSUPPORTED);

  /* An ISA this machine cannot run: NEON on x86-64, AVX-512 elsewhere. */
  e = d;
  e.isa = strcmp(simdpool_selected_isa(), "neon") == 0 ? SIMDPOOL_ISA_AVX512 : SIMDPOOL_ISA_NEON;
  CHECK(simdpool_forward(&e, &tx, &ty) == SIMDPOOL_ERROR_ISA);

  /* A max-pool index outside its 16-element plane. */
  float g[4] = {1, 1, 1, 1}, gx[16];
  int64_t far[4] = {0, 1, 2, 16};
  simdpool_tensor tg = packed(g, 2, ys, SIMDPOOL_LAYOUT_CHANNELS_FIRST);
  simdpool_tensor tf = packed(far, 2, ys, SIMDPOOL_LAYOUT_CHANNELS_FIRST);
  simdpool_tensor tgx = packed(gx, 2, xs, SIMDPOOL_LAYOUT_CHANNELS_FIRST);
  for (int i = 0; i < 16; i++) gx[i] = -7;
  s = simdpool_backward_from_indices(&d, &tg, &tf, &tgx);
  CHECK(s == SIMDPOOL_ERROR_INDEX);
  for (int i = 0; i < 16; i++) CHECK(gx[i] == -7);

  for (int i = 0; i < 4; i++) CHECK(y[i] == -7);
  CHECK(strcmp(simdpool_error_message(SIMDPOOL_ERROR_OVERLAP), "output overlaps another tensor") == 0);
  CHECK(strcmp(simdpool_error_message(12345), "unknown status") == 0);
}

/* Channels 2..5 of a 7-channel input pooled into channels 1..4 of a 6-channel output, in
 * place, in both layouts; channels outside the slice keep their sentinel. */
static void channel_slices(void) {
  enum { N = 2, CI = 7, CO = 6, H = 5, W = 6, OH = 3, OW = 3 };
  static float x[N * CI * H * W], y[N * CO * OH * OW];
  static int64_t idx[N * CO * OH * OW];
  for (int i = 0; i < N * CI * H * W; i++) x[i] = (float)((i * 37) % 23) - 11.0f;
  for (int layout = 0; layout < 2; layout++) {
    int64_t in_full[4] = {N, CI, H, W}, out_full[4] = {N, CO, OH, OW};
    simdpool_tensor tx = packed(x, 2, in_full, (uint32_t)layout);
    simdpool_tensor ty = packed(y, 2, out_full, (uint32_t)layout);
    simdpool_tensor ti = packed(idx, 2, out_full, (uint32_t)layout);
    /* The slice: same strides, first channel moved, three channels. */
    tx.data = x + 2 * tx.strides[1], tx.shape[1] = 3;
    ty.data = y + 1 * ty.strides[1], ty.shape[1] = 3;
    ti.data = idx + 1 * ti.strides[1], ti.shape[1] = 3;
    for (int i = 0; i < N * CO * OH * OW; i++) y[i] = -100, idx[i] = -1;
    simdpool_pool_desc d = simdpool_pool_desc_default(SIMDPOOL_OP_MAX, 2);
    d.kernel[0] = d.kernel[1] = 3;
    d.stride[0] = d.stride[1] = 2;
    d.pads_begin[0] = d.pads_begin[1] = d.pads_end[0] = d.pads_end[1] = 1;
    d.layout = (uint32_t)layout;
    CHECK(simdpool_forward_with_indices(&d, &tx, &ty, &ti) == SIMDPOOL_OK);
    print(layout ? "slice_max_last" : "slice_max_first", y, N * CO * OH * OW);
    printf("out %s", layout ? "slice_idx_last" : "slice_idx_first");
    for (int i = 0; i < N * CO * OH * OW; i++) printf(" %lld", (long long)idx[i]);
    printf("\n");
    d.op = SIMDPOOL_OP_AVG;
    d.count_include_pad = 0;
    CHECK(simdpool_forward(&d, &tx, &ty) == SIMDPOOL_OK);
    print(layout ? "slice_avg_last" : "slice_avg_first", y, N * CO * OH * OW);
  }
}

static void bytes_and_threads(void) {
  /* u8 max pooling, 1-D: windows {200, 7}, {255, 0}. */
  uint8_t x[4] = {200, 7, 255, 0}, y[2];
  int64_t xs[3] = {1, 1, 4}, ys[3] = {1, 1, 2};
  simdpool_pool_desc d = simdpool_pool_desc_default(SIMDPOOL_OP_MAX, 1);
  d.kernel[0] = 2;
  d.dtype = SIMDPOOL_DTYPE_U8;
  simdpool_tensor tx = packed(x, 1, xs, SIMDPOOL_LAYOUT_CHANNELS_FIRST);
  simdpool_tensor ty = packed(y, 1, ys, SIMDPOOL_LAYOUT_CHANNELS_FIRST);
  CHECK(simdpool_forward(&d, &tx, &ty) == SIMDPOOL_OK && y[0] == 200 && y[1] == 255);

  /* Global average pooling of 3-D volumes on a 2-thread pool, then serially. */
  enum { C = 3, V = 4 * 5 * 6 };
  static float v[C * V];
  float g[C], serial[C];
  for (int i = 0; i < C * V; i++) v[i] = (float)(i % 13);
  int64_t vs[5] = {1, C, 4, 5, 6}, gs[5] = {1, C, 1, 1, 1};
  d = simdpool_pool_desc_default(SIMDPOOL_OP_ADAPTIVE_AVG, 3);
  simdpool_tensor tv = packed(v, 3, vs, SIMDPOOL_LAYOUT_CHANNELS_FIRST);
  simdpool_tensor tg = packed(g, 3, gs, SIMDPOOL_LAYOUT_CHANNELS_FIRST);
  simdpool_tensor tsr = packed(serial, 3, gs, SIMDPOOL_LAYOUT_CHANNELS_FIRST);
  CHECK(simdpool_set_num_threads(2) == SIMDPOOL_OK);
  CHECK(simdpool_forward(&d, &tv, &tg) == SIMDPOOL_OK);
  CHECK(simdpool_set_num_threads(0) == SIMDPOOL_OK);
  d.serial = 1;
  CHECK(simdpool_forward(&d, &tv, &tsr) == SIMDPOOL_OK);
  CHECK(same_floats(g, serial, C));
  print("global_avg_3d", g, C);
}

int main(void) {
  printf("version %s isa %s\n", simdpool_version(), simdpool_selected_isa());
  d2l_examples();
  nan_window();
  errors();
  channel_slices();
  bytes_and_threads();
  if (failures) {
    fprintf(stderr, "%d checks failed\n", failures);
    return 1;
  }
  printf("ok\n");
  return 0;
}
