/** The `streamforge` terminal client: what its entry point (`main.ts`) and tests use. */
export { ChatView } from './chat-view.js';
export { ExitCode } from './exit-code.js';
export { formatCell } from './format-cell.js';
export { LiveBlock } from './live-block.js';
export { parseCommandLine } from './parse-command-line.js';
export type { Command } from './parse-command-line.js';
export { renderCard } from './render-card.js';
export { renderTable } from './render-table.js';
export { runCli } from './run-cli.js';
export type { CliIo, TerminalOutput } from './terminal-output.js';
export { USAGE } from './usage.js';
