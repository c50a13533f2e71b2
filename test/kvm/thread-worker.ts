// Worker side of the thread tests (kick.test.ts, attach.test.ts, kvm.test.ts), selected by workerData.mode.
import { parentPort, workerData } from 'node:worker_threads';
import koffi from 'koffi';
import type { VcpuKicker, VmHandle } from '../../src/abi/index.js';
import { attachKvmVm, kickKvm } from '../../src/backends/kvm/index.js';
import { gettid } from '../../src/backends/kvm/libc.js';

export type WorkerJob =
  | { mode: 'block-in-read' }
  | { mode: 'attach-touch'; handle: VmHandle; readAt: number; writeAt: number; value: number }
  | { mode: 'kick-after'; kicker: VcpuKicker; delayMs: number }
  | { mode: 'attach-run'; handle: VmHandle; vcpuId: number; rip: number };

const libc = koffi.load('libc.so.6');
const pipe = libc.func('int pipe(_Out_ int *fds)');
const read = libc.func('long read(int fd, void *buf, size_t count)');

const port = parentPort;
if (!port) throw new Error('thread-worker.js runs as a worker_threads Worker');
const job = workerData as WorkerJob;

switch (job.mode) {
  case 'block-in-read': {
    // Blocks in read(2) on an empty pipe: only a signal without SA_RESTART (or a byte) ends it.
    const fds = new Int32Array(2);
    if (pipe(fds) !== 0) throw new Error(`pipe failed: errno ${koffi.errno()}`);
    port.postMessage({ tid: gettid(), writeFd: fds[1] });
    const ret = Number(read(fds[0], Buffer.alloc(1), 1));
    port.postMessage({ ret, errno: ret < 0 ? koffi.errno() : 0 });
    break;
  }
  case 'attach-touch': {
    const vm = attachKvmVm(job.handle);
    const mem = vm.regions()[0].memory;
    const seen = mem[job.readAt];
    mem[job.writeAt] = job.value;
    vm.close();
    port.postMessage({ seen, regions: vm.regions().length });
    break;
  }
  case 'attach-run': {
    // A vCPU created and run in this thread, on the VM another thread created: real mode, flat segments at 0.
    const vm = attachKvmVm(job.handle);
    const vcpu = vm.createVcpu(job.vcpuId);
    const s = vcpu.getSregs();
    for (const seg of [s.cs, s.ds, s.es, s.ss, s.fs, s.gs]) {
      seg.base = 0n;
      seg.selector = 0;
    }
    vcpu.setSregs(s);
    vcpu.setRegs({ ...vcpu.getRegs(), rip: BigInt(job.rip), rflags: 2n });
    const exit = vcpu.run();
    const rip = vcpu.getRegs().rip;
    vm.close();
    port.postMessage({ reason: exit.reason, rip });
    break;
  }
  case 'kick-after':
    setTimeout(() => {
      kickKvm(job.kicker);
      port.postMessage({ kicked: true });
    }, job.delayMs);
    break;
}
