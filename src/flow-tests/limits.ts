/** Every limit on a conversation-test file, declared in one place (docs/conversation-tests.md, Limits). */
export const TEST_FILE_LIMITS = {
  /** A test file's size, on disk or as a request body. */
  maxFileBytes: 1024 * 1024,
  maxConversations: 1_000,
  maxStepsPerConversation: 500,
  /** All steps of a file together, so that a stored file runs in bounded time on POST /api/flow/validate. */
  maxStepsPerFile: 10_000,
  maxNameChars: 200,
  /** A user message or quick-reply label; the chat's own limit (WS_MAX_TEXT_CHARS) is checked when run. */
  maxTextChars: 8_000,
  maxBotMessagesPerStep: 100,
  maxPatternChars: 1_000,
  maxVariablesPerStep: 100,
  maxPathChars: 1_000,
} as const;
