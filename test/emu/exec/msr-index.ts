// Names the system tests use: MSR numbers and exit reasons.
export { ExitReason } from '../../../src/index.js';
export { MSR as MsrIndex } from '../../../src/x86/control-regs.js';
