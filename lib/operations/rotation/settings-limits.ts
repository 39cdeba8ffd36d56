/** How long the old key stays inactive after a rotation, in whole days: the action checks it and the form shows it. */
export const GRACE_DAYS_LIMITS = { min: 0, max: 365 } as const;
