"use server";

import { revalidatePath } from "next/cache";
import { defineAction } from "@/lib/infra/actions/action-client";
import { thresholdsSchema, updateThresholds } from "@/lib/operations/settings/thresholds";

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
