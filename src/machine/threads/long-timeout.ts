// A timer for any delay: Node's setTimeout takes at most 2^31-1 ms (about 24.8 days) and fires after 1 ms
// for anything larger (TimeoutOverflowWarning), so a longer delay is served as a chain of shorter timers.

/** The longest single setTimeout delay Node honours (a signed 32-bit millisecond count). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Calls `fn` once `ms` milliseconds have passed; returns the function that cancels it. */
export function setLongTimeout(fn: () => void, ms: number): () => void {
  const deadline = performance.now() + ms;
  let timer: NodeJS.Timeout;
  const arm = (): void => {
    const left = deadline - performance.now();
    if (left <= MAX_TIMER_MS) timer = setTimeout(fn, Math.max(0, left));
    else timer = setTimeout(arm, MAX_TIMER_MS);
  };
  arm();
  return () => clearTimeout(timer);
}
