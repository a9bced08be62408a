// A hand-rendered SVG bar chart: stacked panels of horizontal bars, each panel on its own scale,
// with an optional dashed target line. No external chart service, no dependency.
export interface Bar {
  label: string;
  value: number;
  color?: string;
}

export interface Panel {
  title: string;
  unit: string;
  bars: Bar[];
  target?: { value: number; label: string };
}

const WIDTH = 760;
const LABEL_W = 210;
const PLOT_W = 440;
const BAR_H = 20;
const GAP = 6;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (v: number) => (v >= 100 ? String(Math.round(v)) : String(Math.round(v * 100) / 100));

function panel(p: Panel, top: number): { svg: string; height: number } {
  const max = Math.max(...p.bars.map((b) => b.value), p.target?.value ?? 0) * 1.1 || 1;
  const x = (v: number) => LABEL_W + (v / max) * PLOT_W;
  const parts = [`<text x="10" y="${top + 16}" font-weight="bold">${esc(p.title)}</text>`];
  p.bars.forEach((b, i) => {
    const y = top + 26 + i * (BAR_H + GAP);
    parts.push(
      `<text x="${LABEL_W - 8}" y="${y + 14}" text-anchor="end">${esc(b.label)}</text>`,
      `<rect x="${LABEL_W}" y="${y}" width="${Math.max(1, x(b.value) - LABEL_W).toFixed(1)}" height="${BAR_H}" fill="${b.color ?? '#4878a8'}"/>`,
      `<text x="${(x(b.value) + 6).toFixed(1)}" y="${y + 14}">${fmt(b.value)} ${esc(p.unit)}</text>`,
    );
  });
  const height = 26 + p.bars.length * (BAR_H + GAP) + 8;
  if (p.target) {
    const tx = x(p.target.value).toFixed(1);
    parts.push(
      `<line x1="${tx}" y1="${top + 22}" x2="${tx}" y2="${top + height - 6}" stroke="#c0392b" stroke-dasharray="4 3"/>`,
      `<text x="${tx}" y="${top + 16}" fill="#c0392b" text-anchor="middle">${esc(p.target.label)}</text>`,
    );
  }
  return { svg: parts.join('\n'), height: height + 10 };
}

export function barChart(title: string, subtitle: string, panels: Panel[]): string {
  let top = 50;
  const body: string[] = [];
  for (const p of panels) {
    const r = panel(p, top);
    body.push(r.svg);
    top += r.height;
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${top}" viewBox="0 0 ${WIDTH} ${top}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="10" y="20" font-size="15" font-weight="bold">${esc(title)}</text>`,
    `<text x="10" y="38" fill="#555">${esc(subtitle)}</text>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
