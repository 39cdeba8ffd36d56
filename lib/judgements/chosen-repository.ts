/** The cookie that remembers which configured repository the pages show, so links without `?repo=` keep it. */
export const CHOSEN_REPOSITORY_COOKIE = "deckhand_repo";

export type ChosenRepositoryStep =
  | { kind: "none" }
  /** Remember `repository` (a configured one other than the default) for the next pages. */
  | { kind: "remember"; repository: string }
  /** The default repository was chosen, or the cookie names none configured: forget it. */
  | { kind: "forget" }
  /** A page asked for without `?repo=` while another repository is chosen: the same address with `repo` set. */
  | { kind: "redirect"; repository: string };

/**
 * What a page request does about the chosen repository when several are configured (`repositories`, the default
 * first; owner/name, compared case-insensitively as GitHub does). `param`: the request's `?repo=`, `cookie`: the
 * remembered choice. Only configured repositories are ever remembered or redirected to, so a crafted address or
 * cookie can never pin the pages to an unknown one (an unknown `?repo=` is the page's own 404). Pure.
 */
export function decideChosenRepository(input: { repositories: readonly string[]; param: string | null; cookie: string | null }): ChosenRepositoryStep {
  const { repositories, param, cookie } = input;
  if (repositories.length < 2) return cookie ? { kind: "forget" } : { kind: "none" };
  const configured = (name: string | null) => (name ? repositories.find((r) => r.toLowerCase() === name.toLowerCase()) : undefined);
  const isDefault = (name: string) => name.toLowerCase() === repositories[0].toLowerCase();
  if (param !== null) {
    const chosen = configured(param);
    if (!chosen) return { kind: "none" };
    if (isDefault(chosen)) return cookie ? { kind: "forget" } : { kind: "none" };
    return chosen === cookie ? { kind: "none" } : { kind: "remember", repository: chosen };
  }
  if (!cookie) return { kind: "none" };
  const remembered = configured(cookie);
  if (!remembered || isDefault(remembered)) return { kind: "forget" };
  return { kind: "redirect", repository: remembered };
}
