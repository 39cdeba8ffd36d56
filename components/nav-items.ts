export interface NavItem {
  href: string;
  label: string;
  /** What the page answers; shown on pages that are not built yet. */
  summary: string;
}

export const NAV_ITEMS: NavItem[] = [
  { href: "/", label: "Overview", summary: "Can we push right now, and is anything about to break?" },
  { href: "/credentials", label: "Credentials", summary: "The push user's access keys: age, last use, verdicts, and which key the GitHub secrets hold." },
  { href: "/policy", label: "Policy", summary: "The push user's IAM policies and their drift from the expected push policy." },
  { href: "/activity", label: "Activity", summary: "CloudTrail calls made with the push key, with errors explained." },
  { href: "/registry", label: "Registry", summary: "Every ECR repository with its images, digests and tags." },
  { href: "/workflows", label: "Workflows", summary: "GitHub Actions runs of the ECR workflow and the repository's others." },
  { href: "/pushes", label: "Pushes", summary: "Webhook deliveries and Deckhand's own build-and-push jobs." },
  { href: "/doctor", label: "Doctor", summary: "The guide's troubleshooting cases as live checks." },
  { href: "/setup", label: "Setup", summary: "The guide's steps 1 to 5, checked and finished by Deckhand." },
  { href: "/audit", label: "Audit", summary: "Who did what, when, with what outcome." },
  { href: "/settings", label: "Settings", summary: "Thresholds the other pages judge by." },
];

/** Shown after Overview when more than one repository is configured. */
export const FLEET_NAV_ITEM: NavItem = { href: "/fleet", label: "Fleet", summary: "Can every repository push right now? One row per repository." };
