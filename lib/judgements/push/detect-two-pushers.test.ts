import { describe, expect, it } from "vitest";
import { detectTwoPushers } from "./detect-two-pushers";
import type { CloudTrailEvent } from "../posture/types";

const NOW = new Date("2026-12-02T12:00:00Z");
const ago = (h: number) => new Date(NOW.getTime() - h * 3_600_000).toISOString();
const put = (repositoryName: string, hoursAgo: number, over: Partial<CloudTrailEvent> = {}): CloudTrailEvent => ({
  time: ago(hoursAgo),
  eventName: "PutImage",
  eventSource: "ecr.amazonaws.com",
  errorCode: null,
  errorMessage: null,
  accessKeyId: "AKIAPUSH",
  sourceIp: "20.1.2.3",
  userAgent: "docker/26.1.3",
  region: "us-east-1",
  repositoryName,
  ...over,
});

describe("detectTwoPushers", () => {
  it("names each repository both pushed to, with counts and the newest push of each", () => {
    const r = detectTwoPushers({
      deckhandPushes: [
        { repository: "mcp-server-tcp", at: ago(1) },
        { repository: "mcp-server-tcp", at: ago(30) },
        { repository: "mcp-server-http", at: ago(2) },
      ],
      workflowEvents: [put("mcp-server-tcp", 1.5), put("mcp-server-tcp", 20), put("other", 1)],
      now: NOW,
    });
    expect(r).toEqual([{ repository: "mcp-server-tcp", deckhand: { count: 2, last: ago(1) }, workflow: { count: 2, last: ago(1.5) } }]);
  });

  it("one pusher, failed PutImage calls, other calls and pushes outside the window are not two pushers", () => {
    expect(
      detectTwoPushers({
        deckhandPushes: [{ repository: "web", at: ago(1) }],
        workflowEvents: [
          put("web", 2, { errorCode: "ImageTagAlreadyExistsException" }),
          put("web", 2, { eventName: "BatchGetImage" }),
          put("web", 24 * 20),
        ],
        now: NOW,
      }),
    ).toEqual([]);
    expect(detectTwoPushers({ deckhandPushes: [], workflowEvents: [put("web", 1)], now: NOW })).toEqual([]);
  });
});
