// What the host needs from node:test's TAP reporter (TAP version 13): the closing "# pass N" counts, every
// failed test with its YAML diagnostic block, and every "# SKIP reason".

export interface TapFailure {
  name: string;
  /** The YAML block under the "not ok" line (error, stack, location). */
  detail: string;
}

export interface TapSummary {
  counts: Record<string, number>;
  failures: TapFailure[];
  skips: string[];
}

const NOT_OK = /^(\s*)not ok \d+ - (.*)$/;
const SKIP = /^\s*ok \d+ - (.*) # SKIP ?(.*)$/;
const COUNT = /^# (tests|suites|pass|fail|cancelled|skipped|todo) (\d+)$/;

export function parseTap(text: string): TapSummary {
  const lines = text.replace(/\r/g, '').split('\n');
  const counts: Record<string, number> = {};
  const failures: TapFailure[] = [];
  const skips: string[] = [];
  lines.forEach((line, i) => {
    const c = COUNT.exec(line);
    if (c?.[1] && c[2]) counts[c[1]] = Number(c[2]);
    const s = SKIP.exec(line);
    if (s) skips.push(`${s[1]}: ${s[2]}`);
    const f = NOT_OK.exec(line);
    if (!f) return;
    const indent = (f[1] ?? '').length;
    const block: string[] = [];
    for (let j = i + 1; j < lines.length; j++) {
      const l = lines[j] ?? '';
      if (l.trim() === '...' || (l.trim() !== '' && l.length - l.trimStart().length <= indent)) break;
      if (l.trim() !== '---') block.push(l.slice(indent + 2));
    }
    const detail = block.join('\n');
    // A suite fails when a test inside it did; that test is reported on its own.
    if (!detail.includes("failureType: 'subtestsFailed'")) failures.push({ name: f[2] ?? '', detail });
  });
  return { counts, failures, skips };
}
