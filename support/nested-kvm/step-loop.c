/* The raw single-step rate of a KVM: one vCPU in real mode looping on "inc %ax; jmp .-3" at 0x1000, stepped
 * with KVM_SET_GUEST_DEBUG(ENABLE | SINGLESTEP) and KVM_RUN in a C loop. The floor for guestdbg's vcpu.run()
 * (support/nested-kvm/step-rate.ts runs the same guest through the kvm backend). Usage: step-loop STEPS */
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>

static int check(int r, const char *what) {
  if (r < 0) {
    perror(what);
    exit(1);
  }
  return r;
}

int main(int argc, char **argv) {
  long steps = argc > 1 ? atol(argv[1]) : 100000;
  int kvm = check(open("/dev/kvm", O_RDWR | O_CLOEXEC), "/dev/kvm");
  int vm = check(ioctl(kvm, KVM_CREATE_VM, 0), "KVM_CREATE_VM");
  check(ioctl(vm, KVM_SET_TSS_ADDR, 0xfffbd000ul), "KVM_SET_TSS_ADDR");
  unsigned char *ram = mmap(NULL, 0x10000, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  const unsigned char code[] = {0x40, 0xeb, 0xfd}; /* inc %ax; jmp .-3 */
  memcpy(ram + 0x1000, code, sizeof code);
  struct kvm_userspace_memory_region region = {.slot = 0, .guest_phys_addr = 0, .memory_size = 0x10000,
                                               .userspace_addr = (unsigned long)ram};
  check(ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region), "KVM_SET_USER_MEMORY_REGION");
  int vcpu = check(ioctl(vm, KVM_CREATE_VCPU, 0), "KVM_CREATE_VCPU");
  int size = check(ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0), "KVM_GET_VCPU_MMAP_SIZE");
  struct kvm_run *run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
  struct kvm_sregs sregs;
  check(ioctl(vcpu, KVM_GET_SREGS, &sregs), "KVM_GET_SREGS");
  sregs.cs.base = 0;
  sregs.cs.selector = 0;
  check(ioctl(vcpu, KVM_SET_SREGS, &sregs), "KVM_SET_SREGS");
  struct kvm_regs regs = {.rip = 0x1000, .rflags = 2};
  check(ioctl(vcpu, KVM_SET_REGS, &regs), "KVM_SET_REGS");
  struct kvm_guest_debug dbg = {.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP};
  check(ioctl(vcpu, KVM_SET_GUEST_DEBUG, &dbg), "KVM_SET_GUEST_DEBUG");
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (long i = 0; i < steps; i++) {
    check(ioctl(vcpu, KVM_RUN, 0), "KVM_RUN");
    if (run->exit_reason != KVM_EXIT_DEBUG) {
      fprintf(stderr, "step %ld: exit reason %u, not KVM_EXIT_DEBUG\n", i, run->exit_reason);
      return 1;
    }
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  printf("step-rate c-loop %.0f\n", (double)steps / s);
  return 0;
}
