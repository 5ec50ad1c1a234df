/** What the runner gives each scenario. */
import type { ScenarioResult } from './harness.ts';
import type { ScratchPostgres } from './postgres.ts';

export interface ScenarioContext {
  /** A temporary directory of this run (removed at the end): DATA_DIRs go below it. */
  tmp: string;
  /** The runner's own PostgreSQL, started on first use. */
  postgres(): Promise<ScratchPostgres>;
}

export interface Scenario {
  name: string;
  /** The scenario is stopped (and fails) after this long. */
  budgetMs: number;
  run(context: ScenarioContext): Promise<ScenarioResult>;
}
