export interface ServiceProfiles {
  /** The service's `profiles:` (empty: always enabled). */
  profiles: string[];
  /** Services named in its `depends_on`, with `required` (Compose's default is true). */
  dependsOn: { service: string; required: boolean }[];
}

export type ProfileSelection =
  | { enabled: true; problems: string[] }
  | { enabled: false; reason: string };

/**
 * Which services a profile-less `docker compose build` enables (Compose Specification, "Profiles"): services without
 * `profiles`, and those with one of the active profiles (`*` activates all). Compose pulls a disabled dependency in
 * only for a service named on the command line; Deckhand builds the whole project, so an enabled service that
 * requires a disabled or undefined service is invalid, as the specification's own example (`zot`) says: that service
 * gets a problem (a `required: false` dependency is ignored).
 * @returns per service, whether it is enabled and why not, or the problems of an enabled one.
 */
export function selectProfiles(services: Map<string, ServiceProfiles>, active: string[]): Map<string, ProfileSelection> {
  const all = active.includes("*");
  const on = (s: ServiceProfiles) => s.profiles.length === 0 || all || s.profiles.some((p) => active.includes(p));
  const out = new Map<string, ProfileSelection>();
  for (const [name, s] of services) {
    if (!on(s)) {
      out.set(name, {
        enabled: false,
        reason: `profile not selected: it needs ${s.profiles.length > 1 ? "one of the profiles" : "the profile"} ${s.profiles.join(", ")}` +
          ` (active: ${active.length ? active.join(", ") : "none"}; set DECKHAND_COMPOSE_PROFILES or COMPOSE_PROFILES to build it)`,
      });
      continue;
    }
    const problems: string[] = [];
    for (const dep of s.dependsOn) {
      if (!dep.required) continue;
      const target = services.get(dep.service);
      if (!target) problems.push(`depends_on: service "${dep.service}" is not defined`);
      else if (!on(target)) {
        problems.push(`depends_on: service "${dep.service}" is disabled (profiles ${target.profiles.join(", ")} not active), which Compose refuses`);
      }
    }
    out.set(name, { enabled: true, problems });
  }
  return out;
}
