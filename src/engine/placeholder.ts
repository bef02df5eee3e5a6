/**
 * Placeholders: what task calls return in visualize mode, standing for a result that is never
 * computed. A placeholder remembers the task that "produced" it (so passing it, or a property
 * of it, to another task draws the edge) and reports when the flow reads it as a value (a
 * comparison, a template string, arithmetic) or iterates it, since the flow's shape may then
 * depend on the real result. Iterating one yields a single placeholder item, so a `.map()` over
 * it is drawn as one node of unknown count. Read as a number a placeholder is 1 (so a loop up to
 * it runs once and a test `> 0` holds), as text `‹task:node›`.
 */

/** Where a placeholder comes from, and whom to tell when it is read. @internal */
export interface PlaceholderOrigin {
  /** The drawn node of the task (or subflow) whose result it stands for. */
  readonly nodeId: string;
  readonly label: string;
  /** Called when the flow reads the value (`value`) or iterates it (`iterate`). */
  readonly onRead: (how: 'value' | 'iterate') => void;
}

const ORIGIN: unique symbol = Symbol('weft.placeholderOrigin');
const ITEM: unique symbol = Symbol('weft.placeholderItem');

/**
 * A placeholder for a result of `origin`; `item` marks one yielded by iterating a placeholder
 * (an element of a list of unknown length). @internal
 */
export function placeholder(origin: PlaceholderOrigin, item = false): object {
  const target = Object.create(null) as object;
  const primitive = (hint: string): string | number => {
    origin.onRead('value');
    return hint === 'number' ? 1 : `‹${origin.label}:${origin.nodeId}›`;
  };
  return new Proxy(target, {
    get(_, key) {
      if (key === ORIGIN) return origin;
      if (key === ITEM) return item;
      if (key === Symbol.toPrimitive) return primitive;
      if (key === Symbol.iterator) {
        return function* (): Generator<object> {
          origin.onRead('iterate');
          yield placeholder(origin, true);
        };
      }
      if (key === 'valueOf') return () => primitive('number');
      if (key === 'toString' || key === 'toJSON') return () => primitive('string');
      // 'then' must be absent, or awaiting a placeholder would wait forever; other symbols are
      // Node's and libraries' probes (inspect, HANDLE ...), which a result does not carry.
      if (typeof key === 'symbol' || key === 'then') return undefined;
      return placeholder(origin, item); // result.rows stands for the same task's result
    },
    has(_, key) {
      return key === Symbol.iterator;
    },
    set() {
      return true;
    },
  });
}

const MARKER = /‹[^‹›]*:([A-Za-z0-9]+)›/g;

/** Node ids of the placeholders written into `text` (by a template string or String()). @internal */
export function placeholderMarks(text: string): string[] {
  return [...text.matchAll(MARKER)].map((m) => m[1]!);
}

/** The origin of `value` when it is a placeholder. @internal */
export function placeholderOrigin(value: unknown): PlaceholderOrigin | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  return (value as { [ORIGIN]?: PlaceholderOrigin })[ORIGIN];
}

/** True for an element of a placeholder list (its length is unknown). @internal */
export function isPlaceholderItem(value: unknown): boolean {
  return placeholderOrigin(value) !== undefined && (value as { [ITEM]?: boolean })[ITEM] === true;
}

/**
 * The origins of every placeholder inside `value` (arrays and plain objects, a few levels deep),
 * and the node ids of those written into its strings. @internal
 */
export function placeholderOrigins(value: unknown, out: Set<PlaceholderOrigin | string> = new Set(), depth = 0): Set<PlaceholderOrigin | string> {
  if (typeof value === 'string') {
    for (const nodeId of placeholderMarks(value)) out.add(nodeId);
    return out;
  }
  if (typeof value !== 'object' || value === null || depth > 6) return out;
  const origin = placeholderOrigin(value);
  if (origin) {
    out.add(origin);
    return out;
  }
  if (Array.isArray(value)) {
    for (const item of value.slice(0, 10_000)) placeholderOrigins(item, out, depth + 1);
  } else {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto === Object.prototype || proto === null) for (const item of Object.values(value)) placeholderOrigins(item, out, depth + 1);
  }
  return out;
}
