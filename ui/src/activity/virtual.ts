// The window of a virtualised list: which rows to put in the DOM for a scroll position, and
// where. Browsers cap an element's height (~17–33 million px), so past MAX_SCROLL_PX the
// scroll range is compressed: the scroll fraction maps onto the whole list and the visible
// rows are placed relative to the scroll position.

export const MAX_SCROLL_PX = 8_000_000;

export interface WindowInput {
  scrollTop: number;
  viewport: number;
  rowHeight: number;
  count: number;
  overscan?: number;
  maxScrollPx?: number;
}

export interface ListWindow {
  /** First row in the DOM. */
  start: number;
  /** One past the last row in the DOM. */
  end: number;
  /** Height of the scrollable content. */
  totalHeight: number;
  /** Top of row `index` (for start ≤ index < end) inside the content. */
  top: (index: number) => number;
}

export function listWindow(input: WindowInput): ListWindow {
  const { viewport, rowHeight, count } = input;
  const overscan = input.overscan ?? 4;
  const maxScroll = input.maxScrollPx ?? MAX_SCROLL_PX;
  const realHeight = count * rowHeight;
  const totalHeight = Math.min(realHeight, maxScroll);
  const scrollTop = Math.max(0, Math.min(input.scrollTop, Math.max(0, totalHeight - viewport)));
  // Where the viewport's top is in the uncompressed list.
  let virtualTop = scrollTop;
  if (realHeight > maxScroll) {
    const fraction = scrollTop / Math.max(1, maxScroll - viewport);
    virtualTop = fraction * Math.max(0, realHeight - viewport);
  }
  const first = Math.floor(virtualTop / rowHeight);
  const visible = Math.ceil(viewport / rowHeight) + 1;
  const start = Math.max(0, first - overscan);
  const end = Math.min(count, first + visible + overscan);
  const shift = scrollTop - virtualTop;
  return { start, end, totalHeight, top: (index) => index * rowHeight + shift };
}

/** The scrollTop that brings row `index` into view (minimal scroll), for keyboard moves. */
export function scrollToReveal(
  index: number,
  current: { scrollTop: number; viewport: number; rowHeight: number; count: number; maxScrollPx?: number },
): number {
  const { scrollTop, viewport, rowHeight, count } = current;
  const maxScroll = current.maxScrollPx ?? MAX_SCROLL_PX;
  const realHeight = count * rowHeight;
  if (realHeight <= maxScroll) {
    const top = index * rowHeight;
    if (top < scrollTop) return top;
    if (top + rowHeight > scrollTop + viewport) return top + rowHeight - viewport;
    return scrollTop;
  }
  const win = listWindow({ scrollTop, viewport, rowHeight, count, maxScrollPx: maxScroll });
  const top = win.top(index);
  if (top >= scrollTop && top + rowHeight <= scrollTop + viewport) return scrollTop;
  // Compressed: aim the fraction at the row.
  const fraction = Math.min(1, Math.max(0, (index * rowHeight) / Math.max(1, realHeight - viewport)));
  return fraction * (maxScroll - viewport);
}
