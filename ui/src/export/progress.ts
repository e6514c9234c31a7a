// The Export screen's progress bar and default file names. Pure, so they are unit-tested.
import type { ExportFormat, ExportProgress } from '../ipc';

/** 0–100, whole; 0 before the total is known, never above 100 (events arriving meanwhile). */
export function progressPercent(progress: Pick<ExportProgress, 'rowsDone' | 'totalEstimate'> | null): number {
  if (!progress || progress.totalEstimate <= 0) return 0;
  return Math.min(100, Math.floor((progress.rowsDone * 100) / progress.totalEstimate));
}

const EXTENSIONS: Record<ExportFormat, string | null> = { archive: 'age', json: 'json', ofx: 'ofx', csv: null };

/** `consentry-2026-11-27.age`; CSV is a folder, so no extension. */
export function defaultExportName(format: ExportFormat, today: Date): string {
  const day = today.toISOString().slice(0, 10);
  const ext = EXTENSIONS[format];
  return ext ? `consentry-${day}.${ext}` : `consentry-csv-${day}`;
}

/** The save dialog's file filter for a format (none for CSV's folder). */
export function exportFilters(format: ExportFormat): { name: string; extensions: string[] }[] {
  const ext = EXTENSIONS[format];
  return ext ? [{ name: format.toUpperCase(), extensions: [ext] }] : [];
}
