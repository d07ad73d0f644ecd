// Small SVG charts for the benchmarks, with no dependency: a line chart (numeric x, one line per
// series, optional log2 x axis) and a grouped bar chart (categories, one bar per series).
// Both return the SVG text; writeSvg puts it in a file. Reuse them for any benchmark figure.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface Point {
  readonly x: number;
  readonly y: number;
}

export interface Series {
  readonly name: string;
  readonly points: readonly Point[];
  /** Drawn dashed (a computed bound next to measured lines, say). */
  readonly dashed?: boolean;
}

export interface LineChartOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  /** Spaces x by log2 (for doubling sweeps: 1, 2, 4, 8). */
  readonly xLog2?: boolean;
  readonly width?: number;
  readonly height?: number;
}

export interface BarGroup {
  readonly label: string;
  /** One value per series name, in the order of `seriesNames`. */
  readonly values: readonly number[];
}

export interface BarChartOptions {
  readonly title: string;
  readonly yLabel: string;
  readonly seriesNames: readonly string[];
  readonly groups: readonly BarGroup[];
  readonly width?: number;
  readonly height?: number;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#7f7f7f'];
const MARGIN = { top: 40, right: 20, bottom: 70, left: 70 };
const FONT = 'font-family="sans-serif"';

function color(index: number): string {
  return COLORS[index % COLORS.length] ?? '#000';
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** About `count` round tick values (1, 2 or 5 times a power of ten) covering [min, max]. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step)
    ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

function formatTick(value: number): string {
  if (Math.abs(value) >= 1000) return `${Number((value / 1000).toPrecision(3))}k`;
  return String(Number(value.toPrecision(4)));
}

function frame(width: number, height: number, title: string, xLabel: string, yLabel: string): string[] {
  const plotBottom = height - MARGIN.bottom;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" ${FONT} font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    `<text x="${(MARGIN.left + width - MARGIN.right) / 2}" y="${plotBottom + 38}" text-anchor="middle" ${FONT} font-size="12">${escapeXml(xLabel)}</text>`,
    `<text transform="translate(16 ${(MARGIN.top + plotBottom) / 2}) rotate(-90)" text-anchor="middle" ${FONT} font-size="12">${escapeXml(yLabel)}</text>`,
  ];
}

function yAxis(parts: string[], ticks: readonly number[], y: (v: number) => number, width: number): void {
  for (const tick of ticks) {
    const py = y(tick).toFixed(1);
    parts.push(
      `<line x1="${MARGIN.left}" x2="${width - MARGIN.right}" y1="${py}" y2="${py}" stroke="#e5e5e5"/>`,
      `<text x="${MARGIN.left - 6}" y="${py}" dy="4" text-anchor="end" ${FONT} font-size="11">${formatTick(tick)}</text>`,
    );
  }
}

function legend(
  parts: string[],
  names: readonly string[],
  width: number,
  height: number,
  dashed: (i: number) => boolean,
): void {
  const y = height - 18;
  let x = MARGIN.left;
  names.forEach((name, i) => {
    const dash = dashed(i) ? ' stroke-dasharray="5 4"' : '';
    parts.push(
      `<line x1="${x}" x2="${x + 22}" y1="${y}" y2="${y}" stroke="${color(i)}" stroke-width="3"${dash}/>`,
      `<text x="${x + 27}" y="${y + 4}" ${FONT} font-size="11">${escapeXml(name)}</text>`,
    );
    x += 40 + name.length * 6.2;
    if (x > width - 120 && i < names.length - 1) x = MARGIN.left;
  });
}

export function lineChart(options: LineChartOptions): string {
  const width = options.width ?? 640;
  const height = options.height ?? 400;
  const all = options.series.flatMap((s) => s.points);
  if (all.length === 0) throw new Error(`lineChart ${JSON.stringify(options.title)}: no points`);
  const fx = (x: number) => {
    if (!options.xLog2) return x;
    if (!(x > 0))
      throw new Error(`lineChart ${JSON.stringify(options.title)}: x ${x} cannot go on a log axis`);
    return Math.log2(x);
  };
  const xs = all.map((p) => fx(p.x));
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs) > xMin ? Math.max(...xs) : xMin + 1;
  const yTicks = niceTicks(0, Math.max(...all.map((p) => p.y)) * 1.08 || 1);
  const yMax = yTicks[yTicks.length - 1] ?? 1;
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const px = (x: number) => MARGIN.left + ((fx(x) - xMin) / (xMax - xMin)) * plotW;
  const py = (y: number) => MARGIN.top + plotH - (y / yMax) * plotH;
  const parts = frame(width, height, options.title, options.xLabel, options.yLabel);
  yAxis(parts, yTicks, py, width);
  const xTicks = options.xLog2
    ? [...new Set(all.map((p) => p.x))].sort((a, b) => a - b)
    : niceTicks(xMin, xMax);
  for (const tick of xTicks) {
    parts.push(
      `<text x="${px(tick).toFixed(1)}" y="${height - MARGIN.bottom + 16}" text-anchor="middle" ${FONT} font-size="11">${formatTick(tick)}</text>`,
    );
  }
  parts.push(
    `<line x1="${MARGIN.left}" x2="${width - MARGIN.right}" y1="${MARGIN.top + plotH}" y2="${MARGIN.top + plotH}" stroke="#333"/>`,
  );
  options.series.forEach((series, i) => {
    const points = [...series.points].sort((a, b) => a.x - b.x);
    const path = points.map((p) => `${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ');
    const dash = series.dashed ? ' stroke-dasharray="5 4"' : '';
    parts.push(`<polyline points="${path}" fill="none" stroke="${color(i)}" stroke-width="2"${dash}/>`);
    for (const p of points) {
      parts.push(
        `<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="3" fill="${color(i)}"><title>${escapeXml(`${series.name}: ${p.x} -> ${p.y}`)}</title></circle>`,
      );
    }
  });
  legend(
    parts,
    options.series.map((s) => s.name),
    width,
    height,
    (i) => options.series[i]?.dashed === true,
  );
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

export function barChart(options: BarChartOptions): string {
  const width = options.width ?? 640;
  const height = options.height ?? 400;
  const values = options.groups.flatMap((g) => g.values);
  if (values.length === 0) throw new Error(`barChart ${JSON.stringify(options.title)}: no values`);
  for (const group of options.groups) {
    if (group.values.length !== options.seriesNames.length) {
      throw new Error(
        `barChart ${JSON.stringify(options.title)}: group ${JSON.stringify(group.label)} has ${group.values.length} values for ${options.seriesNames.length} series`,
      );
    }
  }
  const yTicks = niceTicks(0, Math.max(...values) * 1.08 || 1);
  const yMax = yTicks[yTicks.length - 1] ?? 1;
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const py = (y: number) => MARGIN.top + plotH - (y / yMax) * plotH;
  const parts = frame(width, height, options.title, '', options.yLabel);
  yAxis(parts, yTicks, py, width);
  const slot = plotW / options.groups.length;
  const barW = (slot * 0.7) / options.seriesNames.length;
  options.groups.forEach((group, g) => {
    const left = MARGIN.left + g * slot + slot * 0.15;
    group.values.forEach((value, s) => {
      const x = left + s * barW;
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${py(value).toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${(MARGIN.top + plotH - py(value)).toFixed(1)}" fill="${color(s)}"><title>${escapeXml(`${group.label}, ${options.seriesNames[s]}: ${value}`)}</title></rect>`,
        `<text x="${(x + barW / 2).toFixed(1)}" y="${(py(value) - 4).toFixed(1)}" text-anchor="middle" ${FONT} font-size="10">${formatTick(value)}</text>`,
      );
    });
    parts.push(
      `<text x="${(MARGIN.left + g * slot + slot / 2).toFixed(1)}" y="${height - MARGIN.bottom + 16}" text-anchor="middle" ${FONT} font-size="11">${escapeXml(group.label)}</text>`,
    );
  });
  parts.push(
    `<line x1="${MARGIN.left}" x2="${width - MARGIN.right}" y1="${MARGIN.top + plotH}" y2="${MARGIN.top + plotH}" stroke="#333"/>`,
  );
  legend(parts, options.seriesNames, width, height, () => false);
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** Writes an SVG (making its directory); returns the path. */
export async function writeSvg(path: string, svg: string): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, svg);
  console.log(`wrote ${path}`);
  return path;
}
