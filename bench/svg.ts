/**
 * The bench's charts as plain SVG text: line charts side by side, one panel per figure. Hand-built on
 * purpose: a chart library would outweigh everything else the bench loads.
 */

export interface Series {
  name: string;
  /** [x, y] pairs; drawn in the order given. */
  points: readonly (readonly [number, number])[];
}

export interface Panel {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Powers of ten on the x axis (depths, concurrency): 1, 10, 100 evenly apart. */
  logX?: boolean;
  /** Powers of ten on the y axis: a tail many times the median, and the median, both readable. */
  logY?: boolean;
  series: readonly Series[];
  /** A dashed horizontal line: a goal. */
  goal?: { y: number; label: string };
}

const PANEL = { width: 460, height: 320, left: 58, right: 16, top: 40, bottom: 78 } as const;
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];

export const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const num = (n: number) => String(Math.round(n * 10) / 10);

/** Round tick steps (1, 2, 5 × 10^k) from 0 to at least `max`. */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((f) => f * magnitude).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let t = 0; t < max + step; t += step) ticks.push(Math.round(t * 1e9) / 1e9);
  return ticks;
}

/** Powers of ten covering [min, max] (both > 0). */
export function decadeTicks(min: number, max: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) ticks.push(10 ** e);
  return ticks;
}

function panelSvg(panel: Panel, offsetX: number): string {
  const { width, height, left, right, top, bottom } = PANEL;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const drawable = ([x, y]: readonly [number, number]) =>
    Number.isFinite(x) && Number.isFinite(y) && (!panel.logX || x > 0) && (!panel.logY || y > 0);
  const points = panel.series.flatMap((s) => s.points).filter(drawable);
  const xs = points.map(([x]) => x);
  const ys = [...points.map(([, y]) => y), ...(panel.goal ? [panel.goal.y] : [])];
  const yMax = Math.max(0, ...ys);
  const yTicks = panel.logY ? decadeTicks(Math.min(...ys, 1), Math.max(yMax, 10)) : niceTicks(yMax);
  const [y0, y1] = panel.logY ? [Math.log10(yTicks[0]!), Math.log10(yTicks.at(-1)!)] : [0, yTicks.at(-1)!];
  const xTicks = panel.logX ? decadeTicks(Math.min(...xs, 1), Math.max(...xs, 10)) : niceTicks(Math.max(...xs, 1));
  const [x0, x1] = panel.logX ? [Math.log10(xTicks[0]!), Math.log10(xTicks.at(-1)!)] : [0, xTicks.at(-1)!];
  const sx = (x: number) => left + (((panel.logX ? Math.log10(x) : x) - x0) / (x1 - x0 || 1)) * plotW;
  const sy = (y: number) => top + plotH - (((panel.logY ? Math.log10(y) : y) - y0) / (y1 - y0 || 1)) * plotH;
  const parts: string[] = [`<g transform="translate(${offsetX},0)">`];
  parts.push(`<text x="${width / 2}" y="22" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(panel.title)}</text>`);
  for (const t of yTicks) {
    parts.push(`<line x1="${left}" x2="${left + plotW}" y1="${num(sy(t))}" y2="${num(sy(t))}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${left - 6}" y="${num(sy(t) + 4)}" text-anchor="end" font-size="11">${t}</text>`);
  }
  for (const t of xTicks) parts.push(`<text x="${num(sx(t))}" y="${top + plotH + 16}" text-anchor="middle" font-size="11">${t}</text>`);
  parts.push(`<rect x="${left}" y="${top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888"/>`);
  parts.push(`<text x="${left + plotW / 2}" y="${top + plotH + 34}" text-anchor="middle" font-size="12">${escapeXml(panel.xLabel)}</text>`);
  parts.push(`<text transform="translate(14,${top + plotH / 2}) rotate(-90)" text-anchor="middle" font-size="12">${escapeXml(panel.yLabel)}</text>`);
  if (panel.goal) {
    const y = num(sy(panel.goal.y));
    parts.push(`<line x1="${left}" x2="${left + plotW}" y1="${y}" y2="${y}" stroke="#555" stroke-dasharray="5,4"/>`);
    parts.push(
      `<text x="${left + plotW - 4}" y="${Number(y) - 4}" text-anchor="end" font-size="11" fill="#555">${escapeXml(panel.goal.label)}</text>`,
    );
  }
  panel.series.forEach((series, i) => {
    const colour = COLOURS[i % COLOURS.length]!;
    const drawn = series.points.filter(drawable);
    const path = drawn.map(([x, y]) => `${num(sx(x))},${num(sy(y))}`).join(' ');
    if (drawn.length) parts.push(`<polyline fill="none" stroke="${colour}" stroke-width="2" points="${path}"/>`);
    for (const [x, y] of drawn) parts.push(`<circle cx="${num(sx(x))}" cy="${num(sy(y))}" r="3" fill="${colour}"/>`);
    const legendY = top + plotH + 52 + Math.floor(i / 2) * 14;
    const legendX = left + (i % 2) * (plotW / 2);
    parts.push(`<rect x="${legendX}" y="${legendY - 9}" width="10" height="10" fill="${colour}"/>`);
    parts.push(`<text x="${legendX + 14}" y="${legendY}" font-size="11">${escapeXml(series.name)}</text>`);
  });
  parts.push('</g>');
  return parts.join('\n');
}

/** One SVG document with the panels in a row. */
export function chartSvg(panels: readonly Panel[], caption?: string): string {
  const width = PANEL.width * panels.length;
  const height = PANEL.height + (caption ? 18 : 0);
  const title = escapeXml(panels.map((panel) => panel.title).join('; '));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" role="img">`,
    `<title>${title}</title>`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    ...panels.map((panel, i) => panelSvg(panel, i * PANEL.width)),
    ...(caption ? [`<text x="8" y="${height - 5}" font-size="10" fill="#666">${escapeXml(caption)}</text>`] : []),
    '</svg>',
    '',
  ].join('\n');
}
