/*
 * N-API glue for Strowger's native DSP: G.711, G.722, resampler and a fused per-frame transcode.
 * Every function works on caller-owned typed arrays, one call per frame. Arguments are checked
 * here: a wrong type, a too-small output or a freed handle throws TypeError (control plane bugs).
 * Handles are externals tagged with a magic number; the finalizer frees them, free() earlier.
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <stdlib.h>
#include <string.h>
#include "g711.h"
#include "g722.h"
#include "resampler.h"

#define ADDON_VERSION 1
#define MAGIC_G722_ENC 0x37323245u
#define MAGIC_G722_DEC 0x37323244u
#define MAGIC_RESAMPLER 0x52534d50u
/* Largest frame the fused call handles: 120 ms at 48 kHz. */
#define MAX_FRAME 5760

enum { KIND_PCMU = 0, KIND_PCMA = 1, KIND_L16 = 2, KIND_G722 = 3 };

typedef struct {
  uint32_t magic;
  int freed;
  stw_g722_state_t g722;
  stw_resampler_t *rs;
} handle_t;

#define CHECK(call)                                                   \
  do {                                                                \
    if ((call) != napi_ok) {                                          \
      napi_throw_error(env, NULL, "strowger_native: N-API failure"); \
      return NULL;                                                    \
    }                                                                 \
  } while (0)

static napi_value throw_type(napi_env env, const char *msg) {
  napi_throw_type_error(env, NULL, msg);
  return NULL;
}

static napi_value make_int(napi_env env, int v) {
  napi_value r;
  if (napi_create_int32(env, v, &r) != napi_ok) return NULL;
  return r;
}

static int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return 0;
  if (argc < want) return 0;
  return 1;
}

/* Typed array of the given element type; returns element count or -1 (exception pending). */
static long get_typed(napi_env env, napi_value v, napi_typedarray_type want, void **data, const char *msg) {
  bool is_ta = false;
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta) {
    napi_throw_type_error(env, NULL, msg);
    return -1;
  }
  napi_typedarray_type type;
  size_t len;
  if (napi_get_typedarray_info(env, v, &type, &len, data, NULL, NULL) != napi_ok || type != want) {
    napi_throw_type_error(env, NULL, msg);
    return -1;
  }
  return (long)len;
}

/* Externals from other addons are not ours to touch: check the tag first. */
static int known_magic(uint32_t m) {
  return m == MAGIC_G722_ENC || m == MAGIC_G722_DEC || m == MAGIC_RESAMPLER;
}

static handle_t *get_handle(napi_env env, napi_value v, uint32_t magic, const char *msg) {
  napi_valuetype t;
  void *p = NULL;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external || napi_get_value_external(env, v, &p) != napi_ok || !p) {
    napi_throw_type_error(env, NULL, msg);
    return NULL;
  }
  handle_t *h = p;
  if (!known_magic(h->magic) || (magic && h->magic != magic) || h->freed) {
    napi_throw_type_error(env, NULL, h->freed ? "strowger_native: handle already freed" : msg);
    return NULL;
  }
  return h;
}

static void release(handle_t *h) {
  if (h->freed) return;
  h->freed = 1;
  if (h->rs) stw_resampler_free(h->rs);
  h->rs = NULL;
}

static void finalize_handle(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  handle_t *h = data;
  release(h);
  free(h);
}

static napi_value wrap_handle(napi_env env, handle_t *h) {
  napi_value r;
  if (napi_create_external(env, h, finalize_handle, NULL, &r) != napi_ok) {
    release(h);
    free(h);
    napi_throw_error(env, NULL, "strowger_native: cannot create handle");
    return NULL;
  }
  return r;
}

/* ---- G.711 ---------------------------------------------------------------------------- */

static napi_value g711_encode(napi_env env, napi_callback_info info, int alaw) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv)) return throw_type(env, "g711 encode(pcm: Int16Array, out: Uint8Array)");
  void *in, *out;
  long n = get_typed(env, argv[0], napi_int16_array, &in, "g711 encode: pcm must be an Int16Array");
  if (n < 0) return NULL;
  long cap = get_typed(env, argv[1], napi_uint8_array, &out, "g711 encode: out must be a Uint8Array");
  if (cap < 0) return NULL;
  if (cap < n) return throw_type(env, "g711 encode: out is shorter than pcm");
  if (alaw) stw_alaw_encode(in, (int)n, out);
  else stw_ulaw_encode(in, (int)n, out);
  return make_int(env, (int)n);
}

static napi_value g711_decode(napi_env env, napi_callback_info info, int alaw) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv)) return throw_type(env, "g711 decode(codes: Uint8Array, out: Int16Array)");
  void *in, *out;
  long n = get_typed(env, argv[0], napi_uint8_array, &in, "g711 decode: codes must be a Uint8Array");
  if (n < 0) return NULL;
  long cap = get_typed(env, argv[1], napi_int16_array, &out, "g711 decode: out must be an Int16Array");
  if (cap < 0) return NULL;
  if (cap < n) return throw_type(env, "g711 decode: out is shorter than codes");
  if (alaw) stw_alaw_decode(in, (int)n, out);
  else stw_ulaw_decode(in, (int)n, out);
  return make_int(env, (int)n);
}

static napi_value ulaw_encode(napi_env env, napi_callback_info info) { return g711_encode(env, info, 0); }
static napi_value alaw_encode(napi_env env, napi_callback_info info) { return g711_encode(env, info, 1); }
static napi_value ulaw_decode(napi_env env, napi_callback_info info) { return g711_decode(env, info, 0); }
static napi_value alaw_decode(napi_env env, napi_callback_info info) { return g711_decode(env, info, 1); }

/* ---- G.722 ---------------------------------------------------------------------------- */

static napi_value g722_create(napi_env env, uint32_t magic) {
  handle_t *h = calloc(1, sizeof *h);
  if (!h) {
    napi_throw_error(env, NULL, "strowger_native: out of memory");
    return NULL;
  }
  h->magic = magic;
  stw_g722_init(&h->g722);
  return wrap_handle(env, h);
}

static napi_value g722_encoder_create(napi_env env, napi_callback_info info) {
  (void)info;
  return g722_create(env, MAGIC_G722_ENC);
}
static napi_value g722_decoder_create(napi_env env, napi_callback_info info) {
  (void)info;
  return g722_create(env, MAGIC_G722_DEC);
}

static napi_value g722_encode(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!get_args(env, info, 3, argv)) return throw_type(env, "g722Encode(encoder, pcm: Int16Array, out: Uint8Array)");
  handle_t *h = get_handle(env, argv[0], MAGIC_G722_ENC, "g722Encode: first argument must be a G.722 encoder");
  if (!h) return NULL;
  void *in, *out;
  long n = get_typed(env, argv[1], napi_int16_array, &in, "g722Encode: pcm must be an Int16Array");
  if (n < 0) return NULL;
  if (n & 1) return throw_type(env, "g722Encode: pcm length must be even");
  long cap = get_typed(env, argv[2], napi_uint8_array, &out, "g722Encode: out must be a Uint8Array");
  if (cap < 0) return NULL;
  if (cap < n / 2) return throw_type(env, "g722Encode: out is shorter than pcm.length / 2");
  return make_int(env, stw_g722_encode(&h->g722, in, (int)n, out));
}

static napi_value g722_decode(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!get_args(env, info, 3, argv)) return throw_type(env, "g722Decode(decoder, codes: Uint8Array, out: Int16Array)");
  handle_t *h = get_handle(env, argv[0], MAGIC_G722_DEC, "g722Decode: first argument must be a G.722 decoder");
  if (!h) return NULL;
  void *in, *out;
  long n = get_typed(env, argv[1], napi_uint8_array, &in, "g722Decode: codes must be a Uint8Array");
  if (n < 0) return NULL;
  long cap = get_typed(env, argv[2], napi_int16_array, &out, "g722Decode: out must be an Int16Array");
  if (cap < 0) return NULL;
  if (cap < 2 * n) return throw_type(env, "g722Decode: out is shorter than 2 * codes.length");
  return make_int(env, stw_g722_decode(&h->g722, in, (int)n, out));
}

/* ---- Resampler ------------------------------------------------------------------------ */

static napi_value resampler_create(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv)) return throw_type(env, "resamplerCreate(fromRate, toRate)");
  int32_t from, to;
  if (napi_get_value_int32(env, argv[0], &from) != napi_ok || napi_get_value_int32(env, argv[1], &to) != napi_ok)
    return throw_type(env, "resamplerCreate: rates must be numbers");
  stw_resampler_t *rs = stw_resampler_new(from, to);
  if (!rs) return throw_type(env, "resamplerCreate: rates must be 8000, 16000 or 48000");
  handle_t *h = calloc(1, sizeof *h);
  if (!h) {
    stw_resampler_free(rs);
    napi_throw_error(env, NULL, "strowger_native: out of memory");
    return NULL;
  }
  h->magic = MAGIC_RESAMPLER;
  h->rs = rs;
  return wrap_handle(env, h);
}

static napi_value resample(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!get_args(env, info, 3, argv)) return throw_type(env, "resample(resampler, input: Int16Array, out: Int16Array)");
  handle_t *h = get_handle(env, argv[0], MAGIC_RESAMPLER, "resample: first argument must be a resampler");
  if (!h) return NULL;
  void *in, *out;
  long n = get_typed(env, argv[1], napi_int16_array, &in, "resample: input must be an Int16Array");
  if (n < 0) return NULL;
  long cap = get_typed(env, argv[2], napi_int16_array, &out, "resample: out must be an Int16Array");
  if (cap < 0) return NULL;
  if (cap < stw_resampler_max_out(h->rs, (int)n)) return throw_type(env, "resample: out is too short for the input");
  int k = stw_resampler_process(h->rs, in, (int)n, out, (int)cap);
  if (k < 0) {
    napi_throw_error(env, NULL, "resample: out of memory");
    return NULL;
  }
  return make_int(env, k);
}

static napi_value resampler_delay(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return throw_type(env, "resamplerDelay(resampler)");
  handle_t *h = get_handle(env, argv[0], MAGIC_RESAMPLER, "resamplerDelay: argument must be a resampler");
  if (!h) return NULL;
  return make_int(env, stw_resampler_delay(h->rs));
}

/* ---- Handles -------------------------------------------------------------------------- */

static napi_value reset_handle(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return throw_type(env, "reset(handle)");
  handle_t *h = get_handle(env, argv[0], 0, "reset: argument must be a native handle");
  if (!h) return NULL;
  if (h->magic == MAGIC_RESAMPLER) stw_resampler_reset(h->rs);
  else stw_g722_init(&h->g722);
  return NULL;
}

static napi_value free_handle(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return throw_type(env, "free(handle)");
  napi_valuetype t;
  void *p = NULL;
  if (napi_typeof(env, argv[0], &t) != napi_ok || t != napi_external || napi_get_value_external(env, argv[0], &p) != napi_ok || !p)
    return throw_type(env, "free: argument must be a native handle");
  if (!known_magic(((handle_t *)p)->magic)) return throw_type(env, "free: argument must be a strowger_native handle");
  release(p); /* idempotent; memory itself goes with the finalizer */
  return NULL;
}

/* ---- Fused transcode ------------------------------------------------------------------ */

static int kind_rate(int kind) {
  return kind == KIND_G722 ? 16000 : (kind == KIND_L16 ? 0 : 8000);
}

/* transcode(srcKind, srcState|null, payload, resampler|null, dstKind, dstState|null, out) */
static napi_value transcode(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  if (!get_args(env, info, 7, argv)) return throw_type(env, "transcode(srcKind, srcState, payload, resampler, dstKind, dstState, out)");
  int32_t src_kind, dst_kind;
  if (napi_get_value_int32(env, argv[0], &src_kind) != napi_ok || src_kind < 0 || src_kind > 3 ||
      napi_get_value_int32(env, argv[4], &dst_kind) != napi_ok || dst_kind < 0 || dst_kind > 3)
    return throw_type(env, "transcode: kinds must be 0 (PCMU), 1 (PCMA), 2 (L16) or 3 (G722)");
  napi_valuetype t;
  handle_t *src = NULL, *dst = NULL, *rs = NULL;
  if (src_kind == KIND_G722 && !(src = get_handle(env, argv[1], MAGIC_G722_DEC, "transcode: G722 source needs a G.722 decoder"))) return NULL;
  if (dst_kind == KIND_G722 && !(dst = get_handle(env, argv[5], MAGIC_G722_ENC, "transcode: G722 destination needs a G.722 encoder"))) return NULL;
  if (napi_typeof(env, argv[3], &t) != napi_ok) return throw_type(env, "transcode: bad resampler");
  if (t != napi_null && t != napi_undefined) {
    rs = get_handle(env, argv[3], MAGIC_RESAMPLER, "transcode: resampler must be a resampler handle or null");
    if (!rs) return NULL;
  }
  int sr = kind_rate(src_kind), dr = kind_rate(dst_kind);
  if (rs) {
    if ((sr && stw_resampler_from_rate(rs->rs) != sr) || (dr && stw_resampler_to_rate(rs->rs) != dr))
      return throw_type(env, "transcode: resampler rates do not match the codecs");
  } else if (sr && dr && sr != dr) {
    return throw_type(env, "transcode: codecs run at different rates and no resampler was given");
  }
  void *payload, *out;
  long n = get_typed(env, argv[2], napi_uint8_array, &payload, "transcode: payload must be a Uint8Array");
  if (n < 0) return NULL;
  long cap = get_typed(env, argv[6], napi_uint8_array, &out, "transcode: out must be a Uint8Array");
  if (cap < 0) return NULL;

  int16_t a[MAX_FRAME], b[MAX_FRAME];
  int ns;
  const uint8_t *p = payload;
  /* Decode. Data-plane problems (odd L16, oversize frame) return 0: the caller counts a drop. */
  switch (src_kind) {
    case KIND_PCMU:
    case KIND_PCMA:
      if (n > MAX_FRAME) return make_int(env, 0);
      ns = (int)n;
      if (src_kind == KIND_PCMU) stw_ulaw_decode(p, ns, a);
      else stw_alaw_decode(p, ns, a);
      break;
    case KIND_L16:
      if ((n & 1) || n / 2 > MAX_FRAME) return make_int(env, 0);
      ns = (int)(n / 2);
      for (int i = 0; i < ns; i++) a[i] = (int16_t)((p[2 * i] << 8) | p[2 * i + 1]);
      break;
    default:
      if (2 * n > MAX_FRAME) return make_int(env, 0);
      ns = stw_g722_decode(&src->g722, p, (int)n, a);
      break;
  }
  int16_t *pcm = a;
  if (rs) {
    if (stw_resampler_max_out(rs->rs, ns) > MAX_FRAME) return make_int(env, 0);
    ns = stw_resampler_process(rs->rs, a, ns, b, MAX_FRAME);
    if (ns < 0) return make_int(env, 0);
    pcm = b;
  }
  /* Encode */
  uint8_t *o = out;
  switch (dst_kind) {
    case KIND_PCMU:
    case KIND_PCMA:
      if (cap < ns) return make_int(env, 0);
      if (dst_kind == KIND_PCMU) stw_ulaw_encode(pcm, ns, o);
      else stw_alaw_encode(pcm, ns, o);
      return make_int(env, ns);
    case KIND_L16:
      if (cap < 2L * ns) return make_int(env, 0);
      for (int i = 0; i < ns; i++) {
        o[2 * i] = (uint8_t)((uint16_t)pcm[i] >> 8);
        o[2 * i + 1] = (uint8_t)(pcm[i] & 0xff);
      }
      return make_int(env, 2 * ns);
    default:
      if ((ns & 1) || cap < ns / 2) return make_int(env, 0);
      return make_int(env, stw_g722_encode(&dst->g722, pcm, ns, o));
  }
}

/* ---- Module --------------------------------------------------------------------------- */

static napi_value Init(napi_env env, napi_value exports) {
  stw_g711_init();
  napi_property_descriptor props[] = {
    {"ulawEncode", NULL, ulaw_encode, NULL, NULL, NULL, napi_enumerable, NULL},
    {"ulawDecode", NULL, ulaw_decode, NULL, NULL, NULL, napi_enumerable, NULL},
    {"alawEncode", NULL, alaw_encode, NULL, NULL, NULL, napi_enumerable, NULL},
    {"alawDecode", NULL, alaw_decode, NULL, NULL, NULL, napi_enumerable, NULL},
    {"g722EncoderCreate", NULL, g722_encoder_create, NULL, NULL, NULL, napi_enumerable, NULL},
    {"g722DecoderCreate", NULL, g722_decoder_create, NULL, NULL, NULL, napi_enumerable, NULL},
    {"g722Encode", NULL, g722_encode, NULL, NULL, NULL, napi_enumerable, NULL},
    {"g722Decode", NULL, g722_decode, NULL, NULL, NULL, napi_enumerable, NULL},
    {"resamplerCreate", NULL, resampler_create, NULL, NULL, NULL, napi_enumerable, NULL},
    {"resample", NULL, resample, NULL, NULL, NULL, napi_enumerable, NULL},
    {"resamplerDelay", NULL, resampler_delay, NULL, NULL, NULL, napi_enumerable, NULL},
    {"reset", NULL, reset_handle, NULL, NULL, NULL, napi_enumerable, NULL},
    {"free", NULL, free_handle, NULL, NULL, NULL, napi_enumerable, NULL},
    {"transcode", NULL, transcode, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  CHECK(napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  napi_value v;
  CHECK(napi_create_int32(env, ADDON_VERSION, &v));
  CHECK(napi_set_named_property(env, exports, "version", v));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
