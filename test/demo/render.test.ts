import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventLine, renderFrame, renderSummary, renderTick, routingRoundText, routingSummary, UNKNOWN_OUTCOME_NOTE, WIDTH, wrap } from '../../scripts/demo/render.js';
import { outputMode } from '../../scripts/demo/live-output.js';
import type { InstanceRow, ViewState } from '../../scripts/demo/view-state.js';

const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;
const visible = (line: string): string => line.replace(ANSI, '');

function row(name: string, extra: Partial<InstanceRow> = {}): InstanceRow {
  return { name, zone: 'dc-1', state: 'serving', perSecond: 101.4, inFlight: 2, p50Ms: 1.23, p99Ms: 17.8, ...extra };
}

function state(extra: Partial<ViewState> = {}): ViewState {
  return {
    elapsedMs: 12_345,
    storyMs: 26_000,
    chapter: "i2's process is killed: its connections are reset",
    rows: [row('i3'), row('i10', { state: 'joining' }), row('i1'), row('i2', { state: 'quarantined', perSecond: 0 })],
    totals: { statements: 1_234_567, perSecond: 300, failedOver: 5, readErrors: 0, writesUnknown: 2, writeErrors: 0 },
    events: [{ atMs: 2_800, text: 'i2 failed (connection reset): picots stops using it and checks on it' }],
    ...extra,
  };
}

/** A state with everything as long as it can get: it must still fit. */
function worstCase(): ViewState {
  const long = 'x'.repeat(200);
  return state({
    elapsedMs: 299_999,
    storyMs: 300_000,
    chapter: long,
    rows: [
      row(`default_1_1_${long}`, { zone: long, perSecond: 1e9, inFlight: 1e9, p50Ms: 1e9, p99Ms: 1e9 }),
      ...Array.from({ length: 12 }, (_, i) => row(`i${i + 1}`, { state: i % 2 === 0 ? 'left' : 'joining' })),
    ],
    totals: { statements: 1e12, perSecond: 1e9, failedOver: 1e9, readErrors: 1e9, writesUnknown: 1e9, writeErrors: 1e9 },
    events: Array.from({ length: 6 }, (_, i) => ({ atMs: 1e6 + i, text: long })),
  });
}

test('every line of a frame fits 80 columns, with and without colour, even with long names and huge figures', () => {
  for (const s of [state(), worstCase()]) {
    for (const color of [true, false]) {
      for (const line of renderFrame(s, { color })) {
        assert.ok(visible(line).length <= WIDTH, `${visible(line).length} columns: ${JSON.stringify(visible(line))}`);
        assert.ok(!line.includes('\n'), 'one line per entry');
      }
    }
  }
});

test('instances are listed by name, numbers in order: i1, i2, i3, i10', () => {
  const lines = renderFrame(state(), { color: false });
  const names = lines.map((l) => /^(i\d+)\s/.exec(l)?.[1]).filter((n) => n !== undefined);
  assert.deepEqual(names, ['i1', 'i2', 'i3', 'i10']);
  assert.match(renderTick(state()), /i1 .*i2 .*i3 .*i10 /);
});

test('a row shows zone, state in words, rate, in flight and latency; an instance out of rotation shows dashes', () => {
  const lines = renderFrame(state(), { color: false });
  const i1 = lines.find((l) => l.startsWith('i1 '))!;
  assert.deepEqual(i1.split(/\s+/), ['i1', 'dc-1', 'serving', '101', '2', '1.2', '18']);
  const i2 = lines.find((l) => l.startsWith('i2 '))!;
  assert.deepEqual(i2.split(/\s+/), ['i2', 'dc-1', 'quarantined', '-', '-', '-', '-']);
});

test('the totals line counts unknown writes apart and the note explains them only when there are some', () => {
  const withUnknown = renderFrame(state(), { color: false }).join(' ');
  assert.match(withUnknown, /read errors 0 {2}· {2}writes unknown 2/);
  assert.ok(withUnknown.includes('picots cannot know whether the server ran them'));
  const clean = state({ totals: { ...state().totals, writesUnknown: 0 } });
  assert.ok(!renderFrame(clean, { color: false }).join('\n').includes('cannot know'));
  assert.ok(!renderSummary(clean.totals, 1000, true).join('\n').includes('cannot know'));
});

test('without colour a frame has no escape code at all; with colour the state is coloured', () => {
  assert.ok(!renderFrame(state(), { color: false }).some((l) => l.includes('\x1b')));
  assert.ok(renderFrame(state(), { color: true }).some((l) => l.includes('\x1b[31mquarantined')));
});

test('plain lines (tick, event, summary) are single lines of at most 80 columns with no escape code', () => {
  for (const s of [state(), worstCase()]) {
    const lines = [renderTick(s), ...s.events.map((e) => eventLine(e)), ...renderSummary(s.totals, s.elapsedMs, true)];
    for (const line of lines) {
      assert.ok(line.length <= WIDTH, `${line.length} columns: ${line}`);
      assert.ok(!line.includes('\x1b') && !line.includes('\n'), JSON.stringify(line));
    }
  }
  assert.equal(renderTick(state()), ' 12.3 s  total 300/s   i1 101/s   i2 quarantined   i3 101/s   i10 joining');
  assert.equal(eventLine({ atMs: 2_800, text: 'i2 is back' }), '  2.8 s  i2 is back');
});

test('the summary repeats the totals only when asked (plain output), and always says read errors 0 then', () => {
  const totals = { ...state().totals, writesUnknown: 0 };
  assert.deepEqual(renderSummary(totals, 26_000, false), ['1,234,567 statements in 26.0 s']);
  assert.match(renderSummary(totals, 26_000, true).join('\n'), /read errors 0/);
});

test('wrap keeps every word and every line within the width', () => {
  const lines = wrap(UNKNOWN_OUTCOME_NOTE, 30);
  assert.ok(lines.length > 1 && lines.every((l) => l.length <= 30));
  assert.equal(lines.join(' '), UNKNOWN_OUTCOME_NOTE);
});

test('output mode: redraw only on a terminal; colour off for NO_COLOR and off a terminal; never wider than the terminal', () => {
  assert.deepEqual(outputMode({ isTTY: undefined }, {}), { live: false, color: false, width: 80 });
  assert.deepEqual(outputMode({ isTTY: true, columns: 200 }, {}), { live: true, color: true, width: 80 });
  assert.deepEqual(outputMode({ isTTY: true }, { NO_COLOR: '1' }), { live: true, color: false, width: 80 });
  assert.deepEqual(outputMode({ isTTY: true }, { NO_COLOR: '' }), { live: true, color: true, width: 80 });
  assert.equal(outputMode({ isTTY: true, columns: 60 }, {}).width, 60, 'a narrower terminal narrows the frame');
  for (const line of renderFrame(state(), { color: true, width: 60 })) assert.ok(visible(line).length <= 60, visible(line));
});

test('the routing chapter says how many keyed statements ran on the owner, as an event line within 80 columns', () => {
  const off = { statements: 200, onOwner: 55 };
  const on = { statements: 200, onOwner: 200 };
  assert.equal(routingRoundText('without routeKey', off), 'without routeKey: 28 % on the owner (55 of 200), 145 took an extra hop');
  assert.equal(routingRoundText('with routeKey', on), 'with routeKey: 100 % on the owner (200 of 200), 0 took an extra hop');
  assert.equal(routingRoundText('with routeKey', { statements: 0, onOwner: 0 }), 'with routeKey: no keyed statement was seen');
  // The widest round the demo can make (its 100 keys, 200 statements) still fits after the time column.
  const widest = eventLine({ atMs: 123_456, text: routingRoundText('without routeKey', { statements: 200, onOwner: 100 }) });
  assert.ok(widest.length <= WIDTH && !widest.endsWith('…'), widest);
  const summary = routingSummary(off, on);
  assert.ok(summary.every((l) => l.length <= WIDTH));
  assert.match(summary.join(' '), /^Keyed routing: without routeKey 28 % of the keyed statements .* with routeKey 100 %\.$/);
});
