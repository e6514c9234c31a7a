/**
 * The moment the first screen the cardholder can use is drawn, as a performance mark (set
 * once). `make bench` reads it to time the launch against an empty Tauri app that sets the
 * same mark (tests/fixtures/empty-app/dist/main.js).
 */
export const INTERACTIVE_MARK = 'app:interactive';

/** The steps on the way to it, for the bench's breakdown of a launch. */
export const LAUNCH_MARKS = {
  /** The bundle is parsed and its first line runs. */
  script: 'launch:script',
  /** The app is mounted (its first render is done, before any answer from the backend). */
  mounted: 'launch:mounted',
  /** The backend's first answer about the wallet arrived. */
  walletStatus: 'launch:wallet-status',
} as const;

/** Sets a launch mark once. */
export function markLaunch(name: (typeof LAUNCH_MARKS)[keyof typeof LAUNCH_MARKS]): void {
  if (performance.getEntriesByName(name).length === 0) performance.mark(name);
}

export function markInteractive(): void {
  if (performance.getEntriesByName(INTERACTIVE_MARK).length === 0) {
    performance.mark(INTERACTIVE_MARK);
  }
}
