/*
 * guests/bench/memory.c: the memory-heavy workload, freestanding C (built like compute.c).
 *
 * bench_setup() maps MAP_BYTES of guest-physical RAM at MAP_PHYS to the linear addresses from MAP_VIRT with
 * 4 KiB pages (its own PD and page tables hung under pvh_pdpt[1]; SDM vol. 3 4.5), so every page of the
 * region needs its own TLB entry. One iteration reloads CR3 (flushing non-global translations, SDM vol. 3
 * 4.10.4.1) and then reads and writes one quadword in each of the PAGES pages, in an order that strides
 * across the region (an odd multiplier modulo a power of two is a permutation). The control flow does not
 * depend on the data, so every iteration retires the same number of instructions (bench/count.ts).
 *
 * Needs 128 MiB of guest RAM (QEMU's default; the harness gives guestdbg the same).
 * Serial output:  "memory n=<n> result=0x<sum>\n"
 * Expected exit value: 0x31 (exit status 99).
 */

typedef unsigned long u64;

#define PAGE_BYTES 4096ul
#define MAP_VIRT 0x40000000ul /* 1 GiB: the second PDPT entry */
#define MAP_PHYS 0x02000000ul /* 32 MiB */
#define MAP_BYTES 0x04000000ul /* 64 MiB */
#define PAGES (MAP_BYTES / PAGE_BYTES)
#define PAGE_TABLES (PAGES / 512)
#define STRIDE_MUL 0x9e5ul /* odd */
#define PTE_P 1ul
#define PTE_W 2ul

const char bench_name[] = "memory";
const u64 bench_default_n = 200;

extern u64 pvh_pdpt[512];
static u64 pd[512] __attribute__((aligned(4096)));
static u64 pt[PAGE_TABLES][512] __attribute__((aligned(4096)));

static void reload_cr3(void) {
  u64 cr3;
  __asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
  __asm__ volatile("mov %0, %%cr3" : : "r"(cr3) : "memory");
}

void bench_setup(void) {
  for (u64 t = 0; t < PAGE_TABLES; t++) {
    pd[t] = (u64)&pt[t][0] | PTE_P | PTE_W;
    for (u64 i = 0; i < 512; i++) pt[t][i] = (MAP_PHYS + (t * 512 + i) * PAGE_BYTES) | PTE_P | PTE_W;
  }
  pvh_pdpt[MAP_VIRT >> 30] = (u64)&pd[0] | PTE_P | PTE_W;
  reload_cr3();
}

u64 bench_run(u64 n) {
  u64 sum = 0;
  for (u64 it = 0; it < n; it++) {
    reload_cr3();
    for (u64 i = 0; i < PAGES; i++) {
      u64 page = (i * STRIDE_MUL) & (PAGES - 1);
      volatile u64 *q = (volatile u64 *)(MAP_VIRT + page * PAGE_BYTES + (i & 7) * 8);
      u64 v = *q + i;
      *q = v;
      sum = (sum ^ v) + page;
    }
  }
  return sum;
}
