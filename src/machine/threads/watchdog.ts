// A deadline for synchronous vcpu.run() calls on the calling thread: arm(kicker, ms) before running,
// disarm() after. If the deadline passes first, a helper thread kicks the vCPU (run() returns Intr).
import { Worker } from 'node:worker_threads';
import type { VcpuKicker } from '../../abi/index.js';

export interface ArmMessage {
  kicker: VcpuKicker;
  ms: number;
  state: SharedArrayBuffer;
  armedAt: number;
}

/** Int32 words of the shared state. */
export const WatchdogWord = { Generation: 0, Firing: 1 } as const;

export class Watchdog {
  private readonly worker: Worker;
  private readonly state = new SharedArrayBuffer(8);
  private readonly words = new Int32Array(this.state);
  private deadline = 0;

  constructor() {
    // The helper never prints: stdout/stderr true spares the start-up of piping its output into ours
    // (which would set up this process's stdout and stderr streams, a few ms before a guest's first byte).
    this.worker = new Worker(new URL('./watchdog-worker.js', import.meta.url), { stdout: true, stderr: true });
    // The helper must never keep the process alive on its own.
    this.worker.unref();
  }

  /** Starts a deadline `ms` from now for the vCPU behind `kicker`. */
  arm(kicker: VcpuKicker, ms: number): void {
    const armedAt = Atomics.add(this.words, WatchdogWord.Generation, 1) + 1;
    // Wake a wait still running for an earlier deadline that was never disarmed.
    Atomics.notify(this.words, WatchdogWord.Generation);
    this.deadline = performance.now() + ms;
    const msg: ArmMessage = { kicker, ms, state: this.state, armedAt };
    this.worker.postMessage(msg);
  }

  /** Whether the armed deadline has passed (an Intr exit after this means: timed out). */
  expired(): boolean {
    return performance.now() >= this.deadline;
  }

  /** Cancels the deadline; on return no kick for it is in flight. */
  disarm(): void {
    Atomics.add(this.words, WatchdogWord.Generation, 1);
    Atomics.notify(this.words, WatchdogWord.Generation);
    while (Atomics.load(this.words, WatchdogWord.Firing) === 1) {
      // A kick is being delivered right now; it takes microseconds.
    }
  }

  async close(): Promise<void> {
    this.disarm();
    await this.worker.terminate();
  }
}
