"use server";

import { z } from "zod";
import { revalidatePath } from "next/cache";
import { defineAction } from "@/lib/infra/actions/action-client";
import { thresholdsSchema, updateThresholds } from "@/lib/operations/settings/thresholds";
import { setWebhookPushes, webhookPushesSchema } from "@/lib/operations/settings/webhook-pushes";
import { graceDaysSchema, setGraceDays } from "@/lib/operations/oidc/grace-days";

export const updateThresholdsAction = defineAction(
  { name: "settings.update-thresholds", role: "operator", input: thresholdsSchema },
  async (input, { db, actor }) => {
    const changed = updateThresholds({ db, actor }, input);
    revalidatePath("/", "layout");
    return {
      message: Object.keys(changed).length ? "Thresholds saved." : "Nothing changed.",
      target: "thresholds",
      detail: { changed },
    };
  },
);

export const setWebhookPushesAction = defineAction(
  { name: "settings.webhook-pushes", role: "operator", input: webhookPushesSchema },
  async (input, { db, actor }) => {
    const changed = setWebhookPushes({ db, actor }, input.enabled === "on");
    revalidatePath("/", "layout");
    return {
      message: !Object.keys(changed).length ? "Nothing changed." : input.enabled === "on" ? "Webhook pushes are on." : "Webhook pushes are off.",
      target: "webhook pushes",
      detail: { changed },
    };
  },
);

export const setGraceDaysAction = defineAction(
  { name: "settings.oidc-grace-days", role: "operator", input: z.object({ days: graceDaysSchema }) },
  async (input, { db, actor }) => {
    const changed = setGraceDays({ db, actor }, input.days);
    revalidatePath("/", "layout");
    return { message: Object.keys(changed).length ? `The key must go unused for ${input.days} days before it is retired.` : "Nothing changed.", target: "oidc grace days", detail: { changed } };
  },
);
