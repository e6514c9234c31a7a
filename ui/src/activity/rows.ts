// The lines the virtualised list draws: one per row of the feed (an event of its own or a
// purchase), and, under an expanded purchase, one per event of that purchase. Every line has
// the same height, so the list stays a fixed-height window over this array.
import type { ActivityItem } from '../ipc';
import { rowKey } from './summary';

export interface ListLine {
  /** Stable across pages and refreshes: the row's key, or the event's id under its row's key. */
  key: string;
  /** The row of the feed this line is, or belongs to. */
  row: ActivityItem;
  /** Which row of the feed (0-based). */
  rowIndex: number;
  /** For a line under an expanded purchase: the purchase's event it shows. */
  member: ActivityItem | null;
}

/** The lines for `items` with the purchases whose keys are in `expanded` opened. */
export function listLines(items: ActivityItem[], expanded: ReadonlySet<string>): ListLine[] {
  const lines: ListLine[] = [];
  items.forEach((row, rowIndex) => {
    const key = rowKey(row);
    lines.push({ key, row, rowIndex, member: null });
    if (row.group && expanded.has(key)) {
      for (const member of row.group.events) lines.push({ key: `${key}/${member.id}`, row, rowIndex, member });
    }
  });
  return lines;
}

/** The event a line opens: its own event; for a purchase, the transaction event that says its state (else the row's event). */
export function eventToOpen(line: Pick<ListLine, 'row' | 'member'>): ActivityItem['id'] {
  if (line.member) return line.member.id;
  return line.row.group?.transactionEventId ?? line.row.id;
}

/** Whether a row carries a violation, its own or one of its purchase's events. */
export function flagged(row: ActivityItem): boolean {
  return row.group ? row.group.violationCount > 0 : row.violation;
}

/** `items` and then the rows of an older page, a row already listed (a purchase that moved up while paging) left out. */
export function appendPage(items: ActivityItem[], page: ActivityItem[]): ActivityItem[] {
  const shown = new Set(items.map(rowKey));
  return items.concat(page.filter((i) => !shown.has(rowKey(i))));
}

/**
 * `fresh` rows (newer than the first one) on top of `items`, each replacing its row wherever it
 * was: a purchase with a new event moves up to it; a refresh that raced another repeats the
 * first rows. `arrived` counts the rows that were not at the top already.
 */
export function prependFresh(items: ActivityItem[], fresh: ActivityItem[]): { items: ActivityItem[]; arrived: number } {
  const top = new Set(items.slice(0, fresh.length + 1).map((i) => i.id));
  const freshKeys = new Set(fresh.map(rowKey));
  return {
    items: fresh.concat(items.filter((i) => !freshKeys.has(rowKey(i)))),
    arrived: fresh.filter((i) => !top.has(i.id)).length,
  };
}
