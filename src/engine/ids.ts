/**
 * Task-run ids: UUID version 7 (RFC 9562), time-ordered. Ids made later sort later, so the record's
 * id indexes grow at their end instead of being rewritten at random places; within one
 * millisecond a 12-bit counter keeps them increasing in this process.
 */
import { randomUUID } from 'node:crypto';

let lastMs = 0;
let sequence = 0;
/** The id's first 15 characters for `lastMs` (`tttttttt-tttt-7`), made once per millisecond. */
let timePrefix = '';
/**
 * The id's last 18 characters (`-vrrr-rrrrrrrrrrrr`: the variant bits and 62 random bits), drawn
 * again each millisecond: ids of one millisecond differ by their counter, and ids of two processes
 * by their random bits.
 */
let randomSuffix = '';
/** The counter's three hex digits, by value: a table, so an id costs no number formatting. */
let counterHex: string[] | undefined;

/**
 * A new time-ordered UUID (version 7).
 * @example
 * newRunId(); // '0193f0c4-9a2b-7001-8f3e-6c1d2e4b5a69'
 */
export function newRunId(): string {
  let ms = Date.now();
  if (ms <= lastMs) {
    ms = lastMs;
    if (++sequence > 0xfff) {
      ms = ++lastMs;
      sequence = 0;
      timePrefix = '';
    }
  } else {
    lastMs = ms;
    sequence = 0;
    timePrefix = '';
  }
  if (timePrefix === '') {
    const time = ms.toString(16).padStart(12, '0');
    timePrefix = `${time.slice(0, 8)}-${time.slice(8)}-7`;
    randomSuffix = randomUUID().slice(18);
  }
  counterHex ??= Array.from({ length: 0x1000 }, (_, i) => i.toString(16).padStart(3, '0'));
  return timePrefix + counterHex[sequence]! + randomSuffix;
}
