// The guided setup as a pure judgement: what AWS and GitHub show now → the guide's items with their
// state, and a plan of only the missing or wrong steps with the exact API calls each will make.

import { REGION_VARIABLE, SECRET_NAMES } from "../../judgements/posture/github-config";
import { SETUP_STEP_ORDER, SETUP_STEP_TITLES, type PlannedStep, type SetupPlan, type SetupState, type SetupStepId, type StateItem } from "./types";

const ACTIONS_BY_STEP: Record<SetupStepId, string[]> = {
  "create-user": ["iam:CreateUser"],
  "put-policy": ["iam:PutUserPolicy"],
  "remove-region-secret": [],
  "set-region-variable": [],
  // DeleteAccessKey: a new key GitHub never received is deleted (unwind); UpdateAccessKey: the key GitHub does not hold is deactivated.
  "create-key": ["iam:ListAccessKeys", "iam:CreateAccessKey", "iam:DeleteAccessKey", "iam:UpdateAccessKey"],
  // The worker pushes with its own host's credentials, not Deckhand's.
  "first-push": [],
  verify: ["iam:GetUser", "iam:ListUserPolicies", "iam:GetUserPolicy", "ecr:DescribeRepositories"],
};

export function planSetup(state: SetupState): SetupPlan {
  const { userName, policyName, region } = state.names;
  const items: StateItem[] = [];
  const steps: PlannedStep[] = [];
  const blockers: string[] = [...state.errors];
  const gh = "GitHub";

  // Step 1: the user.
  if (!state.user) items.push({ id: "user", label: `IAM user ${userName}`, status: "unknown", detail: "Could not read the user (IAM GetUser failed)." });
  else if (state.user.exists) items.push({ id: "user", label: `IAM user ${userName}`, status: "done", detail: state.user.arn ?? "exists" });
  else {
    items.push({ id: "user", label: `IAM user ${userName}`, status: "missing", detail: "No such user (IAM GetUser answered NoSuchEntity)." });
    steps.push({ id: "create-user", title: SETUP_STEP_TITLES["create-user"], why: `The user ${userName} does not exist.`, calls: [`IAM CreateUser UserName=${userName}`] });
  }
  const userMissing = state.user !== null && !state.user.exists;

  // Step 2: the policy.
  const putPolicy = (why: string) =>
    steps.push({ id: "put-policy", title: SETUP_STEP_TITLES["put-policy"], why, calls: [`IAM PutUserPolicy UserName=${userName} PolicyName=${policyName} PolicyDocument=<expected policy>`] });
  if (userMissing) {
    items.push({ id: "policy", label: `Inline policy ${policyName}`, status: "missing", detail: "The user does not exist yet." });
    putPolicy(`A new user has no policy.`);
  } else if (!state.policy) items.push({ id: "policy", label: `Inline policy ${policyName}`, status: "unknown", detail: "Could not read the policy (IAM GetUserPolicy failed)." });
  else if (!state.policy.present) {
    items.push({ id: "policy", label: `Inline policy ${policyName}`, status: "missing", detail: "The user has no inline policy of that name." });
    putPolicy(`The user has no policy named ${policyName}.`);
  } else if (!state.policy.matches) {
    const parts = [
      state.policy.addedActions.length ? `missing ${state.policy.addedActions.join(", ")}` : "",
      state.policy.removedActions.length ? `grants more: ${state.policy.removedActions.join(", ")}` : "",
    ].filter(Boolean);
    const detail = `Differs from the expected policy${parts.length ? ` (${parts.join("; ")})` : ""}.`;
    items.push({ id: "policy", label: `Inline policy ${policyName}`, status: "wrong", detail });
    putPolicy(`${detail} It is replaced by the expected document.`);
  } else items.push({ id: "policy", label: `Inline policy ${policyName}`, status: "done", detail: "Matches the expected policy." });

  // Step 4 (GitHub configuration) is judged before the key: the stray secret and the variable come first
  // in the plan so that the canary run of the key step already sees AWS_REGION as a variable.
  const secrets = state.secrets;
  // A secret the organization or an environment gives the run counts as held: writing a repository copy over it
  // would shadow it (and a rotation would then have two copies to keep in step).
  const inherited = state.inherited ?? {};
  const hasSecret = (n: string) => secrets !== null && (secrets.includes(n) || (inherited[n] !== undefined && inherited[n].value === undefined));
  const heldPair = secrets !== null && SECRET_NAMES.every(hasSecret);
  if (secrets === null) items.push({ id: "secrets", label: "Secrets AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY", status: "unknown", detail: "Could not list the repository's secrets." });
  else {
    const missing = SECRET_NAMES.filter((n) => !hasSecret(n));
    const elsewhere = SECRET_NAMES.filter((n) => inherited[n] && inherited[n].value === undefined).map((n) => `${n} from the ${inherited[n].where}`);
    items.push({
      id: "secrets",
      label: "Secrets AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
      status: missing.length === 0 ? "done" : missing.length === 2 ? "missing" : "wrong",
      detail: (missing.length === 0 ? "Both exist." : `Missing: ${missing.join(", ")}.`) + (elsewhere.length ? ` ${elsewhere.join("; ")}.` : ""),
    });
    if (secrets.includes(REGION_VARIABLE)) {
      steps.push({
        id: "remove-region-secret",
        title: SETUP_STEP_TITLES["remove-region-secret"],
        why: "AWS_REGION is stored as a secret; the workflow reads vars.AWS_REGION, so the secret is never used and hides the mistake.",
        calls: [`${gh} DELETE /repos/{owner}/{repo}/actions/secrets/AWS_REGION`],
        needsConfirmation: "The secret AWS_REGION is deleted from the repository (its value cannot be read back; the variable replaces it).",
      });
    }
  }
  if (state.variables === null) items.push({ id: "variable", label: `Variable AWS_REGION = ${region}`, status: "unknown", detail: "Could not list the repository's variables." });
  else {
    const own = state.variables.find((x) => x.name === REGION_VARIABLE);
    const other = inherited[REGION_VARIABLE]?.value !== undefined ? inherited[REGION_VARIABLE] : undefined;
    // `inherited` names only what a run gets from elsewhere, so when it names AWS_REGION that copy wins (an
    // environment's over the repository's own; the organization's only when the repository has none).
    const v = other ? { name: REGION_VARIABLE, value: other.value! } : own;
    const from = other ? ` (from the ${other.where})` : "";
    const stray = secrets?.includes(REGION_VARIABLE) ? " AWS_REGION is a secret instead." : "";
    if (!v) {
      items.push({ id: "variable", label: `Variable AWS_REGION = ${region}`, status: stray ? "wrong" : "missing", detail: `No variable AWS_REGION.${stray}` });
      steps.push({ id: "set-region-variable", title: SETUP_STEP_TITLES["set-region-variable"], why: `There is no AWS_REGION variable.${stray}`, calls: [`${gh} POST /repos/{owner}/{repo}/actions/variables name=AWS_REGION value=${region}`] });
    } else if (v.value !== region) {
      items.push({ id: "variable", label: `Variable AWS_REGION = ${region}`, status: "wrong", detail: `AWS_REGION is "${v.value}"${from}.` });
      // A wrong value from the organization or an environment is fixed where it lives: a repository copy would shadow
      // it for this repository only, and an environment's copy would still win over it.
      if (other) blockers.push(`AWS_REGION is "${other.value}" from the ${other.where}, not ${region}: change it there (the guided setup writes only this repository's variable).`);
      else steps.push({ id: "set-region-variable", title: SETUP_STEP_TITLES["set-region-variable"], why: `AWS_REGION is "${v.value}", not ${region}.`, calls: [`${gh} PATCH /repos/{owner}/{repo}/actions/variables/AWS_REGION value=${region}`] });
    } else items.push({ id: "variable", label: `Variable AWS_REGION = ${region}`, status: "done", detail: `Set${from}.` });
  }

  // Step 3: a key GitHub holds.
  const keys = userMissing ? [] : state.keys;
  if (keys === null) items.push({ id: "key", label: "An access key GitHub holds", status: "unknown", detail: "Could not list the user's access keys." });
  // Whether GitHub holds a key rests on the secrets: unread, nothing is said of it and no key step is planned (it would
  // make a key and deactivate the one every holder may be pushing with).
  else if (secrets === null) items.push({ id: "key", label: "An access key GitHub holds", status: "unknown", detail: "Not known: the repository's secrets could not be listed." });
  else {
    const active = keys.filter((k) => k.status === "Active");
    const known = state.knownHeldKeyId;
    const held = heldPair && active.length > 0 && (!known || active.some((k) => k.accessKeyId === known));
    // A pair the organization or an environment gives may hold another IAM user's key (an organization's shared
    // CI key), and its two halves may come from different places: "done" only when Deckhand wrote the key itself.
    const elsewhere = SECRET_NAMES.filter((n) => !secrets?.includes(n) && inherited[n]);
    if (held && elsewhere.length && !(known && active.some((k) => k.accessKeyId === known))) {
      const where = [...new Set(elsewhere.map((n) => `the ${inherited[n].where}`))].join(" and ");
      items.push({
        id: "key",
        label: "An access key GitHub holds",
        status: "unknown",
        detail: `${elsewhere.join(" and ")} come${elsewhere.length === 1 ? "s" : ""} from ${where}: GitHub never shows a secret's value, so whether it holds a key of ${userName} is not known here (the Credentials page correlates it with CloudTrail). Nothing is written over it.`,
      });
    } else if (held) {
      const id = known ?? (active.length === 1 ? active[0].accessKeyId : null);
      items.push({ id: "key", label: "An access key GitHub holds", status: "done", detail: id ? `GitHub holds ${id} (active).` : "Both secrets exist and the user has an active key (GitHub never shows secret values)." });
    } else {
      const why = !heldPair
        ? `GitHub does not hold a key (the secrets are missing)${active.length ? `; ${active.map((k) => k.accessKeyId).join(", ")} exists but GitHub does not hold it` : ""}.`
        : active.length === 0
          ? "The secrets exist but the user has no active key."
          : `GitHub holds ${known}, which is not an active key of the user.`;
      items.push({ id: "key", label: "An access key GitHub holds", status: keys.length ? "wrong" : "missing", detail: why });
      if (keys.length >= 2) {
        blockers.push(`The user ${userName} already has two access keys (AWS allows two): delete the one GitHub does not hold on the Credentials page first.`);
      }
      const calls = [
        `IAM ListAccessKeys UserName=${userName}`,
        `IAM CreateAccessKey UserName=${userName}`,
        "STS GetCallerIdentity and ECR GetAuthorizationToken signed with the new key (until AWS accepts it)",
        `${gh} GET /repos/{owner}/{repo}/actions/secrets/public-key`,
        `${gh} PUT /repos/{owner}/{repo}/actions/secrets/AWS_SECRET_ACCESS_KEY (sealed)`,
        `${gh} PUT /repos/{owner}/{repo}/actions/secrets/AWS_ACCESS_KEY_ID (sealed)`,
        `${gh} POST /repos/{owner}/{repo}/actions/workflows/{workflow}/dispatches (canary run, when the workflow allows it)`,
        ...active.map((k) => `IAM UpdateAccessKey AccessKeyId=${k.accessKeyId} Status=Inactive (GitHub does not hold it)`),
      ];
      steps.push({ id: "create-key", title: SETUP_STEP_TITLES["create-key"], why, calls });
    }
  }

  if (state.repositories === null) items.push({ id: "repositories", label: "ECR repositories", status: "unknown", detail: "Could not list the repositories (ECR DescribeRepositories failed)." });
  else
    items.push({
      id: "repositories",
      label: "ECR repositories",
      status: "optional",
      detail: state.repositories.length ? state.repositories.join(", ") : "None yet: the workflow creates them on its first push (ecr:CreateRepository).",
    });

  // Nothing was ever pushed to this region: the doctor's "Image Not Found in ECR" would stay red after
  // a successful canary, so setup ends with the push the workflow (or Deckhand) would make anyway.
  if (state.repositoriesWithImages === 0) {
    steps.push({
      id: "first-push",
      title: SETUP_STEP_TITLES["first-push"],
      why: `No ECR repository in ${region} holds an image yet.`,
      calls: [
        `ECR DescribeRepositories + DescribeImages (skipped when the canary run's workflow already pushed)`,
        `Deckhand push of ${state.pushBranch}'s head, as for a git push: per compose service build, compare with ECR latest, push tags <sha7> and latest (CreateRepository on first push)`,
      ],
    });
  }

  steps.push({
    id: "verify",
    title: SETUP_STEP_TITLES.verify,
    why: "The guide's Step 5, live.",
    calls: [
      `IAM GetUser UserName=${userName}`,
      `IAM ListUserPolicies UserName=${userName}`,
      `IAM GetUserPolicy UserName=${userName} PolicyName=${policyName}`,
      `${gh} POST /repos/{owner}/{repo}/actions/workflows/{workflow}/dispatches (canary, unless the key step just ran one)`,
      "ECR DescribeRepositories",
      "The doctor's checks",
    ],
  });
  steps.sort((a, b) => SETUP_STEP_ORDER.indexOf(a.id) - SETUP_STEP_ORDER.indexOf(b.id));
  const requiredActions = [...new Set(steps.flatMap((s) => ACTIONS_BY_STEP[s.id]))];
  return { items, steps, blockers, requiredActions };
}
