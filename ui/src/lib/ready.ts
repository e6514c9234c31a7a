/**
 * The moment the first screen the cardholder can use is drawn, as a performance mark (set
 * once). `make bench` reads it to time the launch against an empty Tauri app that sets the
 * same mark (tests/fixtures/empty-app/dist/main.js).
 */
export const INTERACTIVE_MARK = 'app:interactive';

export function markInteractive(): void {
  if (performance.getEntriesByName(INTERACTIVE_MARK).length === 0) {
    performance.mark(INTERACTIVE_MARK);
  }
}
