/**
 * A small SVG line-chart writer (our own: no plotting dependency for two charts). Linear or
 * log-10 axes with "nice" ticks, one polyline with markers per series, a legend. The output
 * is plain SVG 1.1 that GitHub and browsers render as an image.
 */

/** One line on the chart. */
export interface Series {
  name: string;
  points: [number, number][];
}

/** What to draw. */
export interface Chart {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** Log-10 y axis (latency spans decades). */
  logY?: boolean;
}

const W = 720;
const H = 420;
const M = { left: 70, right: 210, top: 40, bottom: 55 };
const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2"];

const esc = (s: string) => s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

/** About five round tick values spanning [lo, hi]. */
function linearTicks(lo: number, hi: number): number[] {
  const span = hi - lo || 1;
  const step0 = 10 ** Math.floor(Math.log10(span / 5));
  const step = [1, 2, 5, 10].map((m) => m * step0).find((s) => span / s <= 6)!;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function label(v: number): string {
  if (Math.abs(v) >= 1e6) return `${Number((v / 1e6).toPrecision(3))}M`;
  if (Math.abs(v) >= 1e3) return `${Number((v / 1e3).toPrecision(3))}k`;
  return String(Number(v.toPrecision(3)));
}

/** Renders `chart` as an SVG document. */
export function renderChart(chart: Chart): string {
  const all = chart.series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!chart.logY || y > 0));
  const xs = all.map(([x]) => x);
  const ys = all.map(([, y]) => y);
  const xMax = Math.max(1, ...xs) * 1.05;
  const ty = chart.logY ? (y: number) => Math.log10(y) : (y: number) => y;
  // A linear axis starts at 0 unless a value is below it (a memory delta can be negative).
  const yLo = chart.logY ? Math.floor(Math.log10(Math.min(...ys, 1))) : Math.min(0, ...ys) * 1.1;
  const yHi = chart.logY ? Math.ceil(Math.log10(Math.max(...ys, 1))) : Math.max(1, ...ys) * 1.1;
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const px = (x: number) => M.left + (x / xMax) * pw;
  const py = (y: number) => M.top + ph - ((ty(y) - yLo) / (yHi - yLo || 1)) * ph;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${M.left}" y="24" font-size="15" font-weight="bold">${esc(chart.title)}</text>`,
  ];
  for (const x of linearTicks(0, xMax)) {
    out.push(`<line x1="${px(x)}" y1="${M.top}" x2="${px(x)}" y2="${M.top + ph}" stroke="#eee"/>`);
    out.push(`<text x="${px(x)}" y="${M.top + ph + 18}" text-anchor="middle">${label(x)}</text>`);
  }
  const yTicks = chart.logY ? Array.from({ length: yHi - yLo + 1 }, (_, i) => 10 ** (yLo + i)) : linearTicks(yLo, yHi);
  for (const y of yTicks) {
    out.push(`<line x1="${M.left}" y1="${py(y)}" x2="${M.left + pw}" y2="${py(y)}" stroke="#eee"/>`);
    out.push(`<text x="${M.left - 8}" y="${py(y) + 4}" text-anchor="end">${label(y)}</text>`);
  }
  out.push(`<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${M.left + pw / 2}" y="${H - 12}" text-anchor="middle">${esc(chart.xLabel)}</text>`);
  out.push(`<text transform="translate(16 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(chart.yLabel)}</text>`);
  // Series that differ only in a percentile suffix ("… p50", "… p99") share a colour.
  const groups = [...new Set(chart.series.map((s) => s.name.replace(/ p[\d.]+$/, "")))];
  chart.series.forEach((s, i) => {
    const color = COLORS[groups.indexOf(s.name.replace(/ p[\d.]+$/, "")) % COLORS.length]!;
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!chart.logY || y > 0)).sort((a, b) => a[0] - b[0]);
    const dash = s.name.includes("p50") ? ` stroke-dasharray="5 4"` : "";
    if (pts.length) out.push(`<polyline fill="none" stroke="${color}" stroke-width="2"${dash} points="${pts.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(" ")}"/>`);
    for (const [x, y] of pts) out.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3" fill="${color}"/>`);
    const ly = M.top + 10 + i * 20;
    out.push(`<line x1="${M.left + pw + 12}" y1="${ly}" x2="${M.left + pw + 32}" y2="${ly}" stroke="${color}" stroke-width="2"${dash}/>`);
    out.push(`<text x="${M.left + pw + 38}" y="${ly + 4}">${esc(s.name)}</text>`);
  });
  out.push("</svg>");
  return out.join("\n") + "\n";
}
