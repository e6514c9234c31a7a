// Activity in a small window (720×520): the list keeps most of the height; card, app, kind and
// dates fold behind a Filters button that says how many of them are set.
import { expect, test, type Page } from '@playwright/test';
import { open, seriousViolations } from './support';

/** Activity rows wholly visible: inside the list's box and the part of main the window shows. */
async function rowsInView(page: Page): Promise<number> {
  return page.evaluate(() => {
    const main = document.querySelector('main')?.getBoundingClientRect();
    const list = document.querySelector('[data-testid=activity-list]')?.getBoundingClientRect();
    if (!main || !list) return 0;
    const top = Math.max(main.top, list.top);
    const bottom = Math.min(main.bottom, list.bottom, window.innerHeight);
    return [...document.querySelectorAll('[data-testid=activity-row]')].filter((row) => {
      const box = row.getBoundingClientRect();
      return box.height > 0 && box.top >= top - 0.5 && box.bottom <= bottom + 0.5;
    }).length;
  });
}

for (const [lang, scheme, filtersName, card] of [
  ['en', 'light', 'Filters', 'Card'],
  ['fr', 'dark', 'Filtres', 'Carte'],
] as const) {
  test(`activity at 720×520 shows at least 4 rows, the other filters one click away (${lang})`, async ({ page }) => {
    await page.setViewportSize({ width: 720, height: 520 });
    await page.emulateMedia({ colorScheme: scheme });
    await open(page, '#/activity', {}, lang);
    await expect(page.getByTestId('activity-row').first()).toBeVisible();
    expect(await rowsInView(page)).toBeGreaterThanOrEqual(4);
    // Without scrolling the window or the screen.
    const scrolled = await page.evaluate(() => {
      const main = document.querySelector('main') as HTMLElement;
      return { main: main.scrollHeight - main.clientHeight, page: document.documentElement.scrollHeight - window.innerHeight };
    });
    expect(scrolled).toEqual({ main: 0, page: 0 });

    // The search stays; the card filter is behind the Filters button.
    await expect(page.getByRole('searchbox')).toBeVisible();
    const toggle = page.getByRole('button', { name: new RegExp(`^${filtersName}`) });
    await expect(toggle).toHaveAccessibleName(filtersName);
    await expect(toggle).toHaveAttribute('aria-expanded', 'false');
    await expect(page.getByRole('combobox', { name: new RegExp(`^${card}`) })).toBeHidden();
    await toggle.click();
    await expect(toggle).toHaveAttribute('aria-expanded', 'true');
    await page.getByRole('combobox', { name: new RegExp(`^${card}`) }).selectOption('tok_demo_visa');
    await toggle.click();
    await expect(page.getByRole('combobox', { name: new RegExp(`^${card}`) })).toBeHidden();
    // Folded, it still says a filter is set.
    await expect(toggle).toHaveAccessibleName(`${filtersName} (1)`);
    await expect(toggle).toHaveAttribute('aria-expanded', 'false');
    expect(await seriousViolations(page)).toEqual([]);
  });
}

test('activity in a large window shows every filter and no Filters button', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await open(page, '#/activity');
  await expect(page.getByTestId('activity-row').first()).toBeVisible();
  await expect(page.getByRole('combobox', { name: /^Card/ })).toBeVisible();
  await expect(page.getByRole('combobox', { name: /^Kind/ })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Filters', exact: true })).toBeHidden();
  expect(await rowsInView(page)).toBeGreaterThanOrEqual(7);
});
