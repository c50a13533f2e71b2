// struct kvm_regs: 18 __u64 in REG_NAMES order (asm/kvm.h).
import { REG_NAMES, type Regs } from '../../../abi/index.js';
import { LE, layout } from './layout.js';

const U64 = 8;

export const KVM_REGS = layout(
  'struct kvm_regs',
  REG_NAMES.length * U64,
  Object.fromEntries(REG_NAMES.map((name, i) => [name, i * U64])) as Record<keyof Regs, number>,
);

export function decodeRegs(dv: DataView): Regs {
  const r = {} as Regs;
  for (const name of REG_NAMES) r[name] = dv.getBigUint64(KVM_REGS.offsets[name], LE);
  return r;
}

export function encodeRegs(r: Regs, dv: DataView): void {
  for (const name of REG_NAMES) dv.setBigUint64(KVM_REGS.offsets[name], BigInt.asUintN(64, r[name]), LE);
}
