/**
 * A phone's day with StretchAPI, through the generated types and openapi-fetch: sign up, sign in,
 * choose an exercise, play its plan, upload a minimal and a full session, sync, read progress, and
 * the trainer's safety feed. Each step checks what the server answered.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";

import createClient from "openapi-fetch";

import type { paths } from "../generated/schema.js";
import { minimalUpload } from "./minimal-upload.js";
import type { SessionUpload } from "./types.js";

export interface FlowSettings {
    baseUrl: string;
    trainerEmail: string;
    trainerPassword: string;
    invitationCode: string;
    consentedClientEmail: string;
}

const HAMSTRING = "assisted-lying-hamstring-stretch";
const PNF = "pnf-hamstring-stretch";

function iso(moment: Date): string {
    return moment.toISOString();
}

function minutesAfter(start: Date, minutes: number): string {
    return iso(new Date(start.getTime() + minutes * 60_000));
}

export function fullUpload(id: string, start: Date): SessionUpload {
    return {
        id,
        started_at: iso(start),
        ended_at: minutesAfter(start, 30),
        goal: "general_flexibility",
        outcome: "completed",
        assisted_by: "partner",
        partner_name: "Sam",
        app_version: "ts-flow",
        holds: [
            { exercise: HAMSTRING, side: "left", set_number: 1, held_seconds: 30, intensity: 6, started_at: minutesAfter(start, 2) },
            { exercise: HAMSTRING, side: "right", held_seconds: 30, intensity: 8, pain: 2, started_at: minutesAfter(start, 4) },
            {
                exercise: PNF, side: "left", held_seconds: 6, intensity: 6, target_seconds: 5,
                contract_seconds: 5, relax_seconds: 5, assisted_hold_seconds: 6, started_at: minutesAfter(start, 8),
            },
        ],
        stop_events: [
            { kind: "sharp-pain", side: "right", occurred_at: minutesAfter(start, 5), action: "eased_off", pain: 3, hold_index: 1 },
            { kind: "other", side: null, occurred_at: minutesAfter(start, 12), action: "eased_off", note: "Felt dizzy." },
        ],
        measurements: [
            { kind: "straight_leg_raise", side: "left", value: 74, unit: "deg", measured_at: minutesAfter(start, 25) },
            { kind: "sit_and_reach", value: -3.5, unit: "cm", zero_offset_cm: 23, measured_at: minutesAfter(start, 26) },
        ],
    };
}

export async function runFlow(settings: FlowSettings): Promise<void> {
    const anonymous = createClient<paths>({ baseUrl: settings.baseUrl });

    // Sign up and sign this device in.
    const email = `ts-${randomUUID().slice(0, 8)}@example.com`;
    const password = "stretch-every-day-42";
    const registered = await anonymous.POST("/api/v1/auth/register/", {
        body: { email, password, display_name: "TypeScript flow" },
    });
    assert.equal(registered.response.status, 201, JSON.stringify(registered.error));
    assert.ok(registered.data);
    assert.equal(registered.data.role, "client");
    const me = registered.data;

    const signedIn = await anonymous.POST("/api/v1/auth/token/", {
        body: { email, password, device_name: "ts phone" },
    });
    assert.equal(signedIn.response.status, 201, JSON.stringify(signedIn.error));
    assert.ok(signedIn.data);
    const phone = createClient<paths>({
        baseUrl: settings.baseUrl,
        headers: { Authorization: `Bearer ${signedIn.data.token}` },
    });

    // The catalog: what can I do with a partner and a mat for the back of my thighs?
    const listed = await anonymous.GET("/api/v1/exercises/", {
        params: {
            query: { muscle: "biceps-femoris", goal: "general_flexibility", equipment_available: "partner,mat", ordering: "name" },
        },
    });
    assert.ok(listed.data, JSON.stringify(listed.error));
    assert.ok(listed.data.count > 0);
    const slugs = listed.data.results.map((exercise) => exercise.slug);
    assert.ok(slugs.includes(HAMSTRING), slugs.join(", "));
    for (const exercise of listed.data.results) {
        assert.ok(exercise.primary_muscles.includes("biceps-femoris"), exercise.slug);
        assert.ok(exercise.goals.includes("general_flexibility"), exercise.slug);
    }

    // Its timer plan, as the signed-in client (who has no health flags: no warnings).
    const plan = await phone.GET("/api/v1/exercises/{slug}/plan/", {
        params: { path: { slug: HAMSTRING }, query: { goal: "general_flexibility", side: "left" } },
    });
    assert.ok(plan.data, JSON.stringify(plan.error));
    assert.deepEqual(plan.data.sides.map((side) => side.side), ["left"]);
    assert.ok(plan.data.total_seconds > 0);
    assert.deepEqual(plan.data.warnings, []);
    assert.ok(plan.data.disclaimer.length > 0);

    // The trainer's invitation, accepted before the sessions so that their alerts reach the trainer.
    const linked = await phone.POST("/api/v1/me/trainers/", { body: { code: settings.invitationCode } });
    assert.equal(linked.response.status, 201, JSON.stringify(linked.error));
    assert.equal(linked.data?.trainer.email, settings.trainerEmail);

    const syncedAt = new Date(Date.now() - 1000);
    const start = new Date(Date.now() - 60 * 60_000);

    // The minimal upload: the server fills in what was left out.
    const minimal = await phone.POST("/api/v1/sessions/", { body: minimalUpload(randomUUID(), minutesAfter(start, -60)) });
    assert.equal(minimal.response.status, 201, JSON.stringify(minimal.error));
    assert.ok(minimal.data);
    assert.equal(minimal.data.outcome, "completed");
    assert.equal(minimal.data.assisted_by, "self");
    assert.equal(minimal.data.holds[0]?.set_number, 1);
    assert.deepEqual(minimal.data.stop_events, []);

    // A full upload, sent twice as a phone on a bad network would: stored once.
    const body = fullUpload(randomUUID(), start);
    const idempotencyKey = randomUUID();
    const full = await phone.POST("/api/v1/sessions/", {
        body,
        params: { header: { "Idempotency-Key": idempotencyKey } },
    });
    assert.equal(full.response.status, 201, JSON.stringify(full.error));
    assert.ok(full.data);
    assert.ok(full.response.headers.get("ETag"));
    assert.equal(full.data.flags.has_stop_event, true);
    assert.equal(full.data.flags.holds_above_target, 1);
    assert.equal(full.data.holds.length, 3);
    assert.equal(full.data.stop_events.length, 2);
    assert.equal(full.data.stop_events[0]?.hold, full.data.holds[1]?.id);
    assert.equal(full.data.measurements.length, 2);
    const retried = await phone.POST("/api/v1/sessions/", { body });
    assert.equal(retried.response.status, 200, JSON.stringify(retried.error));
    assert.equal(retried.data?.version, full.data.version);

    // Delta sync: what changed since the phone last looked.
    const synced = await phone.GET("/api/v1/sessions/", { params: { query: { updated_since: iso(syncedAt) } } });
    assert.ok(synced.data, JSON.stringify(synced.error));
    assert.deepEqual(
        synced.data.results.map((session) => session.id).sort(),
        [body.id, minimal.data.id].sort(),
    );

    // Progress: both sides logged; the unacknowledged stop event freezes the next step.
    const progress = await phone.GET("/api/v1/progress/", { params: { query: { exercise: HAMSTRING } } });
    assert.ok(progress.data, JSON.stringify(progress.error));
    assert.deepEqual(progress.data.sides.map((side) => side.side).sort(), ["left", "right"]);
    assert.equal(progress.data.next_step.action, "frozen");

    // The trainer's safety feed: this client's stop event, and the alerts of the client they already had.
    const trainerSignIn = await anonymous.POST("/api/v1/auth/token/", {
        body: { email: settings.trainerEmail, password: settings.trainerPassword, device_name: "ts tablet" },
    });
    assert.ok(trainerSignIn.data, JSON.stringify(trainerSignIn.error));
    const tablet = createClient<paths>({
        baseUrl: settings.baseUrl,
        headers: { Authorization: `Bearer ${trainerSignIn.data.token}` },
    });
    const mine = await tablet.GET("/api/v1/trainer/alerts/", { params: { query: { client: me.id, acknowledged: false } } });
    assert.ok(mine.data, JSON.stringify(mine.error));
    const kinds = mine.data.results.filter((alert) => alert.session === body.id).map((alert) => alert.kind);
    assert.ok(kinds.includes("stop_event"), kinds.join(", "));
    const feed = await tablet.GET("/api/v1/trainer/alerts/", {});
    assert.ok(feed.data, JSON.stringify(feed.error));
    const clients = new Set(feed.data.results.map((alert) => alert.client.email));
    assert.deepEqual([...clients].sort(), [email, settings.consentedClientEmail].sort());

    // A client is not a trainer.
    const refused = await phone.GET("/api/v1/trainer/alerts/", {});
    assert.equal(refused.response.status, 403);
    assert.equal(refused.error?.code, "permission_denied");
}
