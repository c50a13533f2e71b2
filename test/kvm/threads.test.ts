// Cross-thread machinery that needs no /dev/kvm: the kick signal really interrupts a blocked syscall in
// another thread (no SA_RESTART), immediate_exit is set, and a worker reaches guest RAM through vm.handle().
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import koffi from 'koffi';
import { Errno } from '../../src/backends/kvm/errors/errno.js';
import { attachKvmVm, kickKvm } from '../../src/backends/kvm/index.js';
import { allocHostMemory, freeHostMemory } from '../../src/backends/kvm/memory.js';
import { KVM_RUN_STRUCT } from '../../src/backends/kvm/structs/run.js';
import type { KvmVmHandle } from '../../src/backends/kvm/vm.js';
import type { WorkerJob } from './thread-worker.js';

const WORKER = new URL('./thread-worker.js', import.meta.url);
const KICK_RETRIES = 50;
const KICK_RETRY_MS = 100;

function startWorker(job: WorkerJob): Worker {
  return new Worker(WORKER, { workerData: job });
}

function nextMessage<T>(w: Worker): Promise<T> {
  return new Promise((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  });
}

test('kickKvm sets kvm_run.immediate_exit and its signal makes a blocked syscall in that thread fail with EINTR', async () => {
  const run = allocHostMemory(4096); // stands in for the vCPU's kvm_run mapping
  const w = startWorker({ mode: 'block-in-read' });
  try {
    const { tid, writeFd } = await nextMessage<{ tid: number; writeFd: number }>(w);
    let result: { ret: number; errno: number } | undefined;
    const done = nextMessage<{ ret: number; errno: number }>(w).then((r) => {
      result = r;
    });
    // Repeat: a signal that lands before the worker enters read() is handled and gone, the next one is not.
    for (let i = 0; i < KICK_RETRIES && !result; i++) {
      kickKvm({ backend: 'kvm', runAddress: run.hostAddress, threadId: tid });
      await sleep(KICK_RETRY_MS);
    }
    if (!result) {
      const write = koffi.load('libc.so.6').func('long write(int fd, const void *buf, size_t count)');
      write(writeFd, Buffer.from([0]), 1); // free the worker, then fail
      await done;
      assert.fail('the kick signal never interrupted read(): is the handler installed with SA_RESTART?');
    }
    assert.deepEqual(result, { ret: -1, errno: Errno.EINTR });
    assert.equal(run.memory[KVM_RUN_STRUCT.offsets.immediate_exit], 1);
    assert.equal(run.memory[KVM_RUN_STRUCT.offsets.request_interrupt_window], 0, 'only immediate_exit is touched');
  } finally {
    await w.terminate();
    freeHostMemory(run);
  }
});

test('a worker attached through vm.handle() sees and writes the same guest RAM (views over the host address)', async () => {
  const ram = allocHostMemory(2 * 4096);
  try {
    ram.memory[100] = 7;
    const handle: KvmVmHandle = {
      backend: 'kvm',
      vmFd: -1, // not used: the worker creates no vCPU
      regions: [{ slot: 0, guestPhysAddr: 0x10_0000n, size: ram.size, hostAddress: ram.hostAddress }],
      vcpuMmapSize: 4096,
      supportedCpuid: [],
      xsave: false,
    };
    const w = startWorker({ mode: 'attach-touch', handle, readAt: 100, writeAt: 4097, value: 42 });
    const reply = await nextMessage<{ seen: number; regions: number }>(w);
    await w.terminate();
    assert.deepEqual(reply, { seen: 7, regions: 1 });
    assert.equal(ram.memory[4097], 42);
    // attaching in this thread too: a non-owner close() leaves the memory mapped
    const vm = attachKvmVm(handle);
    vm.close();
    assert.equal(ram.memory[4097], 42);
  } finally {
    freeHostMemory(ram);
  }
});

test('kicking a vCPU thread that no longer exists is not an error (ESRCH); the flag stays set for a later run()', () => {
  const run = allocHostMemory(4096);
  try {
    /** Above the largest possible pid_max (2^22): no such thread. */
    const NO_SUCH_THREAD = 0x7fff_fff0;
    kickKvm({ backend: 'kvm', runAddress: run.hostAddress, threadId: NO_SUCH_THREAD });
    assert.equal(run.memory[KVM_RUN_STRUCT.offsets.immediate_exit], 1);
  } finally {
    freeHostMemory(run);
  }
});
