import { z } from 'zod';
import { envSection, int } from './env-section.js';

/** The server's system prompt when none is configured. */
export const DEFAULT_SYSTEM_PROMPT =
  'You are StreamForge, a helpful assistant. Answer accurately and concisely; say so when you do not know.';

/** What goes into an answer: the system prompt, how much history, how long, how many components. */
export const answerSettings = envSection('', {
  /** The server's system prompt. */
  SYSTEM_PROMPT: z.string().min(1).default(DEFAULT_SYSTEM_PROMPT),
  /** Earlier turns sent to a model are trimmed, oldest first, to this many tokens. @default 8000 */
  HISTORY_TOKEN_BUDGET: int(100, 2_000_000).default(8_000),
  /** Cap on the tokens a model may generate per answer; unset: the provider's default. */
  MAX_OUTPUT_TOKENS: int(1, 1_000_000).optional(),
  /** Components (tables, cards) per answer; more are skipped with a notice. @default 5 */
  MAX_COMPONENTS: int(0, 100).default(5),
  /** Pause between a table's rows, so clients see it fill. @default 20 */
  COMPONENT_ROW_DELAY_MS: int(0, 10_000).default(20),
});
export type AnswerSettings = z.infer<typeof answerSettings>;
