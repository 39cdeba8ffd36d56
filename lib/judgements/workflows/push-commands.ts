// What a workflow `run:` script does with images, judged line by line from its text: whether it pushes, whether
// everything it runs only serves building, tagging and pushing (so the step can go), and whether it hands the work
// to a script file Deckhand cannot see. Shell is not parsed; anything not recognised counts as "other work", so
// an unclear script keeps its step or makes the caller refuse, never the other way round.

/** Registries other than ECR; a push to one of these is not Deckhand's to take over. */
const OTHER_REGISTRY = /\b(ghcr\.io|docker\.io|index\.docker\.io|quay\.io|registry\.gitlab\.com|[\w.-]+\.pkg\.dev|gcr\.io|[\w.-]+\.azurecr\.io|public\.ecr\.aws)\b/;

const PUSH = [
  /^(sudo\s+)?(docker|podman|buildah|nerdctl)\s+(image\s+)?push\b/,
  /^(sudo\s+)?docker(\s+|-)compose\b.*\spush\b/,
  /^(sudo\s+)?docker\s+(buildx\s+)?(build|bake)\b.*\s--push\b/,
  /^(sudo\s+)?docker\s+buildx\s+imagetools\s+create\b/,
  /^(sudo\s+)?(skopeo\s+copy|crane\s+(push|copy|cp))\b/,
];

/** Commands that only serve building, tagging and pushing images to ECR. */
const PUSH_SUPPORT = [
  /^(sudo\s+)?(docker|podman|buildah|nerdctl)\s+(image\s+)?(build|tag|inspect|images|pull|login|logout|load|save|rmi|manifest)\b/,
  /^(sudo\s+)?docker\s+buildx\s+(build|bake|create|use|inspect)\b/,
  /^(sudo\s+)?docker(\s+|-)compose\b.*\s(build|config|pull|images)\b/,
  /^aws\s+ecr\b/,
  /^aws\s+ecr-public\b/,
  /^aws\s+sts\s+get-caller-identity\b/,
];

/** Shell scaffolding that does no work of its own. */
const SCAFFOLD = /^(for\b.*|do|done|if|then|else|elif|fi|while\b.*|until\b.*|case\b.*|esac|;;|continue|break|true|:|\{|\}|\(|\)|exit(\s+\d+)?|set\s+-[a-z]+(\s+\w+)?|\[{1,2}\s.*\]{1,2}|test\s.*|echo\b.*|printf\b.*|cd\s+\S+|export\s+[A-Za-z_]\w*(=.*)?|local\s+.*|shift|return(\s+\d+)?)$/;

/** Text tools that may sit in a pipe next to a push command. */
const PIPE_TOOL = /^(grep|egrep|sed|awk|cut|head|tail|tr|sort|uniq|jq|wc|cat|xargs\s+-n\s*1\s+echo)\b/;

/** A script file or build tool whose contents are out of sight. */
const SCRIPT_CALL = /^(sudo\s+)?((bash|sh|zsh|source|\.)\s+\S+|\.{0,2}\/\S+|\S+\.(sh|bash|py|rb|js|mjs|ts|ps1)\b.*|make\b.*|just\b.*|task\b.*|npm\s+run\s+\S*(push|publish|deploy|release|docker|image|ecr)\S*.*|python3?\s+\S+|node\s+\S+)$/;

export interface ScriptVerdict {
  /** The script pushes an image (one of its commands does). */
  pushes: boolean;
  /** Every command it runs serves building/tagging/pushing (or is scaffolding): the step can go whole. */
  onlyPushWork: boolean;
  /** Commands that build or tag images (without pushing). */
  builds: boolean;
  /** Calls to script files or build tools whose contents Deckhand cannot see (`./push.sh`, `make push`). */
  scriptCalls: string[];
  /** A registry other than ECR the script pushes to, when named. */
  otherRegistry: string | null;
  /** Commands that run the AWS CLI (so AWS credentials are still needed). */
  usesAws: boolean;
}

/** Strip `${{ }}` expressions and the contents of quoted strings, so separators inside them do not split commands. */
function mask(script: string): string {
  return script
    .replace(/\$\{\{[\s\S]*?\}\}/g, "EXPR")
    .replace(/'[^'\n]*'/g, "'Q'")
    .replace(/"(?:[^"\\\n]|\\.)*"/g, (m) => (m.includes("$(") ? m.replace(/^"|"$/g, "") : '"Q"'));
}

/** The simple commands of a script: continuation lines joined, comments dropped, split on ; && || | and $( ). */
export function commandsOf(script: string): string[] {
  const joined = mask(script.replace(/\\\r?\n/g, " "));
  const out: string[] = [];
  for (const rawLine of joined.split(/\r?\n/)) {
    const line = rawLine.replace(/(^|\s)#.*$/, "").trim();
    if (!line) continue;
    for (let part of line.split(/\$\(|\)|`|;|&&|\|\||\|/)) {
      part = part.trim().replace(/^(then|do|else|!)\s+/, "");
      // `name=value` assignments do no work of their own (a command substitution in them was split off above).
      part = part.replace(/^([A-Za-z_]\w*=(\S*|'Q'|"Q")\s*)+/, "").trim();
      if (/^(if|while|until|elif)\s+/.test(part)) part = part.replace(/^(if|while|until|elif)\s+/, "");
      if (part) out.push(part);
    }
  }
  return out;
}

/** Judge one `run:` script (bash as GitHub runs it). Pure. */
export function judgeScript(script: string): ScriptVerdict {
  const commands = commandsOf(script);
  let pushes = false;
  let builds = false;
  let usesAws = false;
  let onlyPushWork = true;
  const scriptCalls: string[] = [];
  for (const c of commands) {
    if (/^aws\s/.test(c)) usesAws = true;
    if (PUSH.some((p) => p.test(c))) {
      pushes = true;
      continue;
    }
    if (PUSH_SUPPORT.some((p) => p.test(c))) {
      if (/\b(build|tag|bake)\b/.test(c) && !/^aws\s/.test(c)) builds = true;
      continue;
    }
    if (SCAFFOLD.test(c) || PIPE_TOOL.test(c) || c === "EXPR") continue;
    if (SCRIPT_CALL.test(c)) scriptCalls.push(c);
    onlyPushWork = false;
  }
  // Registries are named in the original text (masking hid quoted ones).
  const pushLines = script.split(/\r?\n/).filter((l) => /\bpush\b|--push\b|skopeo|crane/.test(l));
  const other = pushLines.map((l) => OTHER_REGISTRY.exec(l)?.[1]).find(Boolean) ?? null;
  return { pushes, onlyPushWork: onlyPushWork && (pushes || builds), builds, scriptCalls, otherRegistry: other, usesAws };
}

/** Whether a `docker/build-push-action` or `docker/login-action` input names a registry other than ECR. */
export function otherRegistryIn(text: string): string | null {
  return OTHER_REGISTRY.exec(text)?.[1] ?? null;
}
