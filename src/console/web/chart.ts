/**
 * Counts as a chart (Chart.js on a canvas), with the same counts as a table for screen readers and
 * for copying figures out.
 */
import { ArcElement, BarController, BarElement, CategoryScale, Chart, DoughnutController, Legend, LinearScale, Tooltip } from 'chart.js';
import { html } from 'htm/preact';
import { useEffect, useRef } from 'preact/hooks';
import type { View } from './ui';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, DoughnutController, ArcElement, Tooltip, Legend);

export interface Count {
  key: string;
  count: number;
}

const PALETTE = ['#2f6fb2', '#e07b39', '#4a9c5d', '#a9508f', '#8c8c3c', '#5b5bb5', '#c24e4e', '#3a9a9a', '#7a6a58', '#999999'];

export function CountChart(props: { title: string; counts: Count[]; kind: 'bar' | 'doughnut'; testid: string }): View {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    const chart = new Chart(canvas.current, {
      type: props.kind,
      data: {
        labels: props.counts.map((c) => c.key),
        datasets: [{ label: props.title, data: props.counts.map((c) => c.count), backgroundColor: props.kind === 'bar' ? PALETTE[0] : PALETTE }],
      },
      options: {
        // Drawn once, at once: nothing moves under the operator's eyes (or a screenshot).
        animation: false,
        maintainAspectRatio: false,
        plugins: { legend: { display: props.kind === 'doughnut', position: 'right' } },
        ...(props.kind === 'bar' ? { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } } : {}),
      },
    });
    return () => chart.destroy();
  }, [props.kind, JSON.stringify(props.counts)]);
  return html`<figure class="chart" data-testid=${props.testid}>
    <figcaption>${props.title}</figcaption>
    <div class="canvas-box"><canvas ref=${canvas} role="img" aria-label=${`${props.title}: ${props.counts.map((c) => `${c.key} ${c.count}`).join(', ')}`}></canvas></div>
    <details>
      <summary>Figures</summary>
      <table>
        <tbody>
          ${props.counts.map((c) => html`<tr><th scope="row">${c.key}</th><td class="num">${c.count}</td></tr>`)}
        </tbody>
      </table>
    </details>
  </figure>`;
}
