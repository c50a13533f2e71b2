// One vCPU's thread: attaches to the VM, runs the vCPU, handles device I/O locally (the devices' state is
// shared), and talks to the machine only to report stops, batched serial output and call results.
import { parentPort, workerData } from 'node:worker_threads';
import { ExitReason, type Vcpu } from '../abi/index.js';
import { attachVm } from '../index.js';
import { createStandardBus } from './devices/standard-bus.js';
import type { GuestEnd } from './guest-end.js';
import { withSregs } from './pvh-entry.js';
import { handleExit } from './run-to-end.js';
import { SerialBatch } from './serial-batch.js';
import {
  Control,
  type FromWorker,
  REMOTE_METHODS,
  type ToWorker,
  type VcpuRunStats,
  type VcpuWorkerData,
  type WorkerStop,
} from './worker-protocol.js';

if (!parentPort) throw new Error('vcpu-worker.js must run as a worker thread');
const port = parentPort;
const data = workerData as VcpuWorkerData;
const control = new Int32Array(data.control);
const post = (msg: FromWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(msg, transfer);
const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

const vm = attachVm(data.handle);
const vcpu: Vcpu = vm.createVcpu(data.id);
vcpu.setSregs(withSregs(vcpu.getSregs(), data.initial.sregs));
vcpu.setRegs(data.initial.regs);
const serial = new SerialBatch((bytes) => post({ type: 'serial', bytes }, [bytes.buffer as ArrayBuffer]));
const { bus } = createStandardBus(serial.write, data.uartState);

/** Exit counts by reason, for `run --stats`. */
const exitNames = new Map<number, string>(Object.entries(ExitReason).map(([name, v]) => [v, name]));
const exitCounts: Record<string, number> = {};

/** Runs until the control word asks to stop, a debug exit, or the guest's end; reports exactly one stop. */
function runLoop(): void {
  let stop: WorkerStop = { type: 'paused' };
  try {
    while (Atomics.load(control, 0) === Control.Run) {
      const exit = vcpu.run();
      const name = exitNames.get(exit.reason) ?? String(exit.reason);
      exitCounts[name] = (exitCounts[name] ?? 0) + 1;
      // A kick: the control word says what to do; a stale kick while Run just continues.
      if (exit.reason === ExitReason.Intr) continue;
      if (exit.reason === ExitReason.Debug) {
        stop = { type: 'debug', exit };
        break;
      }
      const end: GuestEnd | undefined = handleExit(vcpu, bus, exit);
      if (end) {
        stop = { type: 'end', end };
        break;
      }
      serial.tick();
    }
  } catch (err) {
    stop = { type: 'end', end: { kind: 'backend-error', message: errorText(err) } };
  }
  serial.flush();
  post({ type: 'stopped', stop });
}

port.on('message', (msg: ToWorker) => {
  if (msg.type === 'resume') {
    runLoop();
    return;
  }
  if (msg.type === 'stats') {
    const stats: VcpuRunStats = { exits: { ...exitCounts }, backend: vcpu.stats?.() };
    post({ type: 'result', callId: msg.callId, value: stats });
    return;
  }
  if (!(REMOTE_METHODS as readonly string[]).includes(msg.method)) {
    post({ type: 'error', callId: msg.callId, message: `vCPU method '${msg.method}' cannot be called remotely` });
    return;
  }
  try {
    const fn = vcpu[msg.method] as (...args: unknown[]) => unknown;
    post({ type: 'result', callId: msg.callId, value: fn.apply(vcpu, msg.args) });
  } catch (err) {
    post({ type: 'error', callId: msg.callId, message: errorText(err) });
  }
});

post({ type: 'ready', kicker: vcpu.kicker() });
