/** Every limit on a flow document, declared in one place (docs/flow-format.md, Validation). */
export const FLOW_LIMITS = {
  maxBlocks: 2_000,
  maxIntentsPerBlock: 500,
  maxExamplesPerIntent: 20_000,
  maxCasesPerCondition: 100,
  maxOptions: 20,
  maxOptionChars: 200,
  maxTextChars: 8_000,
  maxNameChars: 200,
  maxPatternChars: 1_000,
  maxConditionDepth: 8,
  maxSetValues: 100,
} as const;

/** Engine limits, shared with the validator (flow/ imports nothing; the engine imports this). */
export const ENGINE_LIMITS = {
  /**
   * Blocks entered in one step before the turn is stopped. The validator refuses any path longer than
   * this without a block that stops the step (step-length.ts), so no valid flow reaches the guard.
   */
  maxStepsPerTurn: 1_000,
  /** A variable value is truncated to this many UTF-16 units, so loops of `set` cannot grow state without bound. */
  maxVariableChars: 16_000,
  maxVariables: 500,
  /**
   * The conversation a classifier sees besides the text (the LLM uses it to read "yes" or "the second
   * one"): the last bot and user messages before it, each cut at maxContextChars. Kept in the state.
   */
  contextBotMessages: 2,
  contextUserMessages: 2,
  maxContextChars: 300,
} as const;
