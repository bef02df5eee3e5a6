/**
 * What masking secret values costs each log line (every line goes through redactSecrets): 100k
 * lines with no secret read, then with 5. Run: node --import tsx bench/secret-masking.ts
 */
import { redactSecrets } from '../src/redact.js';
import { maskSecretValue } from '../src/secret-masks.js';
const lines = Array.from({ length: 100_000 }, (_, i) => `Task run 'inc-${i}' finished in state Completed with result ${i * 7} after 0.3 ms on worker host:${1000 + i}`);
function bench(): number {
  const t = performance.now();
  let n = 0;
  for (const l of lines) n += redactSecrets(l).length;
  if (n === 0) throw new Error('x');
  return performance.now() - t;
}
const median = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const base = median(Array.from({ length: 7 }, bench));
for (let i = 0; i < 5; i++) maskSecretValue(`secret-value-${i}-${'x'.repeat(i * 5)}`);
const masked = median(Array.from({ length: 7 }, bench));
console.log(`100k log lines through redactSecrets: no secrets ${base.toFixed(1)} ms (${(base * 10).toFixed(0)} ns/line), 5 secrets ${masked.toFixed(1)} ms (${(masked * 10).toFixed(0)} ns/line), ratio ${(masked / base).toFixed(2)}`);
