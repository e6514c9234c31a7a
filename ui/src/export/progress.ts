// The Export screen's progress bar. Pure, so it is unit-tested. (File names are the
// backend's: it shows the save dialog.)
import type { ExportProgress } from '../ipc';

/** 0–100, whole; 0 before the total is known, never above 100 (events arriving meanwhile). */
export function progressPercent(progress: Pick<ExportProgress, 'eventsDone' | 'eventsTotal'> | null): number {
  if (!progress || progress.eventsTotal <= 0) return 0;
  return Math.min(100, Math.floor((progress.eventsDone * 100) / progress.eventsTotal));
}
