// `guestdbg run --stats`: what the guest made the vCPU do, on stderr after the run.
import type { VcpuRunStats } from '../machine/threads/protocol.js';

const byCount = (r: Record<string, number>) => Object.entries(r).sort((a, b) => b[1] - a[1]);

export function formatStats(s: VcpuRunStats): string {
  const lines = ['guestdbg: statistics for vCPU 0'];
  if (s.backend?.retired !== undefined) lines.push(`  instructions retired  ${s.backend.retired}`);
  lines.push(
    `  exits                 ${
      byCount(s.exits)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ') || 'none'
    }`,
  );
  if (s.backend) {
    const unimplemented = byCount(s.backend.unimplemented);
    const undecodable = byCount(s.backend.undecodable);
    lines.push(
      `  unimplemented (#UD)   ${unimplemented.map(([k, n]) => `${k} x${n}`).join(', ') || 'none'}`,
      `  undecodable (#UD)     ${undecodable.map(([k, n]) => `${k} x${n}`).join(', ') || 'none'}`,
    );
    const b = s.backend.blocks;
    if (b !== undefined) {
      const total = s.backend.retired ?? 0;
      const share = total > 0 ? ` (${((100 * b.retired) / total).toFixed(1)} % of instructions)` : '';
      lines.push(
        `  compiled regions      ${b.compiled}, ${b.invalidated} dropped for changed code; ran ${b.retired}${share}`,
      );
    }
  } else {
    lines.push('  (this backend keeps no instruction counters)');
  }
  return `${lines.join('\n')}\n`;
}
