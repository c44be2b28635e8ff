/** How the console words a replica's traffic settings and measurements. Missing values are "—". */
import type { AbortIf, Rollout, RolloutStop, Shadow } from './api.ts';
import { when } from './ui.tsx';

export const none = '—';

/** A share (0.0125) as a percentage ("1.25%"). */
export const rateText = (rate: number | null | undefined): string => (typeof rate === 'number' ? `${Math.round(rate * 10000) / 100}%` : none);

/** Milliseconds, with fewer decimals as they grow. */
export function msText(ms: number | null | undefined): string {
  if (typeof ms !== 'number') return none;
  const digits = ms < 10 ? 2 : ms < 100 ? 1 : 0;
  return `${ms.toFixed(digits)} ms`;
}

export const guardText = (guard: AbortIf): string => `Stops by itself above ${rateText(guard.errorRate)} errors, judged after ${guard.minRequests} requests`;

export function rolloutText(rollout: Rollout): string {
  const sticky = rollout.sticky ? `, sticky by ${rollout.sticky.by}${rollout.sticky.name ? ` ${rollout.sticky.name}` : ''}` : '';
  return `${rollout.percent}% of production${sticky}`;
}

export const stopText = (stop: RolloutStop): string => `Rollout stopped by itself at ${when(stop.at)} (it was at ${stop.percent}%): ${stop.reason}.`;

export const shadowText = (shadow: Shadow): string => `${shadow.percent}% of production ${shadow.methods.join(', ')} requests`;
