/** What each key threshold may be, in whole days: the schema checks these and the form shows them beside the fields. */
export const THRESHOLD_LIMITS = { min: 1, max: 3650 } as const;
