// Interrupting a vCPU thread blocked in KVM_RUN: kvm_run.immediate_exit plus a thread-directed signal.
// api.rst: "immediate_exit: polled once when KVM_RUN starts; if non-zero, KVM_RUN exits immediately,
// returning -EINTR" — and a signal delivered while the vCPU runs makes KVM_RUN return -EINTR too.
import type { VcpuKicker } from '../../abi/index.js';
import { Errno, errnoName } from './errors/errno.js';
import {
  getpid,
  lastErrno,
  libcSymbol,
  pthreadSigmask,
  SIG_UNBLOCK,
  sigaction,
  sigrtmin,
  tgkill,
  viewAt,
} from './libc.js';
import { KVM_RUN_STRUCT } from './structs/run.js';
import { encodeSigaction, sigsetOf } from './structs/signal.js';

/** SIGRTMIN + 6: a real-time signal nobody else in a Node process uses (kvmtool takes SIGRTMIN..+2, glibc below). */
const KICK_SIGNAL_OFFSET = 6;
/**
 * sa_flags = 0, no SA_RESTART: KVM_RUN "returns -EINTR with exit_reason KVM_EXIT_INTR when a signal is pending",
 * and any other blocking call the kick interrupts fails with EINTR too instead of silently resuming.
 */
const NO_SA_FLAGS = 0;
/** immediate_exit is one byte; map just past it. */
const IMMEDIATE_EXIT_SPAN = KVM_RUN_STRUCT.offsets.immediate_exit + 1;

export function kickSignal(): number {
  return sigrtmin() + KICK_SIGNAL_OFFSET;
}

let handlerInstalled = false;

/**
 * Installs a do-nothing handler for the kick signal (process-wide; idempotent). The default action of a
 * real-time signal kills the process, and SIG_IGN would discard it without interrupting KVM_RUN, so a real
 * handler is needed — and it must be native code (a JS callback cannot run in signal context). libc's
 * abs(int) is one: it takes the signal number as its int, returns, and touches no state (async-signal-safe).
 */
export function installKickHandler(): void {
  if (handlerInstalled) return;
  if (sigaction(kickSignal(), encodeSigaction(libcSymbol('abs'), NO_SA_FLAGS)) !== 0) {
    throw new Error(
      `sigaction(SIGRTMIN+${KICK_SIGNAL_OFFSET}) failed: ${errnoName(lastErrno())}; vCPU kicks cannot work`,
    );
  }
  handlerInstalled = true;
}

/** Makes sure the calling (vCPU) thread can receive the kick signal. */
export function unblockKickSignal(): void {
  const err = pthreadSigmask(SIG_UNBLOCK, sigsetOf(kickSignal()));
  if (err !== 0) throw new Error(`pthread_sigmask(SIG_UNBLOCK) failed: ${errnoName(err)}; vCPU kicks cannot work`);
}

/** From any thread: make the vCPU's current or next run() return ExitReason.Intr. */
export function kickKvm(k: VcpuKicker): void {
  if (k.runAddress === undefined || k.threadId === undefined) {
    throw new TypeError('kickKvm needs a kicker from a kvm vCPU (runAddress and threadId): pass vcpu.kicker()');
  }
  installKickHandler();
  // Set the flag first: a run() that has not entered the guest yet sees it and returns at once.
  viewAt(k.runAddress, IMMEDIATE_EXIT_SPAN)[KVM_RUN_STRUCT.offsets.immediate_exit] = 1;
  if (tgkill(getpid(), k.threadId, kickSignal()) !== 0) {
    const errno = lastErrno();
    // The vCPU thread is gone: nothing runs to interrupt, and the flag stays set for any later run().
    if (errno === Errno.ESRCH) return;
    throw new Error(`tgkill(vCPU thread ${k.threadId}) failed: ${errnoName(errno)}`);
  }
}
