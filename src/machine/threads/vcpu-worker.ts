// One vCPU's thread: attaches to the VM, runs the vCPU, handles device I/O locally (the devices' state is
// shared), and talks to the machine only to report stops, batched serial output and call results.
import { parentPort, workerData } from 'node:worker_threads';
import { attachVm } from '../../index.js';
import type { FromWorker, ToWorker, VcpuWorkerData } from './protocol.js';
import { errorText, VcpuLoop } from './vcpu-loop.js';

if (!parentPort) throw new Error('vcpu-worker.js must run as a worker thread');
const port = parentPort;
const data = workerData as VcpuWorkerData;
const control = new Int32Array(data.control);
const post = (msg: FromWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(msg, transfer);

const vcpu = attachVm(data.handle).createVcpu(data.id);
const serial = (bytes: Uint8Array): void => post({ type: 'serial', bytes }, [bytes.buffer as ArrayBuffer]);
const loop = new VcpuLoop(vcpu, data.initial, serial, data.uartState);

port.on('message', (msg: ToWorker) => {
  if (msg.type === 'resume') {
    // Without untilKick the loop always returns a stop.
    post({ type: 'stopped', stop: loop.run(control, false) ?? { type: 'paused' } });
    return;
  }
  if (msg.type === 'stats') {
    post({ type: 'result', callId: msg.callId, value: loop.stats() });
    return;
  }
  try {
    post({ type: 'result', callId: msg.callId, value: loop.call(msg.method, msg.args) });
  } catch (err) {
    post({ type: 'error', callId: msg.callId, message: errorText(err) });
  }
});

post({ type: 'ready', kicker: vcpu.kicker() });
