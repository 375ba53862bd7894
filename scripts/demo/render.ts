/**
 * The demo's text, made from a {@link ViewState} and nothing else: a frame of the live view for a terminal,
 * or one plain line per second and per event when the output is a file or a pipe. Pure, so the tests can
 * check widths, order and the plain form without a terminal.
 */
import type { DemoEvent, InstanceRow, InstanceState, Totals, ViewState } from './view-state.js';

/** The widest line the demo writes: a classic terminal. */
export const WIDTH = 80;

/** Shown once some writes have an unknown outcome; the one sentence the demo owes its reader. */
export const UNKNOWN_OUTCOME_NOTE =
  'Writes with an unknown outcome were sent, then their instance died: picots cannot know whether the server ran them, so it does not resend them.';

/** How a frame is drawn. */
export interface FrameOptions {
  /** ANSI colours for states and headings; off for NO_COLOR. */
  readonly color: boolean;
  readonly width?: number;
}

const ANSI = { bold: '\x1b[1m', dim: '\x1b[2m', red: '\x1b[31m', green: '\x1b[32m', yellow: '\x1b[33m', reset: '\x1b[0m' };
const STATE_COLOR: Record<InstanceState, string> = { serving: ANSI.green, joining: ANSI.yellow, quarantined: ANSI.red, left: ANSI.dim };

/** Columns of the instance table: heading, width, alignment. */
const COLUMNS = [
  ['instance', 10, 'left'],
  ['zone', 8, 'left'],
  ['state', 12, 'left'],
  ['stmts/s', 10, 'right'],
  ['in flight', 11, 'right'],
  ['p50 ms', 9, 'right'],
  ['p99 ms', 9, 'right'],
] as const;

/** A frame of the live view, one string per line, each at most `width` columns (colour codes aside). */
export function renderFrame(state: ViewState, options: FrameOptions): string[] {
  const width = options.width ?? WIDTH;
  const paint = (code: string, text: string): string => (options.color ? `${code}${text}${ANSI.reset}` : text);
  const title = 'picots demo · stand-in cluster (PostgreSQL playing Picodata)';
  const clock = `${seconds(state.elapsedMs)} of ${seconds(state.storyMs)}`;
  const lines = [
    paint(ANSI.bold, fit(`${title}${' '.repeat(Math.max(2, width - title.length - clock.length))}${clock}`, width)),
    fit(`now: ${state.chapter}`, width),
    '',
    paint(ANSI.bold, fit(COLUMNS.map(([heading, w, align]) => pad(heading, w, align)).join(''), width)),
  ];
  for (const row of sortRows(state.rows)) lines.push(tableRow(row, width, paint));
  lines.push('', fit(totalsLine(state.totals), width));
  if (state.totals.writesUnknown > 0) lines.push(...wrap(UNKNOWN_OUTCOME_NOTE, width).map((l) => paint(ANSI.dim, l)));
  lines.push('', paint(ANSI.bold, 'events'));
  for (const event of state.events) lines.push(eventLine(event, width));
  return lines;
}

/** The plain line written once a second when the output is not a terminal. */
export function renderTick(state: ViewState, width = WIDTH): string {
  const parts = sortRows(state.rows).map((r) => (r.state === 'serving' ? `${r.name} ${Math.round(r.perSecond)}/s` : `${r.name} ${r.state}`));
  return fit(`${seconds(state.elapsedMs).padStart(7)}  total ${Math.round(state.totals.perSecond)}/s   ${parts.join('   ')}`, width);
}

/** One event as a plain line (also the event log's line in a frame). */
export function eventLine(event: DemoEvent, width = WIDTH): string {
  return fit(`${seconds(event.atMs).padStart(7)}  ${event.text}`, width);
}

/**
 * The closing lines. `withTotals` repeats the totals and the note on unknown outcomes: wanted after plain
 * lines, redundant under a last frame that shows them.
 */
export function renderSummary(totals: Totals, elapsedMs: number, withTotals: boolean, width = WIDTH): string[] {
  const lines = [fit(`${totals.statements.toLocaleString('en-US')} statements in ${seconds(elapsedMs)}`, width)];
  if (withTotals) lines.push(fit(totalsLine(totals), width));
  if (withTotals && totals.writesUnknown > 0) lines.push(...wrap(UNKNOWN_OUTCOME_NOTE, width));
  return lines;
}

/** Instances by name, numbers compared as numbers: i1, i2, ..., i10. */
export function sortRows(rows: readonly InstanceRow[]): InstanceRow[] {
  return [...rows].sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
}

/** Cuts `text` to `width` columns, ending in an ellipsis when something was cut. */
export function fit(text: string, width = WIDTH): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

/** Breaks `text` at spaces into lines of at most `width` columns. */
export function wrap(text: string, width = WIDTH): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(' ')) {
    if (current !== '' && current.length + 1 + word.length > width) {
      lines.push(current);
      current = '';
    }
    current = current === '' ? fit(word, width) : `${current} ${word}`;
  }
  if (current !== '') lines.push(current);
  return lines;
}

function totalsLine(t: Totals): string {
  const parts = [
    `statements ${t.statements.toLocaleString('en-US')}`,
    `failed over ${t.failedOver}`,
    `read errors ${t.readErrors}`,
    `writes unknown ${t.writesUnknown}`,
  ];
  if (t.writeErrors > 0) parts.push(`write errors ${t.writeErrors}`);
  return parts.join('  ·  ');
}

function tableRow(row: InstanceRow, width: number, paint: (code: string, text: string) => string): string {
  const live = row.state === 'serving' || row.state === 'joining';
  const cells = [
    row.name,
    row.zone || '-',
    row.state,
    live ? String(Math.round(row.perSecond)) : '-',
    live ? String(row.inFlight) : '-',
    live ? ms(row.p50Ms) : '-',
    live ? ms(row.p99Ms) : '-',
  ];
  const padded = cells.map((cell, i) => {
    const [, w, align] = COLUMNS[i]!;
    return pad(cell, w, align);
  });
  // The table is narrower than any terminal the demo targets; cut anyway so a long name cannot wrap.
  const plain = fit(padded.join(''), width);
  if (plain !== padded.join('')) return plain;
  padded[2] = paint(STATE_COLOR[row.state], padded[2]!);
  return padded.join('');
}

function pad(cell: string, width: number, align: 'left' | 'right'): string {
  // One column of space between cells, on the side away from the text.
  const text = fit(cell, width - 1);
  return align === 'left' ? text.padEnd(width) : text.padStart(width);
}

function ms(value: number | undefined): string {
  if (value === undefined) return '-';
  return value < 10 ? value.toFixed(1) : String(Math.round(value));
}

function seconds(msValue: number): string {
  return `${(msValue / 1000).toFixed(1)} s`;
}

/** Where one round of the routing chapter's keyed statements ran, as the gateway saw it. */
export interface RoutingRound {
  /** Keyed statements in the round. */
  readonly statements: number;
  /** Of those, run by an instance of the replicaset that owns the key. */
  readonly onOwner: number;
}

/** One round of the routing chapter in one event line: how many landed on the owner, how many took a hop. */
export function routingRoundText(label: string, round: RoutingRound): string {
  if (round.statements === 0) return `${label}: no keyed statement was seen`;
  const hops = round.statements - round.onOwner;
  return `${label}: ${percent(round)} on the owner (${round.onOwner} of ${round.statements}), ${hops} took an extra hop`;
}

/** The closing sentence on routing: both rounds side by side. */
export function routingSummary(off: RoutingRound, on: RoutingRound, width = WIDTH): string[] {
  return wrap(`Keyed routing: without routeKey ${percent(off)} of the keyed statements ran on an instance of the replicaset `
    + `owning the key (the rest took an extra hop inside the cluster); with routeKey ${percent(on)}.`, width);
}

function percent(round: RoutingRound): string {
  return round.statements === 0 ? '-' : `${Math.round((100 * round.onOwner) / round.statements)} %`;
}
