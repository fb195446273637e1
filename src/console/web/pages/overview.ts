/** The registry at a glance: who is in it, by sex, age band, area and status. */
import { html } from 'htm/preact';
import { Count, CountChart } from '../chart';
import { Section, useQuery, View } from '../ui';

const STATS = `query Overview {
  registryStats { total bySex { key count } byAgeBand { key count } byArea { key count } byStatus { key count } }
}`;

interface Stats {
  registryStats: { total: number; bySex: Count[]; byAgeBand: Count[]; byArea: Count[]; byStatus: Count[] };
}

export function Overview(): View {
  const loaded = useQuery<Stats>(STATS);
  return html`<${Section} title="Registry overview" loaded=${loaded} testid="overview">
    ${({ registryStats: s }: Stats) => html`
      <p class="total"><strong data-testid="total">${s.total}</strong> individuals registered</p>
      <div class="charts">
        <${CountChart} title="By area" counts=${s.byArea} kind="bar" testid="chart-area" />
        <${CountChart} title="By sex" counts=${s.bySex} kind="doughnut" testid="chart-sex" />
        <${CountChart} title="By age band" counts=${s.byAgeBand} kind="bar" testid="chart-age" />
        <${CountChart} title="By status" counts=${s.byStatus} kind="doughnut" testid="chart-status" />
      </div>
    `}
  <//>`;
}
