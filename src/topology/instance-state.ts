/**
 * Picodata's instance state: `_pico_instance.current_state` / `target_state` (Picodata 24.6+), called
 * `current_grade` / `target_grade` before. Over pgproto the column is json (OID 114) and arrives as the text
 * `["Online",1]`: the variant, then the incarnation, which grows by one each time the target becomes Online
 * again, so `Online(1)` -> `Online(2)` between two polls means the instance restarted in between.
 *
 * @example
 * ```ts
 * parseInstanceState('["Online",1]') // { variant: 'Online', incarnation: 1 }
 * parseInstanceState(['Offline', 0]) // { variant: 'Offline', incarnation: 0 }
 * parseInstanceState('garbage')      // undefined: the caller warns and skips the row
 * ```
 */

/**
 * A state variant. Picodata has `Online`, `Offline` and `Expelled` (24.x also `Replicated`); a variant
 * from a newer release is kept as its string rather than rejected, and is simply not usable.
 */
export type StateVariant = 'Online' | 'Offline' | 'Expelled' | (string & {});

/** One parsed state. */
export interface InstanceState {
  /** `Online`, `Offline`, `Expelled`, or a newer variant as the server names it. */
  readonly variant: StateVariant;
  /** Grows each time the instance is brought Online again (a restart). */
  readonly incarnation: number;
}

/** What a variant looks like: Picodata's are CamelCase Rust enum names. */
const VARIANT = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
/** Picodata's `Display` form, `Online(1)`, which logs and some tools print. */
const DISPLAY_FORM = /^([A-Z][A-Za-z0-9_]{0,63})\((\d{1,15})\)$/;
/**
 * Variants accepted without an incarnation. Only known names: a bare word is not a shape Picodata writes
 * over pgproto, so anything else in that form (`"junk"`, `"null"`) is more likely garbage than a state.
 */
const KNOWN_VARIANTS: ReadonlySet<string> = new Set(['Online', 'Offline', 'Expelled', 'Replicated']);

/**
 * Parses a state as Picodata sends it. Accepted, in order:
 * - the json text `["Online",1]` (what pgproto sends), or the array a driver already parsed from it;
 * - `{"variant":"Online","incarnation":1}` (serde's struct form, as text or object), which Lua-side tools and
 *   the 24.x `Grade` struct produce;
 * - the display form `Online(1)`;
 * - a bare known variant `"Online"` (json string or plain text), with incarnation 0, because the variant is
 *   what routing needs and an incarnation-less state is still better than dropping an instance.
 *
 * Anything else gives `undefined`; this never throws.
 *
 * @example parseInstanceState('{"variant":"Expelled","incarnation":3}') // { variant: 'Expelled', incarnation: 3 }
 */
export function parseInstanceState(value: unknown): InstanceState | undefined {
  if (typeof value === 'string') return parseText(value.trim());
  if (Array.isArray(value)) return fromArray(value);
  if (value !== null && typeof value === 'object') return fromObject(value as Record<string, unknown>);
  return undefined;
}

/** `true` for an Online state: only Online instances take traffic. @example isOnline({ variant: 'Online', incarnation: 1 }) // true */
export function isOnline(state: InstanceState | undefined): boolean {
  return state?.variant === 'Online';
}

/** The display form Picodata itself prints. @example formatInstanceState({ variant: 'Online', incarnation: 2 }) // 'Online(2)' */
export function formatInstanceState(state: InstanceState): string {
  return `${state.variant}(${state.incarnation})`;
}

/** `true` when both states have the same variant and incarnation. */
export function sameInstanceState(a: InstanceState | undefined, b: InstanceState | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.variant === b.variant && a.incarnation === b.incarnation;
}

function parseText(text: string): InstanceState | undefined {
  const first = text[0];
  if (first === '[' || first === '{' || first === '"') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return undefined;
    }
    // A json string holding the state again is not a shape Picodata produces: do not recurse into it.
    if (typeof parsed === 'string') return bare(parsed);
    return Array.isArray(parsed) || (parsed !== null && typeof parsed === 'object') ? parseInstanceState(parsed) : undefined;
  }
  const display = DISPLAY_FORM.exec(text);
  if (display) return { variant: display[1]!, incarnation: Number(display[2]) };
  return bare(text);
}

function bare(text: string): InstanceState | undefined {
  return KNOWN_VARIANTS.has(text) ? { variant: text, incarnation: 0 } : undefined;
}

function fromArray(value: readonly unknown[]): InstanceState | undefined {
  if (value.length !== 2) return undefined;
  return make(value[0], value[1]);
}

function fromObject(value: Record<string, unknown>): InstanceState | undefined {
  return make(value.variant, value.incarnation);
}

function make(variant: unknown, incarnation: unknown): InstanceState | undefined {
  if (typeof variant !== 'string' || !VARIANT.test(variant)) return undefined;
  const n = toIncarnation(incarnation);
  return n === undefined ? undefined : { variant, incarnation: n };
}

/** An incarnation is a u64 in Picodata; accept it as number, bigint or digits (a driver's int8 modes). */
function toIncarnation(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value === 'bigint') return value >= 0n && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : undefined;
  if (typeof value === 'string' && /^\d{1,15}$/.test(value)) return Number(value);
  return undefined;
}
