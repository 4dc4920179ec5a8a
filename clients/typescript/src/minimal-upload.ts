/**
 * The smallest upload the server takes: holds without `set_number`, a session without `outcome`,
 * `assisted_by` or `stop_events`. The server fills those in (1, `completed`, `self`, none), so the
 * generated request type must let a client leave them out: this file compiling is the proof.
 */
import type { SessionUpload } from "./types.js";

export function minimalUpload(id: string, startedAt: string): SessionUpload {
    return {
        id,
        started_at: startedAt,
        goal: "general_flexibility",
        holds: [{ exercise: "assisted-lying-hamstring-stretch", side: "left", held_seconds: 30, intensity: 5 }],
    };
}
