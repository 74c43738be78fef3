// C0 controls but tab and newline, DEL, and C1 controls: in a model's text or a table cell they could move
// the cursor or restyle the terminal (an escape sequence smuggled into an answer), or break a table's rows.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
// eslint-disable-next-line no-control-regex
const CONTROL_OR_NEWLINE = /[\u0000-\u001f\u007f-\u009f]/g;

/** Text safe to write to a terminal: control characters removed, newlines and tabs kept. */
export function printable(text: string): string {
  return text.replace(CONTROL, '');
}

/** One line safe to write to a terminal: control characters, newlines and tabs become spaces. */
export function printableLine(text: string): string {
  return text.replace(CONTROL_OR_NEWLINE, ' ');
}
