/*
 * guests/bench/compute.c: the compute workload, freestanding C (-O2 -ffreestanding -nostdlib -mno-red-zone
 * -mgeneral-regs-only: pvh.S leaves CR4.OSFXSR clear, so SSE would #UD). rt.S calls bench_run(n).
 *
 * One iteration: fill a buffer from a linear congruential generator, CRC-32 it (table-driven, reflected
 * polynomial 0xEDB88320), Shell-sort an array of 32-bit keys drawn from it, FNV-1a-hash the sorted keys.
 * Every iteration starts from the same seed, read through a volatile so the compiler cannot hoist the work:
 * the data, and therefore the control flow and the instruction count, are the same in every iteration
 * (bench/count.ts relies on that: instructions(n) = c + b * n exactly).
 *
 * Serial output:  "compute n=<n> result=0x<hash>\n"
 * Expected exit value: 0x31 (exit status 99).
 */

typedef unsigned char u8;
typedef unsigned int u32;
typedef unsigned long u64;

#define BUF_BYTES 2048
#define KEYS 256
#define CRC32_POLY 0xEDB88320u
#define FNV_OFFSET 0xcbf29ce484222325ul
#define FNV_PRIME 0x100000001b3ul
#define LCG_MUL 6364136223846793005ul
#define LCG_ADD 1442695040888963407ul

const char bench_name[] = "compute";
const u64 bench_default_n = 20000;

static volatile u64 seed = 0x243f6a8885a308d3ul;
static u32 crc_table[256];
static u8 buf[BUF_BYTES];
static u32 keys[KEYS];

void bench_setup(void) {
  for (u32 i = 0; i < 256; i++) {
    u32 c = i;
    for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ CRC32_POLY : c >> 1;
    crc_table[i] = c;
  }
}

static void fill(u64 s) {
  for (u32 i = 0; i < BUF_BYTES; i += 8) {
    s = s * LCG_MUL + LCG_ADD;
    for (u32 k = 0; k < 8; k++) buf[i + k] = (u8)(s >> (8 * k));
  }
}

static u32 crc32(const u8 *p, u32 len) {
  u32 c = 0xffffffffu;
  for (u32 i = 0; i < len; i++) c = crc_table[(c ^ p[i]) & 0xff] ^ (c >> 8);
  return ~c;
}

/* Shell sort with Ciura's gaps. */
static void sort(u32 *a, u32 n) {
  static const u32 gaps[] = {132, 57, 23, 10, 4, 1};
  for (u32 g = 0; g < sizeof gaps / sizeof gaps[0]; g++) {
    u32 gap = gaps[g];
    for (u32 i = gap; i < n; i++) {
      u32 v = a[i];
      u32 j = i;
      while (j >= gap && a[j - gap] > v) {
        a[j] = a[j - gap];
        j -= gap;
      }
      a[j] = v;
    }
  }
}

static u64 fnv1a(const u32 *a, u32 n) {
  u64 h = FNV_OFFSET;
  for (u32 i = 0; i < n; i++) {
    u32 v = a[i];
    for (int k = 0; k < 4; k++) {
      h ^= (v >> (8 * k)) & 0xff;
      h *= FNV_PRIME;
    }
  }
  return h;
}

u64 bench_run(u64 n) {
  u64 acc = 0;
  for (u64 it = 0; it < n; it++) {
    fill(seed);
    u32 crc = crc32(buf, BUF_BYTES);
    for (u32 i = 0; i < KEYS; i++) {
      const u8 *b = buf + 4 * i;
      keys[i] = ((u32)b[0] | (u32)b[1] << 8 | (u32)b[2] << 16 | (u32)b[3] << 24) ^ crc;
    }
    sort(keys, KEYS);
    acc = (acc << 7 | acc >> 57) ^ fnv1a(keys, KEYS) ^ crc;
  }
  return acc;
}
