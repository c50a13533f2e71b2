// The watchdog's thread: waits for an armed deadline and kicks the vCPU if the deadline passes first.
// A synchronous run() blocks its own thread's timers, so the kick must come from another thread.
import { parentPort } from 'node:worker_threads';
import { kick } from '../../kick.js';
import { type ArmMessage, WatchdogWord } from './watchdog.js';

if (!parentPort) throw new Error('watchdog-worker.js must run as a worker thread');

parentPort.on('message', (msg: ArmMessage) => {
  const words = new Int32Array(msg.state);
  if (Atomics.wait(words, WatchdogWord.Generation, msg.armedAt, msg.ms) !== 'timed-out') return;
  // Announce the kick, then re-check the generation: disarm() either sees Firing or we see its new generation
  // (sequentially consistent atomics), so a kick never lands on a vCPU its owner has already closed.
  Atomics.store(words, WatchdogWord.Firing, 1);
  if (Atomics.load(words, WatchdogWord.Generation) === msg.armedAt) kick(msg.kicker);
  Atomics.store(words, WatchdogWord.Firing, 0);
});
