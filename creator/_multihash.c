/* Many SHA-1 or SHA-256 digests at once: several messages hashed side by side.
 *
 * A torrent is hashed as many independent messages (v1 pieces, v2 16 KiB blocks, the merkle
 * trees' inner nodes), and hashing one message at a time leaves most of a core idle, even with
 * the CPU's SHA instructions: each waits for the one before. Two ways to fill it, chosen per
 * algorithm by what the CPU has (kernels() lists them, fastest first):
 *   - "sha-ni": the SHA instructions on three (SHA-1) or four (SHA-256) messages interleaved,
 *     about twice hashlib's speed (most x86 CPUs since 2017, every AMD Zen);
 *   - "avx512": sixteen messages in the lanes of AVX-512 registers, 1.5x (SHA-256) to 2x
 *     (SHA-1) hashlib's speed (Intel servers without SHA instructions, AMD Zen 4 and later).
 * Python's hashlib stays the reference: the tests compare every digest with it, and
 * creator/hashing.py uses it where neither way is available or this module is not built.
 *
 *   sha1_many(messages, kernel=None) -> bytes     20 bytes per message, in order
 *   sha256_many(messages, kernel=None) -> bytes   32 bytes per message, in order
 *   kernels(algorithm) -> [(name, lanes), ...]    what this CPU runs, fastest first
 *
 * A message is a buffer (bytes, memoryview, mmap) or a list or tuple of buffers hashed as one
 * (a v1 piece running across files). The GIL is released while hashing.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define MAX_LANES 16

/* The lanes' hashing state, laid out as each kernel needs. */
typedef struct {
    uint32_t w[8 * MAX_LANES];
} __attribute__((aligned(64))) State;

typedef struct {
    const uint8_t *data;
    Py_ssize_t len;
} Part;

typedef struct {
    Part *parts;
    Py_ssize_t count;
    uint64_t length; /* bytes, all parts together */
} Message;

/* Where a lane is in its message. */
typedef struct {
    Py_ssize_t message; /* index, or -1 when the lane is idle */
    Py_ssize_t part;
    Py_ssize_t offset;     /* in parts[part] */
    uint64_t left;         /* bytes not yet given out */
    int final_blocks;      /* padding blocks still to give out, once left < 64 */
    int final_at;          /* which of them is next */
    uint8_t tail[128];     /* a block gathered across parts, or the padding blocks */
} Lane;

static const uint8_t idle_block[64];
static const Part no_parts[1] = {{idle_block, 0}}; /* an empty message's */

/* The lane takes message `index`. */
static void start(Lane *lane, const Message *messages, Py_ssize_t index) {
    memset(lane, 0, offsetof(Lane, tail));
    lane->message = index;
    lane->left = messages[index].length;
}

/* Copies the next n bytes of the lane's message to out, across parts. */
static void gather(const Message *m, Lane *lane, uint8_t *out, Py_ssize_t n) {
    while (n > 0) {
        const Part *p = &m->parts[lane->part];
        Py_ssize_t take = p->len - lane->offset;
        if (take > n) take = n;
        if (take > 0) {
            memcpy(out, p->data + lane->offset, (size_t)take);
            out += take;
            n -= take;
            lane->offset += take;
        }
        if (lane->offset == p->len && lane->part + 1 < m->count) {
            lane->part++;
            lane->offset = 0;
        }
    }
}

/* The lane's next 64-byte block; *last is set when it is the message's last one. */
static const uint8_t *next_block(const Message *messages, Lane *lane, int *last) {
    const Message *m = &messages[lane->message];
    *last = 0;
    if (lane->final_blocks == 0) {
        if (lane->left >= 64) {
            lane->left -= 64;
            while (lane->offset == m->parts[lane->part].len && lane->part + 1 < m->count) {
                lane->part++;
                lane->offset = 0;
            }
            const Part *p = &m->parts[lane->part];
            if (p->len - lane->offset >= 64) {
                const uint8_t *block = p->data + lane->offset;
                lane->offset += 64;
                return block;
            }
            gather(m, lane, lane->tail, 64);
            return lane->tail;
        }
        /* The rest of the message, 0x80, zeros, and its length in bits (big-endian). */
        Py_ssize_t rest = (Py_ssize_t)lane->left;
        memset(lane->tail, 0, sizeof lane->tail);
        gather(m, lane, lane->tail, rest);
        lane->left = 0;
        lane->tail[rest] = 0x80;
        lane->final_blocks = rest < 56 ? 1 : 2;
        lane->final_at = 0;
        uint64_t bits = m->length * 8;
        uint8_t *end = lane->tail + 64 * lane->final_blocks;
        for (int i = 1; i <= 8; i++) {
            end[-i] = (uint8_t)bits;
            bits >>= 8;
        }
    }
    const uint8_t *block = lane->tail + 64 * lane->final_at;
    lane->final_at++;
    *last = lane->final_at == lane->final_blocks;
    return block;
}

static const uint32_t SHA256_K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2};
static const uint32_t SHA256_IV[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                      0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
static const uint32_t SHA1_IV[5] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0};


typedef struct {
    const char *name;
    int lanes;
    int words; /* of the digest */
    void (*blocks)(State *state, const uint8_t *const *blocks); /* one block per lane */
    void (*start)(State *state, int lane);                      /* the initial value */
    void (*digest)(const State *state, int lane, uint32_t *words);
    int (*supported)(void);
} Kernel;

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

#define X16 __attribute__((target("avx512f,avx512bw")))
#define NI __attribute__((target("sha,sse4.1,ssse3")))

/* Asked once, at import: CPUID is slow in a virtual machine (it exits to the hypervisor). */
static int avx512, sha_ni;

static void detect(void) {
    __builtin_cpu_init();
    avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
    unsigned a, b, c, d;
    sha_ni = __get_cpuid(1, &a, &b, &c, &d) && (c & bit_SSE4_1) && (c & bit_SSSE3) &&
             __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 29));
}

static int has_avx512(void) { return avx512; }
static int has_sha_ni(void) { return sha_ni; }

/* AVX-512: sixteen lanes of 32-bit words, lane i's word k at state->w[16 * k + i].
 *
 * Sixteen lanes' 64-byte blocks, loaded and turned so that w[k] holds word k of every lane,
 * byte-swapped to big-endian words. */
X16 static inline void load_words(__m512i w[16], const uint8_t *const *blocks) {
    __m512i r[16], t[16];
    for (int i = 0; i < 16; i++) r[i] = _mm512_loadu_si512((const void *)blocks[i]);
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_epi32(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_epi32(r[i], r[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {
        r[i] = _mm512_unpacklo_epi64(t[i], t[i + 2]);
        r[i + 1] = _mm512_unpackhi_epi64(t[i], t[i + 2]);
        r[i + 2] = _mm512_unpacklo_epi64(t[i + 1], t[i + 3]);
        r[i + 3] = _mm512_unpackhi_epi64(t[i + 1], t[i + 3]);
    }
    for (int j = 0; j < 2; j++) {
        for (int i = 0; i < 4; i++) {
            int a = i + 8 * j, c = i + 4 + 8 * j;
            t[a] = _mm512_shuffle_i32x4(r[a], r[c], 0x88);
            t[c] = _mm512_shuffle_i32x4(r[a], r[c], 0xDD);
        }
    }
    const __m512i swap = _mm512_set4_epi32(0x0c0d0e0f, 0x08090a0b, 0x04050607, 0x00010203);
    for (int i = 0; i < 8; i++) {
        w[i] = _mm512_shuffle_epi8(_mm512_shuffle_i32x4(t[i], t[i + 8], 0x88), swap);
        w[i + 8] = _mm512_shuffle_epi8(_mm512_shuffle_i32x4(t[i], t[i + 8], 0xDD), swap);
    }
}

#define ADD(a, b) _mm512_add_epi32(a, b)
#define XOR3(a, b, c) _mm512_ternarylogic_epi32(a, b, c, 0x96)
#define CH(x, y, z) _mm512_ternarylogic_epi32(x, y, z, 0xCA)
#define MAJ(x, y, z) _mm512_ternarylogic_epi32(x, y, z, 0xE8)

X16 static void sha256_x16(State *state, const uint8_t *const *blocks) {
    __m512i w[16];
    load_words(w, blocks);
    __m512i s[8];
    for (int i = 0; i < 8; i++) s[i] = _mm512_load_si512((const void *)&state->w[16 * i]);
    __m512i a = s[0], b = s[1], c = s[2], d = s[3], e = s[4], f = s[5], g = s[6], h = s[7];
#pragma GCC unroll 64
    for (int j = 0; j < 64; j++) {
        __m512i wj;
        if (j < 16) {
            wj = w[j];
        } else {
            __m512i w15 = w[(j - 15) & 15], w2 = w[(j - 2) & 15];
            __m512i s0 = XOR3(_mm512_ror_epi32(w15, 7), _mm512_ror_epi32(w15, 18),
                              _mm512_srli_epi32(w15, 3));
            __m512i s1 = XOR3(_mm512_ror_epi32(w2, 17), _mm512_ror_epi32(w2, 19),
                              _mm512_srli_epi32(w2, 10));
            wj = ADD(ADD(w[j & 15], s0), ADD(w[(j - 7) & 15], s1));
            w[j & 15] = wj;
        }
        __m512i t1 = ADD(ADD(h, XOR3(_mm512_ror_epi32(e, 6), _mm512_ror_epi32(e, 11),
                                     _mm512_ror_epi32(e, 25))),
                         ADD(CH(e, f, g), ADD(_mm512_set1_epi32((int)SHA256_K[j]), wj)));
        __m512i t2 = ADD(XOR3(_mm512_ror_epi32(a, 2), _mm512_ror_epi32(a, 13),
                              _mm512_ror_epi32(a, 22)),
                         MAJ(a, b, c));
        h = g;
        g = f;
        f = e;
        e = ADD(d, t1);
        d = c;
        c = b;
        b = a;
        a = ADD(t1, t2);
    }
    __m512i out[8] = {a, b, c, d, e, f, g, h};
    for (int i = 0; i < 8; i++) _mm512_store_si512((void *)&state->w[16 * i], ADD(s[i], out[i]));
}

X16 static void sha1_x16(State *state, const uint8_t *const *blocks) {
    __m512i w[16];
    load_words(w, blocks);
    __m512i s[5];
    for (int i = 0; i < 5; i++) s[i] = _mm512_load_si512((const void *)&state->w[16 * i]);
    __m512i a = s[0], b = s[1], c = s[2], d = s[3], e = s[4];
#pragma GCC unroll 80
    for (int j = 0; j < 80; j++) {
        if (j >= 16) {
            w[j & 15] = _mm512_rol_epi32(
                _mm512_xor_si512(XOR3(w[(j - 3) & 15], w[(j - 8) & 15], w[(j - 14) & 15]),
                                 w[j & 15]),
                1);
        }
        __m512i f, k;
        if (j < 20) {
            f = CH(b, c, d);
            k = _mm512_set1_epi32(0x5a827999);
        } else if (j < 40) {
            f = XOR3(b, c, d);
            k = _mm512_set1_epi32(0x6ed9eba1);
        } else if (j < 60) {
            f = MAJ(b, c, d);
            k = _mm512_set1_epi32((int)0x8f1bbcdc);
        } else {
            f = XOR3(b, c, d);
            k = _mm512_set1_epi32((int)0xca62c1d6);
        }
        __m512i t = ADD(ADD(_mm512_rol_epi32(a, 5), f), ADD(ADD(e, k), w[j & 15]));
        e = d;
        d = c;
        c = _mm512_rol_epi32(b, 30);
        b = a;
        a = t;
    }
    __m512i out[5] = {a, b, c, d, e};
    for (int i = 0; i < 5; i++) _mm512_store_si512((void *)&state->w[16 * i], ADD(s[i], out[i]));
}


static void x16_start_sha1(State *state, int lane) {
    for (int k = 0; k < 5; k++) state->w[16 * k + lane] = SHA1_IV[k];
}

static void x16_start_sha256(State *state, int lane) {
    for (int k = 0; k < 8; k++) state->w[16 * k + lane] = SHA256_IV[k];
}

static void x16_digest(const State *state, int lane, uint32_t *words) {
    for (int k = 0; k < 8; k++) words[k] = state->w[16 * k + lane];
}

/* SHA instructions: lane i's state is two 128-bit vectors at state->w[8 * i], in the order the
 * instructions take (SHA-256: ABEF and CDGH; SHA-1: ABCD reversed and E). Several messages are
 * interleaved because each instruction waits for the one before it in the same message. */

#define NI256_LANES 4
#define NI1_LANES 3

NI static void ni256_from_words(State *state, int lane, const uint32_t *words) {
    __m128i t = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)words), 0xB1);      /* CDAB */
    __m128i u = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(words + 4)), 0x1B); /* EFGH */
    _mm_store_si128((__m128i *)&state->w[8 * lane], _mm_alignr_epi8(t, u, 8));        /* ABEF */
    _mm_store_si128((__m128i *)&state->w[8 * lane + 4], _mm_blend_epi16(u, t, 0xF0)); /* CDGH */
}

static void ni256_start(State *state, int lane) { ni256_from_words(state, lane, SHA256_IV); }

NI static void ni256_digest(const State *state, int lane, uint32_t *words) {
    __m128i abef = _mm_load_si128((const __m128i *)&state->w[8 * lane]);
    __m128i cdgh = _mm_load_si128((const __m128i *)&state->w[8 * lane + 4]);
    __m128i t = _mm_shuffle_epi32(abef, 0x1B); /* FEBA */
    __m128i u = _mm_shuffle_epi32(cdgh, 0xB1); /* DCHG */
    _mm_storeu_si128((__m128i *)words, _mm_blend_epi16(t, u, 0xF0));     /* DCBA */
    _mm_storeu_si128((__m128i *)(words + 4), _mm_alignr_epi8(u, t, 8)); /* HGFE */
}

NI static void sha256_ni(State *state, const uint8_t *const *blocks) {
    const __m128i swap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    __m128i s0[NI256_LANES], s1[NI256_LANES], a0[NI256_LANES], a1[NI256_LANES];
    __m128i w[NI256_LANES][4];
    for (int l = 0; l < NI256_LANES; l++) {
        a0[l] = s0[l] = _mm_load_si128((const __m128i *)&state->w[8 * l]);
        a1[l] = s1[l] = _mm_load_si128((const __m128i *)&state->w[8 * l + 4]);
        for (int i = 0; i < 4; i++)
            w[l][i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(blocks[l] + 16 * i)), swap);
    }
#pragma GCC unroll 16
    for (int g = 0; g < 16; g++) { /* four rounds each */
        __m128i k = _mm_loadu_si128((const __m128i *)&SHA256_K[4 * g]);
        for (int l = 0; l < NI256_LANES; l++) {
            __m128i m = _mm_add_epi32(w[l][g & 3], k);
            s1[l] = _mm_sha256rnds2_epu32(s1[l], s0[l], m);
            s0[l] = _mm_sha256rnds2_epu32(s0[l], s1[l], _mm_shuffle_epi32(m, 0x0E));
            if (g < 12) { /* the words of four rounds later */
                __m128i t = _mm_add_epi32(_mm_sha256msg1_epu32(w[l][g & 3], w[l][(g + 1) & 3]),
                                          _mm_alignr_epi8(w[l][(g + 3) & 3], w[l][(g + 2) & 3], 4));
                w[l][g & 3] = _mm_sha256msg2_epu32(t, w[l][(g + 3) & 3]);
            }
        }
    }
    for (int l = 0; l < NI256_LANES; l++) {
        _mm_store_si128((__m128i *)&state->w[8 * l], _mm_add_epi32(s0[l], a0[l]));
        _mm_store_si128((__m128i *)&state->w[8 * l + 4], _mm_add_epi32(s1[l], a1[l]));
    }
}

NI static void ni1_start(State *state, int lane) {
    __m128i abcd = _mm_loadu_si128((const __m128i *)SHA1_IV);
    _mm_store_si128((__m128i *)&state->w[8 * lane], _mm_shuffle_epi32(abcd, 0x1B));
    _mm_store_si128((__m128i *)&state->w[8 * lane + 4], _mm_set_epi32((int)SHA1_IV[4], 0, 0, 0));
}

NI static void ni1_digest(const State *state, int lane, uint32_t *words) {
    __m128i abcd = _mm_load_si128((const __m128i *)&state->w[8 * lane]);
    _mm_storeu_si128((__m128i *)words, _mm_shuffle_epi32(abcd, 0x1B));
    words[4] = state->w[8 * lane + 7];
}

/* sha1rnds4 takes its round function as an immediate */
#define RNDS4(abcd, e, f)                                                                   \
    ((f) == 0   ? _mm_sha1rnds4_epu32(abcd, e, 0)                                           \
     : (f) == 1 ? _mm_sha1rnds4_epu32(abcd, e, 1)                                           \
     : (f) == 2 ? _mm_sha1rnds4_epu32(abcd, e, 2)                                           \
                : _mm_sha1rnds4_epu32(abcd, e, 3))

NI static void sha1_ni(State *state, const uint8_t *const *blocks) {
    const __m128i swap = _mm_set_epi64x(0x0001020304050607ULL, 0x08090a0b0c0d0e0fULL);
    __m128i abcd[NI1_LANES], e0[NI1_LANES], e1[NI1_LANES], sa[NI1_LANES], se[NI1_LANES];
    __m128i w[NI1_LANES][4];
    for (int l = 0; l < NI1_LANES; l++) {
        sa[l] = abcd[l] = _mm_load_si128((const __m128i *)&state->w[8 * l]);
        se[l] = e0[l] = _mm_load_si128((const __m128i *)&state->w[8 * l + 4]);
        for (int i = 0; i < 4; i++)
            w[l][i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(blocks[l] + 16 * i)), swap);
    }
#pragma GCC unroll 20
    for (int g = 0; g < 20; g++) { /* four rounds each */
        for (int l = 0; l < NI1_LANES; l++) {
            if (g >= 4)
                w[l][g & 3] = _mm_sha1msg2_epu32(
                    _mm_xor_si128(_mm_sha1msg1_epu32(w[l][g & 3], w[l][(g + 1) & 3]),
                                  w[l][(g + 2) & 3]),
                    w[l][(g + 3) & 3]);
            if (g == 0) {
                e0[l] = _mm_add_epi32(e0[l], w[l][0]);
                e1[l] = abcd[l];
                abcd[l] = RNDS4(abcd[l], e0[l], 0);
            } else if (g & 1) {
                e1[l] = _mm_sha1nexte_epu32(e1[l], w[l][g & 3]);
                e0[l] = abcd[l];
                abcd[l] = RNDS4(abcd[l], e1[l], g / 5);
            } else {
                e0[l] = _mm_sha1nexte_epu32(e0[l], w[l][g & 3]);
                e1[l] = abcd[l];
                abcd[l] = RNDS4(abcd[l], e0[l], g / 5);
            }
        }
    }
    for (int l = 0; l < NI1_LANES; l++) {
        _mm_store_si128((__m128i *)&state->w[8 * l], _mm_add_epi32(abcd[l], sa[l]));
        _mm_store_si128((__m128i *)&state->w[8 * l + 4], _mm_sha1nexte_epu32(e0[l], se[l]));
    }
}

/* Fastest first, as measured on an AMD Zen 4 (EPYC) with both. */
static const Kernel SHA1_KERNELS[] = {
    {"avx512", 16, 5, sha1_x16, x16_start_sha1, x16_digest, has_avx512},
    {"sha-ni", NI1_LANES, 5, sha1_ni, ni1_start, ni1_digest, has_sha_ni},
};
static const Kernel SHA256_KERNELS[] = {
    {"sha-ni", NI256_LANES, 8, sha256_ni, ni256_start, ni256_digest, has_sha_ni},
    {"avx512", 16, 8, sha256_x16, x16_start_sha256, x16_digest, has_avx512},
};
#define KERNEL_COUNT 2
#else /* other CPUs: hashlib does it all */
static const Kernel SHA1_KERNELS[1];
static const Kernel SHA256_KERNELS[1];
#define KERNEL_COUNT 0
static void detect(void) {}
#endif

/* Each message's digest into out, in order; lanes take the next message as theirs ends. */
static void hash_all(const Kernel *kernel, const Message *messages, Py_ssize_t count,
                     uint8_t *out) {
    State state;
    Lane lanes[MAX_LANES];
    Py_ssize_t next = 0;
    int busy = 0;
    for (int i = 0; i < kernel->lanes; i++) {
        lanes[i].message = -1;
        kernel->start(&state, i);
        if (next < count) {
            start(&lanes[i], messages, next++);
            busy++;
        }
    }
    const uint8_t *blocks[MAX_LANES];
    int last[MAX_LANES];
    size_t stride[MAX_LANES];
    while (busy) {
        /* Blocks read in place from a part are taken `run` at a time, as many as every lane
         * has left in its part: most of the time the kernel runs without this loop between. */
        size_t run = SIZE_MAX;
        for (int i = 0; i < kernel->lanes; i++) {
            Lane *lane = &lanes[i];
            last[i] = 0;
            stride[i] = 0;
            if (lane->message < 0) {
                blocks[i] = idle_block;
                continue;
            }
            const Part *p = &messages[lane->message].parts[lane->part];
            uint64_t in_part = (uint64_t)(p->len - lane->offset);
            uint64_t whole = (in_part < lane->left ? in_part : lane->left) / 64;
            if (whole) {
                blocks[i] = p->data + lane->offset;
                stride[i] = 64;
                if (whole < run) run = (size_t)whole;
            } else {
                blocks[i] = next_block(messages, lane, &last[i]);
                run = 1;
            }
        }
        if (run == SIZE_MAX) run = 1; /* every lane idle: cannot happen while busy */
        for (int i = 0; i < kernel->lanes; i++) {
            if (stride[i]) {
                lanes[i].offset += (Py_ssize_t)(64 * run);
                lanes[i].left -= 64 * run;
            }
        }
        for (size_t b = 0; b < run; b++) {
            if (b)
                for (int i = 0; i < kernel->lanes; i++) blocks[i] += stride[i];
            kernel->blocks(&state, blocks);
        }
        for (int i = 0; i < kernel->lanes; i++) {
            if (!last[i]) continue;
            uint32_t words[8];
            kernel->digest(&state, i, words);
            uint8_t *digest = out + (size_t)lanes[i].message * 4 * kernel->words;
            for (int k = 0; k < kernel->words; k++) {
                digest[4 * k] = (uint8_t)(words[k] >> 24);
                digest[4 * k + 1] = (uint8_t)(words[k] >> 16);
                digest[4 * k + 2] = (uint8_t)(words[k] >> 8);
                digest[4 * k + 3] = (uint8_t)words[k];
            }
            kernel->start(&state, i);
            if (next < count) {
                start(&lanes[i], messages, next++);
            } else {
                lanes[i].message = -1;
                busy--;
            }
        }
    }
}

/* The kernel named (the fastest this CPU runs when NULL), or NULL with an exception set. */
static const Kernel *kernel_for(const Kernel *kernels, const char *name) {
    for (int i = 0; i < KERNEL_COUNT; i++) {
        if (kernels[i].supported() && (name == NULL || strcmp(name, kernels[i].name) == 0))
            return &kernels[i];
    }
    PyErr_Format(PyExc_ValueError, name ? "this CPU cannot run the %s kernel"
                                        : "this CPU has no SHA instructions nor AVX-512%s",
                 name ? name : "");
    return NULL;
}

static PyObject *many(const Kernel *kernel, PyObject *arg) {
    /* Tuples, copied if need be: no Python code (a list subclass's __len__, another thread
     * while that code runs) can change what is counted between the two passes below. */
    PyObject *seq = PySequence_Tuple(arg);
    if (seq == NULL) return NULL;
    Py_ssize_t count = PyTuple_GET_SIZE(seq);
    PyObject *groups = PyTuple_New(count); /* each message's parts, as a tuple, or NULL */
    Py_buffer *views = NULL;
    Part *parts = NULL;
    Message *messages = NULL;
    PyObject *result = NULL;
    Py_ssize_t acquired = 0, total_parts = 0;
    if (groups == NULL) goto done;
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *item = PyTuple_GET_ITEM(seq, i);
        if (PyList_Check(item) || PyTuple_Check(item)) {
            PyObject *t = PySequence_Tuple(item);
            if (t == NULL) goto done;
            PyTuple_SET_ITEM(groups, i, t);
            total_parts += PyTuple_GET_SIZE(t);
        } else {
            total_parts += 1;
        }
    }
    views = PyMem_Calloc((size_t)total_parts + 1, sizeof(Py_buffer));
    parts = PyMem_Calloc((size_t)total_parts + 1, sizeof(Part));
    messages = PyMem_Calloc((size_t)count + 1, sizeof(Message));
    if (views == NULL || parts == NULL || messages == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *group = PyTuple_GET_ITEM(groups, i);
        Py_ssize_t n = group ? PyTuple_GET_SIZE(group) : 1;
        messages[i].parts = &parts[acquired];
        messages[i].count = n;
        for (Py_ssize_t k = 0; k < n; k++) {
            PyObject *obj = group ? PyTuple_GET_ITEM(group, k) : PyTuple_GET_ITEM(seq, i);
            if (PyObject_GetBuffer(obj, &views[acquired], PyBUF_SIMPLE) < 0) goto done;
            parts[acquired].data = views[acquired].buf;
            parts[acquired].len = views[acquired].len;
            messages[i].length += (uint64_t)views[acquired].len;
            acquired++;
        }
        if (n == 0) { /* one part of no bytes keeps the lane code simple */
            messages[i].parts = (Part *)no_parts;
            messages[i].count = 1;
        }
    }
    result = PyBytes_FromStringAndSize(NULL, count * 4 * kernel->words);
    if (result == NULL) goto done;
    uint8_t *out = (uint8_t *)PyBytes_AS_STRING(result);
    Py_BEGIN_ALLOW_THREADS hash_all(kernel, messages, count, out);
    Py_END_ALLOW_THREADS
done:
    for (Py_ssize_t i = 0; i < acquired; i++) PyBuffer_Release(&views[i]);
    PyMem_Free(views);
    PyMem_Free(parts);
    PyMem_Free(messages);
    Py_XDECREF(groups);
    Py_DECREF(seq);
    return result;
}


static PyObject *hash_many(const Kernel *kernels, PyObject *args, PyObject *kwargs) {
    static char *keywords[] = {"messages", "kernel", NULL};
    PyObject *messages;
    const char *name = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|z", keywords, &messages, &name)) return NULL;
    const Kernel *kernel = kernel_for(kernels, name);
    return kernel == NULL ? NULL : many(kernel, messages);
}

static PyObject *sha1_many(PyObject *self, PyObject *args, PyObject *kwargs) {
    (void)self;
    return hash_many(SHA1_KERNELS, args, kwargs);
}

static PyObject *sha256_many(PyObject *self, PyObject *args, PyObject *kwargs) {
    (void)self;
    return hash_many(SHA256_KERNELS, args, kwargs);
}

static PyObject *kernels(PyObject *self, PyObject *algorithm) {
    (void)self;
    const Kernel *list;
    if (PyUnicode_Check(algorithm) && PyUnicode_CompareWithASCIIString(algorithm, "sha1") == 0)
        list = SHA1_KERNELS;
    else if (PyUnicode_Check(algorithm) &&
             PyUnicode_CompareWithASCIIString(algorithm, "sha256") == 0)
        list = SHA256_KERNELS;
    else {
        PyErr_SetString(PyExc_ValueError, "algorithm must be 'sha1' or 'sha256'");
        return NULL;
    }
    PyObject *result = PyList_New(0);
    for (int i = 0; result != NULL && i < KERNEL_COUNT; i++) {
        if (!list[i].supported()) continue;
        PyObject *item = Py_BuildValue("(si)", list[i].name, list[i].lanes);
        if (item == NULL || PyList_Append(result, item) < 0) Py_CLEAR(result);
        Py_XDECREF(item);
    }
    return result;
}

static PyMethodDef methods[] = {
    {"sha1_many", (PyCFunction)(void (*)(void))sha1_many, METH_VARARGS | METH_KEYWORDS,
     "SHA-1 digests of the messages, concatenated."},
    {"sha256_many", (PyCFunction)(void (*)(void))sha256_many, METH_VARARGS | METH_KEYWORDS,
     "SHA-256 digests of the messages, concatenated."},
    {"kernels", kernels, METH_O, "The kernels this CPU runs for an algorithm, fastest first."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_multihash", NULL, -1, methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__multihash(void) {
    detect();
    return PyModule_Create(&module);
}
