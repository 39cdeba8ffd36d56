import AxeBuilder from "@axe-core/playwright";
import { expect, type Page } from "@playwright/test";

/**
 * The page now open in `page` has no serious or critical axe finding (WCAG 2.1 A/AA) and never scrolls sideways
 * itself: wide tables and code scroll inside their own box. `exclude`: selectors axe skips (repeated rows).
 */
export async function expectAccessible(page: Page, label: string, exclude: string[] = []) {
  let axe = new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]);
  for (const selector of exclude) axe = axe.exclude(selector);
  const { violations } = await axe.analyze();
  const serious = violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | ")}`);
  expect(serious, `${label}: axe`).toEqual([]);
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
  expect(scrollWidth, `${label}: page wider than the window`).toBeLessThanOrEqual(innerWidth);
}

/** `expectAccessible` at a phone's width (390 px) and a desktop's (1280 px), restoring the page's viewport after. */
export async function expectAccessibleAtEveryWidth(page: Page, label: string, exclude: string[] = []) {
  const before = page.viewportSize();
  try {
    for (const width of [390, 1280]) {
      await page.setViewportSize({ width, height: 844 });
      await expectAccessible(page, `${label} at ${width} px`, exclude);
    }
  } finally {
    if (before) await page.setViewportSize(before);
  }
}
