import { NextResponse } from "next/server";
import { withBearer } from "@/lib/infra/http/route-wrappers";
import { appReadContext } from "@/lib/read/context";
import { readDoctorChecks } from "@/lib/read/doctor";

export const dynamic = "force-dynamic";

/** The Doctor's checks as JSON, for scripts and monitoring. */
export const GET = withBearer({ name: "api.checks", token: (c) => c.apiToken }, async () => {
  const checks = await readDoctorChecks(appReadContext());
  const failing = checks.filter((c) => c.status === "fail").length;
  return NextResponse.json({ ok: failing === 0, generatedAt: new Date().toISOString(), checks });
});
