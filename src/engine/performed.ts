/** Which step results wait on the outside world: the runtime performs their last effect, then steps again. */
import type { Effect, PerformedEffect } from './types.ts';

/** A key per performed effect type: the compiler asks for one when a case is added to PerformedEffect. */
const PERFORMED: Record<PerformedEffect['type'], true> = { classify: true };

const isPerformed = (effect: Effect): effect is PerformedEffect => Object.hasOwn(PERFORMED, effect.type);

/** The effect the turn now waits on, if any: a block that needs the outside world stops the step there. */
export function awaitedEffect(effects: readonly Effect[]): PerformedEffect | undefined {
  const last = effects.at(-1);
  return last && isPerformed(last) ? last : undefined;
}
