// How execution leaves an instruction early without allocating: it throws one of two preallocated tokens.
// FAULT: a guest exception (vector/error code are in the CPU's fault fields) that the CPU delivers through
// the IDT. EXIT: the instruction needs the VMM (I/O, MMIO read) and the CPU returns from run().

export class CpuSignal {
  constructor(readonly kind: 'fault' | 'exit') {}
}

export const FAULT = new CpuSignal('fault');
export const EXIT = new CpuSignal('exit');
